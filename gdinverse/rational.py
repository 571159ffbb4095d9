"""Exact arithmetic on a matrix's values: its rank and its inverse decided exactly, not guessed from rounding.

Every float32 or float64 value is a rational number m·2ᵉ, so a matrix of them has an exact rank and, when square
and of full rank, an exact inverse. Scaling a row by a power of two changes neither the rank nor (scaled back) the
inverse, so each row is made integer first (:func:`integer_rows`). Then:

* **rank modulo primes** (:func:`rank_modulo`): elimination in the integers mod p. A minor that is 0 over the
  rationals is 0 mod p, so the rank mod p is never above the true rank: a full rank mod p *proves* full rank.
* **fraction-free elimination** (Bareiss) over the integers, where that proof fails: every intermediate value is a
  minor of the matrix, so each division is exact and no fraction or rounding appears (:func:`bareiss_rank`).
  The Gauss–Jordan form of the same step turns [N | I] into [det·I | ±adj N] (:func:`inverse`).

Both are exact but their cost grows with n³ times the square of the entries' bit length: :func:`affordable` says
beforehand whether a matrix is within :data:`WORK_BUDGET`, and callers fall back to a numerical answer, saying so.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

__all__ = [
    "WORK_BUDGET",
    "affordable",
    "bareiss_rank",
    "determinant",
    "integer_rows",
    "inverse",
    "rank",
    "rank_modulo",
]

PRIMES = (2_147_483_629, 2_147_483_587)
"""Primes below 2³¹, so that products of residues fit in int64."""

WORK_BUDGET = 3e8
"""Most work (about n³ big-integer operations times the square of the minors' bit length, :func:`work`) spent on
one exact rank or inverse: about a quarter of a second on a 2-core server (n ≈ 32 for float64 entries of
full precision; far more for small integers)."""


def integer_rows(values: np.ndarray) -> list[list[int]]:
    """Each row of a float matrix times the smallest power of two that makes all its entries integers."""
    rows = []
    for row in np.asarray(values, dtype=np.float64):
        ratios = [float(x).as_integer_ratio() for x in row]
        scale = max((d for _, d in ratios), default=1)  # every denominator is a power of two: the largest is the lcm
        rows.append([n * (scale // d) for n, d in ratios])
    return rows


def _minor_bits(rows: list[list[int]]) -> float:
    """An upper bound on the bit length of any minor (Hadamard): the sum over rows of the bit length of the row's
    norm, which is at most its largest entry's bit length plus log₂ √(entries)."""
    return sum(max(abs(x).bit_length() for x in row) + 0.5 * math.log2(len(row)) + 1 for row in rows if row)


def work(rows: list[list[int]], columns: int | None = None) -> float:
    """The cost :func:`affordable` compares with :data:`WORK_BUDGET`: n²·c operations on numbers of the minors'
    size, each costing about the square of their length in 30-bit digits."""
    n = len(rows)
    c = len(rows[0]) if columns is None else columns
    digits = _minor_bits(rows) / 30 + 1
    return n * n * c * digits**2


def affordable(rows: list[list[int]], columns: int | None = None) -> bool:
    """Whether exact elimination of ``rows`` (with ``columns`` columns, by default their own) fits the budget."""
    return bool(rows) and work(rows, columns) <= WORK_BUDGET


def rank_modulo(rows: list[list[int]], p: int) -> int:
    """The rank of the integer matrix modulo the prime ``p`` (< 2³¹): at most its rank over the rationals."""
    A = np.array([[x % p for x in row] for row in rows], dtype=np.int64)
    m, k = A.shape
    rank = 0
    for col in range(k):
        if rank == m:
            break
        pivots = np.flatnonzero(A[rank:, col])
        if pivots.size == 0:
            continue
        pivot = rank + int(pivots[0])
        A[[rank, pivot]] = A[[pivot, rank]]
        A[rank] = A[rank] * pow(int(A[rank, col]), -1, p) % p
        below = A[rank + 1 :, col].copy()
        A[rank + 1 :] = (A[rank + 1 :] - below[:, None] * A[rank][None, :]) % p
        rank += 1
    return rank


def bareiss_rank(rows: list[list[int]]) -> int:
    """The rank over the rationals of an integer matrix, by fraction-free elimination (exact divisions only)."""
    A = [list(row) for row in rows]
    m, k = len(A), len(A[0]) if A else 0
    rank, previous = 0, 1
    for col in range(k):
        pivot = next((i for i in range(rank, m) if A[i][col] != 0), None)
        if pivot is None:
            continue
        A[rank], A[pivot] = A[pivot], A[rank]
        p = A[rank][col]
        for i in range(rank + 1, m):
            a = A[i][col]
            A[i] = [(p * x - a * y) // previous for x, y in zip(A[i], A[rank], strict=True)]
        previous = p
        rank += 1
    return rank


def determinant(values: np.ndarray) -> Fraction | None:
    """The exact determinant of a square float matrix, or None past :data:`WORK_BUDGET`: fraction-free elimination
    ends at a last pivot that is the determinant of the integer rows N = S·M, so det M = ±det N / det S."""
    values = np.asarray(values, dtype=np.float64)
    ratios = [[float(x).as_integer_ratio() for x in row] for row in values]
    scales = [max(d for _, d in row) for row in ratios]
    A = [[num * (s // d) for num, d in row] for row, s in zip(ratios, scales, strict=True)]
    if not affordable(A):
        return None
    n, sign, previous = len(A), 1, 1
    for col in range(n):
        pivot = next((i for i in range(col, n) if A[i][col] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != col:
            A[col], A[pivot] = A[pivot], A[col]
            sign = -sign
        p = A[col][col]
        for i in range(col + 1, n):
            a = A[i][col]
            A[i] = [(p * x - a * y) // previous for x, y in zip(A[i], A[col], strict=True)]
        previous = p
    return Fraction(sign * previous, math.prod(scales))


def rank(values: np.ndarray) -> int | None:
    """The exact rank of a float matrix, or None when proving it would exceed :data:`WORK_BUDGET`."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return 0
    rows = integer_rows(values if values.shape[0] <= values.shape[1] else values.T)  # fewer rows: less work
    full = len(rows)
    if any(rank_modulo(rows, p) == full for p in PRIMES):
        return full
    if not affordable(rows):
        return None
    return bareiss_rank(rows)


def inverse(values: np.ndarray) -> np.ndarray | None:
    """The exact inverse of a square float matrix of full rank, rounded once to float64 (each entry the float
    nearest the exact rational); None if it is singular or exact elimination exceeds :data:`WORK_BUDGET`.

    Fraction-free Gauss–Jordan on [N | I] (N the rows made integer) ends at [d·I | d·N⁻¹] with d = ±det N; the
    row scales are put back on the right: M⁻¹ = N⁻¹·S for M = S⁻¹N.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    ratios = [[float(x).as_integer_ratio() for x in row] for row in values]
    scales = [max(d for _, d in row) for row in ratios]
    rows = [[num * (s // d) for num, d in row] for row, s in zip(ratios, scales, strict=True)]
    if not affordable(rows, 2 * n):
        return None
    A = [row + [int(i == j) for j in range(n)] for i, row in enumerate(rows)]
    previous = 1
    for col in range(n):
        pivot = next((i for i in range(col, n) if A[i][col] != 0), None)
        if pivot is None:
            return None
        A[col], A[pivot] = A[pivot], A[col]
        p = A[col][col]
        for i in range(n):
            if i != col:
                a = A[i][col]
                A[i] = [(p * x - a * y) // previous for x, y in zip(A[i], A[col], strict=True)]
        previous = p
    d = A[0][0]  # every diagonal entry is now d
    return np.array([[float(Fraction(A[i][n + j] * scales[j], d)) for j in range(n)] for i in range(n)])
