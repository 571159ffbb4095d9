"""Verdicts on finished runs: each one true, each decided with a margin of at least 2x on any CPU.

Every test prints the quantities a verdict rests on next to their thresholds (``pytest -s`` shows them), and
:func:`decided` asserts that the rule that decided the status held by a factor of at least 2: float32 results
differ between CPUs (AVX2 and AVX-512 paths of MKL), and a verdict must not.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import gdinverse as g
from gdinverse import verdict as v

F64 = {"dtype": "float64"}
WIDE = torch.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]])


def decided(result: g.DescentResult) -> v.Verdict:
    """The run's verdict, after checking that the rule behind it held with a 2x margin (and printing it)."""
    verdict = result.verdict
    if verdict.status == "diverged":
        return verdict
    ev = v.evidence(result.matrix, result.inverse, result.losses, method=result.method, lr=result.lr,
                    momentum=result.momentum)  # fmt: skip
    rounding = ev.removable / (v.ROUNDING_FACTOR * ev.rounding)
    floor = ev.excess_loss / (v.FLOOR_FACTOR * ev.eps * ev.floor) if ev.floor > 0 else np.inf
    print(
        f"\n{result.method} {result.matrix.dtype} {result.steps} steps -> {verdict.status}: "
        f"removable/(ROUNDING_FACTOR·u) = {rounding:.3g}, excess/(FLOOR_FACTOR·eps·floor) = {floor:.3g} "
        f"(converged below 1); theory's drop = {ev.theory_drop} (should fall from {v.THEORY_DROP}); "
        f"share of it achieved = {ev.share:.3g} (stuck below {v.PLATEAU_SHARE})"
    )
    if verdict.status == "converged" and ev.converged:
        assert min(rounding, floor) <= 0.5
        return verdict
    assert rounding >= 2 and floor >= 2  # not converged, clearly
    stuck = ev.window >= v.MIN_WINDOW and ev.share <= v.PLATEAU_SHARE / 2
    should_fall = ev.theory_drop is not None and 1 - ev.theory_drop <= (1 - v.THEORY_DROP) / 2
    if verdict.status in ("stalled", "converged"):  # converged here: a float64 run at float64's limit
        assert stuck and should_fall
    else:
        assert verdict.status == "running"
        following = ev.window < v.MIN_WINDOW or ev.share >= 2 * v.PLATEAU_SHARE
        no_fall_due = ev.theory_drop is None or ev.theory_drop <= v.THEORY_DROP / 2
        assert following or no_fall_due or result.final_loss > result.losses[0]
    return verdict


def run(A, **kwargs) -> g.DescentResult:
    return g.gd_inverse(A, **kwargs)


# ---------------------------------------------------------------------------- plain gradient descent


def test_the_seed_run_is_still_running_and_says_how_long_it_needs():
    A = g.preset("diag1234")
    verdict = decided(run(A, lr="seed"))
    assert verdict.status == "running" and 50 <= verdict.steps_more <= 250  # the theory: about 107
    assert "the error along σ = 1 shrinks by 5.8% a step" in verdict.message
    assert "condition number 4" in verdict.message
    # the prediction is true: half as many steps more is not enough, twice as many is
    assert decided(run(A, lr="seed", steps=100 + verdict.steps_more // 2)).status == "running"
    assert decided(run(A, lr="seed", steps=100 + 2 * verdict.steps_more)).status == "converged"


def test_seed_run_keeps_its_losses():
    result = run(g.preset("diag1234"), lr="seed")
    np.testing.assert_allclose(result.losses[[0, 20, 40, 60, 80]], [1.6650, 0.0054, 0.0005, 4.7337e-05, 4.4184e-06],
                               rtol=1e-3, atol=1e-4)  # fmt: skip
    assert not result.stalled and not result.diverged and result.message == result.verdict.message


def test_diag1234_at_the_optimal_lr():
    A = g.preset("diag1234")
    assert decided(run(A, steps=100)).status == "running"
    converged = run(A, steps=1000)
    assert decided(converged).status == "converged"
    assert converged.distance_to(torch.diag(torch.tensor([1.0, 1 / 2, 1 / 3, 1 / 4]))) < 1e-6  # true


def test_a_well_conditioned_random_matrix():
    A = g.preset("random", n=5, cond=10)
    early = decided(run(A, steps=100))
    assert early.status == "running" and early.steps_more > 100
    done = run(A, steps=100 + 2 * early.steps_more)
    assert decided(done).status == "converged"
    assert "Converged" in done.message
    exact = g.exact_inverse(g.preset("random", n=5, cond=10, dtype="float64")).inverse.float()
    assert done.distance_to(exact) < 20 * torch.finfo(torch.float32).eps * 10  # at float32's precision: true


@pytest.mark.parametrize("steps", [100, 5000])
def test_hilbert_6_in_float32_is_running_for_ever_and_names_the_rank_float32_sees(steps):
    A = g.preset("hilbert", n=6)
    result = run(A, steps=steps)
    verdict = decided(result)
    assert verdict.status == "running" and verdict.steps_more > 10**9
    assert "In practice, never" in verdict.message
    assert "gradient descent sees rank 5 of 6" in verdict.message
    assert f"condition number {g.format_condition(g.condition_number(A))}" in verdict.message
    assert "rank 5" not in verdict.message.replace("sees rank 5 of 6", "")  # one rank, one κ
    assert result.distance_to(g.exact_inverse(A, dtype="float64").inverse.float()) > 0.5  # not converged: true


def test_hilbert_6_in_float64_is_running_too():
    A = g.preset("hilbert", n=6, dtype="float64")
    verdict = decided(run(A, steps=5000, **F64))
    assert verdict.status == "running" and verdict.steps_more > 10**9
    assert "sees rank" not in verdict.message  # float64 resolves all six


def test_the_singular_preset_runs_on_then_converges_to_its_floor():
    A = g.preset("singular")
    early = run(A, steps=100)
    assert decided(early).status == "running"
    assert early.final_loss > 100 * g.lr_bounds(A).floor  # 92 against 0.125: far from done, true
    assert "M has rank 2: the loss floor is 0.125" in early.message
    late = run(A, steps=5000)
    assert decided(late).status == "converged"
    assert late.final_loss == pytest.approx(0.125, rel=1e-5)
    assert "Converged to the loss floor (k − rank)/k² = 0.125" in late.message


def test_a_wide_matrix_converges_to_its_floor():
    result = run(WIDE, steps=300)
    assert decided(result).status == "converged"
    assert result.final_loss == pytest.approx(1 / 9, rel=1e-5)
    assert "M is 2×3" in result.message


def test_the_tall_indicator_matrix_converges_to_a_left_inverse():
    A = g.preset("indicator")
    result = run(A, steps=3000)
    assert decided(result).status == "converged"
    torch.testing.assert_close(result.inverse @ A, torch.eye(3), rtol=0, atol=1e-5)  # true


def test_divergence():
    A = g.preset("diag1234")
    result = run(A, lr=1.5 * g.lr_bounds(A).stable_below, steps=200)
    verdict = decided(result)
    assert verdict.status == "diverged" and result.diverged and verdict.steps_more is None
    assert verdict.message.startswith(f"Diverged at step {result.stopped_at}")


def test_an_all_zero_matrix_at_a_given_lr_is_at_its_floor():
    result = run([[0.0, 0.0], [0.0, 0.0]], lr=0.1, steps=10)
    assert result.verdict.status == "converged" and "all zeros" in result.message


# ---------------------------------------------------------------------------- stalls, robust on any CPU


def test_float32_stalls_on_an_ill_conditioned_matrix_and_float64_fixes_it():
    """κ = 50: float32 gradient descent stops near 0.2·eps·κ²·√r, 24x its rounding level u (threshold 5)."""
    A = g.preset("random", n=8, cond=50)
    f32 = run(A, steps=20000)
    assert decided(f32).status == "stalled"
    assert "float64" in f32.message and f32.stalled
    f64 = run(A, steps=20000, **F64)
    assert decided(f64).status == "running" and not f64.stalled
    assert f64.final_loss < 1e-4 * f32.final_loss  # float64 fixes it: true


def test_momentum_stalls_in_float32_too_and_float64_fixes_it():
    A = g.preset("random", n=8, cond=100)
    f32 = run(A, steps=20000, method="momentum")
    assert decided(f32).status == "stalled"
    f64 = run(A, steps=20000, method="momentum", **F64)
    assert decided(f64).status == "converged"
    assert f64.final_loss < 1e-6 * f32.final_loss


@pytest.mark.parametrize(
    ("name", "kwargs", "steps", "status"),
    [
        ("singular", {}, 5000, "converged"),  # its floor 2/16 is convergence, not a stall
        ("indicator", {}, 5000, "converged"),
        ("random", {"n": 8, "cond": 3}, 20000, "converged"),  # at float32's precision
        ("random", {"n": 8, "cond": 1000}, 3000, "running"),  # slow, but following the theory
        ("diag1234", {}, 500, "converged"),  # at float32's noise floor: converged, not stalled
        ("random", {"n": 4, "cond": 10}, 5000, "converged"),
        ("singular", {"n": 6}, 20000, "converged"),  # the loss is at its floor to float32's precision
    ],
)
def test_no_false_stalls(name, kwargs, steps, status):
    result = run(g.preset(name, **kwargs), steps=steps)
    assert decided(result).status == status and not result.stalled


# ---------------------------------------------------------------------------- the other methods


@pytest.mark.parametrize("method", ["momentum", "nesterov", "newton_schulz"])
def test_faster_methods_run_then_converge(method):
    A = g.preset("random", n=6, cond=10)
    short = run(A, steps=5 if method == "newton_schulz" else 30, method=method)
    early = decided(short)
    assert early.status == "running" and early.steps_more is not None
    longer = run(A, steps=short.steps + 2 * early.steps_more + 5, method=method)
    assert decided(longer).status == "converged"


def test_adam_converges_on_the_seed_matrix():
    result = run(g.preset("diag1234"), method="adam", steps=300)
    assert decided(result).status == "converged" and result.final_loss < 1e-10


def test_adam_hovering_is_running_with_no_step_count():
    result = run(g.preset("random", n=8), method="adam", lr=0.3, steps=500)
    verdict = decided(result)
    assert verdict.status == "running" and verdict.steps_more is None
    assert "Adam at a constant lr has no theory" in verdict.message


def test_newton_schulz_on_a_singular_matrix_diverges_and_says_why():
    result = run(g.preset("singular"), method="newton_schulz", steps=100)
    assert decided(result).status == "diverged"
    assert "Newton–Schulz squares the residual" in result.message and "learning rate" not in result.message


def test_verdict_is_kept_with_the_result_and_old_fields_agree():
    result = run(g.preset("random", n=8, cond=50), steps=20000)
    assert result.verdict is result.verdict
    assert (result.stalled, result.diverged, result.message) == (True, False, result.verdict.message)
    assert isinstance(result.verdict, g.Verdict)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("A", "steps"), [(g.parse_matrix("1 2 3; 4 5 6"), 300), (g.preset("singular", n=4), 1000)])
def test_a_loss_floor_does_not_hide_a_run_that_still_follows_the_theory(A, steps, dtype):
    """The loss of a singular or wide matrix is its floor plus what X can remove: the plateau test looks at the
    second, which still falls at the theory's rate (the total loss, floor included, looks flat)."""
    result = g.gd_inverse(A, steps=steps, dtype=dtype)
    assert result.verdict.status == "running" and result.verdict.steps_more is not None
    assert "Stalled" not in result.verdict.message and "as far as float64 allows" not in result.verdict.message
    assert "Still running" in result.verdict.message


def test_a_float64_run_whose_x_has_subnormal_entries_is_judged():
    result = g.gd_inverse(g.preset("diag1234"), lr=0.999, steps=2000, dtype="float64")
    X = result.inverse
    assert ((X != 0) & (X.abs() < torch.finfo(X.dtype).tiny)).any()  # the case: entries below the smallest normal
    assert result.verdict.status == "running" and result.verdict.steps_more is not None


@pytest.mark.parametrize(
    ("lr", "says"), [(1.0, "flips its sign every step without shrinking"), (1.001, "grows by 0.2% a step")]
)
def test_at_or_above_the_stable_limit_the_verdict_says_what_the_loss_does(lr, says):
    result = g.gd_inverse(g.preset("diag1234"), lr=lr, steps=100)
    assert result.final_loss < float(result.losses[0])  # the loss fell: the verdict must not say it grew
    assert says in result.verdict.message and "cannot converge" in result.verdict.message
    assert "the loss grows" not in result.verdict.message


def test_an_lr_just_below_the_limit_is_told_to_come_down_not_to_change_the_method():
    A = g.preset("random", n=8, cond=10)
    bounds = g.lr_bounds(A)
    lr = bounds.stable_below * (1 - 1e-12)  # σ_max's factor 1 − 4e-12 a step: slow because of the lr
    message = g.gd_inverse(A, lr=lr, steps=200).verdict.message
    assert "too close to the stable limit" in message and "exact inverse" not in message


@pytest.mark.parametrize(
    ("A", "dtype"),
    [(torch.diag(torch.tensor([1e8, 1.0])), "float32"), (torch.diag(torch.tensor([1e17, 1.0]).double()), "float64")],
)
def test_a_floor_the_start_sets_is_named_with_its_own_value(A, dtype):
    """σ = 1 beside σ_max = 1e8 is below what float32 resolves (1e17 in float64), yet X times it is not small:
    the loss along it keeps its random start's value, 0.2085 here, not (k − rank)/k² = 0.25 (the verdict once
    said "converged to the loss floor 0.25" above a final loss of 0.2085)."""
    result = g.gd_inverse(A, steps=100, dtype=dtype)
    assert decided(result).status == "converged"
    assert result.final_loss < 0.9 * 0.25  # the case: the start's part along σ = 1 is well off 0.25
    assert f"Converged to this run's loss floor {result.final_loss:.4g}" in result.message
    assert "from zeros it would be (k − rank)/k² = 0.25" in result.message
    from_zeros = g.gd_inverse(A, steps=100, dtype=dtype, init="zeros")
    assert decided(from_zeros).status == "converged"
    assert from_zeros.final_loss == pytest.approx(0.25, rel=1e-5)
    assert "Converged to the loss floor (k − rank)/k² = 0.25" in from_zeros.message


@pytest.mark.parametrize(
    ("A", "low", "high"),
    [
        (g.preset("hilbert", n=8, dtype="float64"), 1e9, 1e10),
        (g.preset("random", n=20, cond=1e6, dtype="float64"), 1e10, 1e11),
    ],
    ids=["hilbert8", "random20-kappa1e6"],
)
def test_the_predicted_steps_follow_the_rate_the_sentence_states(A, low, high):
    """At the optimal lr (the float just below M's limit), M rounded to float32 has σ_max a hair past the limit:
    its own prediction was 'never' and the verdict said 'more than 4.6e+18 more steps' beside 'shrinks by
    2.1e-07% a step', which gives about 2.3e+09 (log(removable/target) over the fraction)."""
    bounds = g.lr_bounds(A, dtype="float32")
    result = g.gd_inverse(A, lr=bounds.optimal, steps=100, record_every=20, dtype="float32")
    verdict = result.verdict
    assert verdict.status == "running" and "In practice, never" in verdict.message
    assert "4.6e+18" not in verdict.message and verdict.steps_more is not None
    assert low < verdict.steps_more < high  # Hilbert 8: 2.3e9; random κ = 1e6: 5.2e10
    assert f"about {verdict.steps_more:.1e} more steps" in verdict.message
    sigma, _ = bounds.slowest(bounds.optimal)
    fraction = 2 * bounds.optimal * sigma**2 / bounds.k**2
    assert f"shrinks by {fraction * 100:.2g}% a step" in verdict.message
    # steps × fraction is the number of e-folds from the removable error down to float32's precision (1.9, 4.8)
    assert 0.5 < verdict.steps_more * fraction < 40
