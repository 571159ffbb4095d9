r"""The exact inverse (``torch.linalg.inv``), one-sided and pseudo-inverses, and the condition number.

**The rule.** :func:`exact_inverse` refuses a square matrix (:class:`SingularMatrixError`) only when the LU
factorisation breaks down — an exactly zero pivot, where elimination in the working dtype cannot go on (the matrix
as stored is singular, or rounding made it look so) — or when the inverse overflows the dtype. Every other matrix
gets its inverse, with what the standard bound says about it. Rounding the data and the arithmetic to a relative
precision eps perturbs the inverse by, to first order and up to a modest factor that grows with n,

.. math:: \frac{\lVert \hat X - M^{-1}\rVert}{\lVert M^{-1}\rVert} \lesssim \mathrm{eps}\cdot\kappa(M),
          \qquad \kappa(M) = \sigma_{\max}/\sigma_{\min},

so the inverse has about :math:`-\log_{10}(\mathrm{eps}\,\kappa)` correct significant digits *guaranteed*
(``trusted_digits``; normwise, so the largest entries have them). When eps·κ ≥ 1 the bound guarantees no digit
(``ill_conditioned``): the inverse is still returned, to be shown with a warning. It may be far more accurate than
the bound — a diagonal matrix's inverse is exact at any κ, and the 30×30 Moler matrix (κ ≈ 4e19) has an inverse
correct to about 1.5e-16 — but nothing short of a check in higher precision can tell. ``max_error`` is what was
measured: max |X @ M − I|.

κ is computed in float64 from the matrix *as entered*, before any cast to float32, so one matrix has one κ
whichever dtype inverts it. When σ_min is below max(m, k)·eps64·σ_max, float64's SVD cannot resolve it: κ is then
not reliable (``condition_resolved`` is False; a singular matrix may show κ ≈ 1e17 rather than inf), and the bound
guarantees nothing in either dtype.

A non-square matrix has no inverse; :func:`one_sided_inverse` says which one-sided inverse it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from .cost import require
from .errors import MatrixInputError, SingularMatrixError
from .matrices import as_matrix
from .theory import format_condition, numerical_rank, residual, singular_values

__all__ = [
    "ExactInverse",
    "OneSidedInverse",
    "best_inverse",
    "condition_number",
    "exact_inverse",
    "one_sided_inverse",
    "pseudo_inverse",
]

ONE_SIDED_KINDS = ("inverse", "left", "right", "pseudo")


@dataclass(frozen=True)
class ExactInverse:
    """The inverse of a square matrix, how well it checks out, and what the condition number guarantees."""

    matrix: torch.Tensor = field(repr=False)
    """The matrix inverted, in ``dtype``."""
    inverse: torch.Tensor = field(repr=False)
    product: torch.Tensor = field(repr=False)
    """inverse @ matrix, the identity up to rounding."""
    max_error: float
    """max |inverse @ matrix − I|, measured in ``dtype``."""
    determinant: float
    """det of the matrix as entered, in float64."""
    condition_number: float
    """κ = σ_max/σ_min of the matrix as entered (2-norm), computed in float64; see ``condition_resolved``."""
    dtype: str
    """The working precision: "float32" or "float64"."""
    eps: float
    """The dtype's machine epsilon: 1.2e-7 (float32), 2.2e-16 (float64)."""
    error_bound: float
    """eps·κ: the first-order bound on ‖inverse − M⁻¹‖/‖M⁻¹‖ (inf when κ is)."""
    trusted_digits: float
    """Correct significant digits the bound guarantees: −log10(eps·κ) clipped to [0, −log10(eps)]; 0 when
    ``ill_conditioned``. A guarantee, not a measurement: the inverse may be more accurate."""
    ill_conditioned: bool
    """True when the bound guarantees no digit (eps·κ ≥ 1, or κ unresolved): show the inverse with a warning."""
    condition_resolved: bool
    """False when σ_min is below max(m, k)·eps64·σ_max, which float64's SVD cannot resolve: κ is then not reliable
    (it may be far larger, as for a singular matrix), M is at least about that ill-conditioned, and the bound
    guarantees no digit."""

    @property
    def residual(self) -> torch.Tensor:
        """inverse @ matrix − I: what rounding left (:func:`gdinverse.residual`)."""
        return residual(self.inverse, self.matrix)

    @property
    def warning(self) -> str | None:
        """The sentence to show next to an ill-conditioned inverse (None when the bound guarantees digits)."""
        if not self.ill_conditioned:
            return None
        measured = f"max |inverse @ M − I| = {self.max_error:.2g} is what was measured"
        if not self.condition_resolved:
            return (
                f"κ ≈ {format_condition(self.condition_number)} is beyond what float64 resolves, so M is singular or "
                f"too close to singular to tell: no digit of this inverse is guaranteed ({measured}). "
                "Use the pseudo-inverse, or check in higher precision."
            )
        advice = ""
        if self.dtype == "float32" and self.condition_number * torch.finfo(torch.float64).eps < 1:
            digits = -math.log10(self.condition_number * torch.finfo(torch.float64).eps)
            advice = f" In float64 the bound guarantees about {digits:.0f} digits."
        return (
            f"eps·κ = {self.error_bound:.2g} ≥ 1 in {self.dtype}: the bound guarantees no correct digit of this "
            f"inverse (it may still be accurate; {measured}).{advice}"
        )


@dataclass(frozen=True)
class OneSidedInverse:
    """Which inverse an m×k matrix has, and the one of least norm: X (k×m) = M⁺."""

    kind: str
    """"inverse" (square, full rank), "left" (rank k < m: X @ M = I_k), "right" (rank m < k: M @ X = I_m),
    or "pseudo" (rank below min(m, k): neither exists)."""
    matrix: torch.Tensor = field(repr=False)
    inverse: torch.Tensor = field(repr=False)
    """X, k×m: M⁻¹ for "inverse", else the pseudo-inverse M⁺ (computed in float64, returned in ``dtype``)."""
    rank: int
    """The numerical rank: singular values above max(m, k)·eps64·σ_max, in float64."""
    product: torch.Tensor = field(repr=False)
    """M @ X (m×m) for "right", else X @ M (k×k)."""
    max_error: float
    """max |product − I| for "inverse", "left" and "right"; NaN for "pseudo", whose product is a projection."""
    description: str
    """One sentence for a student: what M has and what X does."""
    dtype: str


def _entered(A: Any) -> torch.Tensor:
    """``A`` as entered, in float64 on the CPU (no cast to float32 in between)."""
    return as_matrix(A, dtype=torch.float64, device="cpu")


def _kappa(sigma: Any) -> float:
    return math.inf if sigma[-1] == 0 else float(sigma[0] / sigma[-1])


def condition_number(A: Any, *, dtype: Any = None) -> float:
    """The 2-norm condition number σ_max/σ_min of ``A`` as entered, computed in float64 (inf if σ_min is 0).

    ``A`` must fit ``dtype`` (float32 unless given or a float64 tensor), as everywhere in gdinverse, but κ is
    always that of the values as entered, never of their float32 rounding. When σ_min is below
    max(m, k)·eps64·σ_max (κ beyond about 1e15) float64's SVD cannot resolve it and κ is not reliable.
    """
    as_matrix(A, dtype=dtype)
    return _kappa(singular_values(_entered(A)))


def _name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def exact_inverse(M: Any, *, dtype: Any = None, device: Any = None) -> ExactInverse:
    """Invert a square matrix with ``torch.linalg.inv`` in ``dtype`` (float32 by default, or float64 for a
    float64 tensor), and say what the condition number guarantees about the result (module docstring).

    Raises :class:`SingularMatrixError` only when LU elimination meets an exactly zero pivot (the matrix, stored
    in ``dtype``, is singular) or the inverse overflows ``dtype``; :class:`MatrixInputError` for a non-square
    matrix (see :func:`one_sided_inverse`).
    """
    A = as_matrix(M, dtype=dtype, device=device)
    rows, cols = A.shape
    if rows != cols:
        raise MatrixInputError(
            f"the exact inverse needs a square matrix, got {rows}×{cols}; use one_sided_inverse for its left or "
            "right inverse, or pseudo_inverse for the least-squares inverse"
        )
    entered = _entered(M)
    sigma = singular_values(entered)
    kappa = _kappa(sigma)
    shown = format_condition(kappa)
    resolved = numerical_rank(sigma, (rows, cols), torch.float64) == rows
    name = _name(A.dtype)
    eps = torch.finfo(A.dtype).eps
    inverse, info = torch.linalg.inv_ex(A)
    if int(info) > 0:
        if A.dtype == torch.float32 and resolved:
            raise SingularMatrixError(
                f"matrix is singular once rounded to float32: LU elimination met an exactly zero pivot in column "
                f"{int(info)}, though as entered it is invertible (condition number {shown}); use float64, or the "
                "pseudo-inverse",
                condition_number=kappa,
            )
        raise SingularMatrixError(
            f"matrix is singular (condition number {shown}): LU elimination in {name} met an exactly zero pivot "
            f"in column {int(info)}, so it has no inverse; use the pseudo-inverse (pseudo_inverse, or "
            "one_sided_inverse to see which inverses exist)",
            condition_number=kappa,
        )
    product = inverse @ A
    if not (torch.isfinite(inverse).all() and torch.isfinite(product).all()):
        raise SingularMatrixError(
            f"the inverse overflows {name} (entries beyond {torch.finfo(A.dtype).max:.3g}; condition number "
            f"{shown}); rescale the matrix" + (" or use float64" if A.dtype == torch.float32 else ""),
            condition_number=kappa,
        )
    bound = eps * kappa
    ill = bound >= 1 or not resolved
    digits = 0.0 if ill else min(-math.log10(eps), max(0.0, -math.log10(bound)))
    return ExactInverse(
        matrix=A,
        inverse=inverse,
        product=product,
        max_error=float(residual(inverse, A).abs().max()),
        determinant=float(torch.linalg.det(entered)),
        condition_number=kappa,
        dtype=name,
        eps=eps,
        error_bound=bound,
        trusted_digits=digits,
        ill_conditioned=ill,
        condition_resolved=resolved,
    )


def pseudo_inverse(A: Any, *, dtype: Any = None, device: Any = None) -> torch.Tensor:
    """The Moore–Penrose pseudo-inverse A⁺: k×m for an m×k matrix, returned in ``dtype`` on ``device``.

    It exists for every matrix: the inverse when there is one, otherwise the least-squares solution with the
    smallest norm. It is computed in float64 from the matrix *as entered* (never from its float32 rounding), from
    the SVD A = U·diag(σ)·Vᵀ: A⁺ = V·diag(1/σᵢ)·Uᵀ over the σᵢ above the cut-off **max(m, k)·eps64·σ_max**
    (eps64 = 2.2e-16), the others counted as 0. That cut-off is float64's resolution, the rule behind the rank
    :func:`one_sided_inverse` and ``lr_bounds(A).rank`` report; so for a matrix of full rank by it, A⁺ is the
    inverse (square), the left inverse (tall) or the right inverse (wide), and agrees with :func:`exact_inverse`
    and :func:`one_sided_inverse` up to rounding: diag(1, 1e-8) gives diag(1, 1e8) in float32 and float64 alike.

    For comparison, other defaults: ``numpy.linalg.pinv`` counts σᵢ ≤ 1e-15·σ_max as 0 (its ``rcond``, whatever
    the shape); ``torch.linalg.pinv`` counts σᵢ < max(m, k)·eps·σ_max as 0 with eps of the dtype it computes in,
    1.2e-7 in float32, where diag(1, 1e-8) would lose its 1e-8 and give diag(1, 0).

    Raises :class:`MatrixInputError` when A⁺ has entries beyond ``dtype``'s range (rescale, or use float64).
    """
    M = as_matrix(A, dtype=dtype, device=device)
    m, k = M.shape
    require("pseudo_inverse", (m, k), dtype=M.dtype)
    U, sigma, Vh = torch.linalg.svd(_entered(A), full_matrices=False)
    rank = numerical_rank(sigma.numpy(), (m, k), torch.float64)
    X = ((Vh[:rank].T / sigma[:rank]) @ U[:, :rank].T).to(device=M.device, dtype=M.dtype)
    if not torch.isfinite(X).all():
        raise MatrixInputError(
            f"the pseudo-inverse of the {m}×{k} matrix overflows {_name(M.dtype)} (entries beyond "
            f"{torch.finfo(M.dtype).max:.3g}); rescale the matrix"
            + (" or use float64" if M.dtype == torch.float32 else "")
        )
    return X


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _eye(n: int) -> str:
    return "I" + str(n).translate(_SUBSCRIPTS)


def _describe(kind: str, m: int, k: int, rank: int) -> str:
    size = f"M is {m}×{k}"
    if kind == "inverse":
        return (
            f"{size} with full rank {m}: it is invertible, and X = M⁻¹ is its only inverse: X @ M = M @ X = {_eye(m)}."
        )
    if kind == "left":
        return (
            f"{size} with full column rank {k}: it has left inverses X with X @ M = {_eye(k)} (this is the one of "
            f"least norm, M⁺); no right inverse exists, since M @ X is {m}×{m} of rank {k}."
        )
    if kind == "right":
        return (
            f"{size} with full row rank {m}: it has right inverses X with M @ X = {_eye(m)} (this is the one of "
            f"least norm, M⁺); no left inverse exists, since X @ M is {k}×{k} of rank {m}."
        )
    if rank == 0:
        return f"{size} and all zeros (rank 0): it has no left or right inverse, and its pseudo-inverse M⁺ is zero."
    square = "it is singular, or too close to singular for float64 to tell, so it has" if m == k else "it has"
    return (
        f"{size} with numerical rank {rank}, below {min(m, k)}: {square} no left or right inverse. X = M⁺, the "
        f"pseudo-inverse, gives the least-squares solution of least norm (x = X @ b for M @ x ≈ b), and X @ M is "
        f"the projection onto M's row space (rank {rank}), not {_eye(k)}."
    )


def one_sided_inverse(A: Any, *, dtype: Any = None, device: Any = None) -> OneSidedInverse:
    """Which inverse an m×k matrix has, from its numerical rank r (float64, tolerance max(m, k)·eps64·σ_max).

    - "inverse": square with r = m: X = A⁻¹, X @ A = A @ X = I;
    - "left": r = k < m (full column rank): X = (AᵀA)⁻¹Aᵀ = A⁺, X @ A = I_k (left inverses are many; A⁺ has
      the least norm);
    - "right": r = m < k (full row rank): X = Aᵀ(AAᵀ)⁻¹ = A⁺, A @ X = I_m;
    - "pseudo": r < min(m, k): X = A⁺, the least-squares inverse of least norm; X @ A projects onto the row space.

    X is computed in float64 from A as entered (A⁺ by ``torch.linalg.pinv``, never through AᵀA, which would square
    κ) and returned in ``dtype``; ``product`` and ``max_error`` are measured in ``dtype``.
    """
    M = as_matrix(A, dtype=dtype, device=device)
    m, k = M.shape
    entered = _entered(A)
    rank = numerical_rank(singular_values(entered), (m, k), torch.float64)
    if m == k and rank == m:
        kind = "inverse"
        X64, info = torch.linalg.inv_ex(entered)
        if int(info) > 0 or not torch.isfinite(X64).all():
            X64 = torch.linalg.pinv(entered)
    else:
        kind = "left" if rank == k < m else "right" if rank == m < k else "pseudo"
        X64 = torch.linalg.pinv(entered)
    X = X64.to(device=M.device, dtype=M.dtype)
    product = M @ X if kind == "right" else X @ M
    # max |product − I| (recomputed by gdinverse.residual); a projection for "pseudo", so no error
    left_over = None if kind == "pseudo" else residual(M, X) if kind == "right" else residual(X, M)
    error = math.nan if left_over is None else float(left_over.abs().max())
    return OneSidedInverse(
        kind=kind,
        matrix=M,
        inverse=X,
        rank=rank,
        product=product,
        max_error=error,
        description=_describe(kind, m, k, rank),
        dtype=_name(M.dtype),
    )


def best_inverse(A: Any, *, dtype: Any = None, device: Any = None) -> tuple[str, torch.Tensor]:
    """What a learned X should be compared with: ("exact inverse", A⁻¹) whenever ``exact_inverse`` gives one in
    ``dtype`` (an ill-conditioned one too, such as Hilbert 6 in float32), else ("pseudo-inverse", A⁺): for a
    non-square matrix, a square one whose LU factorisation breaks down or whose inverse overflows, and one whose κ
    float64 cannot resolve (``condition_resolved`` False: singular or too close to tell, where the "inverse" LU
    returns is rounding noise of size 1/eps and A⁺ is what gradient descent from zeros approaches)."""
    try:
        result = exact_inverse(A, dtype=dtype, device=device)
    except (SingularMatrixError, MatrixInputError):
        pass
    else:
        if result.condition_resolved:
            return "exact inverse", result.inverse
    return "pseudo-inverse", pseudo_inverse(A, dtype=dtype, device=device)
