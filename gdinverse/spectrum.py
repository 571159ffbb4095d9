r"""One analysis of a matrix for one working precision (:class:`Spectrum`), and every closed form of the theory.

Plain gradient descent on :math:`L(X) = \frac{1}{k^2}\lVert XA - I\rVert_F^2` multiplies the error along the right
singular vector vᵢ (singular value σᵢ) by a fixed factor every step (:mod:`gdinverse.theory` derives it):

.. math:: q_i = 1 - a_i, \qquad a_i = 2\,lr\,\sigma_i^2/k^2 .

Everything the app and the package say about a run follows from the σᵢ through the functions below, each formula
written once: :func:`step_share` (aᵢ), :func:`factor` (qᵢ), :func:`stable_limit` (k²/σ_max², where |q| reaches 1),
:func:`optimal_lr` (k²/(σ_min² + σ_max²), where the slowest and the fastest factor balance), the momentum methods'
parameters (:func:`heavy_ball`, :func:`nesterov`) and long-run factor (:func:`long_run_factor`, the spectral radius
of a 2×2 recurrence), the loss floor (:func:`loss_floor`) and what a precision resolves (:func:`resolution`).

**What is decomposed, and how often.** A :class:`Spectrum` holds the analysis, in float64, of the matrix *as
entered* (its κ, rank and learning rates) and of the matrix *as the run rounds it* to its precision (the directions
the run moves along); the two are the same object when rounding keeps every value. Nothing else decomposes the
matrix: learning rates, predicted losses, verdicts, direction views, landscapes and figures take the spectrum.

**What each size costs.** Up to :data:`FULL_SVD_UP_TO` rows and columns (every matrix the app shows) each analysis
is one full SVD, made at once, and every number is read from it. Beyond, a :class:`Decomposition` computes each
piece the first time it is asked for, and only what that needs:

* κ of a square matrix from its LU (``torch.linalg.lu_factor_ex``, a third of the inverse's work): σ_max² and
  1/σ_min² as the largest eigenvalues of MᵀM and (MᵀM)⁻¹ by Lanczos iterations, each step a product with M and
  Mᵀ or four triangular solves with the LU's factors (a few n² operations). The steps run in float32, which reads
  half the memory, to find the space; the Ritz value on it is computed in float64 and its float64 residual
  checked (float64 Lanczos continues from its vector where float32 falls short: a few steps, for σ_max). Both
  are Ritz values, estimates from below, with residuals within :data:`LANCZOS_TOLERANCE` and
  :data:`LANCZOS_TOLERANCE_MIN` of σ_max² and 1/σ_min² (σ_max within about 1e-10 in practice, κ within 0.05% and
  about 1e-6 in practice): ``kappa_source`` is "estimate" and the notes say so. The rank is full when that σ_min
  is above max(m, k)·eps₆₄·σ_max; below it, the singular values decide. This is what
  :func:`gdinverse.exact_inverse`, :func:`gdinverse.condition_number` and :func:`gdinverse.lr_bounds` need.
* The singular values (``torch.linalg.svdvals``, several times the inverse's work) for a non-square matrix, for
  the rank of a square one whose σ_min float64 cannot resolve, and for the rank a precision resolves when σ_min
  lies below what it resolves.
* The singular vectors (the full SVD, 20 or more times the inverse's work) only for what needs them: direction
  views, the landscape, the theory's loss curves, the pseudo-inverse, and a verdict's projector when the run's
  precision does not resolve every direction.

The expensive pieces estimate their cost first (:func:`gdinverse.cost.require`) and are refused when it is over the
limits; the public functions estimate their whole cost before they start.

**Singular means singular.** A float is a rational number, so for matrices up to :data:`EXACT_UP_TO` rows and
columns the rank is decided exactly (:mod:`gdinverse.rational`), not read off rounded singular values: κ = ∞ exactly
when the rank is deficient. Where float64's SVD cannot resolve σ_min of a matrix of full rank (σ_min below
max(m, k)·eps·σ_max, e.g. diag(1e20, 1) or Hilbert 12), κ comes from the exact inverse, σ_min = 1/‖M⁻¹‖₂. Beyond
those sizes, or past :data:`gdinverse.rational.WORK_BUDGET`, the rank is numerical (singular values above
max(m, k)·eps₆₄·σ_max) and κ, where float64 cannot resolve σ_min, only a lower estimate ("unresolved"); the
spectrum says so (``rank_exact``, ``kappa_source``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

import numpy as np
import torch

from . import rational
from .cost import require
from .errors import check_dtype
from .limits import FULL_SVD_UP_TO, LANCZOS_STEPS
from .matrices import _default_dtype as default_dtype
from .matrices import as_matrix

__all__ = [
    "EXACT_UP_TO",
    "FULL_SVD_UP_TO",
    "Decomposition",
    "Spectrum",
    "change_in_words",
    "coefficients",
    "factor",
    "heavy_ball",
    "long_run_factor",
    "loss_floor",
    "nesterov",
    "numerical_rank",
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

LANCZOS_TOLERANCE = 1e-5
"""Lanczos for σ_max² stops once a vector's residual is this share of the Ritz value: σ_max is then within half of
it, and in practice within about its square over the relative gap to σ₂ (1e-10 to 1e-13 on random matrices; the
learning rates come from σ_max)."""

FLOAT32_TOLERANCE = 1e-4
"""The residual float32 Lanczos aims for before float64 takes over (float32 cannot go much below it)."""

LANCZOS_TOLERANCE_MIN = 1e-3
"""The same for 1/σ_min², which only κ and the optimal lr use: κ is then within 0.05%, in practice within about
1e-6 (it is shown to 3 digits)."""

MAX_PREDICTED_STEPS = 2**62
"""Beyond this many steps the theory's step counts give up and say "never" (None)."""

KappaSource = Literal["svd", "exact inverse", "estimate", "unresolved", "singular"]

_T = TypeVar("_T")


class _once(Generic[_T]):
    """``functools.cached_property`` without the lock Python 3.11 shares between every instance of a class (it would
    make a server's sessions wait for each other's decompositions): computed on first use, then stored on the
    instance. Two threads may both compute it the first time; each gets the same value (every piece here is
    deterministic)."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.__doc__ = func.__doc__
        self.name = func.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> _T | _once[_T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value


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


def numerical_rank(sigma: np.ndarray, shape: tuple[int, int], dtype: Any) -> int:
    """How many of the singular values ``sigma`` (decreasing, σ_max first) lie above :func:`resolution` of σ_max
    for ``shape`` in ``dtype``: the rank ``dtype`` resolves; 0 when σ_max is 0 (or there is no σ). Being decreasing,
    those are the first ones: ``sigma[:numerical_rank(...)]``."""
    top = float(sigma[0]) if sigma.size else 0.0
    return int((sigma > resolution(top, shape, dtype)).sum()) if top > 0 else 0


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


Operator = Callable[[torch.Tensor], torch.Tensor]
"""A symmetric positive semidefinite n×n operator: multiplies an n×b block (of its own dtype)."""


def _largest_eigenvalue(apply: Operator, n: int, tolerance: float, *, fast: Operator | None = None) -> float:
    """The largest eigenvalue of a symmetric positive semidefinite n×n operator (``apply``, in float64) by Lanczos,
    to a residual of ``tolerance``·θ.

    With ``fast``, the same operator in float32 (half the memory to read a step), Lanczos runs in float32 first
    and only finds the space: the Rayleigh–Ritz value on it is then computed in float64 (one product of ``apply``
    with the whole basis) and its residual checked there. If it falls short, float64 Lanczos continues from its
    vector. Either way the answer is a float64 Ritz value whose float64 residual is within the tolerance, whatever
    float32 did. NaN when the operator overflows."""
    start = None
    if fast is not None:
        basis = _lanczos(fast, _start(n, torch.float32), max(tolerance, FLOAT32_TOLERANCE))[1]
        if basis is not None:
            Q = torch.linalg.qr(basis.T.double())[0]  # the float32 basis made orthonormal in float64
            AQ = apply(Q)
            if bool(torch.isfinite(AQ).all()):
                H = Q.T @ AQ
                theta, y = _ritz((H + H.T) / 2)
                if float(torch.linalg.vector_norm(AQ @ y - theta * (Q @ y))) <= tolerance * theta:
                    return theta
                start = Q @ y
    theta, _ = _lanczos(apply, _start(n, torch.float64) if start is None else start, tolerance)
    return theta


def _scaled32(M: torch.Tensor, scale: float, *, upper: bool = False) -> torch.Tensor:
    """M/scale in float32 (with ``upper``, only the upper triangle divided: the LU of M/scale from M's), made a
    block of rows at a time so that no n×n float64 copy is made."""
    out = torch.empty(M.shape, dtype=torch.float32)
    rows = max(1, 2**20 // max(1, M.shape[1]))
    for i in range(0, M.shape[0], rows):
        block = M[i : i + rows]
        if upper:
            above = torch.triu(block, diagonal=i)
            out[i : i + rows] = block - above + above / scale
        else:
            out[i : i + rows] = block / scale
    return out


def _gram(M: torch.Tensor) -> Operator:
    """v ↦ MᵀMv."""
    return lambda v: M.T @ (M @ v)


def _start(n: int, dtype: torch.dtype) -> torch.Tensor:
    """A fixed random unit vector (n×1)."""
    q = torch.randn(n, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return (q / torch.linalg.vector_norm(q)).to(dtype)


def _lanczos(apply: Operator, q: torch.Tensor, tolerance: float) -> tuple[float, torch.Tensor | None]:
    """Lanczos with full reorthogonalization from the unit column ``q``, in its dtype: the largest Ritz value θ
    and the basis (a row per vector), once a unit vector of the Krylov space has ‖Ax − θx‖ ≤ ``tolerance``·θ, the
    space is exhausted, or after :data:`LANCZOS_STEPS` steps. θ never exceeds the eigenvalue; (NaN, None) when the
    operator overflows."""
    n = q.shape[0]
    q = q[:, 0].clone()
    most = min(n, LANCZOS_STEPS)
    basis = torch.empty(most, n, dtype=q.dtype)  # a row per vector: the used rows are contiguous
    alphas: list[float] = []
    betas: list[float] = []
    theta = 0.0
    for j in range(most):
        basis[j] = q
        w = apply(q[:, None])[:, 0]
        alphas.append(float(q @ w))
        done = basis[: j + 1]
        for _ in range(2):  # twice is enough (Kahan): the basis stays orthogonal to working precision
            w -= done.T @ (done @ w)
        beta = float(torch.linalg.vector_norm(w))
        if not (math.isfinite(beta) and math.isfinite(alphas[-1])):
            return math.nan, None
        if j < 4 or j % 4 == 3 or j == most - 1:  # the small eigenproblem every few steps: a step costs more
            theta, residual = _tridiagonal_ritz(alphas, betas, beta)
            if residual <= tolerance * theta:
                return theta, basis[: j + 1]
        betas.append(beta)
        q = w / beta
    return theta, basis


def _tridiagonal_ritz(alphas: list[float], betas: list[float], beta: float) -> tuple[float, float]:
    """The largest Ritz value θ of a Lanczos tridiagonal T (diagonal ``alphas``, off-diagonal ``betas``) and a bound
    on the residual of a unit vector of the Krylov space, ``beta`` being the next off-diagonal: the bound
    √(‖Ty − θy‖² + (β·y_last)²) holds for any unit y (:func:`_ritz` gives θ and y)."""
    T = torch.diag(torch.tensor(alphas, dtype=torch.float64))
    if betas:
        off = torch.tensor(betas, dtype=torch.float64)
        T += torch.diag(off, 1) + torch.diag(off, -1)
    theta, y = _ritz(T)
    inside = float(torch.linalg.vector_norm(T @ y - theta * y))
    return theta, math.hypot(inside, beta * float(y[-1, 0]))


def _ritz(H: torch.Tensor) -> tuple[float, torch.Tensor]:
    """The largest eigenvalue θ of a small symmetric matrix (float64) and a unit column near its eigenvector: θ by
    ``eigvalsh``, the vector by one step of inverse iteration just above θ (``eigh`` costs more than a Lanczos
    step on a busy machine)."""
    theta = float(torch.linalg.eigvalsh(H)[-1])
    shift = theta + 1e-12 * abs(theta) + 1e-300
    eye = torch.eye(H.shape[0], dtype=torch.float64)
    y = torch.linalg.solve(H - shift * eye, torch.ones(H.shape[0], 1, dtype=torch.float64))
    return theta, y / torch.linalg.vector_norm(y)


def _permutation(pivots: torch.Tensor) -> torch.Tensor:
    """LAPACK's pivots (row i swapped with row pivots[i] − 1, in turn) as the permutation p with (P·M)[i] = M[p[i]]."""
    order = np.arange(pivots.numel())
    for i, j in enumerate(pivots.numpy() - 1):
        if i != j:
            order[[i, j]] = order[[j, i]]
    return torch.from_numpy(order)


@dataclass(frozen=True)
class _Estimate:
    """σ_max and σ_min of a square matrix by Lanczos, and its determinant (:meth:`Decomposition._estimate`); σ_min
    is 0 when LU meets an exactly zero pivot or the inverse iteration overflows (float64 cannot resolve σ_min)."""

    sigma_max: float
    sigma_min: float
    determinant: float


@dataclass(frozen=True, eq=False)
class Decomposition:
    """A matrix's values (as entered, or as a precision rounds them) analysed in float64: its singular values,
    rank, κ and, when asked for, its singular vectors.

    Up to :data:`FULL_SVD_UP_TO` rows and columns (the app's sizes) :meth:`of` makes one full SVD at once and
    everything is read from it. Beyond, each piece is computed the first time it is asked for, and no more than it
    needs (module docstring): κ of a square matrix from its LU by Lanczos (``kappa_source`` "estimate"), the
    singular values by ``torch.linalg.svdvals``, the vectors by the full SVD only for what needs them (direction
    views, the landscape, the pseudo-inverse, a projector of lower rank). Each is computed once: read twice, the
    same number.

    ``sigma`` is exactly 0 beyond the rank (the SVD's values there are rounding noise of an exact zero); ``U`` and
    ``V`` hold the left and right singular vectors as columns (m×m and k×k)."""

    matrix: torch.Tensor = field(repr=False)
    """The values, float64 on the CPU."""

    @classmethod
    def of(cls, values: torch.Tensor) -> Decomposition:
        """Analyse ``values`` (any real tensor; taken in float64): at the app's sizes one ``torch.linalg.svd`` now,
        beyond them nothing until a piece is asked for."""
        decomposition = cls(values.detach().to("cpu", torch.float64))
        if not decomposition.lazy:
            _ = decomposition.kappa  # the SVD, the rank and κ, once
        return decomposition

    def __repr__(self) -> str:
        m, k = self.shape
        known = {"rank": self.__dict__["_rank"]} if "_rank" in self.__dict__ else {}
        if "_condition" in self.__dict__:
            known |= {"kappa": self.kappa, "kappa_source": self.kappa_source}
        return f"Decomposition({m}×{k}" + "".join(f", {name}={value!r}" for name, value in known.items()) + ")"

    @property
    def shape(self) -> tuple[int, int]:
        m, k = self.matrix.shape
        return m, k

    @property
    def lazy(self) -> bool:
        """True beyond :data:`FULL_SVD_UP_TO` rows or columns: pieces are computed when asked for."""
        return max(self.shape) > FULL_SVD_UP_TO

    @property
    def _lu_path(self) -> bool:
        """A square matrix beyond the app's sizes: κ and the rank from its LU (:meth:`_estimate`)."""
        m, k = self.shape
        return self.lazy and m == k

    # the pieces, each computed once

    @_once
    def _svd(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The full SVD (σ, U, V) in float64: ``torch.linalg.svd`` (cost-checked beyond the app's sizes)."""
        if self.lazy:
            require("singular vectors", self.shape, dtype=torch.float64)
        U, s, Vh = torch.linalg.svd(self.matrix, full_matrices=True)
        return s.numpy().copy(), U.numpy(), Vh.T.numpy()

    @_once
    def _values(self) -> np.ndarray:
        """The min(m, k) singular values, decreasing, as computed: from the full SVD at the app's sizes, from
        ``torch.linalg.svdvals`` beyond (cost-checked)."""
        if not self.lazy:
            return self._svd[0]
        require("singular values", self.shape, dtype=torch.float64)
        return torch.linalg.svdvals(self.matrix).numpy().copy()

    @_once
    def _exact_rank(self) -> int | None:
        """The rank in exact arithmetic, up to :data:`EXACT_UP_TO` rows and columns and within the work budget."""
        return rational.rank(self.matrix.numpy()) if max(self.shape) <= EXACT_UP_TO else None

    @_once
    def _estimate(self) -> _Estimate:
        """σ_max and σ_min of a square matrix by Lanczos (:func:`_largest_eigenvalue`: float32 steps, float64 Ritz
        values), with no decomposition but the LU (``torch.linalg.lu_factor_ex``, not kept): σ_max² is the largest
        eigenvalue of MᵀM (products with M and Mᵀ), 1/σ_min² that of (MᵀM)⁻¹ (triangular solves with the LU's
        factors). A step costs a few n² operations and a few dozen steps do, so κ costs a small multiple of the LU.
        Both are estimates from below (Ritz values): σ_max to a residual of :data:`LANCZOS_TOLERANCE`, σ_min of
        :data:`LANCZOS_TOLERANCE_MIN`, in practice to many more digits. The LU's determinant comes with them."""
        M, n = self.matrix, self.shape[0]
        scale = float(torch.linalg.vector_norm(M, math.inf))  # max |entry|, with no n×n copy
        if scale == 0:
            return _Estimate(0.0, 0.0, 0.0)
        LU, pivots, info = torch.linalg.lu_factor_ex(M)
        swaps = int((pivots != torch.arange(1, n + 1, dtype=pivots.dtype)).sum())
        determinant = float(torch.prod(torch.diagonal(LU))) * (-1.0 if swaps % 2 else 1.0)
        top = _largest_eigenvalue(
            lambda v: M.T @ (M @ v / scale) / scale, n, LANCZOS_TOLERANCE, fast=_gram(_scaled32(M, scale))
        )
        sigma_max = scale * math.sqrt(top)
        if int(info) > 0:
            return _Estimate(sigma_max, 0.0, determinant)
        order = _permutation(pivots)
        back = torch.argsort(order)
        LU32 = _scaled32(LU, scale, upper=True)  # the LU of M/scale: U/scale, and L

        def inverse(v: torch.Tensor, LU: torch.Tensor = LU, scale: float = scale) -> torch.Tensor:
            """(MᵀM/scale²)⁻¹ v: Mᵀ y = v is Uᵀ Lᵀ (P y) = v, then M x = y is L U x = P y (U/scale in LU32)."""
            z = torch.linalg.solve_triangular(LU.mT, scale * v, upper=False)
            y = torch.linalg.solve_triangular(LU.mT, z, upper=True, unitriangular=True)[back]
            z = torch.linalg.solve_triangular(LU, y[order] * scale, upper=False, unitriangular=True)
            return torch.linalg.solve_triangular(LU, z, upper=True)

        with np.errstate(over="ignore"):
            low = _largest_eigenvalue(inverse, n, LANCZOS_TOLERANCE_MIN, fast=lambda v: inverse(v, LU=LU32, scale=1.0))
        if not (math.isfinite(low) and low > 0):
            return _Estimate(sigma_max, 0.0, determinant)
        return _Estimate(sigma_max, scale / math.sqrt(low), determinant)

    @_once
    def _resolved_by_estimate(self) -> bool:
        """Whether the LU's estimate shows full rank: σ_min above max(m, k)·eps₆₄·σ_max, what float64 resolves."""
        estimate = self._estimate
        return estimate.sigma_min > resolution(estimate.sigma_max, self.shape, torch.float64)

    # what they say

    @property
    def sigma_max(self) -> float:
        """The largest singular value: the SVD's at the app's sizes and for a non-square matrix, Lanczos's (a
        lower bound, within about 1e-10 of it in practice) for a square one beyond."""
        return self._sigma_max

    @_once
    def _sigma_max(self) -> float:
        if self._lu_path:
            return self._estimate.sigma_max
        return float(self._values[0]) if self._values.size else 0.0

    @property
    def rank_exact(self) -> bool:
        """True when the rank was decided in exact arithmetic; else it counts σ above max(m, k)·eps₆₄·σ_max."""
        return self._rank_exact

    @_once
    def _rank_exact(self) -> bool:
        return self._exact_rank is not None

    @property
    def rank(self) -> int:
        """Exact up to :data:`EXACT_UP_TO` rows and columns; else the singular values above max(m, k)·eps₆₄·σ_max
        (for a square matrix beyond the app's sizes: full when the LU's estimate of σ_min is above that, else
        counted on ``torch.linalg.svdvals``)."""
        return self._rank

    @_once
    def _rank(self) -> int:
        if self._exact_rank is not None:
            return self._exact_rank
        if self._lu_path and self._resolved_by_estimate:
            return self.shape[0]
        return numerical_rank(self._values, self.shape, torch.float64)

    @property
    def sigma(self) -> np.ndarray:
        """min(m, k) singular values, decreasing, exactly 0 beyond the rank (beyond the app's sizes, computed by
        ``torch.linalg.svdvals`` when first asked for)."""
        return self._sigma

    @_once
    def _sigma(self) -> np.ndarray:
        sigma = self._values.copy()
        sigma[self.rank :] = 0.0
        return sigma

    @property
    def U(self) -> np.ndarray:
        """The left singular vectors, as columns (m×m): the full SVD, made when first asked for."""
        return self._svd[1]

    @property
    def V(self) -> np.ndarray:
        """The right singular vectors, as columns (k×k): the full SVD, made when first asked for."""
        return self._svd[2]

    @_once
    def _condition(self) -> tuple[float, KappaSource]:
        """κ and how it was found (see :attr:`kappa_source`).

        At the app's sizes and for a non-square matrix, from the singular values: the SVD's σ_min is off by about
        n·eps·σ_max, a relative error of n·eps·κ; its κ is used where that is below :data:`SVD_ACCURACY`; beyond,
        κ is σ_max·‖M⁻¹‖₂ with the exact inverse where exact arithmetic affords it, else the SVD's value,
        "unresolved" once σ_min is below max(m, k)·eps·σ_max, where float64 cannot resolve it at all. For a square
        matrix beyond the app's sizes, from the LU's estimate (:meth:`_estimate`), or "unresolved" where it is
        below that tolerance and ``svdvals`` finds full rank."""
        if not self.full_rank or self.rank == 0:
            return math.inf, "singular"
        if self._lu_path:
            estimate = self._estimate
            if self._resolved_by_estimate:
                return estimate.sigma_max / estimate.sigma_min, "estimate"
            low = estimate.sigma_min or float(self._values[-1])
            return (estimate.sigma_max / low if low > 0 else math.inf), "unresolved"
        sigma = self.sigma
        tolerance = resolution(self.sigma_max, self.shape, torch.float64)
        low = float(sigma[-1])
        if low * SVD_ACCURACY > tolerance:
            return float(sigma[0]) / low, "svd"
        inverse = self.exact_inverse
        if inverse is not None:
            return float(sigma[0]) * _norm2(inverse), "exact inverse"
        if low > tolerance:
            return float(sigma[0]) / low, "svd"
        return float(sigma[0]) / low if low > 0 else math.inf, "unresolved"

    @property
    def kappa(self) -> float:
        """κ = σ_max/σ_min: inf exactly when the rank is below min(m, k) (an all-zero matrix included)."""
        return self._condition[0]

    @property
    def kappa_source(self) -> KappaSource:
        """How κ was found: "svd" (float64's SVD resolves σ_min), "exact inverse" (σ_min = 1/‖M⁻¹‖₂ from the exact
        inverse, where the SVD cannot resolve it), "estimate" (beyond the app's sizes, a square matrix: σ_max and
        σ_min by Lanczos with M's LU, from below, where float64 resolves σ_min), "unresolved" (float64 resolves
        neither way and exact arithmetic is out of reach: κ is at least about 1/(max(m, k)·eps₆₄) and M may be
        singular), or "singular" (rank deficient: κ = ∞)."""
        return self._condition[1]

    @property
    def kappa_resolved(self) -> bool:
        """Whether κ is known to the digits shown: "svd", "exact inverse" or "estimate"."""
        return self.kappa_source in ("svd", "exact inverse", "estimate")

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
        V, U = torch.from_numpy(self.V[:, :r]), torch.from_numpy(self.U[:, :r])
        return ((V / torch.from_numpy(self.sigma[:r])) @ U.T).numpy()

    def projector(self, rank: int) -> torch.Tensor:
        """V_r V_rᵀ (k×k, float64): the projector on the ``rank`` leading right singular directions; beyond the
        app's sizes the identity, with no SVD, when ``rank`` is k (every direction)."""
        if self.lazy and rank == self.shape[1]:
            return torch.eye(rank, dtype=torch.float64)
        V = torch.from_numpy(self.V[:, :rank])
        return V @ V.T

    def determinant(self) -> float:
        """det M of a square matrix in float64 by LU (``torch.linalg.det``; beyond the app's sizes the LU that
        estimated κ): 0 or ±inf past float64's range."""
        if self._lu_path:
            return self._estimate.determinant
        return float(torch.linalg.det(self.matrix))

    @property
    def exact_inverse(self) -> np.ndarray | None:
        """M⁻¹ in exact arithmetic, each entry rounded once to float64 (:func:`gdinverse.rational.inverse`), for a
        square matrix of full rank proved exactly; None otherwise or past the work budget."""
        return self._exact_inverse

    @_once
    def _exact_inverse(self) -> np.ndarray | None:
        if not (self.rank_exact and self.full_rank and self.shape[0] == self.shape[1]):
            return None
        return rational.inverse(self.matrix.numpy())


# ---------------------------------------------------------------------------- the spectrum


def require_before_conversion(A: Any, operation: str, *, dtype: Any = None, **sizes: int) -> bool:
    """:func:`gdinverse.cost.require` for ``operation`` on ``A`` before :func:`gdinverse.as_matrix` reads it, when
    its shape is known without reading it (a 2-D tensor or numpy array): checking every entry of a big matrix takes
    longer than refusing it. True if it was estimated (and fits); False if the shape must wait for the conversion."""
    shape = known_shape(A)
    if shape is None:
        return False
    require(operation, shape, dtype=default_dtype(A, dtype), **sizes)
    return True


def known_shape(A: Any) -> tuple[int, int] | None:
    """The shape of a non-empty 2-D tensor (dense, of real numbers) or numpy array of numbers, read without
    converting it; None for anything else (:func:`gdinverse.as_matrix` then reads it, and says what is wrong)."""
    if isinstance(A, torch.Tensor):
        if A.is_nested or A.layout != torch.strided or A.is_complex() or A.ndim != 2:
            return None
    elif not (isinstance(A, np.ndarray) and A.dtype.kind in "biuf" and A.ndim == 2):
        return None
    m, k = int(A.shape[0]), int(A.shape[1])
    return (m, k) if m > 0 and k > 0 else None


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
    def of(
        cls,
        A: Any,
        *,
        dtype: Any = None,
        entered: Decomposition | None = None,
        operation: str | None = None,
        **sizes: int,
    ) -> Spectrum:
        """The spectrum of ``A`` (a matrix as :func:`gdinverse.as_matrix` takes it, or a Spectrum, returned as it
        is when its precision is ``dtype``) for gradient descent in ``dtype`` (by default A's, as ``as_matrix``
        decides). ``entered`` is the decomposition of A as entered when already made (for another precision).

        ``operation`` (with its ``sizes``: steps, runs, snapshots) is what the caller will do with it: its cost is
        estimated (:func:`gdinverse.cost.require`) as soon as the shape and the dtype are known, before the copy in
        float64 and any analysis, and a :class:`gdinverse.CostError` raised if it does not fit."""
        if isinstance(A, Spectrum):
            if operation is not None:
                require(operation, A.shape, dtype=A.dtype, **sizes)
            if dtype is None or _dtype_name(check_dtype(dtype)) == A.dtype:
                return A
            return A.in_precision(dtype)
        early = operation is not None and require_before_conversion(A, operation, dtype=dtype, **sizes)
        working = as_matrix(A, dtype=dtype)  # checks the values fit the precision
        if operation is not None and not early:
            require(operation, (working.shape[0], working.shape[1]), dtype=working.dtype, **sizes)
        given = as_matrix(A, dtype=torch.float64, device="cpu")
        if entered is None or not torch.equal(entered.matrix, given):
            entered = Decomposition.of(given)
        if isinstance(A, torch.Tensor) and A.dtype == working.dtype:  # the cast kept every value
            return cls(entered, entered, _dtype_name(working.dtype))
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
        """How many σ of M as entered lie above :attr:`resolution`: the rank gradient descent sees. Beyond the app's
        sizes the rank itself when σ_min (σ_max/κ) is above it, with no singular values computed."""
        entered = self.entered
        if entered.lazy and entered.full_rank and self.sigma_min > self.resolution:
            return entered.rank
        return int((self.sigma > self.resolution).sum()) if self.sigma_max > 0 else 0

    @property
    def resolved_sigma_min(self) -> float:
        """The smallest σ the precision resolves: the optimal lr and the rates use it."""
        if self.resolved_rank == self.rank and self.entered.full_rank:
            return self.sigma_min
        return float(self.sigma[self.resolved_rank - 1]) if self.resolved_rank else 0.0

    # the learning rates

    @property
    def stable_below(self) -> float:
        return stable_limit(self.sigma_max, self.k)

    @property
    def optimal(self) -> float:
        return optimal_lr(self.resolved_sigma_min, self.sigma_max, self.k)

    def directions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(σ padded to k, U, V) of the run's matrix: what the run's error moves along (beyond the app's sizes, the
        full SVD is made on first use)."""
        return self.rounded.padded, self.rounded.U, self.rounded.V
