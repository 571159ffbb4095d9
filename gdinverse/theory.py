r"""Theory of gradient descent on the seed's loss: stable and optimal learning rates, exact loss curves.

The loss is :math:`L(X) = \frac{1}{k^2}\lVert XA - I_k\rVert_F^2` for an m×k matrix A and a
k×m matrix X (the seed's ``mean((X @ A - I)**2)``). Its gradient is

.. math:: \nabla L = \tfrac{2}{k^2}\,(XA - I)\,A^\top,

so one step of plain gradient descent ``X ← X − lr·∇L`` changes the residual R = XA − I to

.. math:: R \leftarrow R\,(I - \tfrac{2\,lr}{k^2} A^\top A).

Write :math:`A^\top A = V\,\mathrm{diag}(\sigma_i^2)\,V^\top` (σᵢ the singular values of A). Along
each right singular vector vᵢ the residual is multiplied by :math:`q_i = 1 - 2\,lr\,\sigma_i^2/k^2`
every step, so after t steps

.. math:: L_t = \frac{1}{k^2}\sum_i \lVert R_0 v_i\rVert^2\, q_i^{2t}.

Every direction with σᵢ > 0 shrinks iff :math:`|q_i| < 1`, i.e. iff
:math:`0 < lr < k^2/\sigma_i^2`; the largest σ sets the stable limit
:math:`lr < k^2/\sigma_{\max}^2`. The slowest factor :math:`\max_i |q_i|` is smallest when the
two extremes balance, :math:`1 - 2\,lr\,\sigma_{\min}^2/k^2 = -(1 - 2\,lr\,\sigma_{\max}^2/k^2)`,
which gives the optimal constant rate :math:`lr^* = k^2/(\sigma_{\min}^2 + \sigma_{\max}^2)` and
the factor :math:`(\kappa^2-1)/(\kappa^2+1)` with κ = σ_max/σ_min (over the nonzero σ).
Directions with σᵢ = 0 never move: they are the loss floor (k − rank)/k² of a singular or
non-square matrix.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .cost import require
from .errors import MatrixInputError, ParameterError, check_float, check_int
from .limits import MAX_ENTRIES, MAX_STEPS
from .matrices import as_matrix
from .spectrum import (
    MAX_PREDICTED_STEPS,
    Spectrum,
    change_in_words,
    factor,
    heavy_ball,
    long_run_factor,
    loss_floor,
    nesterov,
    step_share,
)

__all__ = [
    "MAX_PREDICTED_STEPS",
    "SEED_LR",
    "LrBounds",
    "condition_note",
    "distinct",
    "format_condition",
    "lr_bounds",
    "predicted_final_losses",
    "predicted_losses",
    "residual",
    "steps_to_residual",
    "steps_to_tolerance",
]

SEED_LR = 0.2 * math.log(10)
"""The seed's learning rate: ``np.log(np.logspace(2e-1, 2e-1, 100))`` is 0.2·ln 10 ≈ 0.4605 a step."""


def format_condition(kappa: float) -> str:
    """A condition number as every part of gdinverse shows it: 3 significant digits, ``∞`` when singular.

    ``format_condition(14464156.4)`` is ``"1.45e+07"``, ``format_condition(18.6)`` is ``"18.6"``,
    ``format_condition(4.0)`` is ``"4"``.
    """
    return "∞" if math.isinf(kappa) and kappa > 0 else f"{kappa:.3g}"


def distinct(values: Any, digits: int = 4) -> list[str]:
    """Each value written with ``digits`` significant digits, or as many more as it takes to tell it from the
    others: ``distinct([13.736071105, 13.736071106])`` is ``["13.736071105", "13.736071106"]`` (17 significant
    digits tell any two floats apart). Every page writes the optimal lr and the stable limit this way."""
    values = [float(v) for v in values]
    wanted = dict.fromkeys(values, digits)
    while True:
        texts = {v: f"{v:.{wanted[v]}g}" for v in wanted}
        seen: dict[str, list[float]] = {}
        for v, text in texts.items():
            seen.setdefault(text, []).append(v)
        clashing = [v for group in seen.values() if len(group) > 1 for v in group]
        if not clashing:
            return [texts[v] for v in values]
        for v in clashing:
            wanted[v] += 1


def condition_note(source: str, *, rank_exact: bool = True) -> str:
    """How a condition number was found, in words, for the parenthesis after it ("κ = 1e+20 (…)"); ``source`` is
    :attr:`gdinverse.Decomposition.kappa_source`."""
    if source == "singular":
        how = "decided exactly" if rank_exact else "numerically: σ below max(m, k)·eps·σ_max count as 0"
        return f"M's rank is below its size ({how}), so κ is infinite"
    if source == "exact inverse":
        return "σ_max·‖M⁻¹‖₂ of M as entered, M⁻¹ computed exactly: float64's SVD cannot resolve σ_min here"
    if source == "estimate":
        return (
            "an estimate: σ_max and σ_min of M as entered by Lanczos iterations in float64 with M's LU (M is too big "
            "for a full SVD), from below, to about 4 digits or better"
        )
    if source == "unresolved":
        return (
            "an estimate: float64 cannot resolve σ_min and M is too big to invert exactly; κ is at least about "
            "1/(max(m, k)·eps), and M may be singular"
        )
    return "σ_max/σ_min of M as entered, from float64's SVD"


def residual(X: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """X @ A − I: the residual the seed calls ``Diff`` and every loss here is built from (k×k, or a batch of them)."""
    product = X @ A
    return product - torch.eye(product.shape[-1], dtype=product.dtype, device=product.device)


@dataclass(frozen=True)
class LrBounds:
    """Learning rates for plain gradient descent on ``mean((X @ A − I)²)``; see the module docstring.

    The numbers of a :class:`gdinverse.Spectrum`. Two ranks: ``rank`` and ``condition_number`` describe the matrix
    as entered (decided exactly up to 64 rows and columns, ``rank_exact``); ``resolved_rank`` and
    ``resolved_sigma_min`` describe what gradient descent in the working ``dtype`` sees: a singular value below
    ``resolution`` (max(m, k)·eps·σ_max) is lost in rounding. The learning rates and the rates of convergence use
    the resolved ones; :meth:`resolution_note` says when the two differ.
    """

    stable_below: float
    """Plain GD converges iff 0 < lr < stable_below = k²/σ_max² (:func:`gdinverse.spectrum.stable_limit`)."""
    optimal: float
    """The best constant lr, k²/(σ_min² + σ_max²), with σ_min the smallest singular value the dtype resolves."""
    sigma_max: float
    sigma_min: float
    """The smallest nonzero singular value of A as entered (σ_max/κ for a matrix of full rank)."""
    rank: int
    """The rank of A as entered."""
    k: int
    """Number of columns of A: X @ A is k×k."""
    condition_number: float
    """κ = σ_max/σ_min of A as entered: inf exactly when the rank is deficient. Show it with
    :func:`format_condition`."""
    resolved_rank: int
    """How many singular values the working dtype resolves: the rank gradient descent sees."""
    resolved_sigma_min: float
    """The smallest singular value the working dtype resolves; the optimal lr and the rates use it."""
    resolution: float
    """The smallest singular value the working dtype resolves at this scale: max(m, k)·eps·σ_max."""
    dtype: str
    """The working precision: "float32" or "float64"."""
    rank_exact: bool = True
    """Whether ``rank`` was decided in exact arithmetic (else it is numerical, see :class:`gdinverse.Spectrum`)."""
    kappa_source: str = "svd"
    """How κ was found: "svd", "exact inverse", "estimate", "unresolved" or "singular"
    (:attr:`gdinverse.Decomposition.kappa_source`)."""

    @classmethod
    def of(cls, spectrum: Spectrum) -> LrBounds:
        """The learning rates of a spectrum; :class:`MatrixInputError` for an all-zero matrix (nothing to learn)."""
        m, k = spectrum.shape
        if spectrum.resolved_rank == 0:
            raise MatrixInputError(f"the {m}×{k} matrix is all zeros; gradient descent has nothing to learn from it")
        return cls(
            stable_below=spectrum.stable_below,
            optimal=spectrum.optimal,
            sigma_max=spectrum.sigma_max,
            sigma_min=spectrum.sigma_min,
            rank=spectrum.rank,
            k=k,
            condition_number=spectrum.condition_number,
            resolved_rank=spectrum.resolved_rank,
            resolved_sigma_min=spectrum.resolved_sigma_min,
            resolution=spectrum.resolution,
            dtype=spectrum.dtype,
            rank_exact=spectrum.rank_exact,
            kappa_source=spectrum.kappa_source,
        )

    @property
    def written(self) -> tuple[str, str]:
        """The optimal lr and the stable limit as every page writes them (:func:`distinct`: "13.736071105" and
        "13.736071106" for Hilbert 6, never "13.74" twice)."""
        optimal, stable = distinct([self.optimal, self.stable_below])
        return optimal, stable

    def write_lr(self, lr: float) -> str:
        """A learning rate as the pages write it: with the digits it takes to tell it from the optimal lr and the
        stable limit (the optimal lr itself as :attr:`written` writes it)."""
        return distinct([lr, self.optimal, self.stable_below])[0]

    @property
    def floor(self) -> float:
        """The lowest loss any X reaches: (k − rank)/k², zero for an invertible matrix."""
        return loss_floor(self.rank, self.k)

    @property
    def resolved_floor(self) -> float:
        """The lowest loss gradient descent in the working dtype reaches: (k − resolved_rank)/k²."""
        return loss_floor(self.resolved_rank, self.k)

    def resolution_note(self) -> str | None:
        """The sentence to show when the dtype resolves fewer singular values than the matrix has, else None."""
        if self.resolved_rank == self.rank:
            return None
        lost = self.rank - self.resolved_rank
        what = (
            f"σ_min = {self.sigma_min:.2g} is"
            if lost == 1
            else f"{lost} singular values, down to {self.sigma_min:.2g}, are"
        )
        return (
            f"In {self.dtype}, {what} below what {self.dtype} resolves at this scale ({self.resolution:.2g}):"
            f" gradient descent sees rank {self.resolved_rank} of {self.rank}."
        )

    def factor(self, lr: float) -> float:
        """How much the slowest direction's residual is multiplied by each step at ``lr`` (below 1 shrinks)."""
        return self.slowest(lr)[1]

    def slowest(self, lr: float) -> tuple[float, float]:
        """The singular value whose direction shrinks slowest at ``lr``, and its factor |1 − 2·lr·σ²/k²| a step.

        Over the singular values the dtype resolves: the smallest is ``resolved_sigma_min``.
        """
        a_low = step_share(lr, self.resolved_sigma_min, self.k)
        a_high = step_share(lr, self.sigma_max, self.k)
        # compared by the share each loses a step, min(a, 2 − a) (negative: it grows), not by factors that round
        # to 1; at the optimal lr the two are equal up to the rounding of a_high ≈ 2 (a few eps): the small σ is
        # the one to name. From the stable limit on (a_high ≥ 2) σ_max no longer shrinks: it is the slowest.
        low, high = min(a_low, 2 - a_low), min(a_high, 2 - a_high)
        if a_high < 2 and low <= high + 1e-9 * abs(high) + 8 * 2.0**-52:
            return self.resolved_sigma_min, abs(factor(lr, self.resolved_sigma_min, self.k))
        return self.sigma_max, abs(factor(lr, self.sigma_max, self.k))

    def shrink(self, lr: float) -> float:
        """The share of the error along the slowest direction (:meth:`slowest`) a step removes: min(a, 2 − a) with
        a = 2·lr·σ²/k², negative where it grows; taken from a itself, since 1 − a rounds to 1 when σ is tiny."""
        sigma, _ = self.slowest(lr)
        a = step_share(lr, sigma, self.k)
        return min(a, 2 - a)

    def change(self, lr: float) -> str:
        """How the error along the slowest direction (:meth:`slowest`) changes, in words
        (:func:`gdinverse.spectrum.change_in_words`): "shrinks by 5.8% a step", "grows by 0.2% a step"."""
        sigma, _ = self.slowest(lr)
        return change_in_words(step_share(lr, sigma, self.k))

    def grid(self, count: int = 40, *, low: float = 1e-3, high: float = 2.0) -> np.ndarray:
        """``count`` learning rates spaced geometrically from low·stable_below to high·stable_below (for a sweep)."""
        count = check_int("count", count, low=2, high=10_000)
        low = check_float("low", low, low=0.0, low_open=True)
        high = check_float("high", high, low=low, low_open=True)
        return np.geomspace(low * self.stable_below, high * self.stable_below, count)

    def rate(self, method: str = "gd", *, lr: float | None = None, momentum: float | None = None) -> float:
        """What a step of ``method`` ("gd", "momentum" or "nesterov") multiplies the error by in the long run, along
        the slowest of the directions the dtype resolves (the extremes σ_max and resolved σ_min bound the rest):
        :func:`gdinverse.spectrum.long_run_factor`, at ``lr`` and ``momentum`` or else the method's theory ones."""
        theory_lr, theory_beta = {
            "gd": (self.optimal, 0.0),
            "momentum": self.heavy_ball,
            "nesterov": self.nesterov,
        }[method]
        lr = theory_lr if lr is None else lr
        beta = theory_beta if momentum is None else momentum
        sigma = np.array([self.sigma_max, self.resolved_sigma_min])
        return float(long_run_factor(step_share(lr, sigma, self.k), beta, method).max())

    @property
    def heavy_ball(self) -> tuple[float, float]:
        """Polyak's optimal heavy-ball (lr, β) over the resolved σ (:func:`gdinverse.spectrum.heavy_ball`)."""
        return heavy_ball(self.resolved_sigma_min, self.sigma_max, self.k)

    @property
    def nesterov(self) -> tuple[float, float]:
        """Nesterov's constant-step (lr, β) over the resolved σ (:func:`gdinverse.spectrum.nesterov`)."""
        return nesterov(self.resolved_sigma_min, self.sigma_max, self.k)


def check_size(A: torch.Tensor, runs: int = 1) -> None:
    """Refuse a matrix whose gradient descent would hold more than :data:`MAX_ENTRIES` numbers per tensor."""
    m, k = A.shape
    entries = runs * k * max(k, m)
    if entries > MAX_ENTRIES:
        fewer = " or fewer learning rates" if runs > 1 else ""
        raise MatrixInputError(
            f"the {m}×{k} matrix is too big for gradient descent: X @ A is {k}×{k}, {entries:,} numbers "
            f"over {runs:,} run(s), more than {MAX_ENTRIES:,}; use a smaller matrix{fewer}"
        )


def check_scale(A: torch.Tensor, dtype: torch.dtype = torch.float64) -> None:
    """Refuse a matrix whose entries are too large or too small for gradient descent in ``dtype``.

    The loss and its gradient grow with the square of the entries and the learning rate with one over
    it, so the square must fit in ``dtype`` with room for the sums of matrix products: the largest
    entry must lie within about 1e±15 of 1 in float32, 1e±150 in float64.
    """
    top = float(A.detach().abs().max())
    high = torch.finfo(dtype).max ** 0.5 / 1e4
    if top > high or 0 < top < 1 / high:
        name = str(dtype).removeprefix("torch.")
        size = "large" if top > high else "small"
        remedy = " or use float64" if dtype == torch.float32 else ""
        raise MatrixInputError(
            f"the matrix's largest entry {top:.3g} is too {size} for gradient descent in {name} (the loss grows "
            f"with its square, the learning rate with one over it); rescale the matrix so that its largest entry "
            f"is between {1 / high:.0e} and {high:.0e}{remedy}"
        )


def lr_bounds(A: Any, *, dtype: Any = None) -> LrBounds:
    """Stable limit and optimal constant learning rate of plain gradient descent for ``A``.

    ``A`` is a matrix or its :class:`gdinverse.Spectrum` (then nothing is decomposed again). ``dtype`` is the
    working precision (by default A's: float64 for a float64 tensor, float32 otherwise, as
    :func:`gdinverse.as_matrix` decides). κ and the rank are always those of the values as given, before any cast
    to ``dtype`` (so float64 values with ``dtype="float32"`` give the κ of the matrix as entered,
    :func:`gdinverse.condition_number`); the dtype decides which singular values gradient descent can resolve.

    Up to 128 rows and columns every number comes from one full SVD (and κ and the rank exactly up to 64). Beyond,
    for a square matrix, σ_max and κ are estimates by Lanczos iterations with M's LU (``kappa_source`` "estimate",
    accurate to about 4 digits or better; σ_min is σ_max/κ), and the singular values are computed only where the
    dtype cannot resolve σ_min (to count the ones it does); a non-square matrix's come from ``torch.linalg.svdvals``.
    The cost is estimated first (:func:`gdinverse.cost.require`).
    """
    spectrum = Spectrum.of(A, dtype=dtype, operation="lr_bounds")
    check_scale(spectrum.rounded.matrix)
    return LrBounds.of(spectrum)


def resolve_lr(lr: Any, A: Any) -> float:
    """A learning rate: a positive number, ``"optimal"`` (from :func:`lr_bounds` of ``A``, a matrix or its spectrum)
    or ``"seed"``."""
    if isinstance(lr, str):
        if lr == "optimal":
            return lr_bounds(A).optimal
        if lr == "seed":
            return SEED_LR
        raise ParameterError(f"lr must be a positive number, 'optimal' or 'seed'; got {lr!r}")
    return check_float("lr", lr, low=0.0, low_open=True)


def _analysed(A: Any, steps: int = 0) -> Spectrum:
    """The spectrum of ``A`` for the theory's curves, once its size is known to fit (:func:`check_size`, then
    :func:`gdinverse.cost.require`: beyond 128 rows the curves need the full SVD)."""
    M = A.rounded.matrix.to(getattr(torch, A.dtype)) if isinstance(A, Spectrum) else as_matrix(A)
    check_size(M)
    require("predicted_losses", (M.shape[0], M.shape[1]), dtype=M.dtype, steps=steps)
    return Spectrum.of(A)


def _modes(spectrum: Spectrum, X0: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Weights ‖R₀vᵢ‖² and σᵢ (padded with zeros to k) of the residual along the run's right singular vectors.

    ``spectrum`` comes from :func:`_analysed`, which has checked its size."""
    A64 = spectrum.rounded.matrix
    check_scale(A64)
    m, k = A64.shape
    X0 = torch.zeros(k, m, dtype=torch.float64) if X0 is None else as_matrix(X0, name="X0").cpu().double()
    if X0.shape != (k, m):
        raise MatrixInputError(f"X0 must be {k}×{m} for a {m}×{k} matrix, got {X0.shape[0]}×{X0.shape[1]}")
    sigma, _, V = spectrum.directions()
    weights = ((residual(X0, A64) @ torch.from_numpy(V)) ** 2).sum(dim=0).numpy()
    return weights, sigma, k


def predicted_losses(A: Any, *, lr: Any, steps: int, X0: Any = None) -> np.ndarray:
    """The loss curve plain gradient descent follows, in closed form: ``L_t`` for t = 0..steps.

    ``X0`` is the starting X (k×m; zeros if None). The formula is in the module
    docstring; it is exact arithmetic, so a float32 run follows it until rounding
    takes over.
    """
    steps = check_int("steps", steps, low=0, high=MAX_STEPS)
    spectrum = _analysed(A, steps)
    lr = resolve_lr(lr, spectrum)
    weights, sigma, k = _modes(spectrum, X0)
    return _loss_curve(weights, sigma, k, lr, steps)


def predicted_loss_table(A: Any, lrs: Iterable[Any], *, steps: int, X0: Any = None) -> np.ndarray:
    """:func:`predicted_losses` for each learning rate of ``lrs`` (a non-empty list), as the columns of one
    (steps + 1) × len(lrs) table: the same numbers, with ``A`` analysed once for all of them (a sweep's curves)."""
    steps = check_int("steps", steps, low=0, high=MAX_STEPS)
    spectrum = _analysed(A, steps)
    rates = [resolve_lr(lr, spectrum) for lr in lrs]
    if not rates:
        raise ParameterError("lrs must be a non-empty list of learning rates such as [0.1, 0.5], got none")
    weights, sigma, k = _modes(spectrum, X0)
    return np.stack([_loss_curve(weights, sigma, k, lr, steps) for lr in rates], axis=1)


def _loss_curve(weights: np.ndarray, sigma: np.ndarray, k: int, lr: float, steps: int) -> np.ndarray:
    """L_t = Σᵢ weightsᵢ·qᵢ^(2t) / k² for t = 0..steps at ``lr`` (the module docstring's formula)."""
    t = np.arange(steps + 1, dtype=np.float64)
    rows = max(1, 2**22 // k)  # bound the (steps × k) table to 32 MB at a time
    with np.errstate(over="ignore", under="ignore"):
        q2 = factor(lr, sigma, k) ** 2
        parts = [(weights * q2 ** t[i : i + rows, None]).sum(axis=1) for i in range(0, t.size, rows)]
    return np.concatenate(parts) / k**2


def predicted_final_losses(A: Any, lrs: Any, *, steps: int, X0: Any = None) -> np.ndarray:
    """The theory's loss after ``steps`` steps for each learning rate in ``lrs`` (the curve of a sweep)."""
    lrs = np.asarray([check_float("every lr", float(lr), low=0.0, low_open=True) for lr in np.ravel(lrs)])
    steps = check_int("steps", steps, low=0, high=MAX_STEPS)
    spectrum = _analysed(A)
    weights, sigma, k = _modes(spectrum, X0)
    with np.errstate(over="ignore", under="ignore"):
        q2 = factor(lrs[:, None], sigma[None, :], k) ** 2
        return (weights * q2**steps).sum(axis=1) / k**2


def steps_to_tolerance(A: Any, *, lr: Any, tol: float, X0: Any = None) -> int | None:
    """The first step at which the theory's loss is at or below ``tol``; None if it never is.

    Never happens when ``tol`` is below the loss floor (k − rank)/k², or when lr
    is outside the stable range and the loss grows.
    """
    spectrum = _analysed(A)
    lr = resolve_lr(lr, spectrum)
    tol = check_float("tol", tol, low=0.0, low_open=True)
    weights, sigma, k = _modes(spectrum, X0)
    return _first_step(weights, factor(lr, sigma, k), tol, scale=k**2)


def steps_to_residual(A: Any, *, lr: Any, target: float, X0: Any = None, rank: int | None = None) -> int | None:
    """The first step at which the theory's removable residual ‖(X_t A − I)P‖_F is at or below ``target``.

    P projects on the ``rank`` largest right singular directions of A (by default the ones the working dtype
    resolves, :attr:`LrBounds.resolved_rank`): the part of the residual gradient descent can remove. None if
    that never happens (lr outside the stable range, or more than :data:`MAX_PREDICTED_STEPS` steps).
    """
    spectrum = _analysed(A)
    lr = resolve_lr(lr, spectrum)
    target = check_float("target", target, low=0.0, low_open=True)
    if rank is None:
        rank = spectrum.resolved_rank
    rank = check_int("rank", rank, low=0, high=min(spectrum.shape))
    weights, sigma, k = _modes(spectrum, X0)
    return _first_step(weights[:rank], factor(lr, sigma, k)[:rank], target**2)


def _first_step(weights: np.ndarray, q: np.ndarray, tol: float, *, scale: float = 1.0) -> int | None:
    """The first t with Σᵢ weightsᵢ·qᵢ^(2t) / scale ≤ tol, by doubling then bisection; None if none up to
    :data:`MAX_PREDICTED_STEPS` does."""
    with np.errstate(over="ignore", divide="ignore"):
        log_q2 = np.log(np.maximum(q**2, 1e-300))

    def value(t: float) -> float:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # 0·inf at t = 0 past the stable limit
            return float((weights * np.exp(t * log_q2)).sum() / scale)

    if value(0) <= tol:
        return 0
    if np.any((log_q2 > 0) & (weights > 0)):
        return None
    high = 1
    while value(high) > tol:
        high *= 2
        if high > MAX_PREDICTED_STEPS:
            return None
    low = high // 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if value(mid) <= tol else (mid, high)
    return high
