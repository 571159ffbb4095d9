"""Time and peak memory against n for gdinverse's heavy calls, next to what gdinverse.cost estimates, and where
each call is refused.

Four parts, each printed as markdown:

1. ``--calibrate`` only: this machine's speed at each kernel gdinverse.cost counts (matrix products, a batched
   gradient-descent step, LU, the Lanczos estimate of κ, the SVD with and without vectors, passes over the entries,
   the per-call and per-step overheads), printed as the ``CALIBRATION`` table to paste into gdinverse/cost.py. Each
   is the best of a few repeats.
2. ``exact_inverse``, ``lr_bounds``, ``gd_inverse`` (100 steps), ``lr_sweep`` (40 learning rates × 100 steps) and
   ``direction_view`` (of a 100-step run) at growing n, each in a fresh process: measured seconds and peak memory
   (RSS sampled every 2 ms above what the process held before the call; the least time of three calls on fresh
   matrices, two where a call takes over 3 s) against the estimate, up to the largest n the estimate lets
   through; then the first n the default budget (10 s, 2 GB) refuses, and how long the public call took to refuse
   it (in a fresh process, the matrix made beforehand).
3. The first n×n every other public operation's estimate refuses.
4. The documented caps: ``lr_sweep`` of a 100×100 matrix over 10⁴ learning rates, in a process limited to 4 GiB of
   address space (``ulimit -v``): refused at once with the estimate, instead of dying in the allocator; and
   ``exact_inverse`` at n = 2000 against ``torch.linalg.inv`` plus its check, in both precisions (the target:
   within 3×), the two timed in turn and the best of five of each kept.

Timings depend on the load from other processes (the script prints the load average it saw); run it on a quiet
machine. From the repository root:

    python benchmarks/sizes.py               # parts 2 to 4, about ten minutes
    python benchmarks/sizes.py --calibrate   # part 1 as well
    python benchmarks/sizes.py --quick       # three sizes of each call
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # use this checkout's gdinverse, installed or not
import gdinverse as g
from gdinverse import cost

OPERATIONS = {
    # operation: (sizes tried, the call's extra sizes for the estimate)
    "exact_inverse": ([250, 500, 1000, 2000, 3000, 4000], {}),
    "lr_bounds": ([500, 1000, 2000, 3000, 4000, 5000, 6000], {}),
    "gd_inverse": ([64, 128, 256, 512, 768, 1024], {"steps": 100, "snapshots": 11}),
    "lr_sweep": ([16, 32, 64, 128, 256], {"steps": 100, "runs": 40}),
    "direction_view": ([64, 128, 256, 512, 1024, 1536], {"snapshots": 6}),
}
OTHERS = {
    "condition_number": {},
    "one_sided_inverse": {},
    "best_inverse": {},
    "pseudo_inverse": {},
    "race": {"steps": 500, "runs": 5},
    "landscape": {"snapshots": 6},
    "predicted_losses": {"steps": 100},
}
"""The other operations, with the sizes of their defaults: 500 steps of five methods, a 100-step run's 6
snapshots, a curve of 100 steps. (A 100-step gd_inverse holds 6 snapshots and 5 checkpoints: 11 for its memory.)"""
QUICK = 3


# ---------------------------------------------------------------------------- one measurement, in a fresh process


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_while(call):
    """(seconds, peak RSS above the start, result) of call(), the RSS sampled every 2 ms by a thread.

    The C library first gives the memory it holds free back to the system, so that the call's allocations show."""
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    start, peak, done = _rss(), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    clock = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - clock
    done.set()
    sampler.join()
    return seconds, max(peak[0], _rss()) - start, result


def _calls(operation: str, n: int) -> dict:
    """The public call of ``operation`` on a random n×n float32 matrix with κ = 100, made ready (a run for the
    direction view: 100 steps, or 5 recorded at every step where 100 would be slow; the same 6 snapshots)."""
    A = g.preset("random", n=n, cond=100)
    calls = {
        "exact_inverse": lambda: g.exact_inverse(A),
        "lr_bounds": lambda: g.lr_bounds(A),
        "gd_inverse": lambda: g.gd_inverse(A, steps=100),
        "lr_sweep": lambda: g.lr_sweep(A, g.lr_bounds(A).grid(40), steps=100),
    }
    if operation == "direction_view":
        with cost.budget(seconds=1e9, memory=1e15):
            run = g.gd_inverse(A, steps=100) if n <= 512 else g.gd_inverse(A, steps=5, record_every=1)
        calls["direction_view"] = lambda: g.direction_view(A, run)
    return calls


def _warm_up(operation: str) -> None:
    """Start torch's and MKL's machinery on a small matrix, the call's own batch shapes included: not its cost."""
    small = g.preset("random", n=32, cond=100)
    g.direction_view(small, g.gd_inverse(small, steps=100))
    g.exact_inverse(small), g.lr_sweep(small, g.lr_bounds(small).grid(40), steps=2)
    _calls(operation, 200)[operation]()  # the lazy path beyond 128 rows


def measure(operation: str, n: int, repeats: int) -> dict:
    """Run one call in this process (the child) under the largest budget ``repeats`` times, each on a fresh matrix
    (and run), and say what it took: the least time, and the peak memory of the first."""
    _warm_up(operation)
    best, first = float("inf"), None
    for _ in range(repeats):
        call = _calls(operation, n)[operation]
        with cost.budget(seconds=1e9, memory=1e15):
            seconds, peak, _ = _peak_while(call)
        best, first = min(best, seconds), peak if first is None else first
    return {"seconds": best, "bytes": first}


def refuse(operation: str, n: int) -> dict:
    """In the child: how long the public call takes to refuse n×n under the default budget, and its message."""
    _warm_up(operation)
    call = _calls(operation, n)[operation]
    clock = time.perf_counter()
    try:
        call()
    except g.CostError as error:
        return {"seconds": time.perf_counter() - clock, "message": str(error)}
    return {"seconds": time.perf_counter() - clock, "message": "(not refused)"}


def in_child(args: list[str], memory_limit: int | None = None) -> dict:
    """Run this script with ``args`` in a fresh process (under an address-space limit if given); its JSON answer."""

    def limit() -> None:
        if memory_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, preexec_fn=limit, check=False
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["died"])[-1][:200], "returncode": done.returncode}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- part 1: calibration


def _best(call, repeats: int = 3) -> float:
    call()
    times = []
    for _ in range(repeats):
        clock = time.perf_counter()
        call()
        times.append(time.perf_counter() - clock)
    return min(times)


def calibrate() -> dict[str, float]:
    """Seconds per unit of work of each kernel in gdinverse.cost.CALIBRATION, measured here at sizes where the
    kernel takes a few seconds (where a refusal is decided; the SVD in particular gets slower per n³ as n grows)."""
    measured: dict[str, float] = {}
    n = 3000
    for dtype in (torch.float32, torch.float64):
        name = str(dtype).removeprefix("torch.")
        A = torch.randn(n, n, dtype=dtype) + n * torch.eye(n, dtype=dtype)
        measured[f"matmul {name}"] = _best(lambda: A @ A, 2) / (2 * n**3)  # noqa: B023 (called at once)
        measured[f"inv {name}"] = _best(lambda: torch.linalg.inv_ex(A), 2) / n**3  # noqa: B023
        steps, worst = 20, 0.0
        for k, runs in ((256, 40), (1024, 1)):  # a sweep's batch, and one big run
            engine = g.GradientDescent.batched(g.preset("random", n=k, cond=10, dtype=dtype), [1e-3] * runs)
            norms = torch.empty(steps, runs, **engine.options)
            seconds = _best(lambda: engine.advance(steps, norms), 2)  # noqa: B023
            worst = max(worst, seconds / (steps * 4 * runs * k**3))
        measured[f"step {name}"] = worst
    M = g.preset("random", n=n, cond=100, dtype="float64")  # σ spaced geometrically: Lanczos's slowest case seen
    lu = _best(lambda: torch.linalg.lu_factor_ex(M), 2)
    measured["lu float64"] = lu / n**3
    steps = 2 * min(cost._LANCZOS_STEPS, 1.7 * math.sqrt(n))  # the steps gdinverse.cost counts at this size
    measured["lanczos float64"] = (_best(lambda: g.Decomposition.of(M)._estimate, 2) - lu) / (steps * n**2)
    M = g.preset("random", n=2500, cond=100, dtype="float64")
    measured["svdvals float64"] = _best(lambda: torch.linalg.svdvals(M), 1) / 2500**3
    M = g.preset("random", n=1800, cond=100, dtype="float64")
    measured["svd float64"] = _best(lambda: torch.linalg.svd(M), 1) / 1800**3
    big = torch.randn(n, n, dtype=torch.float64)
    measured["entry"] = _best(lambda: g.as_matrix(big)) / (4 * big.numel())
    tiny = [[2.0, 1.0], [1.0, 3.0]]
    measured["overhead"] = _best(lambda: g.lr_bounds(tiny), 20)
    many, few = _best(lambda: g.gd_inverse(tiny, steps=5000)), _best(lambda: g.gd_inverse(tiny, steps=1))
    measured["step overhead"] = (many - few) / 4999
    return measured


def print_calibration(measured: dict[str, float]) -> None:
    print("## This machine's speeds (paste into gdinverse/cost.py's CALIBRATION)\n")
    print("| kernel | now in cost.py | measured | measured / cost.py |\n|---|---|---|---|")
    for name, value in measured.items():
        print(f"| {name} | {cost.CALIBRATION[name]:.3g} | {value:.3g} | {value / cost.CALIBRATION[name]:.2f} |")
    print("\nCALIBRATION = {")
    for name, value in measured.items():
        rate = 1 / value
        shown = f"1 / {rate / 1e9:.3g}e9" if rate > 1e6 else f"{value:.2g}"
        print(f'    "{name}": {shown},')
    print("}\n")


# ---------------------------------------------------------------------------- part 2: against n


def _size(n: float) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def _first_refused(operation: str, extra: dict) -> int:
    """The smallest n×n the default budget refuses (by the estimate: what gdinverse.cost.require says)."""
    limit = cost.limits()
    n = 1
    while True:
        estimate = cost.estimate(operation, (n, n), **extra)
        if estimate.seconds > limit.seconds or estimate.bytes > limit.bytes:
            return n
        n = max(n + 1, int(n * 1.02))


def against_n(quick: bool) -> None:
    print("## Time and peak memory against n (float32, a random matrix with κ = 100; each in a fresh process)\n")
    for operation, (sizes, extra) in OPERATIONS.items():
        first = _first_refused(operation, extra)
        tried = [n for n in sizes if n < first][: QUICK if quick else None]
        print(f"### {operation} {extra or ''}\n")
        print("| n | seconds | estimated | peak memory | estimated |\n|---:|---:|---:|---:|---:|")
        for n in tried:
            estimate = cost.estimate(operation, (n, n), **extra)
            repeats = 3 if estimate.seconds < 3 else 2
            got = in_child(["--measure", operation, str(n), str(repeats)])
            if "error" in got:
                print(f"| {n} | failed: {got['error']} | {estimate.seconds:.3g} | | {_size(estimate.bytes)} |")
                continue
            print(
                f"| {n} | {got['seconds']:.3g} | {estimate.seconds:.3g} | {_size(got['bytes'])} | "
                f"{_size(estimate.bytes)} |"
            )
        got = in_child(["--refuse", operation, str(first)])
        if "error" in got:
            print(f"\nAt n = {first}: failed: {got['error']}\n")
            continue
        print(f"\nRefused from n = {first} on: the call answered in {got['seconds'] * 1000:.0f} ms: {got['message']}\n")


def others() -> None:
    print("## Where the other operations are refused (the estimate, float32, default sizes)\n")
    print("| operation | sizes | first n×n refused | estimate there |\n|---|---|---:|---|")
    for operation, extra in OTHERS.items():
        first = _first_refused(operation, extra)
        estimate = cost.estimate(operation, (first, first), **extra)
        shown = ", ".join(f"{name} {value:,}" for name, value in extra.items()) or "—"
        print(f"| {operation} | {shown} | {first:,} | {estimate.seconds:.3g} s, {_size(estimate.bytes)} |")
    print()


# ---------------------------------------------------------------------------- part 4: the caps


def caps() -> None:
    print("## The documented caps\n")
    limit = 4 * 2**30
    got = in_child(["--sweep-at-caps"], memory_limit=limit)
    print(
        f"lr_sweep of a 100×100 matrix, 10⁴ learning rates × 100 steps, under ulimit -v {limit // 2**30} GiB: {got}\n"
    )
    print("exact_inverse at n = 2000 against torch.linalg.inv plus its check (X @ A − I).abs().max(), best of 5:\n")
    print("| dtype | exact_inverse | torch.linalg.inv + check | ratio (target ≤ 3) |\n|---|---:|---:|---:|")
    for dtype in ("float32", "float64"):
        got = in_child(["--inverse-2000", dtype])
        print(f"| {dtype} | {got['exact']:.3f} s | {got['torch']:.3f} s | {got['exact'] / got['torch']:.2f} |")
    print()


def sweep_at_caps() -> dict:
    """In the child: the sweep at the documented caps, refused or not, and how long the answer took."""
    A = g.preset("random", n=100, cond=10)
    lrs = [1e-3] * 10_000
    clock = time.perf_counter()
    try:
        g.lr_sweep(A, lrs, steps=100)
    except g.CostError as error:
        return {"refused in seconds": round(time.perf_counter() - clock, 3), "message": str(error)}
    return {"ran in seconds": round(time.perf_counter() - clock, 3)}


def inverse_2000(dtype: str) -> dict:
    """In the child: exact_inverse and torch.linalg.inv plus its check at n = 2000, timed in turn, best of 5."""
    A = g.preset("random", n=2000, cond=100, dtype=dtype)
    eye = torch.eye(2000, dtype=A.dtype)
    calls = {"exact": lambda: g.exact_inverse(A), "torch": lambda: (torch.linalg.inv(A) @ A - eye).abs().max()}
    best = dict.fromkeys(calls, float("inf"))
    for call in calls.values():
        call()
    for _ in range(5):
        for name, call in calls.items():
            clock = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - clock)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="measure this machine's kernel speeds first")
    parser.add_argument("--quick", action="store_true", help="the three smallest sizes of each call")
    parser.add_argument("--measure", nargs=3, metavar=("OPERATION", "N", "REPEATS"), help=argparse.SUPPRESS)
    parser.add_argument("--refuse", nargs=2, metavar=("OPERATION", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--sweep-at-caps", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inverse-2000", metavar="DTYPE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]), int(args.measure[2]))))
    elif args.refuse:
        print(json.dumps(refuse(args.refuse[0], int(args.refuse[1]))))
    elif args.sweep_at_caps:
        print(json.dumps(sweep_at_caps()))
    elif args.inverse_2000:
        print(json.dumps(inverse_2000(args.inverse_2000)))
    else:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load}")
        print(f"limits now: {cost.limits()}\n")
        if args.calibrate:
            print_calibration(calibrate())
        against_n(args.quick)
        others()
        caps()
        print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
