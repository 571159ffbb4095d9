"""Independent references for the tests, written without the package: rank, inverse and κ of a float matrix in exact
rational arithmetic (Python's fractions), and numpy's float64 answers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def fractions(values) -> list[list[Fraction]]:
    """The matrix's entries as exact rationals (every float is one)."""
    return [[Fraction(float(x)) for x in row] for row in np.asarray(values, dtype=np.float64)]


def rank(values) -> int:
    """The exact rank, by Gauss–Jordan elimination on fractions."""
    A = fractions(values)
    m, k = len(A), len(A[0])
    r = 0
    for c in range(k):
        pivot = next((i for i in range(r, m) if A[i][c] != 0), None)
        if pivot is None:
            continue
        A[r], A[pivot] = A[pivot], A[r]
        for i in range(m):
            if i != r and A[i][c] != 0:
                f = A[i][c] / A[r][c]
                A[i] = [x - f * y for x, y in zip(A[i], A[r], strict=True)]
        r += 1
    return r


def inverse(values) -> np.ndarray:
    """The exact inverse of a square matrix of full rank, each entry rounded once to float64."""
    A = fractions(values)
    n = len(A)
    A = [row + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(A)]
    for c in range(n):
        pivot = next(i for i in range(c, n) if A[i][c] != 0)
        A[c], A[pivot] = A[pivot], A[c]
        p = A[c][c]
        A[c] = [x / p for x in A[c]]
        for i in range(n):
            if i != c and A[i][c] != 0:
                f = A[i][c]
                A[i] = [x - f * y for x, y in zip(A[i], A[c], strict=True)]
    return np.array([[float(x) for x in row[n:]] for row in A])


def kappa(values) -> float:
    """κ = ‖M‖₂·‖M⁻¹‖₂ with M⁻¹ exact (so it is right where float64's SVD cannot resolve σ_min); inf if singular."""
    values = np.asarray(values, dtype=np.float64)
    if values.shape[0] != values.shape[1]:
        s = np.linalg.svd(values, compute_uv=False)
        return float(s[0] / s[-1]) if rank(values) == min(values.shape) else float("inf")
    if rank(values) < values.shape[0]:
        return float("inf")
    return float(np.linalg.norm(values, 2) * np.linalg.norm(inverse(values), 2))
