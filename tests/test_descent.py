"""Gradient descent: agreement with the exact inverse, the step-by-step engine, divergence and stalls."""

import dataclasses

import numpy as np
import pytest
import torch

import gdinverse as g

F64 = {"dtype": "float64"}


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("diag1234", {}),
        ("random", {"n": 8, "cond": 10, "seed": 1}),
        ("rotation", {"n": 5, "angle": 70}),
        ("identity", {"n": 3}),
    ],
)
def test_descent_agrees_with_the_exact_inverse(name, kwargs):
    A = g.preset(name, dtype="float64", **kwargs)
    result = g.gd_inverse(A, steps=5000, **F64)
    assert result.distance_to(g.exact_inverse(A).inverse) < 1e-9
    assert not (result.diverged or result.stalled)


def test_float32_descent_agrees_with_the_exact_inverse_to_float32_precision():
    A = g.preset("random", n=6, cond=5)
    result = g.gd_inverse(A, steps=1000)
    assert result.inverse.dtype == torch.float32
    assert result.distance_to(g.exact_inverse(A).inverse) < 1e-5


def test_from_zeros_a_tall_matrix_gives_the_pseudo_inverse():
    A = g.preset("indicator", dtype="float64")
    result = g.gd_inverse(A, steps=3000, init="zeros", **F64)
    assert result.inverse.shape == (3, 17)
    assert result.distance_to(g.pseudo_inverse(A)) < 1e-9


def test_from_random_a_tall_matrix_gives_another_left_inverse():
    A = g.preset("indicator", dtype="float64")
    result = g.gd_inverse(A, steps=3000, **F64)
    torch.testing.assert_close(result.inverse @ A, torch.eye(3, dtype=torch.float64))
    assert result.distance_to(g.pseudo_inverse(A)) > 0.5  # the start's part orthogonal to A's columns stays


@pytest.mark.parametrize("name", ["singular", "wide"])
def test_a_singular_or_wide_matrix_stops_at_the_floor_with_the_pseudo_inverse(name):
    A = g.preset("singular", dtype="float64") if name == "singular" else torch.tensor([[1.0, 2.0, 0.0], [0.0, 1, 3]])
    result = g.gd_inverse(A, steps=4000, init="zeros", **F64)
    assert result.losses[-1] == pytest.approx(g.lr_bounds(A).floor, rel=1e-9)
    assert result.distance_to(g.pseudo_inverse(A, **F64)) < 1e-8
    assert not result.stalled


def test_autograd_and_analytic_gradients_agree():
    A = torch.randn(5, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    analytic = g.GradientDescent(A, lr=0.1)
    autograd = g.GradientDescent(A, lr=0.1, gradient="autograd")
    torch.testing.assert_close(analytic.grad, autograd.grad)
    k = A.shape[1]
    torch.testing.assert_close(analytic.grad, (2 / k**2) * (analytic.X @ A - torch.eye(k, dtype=A.dtype)) @ A.T)
    np.testing.assert_allclose(analytic.step(50), autograd.step(50), rtol=1e-10)
    torch.testing.assert_close(analytic.X, autograd.X)


def test_step_through_is_the_same_arithmetic_as_a_whole_run():
    A = g.preset("random", n=5, cond=8)
    engine = g.GradientDescent(A, lr="optimal")
    losses = [engine.loss, *engine.step(), *engine.step(10), *engine.step(26)]
    result = g.gd_inverse(A, steps=37, record_every=37)
    assert engine.t == 37
    assert engine.X.equal(result.inverse)
    assert losses == list(result.losses)


def test_engine_shows_the_gradient_and_the_update_before_applying_it():
    A = g.preset("diag1234")
    engine = g.GradientDescent(A, lr="seed")
    before, grad, update = engine.X, engine.grad, engine.update
    torch.testing.assert_close(update, -g.SEED_LR * grad)
    engine.step()
    torch.testing.assert_close(engine.X, before + update, rtol=0, atol=1e-7)
    torch.testing.assert_close(engine.residual, engine.X @ A - torch.eye(4))
    assert engine.t == 1


def test_divergence_stops_and_keeps_what_was_recorded():
    A = g.preset("diag1234")
    limit = g.lr_bounds(A).stable_below
    result = g.gd_inverse(A, lr=1.5 * limit, steps=200, record_every=5)
    assert result.diverged and result.stopped_at is not None
    assert len(result.losses) <= result.stopped_at + 1
    assert np.isfinite(result.losses).all()
    assert max(result.snapshots) < result.stopped_at
    assert torch.isfinite(result.inverse).all()
    assert f"Diverged at step {result.stopped_at}" in result.message
    assert f"stable limit {limit:.4g}" in result.message


@pytest.mark.parametrize(
    ("name", "method", "lr"),
    [("diag1234", "gd", 1.5), ("diag1234", "momentum", 60.0), ("singular", "newton_schulz", "optimal")],
)
def test_the_last_steps_before_a_divergence_are_recorded(name, method, lr):
    """The app's grid and animation show the blow-up, not only step 0 (divergence at step 11, every 20)."""
    A = g.preset(name)
    result = g.gd_inverse(A, lr=lr, steps=400, record_every=20, method=method)
    assert result.diverged
    stop = result.stopped_at
    frames = [t for t in range(stop - g.descent.BLOW_UP_FRAMES, stop) if t >= 0]
    assert all(t in result.snapshots for t in frames), (stop, list(result.snapshots))
    assert list(result.snapshots) == sorted(result.snapshots) and result.inverse is result.snapshots[stop - 1]
    engine = g.GradientDescent(A, lr=lr, method=method)  # replayed exactly: the same X as a step-by-step run
    engine.step(stop - 1)
    assert torch.equal(engine.X, result.snapshots[stop - 1])
    sizes = [float(result.snapshots[t].abs().max()) for t in frames[-3:]]
    assert sizes == sorted(sizes)  # growing: the blow-up is on record


def test_blow_up_frames_respect_the_snapshot_cap():
    result = g.gd_inverse(g.preset("diag1234"), lr=1.5, steps=40, record_every=1, max_snapshots=3)
    assert result.diverged and len(result.snapshots) <= 3 and result.stopped_at - 1 in result.snapshots


def test_an_absurd_learning_rate_diverges_cleanly():
    result = g.gd_inverse(g.preset("diag1234"), lr=1e30, steps=100)
    assert result.diverged and result.stopped_at == 1
    assert np.isfinite(result.losses).all() and len(result.losses) >= 1


def test_slightly_unstable_lr_is_flagged_in_the_message():
    A = g.preset("diag1234")
    result = g.gd_inverse(A, lr=1.01 * g.lr_bounds(A).stable_below, steps=50)
    assert not result.diverged
    assert "at or above the stable limit" in result.message


def test_snapshots_are_capped_and_include_the_last_step():
    result = g.gd_inverse(g.preset("diag1234"), steps=10_000, record_every=1)
    assert len(result.snapshots) <= 200
    assert result.record_every == 51
    steps = list(result.snapshots)
    assert steps[0] == 0 and steps[-1] == 10_000 and steps == sorted(steps)
    assert len(result.losses) == 10_001


def test_snapshots_every_k_and_the_last():
    result = g.gd_inverse(g.preset("diag1234"), steps=45, record_every=20)
    assert list(result.snapshots) == [0, 20, 40, 45]
    with pytest.raises(g.ParameterError, match=r"step 30 was not recorded; recorded steps are 0, 20, 40, 45"):
        result.residual(30)


def test_on_step_reports_progress():
    seen = []
    g.gd_inverse(g.preset("diag1234"), steps=1000, on_step=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (1000, 1000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) >= 10


def test_result_is_frozen():
    result = g.gd_inverse(g.preset("diag1234"), steps=5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.lr = 1.0
    with pytest.raises(ValueError):
        result.losses[0] = 0.0


def with_losses(losses) -> g.DescentResult:
    result = g.gd_inverse(g.preset("diag1234"), steps=5)
    return dataclasses.replace(result, losses=np.asarray(losses, dtype=float))


def test_steps_to_tolerance_is_the_step_after_which_the_loss_stays_below_for_a_while():
    dips = with_losses([1.0, 1e-7, 1e-2, 1e-7, 1e-8, *[1e-9] * 20])  # 24 steps: the window is 10
    assert dips.settle_window() == 10
    assert dips.steps_to_tolerance(1e-6) == 3 and dips.first_below(1e-6) == 1
    assert dips.steps_to_tolerance(1e-10) is None and dips.first_below(1e-10) is None
    assert dips.steps_to_tolerance(10) == 0


def test_a_loss_below_tolerance_only_at_the_end_has_not_settled():
    for tail in (1, 2, 9):
        result = with_losses([1.0] * 300 + [1e-9] * tail)
        assert result.steps_to_tolerance(1e-6) is None, tail
        assert result.first_below(1e-6) == 300
    long = with_losses([1.0] * 300 + [1e-9] * 17)  # 316 steps: the window is 5%, 16 steps
    assert long.settle_window() == 16 and long.steps_to_tolerance(1e-6) == 300


def test_a_short_run_cannot_settle():
    assert with_losses([1e-9] * 6).steps_to_tolerance(1e-6) is None  # 5 steps, fewer than the window of 10


def test_plain_descent_settles():
    result = g.gd_inverse(g.preset("random", n=5, cond=10, dtype="float64"), steps=2000, **F64)
    settled = result.steps_to_tolerance(1e-12)
    assert settled is not None and settled == result.first_below(1e-12)  # gd's loss falls monotonically
    assert (result.losses[settled:] < 1e-12).all() and result.losses[settled - 1] >= 1e-12


@pytest.mark.parametrize("method", ["momentum", "nesterov", "newton_schulz"])
def test_faster_methods_beat_plain_descent(method):
    A = g.preset("random", n=8, cond=30, dtype="float64")
    plain = g.gd_inverse(A, steps=20000, **F64).steps_to_tolerance(1e-12)
    fast = g.gd_inverse(A, steps=3000, method=method, **F64)
    assert fast.steps_to_tolerance(1e-12) < plain
    assert fast.distance_to(g.exact_inverse(A).inverse) < 1e-6


def test_the_engine_batches_learning_rates_through_a_public_interface():
    A = g.preset("diag1234")
    lrs = [0.1, 0.5, 1.5]
    engine = g.GradientDescent.batched(A, lrs)
    assert engine.runs == 3 and engine.options == {"dtype": torch.float32, "device": torch.device("cpu")}
    start = engine.norms()
    assert start.shape == (3,) and torch.equal(start, start[:1].expand(3))  # one start for every lr
    norms = torch.empty(50, engine.runs, **engine.options)
    engine.advance(50, norms)
    assert engine.t == 50 and torch.equal(norms[-1], engine.norms())
    assert engine.divergence(norms[-1]).tolist() == [False, False, True]
    for i, lr in enumerate(lrs):
        single = g.GradientDescent(A, lr=lr)
        losses = single.step(50)
        assert np.array_equal(losses, norms[:, i].double().numpy() ** 2 / 16)


def test_one_residual_function():
    A = g.preset("random", n=4, cond=5)
    X = torch.rand(4, 4)
    torch.testing.assert_close(g.residual(X, A), X @ A - torch.eye(4), rtol=0, atol=0)
    result = g.gd_inverse(A, steps=20, record_every=10)
    assert torch.equal(result.residual(10), g.residual(result.snapshots[10], A))


def test_adam_runs_and_reports_its_lr():
    result = g.gd_inverse(g.preset("diag1234"), method="adam", steps=300)
    assert result.lr == 0.1 and result.losses[-1] < result.losses[0]


def test_numpy_scalars_are_accepted_as_settings():
    result = g.gd_inverse(g.preset("diag1234"), lr=np.float32(0.5), steps=np.int64(10), record_every=np.int32(5))
    assert result.lr == 0.5 and len(result.losses) == 11


def test_integer_boolean_numpy_and_list_inputs_are_accepted():
    for A in ([[2, 0], [0, 4]], np.array([[2, 0], [0, 4]]), torch.tensor([[True, False], [False, True]])):
        assert g.gd_inverse(A, steps=300).losses[-1] < 1e-8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0}, "lr must be a finite number in (0, inf], got 0.0"),
        ({"lr": -0.5}, "got -0.5"),
        ({"lr": float("nan")}, "got nan"),
        ({"lr": float("inf")}, "got inf"),
        ({"lr": "fast"}, "'optimal' or 'seed'; got 'fast'"),
        ({"steps": 0}, "steps must be between 1 and 10,000,000, got 0"),
        ({"steps": 10**12}, "steps must be between 1 and 10,000,000"),
        ({"steps": 2.5}, "steps must be a whole number, got 2.5"),
        ({"record_every": 0}, "record_every must be between 1"),
        ({"init": "ones"}, "init must be one of 'rand', 'zeros'; got 'ones'"),
        ({"method": "sgd"}, "method must be one of 'gd', 'momentum'"),
        ({"gradient": "numeric"}, "gradient must be one of 'auto', 'analytic', 'autograd'"),
        ({"momentum": 0.9}, "momentum is for 'momentum' and 'nesterov', not 'gd'"),
        ({"method": "momentum", "momentum": 1.5}, "momentum must be a finite number in [0, 1], got 1.5"),
        ({"method": "newton_schulz", "lr": 0.1}, "newton_schulz takes no lr"),
        ({"method": "adam", "gradient": "autograd"}, "'autograd' is offered for method 'gd' only"),
        ({"seed": -1}, "seed must be between 0"),
        ({"dtype": torch.int32}, "dtype must be float32 or float64"),
        ({"max_snapshots": 1}, "max_snapshots must be between 2"),
    ],
)
def test_bad_arguments_say_what_to_do(kwargs, message):
    with pytest.raises(g.GdInverseError) as info:
        g.gd_inverse(g.preset("diag1234"), **kwargs)
    assert message in str(info.value)


def test_bad_matrices_are_refused_before_any_step():
    with pytest.raises(g.MatrixInputError, match="1-D input"):
        g.gd_inverse([1.0, 2.0])
    with pytest.raises(g.MatrixInputError, match="all zeros"):
        g.gd_inverse([[0.0, 0.0], [0.0, 0.0]])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU on this machine")
def test_gpu_run_matches_cpu():
    A = g.preset("random", n=16, cond=10, dtype="float64")
    cpu = g.gd_inverse(A, steps=200, **F64)
    gpu = g.gd_inverse(A, steps=200, device="cuda", **F64)
    assert gpu.inverse.device.type == "cuda"
    np.testing.assert_allclose(gpu.losses, cpu.losses, rtol=1e-9)


def _kappas(message: str) -> set[str]:
    """Every "condition number X" a message writes."""
    import re

    return set(re.findall(r"condition number ([0-9∞][0-9.e+\-]*[0-9∞]|[0-9∞])", message))


def test_a_float32_run_of_float64_values_has_the_kappa_of_the_matrix_as_given():
    A = g.preset("hilbert", n=6, dtype="float64")
    kappa = g.format_condition(g.condition_number(A))
    assert kappa == "1.5e+07" != g.format_condition(g.condition_number(A.float()))  # float32's rounding: 1.45e+07
    result = g.gd_inverse(A, dtype="float32", lr="optimal", steps=100)
    assert _kappas(result.verdict.message) == {kappa}
    assert result.bounds.condition_number == g.condition_number(A)
    assert (result.bounds.dtype, result.bounds.rank, result.bounds.resolved_rank) == ("float32", 6, 5)
    assert result.lr == g.lr_bounds(A, dtype="float32").optimal
    # the matrix the run used stays the float32 one: residuals are of it
    assert result.matrix.dtype == torch.float32 and result.given.dtype == torch.float64
    assert torch.equal(result.residual(100), g.residual(result.snapshots[100], A.float()))
    engine = g.GradientDescent(A, dtype="float32")
    assert engine.bounds == result.bounds and engine.A.dtype == torch.float32


def test_the_race_and_a_sweep_take_kappa_from_the_matrix_as_given():
    A = g.preset("hilbert", n=6, dtype="float64")
    kappa = g.format_condition(g.condition_number(A))
    results = g.race(A, ["gd", "momentum", "newton_schulz"], steps=50, dtype="float32")
    for result in results.values():
        assert result.matrix.dtype == torch.float32
        assert result.bounds.condition_number == g.condition_number(A)
        assert _kappas(result.verdict.message) <= {kappa}
    engine = g.GradientDescent.batched(A, [0.1, 1.0], dtype="float32")
    assert engine.bounds.condition_number == g.condition_number(A)


def test_a_float32_tensor_is_its_own_given_matrix():
    A = g.preset("hilbert", n=6)  # float32 values: their κ is the float32 matrix's
    result = g.gd_inverse(A, steps=10)
    assert result.given is result.matrix
    assert result.bounds.condition_number == g.condition_number(A)
