"""Cost: the time and memory of an operation, estimated from its sizes before anything is allocated.

:func:`require` is called with an operation's sizes (the matrix's shape, the working dtype, the steps, the runs)
before the operation allocates: what fits runs; what does not is refused at once with a :class:`CostError` that
names the estimate, the limit and what would fit. :func:`estimate` gives the estimate alone.

**Estimates.** Each operation is a sum of kernels (matrix products, LU, SVD, gradient-descent steps, passes over
the entries) whose work is counted from the sizes; :data:`CALIBRATION` holds this machine's speed at each kernel
and the per-step overhead, measured by ``python benchmarks/sizes.py --calibrate`` (the one place the constants
live). Memory is counted as the tensors an operation holds at its peak, in bytes, from the same sizes. The
estimates are for the machine the calibration ran on, unloaded; a loaded machine is slower.

**Limits.** Time: the per-call budget, 10 s unless changed. Memory: the smallest of the per-call budget (2 GB
unless changed), the room left under the process's own limits (cgroup v2 ``memory.max``, cgroup v1
``memory.limit_in_bytes``, ``RLIMIT_AS``, ``RLIMIT_DATA``, each less what is already in use) and the machine's
available memory (``MemAvailable``). :func:`budget` changes the per-call budget inside a ``with`` block::

    with gdinverse.cost.budget(seconds=120, memory=16e9):
        gdinverse.lr_sweep(A, lrs, steps=10_000)
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .errors import CostError, ParameterError, check_dtype, check_float, check_int
from .limits import FULL_SVD_UP_TO, LANCZOS_STEPS

__all__ = ["Budget", "Cost", "CostError", "Limits", "budget", "estimate", "limits", "require"]


# ---------------------------------------------------------------------------- this machine's speed

CALIBRATION: dict[str, float] = {
    # Seconds per unit of work on the machine this was calibrated on (2 cores of an AMD EPYC with AVX-512, torch
    # 2.13 with MKL), from `python benchmarks/sizes.py --calibrate` run several times, quiet and under the machine's
    # usual load, at sizes where each kernel takes seconds: about twice the quiet runs' times (busy runs were 2 to 5
    # times slower). MKL's SVD suffers most from load and slows per n³ as n grows: quiet, with vectors 1/6e9 at
    # n = 1500 and 1/5e9 at 3000 (5.4 s); busy, 27 to 50 s at 3000. It is counted at about three times its quiet
    # time at the sizes where refusals are decided.
    "matmul float32": 1 / 100e9,  # per flop of a matrix product (2·m·n·k flops)
    "matmul float64": 1 / 50e9,
    "step float32": 1 / 80e9,  # per flop of a (batched) gradient-descent step: 4·m·k² flops a run
    "step float64": 1 / 40e9,
    "inv float32": 1 / 30e9,  # per n³ of torch.linalg.inv_ex (LU and the inverse)
    "inv float64": 1 / 15e9,
    "lu float64": 1 / 60e9,  # per n³ of torch.linalg.lu_factor_ex (and torch.linalg.det)
    "lanczos float64": 8e-10,  # per n² of a Lanczos step (two passes over M or four triangular solves, in float32)
    "svdvals float64": 1 / 3e9,  # per m·k·min(m, k) of torch.linalg.svdvals
    "svd float64": 1 / 1.5e9,  # per m·k·min(m, k) of torch.linalg.svd with the vectors
    "entry": 3e-9,  # per entry of one elementwise pass (a cast, a check)
    "overhead": 2e-4,  # per call: checks, small tensors, the theory's bookkeeping
    "step overhead": 5e-6,  # per gradient-descent step: the Python loop and the kernels' launch
}
"""The one table of this machine's speeds that every estimate is built from."""


# ---------------------------------------------------------------------------- budget and limits


@dataclass(frozen=True)
class Budget:
    """The most one call may take: ``seconds`` and ``bytes`` (the memory limit is also bounded by the machine)."""

    seconds: float = 10.0
    bytes: int = 2 * 10**9


DEFAULT_BUDGET = Budget()
"""10 s and 2 GB a call."""
_BUDGET: contextvars.ContextVar[Budget] = contextvars.ContextVar("gdinverse_budget", default=DEFAULT_BUDGET)


@contextlib.contextmanager
def budget(*, seconds: float | None = None, memory: float | None = None) -> Iterator[Budget]:
    """Change the per-call budget inside a ``with`` block (this thread or task only); yields the new budget.

    ``seconds`` and ``memory`` (bytes) may be raised above the defaults (10 s, 2 GB) for big jobs or lowered; the
    memory limit stays bounded by what the process and the machine have (:func:`limits`).
    """
    current = _BUDGET.get()
    new = Budget(
        seconds=current.seconds if seconds is None else check_float("seconds", seconds, low=0.0, low_open=True),
        bytes=current.bytes if memory is None else int(check_float("memory", memory, low=1.0)),
    )
    token = _BUDGET.set(new)
    try:
        yield new
    finally:
        _BUDGET.reset(token)


@dataclass(frozen=True)
class Limits:
    """What one call may take now: the time budget, and the memory limit with where it comes from."""

    seconds: float
    bytes: int
    memory_source: str
    """Which limit is the smallest: "the per-call budget", "cgroup v2 memory.max", "RLIMIT_AS", ...."""


_PROC = Path("/proc")
_CGROUP = Path("/sys/fs/cgroup")


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max" (no limit) is not a number


def _cgroup_rooms() -> Iterator[tuple[int, str]]:
    """Room left under each cgroup limit of this process (v2 at every level of its path, and v1)."""
    try:
        lines = (_PROC / "self" / "cgroup").read_text().splitlines()
    except OSError:
        return
    root = _CGROUP
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # cgroup v2: the unified hierarchy, limits at every level up to the root
            here = root / path.lstrip("/")
            for level in (here, *here.parents):
                if level != root and root not in level.parents:
                    break
                limit = _read_int(level / "memory.max")
                if limit is not None:
                    used = _read_int(level / "memory.current") or 0
                    yield limit - used, "cgroup v2 memory.max"
        elif "memory" in controllers.split(","):  # cgroup v1: the memory controller's own hierarchy
            for base in (root / "memory" / path.lstrip("/"), root / "memory"):
                limit = _read_int(base / "memory.limit_in_bytes")
                if limit is not None and limit < 2**62:  # v1 writes "no limit" as a huge number
                    used = _read_int(base / "memory.usage_in_bytes") or 0
                    yield limit - used, "cgroup v1 memory.limit_in_bytes"
                    break


def _status_bytes(field: str) -> int:
    """A size from /proc/self/status (VmSize, VmData), in bytes; 0 where there is no /proc."""
    try:
        for line in (_PROC / "self" / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _rlimit_rooms() -> Iterator[tuple[int, str]]:
    """Room left under the process's address-space and data-segment limits (``ulimit -v``, ``ulimit -d``)."""
    try:
        import resource
    except ImportError:  # Windows
        return
    for name, used in (("RLIMIT_AS", "VmSize"), ("RLIMIT_DATA", "VmData")):
        which = getattr(resource, name, None)
        if which is None:
            continue
        soft, _ = resource.getrlimit(which)
        if soft != resource.RLIM_INFINITY and soft > 0:
            yield soft - _status_bytes(used), name


def _available_memory() -> Iterator[tuple[int, str]]:
    """The machine's available memory: MemAvailable (Linux), else the free physical pages."""
    try:
        for line in (_PROC / "meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                yield int(line.split()[1]) * 1024, "the machine's available memory (MemAvailable)"
                return
    except (OSError, ValueError, IndexError):
        pass
    with contextlib.suppress(ValueError, OSError, AttributeError):
        yield os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"), "the machine's free memory"


def limits() -> Limits:
    """The limits a call must fit now: the time budget, and the smallest memory limit (see the module docstring)."""
    current = _BUDGET.get()
    rooms = [(current.bytes, "the per-call budget"), *_cgroup_rooms(), *_rlimit_rooms(), *_available_memory()]
    room, source = min(rooms, key=lambda pair: pair[0])
    return Limits(seconds=current.seconds, bytes=max(0, room), memory_source=source)


# ---------------------------------------------------------------------------- estimates


@dataclass(frozen=True)
class Cost:
    """An estimate of what one operation takes on this machine."""

    operation: str
    """What was estimated, in words: "lr_sweep of a 100×100 float32 matrix, 10,000 runs × 100 steps"."""
    seconds: float
    bytes: int
    """The peak of the memory the operation allocates."""


@dataclass(frozen=True)
class _Sizes:
    m: int
    k: int
    dtype: torch.dtype
    steps: int
    runs: int
    snapshots: int

    @property
    def entries(self) -> int:
        return self.m * self.k

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def name(self) -> str:
        return str(self.dtype).removeprefix("torch.")


def _seconds(kernel: str, units: float) -> float:
    return CALIBRATION[kernel] * units


_Estimate = tuple[float, int]
"""Seconds and peak bytes."""


def _conversion(s: _Sizes) -> _Estimate:
    return _seconds("entry", 4 * s.entries), s.entries * (8 + s.itemsize + 4)


def _entered(s: _Sizes) -> _Estimate:
    """Reading the matrix twice (working dtype, float64 as entered), its checks and its copies."""
    return _seconds("entry", 8 * s.entries), s.entries * (8 + s.itemsize + 4)


def _svdvals(s: _Sizes) -> _Estimate:
    return _seconds("svdvals float64", s.entries * min(s.m, s.k)), 8 * (2 * s.entries + 4 * (s.m + s.k))


def _svd(s: _Sizes) -> _Estimate:
    """The SVD with its vectors: U, V, a copy of A and the divide-and-conquer workspace (about 7 n² numbers)."""
    return _seconds("svd float64", s.entries * min(s.m, s.k)), 8 * (5 * s.entries + s.m * s.m + s.k * s.k)


def _analysis(s: _Sizes) -> _Estimate:
    """κ, the rank and σ_max of M as entered (gdinverse.spectrum.Decomposition): one full SVD at the app's sizes; a
    square matrix beyond them, its LU and the Lanczos estimate of σ_max and σ_min (a few hundred passes over the
    matrix); a non-square one, its singular values."""
    if max(s.m, s.k) <= FULL_SVD_UP_TO:
        return _svd(s)
    if s.m != s.k:
        return _svdvals(s)
    n = s.m
    steps = 2 * min(LANCZOS_STEPS, 1.7 * math.sqrt(n))  # σ_max and σ_min; ~1.6√n seen with σ spaced geometrically
    seconds = _seconds("lu float64", n**3) + _seconds("lanczos float64", steps * n * n)
    return seconds, 18 * n * n + 24 * LANCZOS_STEPS * n  # the LU, its and M's float32 copies, the Lanczos bases


def _vectors(s: _Sizes) -> _Estimate:
    """The singular values and vectors beyond what :func:`_analysis` has (nothing more at the app's sizes)."""
    if max(s.m, s.k) <= FULL_SVD_UP_TO:
        return 0.0, 0
    t1, b1 = _svdvals(s)
    t2, b2 = _svd(s)
    return t1 + t2, max(b1, b2)


def _condition(s: _Sizes) -> _Estimate:
    t1, b1 = _entered(s)
    t2, b2 = _analysis(s)
    return t1 + t2, b1 + b2


def _exact_inverse(s: _Sizes) -> _Estimate:
    """κ, then torch.linalg.inv in the working dtype and its check X @ M − I (one product)."""
    n = s.m
    t, b = _condition(s)
    t += _seconds(f"inv {s.name}", n**3) + _seconds(f"matmul {s.name}", 2 * n**3) + _seconds("entry", 4 * n * n)
    if n <= FULL_SVD_UP_TO:
        t += _seconds("lu float64", n**3)  # the determinant
    return t, b + s.entries * 4 * s.itemsize  # the inverse, its product, the residual and its |.|


def _inverses(s: _Sizes) -> _Estimate:
    """one_sided_inverse and best_inverse: a square matrix's inverse by LU in float64; else the pseudo-inverse from the
    SVD; then products in the working dtype."""
    t1, b1 = _condition(s)
    if s.m == s.k:
        t2, b2 = _seconds("inv float64", s.m**3), 8 * s.entries
    else:
        t2, b2 = _vectors(s)
        t2 += _seconds("matmul float64", 2 * s.entries * min(s.m, s.k))
    t3 = _seconds(f"matmul {s.name}", 2 * s.entries * min(s.m, s.k))
    return t1 + t2 + t3, b1 + b2 + s.entries * (8 + 4 * s.itemsize)


def _pseudo_inverse(s: _Sizes) -> _Estimate:
    """M⁺ from the SVD in float64 (its rank first), returned in the working dtype."""
    t1, b1 = _condition(s)
    t2, b2 = _vectors(s)
    t3 = _seconds("matmul float64", 2 * s.entries * min(s.m, s.k))
    return t1 + t2 + t3, b1 + b2 + s.entries * (8 + s.itemsize)


def _steps(s: _Sizes) -> float:
    flops = 4 * s.m * s.k * s.k * s.runs
    return s.steps * (_seconds(f"step {s.name}", flops) + CALIBRATION["step overhead"])


def _held(s: _Sizes, runs: int) -> int:
    """The bytes a run holds: X, V, A, Aᵀ, the step's Aᵀ and two k×k residuals per run, the residual buffer, the
    checkpoints and the snapshots kept."""
    per_run = 5 * s.entries + 3 * s.k * s.k
    return (runs * per_run + (6 + s.snapshots) * (s.entries + s.k * s.k) + s.steps * runs) * s.itemsize


def _verdict(s: _Sizes) -> _Estimate:
    """A run's verdict: ‖X‖₂ (the singular values of the k×m X) and a few passes over X @ A − I."""
    t, b = _svdvals(_Sizes(s.k, s.m, s.dtype, 0, 1, 0))
    return t + _seconds("matmul float64", 2 * s.k * s.m * s.k), b + 8 * 4 * s.k * s.k


def _descent(s: _Sizes) -> _Estimate:
    """gd_inverse: the analysis, the steps, then the verdict (made on first use, counted here)."""
    t1, b1 = _condition(s)
    t2, b2 = _verdict(s)
    return t1 + _steps(s) + t2, b1 + max(_held(s, s.runs), b2)


def _theory(s: _Sizes) -> _Estimate:
    """The theory's curves (predicted_losses and the like): the run matrix's singular vectors, the start's weights along
    them (k³) and a table of steps × k (32 MB at a time)."""
    t1, b1 = _condition(s)
    t2, b2 = _vectors(s)
    k = s.k
    t3 = _seconds("matmul float64", 2 * k * s.m * k + 2 * k**3) + _seconds("entry", 4 * (s.steps + 1) * k)
    return t1 + t2 + t3, b1 + b2 + 8 * (3 * k * k + s.entries + min((s.steps + 1) * k, 2**22))


def _sweep(s: _Sizes) -> _Estimate:
    """lr_sweep: the runs side by side, then the theory's final losses."""
    t1, b1 = _condition(s)
    t2, b2 = _theory(_Sizes(s.m, s.k, s.dtype, 0, 1, 0))
    return t1 + _steps(s) + t2, b1 + max(_held(s, s.runs), b2)


def _race(s: _Sizes) -> _Estimate:
    """race: ``runs`` methods one after the other, one analysis shared."""
    t, b = _condition(s)
    one = _Sizes(s.m, s.k, s.dtype, s.steps, 1, s.snapshots)
    verdict = s.runs * _verdict(s)[0]
    return t + s.runs * 2 * _steps(one) + verdict, b + s.runs * _held(one, 1)  # momentum, Adam: up to 2× a step


def _direction_view(s: _Sizes) -> _Estimate:
    """direction_view of a recorded run: the run matrix's singular vectors, each snapshot's residual along every
    direction."""
    t1, b1 = _condition(s)
    t2, b2 = _vectors(s)
    T = max(s.snapshots, 1)
    products = 2 * T * (s.k * s.m * s.k + s.k**3)
    t = t1 + t2 + _seconds("matmul float64", products)
    return t, b1 + b2 + 8 * T * (2 * s.entries + 2 * s.k * s.k)  # the snapshots, X @ A, X @ A − I, its V part


def _landscape(s: _Sizes) -> _Estimate:
    """landscape: the singular vectors, the projector on the column space (m×m) and the snapshots' coordinates."""
    t1, b1 = _condition(s)
    t2, b2 = _vectors(s)
    T = max(s.snapshots, 1)
    t3 = _seconds("matmul float64", 2 * s.m**3 + 2 * s.k * s.m * s.m + 4 * T * s.entries)
    return t1 + t2 + t3, b1 + b2 + 8 * (3 * s.m * s.m + (T + 3) * s.entries)


_OPERATIONS: dict[str, Callable[[_Sizes], _Estimate]] = {
    "as_matrix": _conversion,
    "condition_number": _condition,
    "lr_bounds": _condition,
    "exact_inverse": _exact_inverse,
    "one_sided_inverse": _inverses,
    "best_inverse": _inverses,
    "pseudo_inverse": _pseudo_inverse,
    "gd_inverse": _descent,
    "lr_sweep": _sweep,
    "race": _race,
    "direction_view": _direction_view,
    "landscape": _landscape,
    "predicted_losses": _theory,
    "singular values": _svdvals,
    "singular vectors": _svd,
}
"""Each operation's estimate, from its sizes: (seconds, peak bytes). The last two are what a
:class:`gdinverse.Decomposition` computes on demand beyond the app's sizes (refused there if over the limits)."""


def _describe(operation: str, s: _Sizes) -> str:
    text = f"{operation} of a {s.m}×{s.k} {s.name} matrix"
    if operation == "lr_sweep":
        text += f", {s.runs:,} learning rates × {s.steps:,} steps"
    elif operation == "race":
        text += f", {s.runs:,} methods × {s.steps:,} steps"
    elif operation in ("gd_inverse", "predicted_losses"):
        text += f", {s.steps:,} steps"
    elif operation in ("direction_view", "landscape"):
        text += f", {s.snapshots:,} snapshots"
    return text


def _sizes(shape: Any, dtype: Any, steps: Any, runs: Any, snapshots: Any) -> _Sizes:
    if not (isinstance(shape, tuple | list | torch.Size) and len(shape) == 2):
        raise ParameterError(f"shape must be (rows, columns), got {shape!r:.60}")
    m, k = (check_int("shape", n, low=0) for n in shape)
    return _Sizes(
        m=m,
        k=k,
        dtype=check_dtype(torch.float32 if dtype is None else dtype),
        steps=check_int("steps", steps, low=0),
        runs=check_int("runs", runs, low=1),
        snapshots=check_int("snapshots", snapshots, low=0),
    )


def estimate(
    operation: str,
    shape: tuple[int, ...],
    *,
    dtype: Any = None,
    steps: int = 0,
    runs: int = 1,
    snapshots: int = 0,
) -> Cost:
    """The time and peak memory of ``operation`` on an m×k matrix (``shape``) in ``dtype`` (float32 by default).

    ``operation`` is one of "as_matrix", "condition_number", "lr_bounds", "exact_inverse", "one_sided_inverse",
    "best_inverse", "pseudo_inverse", "gd_inverse" (``steps`` steps, ``snapshots`` X kept), "lr_sweep" (``runs``
    learning rates), "race" (``runs`` methods), "direction_view" and "landscape" (of a run with ``snapshots``
    recorded X), "predicted_losses" (the theory's curves over ``steps`` steps), and "singular values" and
    "singular vectors" (what :class:`gdinverse.Decomposition` computes on demand beyond the app's sizes). Nothing
    is allocated.
    """
    if operation not in _OPERATIONS:
        raise ParameterError(f"operation must be one of {', '.join(map(repr, _OPERATIONS))}; got {operation!r:.60}")
    sizes = _sizes(shape, dtype, steps, runs, snapshots)
    seconds, peak = _OPERATIONS[operation](sizes)
    return Cost(_describe(operation, sizes), CALIBRATION["overhead"] + seconds, int(peak))


_SMALL = 64 * 2**20
"""Below this many bytes (and a second) a call fits any machine gdinverse runs on: the limits are not read."""


def require(
    operation: str,
    shape: tuple[int, ...],
    *,
    dtype: Any = None,
    steps: int = 0,
    runs: int = 1,
    snapshots: int = 0,
) -> Cost:
    """:func:`estimate`, then refuse with a :class:`CostError` what exceeds the time budget or the memory limit.

    Call it before allocating; it takes microseconds. The message names the estimate, the limit (and where the
    memory limit comes from) and what would fit: the most runs or steps at these sizes, or the largest n×n.
    """
    cost = estimate(operation, shape, dtype=dtype, steps=steps, runs=runs, snapshots=snapshots)
    plenty = _BUDGET.get()
    if cost.bytes <= min(_SMALL, plenty.bytes) and cost.seconds <= min(1.0, plenty.seconds):
        return cost
    now = limits()
    if _fits(cost, now):
        return cost
    over = []
    if cost.seconds > now.seconds:
        over.append(f"about {_duration(cost.seconds)}, over the time budget of {_duration(now.seconds)}")
    if cost.bytes > now.bytes:
        over.append(f"about {_size(cost.bytes)} of memory, over the limit of {_size(now.bytes)} ({now.memory_source})")
    fits = _what_fits(operation, shape, dtype=dtype, steps=steps, runs=runs, snapshots=snapshots, limit=now)
    raise CostError(
        f"{cost.operation} would take {' and '.join(over)}; {fits}, or raise the budget with "
        "gdinverse.cost.budget(seconds=..., memory=...)",
        cost=cost,
        limits=now,
    )


def _fits(cost: Cost, limit: Limits) -> bool:
    return cost.seconds <= limit.seconds and cost.bytes <= limit.bytes


def _largest(fits: Callable[[int], bool], high: int) -> int:
    """The largest n in [1, high] with fits(n) (fits is monotone: true, then false); 0 if none."""
    if high < 1 or not fits(1):
        return 0
    low = 1
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _what_fits(operation: str, shape: Any, *, limit: Limits, **sizes: Any) -> str:
    """What would fit the limit: fewer runs, fewer steps or snapshots, or a smaller matrix, in words."""
    m, k = int(shape[0]), int(shape[1])

    def cost(**changed: Any) -> Cost:
        size = changed.pop("shape", (m, k))
        return estimate(operation, size, **(sizes | changed))

    options = []
    if sizes["runs"] > 1:
        runs = _largest(lambda r: _fits(cost(runs=r), limit), sizes["runs"] - 1)
        if runs:
            options.append(f"{runs:,} learning rates at {sizes['steps']:,} steps")
    if sizes["steps"] > 1:
        steps = _largest(lambda t: _fits(cost(steps=t), limit), sizes["steps"] - 1)
        if steps:
            options.append(f"{steps:,} steps" + (f" of {sizes['runs']:,} runs" if sizes["runs"] > 1 else ""))
    n = _largest(lambda n: _fits(cost(shape=(n, max(1, round(n * k / m)))), limit), m - 1) if m > 1 else 0
    if n:
        options.append(f"a {n}×{max(1, round(n * k / m))} matrix")
    if not options:
        return "nothing of this kind fits the limit now; free memory"
    return "what fits: " + ", or ".join(options) + "; ask for less"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    if seconds >= 60:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"


def _size(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"
