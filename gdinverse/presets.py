"""Named example matrices: the seed's diag(1, 2, 3, 4), identity, Hilbert, rotation, singular, random, indicator.

Each preset says which keyword arguments shape it, and the sized ones how small they may be:

>>> PRESET_PARAMETERS["random"]
('n', 'cond', 'seed')
>>> SMALLEST_N
{'rotation': 2, 'singular': 3}
"""

from __future__ import annotations

import math
from typing import Any

import torch

from .errors import ParameterError, check_dtype, check_float, check_int
from .indicator import indicator_matrix
from .limits import MAX_SEED
from .matrices import as_matrix

__all__ = ["PRESETS", "PRESET_PARAMETERS", "SEED_INDICATOR", "SMALLEST_N", "preset"]

MAX_SIZE = 10_000
"""Largest number of rows or columns a preset may have."""

PRESETS: dict[str, str] = {
    "diag1234": "The seed notebook's diag(1, 2, 3, 4); its inverse is diag(1, 1/2, 1/3, 1/4).",
    "identity": "The n×n identity matrix, its own inverse.",
    "hilbert": "The Hilbert matrix 1/(i+j−1): famously ill-conditioned (κ = 1.55e+04 at n = 4, 1.5e+07 at n = 6).",
    "rotation": "A rotation by an angle in each pair of coordinates: its inverse is its transpose (κ = 1).",
    "singular": "The n×n matrix of 1, 2, …, n² row by row (n ≥ 3): rank 2, so it has no inverse.",
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

SMALLEST_N: dict[str, int] = {"rotation": 2, "singular": 3}
"""The least n of the sized presets that need more than 1: a rotation turns a pair of coordinates, and the matrix
of 1, …, n² has rank 2, which is singular only from n = 3 on ([[1, 2], [3, 4]] is invertible)."""

SEED_INDICATOR = (17, 3, 0.2, 123)
"""The seed notebook's indicator matrix: documents, words, p, seed."""


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
    have a fixed size and ignore them. Every preset is float32 unless ``dtype`` says otherwise.

    >>> preset("diag1234")
    tensor([[1., 0., 0., 0.],
            [0., 2., 0., 0.],
            [0., 0., 3., 0.],
            [0., 0., 0., 4.]])
    >>> preset("hilbert", n=3, dtype="float64")
    tensor([[1.0000, 0.5000, 0.3333],
            [0.5000, 0.3333, 0.2500],
            [0.3333, 0.2500, 0.2000]], dtype=torch.float64)
    >>> preset("singular", n=3)
    tensor([[1., 2., 3.],
            [4., 5., 6.],
            [7., 8., 9.]])
    >>> preset("rotation", n=1)
    Traceback (most recent call last):
        ...
    gdinverse.errors.ParameterError: n of the rotation preset must be between 2 and 10,000, got 1
    """
    if not isinstance(name, str) or name not in PRESETS:
        raise ParameterError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    if "n" in PRESET_PARAMETERS[name]:
        n = check_int(f"n of the {name} preset", n, low=SMALLEST_N.get(name, 1), high=MAX_SIZE)
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
        M = _random(n, cond, check_int("seed", seed, low=0, high=MAX_SEED))
    else:
        M = indicator_matrix(*SEED_INDICATOR).to(torch.float64)
    return as_matrix(M, dtype=check_dtype(torch.float32 if dtype is None else dtype), device=device)
