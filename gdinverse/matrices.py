"""Matrices: the one front door every matrix comes in by, parsing pasted text, and writing matrices back as text.

:func:`as_matrix` is the front door. It reads a tensor of any real torch dtype, a numpy array of any real dtype
and byte order, a pandas DataFrame (nullable columns too), a scipy sparse matrix, and lists or tuples of rows
whose entries are numbers of any kind (ints, bools, floats, numpy scalars, ``Fraction``, ``Decimal``, 0-d
tensors, rows that are tensors requiring grad). Whatever it cannot read it refuses with a
:class:`MatrixInputError` that names the dtype or the entry and says what to do: no torch or numpy exception gets
out, and nothing is computed before the values are known to be a finite matrix the working dtype can hold.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from .cost import require
from .errors import MatrixInputError, check_device, check_dtype, check_int

__all__ = ["as_matrix", "format_matrix", "parse_matrix"]


def _default_dtype(A: Any, dtype: Any) -> torch.dtype:
    if dtype is not None:
        return check_dtype(dtype)
    if isinstance(A, torch.Tensor) and A.dtype == torch.float64:
        return torch.float64
    return torch.float32


def as_matrix(A: Any, *, dtype: Any = None, device: Any = None, name: str = "matrix") -> torch.Tensor:
    """Return ``A`` as a finite 2-D floating tensor: the front door of every function that takes a matrix.

    Accepts a tensor of any real dtype (bool, every integer width, float16, bfloat16, the float8 types,
    quantized tensors by their dequantized values; sparse layouts; tensors that require grad, which are
    detached), a numpy array of any real dtype and byte order (``longdouble`` within float64's range), a pandas
    DataFrame (nullable ``Int64``/``Float64``/``boolean`` columns too), a scipy sparse matrix, and nested lists or
    tuples of rows whose entries are real numbers of any kind: ints, bools, floats, numpy scalars,
    ``Fraction``, ``Decimal`` (each rounded to float64 once, correctly), 0-d
    tensors; a row may be a 1-D tensor or array. ``dtype`` is float32 (the seed's precision) unless given, or
    unless ``A`` is already a float64 tensor.

    Raises :class:`MatrixInputError` for anything that is not a non-empty, finite matrix the dtype can hold,
    naming the torch or numpy dtype it cannot read (complex, text, dates, torch's sub-byte and bit placeholder
    dtypes) or the row and column of the entry that is not a real number; and a :class:`CostError` when the
    conversion itself would need more memory than the limit (:mod:`gdinverse.cost`).
    """
    dtype = _default_dtype(A, dtype)
    values = _values(A, name)
    if values.numel() == 0:
        raise MatrixInputError(f"{name} is empty (shape {tuple(values.shape)}); give at least one row and column")
    if values.ndim != 2:
        shape = tuple(values.shape)
        raise MatrixInputError(
            f"{name} must be 2-D (rows × columns), got a {values.ndim}-D input of shape {shape}; "
            "give a list of rows such as [[1, 2], [3, 4]]"
        )
    require("as_matrix", tuple(values.shape), dtype=dtype)
    if device is None:
        device = A.device if isinstance(A, torch.Tensor) else values.device
    return _convert(values, dtype, check_device(device), name)


def _values(A: Any, name: str) -> torch.Tensor:
    """The real values of ``A`` as a tensor of a dtype torch computes with (bool, an integer or a float type)."""
    if isinstance(A, torch.Tensor):
        return _tensor_values(A, name)
    _refuse_non_container(A, name)
    if _is_scipy_sparse(A):
        require("as_matrix", tuple(A.shape), dtype=torch.float64)  # toarray() makes it dense
        return _array_values(A.toarray(), name)
    if _is_pandas(A):
        return _pandas_values(A, name)
    if isinstance(A, np.ma.MaskedArray) and np.ma.is_masked(A):
        where = np.argwhere(np.ma.getmaskarray(A))[0] + 1
        at = f" at row {where[0]}, column {where[1]}" if where.size == 2 else ""
        raise MatrixInputError(
            f"{name} has a masked (missing) entry{at}; fill it first, e.g. A.filled(0), or give a plain array"
        )
    if isinstance(A, np.ndarray):
        return _array_values(np.asarray(A), name)  # np.matrix as a plain array: its rows are not 2-D
    if isinstance(A, list | tuple):
        try:  # the common case at numpy's speed: a grid of plain numbers
            fast = np.asarray(A)
        except Exception:  # ragged rows, tensors that require grad, dtypes numpy lacks: read entry by entry
            fast = None
        if fast is not None and fast.dtype.kind in "biuf":
            return _array_values(fast, name)
        return _nested_values(A, name)
    try:
        values = np.asarray(A)
    except Exception as exc:
        reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise MatrixInputError(
            f"{name} is a {_type_name(A)}, which cannot be read as a grid of numbers ({reason}); give a tensor, "
            "a numpy array or a list of rows such as [[1, 2], [3, 4]]"
        ) from None
    return _array_values(values, name)


def _type_name(x: Any) -> str:
    kind = type(x)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _refuse_non_container(A: Any, name: str) -> None:
    """Refuse, by what they are, the values that hold no grid of numbers at all."""
    if isinstance(A, str):
        raise MatrixInputError(f"{name} is a string ({A[:40]!r}); use gdinverse.parse_matrix(text) to read text")
    if isinstance(A, bytes | bytearray):
        raise MatrixInputError(
            f"{name} is bytes ({bytes(A[:40])!r}), not numbers; decode them and use gdinverse.parse_matrix(text)"
        )
    if A is None:
        raise MatrixInputError(f"{name} is None, not a grid of numbers; give a list of rows such as [[1, 2], [3, 4]]")
    if isinstance(A, Mapping):
        raise MatrixInputError(
            f"{name} is a {_type_name(A)} (keys and values), not a grid of numbers; give a list of rows such as "
            "[[1, 2], [3, 4]] (for a dict of columns, pandas.DataFrame(d))"
        )
    if isinstance(A, Set):
        raise MatrixInputError(
            f"{name} is a {_type_name(A)}, which has no order, not a grid of numbers; give a list of rows such as "
            "[[1, 2], [3, 4]]"
        )
    if isinstance(A, Iterator):
        raise MatrixInputError(
            f"{name} is a {_type_name(A)}, which can be read only once, not a grid of numbers; pass a list of "
            "its rows, list(rows)"
        )


# ---------------------------------------------------------------------------- torch tensors


def _torch_dtypes(*names: str) -> frozenset[torch.dtype]:
    """The torch dtypes of these names that this torch has."""
    return frozenset(getattr(torch, n) for n in names if isinstance(getattr(torch, n, None), torch.dtype))


_TORCH_NUMBERS = _torch_dtypes(
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
)
"""Dtypes torch computes with: read as they are."""
_TORCH_FLOAT8 = _torch_dtypes("float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu")
"""Storage formats with few operations: read through float32, which holds every one of their values exactly."""
_TORCH_QUANTIZED = _torch_dtypes("qint8", "quint8", "qint32")
"""Quantized integers: read as the real values they stand for (``dequantize``: scale·(q − zero point))."""
_TORCH_PACKED_QUANTIZED = _torch_dtypes("quint4x2", "quint2x4")
_TORCH_SUB_BYTE = _torch_dtypes(*(f"{sign}int{bits}" for sign in ("", "u") for bits in range(1, 8)))
_TORCH_BITS = _torch_dtypes("bits1x8", "bits2x4", "bits4x2", "bits8", "bits16")
_TORCH_PACKED = _torch_dtypes("float4_e2m1fn_x2")


def _torch_refusal(dtype: torch.dtype) -> str | None:
    """Why a torch dtype cannot be read (None if it can)."""
    if dtype in _TORCH_NUMBERS or dtype in _TORCH_FLOAT8 or dtype in _TORCH_QUANTIZED:
        return None
    if dtype.is_complex:
        return "complex; gdinverse works with real matrices: pass A.real, or A.abs()"
    if dtype in _TORCH_SUB_BYTE:
        return (
            "a placeholder for sub-byte integers that torch defines no arithmetic or conversion for; "
            "unpack the values into torch.int8 (or any wider type) first"
        )
    if dtype in _TORCH_BITS:
        return "raw bits with no numeric meaning; view them as the numbers they encode, e.g. A.view(torch.uint8)"
    if dtype in _TORCH_PACKED:
        return "two 4-bit floats packed into each element, so its shape is not the matrix's; unpack them first"
    if dtype in _TORCH_PACKED_QUANTIZED:
        return (
            "sub-byte quantized integers packed into bytes, which torch's views and copies do not keep (they are "
            "for embedding tables); dequantize the tensor you quantized, before any view or copy, with A.dequantize()"
        )
    return "not a dtype gdinverse knows how to read; convert it with A.to(torch.float32) or A.to(torch.float64)"


def _tensor_values(A: torch.Tensor, name: str) -> torch.Tensor:
    """The values of a tensor: detached, dense, of a dtype torch computes with (never a view with a lazy sign)."""
    if A.is_meta:
        raise MatrixInputError(f"{name} is a meta tensor, which has a shape but no numbers; give a tensor of values")
    reason = _torch_refusal(A.dtype)
    if reason is not None:
        if A.dtype.is_complex:
            raise MatrixInputError(f"{name} is complex ({A.dtype}); {reason.split('; ', 1)[1]}")
        raise MatrixInputError(f"{name} has dtype {A.dtype}, {reason}")
    if A.is_nested:
        raise MatrixInputError(
            f"{name} is a nested tensor (its rows may differ in length); give a plain tensor, torch.stack(rows)"
        )
    A = A.detach()
    if A.layout != torch.strided:
        require("as_matrix", tuple(A.shape), dtype=torch.float64)  # to_dense() makes it dense
        A = A.to_dense()
    if A.is_quantized:
        A = A.dequantize()
    elif A.dtype in _TORCH_FLOAT8:
        A = A.to(torch.float32)
    return A.resolve_conj().resolve_neg()


# ---------------------------------------------------------------------------- numpy arrays, pandas, scipy

_KINDS = {
    "c": "complex numbers; gdinverse works with real matrices: pass A.real, or abs(A)",
    "U": "text; use gdinverse.parse_matrix(text) to read numbers written as text",
    "T": "text; use gdinverse.parse_matrix(text) to read numbers written as text",
    "S": "bytes; decode them and use gdinverse.parse_matrix(text)",
    "M": "dates; give a grid of numbers",
    "m": "time spans; give a grid of numbers",
    "V": "structured records; give a plain grid of numbers",
}


def _array_values(values: np.ndarray, name: str) -> torch.Tensor:
    """A numpy array as a tensor (a copy: the caller's array is never shared), in native byte order."""
    kind = values.dtype.kind
    if kind == "O":
        return _nested_values(values, name)
    if kind not in "biuf":
        advice = _KINDS.get(kind, "give a rectangular grid of numbers such as [[1, 2], [3, 4]]")
        raise MatrixInputError(f"{name} must hold real numbers only, got {values.dtype.name} entries ({advice})")
    if values.ndim == 2:
        require("as_matrix", values.shape, dtype=torch.float64)  # before the copy (a broadcast view is small)
    if not values.dtype.isnative:  # e.g. '>f8' read from a big-endian file: torch takes native order only
        values = values.astype(values.dtype.newbyteorder("="))
    if kind == "f" and values.dtype.itemsize > 8:  # numpy.longdouble: torch has no such type
        return torch.from_numpy(_longdouble_values(values, name))
    return torch.from_numpy(np.array(values, copy=True))


def _longdouble_values(values: np.ndarray, name: str) -> np.ndarray:
    """longdouble values in float64, refusing the finite ones float64 cannot hold (beyond its range, or read as 0)."""
    with np.errstate(over="ignore", under="ignore"):
        wide = values.astype(np.float64)
    if values.ndim == 2:
        lost = np.isfinite(values) & ~np.isfinite(wide)
        if lost.any():
            i, j = np.argwhere(lost)[0]
            raise MatrixInputError(
                f"{name} has {values[i, j]:.4g} at row {i + 1}, column {j + 1}, beyond float64's largest number "
                "1.8e+308; every entry must be a finite number in float64: rescale the matrix"
            )
        gone = (values != 0) & (wide == 0)
        if gone.any():
            i, j = np.argwhere(gone)[0]
            raise MatrixInputError(
                f"{name} has {values[i, j]:.4g} at row {i + 1}, column {j + 1}, below float64's smallest normal "
                "number 2.23e-308 (it would be read as 0); rescale the matrix"
            )
    return wide


def _is_scipy_sparse(A: Any) -> bool:
    return type(A).__module__.startswith("scipy.sparse") and hasattr(A, "toarray") and hasattr(A, "shape")


def _is_pandas(A: Any) -> bool:
    """A pandas DataFrame or Series (pandas 3 names its classes' module "pandas", pandas 2 "pandas.core....")."""
    return type(A).__module__.split(".")[0] == "pandas" and hasattr(A, "to_numpy") and hasattr(A, "ndim")


def _pandas_values(A: Any, name: str) -> torch.Tensor:
    """A DataFrame (or Series) by its values: numpy columns at once, nullable columns entry by entry."""
    dtypes = list(A.dtypes) if A.ndim == 2 else [A.dtype]
    if all(isinstance(d, np.dtype) for d in dtypes):
        return _array_values(A.to_numpy(), name)
    if all(getattr(d, "kind", "O") in "biuf" for d in dtypes) and not A.isna().to_numpy().any():
        return _array_values(A.to_numpy(dtype=np.float64), name)  # nullable numbers with nothing missing
    return _nested_values(A.to_numpy(dtype=object), name)


# ---------------------------------------------------------------------------- rows, entry by entry


def _nested_values(A: Any, name: str) -> torch.Tensor:
    """Rows (a list, a tuple or an object array of them), each entry read on its own as a real number."""
    if isinstance(A, np.ndarray) and A.ndim == 0:
        x = A[()]
        if isinstance(x, numbers.Real | Decimal) and not isinstance(x, bool):
            return torch.tensor(_float64(x, 1, 1, name))  # a lone number: refused as a 0-D input
        raise MatrixInputError(f"{name} is {_shown(x)}, not a grid of numbers; give a list of rows such as [[1, 2]]")
    if isinstance(A, np.ndarray) and A.ndim > 2:
        raise MatrixInputError(
            f"{name} must be 2-D (rows × columns), got a {A.ndim}-D input of shape {A.shape}; "
            "give a list of rows such as [[1, 2], [3, 4]]"
        )
    rows = list(A)
    if not rows:
        return torch.empty(0)
    if not any(_is_row(row) for row in rows):
        return torch.tensor([_real(x, 1, c, name) for c, x in enumerate(rows, start=1)], dtype=torch.float64)
    grid: list[list[float]] = []
    for r, row in enumerate(rows, start=1):
        if not _is_row(row):
            raise MatrixInputError(
                f"{name} has rows of different lengths or kinds: row {r} is {_shown(row)}, not a row of numbers, "
                "while another row is a list; give a list of rows such as [[1, 2], [3, 4]]"
            )
        grid.append(_row(row, r, name))
        if len(grid[-1]) != len(grid[0]):
            count = len(grid[-1])
            raise MatrixInputError(
                f"{name} has rows of different lengths: row {r} has {count} entr{'y' if count == 1 else 'ies'} but "
                f"row 1 has {len(grid[0])}; every row needs the same number of entries"
            )
    return torch.tensor(grid, dtype=torch.float64).reshape(len(grid), len(grid[0]))


def _is_row(x: Any) -> bool:
    """Whether ``x`` stands where a row is: a sequence, array or tensor of at least one dimension."""
    if isinstance(x, torch.Tensor | np.ndarray):
        return x.ndim >= 1
    return isinstance(x, Sequence | Iterable) and not isinstance(x, str | bytes | bytearray | Mapping)


def _row(row: Any, r: int, name: str) -> list[float]:
    if isinstance(row, torch.Tensor):
        row = _tensor_values(row, name)
        if row.ndim != 1:
            raise _deeper(name, r, f"a tensor of shape {tuple(row.shape)}")
        if row.is_floating_point() or row.dtype == torch.bool:
            return row.to("cpu", torch.float64).tolist()
        return [float(x) for x in row.cpu().tolist()]  # ints as Python ints: one rounding, to float64
    if isinstance(row, np.ndarray) and row.dtype.kind != "O":
        if row.ndim != 1:
            raise _deeper(name, r, f"an array of shape {row.shape}")
        values = _array_values(row[None, :], name)
        return values.to(torch.float64)[0].tolist()
    if isinstance(row, Set | Iterator) or not isinstance(row, Sequence | np.ndarray):
        raise MatrixInputError(
            f"{name} must hold rows that are lists: row {r} is {_shown(row)}, which has no fixed order or length; "
            "give each row as a list"
        )
    return [_real(x, r, c, name) for c, x in enumerate(row, start=1)]


def _deeper(name: str, r: int, what: str) -> MatrixInputError:
    return MatrixInputError(
        f"{name} has more than 2 dimensions: row {r} holds {what}; give a 2-D matrix, a list of rows of numbers"
    )


def _shown(x: Any) -> str:
    """``x`` in a message: its type, and its repr when it has one that works and is short."""
    try:
        text = repr(x)
    except Exception:  # numpy's datetime64 in generic units cannot even be shown
        return f"a {_type_name(x)}"
    return f"a {_type_name(x)} ({text[:40] + '…' if len(text) > 40 else text})"


def _real(x: Any, r: int, c: int, name: str) -> float:
    """One entry as a float64, read exactly (then rounded once) whatever kind of real number it is."""
    where = f"row {r}, column {c}"
    if isinstance(x, bool | np.bool_):
        return float(x)
    if isinstance(x, np.generic) and x.dtype.kind not in "biuf":  # numpy's time spans are integers to Python
        advice = _KINDS.get(x.dtype.kind, "give a number there")
        raise MatrixInputError(f"{name} must hold real numbers only: {where} is a numpy {x.dtype.name} ({advice})")
    if isinstance(x, torch.Tensor):
        if x.ndim != 0:
            raise _deeper(name, r, f"a tensor of shape {tuple(x.shape)} at column {c}")
        value = _tensor_values(x, name)
        return _real(value.item(), r, c, name)
    if isinstance(x, np.ndarray):
        if x.ndim != 0:
            raise _deeper(name, r, f"an array of shape {x.shape} at column {c}")
        return _real(x[()], r, c, name)
    if isinstance(x, float):
        return x
    if isinstance(x, numbers.Integral | Fraction | Decimal | np.floating):
        return _float64(x, r, c, name)
    if isinstance(x, str | np.str_):
        raise MatrixInputError(
            f"{name} must hold real numbers only: {where} is the text {x[:30]!r}; use gdinverse.parse_matrix(text) "
            "to read numbers written as text"
        )
    if x is None or type(x).__name__ in ("NAType", "NaTType", "MaskedConstant"):
        raise MatrixInputError(
            f"{name} must hold real numbers only: {where} is {x!r} (a missing entry); fill it in, e.g. with 0 "
            "(df.fillna(0) for a DataFrame), or drop its row"
        )
    if isinstance(x, numbers.Complex | np.complexfloating) and not isinstance(x, numbers.Real):
        raise MatrixInputError(
            f"{name} must hold real numbers only: {where} is the complex number {x!r}; gdinverse works with real "
            "matrices: pass the real parts, or the absolute values"
        )
    if _is_row(x):
        raise _deeper(name, r, f"{_shown(x)} at column {c}")
    if isinstance(x, numbers.Real):
        try:
            return _float64(x, r, c, name)
        except (TypeError, ValueError, ArithmeticError):
            pass
    raise MatrixInputError(f"{name} must hold real numbers only: {where} is {_shown(x)}; give a number there")


def _float64(x: Any, r: int, c: int, name: str) -> float:
    """A real number of any kind (a big int, a Fraction, a Decimal, a longdouble) as the nearest float64."""
    where = f"row {r}, column {c}"
    if isinstance(x, Decimal) and not x.is_finite():
        raise MatrixInputError(f"{name} has {x!r} at {where}; every entry must be a finite number")
    try:
        with np.errstate(over="ignore", under="ignore"):
            value = float(x)
    except OverflowError:
        value = math.inf
    if math.isinf(value) and not (isinstance(x, np.floating) and not np.isfinite(x)):
        digits = f"an integer of {len(str(abs(int(x))))} digits" if isinstance(x, numbers.Integral) else _brief(x)
        raise MatrixInputError(
            f"{name} has {digits} at {where}, beyond float64's largest number 1.8e+308 (gdinverse reads every "
            "entry as one of float64's numbers first); rescale the matrix"
        )
    if value == 0 and x != 0:
        raise MatrixInputError(
            f"{name} has {_brief(x)} at {where}, below float64's smallest normal number 2.23e-308 (it would be "
            "read as 0); rescale the matrix"
        )
    return value


def _brief(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------------------- conversion to the working dtype


def _where(values: torch.Tensor, mask: torch.Tensor) -> tuple[int, int, float]:
    i, j = (int(x) for x in mask.nonzero()[0])
    return i + 1, j + 1, float(values[i, j])


def _convert(values: torch.Tensor, dtype: torch.dtype, device: torch.device, name: str) -> torch.Tensor:
    """``values`` in ``dtype`` on ``device``, once every entry is known to be finite and to keep its digits there."""
    if values.is_floating_point():
        if not torch.isfinite(values).all():
            i, j, v = _where(values, ~torch.isfinite(values))
            raise MatrixInputError(f"{name} has {v} at row {i}, column {j}; every entry must be a finite number")
        converted = values.to(device=device, dtype=dtype)
        info = torch.finfo(dtype)
        remedy = "rescale the matrix" + (" or use float64" if dtype == torch.float32 else "")
        if torch.finfo(values.dtype).max > info.max:  # narrowing: an entry may overflow
            big = torch.isinf(converted)
            if big.any():
                i, j, v = _where(values, big.to(values.device))
                raise MatrixInputError(
                    f"{name} has {v:g} at row {i}, column {j}, beyond {dtype}'s largest number {info.max:.3g}; {remedy}"
                )
        source = torch.finfo(values.dtype)
        if source.tiny * source.eps < info.tiny:  # the source holds numbers below the dtype's smallest normal one
            tiny = (values != 0) & (converted.abs() < info.tiny).to(values.device)
            if tiny.any():
                i, j, v = _where(values, tiny)
                raise MatrixInputError(
                    f"{name} has {v:g} at row {i}, column {j}, below {dtype}'s smallest normal number "
                    f"{info.tiny:.3g} (it would lose its digits); {remedy}"
                )
        return converted.contiguous()
    return values.to(device=device, dtype=dtype).contiguous()  # bools and integers: every one is finite and fits


# ---------------------------------------------------------------------------- parsing text

_BLANK = " \t\r\n"
"""The blanks the parser skips and splits at. Every other space is translated first (see _read_spaces) or left in
its entry, where it is an error naming the row and column (a space between digits, a control character)."""
_MINUS_SIGNS = "\u2212\u2010\u2011\u2012\u2013\ufe63\uff0d"
"""Read as '-': the minus sign, the hyphen and the non-breaking hyphen, the figure and en dashes, the small and
fullwidth hyphen-minus. Any other dash (an em dash, a superscript minus) is an error naming its row and column."""
_LINE_BREAKS = "\u2028\u2029\u0085"
"""Unicode's line separator, paragraph separator and next-line character: each ends a row as a new line does."""
_TRANSLATE = str.maketrans({**dict.fromkeys(_MINUS_SIGNS, "-"), **dict.fromkeys(_LINE_BREAKS, "\n")})
_UNICODE_SPACE = "[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
"""Every space separator (Unicode category Zs) but the ASCII space: no-break, thin, narrow no-break, figure, em,
ideographic..."""
_SPACE_APART = re.compile(f"(?<![0-9]){_UNICODE_SPACE}|{_UNICODE_SPACE}(?![0-9])")
"""A Unicode space that is not between two digits: a space. Between two digits it may group the digits of one
number (1 234 567, as SI and many languages write them): it stays, and its entry is an error."""
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:nan|inf|infinity)", re.I)
_LEADING_ZERO = re.compile(r"[+-]?0[0-9]")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""The common case, read at once: a decimal number without a leading zero (ASCII digits only)."""
_S = r"[ \t\r\n]"
_ASSIGNMENT = re.compile(rf"^[A-Za-z_]\w*{_S}*=(?!=){_S}*")
_WRAPPER = re.compile(
    rf"^(?:torch\.|np\.|numpy\.)?(?:tensor|Tensor|array|asarray|matrix){_S}*\((.*)\){_S}*;?$",
    re.S,
)
_KEYWORDS = re.compile(rf",{_S}*(?:dtype|device|requires_grad|grad_fn|layout|order){_S}*=.*$", re.S)
_NUMPY_SCALAR = re.compile(rf"\b(?:np|numpy)\.(?:float|int|uint)[0-9]*\({_S}*([^()]*?){_S}*\)")
"""numpy 2 prints a list of its scalars as [np.float64(0.5), np.int64(2)]."""
_LATEX_ENVIRONMENTS = ("matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array")
_LATEX_BEGIN = re.compile(r"\\begin\{(\w+)\*?\}")
_LATEX_FRAC = re.compile(rf"\\[dt]?frac{_S}*\{{([^{{}}]*)\}}{_S}*\{{([^{{}}]*)\}}")
_LATEX_POWER = re.compile(rf"{_S}*\\(?:times|cdot){_S}*10{_S}*\^{_S}*\{{?{_S}*([+-]?[0-9]+){_S}*\}}?")
_LATEX_SPACING = re.compile(r"\\[,;:! ]|~|\\phantom\{[^{}]*\}|\\hline|\\cline\{[^{}]*\}|\\(?:left|right)[.\[\]()|]")
_LATEX_OUTSIDE = re.compile(rf"\$+|\\\[|\\\]|\\\(|\\\)|\\(?:left|right){_S}*\\?[.\[\]()|{{}}]")
_OTHER_MINUS = "\u2796\u02d7\u207b\u208b\u2052\ufe58"
"""Minus-like characters outside Unicode's dash class: heavy minus, modifier minus, super- and subscript minus..."""


def _unreadable(token: str) -> str:
    """Why a token is not a number, from its first character that is not printable ASCII ("" if it has none)."""
    for char in token:
        if " " < char < "\x7f":
            continue
        code = f"U+{ord(char):04X}"
        name = unicodedata.name(char, "")
        called = f"{name} ({code})" if name else code
        inside = f"{name}, {code}" if name else code
        category = unicodedata.category(char)
        if category == "Zs":
            return (
                f"a {name.lower()} ({code}) between two digits, as in a number grouped by thousands (1 234); "
                "write the number without it (1234), or put an ordinary space between two entries"
            )
        if category == "Nd":
            ascii_digits = "".join(str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else c for c in token)
            return f"{called} is not an ASCII digit; write numbers with the digits 0-9 ({ascii_digits})"
        if category in ("No", "Nl"):
            return (
                f"{called} is not a digit gdinverse reads; write numbers with the digits 0-9, powers of ten as 1e4 "
                "and fractions as 1/2"
            )
        if category == "Pd" or char in _OTHER_MINUS:
            return f"{called} is not a minus sign gdinverse reads; write '-' (or the minus sign −, U+2212)"
        if category == "Cc":
            return f"a control character ({inside}) is in it; delete it"
        if category == "Cf":
            return f"an invisible formatting character ({inside}) is in it; delete it"
        if category == "Cs":
            return f"a lone surrogate ({code}), not a character: the text was damaged in copying; type it again"
        return f"{called} is not part of a number; use digits like 2, -0.5, 1e-3 or 1/3"
    return ""


def _parse_entry(token: str, row: int, col: int) -> float:
    """One entry: a decimal number or a fraction a/b."""
    where = f"row {row}, column {col}"
    shown = token if len(token) <= 30 else token[:27] + "..."
    if _PLAIN_NUMBER.fullmatch(token):
        value = float(token)
        if math.isfinite(value):
            _refuse_underflow(value, [token], where, shown)
            return value
    parts = token.split("/")
    if len(parts) <= 2 and all(_NUMBER.fullmatch(p) for p in parts):
        if any(_LEADING_ZERO.match(p) for p in parts):
            raise MatrixInputError(
                f"{where} is {shown!r}: a number does not start with 0 followed by a digit — is it the end of a "
                "number split by a thousands separator (1,000 or 1 000)? write numbers without separators, e.g. 1000"
            )
        values = [float(p) for p in parts]
        if len(values) == 2:
            if values[1] == 0 and _nonzero(parts[1]) is False:
                raise MatrixInputError(f"{where} divides by zero ({shown!r}); fix the fraction")
            _refuse_underflow(values[1], parts[1:], where, shown)
            values = [values[0] / values[1]]
        if math.isfinite(values[0]):
            _refuse_underflow(values[0], parts[:1], where, shown)
            return values[0]
        if "nan" in token.lower() or "inf" in token.lower():
            raise MatrixInputError(f"{where} is {shown!r}; every entry must be a finite number")
        raise MatrixInputError(
            f"{where} is {shown!r}, beyond float64's largest number 1.8e+308; every entry must be a finite number: "
            "rescale the matrix"
        )
    reason = _unreadable(token)
    if reason:
        raise MatrixInputError(f"{where} is {shown!r}, not a number: {reason}")
    raise MatrixInputError(f"{where} is {shown!r}, not a number; use digits like 2, -0.5, 1e-3 or 1/3")


def _nonzero(number: str) -> bool:
    """Whether a number as typed is not zero: a digit 1–9 before its exponent."""
    return re.search(r"[1-9]", re.split("[eE]", number)[0]) is not None


def _refuse_underflow(value: float, typed: list[str], where: str, shown: str) -> None:
    """Refuse an entry that float64 would read as 0 although it is not ("1e-400", "1/1e400")."""
    if value == 0 and any(_nonzero(t) for t in typed):
        raise MatrixInputError(
            f"{where} is {shown!r}, below float64's smallest normal number 2.23e-308 (it would be read as 0); "
            "rescale the matrix"
        )


def _csv_cells(row: str, r: int) -> list[str]:
    """Split a row at commas outside double quotes; a quoted cell loses its quotes (it must not hold a comma)."""
    if '"' not in row:
        return [cell.strip(_BLANK) for cell in row.split(",")]
    cells, cell, quoted = [], "", False
    for char in row:
        if char == '"':
            quoted = not quoted
            cell += char
        elif char == "," and not quoted:
            cells.append(cell)
            cell = ""
        else:
            cell += char
    if quoted:
        raise MatrixInputError(f"row {r} opens a double quote it does not close; remove the quotes")
    cells.append(cell)
    unquoted = []
    for c, cell in enumerate(cells, start=1):
        cell = cell.strip(_BLANK)
        if len(cell) >= 2 and cell[0] == cell[-1] == '"':
            cell = cell[1:-1].strip(_BLANK)
            if "," in cell:
                raise MatrixInputError(
                    f"row {r}, column {c} is {cell!r}: a comma inside a number (a thousands separator or a decimal "
                    "comma) is not read; write it without the comma, e.g. 1500 or 1.5"
                )
        unquoted.append(cell)
    return unquoted


def _cells(row: str, r: int, *, trailing_comma: bool = False, semicolons: bool = False) -> list[str]:
    """The cells of one row: split at commas if it has any, else at tabs if it has any, else at whitespace."""
    if "," in row or '"' in row:
        if semicolons:
            decimal = re.search(r"[0-9],[0-9]", row)
            if decimal:
                c = row[: decimal.start() + 1].count(",") + 1
                token = re.split(r"[ \t,]+", row[decimal.start() :].strip(_BLANK))
                raise MatrixInputError(
                    f"row {r}, column {c}: '{row[decimal.start()]},{token[1] if len(token) > 1 else ''}' — with ';' "
                    "between rows, a comma between two digits may be a decimal comma (1,5 = 1.5) or a column "
                    "separator; write 1.5 for one number, or '1, 5' (comma and space) or '1 5' for two entries"
                )
        cells = _csv_cells(row, r)
        if trailing_comma and len(cells) > 1 and not cells[-1]:
            cells.pop()  # [1, 2, 3,] as Python allows
        kind = "comma"
    elif "\t" in row:
        cells = [cell.strip(" \r") for cell in row.strip(" \r\n").split("\t")]
        kind = "tab"
    else:
        return [cell for cell in re.split(r"[ \t]+", row.strip(_BLANK)) if cell]
    for c, cell in enumerate(cells, start=1):
        if not cell:
            raise MatrixInputError(
                f"row {r}, column {c} is empty (two {kind}s in a row, or one at an end); "
                "give every cell a number, e.g. 0"
            )
        if re.search(r"[ \t]", cell):
            raise MatrixInputError(
                f"row {r}, column {c} is {cell!r}: two numbers in one {kind}-separated cell; separate entries by "
                f"{kind}s only or by spaces only (a decimal comma as in 1,5 or a space inside a number as in 1 000 "
                "is not read: write 1.5 or 1000)"
            )
    return cells


def _plain_rows(text: str) -> list[list[str]]:
    """Text without brackets: rows split by newlines or ';' (not both), cells by commas, tabs or spaces."""
    lines = [line for line in re.split(r"\r\n|\r|\n", text) if line.strip(_BLANK)]
    inner = [line for line in lines if ";" in line.strip(_BLANK).rstrip(";")]
    if len(lines) > 1 and inner:
        raise MatrixInputError(
            f"the text has {len(lines)} lines and ';' inside line {lines.index(inner[0]) + 1}: is ';' a column "
            "separator (as in a spreadsheet's CSV) or a row separator (as in 1 2; 3 4)? write one row per line with "
            "entries split by spaces, tabs or commas, or all rows on one line split by ';'"
        )
    semicolons = ";" in text
    rows = [row for row in re.split(r"[;\r\n]+", text) if row.strip(_BLANK)]
    return [_cells(row, r, semicolons=semicolons) for r, row in enumerate(rows, start=1)]


def _matlab_rows(body: str) -> list[list[str]]:
    """The inside of one pair of brackets, as MATLAB reads it: rows split by ';' or new lines."""
    lines = [line for line in re.split(r"\r\n|\r|\n", body) if line.strip(_BLANK)]
    rows: list[list[str]] = []
    for i, line in enumerate(lines):
        if line.rstrip(_BLANK).endswith(",") and i < len(lines) - 1:
            raise MatrixInputError(
                f"row {len(rows) + 1} ends its line with ',' and the next line goes on: is it one row that wraps "
                "(as in Python) or a new row (as in MATLAB)? drop the ',' at the line end for a new row, "
                "or join the lines"
            )
        rows += [_cells(piece, len(rows) + 1, trailing_comma=True) for piece in line.split(";") if piece.strip(_BLANK)]
    return rows


def _bracket_rows(text: str) -> list[list[str]]:
    """Bracketed text: [[1, 2], [3, 4]] (one row per inner list) or MATLAB's [1 2; 3 4]."""
    depth = deepest = 0
    for bracket in re.finditer(r"[\[\]]", text):
        depth += 1 if bracket.group() == "[" else -1
        deepest = max(deepest, depth)
        if depth < 0:
            break
    if depth != 0:
        raise MatrixInputError("the brackets '[' and ']' do not match; check the pasted text")
    if deepest > 2:
        raise MatrixInputError(f"the text nests brackets {deepest} deep (a {deepest}-D array); paste a 2-D matrix")
    start, end = text.find("["), text.rfind("]")
    outside = (text[:start] + text[end + 1 :]).strip(" \t\r\n;")
    if outside:
        raise MatrixInputError(f"unexpected text {outside[:30]!r} outside the brackets; paste only the matrix")
    body = text[start + 1 : end]
    if deepest == 1:
        if "[" in body or "]" in body:
            raise MatrixInputError(
                "the text has several bracketed lists side by side; put the rows in one pair of brackets, "
                "as [[1, 2], [3, 4]] or [1 2; 3 4]"
            )
        return _matlab_rows(body)
    groups = list(re.finditer(r"\[([^\[\]]*)\]", body))
    gaps = [body[: groups[0].start()]]
    gaps += [body[groups[i].end() : groups[i + 1].start()] for i in range(len(groups) - 1)]
    gaps.append(body[groups[-1].end() :])
    for r, gap in enumerate(gaps):
        marks = re.sub(r"[ \t]", "", gap)
        if r == 0:
            ok = not marks.strip("\r\n")
        elif r == len(gaps) - 1:
            ok = marks.strip("\r\n") in ("", ",")
        else:
            ok = marks.strip("\r\n") in (",", ";") or (marks != "" and not marks.strip("\r\n"))
        if not ok:
            where = "before row 1" if r == 0 else f"after row {r}"
            shown = gap.strip(_BLANK) or "a space"
            raise MatrixInputError(
                f"unexpected {shown[:30]!r} {where}: inside the outer brackets give only rows in brackets, split by "
                "commas or new lines, as [[1, 2], [3, 4]] ([[1 2] [3 4]] is 1×4 in MATLAB, 2×2 in numpy)"
            )
    rows = []
    for r, group in enumerate(groups, start=1):
        inner = group.group(1)
        if ";" in inner:
            raise MatrixInputError(f"row {r} has ';' inside its brackets; split the entries by commas or spaces")
        rows.append(_cells(" ".join(re.split(r"\r\n|\r|\n", inner)), r, trailing_comma=True))
    return rows


def _latex_rows(text: str) -> list[list[str]]:
    """A LaTeX matrix: \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix} (also pmatrix, vmatrix, matrix, array)."""
    begins = list(_LATEX_BEGIN.finditer(text))
    name = begins[0].group(1)
    if name not in _LATEX_ENVIRONMENTS:
        raise MatrixInputError(
            f"the LaTeX environment {name!r} is not a matrix; use one of {', '.join(_LATEX_ENVIRONMENTS)}"
        )
    if len(begins) > 1:
        raise MatrixInputError("the text has more than one LaTeX \\begin{...}; paste one matrix")
    end = re.search(r"\\end\{" + name + r"\*?\}", text)
    if end is None or end.start() < begins[0].end():
        raise MatrixInputError(f"\\begin{{{name}}} has no \\end{{{name}}}; paste the whole matrix")
    body = text[begins[0].end() : end.start()]
    spec = re.match(rf"{_S}*(?:\[[^\]]*\])?{_S}*\{{[^{{}}]*\}}" if name == "array" else rf"{_S}*\[[^\]]*\]", body)
    if spec:
        body = body[spec.end() :]
    before = _ASSIGNMENT.sub("", text[: begins[0].start()].strip(_BLANK))
    outside = _LATEX_OUTSIDE.sub("", before + text[end.end() :])
    if outside.strip(" \t\r\n.,;"):
        raise MatrixInputError(
            f"unexpected text {outside.strip(_BLANK)[:30]!r} outside \\begin{{{name}}} … \\end{{{name}}}; "
            "paste only the matrix"
        )
    pieces = re.split(rf"\\\\(?:{_S}*\[[^\]]*\])?", body)  # rows end at \\ (or \\[2pt])
    if pieces and not pieces[-1].strip(_BLANK):
        pieces.pop()  # a \\ after the last row
    rows = []
    for r, piece in enumerate(pieces, start=1):
        if not piece.strip(_BLANK):
            raise MatrixInputError(f"row {r} is empty (two \\\\ in a row); remove it or give it numbers")
        piece = _LATEX_FRAC.sub(r"\1/\2", piece)
        piece = _LATEX_POWER.sub(r"e\1", piece)
        piece = _LATEX_SPACING.sub(" ", piece)
        cells = [re.sub(r"[{}]", "", cell).strip(_BLANK) for cell in piece.split("&")]
        for c, cell in enumerate(cells, start=1):
            if not cell:
                raise MatrixInputError(f"row {r}, column {c} is empty (two & in a row); give every cell a number")
            if re.search(_S, cell):
                raise MatrixInputError(
                    f"row {r}, column {c} is {cell!r}: two numbers in one cell; separate entries by &"
                )
        rows.append(cells)
    return rows


def _refuse_ellipsis(text: str) -> None:
    """Refuse '...' where it stands for what is not there: MATLAB's line continuation, or a shortened print."""
    nested = re.search(rf"\[{_S}*\[|\b(?:tensor|array)\(", text) is not None
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        found = re.search(r"\.\.\.|…", line)
        if found is None:
            continue
        at_end = re.fullmatch(r"[ \t]*(?:%.*)?", line[found.end() :]) is not None
        if at_end and line[: found.start()].strip(" \t[") and not nested:
            raise MatrixInputError(
                f"line {number} ends with '{found.group()}', MATLAB's line continuation: join that line and the "
                f"next into one and delete the '{found.group()}' (gdinverse reads one row per line and does not "
                "join lines, since a shortened numpy print also breaks a line after '...')"
            )
        alone = re.search(r"(?:^|[ \t,\[])(?:\.\.\.|…)(?=$|[ \t,\]])", line)
        if alone:
            raise MatrixInputError(
                f"the text is abbreviated with '...' in line {number} (numpy and torch shorten big prints); print "
                "it in full with np.set_printoptions(threshold=sys.maxsize) or torch.set_printoptions(profile='full')"
            )


def _rows_of(text: str) -> list[list[str]]:
    """The cells of every row of the text, as strings; see :func:`parse_matrix` for the formats."""
    text = text.strip(_BLANK)
    if not text.startswith("\\"):
        text = _ASSIGNMENT.sub("", text, count=1).strip(_BLANK)
    _refuse_ellipsis(text)
    if _LATEX_BEGIN.search(text):
        return _latex_rows(text)
    text = _NUMPY_SCALAR.sub(r"\1", text)
    wrapped = _WRAPPER.match(text)
    if wrapped:
        text = _KEYWORDS.sub("", wrapped.group(1)).strip(_BLANK)
    if text.startswith("{"):
        if re.search(r"[\"':]", text):
            raise MatrixInputError(
                'the text is a JSON object or a dict ({"key": value, ...}), not a list of rows; paste the list of '
                "rows itself, e.g. [[1, 2], [3, 4]]"
            )
        text = text.replace("{", "[").replace("}", "]").replace("*^", "e")  # Mathematica: {{1, 2}}, 1.5*^-3
    if "[" in text or "]" in text:
        return _bracket_rows(text)
    return _plain_rows(text)


def _read_spaces(text: str) -> str:
    """The text with every documented separator in ASCII: minus forms as '-', Unicode line breaks as new lines,
    and Unicode spaces as spaces wherever they do not stand between two digits; a leading byte-order mark dropped."""
    return _SPACE_APART.sub(" ", text.removeprefix("\ufeff").translate(_TRANSLATE))


def parse_matrix(text: str, *, dtype: Any = None, device: Any = None) -> torch.Tensor:
    r"""Read a matrix from text, as typed or pasted from a spreadsheet, a program's print or a paper.

    Formats read (nothing is evaluated: a small tokenizer reads numbers only):

    - rows on lines, entries split by spaces, tabs (TSV, a spreadsheet copy) or commas (CSV, quoted cells too);
    - rows split by ``;`` on one line: ``1 2; 3 4``;
    - MATLAB/Octave brackets, rows split by ``;`` or new lines: ``[1 2; 3 4]``, ``[1, 2\n3, 4]``;
    - nested lists, one row per inner list, as Python, JSON, numpy and torch print them:
      ``[[1, 2], [3, 4]]``, ``[[1. 2.]\n [3. 4.]]``, ``array([[1, 2], [3, 4]], dtype=float32)``,
      ``tensor([[1., 2.], [3., 4.]], dtype=torch.float64)``, ``[[np.float64(1.0), ...]]``; Mathematica's
      ``{{1, 2}, {3, 4}}``;
    - LaTeX: ``\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}`` (and pmatrix, vmatrix, matrix, array{cc}...),
      with ``\frac{1}{3}`` and ``1.5 \times 10^{-3}``;
    - a leading ``A =`` and a trailing ``;`` are ignored.

    An entry is a decimal number (``-0.5``, ``1e-3``, ``-0.0000``) or a fraction (``1/3``), written with the
    ASCII digits 0-9. Characters, class by class:

    - separators: the ASCII space and tab between entries; a new line (``\n``, ``\r\n``, ``\r``, and Unicode's
      line separator U+2028, paragraph separator U+2029 and next line U+0085) between rows; ``,`` ``;`` ``&``
      ``\\`` as each format says;
    - every other Unicode space (category Zs: no-break U+00A0, thin U+2009, narrow no-break U+202F, figure
      U+2007, em U+2003, ideographic U+3000, ...) is a space, except between two digits, where it may group
      the digits of one number (``1 234``): there it is an error naming the row and column;
    - minus signs: ``-`` and the minus sign U+2212, the hyphens U+2010 and U+2011, the figure dash U+2012, the en
      dash U+2013, the small and fullwidth hyphen-minus U+FE63 and U+FF0D; any other dash or minus form (an em
      dash, a superscript minus) is an error naming the row and column;
    - digits other than 0-9 (Arabic-Indic, Devanagari, fullwidth, superscripts, ½), control characters and
      invisible formatting characters (a zero-width space) are errors naming the row and column; a byte-order
      mark at the very start is dropped.

    Rules for what is ambiguous, each refused with a :class:`MatrixInputError` naming the row and column rather
    than guessed:

    - a row with a comma is split at commas only, a row with a tab (and no comma) at tabs only: an empty cell
      (``1,,3``) or two numbers in one cell (``1 000, 2``, a thousands separator or a mix of separators) is an error;
    - a number starting with 0 and a digit (``000`` in ``1,000`` or ``1 000``) is an error: thousands separators
      are not read, write ``1000``;
    - outside brackets, with ``;`` between rows, a comma between two digits (``1,5; 2,5``) may be a decimal
      comma: an error (inside MATLAB brackets ``[1,5; 2,5]`` is 2×2, as MATLAB reads it); so is text with several
      lines and ``;`` inside them (``1;2`` may be a spreadsheet's column separator);
    - inside nested brackets, rows must be split by a comma or a new line (``[[1 2] [3 4]]`` is 2×2 in numpy's
      reading and 1×4 in MATLAB's); in MATLAB brackets a line ending in ``,`` before another line is an error;
    - ``...`` at the end of a line is MATLAB's line continuation, and ``...`` standing for entries a shortened
      numpy or torch print left out: both are errors naming the line (join the lines; print in full);
    - rows of different lengths, 3-D brackets, a JSON object (``{"A": [[1, 2]]}``), NaN and ±inf are errors.

    Text such as ``1,5`` or ``1,234.5, 2`` whose commas are consistent column separators is read as CSV.
    """
    if not isinstance(text, str):
        raise MatrixInputError(f"parse_matrix needs text, got {type(text).__name__}; use as_matrix for arrays")
    cells = _rows_of(_read_spaces(text))
    if not any(cells):
        raise MatrixInputError("the matrix text is empty; type rows of numbers, one row per line")
    grid: list[list[float]] = []
    for r, row in enumerate(cells, start=1):
        grid.append([_parse_entry(t, r, c) for c, t in enumerate(row, start=1)])
        if len(grid[-1]) != len(grid[0]):
            count = len(grid[-1])
            raise MatrixInputError(
                f"row {r} has {count} entr{'y' if count == 1 else 'ies'} but row 1 has {len(grid[0])}; "
                "every row needs the same number of entries"
            )
    dtype = torch.float32 if dtype is None else dtype
    return as_matrix(torch.tensor(grid, dtype=torch.float64), dtype=dtype, device=device)


def format_matrix(M: Any, *, decimals: int | None = None) -> str:
    """Write a matrix as text that :func:`parse_matrix` reads back: one row per line, entries split by ", ".

    With ``decimals=None`` every entry is written with the fewest digits that give back the same number in the
    precision the matrix came in, so the text round-trips: float32 for float32 and narrower floats (float16,
    bfloat16, float8), float64 for everything else (float64 tensors and arrays, Python floats, integers,
    Fractions). ``decimals`` writes that many digits after the point instead.
    """
    values = _values(M, "matrix")
    narrow = values.is_floating_point() and values.dtype != torch.float64
    M = as_matrix(values, dtype=torch.float32 if narrow else torch.float64)
    scalar = np.float32 if narrow else np.float64
    rows = M.cpu().numpy()
    if decimals is None:
        return "\n".join(", ".join(str(scalar(x)) for x in row) for row in rows)
    decimals = check_int("decimals", decimals, low=0, high=20)
    return "\n".join(", ".join(f"{x:.{decimals}f}" for x in row) for row in rows)
