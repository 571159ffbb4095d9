"""Benchmark gdinverse's gradient descent against the seed notebook's loop and against bare matrix products.

Four measurements on the CPU, each printed as a markdown table with a note on whether its target is met:

1. µs per step of the seed notebook's autograd loop, of whole ``gd_inverse`` calls (every loss recorded) and of
   the engine alone (``GradientDescent.advance``), at n = 4, 64, 256, 1024. Target: gd_inverse ≥ 8× the seed at n = 4.
2. Achieved GFLOP/s (a step is two n×n×n products, 4n³ flops) against a bare loop of the same two fused products
   (``torch.addmm``). Target: gd_inverse within 15% of the bare loop at n ≥ 256.
3. ``lr_sweep`` over 200 learning rates against 200 separate ``gd_inverse`` calls, at n = 4 and 64.
   Targets: ≥ 10× faster at n = 4, and bitwise identical final losses (asserted).
4. Time and peak RSS of a 10,000-step ``gd_inverse`` run at n = 256 with record_every=1 (in a fresh process),
   against keeping every snapshot (target: peak growth under 5% of that naive estimate), and of a 3,000-step run.

``--quick`` takes fewer steps, one timed repeat, and a single 10,000-step memory run at n = 128.

Every timing is the minimum over five repeats after a warm-up round; the contenders are run in turn within each
repeat so that a burst of load from elsewhere hits them alike. Matrices are ``preset("random", n=n, cond=10)``
with the optimal learning rate, so nothing diverges. Run from the repository root:

    python benchmarks/bench_descent.py            # full version, a few minutes
    python benchmarks/bench_descent.py --quick    # short version, under 30 s
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # use this checkout's gdinverse, installed or not
import gdinverse
from gdinverse.sweep import lr_sweep

# long: n and step counts of the memory runs; the 3,000-step one shows that the peak depends on the allocation pattern
FULL = {
    "steps": {4: 2000, 64: 2000, 256: 500, 1024: 20},
    "repeats": 5,
    "sweep_steps": 500,
    "long": (256, (10_000, 3_000)),
}
QUICK = {"steps": {4: 500, 64: 500, 256: 100, 1024: 5}, "repeats": 1, "sweep_steps": 100, "long": (128, (10_000,))}
SWEEP_SIZES, SWEEP_LRS = (4, 64), 200


def problem(n: int) -> tuple[torch.Tensor, float]:
    """A well-conditioned n×n float32 matrix and its optimal learning rate."""
    A = gdinverse.preset("random", n=n, cond=10)
    return A, gdinverse.lr_bounds(A).optimal


def race(contenders: dict[str, Callable[[], Callable[[], object]]], repeats: int) -> tuple[dict, dict]:
    """Best wall time of each contender and its last result.

    A contender is a ``prepare()`` that does untimed setup and returns the ``run()`` to time. One warm-up round,
    then ``repeats`` rounds, each running every contender once in turn.
    """
    best, results = dict.fromkeys(contenders, float("inf")), {}
    for round_ in range(repeats + 1):
        for name, prepare in contenders.items():
            run = prepare()
            start = time.perf_counter()
            results[name] = run()
            if round_:
                best[name] = min(best[name], time.perf_counter() - start)
    return best, results


# ------------------------------------------------------------------ the contenders


def seed_loop(A: torch.Tensor, lr: float, steps: int) -> list:
    """The seed notebook's loop: autograd on mse(I, X @ A), its ``update`` without the printing."""
    n = A.shape[0]
    identity = torch.eye(n)
    X = torch.nn.Parameter(torch.rand(n, n))
    losses = []
    for _ in range(steps):
        Y_hat = X @ A
        loss = ((identity - Y_hat) ** 2).mean()
        loss.backward()
        losses.append(loss.detach().numpy())
        with torch.no_grad():
            X.sub_(lr * X.grad)
            X.grad.zero_()
    return losses


def bare_loop(A: torch.Tensor, lr: float, steps: int) -> Callable[[], torch.Tensor]:
    """Setup for the same step as gdinverse's (R = XA − I; X += R·(−2lr/n²)Aᵀ) as two addmm calls and nothing else."""
    n = A.shape[0]
    X, R, neg_eye = torch.rand(n, n), torch.empty(n, n), -torch.eye(n)
    step_At = ((-2.0 * lr / n**2) * A.T).contiguous()

    def run() -> torch.Tensor:
        for _ in range(steps):
            torch.addmm(neg_eye, X, A, out=R)
            X.addmm_(R, step_At)
        return X

    return run


def engine_loop(A: torch.Tensor, lr: float, steps: int) -> Callable[[], torch.Tensor]:
    """Setup for the engine's inner loop alone: ``advance`` writing every step's residual norm."""
    engine, norms = gdinverse.GradientDescent(A, lr=lr), torch.empty(steps, 1)
    return lambda: engine.advance(steps, norms) or norms


# ------------------------------------------------------------------ measurements


def per_step(steps_by_n: dict[int, int], repeats: int) -> dict[int, dict[str, float]]:
    """Seconds per step of each contender at each n (sections 1 and 2)."""
    out = {}
    for n, steps in steps_by_n.items():
        A, lr = problem(n)
        best, _ = race(
            {
                "seed": lambda A=A, lr=lr, s=steps: lambda: seed_loop(A, lr, s),
                "gd_inverse": lambda A=A, lr=lr, s=steps: (
                    lambda: gdinverse.gd_inverse(A, lr=lr, steps=s, record_every=s)
                ),
                "engine": lambda A=A, lr=lr, s=steps: engine_loop(A, lr, s),
                "bare": lambda A=A, lr=lr, s=steps: bare_loop(A, lr, s),
            },
            repeats,
        )
        out[n] = {name: secs / steps for name, secs in best.items()} | {"steps": steps}
        print(f"  n={n}: done", file=sys.stderr, flush=True)
    return out


def sweep_vs_calls(n: int, steps: int, repeats: int) -> dict:
    """Section 3: one lr_sweep against separate gd_inverse calls over the same learning rates."""
    A, _ = problem(n)
    bounds = gdinverse.lr_bounds(A)
    lrs = np.geomspace(bounds.optimal / 100, bounds.stable_below * 0.99, SWEEP_LRS)

    def calls() -> np.ndarray:
        return np.array(
            [gdinverse.gd_inverse(A, lr=float(lr), steps=steps, record_every=steps).losses[-1] for lr in lrs]
        )

    best, results = race({"sweep": lambda: lambda: lr_sweep(A, lrs, steps=steps), "calls": lambda: calls}, repeats)
    sweep = results["sweep"]
    return best | {
        "identical": bool(np.all(sweep.final_losses == results["calls"])),
        "diverged": int(sweep.diverged.sum()),
    }


def rss() -> tuple[int, int]:
    """This process's resident set size and its peak since the last reset, in bytes (Linux)."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return tuple(int(status[key].split()[0]) * 1024 for key in ("VmRSS", "VmHWM"))


def long_run(n: int, steps: int) -> dict:
    """Section 4: one gd_inverse run recording every step, meant for a fresh process (a clean allocator).

    The peak is Linux's VmHWM, reset just before the run (ru_maxrss would not do: a spawned child starts from
    its parent's peak).
    """
    A, lr = problem(n)
    gdinverse.gd_inverse(A, lr=lr, steps=100, record_every=100)  # warm-up, keeping two snapshots
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    base, _ = rss()
    start = time.perf_counter()
    result = gdinverse.gd_inverse(A, lr=lr, steps=steps, record_every=1)
    secs = time.perf_counter() - start
    _, peak = rss()
    kept = sum(X.numel() * X.element_size() for X in result.snapshots.values())
    return {
        "secs": secs,
        "stride": result.record_every,
        "snapshots": len(result.snapshots),
        "kept": kept + result.losses.nbytes + result.times.nbytes,
        "growth": max(peak - base, 0),
    }


# ------------------------------------------------------------------ printing


def table(headers: list[str], rows: list[list]) -> None:
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---:" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def note(met: bool, text: str) -> None:
    print(f"{'Target met' if met else 'TARGET MISSED'}: {text}\n")


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def report_per_step(t: dict[int, dict[str, float]]) -> None:
    print("## 1. µs per step: the seed loop vs gd_inverse\n")
    table(
        ["n", "steps", "seed loop", "gd_inverse", "engine", "gd_inverse speed-up", "engine speed-up", "overhead ms"],
        [
            [
                n,
                r["steps"],
                us(r["seed"]),
                us(r["gd_inverse"]),
                us(r["engine"]),
                f"{r['seed'] / r['gd_inverse']:.1f}×",
                f"{r['seed'] / r['engine']:.1f}×",
                f"{(r['gd_inverse'] - r['engine']) * r['steps'] * 1e3:,.1f}",
            ]
            for n, r in t.items()
        ],
    )
    print("engine: GradientDescent.advance alone. overhead: a whole gd_inverse call minus the engine's steps.\n")
    speedup = t[4]["seed"] / t[4]["gd_inverse"]
    note(speedup >= 8, f"gd_inverse is {speedup:.1f}× faster per step than the seed loop at n = 4 (target ≥ 8×).")


def report_gflops(t: dict[int, dict[str, float]]) -> None:
    print("## 2. GFLOP/s (4n³ flops a step) vs a bare loop of the same two matrix products\n")
    names = ("bare", "engine", "gd_inverse")
    table(
        ["n", "bare µs/step", *(f"{name} GFLOP/s" for name in names), "engine / bare", "gd_inverse / bare"],
        [
            [
                n,
                us(r["bare"]),
                *(f"{4 * n**3 / r[name] / 1e9:.1f}" for name in names),
                f"{r['bare'] / r['engine']:.2f}",
                f"{r['bare'] / r['gd_inverse']:.2f}",
            ]
            for n, r in t.items()
        ],
    )
    big = [n for n in t if n >= 256]
    whole, engine = (min(t[n]["bare"] / t[n][name] for n in big) for name in ("gd_inverse", "engine"))
    note(
        whole >= 0.85,
        f"at n ≥ 256 whole gd_inverse calls reach ≥ {whole:.0%} of the bare loop's GFLOP/s and the engine alone"
        f" ≥ {engine:.0%} (target 85%).",
    )


def report_sweep(sweeps: dict[int, dict], steps: int) -> None:
    print(f"## 3. Learning-rate sweep: lr_sweep vs {SWEEP_LRS} gd_inverse calls, {steps} steps each\n")
    table(
        ["n", "lrs", "lr_sweep s", "separate calls s", "speed-up", "diverged", "identical"],
        [
            [
                n,
                SWEEP_LRS,
                f"{s['sweep']:.3f}",
                f"{s['calls']:.3f}",
                f"{s['calls'] / s['sweep']:.1f}×",
                s["diverged"],
                "yes" if s["identical"] else "no",
            ]
            for n, s in sweeps.items()
        ],
    )
    speedup = sweeps[4]["calls"] / sweeps[4]["sweep"]
    identical = all(s["identical"] for s in sweeps.values())
    note(
        speedup >= 10 and identical,
        f"lr_sweep is {speedup:.1f}× faster at n = 4 (target ≥ 10×); final losses bitwise identical: {identical}.",
    )
    assert identical, "lr_sweep's final losses differ from separate gd_inverse calls"


def report_memory(n: int, runs: dict[int, dict]) -> None:
    print(f"## 4. Memory: gd_inverse at n = {n}, record_every=1, each run in a fresh process\n")
    naive = {steps: steps * n**2 * 4 for steps in runs}
    table(
        [
            "steps",
            "µs/step",
            "stride",
            "snapshots",
            "result MB",
            "peak RSS growth MB",
            "÷ result",
            "naive MB",
            "÷ naive",
        ],
        [
            [
                f"{steps:,}",
                us(m["secs"] / steps),
                m["stride"],
                m["snapshots"],
                f"{m['kept'] / 2**20:.1f}",
                f"{m['growth'] / 2**20:.1f}",
                f"{m['growth'] / m['kept']:.1f}×",
                f"{naive[steps] / 2**20:,.0f}",
                f"{m['growth'] / naive[steps]:.1%}",
            ]
            for steps, m in runs.items()
        ],
    )
    print(f"naive: keeping every snapshot, steps × {n}² × 4 bytes.\n")
    steps = next(iter(runs))
    growth = runs[steps]["growth"] / naive[steps]
    note(growth < 0.05, f"at {steps:,} steps peak RSS grew by {growth:.1%} of the naive estimate (target < 5%).")
    for steps, m in runs.items():
        if m["growth"] > 2 * m["kept"]:
            print(f"But at {steps:,} steps the peak growth is {m['growth'] / m['kept']:.1f}× the result's size.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats: finishes in under 30 s")
    quick = parser.parse_args().quick
    config = QUICK if quick else FULL
    print(f"# gdinverse descent benchmark{' (--quick)' if quick else ''}\n")
    print(f"torch {torch.__version__}; torch.get_num_threads() {torch.get_num_threads()} (the default);", end=" ")
    print(f"os.cpu_count() {os.cpu_count()}; load average at start {os.getloadavg()[0]:.2f};", end=" ")
    print(f"every time is the best of {config['repeats']} timed round(s) after a warm-up\n")

    t = per_step(config["steps"], config["repeats"])
    report_per_step(t)
    report_gflops(t)
    sweeps = {n: sweep_vs_calls(n, config["sweep_steps"], max(config["repeats"] - 2, 1)) for n in SWEEP_SIZES}
    report_sweep(sweeps, config["sweep_steps"])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), max_tasks_per_child=1) as pool:
        n, steps = config["long"]
        report_memory(n, {s: pool.submit(long_run, n, s).result() for s in steps})
    load, threads = os.getloadavg()[0], torch.get_num_threads()
    print(f"Load average at the end {load:.2f}: this script alone keeps it near {threads}; more means shared CPUs.")


if __name__ == "__main__":
    main()
