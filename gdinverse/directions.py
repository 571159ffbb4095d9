r"""The error of a run along each singular direction of the matrix, measured and predicted; the loss landscape.

Write A = UΣVᵀ (m×k) and R = XA − I (k×k). The error along the right singular
vector vᵢ is the vector R vᵢ. Plain gradient descent multiplies it by
:math:`q_i = 1 - 2\,lr\,\sigma_i^2/k^2` every step (see :mod:`gdinverse.theory`), so

.. math:: \lVert R_t v_i\rVert = |q_i|^t\,\lVert R_0 v_i\rVert.

With momentum, write :math:`a_i = lr\cdot\lambda_i`, :math:`\lambda_i = 2\sigma_i^2/k^2`, and
:math:`w_t = V_t A v_i` (V the velocity, V₀ = 0). Heavy ball (V ← βV − lr∇, X ← X + V) gives

.. math:: w_{t+1} = \beta w_t - a_i r_t,\quad r_{t+1} = r_t + w_{t+1}
          \;\Longrightarrow\; r_{t+1} = (1 + \beta - a_i)\,r_t - \beta\,r_{t-1},

and Nesterov (the gradient taken at the look-ahead X + βV, whose residual along vᵢ is r_t + βw_t)

.. math:: w_{t+1} = \beta(1 - a_i)\,w_t - a_i r_t,\quad r_{t+1} = r_t + w_{t+1}
          \;\Longrightarrow\; r_{t+1} = (1 - a_i)(1 + \beta)\,r_t - \beta(1 - a_i)\,r_{t-1},

with r₁ = (1 − aᵢ) r₀ in both. The coefficients are scalars, so r_t = c_t r₀ stays parallel to
r₀ and ‖R_t vᵢ‖ = |c_t|·‖R₀vᵢ‖ exactly. The long-run factor a step is the spectral radius of
the 2×2 matrix taking (r_t, w_t) to (r_{t+1}, w_{t+1}). Adam and Newton–Schulz have no such
per-direction theory (Adam rescales every entry; Newton–Schulz is not linear in X).

Directions with σᵢ = 0 (a singular matrix, or the k − m extra directions of a wide one) never
change: the gradient has no component along them, their factor is 1, and their error is the
loss floor (k − rank)/k². They are kept, with rate 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .cost import require
from .descent import DescentResult
from .errors import MatrixInputError, ParameterError, check_choice, check_float, check_int
from .matrices import as_matrix
from .spectrum import (
    Spectrum,
    coefficients,
    factor,
    long_run_factor,
    loss_floor,
    numerical_rank,
    resolution,
    step_share,
)
from .theory import LrBounds, lr_bounds, residual

__all__ = [
    "THEORY_METHODS",
    "ContractionFactors",
    "DirectionView",
    "Landscape",
    "contraction_factors",
    "direction_errors",
    "direction_view",
    "landscape",
    "predicted_direction_errors",
]

THEORY_METHODS = ("gd", "momentum", "nesterov")
"""The methods with a per-direction theory (linear recurrences); adam and newton_schulz have none."""

MAX_TABLE = 10**7
"""Most numbers (steps × directions) one predicted table may hold."""

THEORY_POINTS = 1000
"""Most steps at which :func:`direction_view` evaluates the theory for drawing."""


# ---------------------------------------------------------------------------- inputs


def _check_result(result: Any) -> DescentResult:
    if not isinstance(result, DescentResult):
        raise ParameterError(
            f"expected a DescentResult, got {type(result).__name__}; pass what gdinverse.gd_inverse returns"
        )
    return result


def _matrix_of(A: Any, result: DescentResult) -> torch.Tensor:
    """The run's matrix in float64, after checking that ``A`` is that matrix."""
    ran = result.matrix.detach().cpu()
    given = as_matrix(A, dtype=ran.dtype).cpu()
    if given.shape != ran.shape or not torch.equal(given, ran):
        raise MatrixInputError(
            f"the result is a run on another matrix: it ran on a {ran.shape[0]}×{ran.shape[1]} matrix, "
            f"got a {given.shape[0]}×{given.shape[1]} one{' with other entries' if given.shape == ran.shape else ''}"
            "; pass the matrix the run was made with (result.matrix)"
        )
    return ran.double()


def _require(operation: str, result: DescentResult) -> None:
    """Estimate ``operation`` on ``result``'s run before computing it (:func:`gdinverse.cost.require`): beyond the
    app's sizes it makes the run matrix's full SVD."""
    m, k = result.matrix.shape
    require(operation, (m, k), dtype=result.matrix.dtype, snapshots=len(result.snapshots))


def _method_theory(method: Any) -> str:
    if isinstance(method, str) and method in ("adam", "newton_schulz"):
        raise ParameterError(
            f"there is no per-direction theory for {method!r}: it is not a linear recurrence in X "
            f"(the theory covers {', '.join(THEORY_METHODS)}); direction_errors still measures its run"
        )
    return check_choice("method", method, THEORY_METHODS)


def _beta(method: str, momentum: Any, bounds: LrBounds | None) -> float:
    if method == "gd":
        if momentum is not None:
            raise ParameterError(f"momentum is for 'momentum' and 'nesterov', not 'gd'; got momentum={momentum!r}")
        return 0.0
    if momentum is None:
        assert bounds is not None
        return bounds.heavy_ball[1] if method == "momentum" else bounds.nesterov[1]
    return check_float("momentum", momentum, low=0.0, high=1.0)


# ---------------------------------------------------------------------------- theory


def _start_errors(A64: torch.Tensor, V: np.ndarray, X0: Any) -> np.ndarray:
    m, k = A64.shape
    X0 = torch.zeros(k, m, dtype=torch.float64) if X0 is None else as_matrix(X0, dtype="float64", name="X0").cpu()
    if X0.shape != (k, m):
        raise MatrixInputError(f"X0 must be {k}×{m} for a {m}×{k} matrix, got {X0.shape[0]}×{X0.shape[1]}")
    R0 = residual(X0, A64)
    return torch.linalg.vector_norm(R0 @ torch.from_numpy(V), dim=0).numpy()


def _predicted(
    spectrum: Spectrum, *, lr: Any, steps: np.ndarray, X0: Any, method: str, momentum: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float]:
    """(σ, predicted errors at ``steps``, rates, a = 2·lr·σ²/k², lr, β) along the directions of the spectrum's run
    matrix."""
    method = _method_theory(method)
    lr = check_float("lr", lr, low=0.0, low_open=True)
    sigma, _, V = spectrum.directions()
    bounds = lr_bounds(spectrum) if (method != "gd" and momentum is None) else None
    beta = _beta(method, momentum, bounds)
    a = step_share(lr, sigma, spectrum.k)
    start = _start_errors(spectrum.rounded.matrix, V, X0)
    with np.errstate(over="ignore", invalid="ignore"):
        errors = np.abs(coefficients(a, beta, method, steps)) * start[None, :]
    return sigma, errors, long_run_factor(a, beta, method), a, lr, beta


def predicted_direction_errors(
    A: Any, *, lr: float, steps: int, X0: Any = None, method: str = "gd", momentum: float | None = None
) -> np.ndarray:
    """The theory's ‖R_t vᵢ‖ for t = 0..steps (rows) and each right singular direction vᵢ (columns, σ decreasing).

    Computed in float64 for gd (|qᵢ|ᵗ‖R₀vᵢ‖), momentum and nesterov (the exact
    recurrences of the module docstring, velocity starting at 0). ``X0`` is the
    start (k×m; zeros if None); ``momentum`` is β (the method's theory β if None). ``A`` may be a
    :class:`gdinverse.Spectrum` (float64 values are taken as they are; others in float64).
    Directions with σ = 0 keep their starting error. Adam and Newton–Schulz have
    no per-direction theory: asking for it raises :class:`ParameterError`.
    """
    steps = check_int("steps", steps, low=0, high=10**7)
    given = A if isinstance(A, Spectrum) else as_matrix(A, dtype="float64").cpu()
    spectrum = Spectrum.of(given, operation="predicted_losses", steps=steps)
    if (steps + 1) * spectrum.k > MAX_TABLE:
        raise ParameterError(
            f"{steps + 1:,} steps × {spectrum.k:,} directions is over {MAX_TABLE:,} numbers; ask for fewer steps"
        )
    return _predicted(spectrum, lr=lr, steps=np.arange(steps + 1), X0=X0, method=method, momentum=momentum)[1]


def direction_errors(A: Any, result: DescentResult) -> np.ndarray:
    """The measured ‖R_t vᵢ‖ (R_t = X_t A − I) at each recorded step of ``result`` (rows, in order) and each
    right singular direction vᵢ of A (columns, σ decreasing), in float64.

    ``A`` must be the matrix the run was made on (a :class:`MatrixInputError` otherwise).
    """
    result = _check_result(result)
    A64 = _matrix_of(A, result)
    _require("direction_view", result)
    V = result.spectrum.rounded.V
    X = torch.stack([result.snapshots[t].detach().cpu().double() for t in result.snapshots])
    R = residual(X, A64)
    return torch.linalg.vector_norm(R @ torch.from_numpy(V), dim=1).numpy()


@dataclass(frozen=True)
class DirectionView:
    """A run's error along each right singular direction, measured and predicted (see the module docstring)."""

    sigma: np.ndarray = field(repr=False)
    """σᵢ, decreasing, padded with zeros to k directions."""
    steps: np.ndarray = field(repr=False)
    """The recorded steps of the run."""
    measured: np.ndarray = field(repr=False)
    """‖R_t vᵢ‖ at ``steps`` (rows) for each direction (columns), float64."""
    predicted: np.ndarray = field(repr=False)
    """The theory's ‖R_t vᵢ‖ at ``steps``."""
    theory_steps: np.ndarray = field(repr=False)
    """Up to :data:`THEORY_POINTS` steps (all of them for short runs) for drawing the theory."""
    theory: np.ndarray = field(repr=False)
    """The theory's ‖R_t vᵢ‖ at ``theory_steps``."""
    rates: np.ndarray = field(repr=False)
    """The long-run factor a step of each direction (|1 − 2·lr·σ²/k²| for gd; 1 where σ = 0)."""
    a: np.ndarray = field(repr=False)
    """2·lr·σ²/k² of each direction (:func:`gdinverse.spectrum.step_share`): a plain step's factor is 1 − a."""
    lr: float
    momentum: float | None
    method: str
    shape: tuple[int, int]
    dtype: str
    """The run's dtype: a float32 run leaves the theory once rounding takes over."""
    resolution: float
    """max(m, k)·eps·σ_max in the run's dtype (as :attr:`LrBounds.resolution`): along a direction whose σ is
    at or below it, a step changes the error by less than the rounding, so the run cannot move it."""

    @property
    def resolved(self) -> np.ndarray:
        """Which directions have σ above :attr:`resolution` (the ones the run's precision can move)."""
        return self.sigma > self.resolution

    @property
    def tie(self) -> float:
        """The relative difference under which two factors count as equal: the run's eps (at least 1e-9), since
        rounding M to float32 can put σ_max's factor at −1.00000004 for an lr just below M's limit."""
        return max(1e-9, float(np.finfo(self.dtype).eps))

    def ties(self, i: int, j: int) -> bool:
        """Whether directions i and j shrink by factors within :attr:`tie` of each other."""
        return bool(abs(self.rates[i] - self.rates[j]) <= self.tie * max(self.rates[i], self.rates[j]))

    @property
    def slowest(self) -> int:
        """The index of the direction the run resolves (σ above :attr:`resolution`) whose error shrinks slowest
        (of factors within the run's rounding of each other, the smallest σ's): the one :meth:`LrBounds.slowest`
        names."""
        moving = np.flatnonzero(self.resolved)
        if not moving.size:
            return 0
        rates = self.rates[moving]
        return int(moving[rates >= rates.max() * (1 - self.tie)][-1])  # a tie goes to the smaller σ


def direction_view(A: Any, result: DescentResult) -> DirectionView:
    """Measured and predicted errors of ``result`` along each singular direction of ``A`` (a gd, momentum or
    nesterov run; adam and newton_schulz have no per-direction theory and raise :class:`ParameterError`).

    It needs the run matrix's singular vectors: beyond 128 rows its full SVD, made here once (the run's spectrum
    keeps it), after the cost is estimated (:func:`gdinverse.cost.require`)."""
    result = _check_result(result)
    A64 = _matrix_of(A, result)
    _method_theory(result.method)
    _require("direction_view", result)
    steps = np.array(list(result.snapshots), dtype=np.int64)
    last = int(steps[-1])
    dense = np.unique(np.concatenate([np.linspace(0, last, min(last + 1, THEORY_POINTS)).round(), steps]))
    dense = dense.astype(np.int64)
    X0 = result.snapshots[0]
    sigma, theory, rates, a, lr, beta = _predicted(
        result.spectrum, lr=result.lr, steps=dense, X0=X0, method=result.method, momentum=result.momentum
    )
    measured = direction_errors(A, result)
    return DirectionView(
        sigma=sigma,
        steps=steps,
        measured=measured,
        predicted=theory[np.searchsorted(dense, steps)],
        theory_steps=dense,
        theory=theory,
        rates=rates,
        a=a,
        lr=lr,
        momentum=None if result.method == "gd" else beta,
        method=result.method,
        shape=(A64.shape[0], A64.shape[1]),
        dtype=str(result.matrix.dtype).removeprefix("torch."),
        resolution=resolution(sigma[0], (A64.shape[0], A64.shape[1]), result.matrix.dtype),
    )


# ---------------------------------------------------------------------------- the rate chart


@dataclass(frozen=True)
class ContractionFactors:
    """|1 − 2·lr·σ²/k²| of plain gradient descent over a grid of learning rates, for σ_min and σ_max."""

    lrs: np.ndarray = field(repr=False)
    slow: np.ndarray = field(repr=False)
    """The factor of the direction of σ_min: the smallest σ the working dtype resolves (``resolved_sigma_min``),
    the one the optimal lr balances against σ_max."""
    fast: np.ndarray = field(repr=False)
    """The factor of the direction of σ_max."""
    bounds: LrBounds
    """σ_min (resolved), σ_max, the stable limit k²/σ_max² and the optimal lr k²/(σ_min² + σ_max²)."""

    @property
    def slowest(self) -> np.ndarray:
        """max(slow, fast): the factor of the whole error (below 1 converges)."""
        return np.maximum(self.slow, self.fast)


def contraction_factors(A: Any, lrs: Any = None) -> ContractionFactors:
    """Contraction factors a step for σ_min and σ_max at each lr in ``lrs`` (default: 200 learning rates from
    0.001× to 2× the stable limit). ``A`` is a matrix or the :class:`LrBounds` of one."""
    bounds = A if isinstance(A, LrBounds) else lr_bounds(A)
    if lrs is None:
        lrs = bounds.grid(200)
    lrs = np.asarray([check_float("every lr", float(lr), low=0.0, low_open=True) for lr in np.ravel(lrs)])
    if lrs.size == 0:
        raise ParameterError("lrs is empty; give at least one learning rate")
    return ContractionFactors(
        lrs=lrs,
        slow=np.abs(factor(lrs, bounds.resolved_sigma_min, bounds.k)),
        fast=np.abs(factor(lrs, bounds.sigma_max, bounds.k)),
        bounds=bounds,
    )


# ---------------------------------------------------------------------------- the landscape


@dataclass(frozen=True)
class Landscape:
    """The loss on the plane through the run's limit X* spanned by the slowest and the fastest direction.

    X(a, b) = X* + a·D_slow + b·D_fast; see :func:`landscape` for X*, D and the closed form.
    """

    a: np.ndarray = field(repr=False)
    """Grid coordinates along D_slow (size values)."""
    b: np.ndarray = field(repr=False)
    """Grid coordinates along D_fast."""
    loss: np.ndarray = field(repr=False)
    """loss[j, i] is the loss at (a[i], b[j])."""
    path_a: np.ndarray = field(repr=False)
    """The run's coordinate along D_slow at each recorded step."""
    path_b: np.ndarray = field(repr=False)
    steps: np.ndarray = field(repr=False)
    path_loss: np.ndarray = field(repr=False)
    """The run's actual loss at the recorded steps (at least the plane's loss at (a_t, b_t))."""
    sigma_slow: float
    sigma_fast: float
    floor: float
    """(k − rank)/k², the loss at X*."""
    k: int
    lr: float
    method: str

    def plane_loss(self, a: Any, b: Any) -> np.ndarray:
        """The closed form floor + (a²σ_slow² + b²σ_fast²)/k² at the points (a, b) (:func:`plane_loss`)."""
        return plane_loss(a, b, floor=self.floor, sigma_slow=self.sigma_slow, sigma_fast=self.sigma_fast, k=self.k)


def plane_loss(a: Any, b: Any, *, floor: float, sigma_slow: float, sigma_fast: float, k: int) -> np.ndarray:
    """The loss at X* + a·D_slow + b·D_fast: floor + (a²σ_slow² + b²σ_fast²)/k² (see :func:`landscape`)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return floor + (a**2 * sigma_slow**2 + b**2 * sigma_fast**2) / k**2


SQUARE_UP_TO = 10
"""The landscape's grid is square (equal axes) while the path's reach along a and along b differ at most this
much; beyond, each axis spans its own reach."""


def _reach(path: np.ndarray) -> float:
    """1.1 × the largest |coordinate| of a path (1 where it has none)."""
    reach = float(np.max(np.abs(path)))
    return 1.1 * reach if math.isfinite(reach) and reach > 0 else 1.0


def _unit(x: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(x))
    return x / norm if norm > 1e-300 else fallback


def landscape(A: Any, result: DescentResult, *, size: int = 41, span: float | None = None) -> Landscape:
    r"""The loss on the plane through the run's limit spanned by its slowest and fastest singular direction.

    The limit is X* = A⁺ + X₀(I − P), P = U_r U_rᵀ the projector on A's column space:
    every update is a multiple of Aᵀ on the right, so the part X₀(I − P) never changes
    and X*A = A⁺A (the least-squares minimum). The residual at X* is
    R* = A⁺A − I = −(I − V_r V_rᵀ), the loss there the floor (k − rank)/k².

    For a direction i with σᵢ > 0 let D_i = w_i u_iᵀ (k×m, unit Frobenius norm), w_i the unit
    vector along (X₀ − X*)u_i (vᵢ if that is zero). Then D_i A = σᵢ w_i vᵢᵀ changes the residual
    only along vᵢ, and with X = X* + a·D_slow + b·D_fast (slow: the smallest σ the run's precision resolves,
    above max(m, k)·eps·σ_max as in :class:`DirectionView`; fast: σ_max)

    .. math:: L(a, b) = \frac{(k - r)}{k^2} + \frac{a^2\sigma_{slow}^2 + b^2\sigma_{fast}^2}{k^2},

    the cross terms vanishing because v_slow ⊥ v_fast and R* v_i = 0. The run's path is
    projected as a_t = ⟨X_t − X*, D_slow⟩, b_t = ⟨X_t − X*, D_fast⟩. For gd, momentum and nesterov
    (X_t − X*)u_i stays parallel to w_i, so σ_slow·|a_t| = ‖R_t v_slow‖ exactly: a_t = q_slowᵗ a₀ for gd,
    and b_t changes sign every step once lr > k²/(2σ_max²).

    ``size`` points a side (3..201); ``span`` is the half-width of a square grid. By default each axis spans
    1.1 × the path's largest |a_t| (or |b_t|), the two the same (the larger) unless they differ more than
    :data:`SQUARE_UP_TO`-fold: at Hilbert 8's σ ratio of 3e4 a square grid wide enough for the slow a would make
    the valley a line. A matrix with only one resolved σ has no plane: :class:`MatrixInputError`.
    """
    result = _check_result(result)
    A64 = _matrix_of(A, result)
    size = check_int("size", size, low=3, high=201)
    _require("landscape", result)
    decomposition = result.spectrum.rounded
    sigma, U, V = result.spectrum.directions()
    m, k = A64.shape
    rank = decomposition.rank
    moving = np.arange(numerical_rank(sigma, (m, k), result.matrix.dtype))  # σ decreasing: the resolved ones first
    if moving.size < 2:
        precision = str(result.matrix.dtype).removeprefix("torch.")
        raise MatrixInputError(
            f"the {m}×{k} matrix has {moving.size} singular value(s) that {precision} resolves; the landscape "
            "needs two (a slowest and a fastest direction); use a matrix of rank 2 or more"
        )
    fast, slow = int(moving[0]), int(moving[-1])
    U_r = torch.from_numpy(U[:, :rank])
    X0 = result.snapshots[0].detach().cpu().double()
    # X₀(I − P) with P = U_r U_rᵀ, as X₀ − (X₀U_r)U_rᵀ: no m×m matrix
    X_star = (torch.from_numpy(decomposition.pseudo_inverse()) + X0 - (X0 @ U_r) @ U_r.T).numpy()
    start = X0.numpy() - X_star
    w_slow = _unit(start @ U[:, slow], V[:, slow])
    w_fast = _unit(start @ U[:, fast], V[:, fast])
    steps = np.array(list(result.snapshots), dtype=np.int64)
    X = np.stack([result.snapshots[int(t)].detach().cpu().double().numpy() for t in steps]) - X_star
    path_a = np.einsum("i,tij,j->t", w_slow, X, U[:, slow])
    path_b = np.einsum("i,tij,j->t", w_fast, X, U[:, fast])
    if span is None:
        span_a, span_b = _reach(path_a), _reach(path_b)
        if max(span_a, span_b) <= SQUARE_UP_TO * min(span_a, span_b):
            span_a = span_b = max(span_a, span_b)
    else:
        span_a = span_b = check_float("span", span, low=0.0, low_open=True)
    grid_a, grid_b = np.linspace(-span_a, span_a, size), np.linspace(-span_b, span_b, size)
    floor = loss_floor(rank, k)
    return Landscape(
        a=grid_a,
        b=grid_b,
        loss=plane_loss(
            grid_a[None, :], grid_b[:, None], floor=floor, sigma_slow=sigma[slow], sigma_fast=sigma[fast], k=k
        ),
        path_a=path_a,
        path_b=path_b,
        steps=steps,
        path_loss=np.asarray(result.losses, dtype=np.float64)[steps],
        sigma_slow=float(sigma[slow]),
        sigma_fast=float(sigma[fast]),
        floor=floor,
        k=k,
        lr=float(result.lr),
        method=result.method,
    )
