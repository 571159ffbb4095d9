r"""The exact inverse (``torch.linalg.inv``), one-sided and pseudo-inverses, and the condition number.

**Singular means singular.** Whether a matrix has an inverse is decided on its values, exactly
(:class:`gdinverse.Spectrum`: a float is a rational number, so up to 64 rows and columns the rank is found in exact
arithmetic). :func:`exact_inverse` refuses (:class:`SingularMatrixError`) a square matrix that, stored in the working
dtype, has deficient rank — whatever LU elimination would do with it: on some CPUs it meets an exactly zero pivot,
on others a pivot of rounding size and returns numbers that are no inverse. It also refuses when LU breaks down on a
matrix of full rank (rounding made a pivot exactly 0) or when the inverse overflows the dtype. Every other matrix gets
its inverse, with what the standard bound says about it. Rounding the data and the arithmetic to a relative
precision eps perturbs the inverse by, to first order and up to a modest factor that grows with n,

.. math:: \frac{\lVert \hat X - M^{-1}\rVert}{\lVert M^{-1}\rVert} \lesssim \mathrm{eps}\cdot\kappa(M),
          \qquad \kappa(M) = \sigma_{\max}/\sigma_{\min},

so the inverse has about :math:`-\log_{10}(\mathrm{eps}\,\kappa)` correct significant digits *guaranteed*
(``trusted_digits``; normwise, so the largest entries have them). When eps·κ ≥ 1 the bound guarantees no digit
(``ill_conditioned``): the inverse is still returned, to be shown with a warning. It may be far more accurate than
the bound — a diagonal matrix's inverse is exact at any κ, and the 30×30 Moler matrix (κ ≈ 4e19) has an inverse
correct to about 1.5e-16 — but nothing short of a check can tell: ``max_error`` is what was measured,
max |X @ M − I|.

κ is that of the matrix *as entered*, before any cast to float32, so one matrix has one κ whichever dtype inverts
it; it is ∞ exactly when the rank is deficient. A matrix of full rank has a finite κ however large: where float64's
SVD cannot resolve σ_min, κ comes from the exact inverse (``kappa_source``), and only beyond the sizes exact
arithmetic affords is it unresolved (``condition_resolved`` False: the bound then guarantees nothing).

**At every size.** Up to 128 rows κ comes from one full SVD (exact up to 64). Beyond, no SVD is made: κ is
estimated from M's LU in float64 by Lanczos iterations (``kappa_source`` "estimate", a lower bound good to about 4
digits, in practice 8 or more; :class:`gdinverse.Spectrum`), which with the inverse and its check costs a small
multiple of ``torch.linalg.inv`` alone, and the determinant comes from the same LU. The whole call is estimated
before it starts (:func:`gdinverse.cost.require`) and refused with a :class:`gdinverse.CostError` when it would take
more than the budget (10 s and 2 GB by default).

A non-square matrix has no inverse; :func:`one_sided_inverse` says which one-sided inverse it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from . import rational
from .errors import MatrixInputError, SingularMatrixError, check_device
from .matrices import as_matrix
from .spectrum import Decomposition, Spectrum
from .theory import format_condition, residual

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
INACCURATE = 0.01
"""A measured error (against the exact inverse, or else max |inverse @ M − I|) from which an inverse is called
not accurate."""


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
    """det of the matrix as entered: exact, rounded once to float64 (up to 64 rows; beyond, float64's LU). It
    underflows to 0 for a matrix of full rank whose det is below float64's smallest number (Hilbert 128)."""
    condition_number: float
    """κ = σ_max/σ_min of the matrix as entered (2-norm), computed in float64 (an estimate beyond 128 rows, see
    ``kappa_source``); see ``condition_resolved``."""
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
    """True when κ is known to the digits shown: float64's SVD resolves σ_min, κ came from the exact inverse, or
    (beyond 128 rows) the LU's estimate resolves it (``kappa_source``). False only where M is too big for exact
    arithmetic and float64 cannot resolve σ_min: κ is then "unresolved" (at least about 1/(n·eps₆₄)), M may even be
    singular, and the bound guarantees no digit."""
    kappa_source: str = "svd"
    """How κ was found: "svd", "exact inverse", "estimate" or "unresolved"
    (:attr:`gdinverse.Decomposition.kappa_source`)."""
    rank_exact: bool = True
    """Whether M's full rank was proved in exact arithmetic (up to 64 rows; beyond, it is numerical)."""
    true_error: float | None = None
    """‖inverse − M⁻¹‖_F / ‖M⁻¹‖_F against the exact inverse of M as entered (None where exact arithmetic is not
    affordable): what the bound eps·κ bounds, measured."""

    @property
    def residual(self) -> torch.Tensor:
        """inverse @ matrix − I: what rounding left (:func:`gdinverse.residual`)."""
        return residual(self.inverse, self.matrix)

    @property
    def check_text(self) -> str:
        """What the check measured, in words: "max |inverse @ M − I| = 3.4" (or "= 0, exact"), and the error
        against the exact inverse where it is known."""
        text = f"max |inverse @ M − I| = {self.max_error:.2g}" + (", exact" if self.max_error == 0 else "")
        if self.true_error is not None:
            off = "exactly M⁻¹" if self.true_error == 0 else f"off by {self.true_error:.2g} (relative)"
            text += f"; against the exact inverse it is {off}"
        return text

    @property
    def accurate(self) -> bool | None:
        """Whether the inverse is accurate, as measured: its error against the exact inverse (where known) or else
        max |inverse @ M − I| below :data:`INACCURATE`; None where neither tells (never: one is always measured)."""
        measured = self.true_error if self.true_error is not None else self.max_error
        return bool(measured < INACCURATE)

    @property
    def warning(self) -> str | None:
        """The sentence to show next to an ill-conditioned inverse (None when the bound guarantees digits)."""
        if not self.ill_conditioned:
            return None
        if not self.condition_resolved:
            return (
                f"κ ≈ {format_condition(self.condition_number)} is beyond what float64 resolves, and M is too big to "
                f"decide its rank exactly: it may be singular. No digit of this inverse is guaranteed (the check: "
                f"{self.check_text}). Use the pseudo-inverse, or check in higher precision."
            )
        advice = ""
        if self.dtype == "float32" and self.condition_number * torch.finfo(torch.float64).eps < 1:
            digits = -math.log10(self.condition_number * torch.finfo(torch.float64).eps)
            advice = f" In float64 the bound guarantees about {digits:.0f} digits."
        verdict = "It is accurate all the same" if self.accurate else "And it is not accurate"
        return (
            f"eps·κ = {self.error_bound:.2g} ≥ 1 in {self.dtype}: the bound guarantees no correct digit of this "
            f"inverse. {verdict}: {self.check_text}.{advice}"
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


def condition_number(A: Any, *, dtype: Any = None) -> float:
    """The 2-norm condition number σ_max/σ_min of ``A`` as entered (a matrix or its :class:`gdinverse.Spectrum`):
    ∞ exactly when its rank is deficient, finite however large for a matrix of full rank
    (:attr:`gdinverse.Decomposition.kappa`).

    ``A`` must fit ``dtype`` (float32 unless given or a float64 tensor), as everywhere in gdinverse, but κ is
    always that of the values as entered, never of their float32 rounding. Up to 128 rows it comes from the SVD;
    beyond, a square matrix's is an estimate from its LU (``Spectrum.of(A).kappa_source`` says which), a non-square
    one's from its singular values. The cost is estimated first (:func:`gdinverse.cost.require`).
    """
    return Spectrum.of(A, dtype=dtype, operation="condition_number").condition_number


def _name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def exact_inverse(M: Any, *, dtype: Any = None, device: Any = None) -> ExactInverse:
    """Invert a square matrix with ``torch.linalg.inv`` in ``dtype`` (float32 by default, or float64 for a
    float64 tensor), and say what the condition number guarantees about the result (module docstring).

    ``M`` may be a :class:`gdinverse.Spectrum` (then it is not decomposed again). Up to 128 rows κ comes from the SVD
    (exactly up to 64), beyond from an estimate on M's LU (module docstring); the time and memory of the call are
    estimated before it starts, and a call over the budget is refused with a :class:`gdinverse.CostError`. Raises
    :class:`SingularMatrixError` when M, stored in ``dtype``, is singular (decided exactly up to 64 rows), when
    LU elimination meets an exactly zero pivot, or when the inverse overflows ``dtype``; :class:`MatrixInputError`
    for a non-square matrix (see :func:`one_sided_inverse`).
    """
    spectrum = Spectrum.of(M, dtype=dtype, operation="exact_inverse")
    A = spectrum.rounded.matrix.to(device=check_device(device), dtype=getattr(torch, spectrum.dtype))
    rows, cols = A.shape
    if rows != cols:
        raise MatrixInputError(
            f"the exact inverse needs a square matrix, got {rows}×{cols}; use one_sided_inverse for its left or "
            "right inverse, or pseudo_inverse for the least-squares inverse"
        )
    kappa = spectrum.condition_number
    shown = format_condition(kappa)
    name = _name(A.dtype)
    stored, entered = spectrum.rounded, spectrum.entered
    _refuse_singular(stored, entered, name, kappa)
    eps = torch.finfo(A.dtype).eps
    inverse, info = torch.linalg.inv_ex(A)
    if int(info) > 0:
        if stored.rank_exact:
            raise SingularMatrixError(
                f"LU elimination in {name} met an exactly zero pivot in column {int(info)}, though M stored in {name} "
                f"has full rank {rows} (rounding made the pivot 0; condition number {shown}); use float64, or the "
                "pseudo-inverse",
                condition_number=kappa,
                reason="pivot",
            )
        raise SingularMatrixError(
            f"LU elimination in {name} met an exactly zero pivot in column {int(info)} (condition number {shown}): M "
            "is singular, or rounding made it look so (it is too big to decide its rank exactly); use the "
            "pseudo-inverse (pseudo_inverse, or one_sided_inverse to see which inverses exist)",
            condition_number=kappa,
            reason="pivot",
        )
    product = inverse @ A
    left = product - torch.eye(rows, dtype=A.dtype, device=A.device)  # residual(inverse, A), from the one product
    max_error = float(left.abs().max())
    # finite only if the product is, and so the inverse (an inf or NaN in it reaches the product through any nonzero
    # of its row of M, and M has one in every row: LU succeeded)
    if not math.isfinite(max_error):
        raise SingularMatrixError(
            f"the inverse overflows {name} (entries beyond {torch.finfo(A.dtype).max:.3g}; condition number "
            f"{shown}); rescale the matrix" + (" or use float64" if A.dtype == torch.float32 else ""),
            condition_number=kappa,
            reason="overflow",
        )
    resolved = entered.kappa_resolved
    bound = eps * kappa
    ill = bound >= 1 or not resolved
    digits = 0.0 if ill else min(-math.log10(eps), max(0.0, -math.log10(bound)))
    return ExactInverse(
        matrix=A,
        inverse=inverse,
        product=product,
        max_error=max_error,
        determinant=_determinant(entered),
        condition_number=kappa,
        dtype=name,
        eps=eps,
        error_bound=bound,
        trusted_digits=digits,
        ill_conditioned=ill,
        condition_resolved=resolved,
        kappa_source=spectrum.kappa_source,
        rank_exact=entered.rank_exact,
        true_error=_true_error(inverse, entered),
    )


def _true_error(inverse: torch.Tensor, entered: Decomposition) -> float | None:
    """‖inverse − M⁻¹‖_F / ‖M⁻¹‖_F against the exact inverse of M as entered, where it is known."""
    exact = entered.exact_inverse
    if exact is None:
        return None
    scale = float(np.abs(exact).max())  # norms of entries like 1e-300 would underflow
    difference = (inverse.double().cpu().numpy() - exact) / scale
    return float(np.linalg.norm(difference) / np.linalg.norm(exact / scale))


def _determinant(entered: Decomposition) -> float:
    """det of M as entered: exact (rounded once to float64; ±inf past its range, 0 only if it underflows) where
    exact arithmetic is affordable, else float64's LU determinant."""
    exact = rational.determinant(entered.matrix.numpy()) if entered.rank_exact else None
    if exact is None:
        return entered.determinant()
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


def _refuse_singular(stored: Decomposition, entered: Decomposition, name: str, kappa: float) -> None:
    """Raise :class:`SingularMatrixError` when the matrix stored in the working precision is exactly singular."""
    n = stored.shape[0]
    if not stored.rank_exact or stored.full_rank:
        return
    if entered.full_rank:
        raise SingularMatrixError(
            f"matrix is singular once rounded to {name}: stored in {name} it has rank {stored.rank} of {n} (decided "
            f"exactly), though as entered it is invertible (condition number {format_condition(kappa)}); use "
            "float64, or the pseudo-inverse",
            condition_number=kappa,
            reason="rounded",
        )
    raise SingularMatrixError(
        f"matrix is singular: it has rank {entered.rank} of {n} (decided exactly; condition number ∞), so it has no "
        "inverse, whatever torch.linalg.inv returns for it (on some CPUs rounding-size numbers, on others an error); "
        "use the pseudo-inverse (pseudo_inverse, or one_sided_inverse to see which inverses exist)",
        condition_number=kappa,
    )


def pseudo_inverse(A: Any, *, dtype: Any = None, device: Any = None) -> torch.Tensor:
    """The Moore–Penrose pseudo-inverse A⁺: k×m for an m×k matrix, returned in ``dtype`` on ``device``.

    It exists for every matrix: the inverse when there is one, otherwise the least-squares solution with the
    smallest norm. It is computed in float64 from the matrix *as entered* (never from its float32 rounding), from
    the SVD A = U·diag(σ)·Vᵀ: A⁺ = V·diag(1/σᵢ)·Uᵀ over the first r = rank(A) singular values, the others counted
    as 0. The rank is the one :func:`one_sided_inverse` and ``lr_bounds(A).rank`` report (:class:`gdinverse.Spectrum`):
    decided exactly up to 64 rows and columns, beyond that the σᵢ above **max(m, k)·eps64·σ_max** (eps64 =
    2.2e-16). So for a matrix of full rank, A⁺ is the inverse (square), the left inverse (tall) or the right inverse
    (wide), and agrees with :func:`exact_inverse` and :func:`one_sided_inverse` up to rounding: diag(1, 1e-8) gives
    diag(1, 1e8) in float32 and float64 alike.

    For comparison, other defaults: ``numpy.linalg.pinv`` counts σᵢ ≤ 1e-15·σ_max as 0 (its ``rcond``, whatever
    the shape); ``torch.linalg.pinv`` counts σᵢ < max(m, k)·eps·σ_max as 0 with eps of the dtype it computes in,
    1.2e-7 in float32, where diag(1, 1e-8) would lose its 1e-8 and give diag(1, 0).

    Raises :class:`MatrixInputError` when A⁺ has entries beyond ``dtype``'s range (rescale, or use float64). ``A``
    may be a :class:`gdinverse.Spectrum` (then it is not decomposed again).
    """
    spectrum = Spectrum.of(A, dtype=dtype, operation="pseudo_inverse")
    M = as_matrix(spectrum.rounded.matrix, dtype=spectrum.dtype, device=device)
    m, k = M.shape
    X = torch.from_numpy(spectrum.entered.pseudo_inverse()).to(device=M.device, dtype=M.dtype)
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


def _describe(kind: str, m: int, k: int, rank: int, *, exact: bool = True) -> str:
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
    if exact:
        which = f"rank {rank}, below {min(m, k)}"
        square = "it is singular, so it has" if m == k else "it has"
    else:
        which = f"numerical rank {rank}, below {min(m, k)} (too big to decide exactly)"
        square = "it is singular, or too close to singular for float64 to tell, so it has" if m == k else "it has"
    return (
        f"{size} with {which}: {square} no left or right inverse. X = M⁺, the "
        f"pseudo-inverse, gives the least-squares solution of least norm (x = X @ b for M @ x ≈ b), and X @ M is "
        f"the projection onto M's row space (rank {rank}), not {_eye(k)}."
    )


def one_sided_inverse(A: Any, *, dtype: Any = None, device: Any = None) -> OneSidedInverse:
    """Which inverse an m×k matrix has, from its rank r (decided exactly up to 64 rows and columns, else numerical:
    singular values above max(m, k)·eps64·σ_max; see :class:`gdinverse.Spectrum`).

    - "inverse": square with r = m: X = A⁻¹, X @ A = A @ X = I;
    - "left": r = k < m (full column rank): X = (AᵀA)⁻¹Aᵀ = A⁺, X @ A = I_k (left inverses are many; A⁺ has
      the least norm);
    - "right": r = m < k (full row rank): X = Aᵀ(AAᵀ)⁻¹ = A⁺, A @ X = I_m;
    - "pseudo": r < min(m, k): X = A⁺, the least-squares inverse of least norm; X @ A projects onto the row space.

    X is computed in float64 from A as entered (A⁻¹ in exact arithmetic where affordable, else by LU; A⁺ from the
    SVD, never through AᵀA, which would square κ) and returned in ``dtype``; ``product`` and ``max_error`` are
    measured in ``dtype``. ``A`` may be a :class:`gdinverse.Spectrum`. The cost is estimated first
    (:func:`gdinverse.cost.require`); beyond 128 rows a square matrix of full rank needs no SVD, the others the
    full one.
    """
    spectrum = Spectrum.of(A, dtype=dtype, operation="one_sided_inverse")
    M = as_matrix(spectrum.rounded.matrix, dtype=spectrum.dtype, device=device)
    m, k = M.shape
    entered = spectrum.entered
    rank = entered.rank
    if m == k and rank == m:
        kind = "inverse"
        X64 = _true_inverse(entered)
    else:
        kind = "left" if rank == k < m else "right" if rank == m < k else "pseudo"
        X64 = torch.from_numpy(entered.pseudo_inverse())
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
        description=_describe(kind, m, k, rank, exact=entered.rank_exact),
        dtype=_name(M.dtype),
    )


def _true_inverse(entered: Decomposition) -> torch.Tensor:
    """M⁻¹ of a square matrix of full rank, in float64: the exact inverse rounded once where exact arithmetic is
    affordable, else float64's LU inverse (M⁺ from the SVD if LU breaks down or overflows)."""
    exact = entered.exact_inverse
    if exact is not None:
        return torch.from_numpy(exact)
    X64, info = torch.linalg.inv_ex(entered.matrix)
    if int(info) > 0 or not torch.isfinite(X64).all():
        return torch.from_numpy(entered.pseudo_inverse())
    return X64


def best_inverse(A: Any, *, dtype: Any = None, device: Any = None) -> tuple[str, torch.Tensor]:
    """What a learned X should be compared with, computed in float64 from A as entered and returned in ``dtype``:
    ("exact inverse", A⁻¹) for a square matrix of full rank (the exact inverse rounded once where exact arithmetic is
    affordable, so that Hilbert 12's reference is right to the last digit; float64's LU inverse beyond), else
    ("pseudo-inverse", A⁺): for a non-square matrix, a singular one, and one too big to decide whose κ float64
    cannot resolve (where A⁺ is what gradient descent from zeros approaches). The cost is estimated first
    (:func:`gdinverse.cost.require`); beyond 128 rows only A⁺ needs the full SVD."""
    spectrum = Spectrum.of(A, dtype=dtype, operation="best_inverse")
    entered = spectrum.entered
    m, k = entered.shape
    like = {"dtype": getattr(torch, spectrum.dtype), "device": check_device(device)}
    if m == k and entered.full_rank and entered.kappa_resolved:
        return "exact inverse", _true_inverse(entered).to(**like)
    return "pseudo-inverse", torch.from_numpy(entered.pseudo_inverse()).to(**like)
