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

from .cost import require
from .errors import GdInverseError, MatrixInputError, ParameterError, check_choice, check_float, check_int
from .limits import MAX_ENTRIES, MAX_SEED, MAX_STEPS
from .matrices import as_matrix
from .spectrum import Spectrum, known_shape, require_before_conversion
from .theory import SEED_LR, LrBounds, check_scale, check_size, residual, resolve_lr
from .verdict import Verdict, judge

__all__ = ["MAX_STEPS", "METHODS", "SEED_LR", "DescentResult", "GradientDescent", "gd_inverse"]

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
DIVERGENCE_FACTOR = 1e6
"""A run has diverged once its loss is non-finite or above this many times its start."""
_CHUNK_ELEMENTS = 2**20  # residuals buffered between loss reductions: at most 4 MB of float32 ...
_CHUNK_STEPS = 256  # ... and at most 256 steps' worth
BLOW_UP_FRAMES = 5
"""After a divergence, the snapshots hold X at the last this many steps before it (the blow-up)."""
_State = tuple[int, torch.Tensor, torch.Tensor, "torch.Tensor | None", Any]  # t, X, R, V, Adam's state


class GradientDescent:
    """One gradient-descent run on ``mean((X @ A − I)²)``, advanced a step at a time.

    ``lr`` is a positive number, ``"optimal"`` (the best constant lr for this A,
    or the method's own optimum) or ``"seed"`` (0.2·ln 10). ``init`` starts X at
    ``torch.rand`` after seeding ``seed`` (as the seed does) or at zeros.
    ``gradient="autograd"`` computes ∇ by backpropagation as the seed does;
    ``"analytic"`` uses (2/k²)(XA − I)Aᵀ and fuses the update into two matrix
    products (far fewer operations than backpropagation); ``"auto"`` is autograd for
    ``lr="seed"`` (so the seed's run is reproduced bit for bit, down to the sign
    of its tiny residuals) and analytic otherwise. ``momentum`` is β for the
    momentum methods (theory's β if None).

    The engine can carry several runs at once, one per learning rate, along a
    leading batch dimension (:meth:`batched`, used by :func:`gdinverse.lr_sweep`):
    :meth:`advance` steps them all and writes each step's residual norms without
    a host sync, :meth:`norms` gives the norms now, :meth:`divergence` says which
    have blown up; ``runs`` is their number and ``options`` the dtype and device
    for tensors that go with them.
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
        spectrum: Spectrum | None = None,
    ) -> None:
        self.A = as_matrix(A, dtype=dtype, device=device)
        check_scale(self.A, self.A.dtype)
        self._given = _as_given(A, self.A)
        if spectrum is not None:
            self.spectrum = _check_spectrum(spectrum, self._given, self.A.dtype)
        self.method = check_choice("method", method, METHODS)
        self.init = check_choice("init", init, INITS)
        self.gradient = check_choice("gradient", gradient, GRADIENTS)
        if self.gradient == "auto":
            self.gradient = "autograd" if (lr == "seed" and method == "gd") else "analytic"
        self.seed = check_int("seed", seed, low=0, high=MAX_SEED)
        self.divergence_factor = DIVERGENCE_FACTOR
        self.lr, self.momentum = self._hyperparameters(lr, momentum)
        self._beta = 0.0 if self.momentum is None else self.momentum
        self.t = 0
        self._like: dict[str, Any] = {"dtype": self.A.dtype, "device": self.A.device}
        self._X = self._start()[None]
        self._use_batch([self.lr])
        self._start_norm = float(self.norms()[0])

    @classmethod
    def batched(
        cls,
        A: Any,
        lrs: Sequence[float],
        *,
        seed: int = 314,
        init: str = "rand",
        dtype: Any = None,
        device: Any = None,
        spectrum: Spectrum | None = None,
    ) -> GradientDescent:
        """Plain gradient descent from one start, one run per learning rate in ``lrs`` (positive numbers)."""
        lrs = [check_float("every lr", lr, low=0.0, low_open=True) for lr in lrs]
        if not lrs:
            raise ParameterError("lrs must be a non-empty list of learning rates such as [0.1, 0.5], got none")
        engine = cls(A, lr=lrs[0], seed=seed, init=init, dtype=dtype, device=device, spectrum=spectrum)
        engine._use_batch(lrs)
        return engine

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
        # resolve_lr reads the matrix only for "optimal", taken care of here: a number or "seed" needs no analysis
        if self.method == "gd":
            return (self.bounds.optimal if lr == "optimal" else resolve_lr(lr, None)), None
        if self.method == "adam":
            return (ADAM_LR if lr == "optimal" else resolve_lr(lr, None)), None
        theory_lr, theory_beta = self.bounds.heavy_ball if self.method == "momentum" else self.bounds.nesterov
        # momentum's error may first grow by about κ before it shrinks (a transient the theory allows):
        # stop such a run only past a κ²-times larger rise of the loss
        seen = self.bounds.sigma_max / self.bounds.resolved_sigma_min  # the condition number the dynamics sees
        self.divergence_factor = DIVERGENCE_FACTOR * max(1.0, seen**2)
        lr = theory_lr if lr == "optimal" else resolve_lr(lr, None)
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
        self._buffer: torch.Tensor | None = None  # the residuals of a chunk, see advance
        self._views: tuple[torch.Tensor, ...] = ()
        self._optimizer = torch.optim.Adam([self._X], lr=self.lr) if self.method == "adam" else None

    def _checkpoint(self, reuse: _State | None = None) -> _State:
        """What :meth:`_restore` needs to take the run back to this step (written into ``reuse``'s tensors if
        given: no allocation per checkpoint)."""
        momentum = self.method in ("momentum", "nesterov")
        if reuse is None:
            X, R = self._X.detach().clone(), self._R.clone()
            velocity = self._V.clone() if momentum else None
        else:
            _, X, R, velocity, _ = reuse
            X.copy_(self._X.detach())
            R.copy_(self._R)
            if velocity is not None:
                velocity.copy_(self._V)
        adam = copy.deepcopy(self._optimizer.state_dict()) if self._optimizer is not None else None
        return self.t, X, R, velocity, adam

    def _restore(self, state: _State) -> None:
        self.t, X, self._R, velocity, adam = state
        with torch.no_grad():
            self._X.copy_(X)  # in place: Adam holds this tensor
        if velocity is not None:
            self._V.copy_(velocity)
        if adam is not None and self._optimizer is not None:
            self._optimizer.load_state_dict(adam)

    # ---------------------------------------------------------------- state

    @property
    def runs(self) -> int:
        """How many runs the engine carries (one per learning rate; 1 unless :meth:`batched`)."""
        return self._X.shape[0]

    @property
    def options(self) -> dict[str, Any]:
        """The dtype and device of the engine's tensors, as keyword arguments for ``torch.empty`` and the like."""
        return dict(self._like)

    @functools.cached_property
    def spectrum(self) -> Spectrum:
        """The matrix analysed once (:class:`gdinverse.Spectrum`): as given (κ is :func:`gdinverse.condition_number`
        of the values passed in, not of their float32 rounding) and as the engine's dtype rounds it."""
        return Spectrum.of(self._given, dtype=self.A.dtype)

    @functools.cached_property
    def bounds(self) -> LrBounds:
        """The theory's learning rates for this matrix (:func:`gdinverse.lr_bounds` of :attr:`spectrum`)."""
        return LrBounds.of(self.spectrum)

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
        return float(self.norms()[0]) ** 2 / self.A.shape[1] ** 2

    @property
    def grad(self) -> torch.Tensor:
        """The gradient of the loss at the current X."""
        return self._gradient(self._X)[0]

    @property
    def update(self) -> torch.Tensor:
        """The change the next :meth:`step` will make to X (for plain GD, −lr·∇)."""
        shared = {id(self.spectrum): self.spectrum}  # the analysis is the same for the probe: never copied
        probe = copy.deepcopy(self, shared)
        probe.step()
        return probe.X - self.X

    @property
    def diverged(self) -> bool:
        """True once the loss is non-finite or has grown a millionfold from its start."""
        return bool(self.divergence(self.norms()[:1])[0])

    def norms(self) -> torch.Tensor:
        """‖X @ A − I‖_F of every run now (one number per run, on the engine's device; the loss is its square/k²)."""
        return torch.linalg.vector_norm(self._R.flatten(1), dim=1)

    def divergence(self, norms: torch.Tensor) -> torch.Tensor:
        """Where residual norms (of :meth:`advance` or :meth:`norms`, runs along the last dimension) mean a run
        has diverged: non-finite, or a loss over ``divergence_factor`` times the start's."""
        start = torch.as_tensor(self._start_norm, dtype=norms.dtype, device=norms.device)
        limit = math.sqrt(self.divergence_factor) * start.clamp_min(torch.finfo(norms.dtype).tiny)
        return ~(norms <= limit)  # NaN compares false: caught too

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
        """Take ``n`` steps; return the loss after each of them (of the first run)."""
        n = check_int("n", n, low=1, high=MAX_STEPS)
        norms = torch.empty(n, self.runs, **self._like)
        self.advance(n, norms)
        return norms[:, 0].double().cpu().numpy() ** 2 / self.A.shape[1] ** 2

    @torch.no_grad()
    def advance(self, n: int, norms_out: torch.Tensor) -> None:
        """Take ``n`` steps of every run, writing ‖X@A − I‖_F after each into ``norms_out``, with no host sync.

        ``norms_out`` is an n × ``runs`` tensor with the engine's ``options``. Residuals go into a buffer
        of views and their norms are taken once per chunk, so a step costs two matrix products and no
        extra pass. ``n`` is not checked here (the loop's callers do): use :meth:`step` for a checked call.
        """
        buffer = self._buffer
        if buffer is None:  # allocated once and reused: fresh 4 MB buffers per call fragment the heap
            B, k, _ = self._R.shape
            rows = max(1, min(_CHUNK_STEPS, _CHUNK_ELEMENTS // (B * k * k)))
            buffer = self._buffer = torch.empty(rows, B, k, k, **self._like)
            self._views = buffer.unbind()
        views = self._views
        update = getattr(self, "_update_" + self.method)
        done = 0
        while done < n:
            size = min(len(views), n - done)
            for i in range(size):
                update()
                self._R = torch.baddbmm(self._neg_eye, self._X, self._A3, out=views[i])
            torch.linalg.vector_norm(buffer[:size].flatten(2), dim=2, out=norms_out[done : done + size])
            done += size
        self.t += n

    def _update_gd(self) -> None:
        if self.gradient == "analytic":
            self._X.baddbmm_(self._R, self._step_At)
        else:
            self._X.sub_(self._lrs.to(**self._like) * self._gradient(self._X))

    def _update_momentum(self) -> None:
        self._V.mul_(self._beta).sub_(self.lr * self._gradient(self._X))
        self._X.add_(self._V)

    def _update_nesterov(self) -> None:
        ahead = self._X + self._beta * self._V
        self._V.mul_(self._beta).sub_(self.lr * self._gradient(ahead))
        self._X.add_(self._V)

    def _update_adam(self) -> None:
        self._X.grad = self._gradient(self._X)
        if self._optimizer is not None:
            self._optimizer.step()

    def _update_newton_schulz(self) -> None:
        # X ← X(2I − AX) = 2X − X(AX)
        self._X = torch.baddbmm(self._X, self._X, torch.bmm(self._A3, self._X), beta=2.0, alpha=-1.0)


def _fits_descent(A: Any) -> bool:
    """Whether ``A``'s shape, read without converting it, passes :func:`gdinverse.theory.check_size` (whose message
    names the residual's size: it comes before the cost's)."""
    shape = known_shape(A)
    return shape is not None and shape[1] * max(shape) <= MAX_ENTRIES


def _check_spectrum(spectrum: Any, given: torch.Tensor, dtype: torch.dtype) -> Spectrum:
    """``spectrum`` if it is the analysis of ``given`` in ``dtype`` (a spectrum of another matrix would make every
    prediction about this run wrong)."""
    if not isinstance(spectrum, Spectrum):
        raise ParameterError(f"spectrum must be a gdinverse.Spectrum or None, got {type(spectrum).__name__}")
    name = str(dtype).removeprefix("torch.")
    values = given.detach().to("cpu", torch.float64)
    if spectrum.dtype != name or not torch.equal(spectrum.entered.matrix, values):
        raise ParameterError(
            f"the spectrum given is of another matrix or precision ({spectrum.shape[0]}×{spectrum.shape[1]} in "
            f"{spectrum.dtype}, the run is {values.shape[0]}×{values.shape[1]} in {name}); pass "
            "gdinverse.Spectrum.of(A, dtype=dtype) of the run's own matrix, or None"
        )
    return spectrum


def _as_given(A: Any, working: torch.Tensor) -> torch.Tensor:
    """The matrix as the caller gave it, for the theory: ``working`` itself when the cast to its dtype kept every
    value (a float32 or float64 tensor), else the values in float64 (lists, numpy arrays, float64 values run in
    float32)."""
    if working.dtype == torch.float64 or (isinstance(A, torch.Tensor) and A.dtype == working.dtype):
        return working
    return as_matrix(A, dtype=torch.float64, device="cpu")


@functools.cache
def _import_adam() -> None:
    """The first ``torch.optim.Adam`` of a process imports ``torch._dynamo``: a one-off cost that is not
    Adam's, so :func:`gd_inverse` pays it before its clock starts."""
    torch.optim.Adam([torch.zeros(1)])


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
    """A finished run of :func:`gd_inverse`; ``verdict`` says how it went."""

    matrix: torch.Tensor = field(repr=False)
    """The matrix the run used, in its working dtype (residuals and losses are of this one)."""
    given: torch.Tensor = field(repr=False)
    """The matrix as given, in its own precision (float64 values run in float32 stay float64 here): the
    theory's κ, learning rates and verdict come from it (:attr:`bounds`)."""
    losses: np.ndarray = field(repr=False)
    """``losses[t]`` is the loss after t steps, t = 0 … the last step run."""
    times: np.ndarray = field(repr=False)
    """Seconds since the run began at each step (setup included in ``times[0]``)."""
    snapshots: Mapping[int, torch.Tensor] = field(repr=False)
    """X at the recorded steps 0, k, 2k, … and the last step, in order; after a divergence, also the last
    :data:`BLOW_UP_FRAMES` steps before it."""
    inverse: torch.Tensor = field(repr=False)
    """The final X (after a divergence, the last X before it)."""
    lr: float
    momentum: float | None
    method: str
    steps: int
    record_every: int
    """The stride actually used (raised if ``steps/record_every`` exceeded the snapshot cap)."""
    diverged: bool
    stopped_at: int | None
    spectrum: Spectrum = field(repr=False)
    """The matrix analysed once, as given and as the run rounds it (:class:`gdinverse.Spectrum`): the bounds, the
    verdict, the theory's curves and the direction view all read it."""

    @functools.cached_property
    def bounds(self) -> LrBounds:
        """:func:`gdinverse.lr_bounds` of the matrix as given, resolved in the run's dtype (the engine's
        :attr:`GradientDescent.bounds`): its κ is :func:`gdinverse.condition_number` of the matrix as given."""
        return LrBounds.of(self.spectrum)

    @functools.cached_property
    def verdict(self) -> Verdict:
        """Converged, running, stalled or diverged, with a message (:func:`gdinverse.verdict.judge`), judged on
        first use and kept."""
        try:
            bounds: LrBounds | None = self.bounds
        except GdInverseError:  # all zeros: judge says so (only reachable with a numeric lr)
            bounds = None
        return judge(
            self.matrix,
            self.inverse,
            self.losses,
            method=self.method,
            lr=self.lr,
            momentum=self.momentum,
            stopped_at=self.stopped_at,
            bounds=bounds,
            spectrum=self.spectrum,
        )

    @property
    def stalled(self) -> bool:
        """True if float32 rounding stopped the run short of the answer (``verdict.status == "stalled"``)."""
        return self.verdict.status == "stalled"

    @property
    def message(self) -> str:
        """One paragraph on how the run went (``verdict.message``)."""
        return self.verdict.message

    def residual(self, step: int) -> torch.Tensor:
        """X @ A − I at a recorded step (the seed's ``Diff``)."""
        step = check_int("step", step, low=0)
        if step not in self.snapshots:
            shown = ", ".join(map(str, list(self.snapshots)[:8]))
            raise ParameterError(
                f"step {step!r} was not recorded; recorded steps are {shown}"
                f"{', …' if len(self.snapshots) > 8 else ''} (every {self.record_every})"
            )
        return residual(self.snapshots[step], self.matrix)

    def product(self, step: int) -> torch.Tensor:
        """X @ A at a recorded step: the identity once X is the inverse."""
        R = self.residual(step)
        return R + torch.eye(R.shape[0], dtype=R.dtype, device=R.device)

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def settle_window(self) -> int:
        """How many steps a loss must stay below a tolerance to count as settled: max(10, 5% of the run)."""
        return max(10, math.ceil(0.05 * (self.losses.size - 1)))

    def steps_to_tolerance(self, tol: float) -> int | None:
        """The first step after which the loss stays below ``tol`` to the end, provided the run went on for
        at least :meth:`settle_window` steps after it; None ("not settled") otherwise.

        A loss that is below ``tol`` only for the last step or two has not settled: Adam at a constant lr
        dips under a tolerance and climbs back out.
        """
        tol = check_float("tol", tol, low=0.0, low_open=True)
        above = np.flatnonzero(~(self.losses < tol))
        settled = 0 if above.size == 0 else int(above[-1]) + 1
        return settled if self.losses.size - 1 - settled >= self.settle_window() else None

    def first_below(self, tol: float) -> int | None:
        """The first step the loss is below ``tol``, even if it climbs back (None if it never is)."""
        tol = check_float("tol", tol, low=0.0, low_open=True)
        below = np.flatnonzero(self.losses < tol)
        return int(below[0]) if below.size else None

    def distance_to(self, reference: Any) -> float:
        """Relative Frobenius distance ‖X − reference‖ / ‖reference‖ of the final X, in float64 (a float64
        reference is not rounded to the run's precision first)."""
        ref = as_matrix(reference, dtype=torch.float64, device=self.inverse.device, name="reference")
        if ref.shape != self.inverse.shape:
            raise ParameterError(f"reference must be {tuple(self.inverse.shape)}, got {tuple(ref.shape)}")
        return float(torch.linalg.norm(self.inverse.double() - ref) / torch.linalg.norm(ref))


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
    spectrum: Spectrum | None = None,
) -> DescentResult:
    """Approximate the inverse of ``A`` by gradient descent on ``mean((X @ A − I)²)``.

    Runs ``steps`` steps of ``method`` (see :data:`METHODS`) and records every loss
    and X at steps 0, ``record_every``, 2·``record_every``, … and the last. At most
    ``max_snapshots`` X are kept: when ``steps/record_every`` would exceed it the
    stride is raised (``result.record_every`` says to what). The defaults
    reproduce the seed notebook with ``lr="seed"`` on ``preset("diag1234")``;
    ``lr="optimal"`` is the best constant rate for any matrix.

    The run stops early if it diverges (``.diverged``, ``.stopped_at``); its
    snapshots then also hold the last steps before the blow-up. ``.verdict``
    says whether the run converged, is still running (and how many more steps
    the theory predicts), stalled on float32 rounding, or diverged. See the
    module docstring for non-square and singular matrices. ``on_step(done, steps)``
    is called as the run advances, e.g. to drive a progress bar. ``spectrum`` is
    :class:`gdinverse.Spectrum` ``.of(A, dtype=dtype)`` when the caller has it already (else it is made here).

    The run's time and memory are estimated before anything is allocated (:func:`gdinverse.cost.require`): a run
    over the limits (10 s and 2 GB a call by default) is refused with a :class:`gdinverse.CostError` saying how
    many steps, or how big a matrix, would fit. Beyond 128 rows the learning rates come from an estimate of σ_max
    and κ (:func:`gdinverse.lr_bounds`), and the verdict computes singular vectors only if the dtype cannot resolve
    every direction.
    """
    if method == "adam":
        _import_adam()
    clock = time.perf_counter()
    if on_step is not None and not callable(on_step):
        raise ParameterError(f"on_step must be a function on_step(done, steps) or None, got {on_step!r:.60}")
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    record_every = check_int("record_every", record_every, low=1, high=MAX_STEPS)
    max_snapshots = check_int("max_snapshots", max_snapshots, low=2, high=MAX_STEPS)
    stride = _stride(steps, record_every, max_snapshots)
    kept = min(max_snapshots, math.ceil(steps / stride) + 1) + BLOW_UP_FRAMES
    sizes = {"steps": steps, "snapshots": kept}
    early = require_before_conversion(A, "gd_inverse", dtype=dtype, **sizes) if _fits_descent(A) else False
    M = as_matrix(A, dtype=dtype, device=device)
    check_size(M)
    if not early:
        require("gd_inverse", (M.shape[0], M.shape[1]), dtype=M.dtype, **sizes)
    engine = GradientDescent(
        A,
        lr=lr,
        seed=seed,
        init=init,
        method=method,
        momentum=momentum,
        gradient=gradient,
        dtype=dtype,
        device=device,
        spectrum=spectrum,
    )
    norms = torch.empty(steps + 1, 1, **engine.options)
    norms[0] = engine.norms()
    snapshots = {0: engine.X}
    marks = [(0, time.perf_counter() - clock)]
    report_every = max(64, steps // 100)  # at most ~100 progress reports and divergence checks
    checkpoints: list[_State] = []  # a ring of the last chunks' starts, to replay a blow-up
    done, stopped_at = 0, None
    while done < steps:
        size = min(stride - done % stride, report_every - done % report_every, steps - done)
        if len(checkpoints) <= BLOW_UP_FRAMES:
            checkpoints.append(engine._checkpoint())
        else:  # overwrite the oldest in place
            oldest = min(range(len(checkpoints)), key=lambda i: checkpoints[i][0])
            checkpoints[oldest] = engine._checkpoint(reuse=checkpoints[oldest])
        engine.advance(size, norms[done + 1 : done + 1 + size])
        bad = engine.divergence(norms[done + 1 : done + 1 + size, 0])
        if bad.any():
            stopped_at = done + 1 + int(bad.nonzero()[0])
            break
        done += size
        marks.append((done, time.perf_counter() - clock))
        if done % stride == 0 or done == steps:
            snapshots[done] = engine.X
        if on_step is not None:
            on_step(done, steps)
    if stopped_at is not None:
        snapshots |= _blow_up(engine, checkpoints, stopped_at, max_snapshots - len(snapshots))
    last = stopped_at if stopped_at is not None else steps
    losses = norms[: last + 1, 0].double().cpu().numpy() ** 2 / engine.A.shape[1] ** 2
    if stopped_at is not None and not np.isfinite(losses[-1]):
        losses = losses[:-1]
    mark_steps, mark_secs = zip(*marks, strict=True)
    times = np.interp(np.arange(losses.size), mark_steps, mark_secs)
    losses.flags.writeable = times.flags.writeable = False
    snapshots = dict(sorted(snapshots.items()))
    return DescentResult(
        matrix=engine.A,
        given=engine._given,
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
        spectrum=engine.spectrum,
    )


def _blow_up(engine: GradientDescent, checkpoints: list[_State], stopped_at: int, room: int) -> dict[int, torch.Tensor]:
    """X at the last steps before ``stopped_at`` (at most ``room`` of them, the last finite X always).

    Replays the run from the latest checkpoint early enough, one step at a time: the same arithmetic, so the
    same X as the first time.
    """
    first = max(0, stopped_at - min(BLOW_UP_FRAMES, max(room, 1)))
    ordered = sorted(checkpoints, key=lambda c: c[0])
    start = next((c for c in reversed(ordered) if c[0] <= first), ordered[0])
    engine._restore(start)
    scratch = torch.empty(1, engine.runs, **engine.options)
    frames = {}
    if start[0] >= first:
        frames[start[0]] = engine.X
    while engine.t < stopped_at - 1:
        engine.advance(1, scratch)
        if engine.t >= first:
            frames[engine.t] = engine.X
    return frames
