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
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .errors import MatrixInputError, ParameterError, check_float, check_int
from .matrices import as_matrix

__all__ = ["LrBounds", "lr_bounds", "predicted_final_losses", "predicted_losses", "steps_to_tolerance"]

SEED_LR = 0.2 * math.log(10)
"""The seed's learning rate: ``np.log(np.logspace(2e-1, 2e-1, 100))`` is 0.2·ln 10 ≈ 0.4605 a step."""


@dataclass(frozen=True)
class LrBounds:
    """Learning rates for plain gradient descent on ``mean((X @ A − I)²)``; see the module docstring."""

    stable_below: float
    """Plain GD converges iff 0 < lr < stable_below = k²/σ_max²."""
    optimal: float
    """The best constant lr, k²/(σ_min² + σ_max²), σ over the nonzero singular values."""
    sigma_max: float
    sigma_min: float
    """The smallest nonzero singular value."""
    rank: int
    k: int
    """Number of columns of A: X @ A is k×k."""

    @property
    def condition_number(self) -> float:
        """σ_max/σ_min over the nonzero singular values."""
        return self.sigma_max / self.sigma_min

    @property
    def floor(self) -> float:
        """The lowest loss any X reaches: (k − rank)/k², zero for an invertible matrix."""
        return (self.k - self.rank) / self.k**2

    def factor(self, lr: float) -> float:
        """How much the slowest direction's residual is multiplied by each step at ``lr`` (below 1 shrinks)."""
        return self.slowest(lr)[1]

    def slowest(self, lr: float) -> tuple[float, float]:
        """The singular value whose direction shrinks slowest at ``lr``, and its factor |1 − 2·lr·σ²/k²| a step."""
        c = 2 * lr / self.k**2
        low, high = abs(1 - c * self.sigma_min**2), abs(1 - c * self.sigma_max**2)
        # at the optimal lr the two are equal (up to rounding): the small σ is the one to name
        return (self.sigma_min, low) if low >= high * (1 - 1e-9) else (self.sigma_max, high)

    def grid(self, count: int = 40, *, low: float = 1e-3, high: float = 2.0) -> np.ndarray:
        """``count`` learning rates spaced geometrically from low·stable_below to high·stable_below (for a sweep)."""
        count = check_int("count", count, low=2, high=10_000)
        low = check_float("low", low, low=0.0, low_open=True)
        high = check_float("high", high, low=low, low_open=True)
        return np.geomspace(low * self.stable_below, high * self.stable_below, count)

    @property
    def heavy_ball(self) -> tuple[float, float]:
        """Polyak's optimal heavy-ball (lr, β): 2k²/(σ_max+σ_min)² and ((κ−1)/(κ+1))²."""
        kappa = self.condition_number
        return 2 * self.k**2 / (self.sigma_max + self.sigma_min) ** 2, ((kappa - 1) / (kappa + 1)) ** 2

    @property
    def nesterov(self) -> tuple[float, float]:
        """Nesterov's constant-step (lr, β) for a quadratic: 1/L = k²/(2σ_max²) and (κ−1)/(κ+1)."""
        kappa = self.condition_number
        return self.k**2 / (2 * self.sigma_max**2), (kappa - 1) / (kappa + 1)


def singular_values(A: torch.Tensor) -> np.ndarray:
    """The singular values of A, computed in float64, largest first."""
    return torch.linalg.svdvals(A.detach().to("cpu", torch.float64)).numpy()


def numerical_rank(sigma: np.ndarray, shape: tuple[int, int], dtype: torch.dtype) -> int:
    """Number of singular values above max(m, k)·eps·σ_max, the level ``dtype`` can resolve."""
    if sigma.size == 0 or sigma[0] == 0:
        return 0
    tol = max(shape) * torch.finfo(dtype).eps * sigma[0]
    return int((sigma > tol).sum())


MAX_ENTRIES = 10**8
"""Most entries gradient descent's k×k residual X @ A − I may have (summed over the runs of a sweep)."""


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


def lr_bounds(A: Any) -> LrBounds:
    """Stable limit and optimal constant learning rate of plain gradient descent for ``A``."""
    A = as_matrix(A)
    check_scale(A)
    sigma = singular_values(A)
    rank = numerical_rank(sigma, tuple(A.shape), A.dtype)
    if rank == 0:
        raise MatrixInputError(
            f"the {A.shape[0]}×{A.shape[1]} matrix is all zeros; gradient descent has nothing to learn from it"
        )
    k = A.shape[1]
    smax, smin = float(sigma[0]), float(sigma[rank - 1])
    return LrBounds(
        stable_below=k**2 / smax**2,
        optimal=k**2 / (smin**2 + smax**2),
        sigma_max=smax,
        sigma_min=smin,
        rank=rank,
        k=k,
    )


def resolve_lr(lr: Any, A: torch.Tensor) -> float:
    """A learning rate: a positive number, ``"optimal"`` (from :func:`lr_bounds`) or ``"seed"``."""
    if isinstance(lr, str):
        if lr == "optimal":
            return lr_bounds(A).optimal
        if lr == "seed":
            return SEED_LR
        raise ParameterError(f"lr must be a positive number, 'optimal' or 'seed'; got {lr!r}")
    return check_float("lr", lr, low=0.0, low_open=True)


def _modes(A: torch.Tensor, X0: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Weights ‖R₀vᵢ‖² and σᵢ² (padded with zeros to k) of the residual along A's right singular vectors."""
    check_scale(A)
    check_size(A)
    A64 = A.detach().to("cpu", torch.float64)
    m, k = A64.shape
    X0 = torch.zeros(k, m, dtype=torch.float64) if X0 is None else as_matrix(X0, name="X0").cpu().double()
    if X0.shape != (k, m):
        raise MatrixInputError(f"X0 must be {k}×{m} for a {m}×{k} matrix, got {X0.shape[0]}×{X0.shape[1]}")
    _, sigma, Vh = torch.linalg.svd(A64, full_matrices=True)
    s2 = np.zeros(k)
    s2[: sigma.numel()] = sigma.numpy() ** 2
    R0 = X0 @ A64 - torch.eye(k, dtype=torch.float64)
    weights = ((R0 @ Vh.T) ** 2).sum(dim=0).numpy()
    return weights, s2, k


def predicted_losses(A: Any, *, lr: Any, steps: int, X0: Any = None) -> np.ndarray:
    """The loss curve plain gradient descent follows, in closed form: ``L_t`` for t = 0..steps.

    ``X0`` is the starting X (k×m; zeros if None). The formula is in the module
    docstring; it is exact arithmetic, so a float32 run follows it until rounding
    takes over.
    """
    A = as_matrix(A)
    lr = resolve_lr(lr, A)
    steps = check_int("steps", steps, low=0, high=10**7)
    weights, s2, k = _modes(A, X0)
    t = np.arange(steps + 1, dtype=np.float64)
    rows = max(1, 2**22 // k)  # bound the (steps × k) table to 32 MB at a time
    with np.errstate(over="ignore", under="ignore"):
        q2 = (1 - 2 * lr * s2 / k**2) ** 2
        parts = [(weights * q2 ** t[i : i + rows, None]).sum(axis=1) for i in range(0, t.size, rows)]
    return np.concatenate(parts) / k**2


def predicted_final_losses(A: Any, lrs: Any, *, steps: int, X0: Any = None) -> np.ndarray:
    """The theory's loss after ``steps`` steps for each learning rate in ``lrs`` (the curve of a sweep)."""
    A = as_matrix(A)
    lrs = np.asarray([check_float("every lr", float(lr), low=0.0, low_open=True) for lr in np.ravel(lrs)])
    steps = check_int("steps", steps, low=0, high=10**7)
    weights, s2, k = _modes(A, X0)
    with np.errstate(over="ignore", under="ignore"):
        q2 = (1 - 2 * lrs[:, None] * s2[None, :] / k**2) ** 2
        return (weights * q2**steps).sum(axis=1) / k**2


def steps_to_tolerance(A: Any, *, lr: Any, tol: float, X0: Any = None) -> int | None:
    """The first step at which the theory's loss is at or below ``tol``; None if it never is.

    Never happens when ``tol`` is below the loss floor (k − rank)/k², or when lr
    is outside the stable range and the loss grows.
    """
    A = as_matrix(A)
    lr = resolve_lr(lr, A)
    tol = check_float("tol", tol, low=0.0, low_open=True)
    weights, s2, k = _modes(A, X0)
    with np.errstate(over="ignore"):
        log_q2 = np.log(np.maximum((1 - 2 * lr * s2 / k**2) ** 2, 1e-300))

    def loss(t: float) -> float:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # 0·inf at t = 0 past the stable limit
            return float((weights * np.exp(t * log_q2)).sum() / k**2)

    if loss(0) <= tol:
        return 0
    if np.any((log_q2 > 0) & (weights > 0)):
        return None
    high = 1
    while loss(high) > tol:
        high *= 2
        if high > 2**62:
            return None
    low = high // 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if loss(mid) <= tol else (mid, high)
    return high
