"""The optimizer race and its honest table, the sweep's theory, and the reference inverse."""

import dataclasses

import numpy as np
import pytest
import torch

import gdinverse as g


def test_race_runs_every_method_from_the_same_start():
    A = g.preset("random", n=6, cond=10, dtype="float64")
    results = g.race(A, steps=200, dtype="float64")
    assert list(results) == list(g.METHODS)
    starts = {m: r.snapshots[0] for m, r in results.items() if m != "newton_schulz"}
    assert all(torch.equal(x, starts["gd"]) for x in starts.values())
    bounds = g.lr_bounds(A)
    assert results["gd"].lr == pytest.approx(bounds.optimal)
    assert (results["momentum"].lr, results["momentum"].momentum) == pytest.approx(bounds.heavy_ball)
    assert (results["nesterov"].lr, results["nesterov"].momentum) == pytest.approx(bounds.nesterov)


def test_race_table_is_honest_about_a_dip_that_does_not_last():
    results = g.race(g.preset("diag1234"), ["adam"], steps=300, lrs={"adam": 0.3})
    dips = dataclasses.replace(results["adam"], losses=np.array([1.0, 1e-7, 1e-2, 1e-7, 1e-8, *[1e-9] * 20]))
    (row,) = g.race_table({"adam": dips}, tol=1e-6)
    assert (row.first_below, row.steps_to_tolerance, row.settled) == (1, 3, "3")
    (never,) = g.race_table({"adam": dips}, tol=1e-10)
    assert never.steps_to_tolerance is None and never.milliseconds is None and never.settled == "never below"
    late = dataclasses.replace(results["adam"], losses=np.array([1.0] * 299 + [1e-9] * 2))  # the last 2 steps
    (row,) = g.race_table({"adam": late}, tol=1e-6)
    assert (row.first_below, row.steps_to_tolerance, row.settled) == (299, None, "not settled")


def test_adam_at_a_constant_lr_dips_but_never_settles():
    """Robust on any CPU: the dip goes 1e5x below the tolerance, and the last window stays 100x above it."""
    (result,) = g.race(g.preset("random", n=8), ["adam"], steps=500, lrs={"adam": 0.3}).values()
    tol = 1e-8
    window = result.losses[-result.settle_window() - 1 :]
    print(f"\nmin loss / tol = {result.losses.min() / tol:.2g} (dips below 0.5); last window max / tol = "
          f"{window.max() / tol:.2g} (does not settle above 2)")  # fmt: skip
    assert result.losses.min() <= tol / 2 and window.max() >= 2 * tol
    (row,) = g.race_table({"adam": result}, tol=tol)
    assert row.first_below is not None and row.steps_to_tolerance is None and row.settled == "not settled"
    assert row.status == "running"


def test_plain_descent_settles_and_the_row_says_when():
    (result,) = g.race(g.preset("random", n=5, cond=10), ["gd"], steps=1000).values()
    (row,) = g.race_table({"gd": result}, tol=1e-8)
    print(f"\nfinal loss / tol = {result.final_loss / 1e-8:.2g} (settled below 0.5)")
    assert result.final_loss <= 1e-8 / 2
    assert row.steps_to_tolerance == row.first_below and row.settled == f"{row.first_below:,}"
    assert row.milliseconds > 0 and row.status == "converged"


def test_race_table_errors_are_against_the_exact_inverse_or_the_pseudo_inverse():
    square = g.race(g.preset("random", n=5, dtype="float64"), ["newton_schulz"], steps=30, dtype="float64")
    (row,) = g.race_table(square, tol=1e-12)
    assert row.error < 1e-10 and row.steps_to_tolerance < 30 and row.milliseconds > 0
    singular = g.race(g.preset("singular", dtype="float64"), ["gd"], steps=3000, init="zeros", dtype="float64")
    (row,) = g.race_table(singular, tol=0.2)
    assert row.error < 1e-6  # from zeros, descent is at the pseudo-inverse
    assert row.final_loss == pytest.approx(2 / 16)


def test_momentum_transient_is_not_called_a_divergence():
    """Heavy ball on Hilbert 4×4 first grows over a millionfold, as its theory allows, then comes back down."""
    A = g.preset("hilbert", n=4, dtype="float64")
    result = g.gd_inverse(A, method="momentum", steps=60_000, record_every=60_000, dtype="float64")
    assert result.losses.max() > 1e6 * result.losses[0]
    assert not result.diverged and result.losses[-1] < 1e-4 * result.losses.max()


def test_newton_schulz_power_iteration_start_beats_the_textbook_start():
    for seed in range(3):
        A = g.preset("random", n=8, cond=10, seed=seed, dtype="float64")
        ours = g.gd_inverse(A, method="newton_schulz", steps=40, dtype="float64").steps_to_tolerance(1e-20)
        X, eye = A.T / (torch.linalg.matrix_norm(A, 1) * torch.linalg.matrix_norm(A, float("inf"))), torch.eye(8)
        textbook = next(t for t in range(100) if ((X := X @ (2 * eye - A @ X)) @ A - eye).pow(2).mean() < 1e-20) + 1
        assert ours < textbook


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"methods": []}, "choose at least one method"),
        ({"methods": ["sgd"]}, "method must be one of"),
        ({"lrs": {"newton_schulz": 0.1}}, "a method in lrs must be one of"),
        ({"lrs": {"adam": -1}}, "lr must be a finite number"),
        ({"steps": 0}, "steps must be between 1"),
    ],
)
def test_race_bad_arguments(kwargs, message):
    with pytest.raises(g.GdInverseError) as info:
        g.race(g.preset("diag1234"), **kwargs)
    assert message in str(info.value)


def test_race_table_bad_arguments():
    with pytest.raises(g.ParameterError, match="the race has no results"):
        g.race_table({})
    with pytest.raises(g.ParameterError, match="tol must be"):
        g.race_table(g.race(g.preset("diag1234"), ["gd"], steps=5), tol=0)


def test_best_inverse():
    name, inverse = g.best_inverse(g.preset("diag1234"))
    assert name == "exact inverse" and inverse[1, 1] == pytest.approx(0.5)
    assert g.best_inverse(g.preset("singular"))[0] == "pseudo-inverse"
    assert g.best_inverse(g.preset("indicator"))[1].shape == (3, 17)
    assert g.best_inverse(g.preset("hilbert", n=6))[0] == "exact inverse"  # ill-conditioned, but resolved
    assert g.best_inverse(g.preset("hilbert", n=6), dtype="float64")[0] == "exact inverse"


def test_predicted_final_losses_match_predicted_losses_and_the_sweep():
    A = g.preset("random", n=5, cond=10, dtype="float64")
    bounds = g.lr_bounds(A)
    lrs = bounds.grid(7, high=0.95)
    finals = g.predicted_final_losses(A, lrs, steps=30)
    each = [g.predicted_losses(A, lr=lr, steps=30)[-1] for lr in lrs]
    np.testing.assert_allclose(finals, each, rtol=1e-12)
    sweep = g.lr_sweep(A, lrs, steps=30, init="zeros", dtype="float64")
    np.testing.assert_allclose(sweep.predicted, sweep.final_losses, rtol=1e-9)
    assert sweep.best_lr == pytest.approx(lrs[np.argmin(sweep.final_losses)])


def test_lr_grid_spans_the_stable_limit():
    bounds = g.lr_bounds(g.preset("diag1234"))
    grid = bounds.grid(5)
    assert grid[0] == pytest.approx(1e-3) and grid[-1] == pytest.approx(2.0) and len(grid) == 5
    with pytest.raises(g.ParameterError, match="count must be between 2"):
        bounds.grid(1)


def test_a_low_loss_and_a_small_error_can_be_different_runs():
    """Hilbert 8 in float64: Newton–Schulz's X is within ~1e-7 of M⁻¹ yet leaves a loss near 100 (κ = 1.5e10
    multiplies X's error by M); gd's loss is lower and its error about 1."""
    M = g.preset("hilbert", n=8, dtype="float64")
    rows = g.race_table(g.race(M, ("gd", "newton_schulz"), steps=500, dtype="float64"), matrix=M)
    pair = g.loss_and_error_disagree(rows)
    assert pair is not None
    low_loss, low_error = pair
    assert (low_loss.method, low_error.method) == ("gd", "newton_schulz")
    assert low_error.error < 1e-4 < 0.1 < low_loss.error and low_error.final_loss > 10 * low_loss.final_loss
    seed = g.race_table(g.race(g.preset("diag1234"), ("gd", "momentum", "newton_schulz")))
    assert g.loss_and_error_disagree(seed) is None  # well conditioned: the two measures agree


def test_a_repeated_race_times_each_method_by_the_median_of_its_runs():
    """One run's time is noise (gd 11.1 ms and momentum 51.3 ms once, 72.4 and 33.6 ms the next time): repeated, the
    same arithmetic each time, the table gives each step's median and the spread."""
    A = g.preset("diag1234")
    once = g.race(A, ["gd", "momentum"], steps=200)
    race = g.race(A, ["gd", "momentum"], steps=200, repeats=3)
    assert isinstance(race, g.Race) and list(race) == ["gd", "momentum"] and len(race) == 2
    for method in race:
        np.testing.assert_array_equal(race[method].losses, once[method].losses)  # the seed's numbers, unchanged
        seconds = race.seconds[method]
        assert seconds.shape == (3, 201) and np.all(np.diff(seconds, axis=1) >= 0)
        np.testing.assert_array_equal(race[method].times, np.median(seconds, axis=0))
    for row in g.race_table(race, tol=1e-6):
        runs = sorted(race.seconds[row.method][:, row.steps_to_tolerance] * 1000)
        assert row.timing.runs == pytest.approx(runs)
        assert row.milliseconds == pytest.approx(runs[1]) == row.timing.median
        assert (row.timing.low, row.timing.high) == pytest.approx((runs[0], runs[2]))
        assert row.timing.text == f"{runs[1]:.3g} ({runs[0]:.3g}–{runs[2]:.3g})"
    (never,) = g.race_table({"gd": race["gd"]}, tol=1e-40)
    assert never.timing is None and never.milliseconds is None


def test_a_time_budget_stops_the_repeats_but_never_the_first_race():
    race = g.race(g.preset("diag1234"), ["gd", "adam"], steps=50, repeats=5, time_budget=0.0)
    assert {m: s.shape[0] for m, s in race.seconds.items()} == {"gd": 1, "adam": 1}
    (row,) = g.race_table({"gd": race["gd"]}, tol=1e-3)  # a plain dict: its one run's time
    assert row.timing.runs == (pytest.approx(race["gd"].times[row.steps_to_tolerance] * 1000),)
    assert row.timing.text.endswith("(one run)")
    with pytest.raises(g.GdInverseError, match="repeats"):
        g.race(g.preset("diag1234"), ["gd"], repeats=0)
