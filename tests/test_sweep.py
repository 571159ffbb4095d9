"""The learning-rate sweep: one batched computation, the same numbers as separate runs."""

import numpy as np
import pytest

import gdinverse as g
from gdinverse.sweep import lr_sweep


@pytest.mark.parametrize(("name", "n"), [("random", 4), ("random", 16), ("indicator", 4), ("singular", 4)])
def test_sweep_equals_separate_runs_exactly(name, n):
    A = g.preset(name, n=n)
    bounds = g.lr_bounds(A)
    lrs = np.geomspace(bounds.optimal / 50, 1.5 * bounds.stable_below, 9)
    sweep = lr_sweep(A, lrs, steps=120)
    for lr, final, diverged in zip(sweep.lrs, sweep.final_losses, sweep.diverged, strict=True):
        run = g.gd_inverse(A, lr=lr, steps=120, record_every=120)
        assert final == run.losses[-1]
        assert diverged == run.diverged
    assert sweep.diverged[-1] and not sweep.diverged[:-2].any()


@pytest.mark.parametrize(("name", "n"), [("random", 4), ("diag1234", 4), ("singular", 5)])
def test_every_step_of_every_run_equals_its_separate_run_and_stops_where_it_diverged(name, n):
    A = g.preset(name, n=n)
    bounds = g.lr_bounds(A)
    lrs = [bounds.optimal / 3, bounds.optimal, 1.3 * bounds.stable_below]
    sweep = lr_sweep(A, lrs, steps=80, seed=7)
    assert sweep.losses.shape == sweep.predicted_losses.shape == (81, 3)
    for i, lr in enumerate(lrs):
        run = g.gd_inverse(A, lr=lr, steps=80, seed=7)
        shown = sweep.losses[: run.losses.size, i]
        np.testing.assert_array_equal(shown, run.losses)  # the same step, bit for bit
        assert np.isnan(sweep.losses[run.losses.size + 1 :, i]).all()
        assert sweep.final_losses[i] == run.losses[-1]
        theory = g.predicted_losses(A, lr=lr, steps=80, X0=run.snapshots[0])
        np.testing.assert_allclose(sweep.predicted_losses[:, i], theory, rtol=1e-12)
    assert sweep.diverged.tolist() == [False, False, True]


def test_sweep_matches_the_theory_in_float64():
    A = g.preset("random", n=5, cond=10, dtype="float64")
    bounds = g.lr_bounds(A)
    lrs = np.linspace(0.1, 0.95, 6) * bounds.stable_below
    sweep = lr_sweep(A, lrs, steps=50, init="zeros", dtype="float64")
    theory = [g.predicted_losses(A, lr=lr, steps=50)[-1] for lr in lrs]
    np.testing.assert_allclose(sweep.final_losses, theory, rtol=1e-9)


def test_sweep_float64_and_seed():
    A = g.preset("diag1234")
    a = lr_sweep(A, [0.1, 0.5], steps=10, seed=1, dtype="float64")
    b = lr_sweep(A, [0.1, 0.5], steps=10, seed=2, dtype="float64")
    assert not np.array_equal(a.final_losses, b.final_losses)


@pytest.mark.parametrize(
    ("lrs", "kwargs", "message"),
    [
        ([], {}, "non-empty list of learning rates"),
        ("0.1", {}, "non-empty list"),
        ([0.1, -1], {}, "every lr must be a finite number in (0, inf], got -1.0"),
        ([0.1, float("nan")], {}, "got nan"),
        ([0.1], {"steps": 0}, "steps must be between 1"),
        (np.ones(20_000), {}, "more than 10,000"),
    ],
)
def test_sweep_bad_arguments(lrs, kwargs, message):
    with pytest.raises(g.GdInverseError) as info:
        lr_sweep(g.preset("diag1234"), lrs, **kwargs)
    assert message in str(info.value)
