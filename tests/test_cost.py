"""Cost known before it is spent: the limits read from the process and the machine, the estimates, and the refusals
(CostError) that name the estimate, the limit and what fits, raised before anything big is allocated.

No timed asserts: benchmarks/sizes.py prints measured times and memory next to the estimates.
"""

import re
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
import scipy.sparse
import torch

import gdinverse as g
from gdinverse import cost

OPERATIONS = list(cost._OPERATIONS)


# ---------------------------------------------------------------------------- limits


def _fake_system(tmp_path, monkeypatch, *, cgroup, files, meminfo_kb=8_000_000):
    """A /proc and /sys/fs/cgroup of our making: ``cgroup`` is /proc/self/cgroup, ``files`` {path: text}."""
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup)
    (proc / "self" / "status").write_text("VmSize:\t  1000 kB\nVmData:\t   500 kB\n")
    (proc / "meminfo").write_text(f"MemTotal: 16000000 kB\nMemAvailable: {meminfo_kb} kB\n")
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    monkeypatch.setattr(cost, "_PROC", proc)
    monkeypatch.setattr(cost, "_CGROUP", root)


def test_the_per_call_budget_is_the_limit_when_the_machine_has_more(tmp_path, monkeypatch):
    _fake_system(tmp_path, monkeypatch, cgroup="0::/\n", files={})
    limits = cost.limits()
    assert (limits.seconds, limits.bytes, limits.memory_source) == (10.0, 2 * 10**9, "the per-call budget")


def test_cgroup_v2_memory_max_at_any_level_counts_less_what_is_used(tmp_path, monkeypatch):
    files = {
        "app.slice/memory.max": str(1_500_000_000),  # the parent's limit binds
        "app.slice/memory.current": str(400_000_000),
        "app.slice/job/memory.max": "max",  # no limit of its own
        "app.slice/job/memory.current": str(300_000_000),
    }
    _fake_system(tmp_path, monkeypatch, cgroup="0::/app.slice/job\n", files=files)
    limits = cost.limits()
    assert (limits.bytes, limits.memory_source) == (1_100_000_000, "cgroup v2 memory.max")


def test_cgroup_v1_memory_limit_counts_and_its_no_limit_value_does_not(tmp_path, monkeypatch):
    files = {"memory/memory.limit_in_bytes": str(1_000_000_000), "memory/memory.usage_in_bytes": str(250_000_000)}
    _fake_system(tmp_path, monkeypatch, cgroup="4:memory:/docker/abc\n0::/\n", files=files)
    assert (cost.limits().bytes, cost.limits().memory_source) == (750_000_000, "cgroup v1 memory.limit_in_bytes")
    files = {"memory/memory.limit_in_bytes": "9223372036854771712", "memory/memory.usage_in_bytes": "1"}
    _fake_system(tmp_path / "2", monkeypatch, cgroup="4:memory:/docker/abc\n", files=files)
    assert cost.limits().memory_source == "the per-call budget"


def test_the_machine_s_available_memory_counts(tmp_path, monkeypatch):
    _fake_system(tmp_path, monkeypatch, cgroup="0::/\n", files={}, meminfo_kb=1_000_000)
    limits = cost.limits()
    assert (limits.bytes, limits.memory_source) == (1_024_000_000, "the machine's available memory (MemAvailable)")


def test_rlimit_as_counts_less_what_the_process_maps():
    """In a process under `ulimit -v` of what it maps plus 1 GiB: the room is the limit less VmSize."""
    code = textwrap.dedent(
        """
        import resource
        from gdinverse import cost
        limit = cost._status_bytes("VmSize") + 2**30
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        limits = cost.limits()
        print(limits.memory_source, limit - cost._status_bytes("VmSize") - limits.bytes)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "RLIMIT_AS"
    assert abs(int(out[1])) < 16 * 2**20  # VmSize may move a little between the two readings


def test_budget_changes_the_limits_in_its_block_only():
    assert cost.limits().seconds == 10.0
    with cost.budget(seconds=60, memory=1e6) as inner:
        assert inner == cost.Budget(seconds=60.0, bytes=1_000_000)
        assert (cost.limits().seconds, cost.limits().bytes) == (60.0, 1_000_000)
        with cost.budget(seconds=1):
            assert (cost.limits().seconds, cost.limits().bytes) == (1.0, 1_000_000)
        seen = []
        thread = threading.Thread(target=lambda: seen.append(cost.limits().seconds))
        thread.start()
        thread.join()
        assert seen == [10.0]  # another thread keeps the default
    assert cost.limits().seconds == 10.0


@pytest.mark.parametrize(("kwargs", "word"), [({"seconds": 0}, "seconds"), ({"memory": -1}, "memory")])
def test_budget_refuses_what_is_not_a_positive_number(kwargs, word):
    with pytest.raises(g.ParameterError, match=word), cost.budget(**kwargs):
        pass


# ---------------------------------------------------------------------------- estimates


@pytest.mark.parametrize("operation", OPERATIONS)
def test_estimates_grow_with_every_size(operation):
    small = cost.estimate(operation, (20, 20), steps=10, runs=2, snapshots=3)
    for bigger in (
        cost.estimate(operation, (40, 40), steps=10, runs=2, snapshots=3),
        cost.estimate(operation, (40, 20), steps=10, runs=2, snapshots=3),
    ):
        assert bigger.seconds > small.seconds and bigger.bytes > small.bytes
    float64 = cost.estimate(operation, (20, 20), dtype="float64", steps=10, runs=2, snapshots=3)
    assert float64.seconds >= small.seconds and float64.bytes >= small.bytes
    if operation in ("gd_inverse", "lr_sweep"):
        assert cost.estimate(operation, (20, 20), steps=20, runs=2, snapshots=3).seconds > small.seconds
        assert cost.estimate(operation, (20, 20), steps=10, runs=4, snapshots=3).bytes > small.bytes


def test_the_memory_of_a_sweep_is_its_tensors():
    """lr_sweep holds, per run, X, its velocity, A, Aᵀ and the step's Aᵀ (k×m each) and three k×k residuals."""
    runs, m, k = 10_000, 100, 100
    estimate = cost.estimate("lr_sweep", (m, k), steps=100, runs=runs)
    held = runs * (5 * m * k + 3 * k * k) * 4
    assert held <= estimate.bytes <= 1.1 * held
    assert "10,000 learning rates × 100 steps" in estimate.operation


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("inverse", (2, 2)), "operation must be one of 'as_matrix'"),
        (("exact_inverse", 5), "shape must be (rows, columns), got 5"),
        (("exact_inverse", (2, -1)), "shape must be at least 0"),
        (("exact_inverse", (2, 2.5)), "shape must be a whole number"),
    ],
)
def test_estimate_refuses_what_it_cannot_estimate(args, message):
    with pytest.raises(g.ParameterError) as info:
        cost.estimate(*args)
    assert message in str(info.value)


# ---------------------------------------------------------------------------- refusals


def _refused(call):
    with pytest.raises(g.CostError) as info:
        call()
    error = info.value
    message = str(error)
    assert "\n" not in message and "gdinverse.cost.budget(seconds=..., memory=...)" in message
    assert isinstance(error.cost, cost.Cost) and isinstance(error.limits, cost.Limits)
    return error, message


def test_the_sweep_at_the_documented_caps_is_refused_with_the_estimate_and_what_fits():
    A = torch.eye(100)
    lrs = np.full(10_000, 1e-3)
    error, message = _refused(lambda: g.lr_sweep(A, lrs, steps=100))
    assert error.cost.bytes > error.limits.bytes  # 3.2 GB of tensors against 2 GB
    assert message.startswith("lr_sweep of a 100×100 float32 matrix, 10,000 learning rates × 100 steps would take")
    assert f"over the limit of {cost._size(error.limits.bytes)} ({error.limits.memory_source})" in message
    fits = int(re.search(r"what fits: ([\d,]+) learning rates at 100 steps", message).group(1).replace(",", ""))
    assert cost._fits(cost.estimate("lr_sweep", (100, 100), steps=100, runs=fits), error.limits)
    assert not cost._fits(cost.estimate("lr_sweep", (100, 100), steps=100, runs=fits + 1), error.limits)


def test_a_sweep_over_the_time_budget_says_how_many_steps_fit():
    with cost.budget(seconds=0.5):
        _, message = _refused(lambda: g.lr_sweep(torch.eye(64), [1e-3] * 40, steps=100_000))
    assert "over the time budget of 0.5 s" in message
    steps = int(re.search(r"what fits: (?:.*?, or )?([\d,]+) steps of 40 runs", message).group(1).replace(",", ""))
    assert cost.estimate("lr_sweep", (64, 64), steps=steps, runs=40).seconds <= 0.5
    assert cost.estimate("lr_sweep", (64, 64), steps=steps + 1, runs=40).seconds > 0.5


def test_what_fits_runs():
    """The sweep the message offers runs."""
    with cost.budget(memory=20e6):
        _, message = _refused(lambda: g.lr_sweep(torch.eye(64), [1e-3] * 400, steps=10))
        fits = int(re.search(r"what fits: ([\d,]+) learning rates", message).group(1).replace(",", ""))
        assert g.lr_sweep(torch.eye(64), [1e-3] * fits, steps=10).final_losses.shape == (fits,)


def test_the_sweep_at_the_caps_is_refused_under_a_4_gib_address_space_limit_instead_of_dying():
    """The issue's case: in a process limited to 4 GiB (ulimit -v), a CostError, not the allocator's death."""
    code = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
        import torch, gdinverse as g
        try:
            g.lr_sweep(torch.eye(100), [1e-3] * 10_000, steps=100)
        except g.CostError as error:
            print("refused:", error)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith("refused: lr_sweep of a 100×100 float32 matrix")


@pytest.mark.parametrize(
    "make",
    [
        lambda: scipy.sparse.eye_array(100_000, format="csr"),  # 80 GB once dense
        lambda: torch.sparse_coo_tensor(
            torch.tensor([[0], [0]]), torch.tensor([1.0]), (10**6, 10**6), check_invariants=True
        ),
        lambda: np.broadcast_to(np.float64(1.0), (60_000, 60_000)),  # no memory now, 28.8 GB as a copy
    ],
    ids=["scipy sparse", "torch sparse", "numpy broadcast"],
)
def test_a_conversion_too_big_for_memory_is_refused_before_it_is_made(make):
    _, message = _refused(lambda: g.as_matrix(make()))
    assert message.startswith("as_matrix of a ")
    assert "of memory, over the limit" in message


def test_pseudo_inverse_estimates_before_it_computes():
    limit = cost.estimate("pseudo_inverse", (30, 30)).bytes - 1
    assert cost.estimate("as_matrix", (30, 30)).bytes < limit  # the conversion fits; the SVD does not
    with cost.budget(memory=limit):
        _, message = _refused(lambda: g.pseudo_inverse(torch.eye(30)))
    assert message.startswith("pseudo_inverse of a 30×30 float32 matrix would take")


def test_a_call_that_fits_is_not_refused_and_require_returns_its_estimate():
    estimate = cost.require("exact_inverse", (50, 50))
    assert estimate == cost.estimate("exact_inverse", (50, 50))
    assert estimate.seconds < 1 and estimate.bytes < 10**6
    with cost.budget(seconds=1e9, memory=1e15):
        assert cost.require("lr_sweep", (100, 100), steps=100, runs=10_000).bytes > 2 * 10**9
