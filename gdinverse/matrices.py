"""Matrices: checking what users pass, parsing pasted text, and named example matrices."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import torch

from .errors import MatrixInputError, ParameterError, check_device, check_dtype, check_float, check_int

__all__ = ["PRESETS", "PRESET_PARAMETERS", "as_matrix", "format_matrix", "parse_matrix", "preset"]

MAX_SIZE = 10_000
"""Largest number of rows or columns a preset may have."""

PRESETS: dict[str, str] = {
    "diag1234": "The seed notebook's diag(1, 2, 3, 4); its inverse is diag(1, 1/2, 1/3, 1/4).",
    "identity": "The n×n identity matrix, its own inverse.",
    "hilbert": "The Hilbert matrix 1/(i+j−1): famously ill-conditioned (κ ≈ 1.5e4 at n=4, 1.5e7 at n=6).",
    "rotation": "A rotation by an angle in each pair of coordinates: its inverse is its transpose (κ = 1).",
    "singular": "The n×n matrix of 1, 2, …, n² row by row: rank 2, so it has no inverse.",
    "random": "A random n×n matrix with a chosen condition number and seed.",
    "indicator": "The seed's 17×3 word/document indicator matrix: not square, it has a left inverse.",
}

PRESET_PARAMETERS: dict[str, tuple[str, ...]] = {
    "diag1234": (),
    "identity": ("n",),
    "hilbert": ("n",),
    "rotation": ("n", "angle"),
    "singular": ("n",),
    "random": ("n", "cond", "seed"),
    "indicator": (),
}
"""Which keyword arguments of :func:`preset` each preset uses; it ignores the others."""

SEED_INDICATOR = (17, 3, 0.2, 123)
"""The seed notebook's indicator matrix: documents, words, p, seed."""


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


def _array_values(A: Any, name: str) -> torch.Tensor:
    """A numpy array or nested lists of numbers as a tensor (numpy types that torch lacks become float64)."""
    try:
        values = np.asarray(A)
    except (ValueError, TypeError) as exc:
        raise MatrixInputError(
            f"{name} has rows of different lengths or non-numbers ({exc}); give a rectangular grid of numbers"
        ) from None
    if values.dtype == object or values.dtype.kind not in "biuf":
        raise MatrixInputError(
            f"{name} must hold numbers only, got {values.dtype.name} entries; "
            "give a rectangular grid of numbers such as [[1, 2], [3, 4]]"
        )
    try:
        return torch.from_numpy(values.copy())
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

_WRAPPER = re.compile(r"^\s*(?:torch\.|np\.|numpy\.)?(?:tensor|array|matrix)\s*\((.*)\)\s*$", re.S)
_DTYPE_TAIL = re.compile(r",\s*(?:dtype|device|requires_grad)\s*=.*$", re.S)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.I)
# typographic minus signs and spaces as ASCII; the byte-order mark some editors write first is dropped
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00a0": " ", "\u2009": " ", "\ufeff": None})


def _rows_of(text: str) -> list[str]:
    """Split text into row strings: bracketed like numpy/torch print, or by ';' and newlines."""
    wrapped = _WRAPPER.match(text)
    if wrapped:
        text = _DTYPE_TAIL.sub("", wrapped.group(1))
    if "[" not in text and "]" not in text:
        return [row for row in re.split(r"[;\n\r]+", text) if row.strip()]
    depth = deepest = 0
    for char in text:
        depth += {"[": 1, "]": -1}.get(char, 0)
        deepest = max(deepest, depth)
        if depth < 0:
            break
    if depth != 0:
        raise MatrixInputError("the brackets '[' and ']' do not match; check the pasted text")
    if deepest > 2:
        raise MatrixInputError(f"the text nests brackets {deepest} deep (a {deepest}-D array); paste a 2-D matrix")
    rows = re.findall(r"\[([^\[\]]*)\]", text)
    outside = re.sub(r"\[[^\[\]]*\]", "", text).strip(" \t\r\n[],;")
    if outside:
        raise MatrixInputError(f"unexpected text {outside[:30]!r} outside the brackets; paste only the matrix")
    return rows if deepest == 2 else rows[:1]


def _parse_entry(token: str, row: int, col: int) -> float:
    """One entry: a decimal number or a fraction a/b."""
    parts = token.split("/")
    if len(parts) <= 2 and all(_NUMBER.fullmatch(p) for p in parts):
        values = [float(p) for p in parts]
        if len(values) == 2:
            if values[1] == 0:
                raise MatrixInputError(f"row {row}, entry {col} divides by zero ({token!r}); fix the fraction")
            values = [values[0] / values[1]]
        if math.isfinite(values[0]):
            return values[0]
        raise MatrixInputError(f"row {row}, entry {col} is {token!r}; every entry must be a finite number")
    shown = token if len(token) <= 30 else token[:27] + "..."
    raise MatrixInputError(f"row {row}, entry {col} is {shown!r}, not a number; use digits like 2, -0.5, 1e-3 or 1/3")


def parse_matrix(text: str, *, dtype: Any = None, device: Any = None) -> torch.Tensor:
    """Read a matrix from text, as typed or pasted from a spreadsheet or a numpy/torch print.

    Rows are separated by newlines or ``;`` (or written as bracketed lists, as numpy
    and torch print them); entries by spaces, tabs or commas. An entry is a decimal
    number (``-0.5``, ``1e-3``) or a fraction (``1/3``). Nothing is evaluated.
    Raises :class:`MatrixInputError` naming the row and entry at fault.
    """
    if not isinstance(text, str):
        raise MatrixInputError(f"parse_matrix needs text, got {type(text).__name__}; use as_matrix for arrays")
    rows = _rows_of(text.translate(_MINUS))
    if not rows:
        raise MatrixInputError("the matrix text is empty; type rows of numbers, one row per line")
    grid = []
    for r, row in enumerate(rows, start=1):
        tokens = [t for t in re.split(r"[\s,]+", row.strip()) if t]
        if not tokens:
            raise MatrixInputError(f"row {r} is empty; remove it or give it numbers")
        grid.append([_parse_entry(t, r, c) for c, t in enumerate(tokens, start=1)])
        if len(grid[-1]) != len(grid[0]):
            raise MatrixInputError(
                f"row {r} has {len(grid[-1])} entries but row 1 has {len(grid[0])}; "
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


# ---------------------------------------------------------------------------- presets


def _random(n: int, cond: float, seed: int) -> torch.Tensor:
    """U diag(σ) Vᵀ with orthogonal U, V and σ spaced geometrically from 1 down to 1/cond."""
    gen = torch.Generator().manual_seed(seed)
    U, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    sigma = torch.logspace(0, -math.log10(cond), n, dtype=torch.float64) if n > 1 else torch.ones(1)
    return (U * sigma) @ V.T


def _rotation(n: int, angle: float) -> torch.Tensor:
    """Block diagonal: the 2×2 rotation by ``angle`` degrees in coordinates (1,2), (3,4), …"""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    R = torch.eye(n, dtype=torch.float64)
    for i in range(0, n - 1, 2):
        R[i : i + 2, i : i + 2] = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    return R


def preset(
    name: str,
    *,
    n: int = 4,
    cond: float = 10.0,
    seed: int = 0,
    angle: float = 30.0,
    dtype: Any = None,
    device: Any = None,
) -> torch.Tensor:
    """Return the example matrix ``name`` (one of :data:`PRESETS`).

    ``n`` sizes identity, hilbert, rotation, singular and random; ``cond`` and
    ``seed`` shape random; ``angle`` (degrees) shapes rotation. Other presets
    have a fixed size and ignore them.
    """
    if not isinstance(name, str) or name not in PRESETS:
        raise ParameterError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    if "n" in PRESET_PARAMETERS[name]:
        n = check_int("n", n, low=2 if name in ("rotation", "singular") else 1, high=MAX_SIZE)
    if name == "diag1234":
        M = torch.diag(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64))
    elif name == "identity":
        M = torch.eye(n, dtype=torch.float64)
    elif name == "hilbert":
        i = torch.arange(1, n + 1, dtype=torch.float64)
        M = 1.0 / (i[:, None] + i[None, :] - 1)
    elif name == "rotation":
        M = _rotation(n, check_float("angle", angle))
    elif name == "singular":
        M = torch.arange(1, n * n + 1, dtype=torch.float64).reshape(n, n)
    elif name == "random":
        cond = check_float("cond", cond, low=1.0, high=1e300)
        M = _random(n, cond, check_int("seed", seed, low=0, high=2**63 - 1))
    else:
        from .indicator import indicator_matrix

        M = indicator_matrix(*SEED_INDICATOR).to(torch.float64)
    return as_matrix(M, dtype=check_dtype(torch.float32 if dtype is None else dtype), device=device)
