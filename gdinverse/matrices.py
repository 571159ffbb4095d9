"""Matrices: checking what users pass, parsing pasted text, and writing matrices back as text."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import torch

from .errors import MatrixInputError, check_device, check_dtype, check_int

__all__ = ["as_matrix", "format_matrix", "parse_matrix"]


def _default_dtype(A: Any, dtype: Any) -> torch.dtype:
    if dtype is not None:
        return check_dtype(dtype)
    if isinstance(A, torch.Tensor) and A.dtype == torch.float64:
        return torch.float64
    return torch.float32


def as_matrix(A: Any, *, dtype: Any = None, device: Any = None, name: str = "matrix") -> torch.Tensor:
    """Return ``A`` as a finite 2-D floating tensor.

    Accepts a tensor, a numpy array or nested lists of numbers (ints and bools
    included). ``dtype`` is float32 (the seed's precision) unless given, or
    unless ``A`` is already a float64 tensor. Raises :class:`MatrixInputError`
    for anything that is not a non-empty, finite matrix the dtype can hold.
    """
    dtype = _default_dtype(A, dtype)
    if isinstance(A, str):
        raise MatrixInputError(f"{name} is a string ({A[:40]!r}); use gdinverse.parse_matrix(text) to read text")
    if isinstance(A, torch.Tensor):
        values = _tensor_values(A, name)
        device = A.device if device is None else device
    else:
        values = _array_values(A, name)
    if values.is_complex():
        raise MatrixInputError(f"{name} is complex ({values.dtype}); gdinverse works with real matrices")
    if values.numel() == 0:
        raise MatrixInputError(f"{name} is empty (shape {tuple(values.shape)}); give at least one row and column")
    if values.ndim != 2:
        shape = tuple(values.shape)
        raise MatrixInputError(
            f"{name} must be 2-D (rows × columns), got a {values.ndim}-D input of shape {shape}; "
            "give a list of rows such as [[1, 2], [3, 4]]"
        )
    _check_values(values, dtype, name)
    return values.to(device=check_device(device), dtype=dtype).contiguous()


def _tensor_values(A: torch.Tensor, name: str) -> torch.Tensor:
    """The values of a tensor, dense (sparse tensors are welcome)."""
    if A.is_meta:
        raise MatrixInputError(f"{name} is a meta tensor, which has a shape but no numbers; give a tensor of values")
    return A.detach() if A.layout == torch.strided else A.detach().to_dense()


_KINDS = {
    "c": "complex numbers; gdinverse works with real matrices: pass A.real, or abs(A)",
    "U": "text; use gdinverse.parse_matrix(text) to read numbers written as text",
    "S": "bytes; decode them and use gdinverse.parse_matrix(text)",
    "M": "dates; give a grid of numbers",
    "m": "time spans; give a grid of numbers",
    "V": "structured records; give a plain grid of numbers",
}


def _array_values(A: Any, name: str) -> torch.Tensor:
    """A numpy array or nested lists of numbers as a tensor, in native byte order (types torch lacks: float64)."""
    if isinstance(A, np.ma.MaskedArray) and np.ma.is_masked(A):
        where = np.argwhere(np.ma.getmaskarray(A))[0] + 1
        at = f" at row {where[0]}, column {where[1]}" if where.size == 2 else ""
        raise MatrixInputError(
            f"{name} has a masked (missing) entry{at}; fill it first, e.g. A.filled(0), or give a plain array"
        )
    try:
        values = np.asarray(A)
    except (ValueError, TypeError) as exc:
        raise MatrixInputError(
            f"{name} has rows of different lengths or non-numbers ({exc}); give a rectangular grid of numbers"
        ) from None
    kind = values.dtype.kind
    if kind not in "biuf":
        advice = _KINDS.get(kind, "give a rectangular grid of numbers such as [[1, 2], [3, 4]]")
        raise MatrixInputError(f"{name} must hold real numbers only, got {values.dtype.name} entries ({advice})")
    if not values.dtype.isnative:  # e.g. '>f8' read from a big-endian file: torch takes native order only
        values = values.astype(values.dtype.newbyteorder("="))
    try:
        return torch.from_numpy(np.array(values, copy=True))
    except TypeError:  # e.g. numpy.longdouble
        with np.errstate(over="ignore"):
            return torch.from_numpy(values.astype(np.float64))


def _where(values: torch.Tensor, mask: torch.Tensor) -> tuple[int, int, float]:
    i, j = (int(x) for x in mask.nonzero()[0])
    return i + 1, j + 1, float(values[i, j])


def _check_values(values: torch.Tensor, dtype: torch.dtype, name: str) -> None:
    if not values.is_floating_point():
        values = values.to(torch.float64)
    if not torch.isfinite(values).all():
        i, j, v = _where(values, ~torch.isfinite(values))
        raise MatrixInputError(f"{name} has {v} at row {i}, column {j}; every entry must be a finite number")
    info = torch.finfo(dtype)
    rounded = values.to(dtype).abs()  # what the entries become in dtype
    remedy = "rescale the matrix" + (" or use float64" if dtype == torch.float32 else "")
    big = torch.isinf(rounded)
    if big.any():
        i, j, v = _where(values, big)
        raise MatrixInputError(
            f"{name} has {v:g} at row {i}, column {j}, beyond {dtype}'s largest number {info.max:.3g}; {remedy}"
        )
    tiny = (values != 0) & (rounded < info.tiny)
    if tiny.any():
        i, j, v = _where(values, tiny)
        raise MatrixInputError(
            f"{name} has {v:g} at row {i}, column {j}, below {dtype}'s smallest normal number {info.tiny:.3g} "
            f"(it would lose its digits); {remedy}"
        )


# ---------------------------------------------------------------------------- parsing text

_MINUS = str.maketrans(
    {"\u2212": "-", "\u2013": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u3000": " ", "\ufeff": None}
)
"""Typographic minus signs and spaces as ASCII; the byte-order mark some editors write first is dropped."""
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.I)
_LEADING_ZERO = re.compile(r"[+-]?0\d")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
"""The common case, read at once: a decimal number without a leading zero."""
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*\s*=(?!=)\s*")
_WRAPPER = re.compile(
    r"^(?:torch\.|np\.|numpy\.)?(?:tensor|Tensor|array|asarray|matrix)\s*\((.*)\)\s*;?$",
    re.S,
)
_KEYWORDS = re.compile(r",\s*(?:dtype|device|requires_grad|grad_fn|layout|order)\s*=.*$", re.S)
_NUMPY_SCALAR = re.compile(r"\b(?:np|numpy)\.(?:float|int|uint)\d*\(\s*([^()]*?)\s*\)")
"""numpy 2 prints a list of its scalars as [np.float64(0.5), np.int64(2)]."""
_LATEX_ENVIRONMENTS = ("matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array")
_LATEX_BEGIN = re.compile(r"\\begin\{(\w+)\*?\}")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_LATEX_POWER = re.compile(r"\s*\\(?:times|cdot)\s*10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?")
_LATEX_SPACING = re.compile(r"\\[,;:! ]|~|\\phantom\{[^{}]*\}|\\hline|\\cline\{[^{}]*\}|\\(?:left|right)[.\[\]()|]")
_LATEX_OUTSIDE = re.compile(r"\$+|\\\[|\\\]|\\\(|\\\)|\\(?:left|right)\s*\\?[.\[\]()|{}]")


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
        return [cell.strip() for cell in row.split(",")]
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
        cell = cell.strip()
        if len(cell) >= 2 and cell[0] == cell[-1] == '"':
            cell = cell[1:-1].strip()
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
            decimal = re.search(r"\d,\d", row)
            if decimal:
                c = row[: decimal.start() + 1].count(",") + 1
                token = re.split(r"[\s,]+", row[decimal.start() :].strip())
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
        return row.split()
    for c, cell in enumerate(cells, start=1):
        if not cell:
            raise MatrixInputError(
                f"row {r}, column {c} is empty (two {kind}s in a row, or one at an end); "
                "give every cell a number, e.g. 0"
            )
        if re.search(r"\s", cell):
            raise MatrixInputError(
                f"row {r}, column {c} is {cell!r}: two numbers in one {kind}-separated cell; separate entries by "
                f"{kind}s only or by spaces only (a decimal comma as in 1,5 or a space inside a number as in 1 000 "
                "is not read: write 1.5 or 1000)"
            )
    return cells


def _plain_rows(text: str) -> list[list[str]]:
    """Text without brackets: rows split by newlines or ';' (not both), cells by commas, tabs or spaces."""
    lines = [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
    inner = [line for line in lines if ";" in line.strip().rstrip(";")]
    if len(lines) > 1 and inner:
        raise MatrixInputError(
            f"the text has {len(lines)} lines and ';' inside line {lines.index(inner[0]) + 1}: is ';' a column "
            "separator (as in a spreadsheet's CSV) or a row separator (as in 1 2; 3 4)? write one row per line with "
            "entries split by spaces, tabs or commas, or all rows on one line split by ';'"
        )
    semicolons = ";" in text
    rows = [row for row in re.split(r"[;\r\n]+", text) if row.strip()]
    return [_cells(row, r, semicolons=semicolons) for r, row in enumerate(rows, start=1)]


def _matlab_rows(body: str) -> list[list[str]]:
    """The inside of one pair of brackets, as MATLAB reads it: rows split by ';' or new lines."""
    lines = [line for line in re.split(r"\r\n|\r|\n", body) if line.strip()]
    rows: list[list[str]] = []
    for i, line in enumerate(lines):
        if line.rstrip().endswith(",") and i < len(lines) - 1:
            raise MatrixInputError(
                f"row {len(rows) + 1} ends its line with ',' and the next line goes on: is it one row that wraps "
                "(as in Python) or a new row (as in MATLAB)? drop the ',' at the line end for a new row, "
                "or join the lines"
            )
        rows += [_cells(piece, len(rows) + 1, trailing_comma=True) for piece in line.split(";") if piece.strip()]
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
            shown = gap.strip() or "a space"
            raise MatrixInputError(
                f"unexpected {shown[:30]!r} {where}: inside the outer brackets give only rows in brackets, split by "
                "commas or new lines, as [[1, 2], [3, 4]] ([[1 2] [3 4]] is 1×4 in MATLAB, 2×2 in numpy)"
            )
    rows = []
    for r, group in enumerate(groups, start=1):
        inner = group.group(1)
        if ";" in inner:
            raise MatrixInputError(f"row {r} has ';' inside its brackets; split the entries by commas or spaces")
        rows.append(_cells(" ".join(inner.splitlines()), r, trailing_comma=True))
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
    spec = re.match(r"\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}" if name == "array" else r"\s*\[[^\]]*\]", body)
    if spec:
        body = body[spec.end() :]
    outside = _LATEX_OUTSIDE.sub("", _ASSIGNMENT.sub("", text[: begins[0].start()].strip()) + text[end.end() :])
    if outside.strip(" \t\r\n.,;"):
        raise MatrixInputError(
            f"unexpected text {outside.strip()[:30]!r} outside \\begin{{{name}}} … \\end{{{name}}}; "
            "paste only the matrix"
        )
    pieces = re.split(r"\\\\(?:\s*\[[^\]]*\])?", body)  # rows end at \\ (or \\[2pt])
    if pieces and not pieces[-1].strip():
        pieces.pop()  # a \\ after the last row
    rows = []
    for r, piece in enumerate(pieces, start=1):
        if not piece.strip():
            raise MatrixInputError(f"row {r} is empty (two \\\\ in a row); remove it or give it numbers")
        piece = _LATEX_FRAC.sub(r"\1/\2", piece)
        piece = _LATEX_POWER.sub(r"e\1", piece)
        piece = _LATEX_SPACING.sub(" ", piece)
        cells = [re.sub(r"[{}]", "", cell).strip() for cell in piece.split("&")]
        for c, cell in enumerate(cells, start=1):
            if not cell:
                raise MatrixInputError(f"row {r}, column {c} is empty (two & in a row); give every cell a number")
            if re.search(r"\s", cell):
                raise MatrixInputError(
                    f"row {r}, column {c} is {cell!r}: two numbers in one cell; separate entries by &"
                )
        rows.append(cells)
    return rows


def _rows_of(text: str) -> list[list[str]]:
    """The cells of every row of the text, as strings; see :func:`parse_matrix` for the formats."""
    text = _ASSIGNMENT.sub("", text.strip(), count=1).strip() if not text.lstrip().startswith("\\") else text.strip()
    if "..." in text or "…" in text:
        raise MatrixInputError(
            "the text is abbreviated with '...' (numpy and torch shorten big prints); print it in full with "
            "np.set_printoptions(threshold=sys.maxsize) or torch.set_printoptions(profile='full')"
        )
    if _LATEX_BEGIN.search(text):
        return _latex_rows(text)
    text = _NUMPY_SCALAR.sub(r"\1", text)
    wrapped = _WRAPPER.match(text)
    if wrapped:
        text = _KEYWORDS.sub("", wrapped.group(1)).strip()
    if text.startswith("{"):  # Mathematica: {{1, 2}, {3, 4}}, 1.5*^-3 for 1.5e-3
        text = text.replace("{", "[").replace("}", "]").replace("*^", "e")
    if "[" in text or "]" in text:
        return _bracket_rows(text)
    return _plain_rows(text)


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

    An entry is a decimal number (``-0.5``, ``1e-3``, ``-0.0000``, ``−2`` with a typographic minus) or a
    fraction (``1/3``). Rules for what is ambiguous, each refused with a :class:`MatrixInputError` naming the
    row and column rather than guessed:

    - a row with a comma is split at commas only, a row with a tab (and no comma) at tabs only: an empty cell
      (``1,,3``) or two numbers in one cell (``1 000, 2``, a thousands separator or a mix of separators) is an error;
    - a number starting with 0 and a digit (``000`` in ``1,000`` or ``1 000``) is an error: thousands separators
      are not read, write ``1000``;
    - outside brackets, with ``;`` between rows, a comma between two digits (``1,5; 2,5``) may be a decimal
      comma: an error (inside MATLAB brackets ``[1,5; 2,5]`` is 2×2, as MATLAB reads it); so is text with several
      lines and ``;`` inside them (``1;2`` may be a spreadsheet's column separator);
    - inside nested brackets, rows must be split by a comma or a new line (``[[1 2] [3 4]]`` is 2×2 in numpy's
      reading and 1×4 in MATLAB's); in MATLAB brackets a line ending in ``,`` before another line is an error;
    - rows of different lengths, ``...`` (an abbreviated print), 3-D brackets, NaN and ±inf are errors.

    Text such as ``1,5`` or ``1,234.5, 2`` whose commas are consistent column separators is read as CSV.
    """
    if not isinstance(text, str):
        raise MatrixInputError(f"parse_matrix needs text, got {type(text).__name__}; use as_matrix for arrays")
    cells = _rows_of(text.translate(_MINUS))
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
    """Write a matrix as text that :func:`parse_matrix` reads back: one row per line.

    With ``decimals=None`` every entry is written with the fewest digits that
    give back the same number in the matrix's dtype, so the text round-trips.
    """
    M = as_matrix(M)
    scalar = np.float64 if M.dtype == torch.float64 else np.float32
    rows = M.cpu().numpy()
    if decimals is None:
        return "\n".join(", ".join(str(scalar(x)) for x in row) for row in rows)
    decimals = check_int("decimals", decimals, low=0, high=20)
    return "\n".join(", ".join(f"{x:.{decimals}f}" for x in row) for row in rows)
