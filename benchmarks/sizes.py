"""Time and peak memory against n for gdinverse's heavy calls, next to what gdinverse.cost estimates, and where
each call is refused.

Three parts, each printed as a markdown table:

1. ``--calibrate`` only: this machine's speed at each kernel gdinverse.cost counts (matrix products, a batched
   gradient-descent step, LU, the SVD, passes over the entries, the per-call and per-step overheads), printed as
   the ``CALIBRATION`` table to paste into gdinverse/cost.py. Each is the best of a few repeats.
2. ``exact_inverse``, ``lr_bounds``, ``gd_inverse`` (100 steps), ``lr_sweep`` (40 learning rates × 100 steps) and
   ``direction_view`` (of a 100-step run) at growing n, each in a fresh process: measured seconds and peak memory
   (RSS sampled every 2 ms above what the process held before the call) against the estimate, up to the largest
   n the estimate lets through; then the first n the default budget (10 s, 2 GB) refuses, and how long the
   refusal took.
3. The documented caps: ``lr_sweep`` of a 100×100 matrix over 10⁴ learning rates, in a process limited to 4 GiB of
   address space (``ulimit -v``): refused at once with the estimate, instead of dying in the allocator; and
   ``exact_inverse`` at n = 2000 against ``torch.linalg.inv`` plus its check (the target: within 3×).

Timings depend on the load from other processes; run it on a quiet machine. From the repository root:

    python benchmarks/sizes.py               # parts 2 and 3, a few minutes
    python benchmarks/sizes.py --calibrate   # part 1 as well
    python benchmarks/sizes.py --quick       # smaller sizes, under a minute
"""

from __future__ import annotations

import argparse
import ctypes
import json
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
    "exact_inverse": ([250, 500, 1000, 1500, 2000, 2500, 3000], {}),
    "lr_bounds": ([250, 500, 1000, 1500, 2000, 2500, 3000], {}),
    "gd_inverse": ([64, 128, 256, 512, 768, 1024], {"steps": 100, "snapshots": 6}),
    "lr_sweep": ([16, 32, 64, 128, 192, 256], {"steps": 100, "runs": 40}),
    "direction_view": ([64, 128, 256, 512, 1024], {"snapshots": 6}),
}
QUICK_SIZES = {"exact_inverse": 3, "lr_bounds": 3, "gd_inverse": 3, "lr_sweep": 3, "direction_view": 3}


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


def measure(operation: str, n: int) -> dict:
    """Run one call in this process (the child) under the largest budget, and say what it took."""
    A = g.preset("random", n=n, cond=100)
    calls = {
        "exact_inverse": lambda: g.exact_inverse(A),
        "lr_bounds": lambda: g.lr_bounds(A),
        "gd_inverse": lambda: g.gd_inverse(A, steps=100),
        "lr_sweep": lambda: g.lr_sweep(A, g.lr_bounds(A).grid(40), steps=100),
    }
    if operation == "direction_view":
        run = g.gd_inverse(A, steps=100)
        calls["direction_view"] = lambda: g.direction_view(A, run)
    small = g.preset("random", n=min(n, 32), cond=100)
    g.direction_view(small, g.gd_inverse(small, steps=100))  # start torch's and MKL's machinery: not the call's cost
    g.exact_inverse(small), g.lr_sweep(small, [1e-3], steps=2)
    with cost.budget(seconds=1e9, memory=1e15):
        seconds, peak, _ = _peak_while(calls[operation])
    return {"seconds": seconds, "bytes": peak}


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
    A64 = torch.randn(n, n, dtype=torch.float64)
    measured["lu float64"] = _best(lambda: torch.linalg.det(A64), 2) / n**3
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


def _refusal_seconds(operation: str, n: int, extra: dict) -> tuple[float, str]:
    """How long gdinverse.cost.require takes to refuse n×n, and its message."""
    clock = time.perf_counter()
    try:
        cost.require(operation, (n, n), **extra)
    except g.CostError as error:
        return time.perf_counter() - clock, str(error)
    return time.perf_counter() - clock, "(not refused)"


def against_n(quick: bool) -> None:
    print("## Time and peak memory against n (float32, a random matrix with κ = 100; each in a fresh process)\n")
    for operation, (sizes, extra) in OPERATIONS.items():
        first = _first_refused(operation, extra)
        tried = [n for n in sizes if n < first][: QUICK_SIZES[operation] if quick else None]
        print(f"### {operation} {extra or ''}\n")
        print("| n | seconds | estimated | peak memory | estimated |\n|---|---|---|---|---|")
        for n in tried:
            got = in_child(["--measure", operation, str(n)])
            estimate = cost.estimate(operation, (n, n), **extra)
            if "error" in got:
                print(f"| {n} | failed: {got['error']} | {estimate.seconds:.3g} | | {_size(estimate.bytes)} |")
                continue
            print(
                f"| {n} | {got['seconds']:.3g} | {estimate.seconds:.3g} | {_size(got['bytes'])} | "
                f"{_size(estimate.bytes)} |"
            )
        seconds, message = _refusal_seconds(operation, first, extra)
        print(f"\nRefused from n = {first} on (in {seconds * 1000:.2f} ms): {message}\n")


# ---------------------------------------------------------------------------- part 3: the caps


def caps() -> None:
    print("## The documented caps\n")
    limit = 4 * 2**30
    got = in_child(["--sweep-at-caps"], memory_limit=limit)
    print(
        f"lr_sweep of a 100×100 matrix, 10⁴ learning rates × 100 steps, under ulimit -v {limit // 2**30} GiB: {got}\n"
    )
    got = in_child(["--inverse-2000"])
    print(
        f"exact_inverse at n = 2000: {got['exact']:.2f} s; torch.linalg.inv plus its check X @ A − I: "
        f"{got['torch']:.2f} s; ratio {got['exact'] / got['torch']:.1f} (target ≤ 3)\n"
    )


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


def inverse_2000() -> dict:
    A = g.preset("random", n=2000, cond=100)
    exact = _best(lambda: g.exact_inverse(A), 1)
    eye = torch.eye(2000)
    plain = _best(lambda: (torch.linalg.inv(A) @ A - eye).abs().max(), 1)
    return {"exact": exact, "torch": plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="measure this machine's kernel speeds first")
    parser.add_argument("--quick", action="store_true", help="the three smallest sizes of each call")
    parser.add_argument("--measure", nargs=2, metavar=("OPERATION", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--sweep-at-caps", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inverse-2000", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
    elif args.sweep_at_caps:
        print(json.dumps(sweep_at_caps()))
    elif args.inverse_2000:
        print(json.dumps(inverse_2000()))
    else:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; limits now: {cost.limits()}\n")
        if args.calibrate:
            print_calibration(calibrate())
        against_n(args.quick)
        caps()


if __name__ == "__main__":
    main()
