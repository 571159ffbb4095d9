r"""One analysis of a matrix for one working precision (:class:`Spectrum`), and every closed form of the theory.

Plain gradient descent on :math:`L(X) = \frac{1}{k^2}\lVert XA - I\rVert_F^2` multiplies the error along the right
singular vector vᵢ (singular value σᵢ) by a fixed factor every step (:mod:`gdinverse.theory` derives it):

.. math:: q_i = 1 - a_i, \qquad a_i = 2\,lr\,\sigma_i^2/k^2 .

Everything the app and the package say about a run follows from the σᵢ through the functions below, each formula
written once: :func:`step_share` (aᵢ), :func:`factor` (qᵢ), :func:`stable_limit` (k²/σ_max², where |q| reaches 1),
:func:`optimal_lr` (k²/(σ_min² + σ_max²), where the slowest and the fastest factor balance), the momentum methods'
parameters (:func:`heavy_ball`, :func:`nesterov`) and long-run factor (:func:`long_run_factor`, the spectral radius
of a 2×2 recurrence), the loss floor (:func:`loss_floor`) and what a precision resolves (:func:`resolution`).

**What is decomposed, and how often.** A :class:`Spectrum` holds one SVD, in float64, of the matrix *as entered*
(its κ, rank and learning rates) and one of the matrix *as the run rounds it* to its precision (the directions the
run moves along); the two are the same object when rounding keeps every value. Nothing else decomposes the matrix:
learning rates, predicted losses, verdicts, direction views, landscapes and figures take the spectrum.

**Singular means singular.** A float is a rational number, so for matrices up to :data:`EXACT_UP_TO` rows and
columns the rank is decided exactly (:mod:`gdinverse.rational`), not read off rounded singular values: κ = ∞ exactly
when the rank is deficient. Where float64's SVD cannot resolve σ_min of a matrix of full rank (σ_min below
max(m, k)·eps·σ_max, e.g. diag(1e20, 1) or Hilbert 12), κ comes from the exact inverse, σ_min = 1/‖M⁻¹‖₂. Beyond
those sizes, or past :data:`gdinverse.rational.WORK_BUDGET`, the rank is numerical (singular values above
max(m, k)·eps₆₄·σ_max) and κ an estimate, and the spectrum says so (``rank_exact``, ``kappa_source``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from . import rational
from .errors import check_dtype
from .matrices import as_matrix

__all__ = [
    "EXACT_UP_TO",
    "Decomposition",
    "Spectrum",
    "change_in_words",
    "coefficients",
    "factor",
    "heavy_ball",
    "long_run_factor",
    "loss_floor",
    "nesterov",
    "optimal_lr",
    "resolution",
    "stable_limit",
    "step_share",
    "steps_at_rate",
]

EXACT_UP_TO = 64
"""Largest number of rows or columns for which rank and κ are decided in exact arithmetic (the app's sizes)."""

SVD_ACCURACY = 1e-6
"""The relative accuracy of κ from float64's SVD below which κ is taken from the exact inverse instead (where exact
arithmetic affords it): κ beyond about 4e9/n."""

MAX_PREDICTED_STEPS = 2**62
"""Beyond this many steps the theory's step counts give up and say "never" (None)."""

KappaSource = Literal["svd", "exact inverse", "estimate", "singular"]


# ---------------------------------------------------------------------------- the closed forms, each once


def step_share(lr: Any, sigma: Any, k: int) -> Any:
    """a = 2·lr·σ²/k²: the share of the error along σ's direction one step of plain descent removes (its factor is
    1 − a). Numbers or numpy arrays (broadcast)."""
    return 2 * lr * sigma**2 / k**2


def factor(lr: Any, sigma: Any, k: int) -> Any:
    """q = 1 − 2·lr·σ²/k²: what one step of plain descent multiplies the error along σ's direction by."""
    return 1 - step_share(lr, sigma, k)


def stable_limit(sigma_max: float, k: int) -> float:
    """k²/σ_max²: plain descent converges iff 0 < lr < this (|q| < 1 for every σ > 0)."""
    return k**2 / sigma_max**2


def optimal_lr(sigma_min: float, sigma_max: float, k: int) -> float:
    """k²/(σ_min² + σ_max²): the constant lr at which the slowest and the fastest factor balance, 1 − a_min =
    −(1 − a_max); the factor there is (κ² − 1)/(κ² + 1)."""
    limit = stable_limit(sigma_max, k)
    # for κ ≳ 1e8, σ_min² + σ_max² rounds to σ_max²: the optimum is then the float just below the limit
    return min(k**2 / (sigma_min**2 + sigma_max**2), math.nextafter(limit, 0.0))


def heavy_ball(sigma_min: float, sigma_max: float, k: int) -> tuple[float, float]:
    """Polyak's optimal heavy-ball (lr, β): 2k²/(σ_max + σ_min)² and ((κ − 1)/(κ + 1))², κ = σ_max/σ_min."""
    kappa = sigma_max / sigma_min
    return 2 * k**2 / (sigma_max + sigma_min) ** 2, ((kappa - 1) / (kappa + 1)) ** 2


def nesterov(sigma_min: float, sigma_max: float, k: int) -> tuple[float, float]:
    """Nesterov's constant-step (lr, β) for a quadratic: 1/L = k²/(2σ_max²) and (κ − 1)/(κ + 1)."""
    kappa = sigma_max / sigma_min
    return k**2 / (2 * sigma_max**2), (kappa - 1) / (kappa + 1)


def _recurrence(a: np.ndarray, beta: float, method: str) -> np.ndarray:
    """The 2×2 step on (error r, velocity w) along each direction, w' = β·s·w − a·r, r' = r + w' with s = 1 for
    heavy ball and s = 1 − a for Nesterov (whose gradient is taken at the look-ahead)."""
    s = np.ones_like(a) if method == "momentum" else 1 - a
    return np.stack([np.stack([1 - a, beta * s], axis=-1), np.stack([-a, beta * s], axis=-1)], axis=-2)


def long_run_factor(a: Any, beta: float, method: str) -> np.ndarray:
    """What a step multiplies the error along a direction by in the long run, for each a = 2·lr·σ²/k²: |1 − a| for
    plain descent ("gd"), the spectral radius of :func:`_recurrence` for "momentum" and "nesterov"."""
    a = np.asarray(a, dtype=np.float64)
    if method == "gd":
        return np.abs(1 - a)
    return np.abs(np.linalg.eigvals(_recurrence(a, beta, method))).max(axis=-1)


def coefficients(a: np.ndarray, beta: float, method: str, steps: np.ndarray) -> np.ndarray:
    """c_t with r_t = c_t·r₀ along each direction (columns) at each of the sorted ``steps`` (rows), velocity
    starting at 0: (1 − a)ᵗ for "gd", the 2×2 recurrence stepped for the momentum methods."""
    if method == "gd":
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return (1 - a)[None, :] ** steps[:, None].astype(np.float64)
    s = np.ones_like(a) if method == "momentum" else 1 - a
    out = np.empty((steps.size, a.size))
    r, w = np.ones_like(a), np.zeros_like(a)
    row = 0
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for t in range(int(steps[-1]) + 1 if steps.size else 0):
            while row < steps.size and steps[row] == t:
                out[row] = r
                row += 1
            w = beta * s * w - a * r
            r = r + w
    return out


def loss_floor(rank: int, k: int) -> float:
    """(k − rank)/k²: the lowest loss any X reaches (directions with σ = 0 keep their error, 1 each from zeros)."""
    return (k - rank) / k**2


def resolution(sigma_max: float, shape: tuple[int, int], dtype: Any) -> float:
    """max(m, k)·eps·σ_max: the smallest singular value ``dtype`` resolves next to σ_max (below it, a step of
    gradient descent changes the error along that direction by less than the rounding)."""
    eps = torch.finfo(dtype).eps if isinstance(dtype, torch.dtype) else float(np.finfo(dtype).eps)
    return max(shape) * eps * float(sigma_max)


def change_in_words(a: float, *, dtype: str | None = None) -> str:
    """How plain descent changes the error along a direction with a = 2·lr·σ²/k² (factor 1 − a a step), in words:
    "shrinks by 5.8% a step", "grows by 0.2% a step", "flips its sign every step without shrinking". The fraction
    is min(a, 2 − a) shrinking for 0 < a < 2 and a − 2 growing above, taken from a itself (1 − a rounds to 1 for a
    tiny σ). With ``dtype`` (a run's precision), a fraction below its eps is said to be one."""
    if a == 0:
        return "does not change"
    if a == 2:
        return "flips its sign every step without shrinking"
    fraction = min(a, 2 - a) if a < 2 else a - 2
    text = f"shrinks by {_percent(fraction)} a step" if a < 2 else f"grows by {_percent(fraction)} a step"
    eps = float(np.finfo(dtype).eps) if dtype is not None else 0.0
    if fraction < eps:  # |factor| within the run's rounding of 1
        text += f" — less than {dtype}'s rounding, {eps * 100:.2g}%: in effect it keeps its size"
    return text


def _percent(fraction: float) -> str:
    """A fraction as a percentage with two significant digits: 5.8%, 0.0012%, 100%, 250%."""
    percent = fraction * 100
    return f"{percent:.0f}%" if percent >= 10 else f"{percent:.2g}%"


def steps_at_rate(removable: float, target: float, shrink: float) -> int | None:
    """Steps for an error of norm ``removable`` to reach ``target`` when each step removes the share ``shrink`` of
    it: log(removable/target) / −log(1 − shrink) (log1p: 1 − shrink rounds to 1 for a tiny share); None past
    :data:`MAX_PREDICTED_STEPS` or when it does not shrink."""
    if removable <= target:
        return 0
    if not 0 < shrink <= 1:
        return None
    steps = math.log(removable / target) / -math.log1p(-shrink) if shrink < 1 else 1.0
    return max(1, math.ceil(steps)) if steps <= MAX_PREDICTED_STEPS else None


# ---------------------------------------------------------------------------- one SVD, and the exact rank


def _norm2(B: np.ndarray) -> float:
    """‖B‖₂ by power iteration on BᵀB (no decomposition): the Rayleigh quotient, which converges from below at least
    as fast as the gap between the two largest σ allows, and is exact where they are equal."""
    scale = float(np.abs(B).max())
    if scale == 0:
        return 0.0
    B = B / scale
    v = np.random.default_rng(0).standard_normal((B.shape[1],))
    value = 0.0
    for _ in range(20_000):
        w = B.T @ (B @ v)
        norm = float(np.linalg.norm(w))
        if norm == 0:
            break
        v = w / norm
        estimate = math.sqrt(norm)
        if abs(estimate - value) <= 1e-13 * estimate:
            value = estimate
            break
        value = estimate
    return scale * value


@dataclass(frozen=True, eq=False)
class Decomposition:
    """One SVD, in float64, of a matrix's values (as entered, or as a precision rounds them), with its rank.

    ``sigma`` is exactly 0 beyond the rank (the SVD's values there are rounding noise of an exact zero); ``U`` and
    ``V`` hold the left and right singular vectors as columns (m×m and k×k)."""

    matrix: torch.Tensor = field(repr=False)
    """The values, float64 on the CPU."""
    sigma: np.ndarray = field(repr=False)
    """min(m, k) singular values, decreasing."""
    U: np.ndarray = field(repr=False)
    V: np.ndarray = field(repr=False)
    rank: int
    rank_exact: bool
    """True when the rank was decided in exact arithmetic; else it counts σ above max(m, k)·eps₆₄·σ_max."""
    kappa: float
    """κ = σ_max/σ_min: inf exactly when the rank is below min(m, k) (an all-zero matrix included)."""
    kappa_source: KappaSource
    """How κ was found: "svd" (float64's SVD resolves σ_min), "exact inverse" (σ_min = 1/‖M⁻¹‖₂ from the exact
    inverse, where the SVD cannot resolve it), "estimate" (neither: the SVD's value, at least about
    1/(max(m, k)·eps₆₄)), or "singular" (rank deficient: κ = ∞)."""

    @classmethod
    def of(cls, values: torch.Tensor) -> Decomposition:
        """Decompose ``values`` (any real tensor; taken in float64): one ``torch.linalg.svd``."""
        A = values.detach().to("cpu", torch.float64)
        m, k = A.shape
        U, s, Vh = torch.linalg.svd(A, full_matrices=True)
        sigma = s.numpy().copy()
        top = float(sigma[0]) if sigma.size else 0.0
        tolerance = resolution(top, (m, k), torch.float64)
        exact = rational.rank(A.numpy()) if max(m, k) <= EXACT_UP_TO else None
        rank = exact if exact is not None else (int((sigma > tolerance).sum()) if top > 0 else 0)
        sigma[rank:] = 0.0
        decomposition = cls(A, sigma, U.numpy(), Vh.T.numpy(), rank, exact is not None, math.nan, "svd")
        kappa, source = decomposition._condition(tolerance)
        object.__setattr__(decomposition, "kappa", kappa)  # set once, here: the object is frozen from now on
        object.__setattr__(decomposition, "kappa_source", source)
        return decomposition

    @property
    def shape(self) -> tuple[int, int]:
        m, k = self.matrix.shape
        return m, k

    @property
    def sigma_max(self) -> float:
        return float(self.sigma[0]) if self.sigma.size else 0.0

    @property
    def padded(self) -> np.ndarray:
        """σ padded with zeros to k, one per right singular direction."""
        out = np.zeros(self.shape[1])
        out[: self.sigma.size] = self.sigma
        return out

    @property
    def full_rank(self) -> bool:
        return self.rank == min(self.shape)

    def pseudo_inverse(self) -> np.ndarray:
        """M⁺ = V Σ⁺ Uᵀ over the σ of the rank (k×m, float64)."""
        r = self.rank
        return (self.V[:, :r] / self.sigma[:r]) @ self.U[:, :r].T

    @functools.cached_property
    def exact_inverse(self) -> np.ndarray | None:
        """M⁻¹ in exact arithmetic, each entry rounded once to float64 (:func:`gdinverse.rational.inverse`), for a
        square matrix of full rank proved exactly; None otherwise or past the work budget."""
        if not (self.rank_exact and self.full_rank and self.shape[0] == self.shape[1]):
            return None
        return rational.inverse(self.matrix.numpy())

    def _condition(self, tolerance: float) -> tuple[float, KappaSource]:
        """κ and how it was found (see :attr:`kappa_source`). The SVD's σ_min is off by about n·eps·σ_max, a
        relative error of n·eps·κ: its κ is used where that is below :data:`SVD_ACCURACY`; beyond, κ is
        σ_max·‖M⁻¹‖₂ with the exact inverse where exact arithmetic affords it, else the SVD's value, called an
        estimate once σ_min is below ``tolerance`` (max(m, k)·eps·σ_max), where float64 cannot resolve it at all."""
        sigma = self.sigma
        if not self.full_rank or self.rank == 0:
            return math.inf, "singular"
        low = float(sigma[-1])
        if low * SVD_ACCURACY > tolerance:
            return float(sigma[0]) / low, "svd"
        inverse = self.exact_inverse
        if inverse is not None:
            return float(sigma[0]) * _norm2(inverse), "exact inverse"
        if low > tolerance:
            return float(sigma[0]) / low, "svd"
        return float(sigma[0]) / low if low > 0 else math.inf, "estimate"


# ---------------------------------------------------------------------------- the spectrum


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


@dataclass(frozen=True, eq=False)
class Spectrum:
    """A matrix analysed for gradient descent in one precision: the SVD of the values as entered (κ, rank, learning
    rates) and of the values the run uses, rounded to ``dtype`` (its directions). See the module docstring."""

    entered: Decomposition
    rounded: Decomposition
    """M rounded to ``dtype`` (the run's matrix); ``entered`` itself when the rounding keeps every value."""
    dtype: str
    """The working precision: "float32" or "float64"."""

    @classmethod
    def of(cls, A: Any, *, dtype: Any = None, entered: Decomposition | None = None) -> Spectrum:
        """The spectrum of ``A`` (a matrix as :func:`gdinverse.as_matrix` takes it, or a Spectrum, returned as it
        is when its precision is ``dtype``) for gradient descent in ``dtype`` (by default A's, as ``as_matrix``
        decides). ``entered`` is the decomposition of A as entered when already made (for another precision)."""
        if isinstance(A, Spectrum):
            if dtype is None or _dtype_name(check_dtype(dtype)) == A.dtype:
                return A
            return A.in_precision(dtype)
        working = as_matrix(A, dtype=dtype)  # checks the values fit the precision
        given = as_matrix(A, dtype=torch.float64, device="cpu")
        if entered is None or not torch.equal(entered.matrix, given):
            entered = Decomposition.of(given)
        rounded_values = working.detach().to("cpu", torch.float64)
        same = torch.equal(rounded_values, entered.matrix)
        rounded = entered if same else Decomposition.of(rounded_values)
        return cls(entered, rounded, _dtype_name(working.dtype))

    def in_precision(self, dtype: Any) -> Spectrum:
        """The same matrix analysed for another precision (the entered decomposition is reused)."""
        return Spectrum.of(self.entered.matrix, dtype=dtype, entered=self.entered)

    # the matrix as entered

    @property
    def shape(self) -> tuple[int, int]:
        return self.entered.shape

    @property
    def k(self) -> int:
        """Columns of M: X @ M is k×k."""
        return self.shape[1]

    @property
    def sigma(self) -> np.ndarray:
        """The singular values of M as entered, decreasing (exact zeros beyond the rank)."""
        return self.entered.sigma

    @property
    def sigma_max(self) -> float:
        return self.entered.sigma_max

    @property
    def rank(self) -> int:
        """The rank of M as entered: exact for up to :data:`EXACT_UP_TO` rows and columns (``rank_exact``)."""
        return self.entered.rank

    @property
    def rank_exact(self) -> bool:
        return self.entered.rank_exact

    @property
    def rank_tolerance(self) -> float:
        """The tolerance of a numerical rank: max(m, k)·eps₆₄·σ_max."""
        return resolution(self.sigma_max, self.shape, torch.float64)

    @property
    def condition_number(self) -> float:
        """κ of M as entered (:attr:`Decomposition.kappa`): ∞ exactly when the rank is deficient."""
        return self.entered.kappa

    @property
    def kappa_source(self) -> KappaSource:
        return self.entered.kappa_source

    @property
    def singular(self) -> bool:
        """Rank below min(m, k): no left or right inverse (decided exactly where ``rank_exact``)."""
        return not self.entered.full_rank

    @property
    def sigma_min(self) -> float:
        """The smallest nonzero singular value of M as entered: σ_max/κ for a matrix of full rank (so that it is
        the κ shown), else σ_rank."""
        if self.entered.full_rank and math.isfinite(self.condition_number):
            return self.sigma_max / self.condition_number
        return float(self.sigma[self.rank - 1]) if self.rank else 0.0

    @property
    def floor(self) -> float:
        """(k − rank)/k²: the lowest loss any X reaches."""
        return loss_floor(self.rank, self.k)

    # what the precision resolves

    @property
    def resolution(self) -> float:
        """max(m, k)·eps·σ_max in ``dtype``: σ at or below it are lost in the run's rounding."""
        return resolution(self.sigma_max, self.shape, getattr(torch, self.dtype))

    @functools.cached_property
    def resolved_rank(self) -> int:
        """How many σ of M as entered lie above :attr:`resolution`: the rank gradient descent sees."""
        return int((self.sigma > self.resolution).sum()) if self.sigma_max > 0 else 0

    @property
    def resolved_sigma_min(self) -> float:
        """The smallest σ the precision resolves: the optimal lr and the rates use it."""
        if self.resolved_rank == self.rank and self.entered.full_rank:
            return self.sigma_min
        return float(self.sigma[self.resolved_rank - 1]) if self.resolved_rank else 0.0

    @property
    def resolved_floor(self) -> float:
        """(k − resolved rank)/k²: the lowest loss gradient descent in ``dtype`` reaches."""
        return loss_floor(self.resolved_rank, self.k)

    # the learning rates

    @property
    def stable_below(self) -> float:
        return stable_limit(self.sigma_max, self.k)

    @property
    def optimal(self) -> float:
        return optimal_lr(self.resolved_sigma_min, self.sigma_max, self.k)

    def directions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(σ padded to k, U, V) of the run's matrix: what the run's error moves along."""
        return self.rounded.padded, self.rounded.U, self.rounded.V
