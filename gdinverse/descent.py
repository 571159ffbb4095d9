r"""Gradient descent towards an inverse: the step-by-step engine and whole runs.

Plain gradient descent minimises the seed's loss ``mean((X @ A − I)²)``:

.. math:: X \leftarrow X - lr\cdot\tfrac{2}{k^2}(XA - I)A^\top.

If A is m×k, X is k×m and X @ A ≈ I_k. For a square invertible A the minimum is
A⁻¹. For a tall A (m > k, full column rank) every left inverse reaches loss 0;
for a wide or singular A the loss cannot reach 0 and stops at the floor
(k − rank)/k². Why zeros lead to the pseudo-inverse: each gradient
(2/k²)(XA − I)Aᵀ has its rows in the row space of Aᵀ (the span of A's columns),
so from X₀ = 0 every iterate does too, X = W Aᵀ. Among all minimisers exactly one
has that form, the Moore–Penrose pseudo-inverse A⁺ (the least-squares,
minimum-norm left inverse). From a random X₀ the part of X₀ orthogonal to that
space never changes, so the run ends at A⁺ plus that part.

:class:`GradientDescent` holds one run and advances it on request (the app's
step-through mode); :func:`gd_inverse` drives it for a whole run and records
the losses and snapshots. Both share one step, so they never disagree.
"""

from __future__ import annotations

import copy
import functools
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .errors import GdInverseError, MatrixInputError, ParameterError, check_choice, check_float, check_int
from .matrices import as_matrix
from .theory import SEED_LR, LrBounds, check_scale, check_size, lr_bounds, numerical_rank, resolve_lr

__all__ = ["METHODS", "SEED_LR", "DescentResult", "GradientDescent", "gd_inverse"]

METHODS: dict[str, str] = {
    "gd": "plain gradient descent X ← X − lr·∇, the seed's method",
    "momentum": "heavy ball: V ← βV − lr·∇, X ← X + V (Polyak's optimal lr and β by default)",
    "nesterov": "Nesterov's accelerated gradient, the gradient taken at the look-ahead X + βV",
    "adam": "Adam (torch.optim.Adam) with a constant lr",
    "newton_schulz": "Newton–Schulz iteration X ← X(2I − AX) from X₀ = Aᵀ/σ_max², no learning rate",
}
INITS = ("rand", "zeros")
GRADIENTS = ("auto", "analytic", "autograd")
ADAM_LR = 0.1
"""Adam's default lr. Theory gives none: Adam moves every entry by about lr a step whatever the gradient's size,
so lr must be small next to the inverse's entries (here 0.1) and a constant lr leaves it hovering, not settled."""
MAX_STEPS = 10_000_000
DIVERGENCE_FACTOR = 1e6
"""A run has diverged once its loss is non-finite or above this many times its start."""
_CHUNK_ELEMENTS = 2**20  # residuals buffered between loss reductions: at most 4 MB of float32 ...
_CHUNK_STEPS = 256  # ... and at most 256 steps' worth


class GradientDescent:
    """One gradient-descent run on ``mean((X @ A − I)²)``, advanced a step at a time.

    ``lr`` is a positive number, ``"optimal"`` (the best constant lr for this A,
    or the method's own optimum) or ``"seed"`` (0.2·ln 10). ``init`` starts X at
    ``torch.rand`` after seeding ``seed`` (as the seed does) or at zeros.
    ``gradient="autograd"`` computes ∇ by backpropagation as the seed does;
    ``"analytic"`` uses (2/k²)(XA − I)Aᵀ and fuses the update into two matrix
    products (about 30× faster on small matrices); ``"auto"`` is autograd for
    ``lr="seed"`` (so the seed's run is reproduced bit for bit, down to the sign
    of its tiny residuals) and analytic otherwise. ``momentum`` is β for the
    momentum methods (theory's β if None).
    """

    def __init__(
        self,
        A: Any,
        *,
        lr: float | str = "optimal",
        seed: int = 314,
        init: str = "rand",
        method: str = "gd",
        momentum: float | None = None,
        gradient: str = "auto",
        dtype: Any = None,
        device: Any = None,
    ) -> None:
        self.A = as_matrix(A, dtype=dtype, device=device)
        check_scale(self.A, self.A.dtype)
        self.method = check_choice("method", method, METHODS)
        self.init = check_choice("init", init, INITS)
        self.gradient = check_choice("gradient", gradient, GRADIENTS)
        if self.gradient == "auto":
            self.gradient = "autograd" if (lr == "seed" and method == "gd") else "analytic"
        self.seed = check_int("seed", seed, low=0, high=2**63 - 1)
        self.divergence_factor = DIVERGENCE_FACTOR
        self.lr, self.momentum = self._hyperparameters(lr, momentum)
        self.t = 0
        self._like = {"dtype": self.A.dtype, "device": self.A.device}
        self._X = self._start()[None]
        self._use_batch([self.lr])
        self._start_norm = float(self._norms_now()[0])

    # ---------------------------------------------------------------- setup

    def _hyperparameters(self, lr: Any, momentum: Any) -> tuple[float, float | None]:
        if self.method == "newton_schulz":
            if lr != "optimal" or momentum is not None:
                raise ParameterError("newton_schulz takes no lr or momentum; leave them at their defaults")
            return math.nan, None
        if self.method in ("gd", "adam") and momentum is not None:
            raise ParameterError(f"momentum is for 'momentum' and 'nesterov', not {self.method!r}")
        if self.gradient == "autograd" and self.method != "gd":
            raise ParameterError("gradient='autograd' is offered for method 'gd' only")
        if self.method == "gd":
            return (self.bounds.optimal if lr == "optimal" else resolve_lr(lr, self.A)), None
        if self.method == "adam":
            return (ADAM_LR if lr == "optimal" else resolve_lr(lr, self.A)), None
        theory_lr, theory_beta = self.bounds.heavy_ball if self.method == "momentum" else self.bounds.nesterov
        # momentum's error may first grow by about κ before it shrinks (a transient the theory allows):
        # stop such a run only past a κ²-times larger rise of the loss
        self.divergence_factor = DIVERGENCE_FACTOR * max(1.0, self.bounds.condition_number**2)
        lr = theory_lr if lr == "optimal" else resolve_lr(lr, self.A)
        beta = theory_beta if momentum is None else check_float("momentum", momentum, low=0.0, high=1.0)
        return lr, beta

    def _start(self) -> torch.Tensor:
        m, k = self.A.shape
        if self.method == "newton_schulz":
            sigma = _sigma_max_estimate(self.A)
            if sigma == 0:
                raise MatrixInputError(f"the {m}×{k} matrix is all zeros; Newton–Schulz has nothing to learn from it")
            return self.A.T / sigma / sigma
        if self.init == "zeros":
            return torch.zeros(k, m, **self._like)
        gen = torch.Generator().manual_seed(self.seed)
        return torch.rand(k, m, generator=gen, dtype=torch.float32).to(**self._like)

    def _use_batch(self, lrs: Sequence[float]) -> None:
        """Run one copy of the start per learning rate, along a leading batch dimension."""
        B, (m, k) = len(lrs), self.A.shape
        check_size(self.A, runs=B)
        self._lrs = torch.tensor(lrs, dtype=torch.float64).reshape(B, 1, 1)
        self._X = self._X[:1].expand(B, k, m).contiguous()
        self._V = torch.zeros_like(self._X)
        self._A3 = self.A.expand(B, m, k).contiguous()
        self._At3 = self.A.T.expand(B, k, m).contiguous()
        self._neg_eye = (-torch.eye(k, **self._like)).expand(B, k, k).contiguous()
        # X ← X + R @ step_At is X ← X − lr·(2/k²)·R·Aᵀ
        self._step_At = ((-2.0 / k**2) * self._lrs).to(**self._like) * self._At3
        self._R = torch.baddbmm(self._neg_eye, self._X, self._A3)
        self._buffer = self._views = None  # the residuals of a chunk, see _advance
        self._optimizer = torch.optim.Adam([self._X], lr=self.lr) if self.method == "adam" else None

    # ---------------------------------------------------------------- state

    @functools.cached_property
    def bounds(self) -> LrBounds:
        """The theory's learning rates for this matrix (:func:`gdinverse.lr_bounds`), computed once."""
        return lr_bounds(self.A)

    @property
    def X(self) -> torch.Tensor:
        """The current estimate of the inverse (k×m)."""
        return self._X[0].detach().clone()

    @property
    def residual(self) -> torch.Tensor:
        """X @ A − I at the current X: the seed's ``Diff``."""
        return self._R[0].clone()

    @property
    def loss(self) -> float:
        """mean((X @ A − I)²) at the current X."""
        return float(self._norms_now()[0]) ** 2 / self.A.shape[1] ** 2

    @property
    def grad(self) -> torch.Tensor:
        """The gradient of the loss at the current X."""
        return self._gradient(self._X)[0]

    @property
    def update(self) -> torch.Tensor:
        """The change the next :meth:`step` will make to X (for plain GD, −lr·∇)."""
        probe = copy.deepcopy(self)
        probe.step()
        return probe.X - self.X

    @property
    def diverged(self) -> bool:
        """True once the loss is non-finite or has grown a millionfold from its start."""
        return _diverged(self._norms_now()[:1], self._start_norm, self.divergence_factor)[0].item()

    def _norms_now(self) -> torch.Tensor:
        return torch.linalg.vector_norm(self._R.flatten(1), dim=1)

    def _gradient(self, X: torch.Tensor) -> torch.Tensor:
        k = self.A.shape[1]
        if self.gradient == "analytic":
            return (2.0 / k**2) * torch.bmm(torch.baddbmm(self._neg_eye, X, self._A3), self._At3)
        with torch.enable_grad():
            Xg = X.detach().requires_grad_(True)
            loss = ((-self._neg_eye - Xg @ self._A3) ** 2).mean(dim=(1, 2)).sum()  # the seed's mse
            (grad,) = torch.autograd.grad(loss, Xg)
        return grad

    # ---------------------------------------------------------------- stepping

    def step(self, n: int = 1) -> np.ndarray:
        """Take ``n`` steps; return the loss after each of them."""
        n = check_int("n", n, low=1, high=MAX_STEPS)
        norms = torch.empty(n, self._X.shape[0], **self._like)
        self._advance(n, norms)
        return norms[:, 0].double().cpu().numpy() ** 2 / self.A.shape[1] ** 2

    @torch.no_grad()
    def _advance(self, n: int, norms_out: torch.Tensor) -> None:
        """Take n steps, writing ‖X@A − I‖ after each into norms_out (n × batch), with no host sync.

        Residuals go into a buffer of views and their norms are taken once per
        chunk, so a step costs two matrix products and no extra pass.
        """
        if self._buffer is None:  # allocated once and reused: fresh 4 MB buffers per call fragment the heap
            B, k, _ = self._R.shape
            rows = max(1, min(_CHUNK_STEPS, _CHUNK_ELEMENTS // (B * k * k)))
            self._buffer = torch.empty(rows, B, k, k, **self._like)
            self._views = self._buffer.unbind()
        update = getattr(self, "_update_" + self.method)
        done = 0
        while done < n:
            size = min(len(self._views), n - done)
            for i in range(size):
                update()
                self._R = torch.baddbmm(self._neg_eye, self._X, self._A3, out=self._views[i])
            torch.linalg.vector_norm(self._buffer[:size].flatten(2), dim=2, out=norms_out[done : done + size])
            done += size
        self.t += n

    def _update_gd(self) -> None:
        if self.gradient == "analytic":
            self._X.baddbmm_(self._R, self._step_At)
        else:
            self._X.sub_(self._lrs.to(**self._like) * self._gradient(self._X))

    def _update_momentum(self) -> None:
        self._V.mul_(self.momentum).sub_(self.lr * self._gradient(self._X))
        self._X.add_(self._V)

    def _update_nesterov(self) -> None:
        ahead = self._X + self.momentum * self._V
        self._V.mul_(self.momentum).sub_(self.lr * self._gradient(ahead))
        self._X.add_(self._V)

    def _update_adam(self) -> None:
        self._X.grad = self._gradient(self._X)
        self._optimizer.step()

    def _update_newton_schulz(self) -> None:
        # X ← X(2I − AX) = 2X − X(AX)
        self._X = torch.baddbmm(self._X, self._X, torch.bmm(self._A3, self._X), beta=2.0, alpha=-1.0)


@functools.cache
def _import_adam() -> None:
    """The first ``torch.optim.Adam`` of a process imports ``torch._dynamo`` (about 2 s here): a one-off cost
    that is not Adam's, so :func:`gd_inverse` pays it before its clock starts."""
    torch.optim.Adam([torch.zeros(1)])


def _diverged(
    norms: torch.Tensor, start_norms: float | torch.Tensor, factor: float = DIVERGENCE_FACTOR
) -> torch.Tensor:
    """Where a residual norm is non-finite or its loss is over ``factor`` times the start's."""
    start = torch.as_tensor(start_norms, dtype=norms.dtype, device=norms.device)
    limit = math.sqrt(factor) * start.clamp_min(torch.finfo(norms.dtype).tiny)
    return ~(norms <= limit)  # NaN compares false: caught too


def _sigma_max_estimate(A: torch.Tensor, iterations: int = 30) -> float:
    """σ_max by power iteration on AᵀA from a fixed random start (a Rayleigh quotient, never above σ_max)."""
    A64 = A.detach().to("cpu", torch.float64)
    scale = float(A64.abs().max())
    if scale == 0:
        return 0.0
    A64 = A64 / scale  # entries at most 1: σ² neither overflows nor underflows in the norms
    v = torch.randn(A64.shape[1], generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for _ in range(iterations):
        v = A64.T @ (A64 @ v)
        v = v / torch.linalg.vector_norm(v)
    return scale * float(torch.linalg.vector_norm(A64 @ v))


# -------------------------------------------------------------------- whole runs


class Snapshots(Mapping[int, torch.Tensor]):
    """A read-only, ordered mapping step -> X (picklable, so results can be cached)."""

    def __init__(self, items: dict[int, torch.Tensor]) -> None:
        self._items = dict(items)

    def __getitem__(self, step: int) -> torch.Tensor:
        return self._items[step]

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Snapshots(steps={list(self._items)})"


@dataclass(frozen=True)
class DescentResult:
    """A finished run of :func:`gd_inverse`."""

    matrix: torch.Tensor = field(repr=False)
    losses: np.ndarray = field(repr=False)
    """``losses[t]`` is the loss after t steps, t = 0 … the last step run."""
    times: np.ndarray = field(repr=False)
    """Seconds since the run began at each step (setup included in ``times[0]``)."""
    snapshots: Mapping[int, torch.Tensor] = field(repr=False)
    """X at the recorded steps 0, k, 2k, … and the last step, in order."""
    inverse: torch.Tensor = field(repr=False)
    """The final X (after a divergence, the last X recorded before it)."""
    lr: float
    momentum: float | None
    method: str
    steps: int
    record_every: int
    """The stride actually used (raised if ``steps/record_every`` exceeded the snapshot cap)."""
    diverged: bool
    stopped_at: int | None
    stalled: bool
    message: str

    def residual(self, step: int) -> torch.Tensor:
        """X @ A − I at a recorded step (the seed's ``Diff``)."""
        step = check_int("step", step, low=0)
        if step not in self.snapshots:
            shown = ", ".join(map(str, list(self.snapshots)[:8]))
            raise ParameterError(
                f"step {step!r} was not recorded; recorded steps are {shown}"
                f"{', …' if len(self.snapshots) > 8 else ''} (every {self.record_every})"
            )
        X = self.snapshots[step]
        return X @ self.matrix - torch.eye(X.shape[0], dtype=X.dtype, device=X.device)

    def product(self, step: int) -> torch.Tensor:
        """X @ A at a recorded step: the identity once X is the inverse."""
        X = self.residual(step)
        return X + torch.eye(X.shape[0], dtype=X.dtype, device=X.device)

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def steps_to_tolerance(self, tol: float) -> int | None:
        """The first step after which the loss stays below ``tol`` to the end; None if it never does."""
        tol = check_float("tol", tol, low=0.0, low_open=True)
        above = np.flatnonzero(~(self.losses < tol))
        if above.size == 0:
            return 0
        return None if above[-1] == self.losses.size - 1 else int(above[-1]) + 1

    def distance_to(self, reference: Any) -> float:
        """Relative Frobenius distance ‖X − reference‖ / ‖reference‖ of the final X."""
        ref = as_matrix(reference, dtype=self.inverse.dtype, device=self.inverse.device, name="reference")
        if ref.shape != self.inverse.shape:
            raise ParameterError(f"reference must be {tuple(self.inverse.shape)}, got {tuple(ref.shape)}")
        return float(torch.linalg.norm(self.inverse - ref) / torch.linalg.norm(ref))


def _stride(steps: int, record_every: int, max_snapshots: int) -> int:
    """record_every, raised so that the ceil(steps/stride) + 1 snapshots fit in max_snapshots."""
    return max(record_every, math.ceil(steps / (max_snapshots - 1)))


def gd_inverse(
    A: Any,
    *,
    lr: float | str = "optimal",
    steps: int = 100,
    seed: int = 314,
    record_every: int = 20,
    init: str = "rand",
    method: str = "gd",
    momentum: float | None = None,
    gradient: str = "auto",
    max_snapshots: int = 200,
    dtype: Any = None,
    device: Any = None,
    on_step: Callable[[int, int], None] | None = None,
) -> DescentResult:
    """Approximate the inverse of ``A`` by gradient descent on ``mean((X @ A − I)²)``.

    Runs ``steps`` steps of ``method`` (see :data:`METHODS`) and records every loss
    and X at steps 0, ``record_every``, 2·``record_every``, … and the last. At most
    ``max_snapshots`` X are kept: when ``steps/record_every`` would exceed it the
    stride is raised (``result.record_every`` says to what). The defaults
    reproduce the seed notebook with ``lr="seed"`` on ``preset("diag1234")``;
    ``lr="optimal"`` is the best constant rate for any matrix.

    The run stops early if it diverges (``.diverged``, ``.stopped_at``), and
    ``.stalled`` says if float32 rounding stopped it short of the answer. See the
    module docstring for non-square and singular matrices. ``on_step(done, steps)``
    is called as the run advances, e.g. to drive a progress bar.
    """
    if method == "adam":
        _import_adam()
    clock = time.perf_counter()
    if on_step is not None and not callable(on_step):
        raise ParameterError(f"on_step must be a function on_step(done, steps) or None, got {on_step!r:.60}")
    engine = GradientDescent(
        A, lr=lr, seed=seed, init=init, method=method, momentum=momentum, gradient=gradient, dtype=dtype, device=device
    )
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    record_every = check_int("record_every", record_every, low=1, high=MAX_STEPS)
    max_snapshots = check_int("max_snapshots", max_snapshots, low=2, high=MAX_STEPS)
    stride = _stride(steps, record_every, max_snapshots)
    norms = torch.empty(steps + 1, 1, **engine._like)
    norms[0] = engine._norms_now()
    snapshots = {0: engine.X}
    marks = [(0, time.perf_counter() - clock)]
    report_every = max(64, steps // 100)  # at most ~100 progress reports and divergence checks
    done, stopped_at = 0, None
    while done < steps:
        size = min(stride - done % stride, report_every - done % report_every, steps - done)
        engine._advance(size, norms[done + 1 : done + 1 + size])
        bad = _diverged(norms[done + 1 : done + 1 + size, 0], engine._start_norm, engine.divergence_factor)
        if bad.any():
            stopped_at = done + 1 + int(bad.nonzero()[0])
            break
        done += size
        marks.append((done, time.perf_counter() - clock))
        if done % stride == 0 or done == steps:
            snapshots[done] = engine.X
        if on_step is not None:
            on_step(done, steps)
    last = stopped_at if stopped_at is not None else steps
    losses = norms[: last + 1, 0].double().cpu().numpy() ** 2 / engine.A.shape[1] ** 2
    if stopped_at is not None and not np.isfinite(losses[-1]):
        losses = losses[:-1]
    mark_steps, mark_secs = zip(*marks, strict=True)
    times = np.interp(np.arange(losses.size), mark_steps, mark_secs)
    stalled = stopped_at is None and _stalled(engine, losses)
    losses.flags.writeable = times.flags.writeable = False
    return DescentResult(
        matrix=engine.A,
        losses=losses,
        times=times,
        snapshots=Snapshots(snapshots),
        inverse=snapshots[max(snapshots)],
        lr=engine.lr,
        momentum=engine.momentum,
        method=engine.method,
        steps=steps,
        record_every=stride,
        diverged=stopped_at is not None,
        stopped_at=stopped_at,
        stalled=stalled,
        message=_message(engine, losses, stopped_at, stalled),
    )


def _stalled(engine: GradientDescent, losses: np.ndarray) -> bool:
    """True if float32 rounding stopped the loss from falling where float64 would go on.

    All must hold: (1) the run is in float32 (float64 is the remedy, and this
    machine has nothing wider); (2) over the last quarter of the run the loss
    fell by less than 10%, and it ends below where it started (a growing loss is
    not a stall); (3) the part of the residual that X can still remove,
    ‖(XA − I)P‖ with P the projector on A's row space, is far above rounding
    level: over 3·eps·κ·√rank (``torch.linalg.inv`` typically leaves about
    0.5·eps·κ per entry), and large enough to show in the loss; (4) for plain
    GD, the theory (:mod:`gdinverse.theory`) says that quarter should have at
    least halved it.
    """
    window = (losses.size - 1) // 4
    A = engine.A
    if A.dtype == torch.float64 or window < 10 or not losses[-1 - window] * 0.9 <= losses[-1] < losses[0]:
        return False
    A64 = A.detach().to("cpu", torch.float64)
    _, sigma, Vh = torch.linalg.svd(A64, full_matrices=False)
    rank = numerical_rank(sigma.numpy(), tuple(A.shape), A.dtype)
    if rank == 0:
        return False
    P = Vh[:rank].T @ Vh[:rank]
    eye = torch.eye(A.shape[1], dtype=torch.float64)

    def removable(X: torch.Tensor) -> float:
        return float(torch.linalg.norm((X.detach().cpu().double() @ A64 - eye) @ P))

    left = removable(engine.X)
    rounding = 3 * torch.finfo(A.dtype).eps * float(sigma[0] / sigma[rank - 1]) * math.sqrt(rank)
    if left <= rounding or left**2 / A.shape[1] ** 2 <= 1e-7 * losses[-1]:
        return False
    return engine.method != "gd" or engine.bounds.factor(engine.lr) ** (2 * window) < 0.5


def _message(engine: GradientDescent, losses: np.ndarray, stopped_at: int | None, stalled: bool) -> str:
    """One sentence on how the run went."""
    start, end = losses[0], losses[-1]
    bounds: LrBounds | None = None
    # the theory costs an SVD: fetch it for a run that went wrong, or if the engine already has it (lr="optimal")
    if stopped_at is not None or end > start or "bounds" in engine.__dict__:
        try:
            bounds = engine.bounds
        except GdInverseError:
            bounds = None
    if stopped_at is not None:
        text = f"Diverged at step {stopped_at}: the loss grew from {start:.4g} to {end:.4g}."
        if engine.method == "gd" and bounds is not None:
            text += (
                f" The learning rate {engine.lr:.4g} is at or above the stable limit {bounds.stable_below:.4g};"
                f" use a smaller one (the optimal lr is {bounds.optimal:.4g})."
            )
        else:
            text += " Lower the learning rate."
        return text
    text = f"Loss {start:.4g} → {end:.4g} in {losses.size - 1} steps"
    text += f" at lr {engine.lr:.4g}." if not math.isnan(engine.lr) else "."
    if stalled:
        text += (
            " Stalled: float32 rounding stopped the loss from falling, far short of the answer, while the"
            f" gradient has not vanished (condition number {engine.bounds.condition_number:.3g});"
            " float64 (dtype=torch.float64) fixes it."
        )
    elif engine.method == "gd" and bounds is not None and engine.lr >= bounds.stable_below:
        text += f" The lr is at or above the stable limit {bounds.stable_below:.4g}, so the loss grows."
    elif engine.method == "gd" and bounds is not None and end > max(1e-3 * start, bounds.floor * 1.001):
        sigma, factor = bounds.slowest(engine.lr)
        if factor > 0.99:
            text += (
                f" Slow: the error along σ = {sigma:.3g} shrinks by only {(1 - factor) * 100:.2g}% a step"
                f" (condition number {bounds.condition_number:.3g}); take more steps or use momentum."
            )
    return text
