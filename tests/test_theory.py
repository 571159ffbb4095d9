"""The theory of the learning rate and the closed-form loss curve, checked against real runs."""

import numpy as np
import pytest
import torch

import gdinverse as g

F64 = {"dtype": "float64"}


def test_lr_bounds_of_the_seed_matrix():
    bounds = g.lr_bounds(g.preset("diag1234"))
    assert bounds.stable_below == pytest.approx(16 / 16)  # k²/σ_max² with k = 4, σ_max = 4
    assert bounds.optimal == pytest.approx(16 / 17)  # k²/(σ_min² + σ_max²)
    assert (bounds.rank, bounds.floor, bounds.condition_number) == (4, 0.0, pytest.approx(4.0))
    assert g.SEED_LR < bounds.stable_below


@pytest.mark.parametrize("name", ["diag1234", "random", "hilbert", "indicator", "singular"])
def test_stable_limit_is_where_descent_starts_to_diverge(name):
    A = g.preset(name, dtype="float64")
    limit = g.lr_bounds(A).stable_below
    below = g.gd_inverse(A, lr=0.98 * limit, steps=3000, init="zeros", **F64)
    above = g.gd_inverse(A, lr=1.02 * limit, steps=3000, init="zeros", **F64)
    assert not below.diverged and below.losses[-1] < below.losses[0]
    assert above.diverged and "stable limit" in above.message


def test_optimal_lr_minimises_the_slowest_factor():
    bounds = g.lr_bounds(g.preset("random", n=6, cond=20))
    best = bounds.factor(bounds.optimal)
    assert best == pytest.approx((20**2 - 1) / (20**2 + 1), rel=1e-6)
    for scale in (0.5, 0.9, 1.1, 1.5):
        assert bounds.factor(scale * bounds.optimal) > best


def test_momentum_parameters_follow_polyak_and_nesterov():
    bounds = g.lr_bounds(g.preset("diag1234"))
    lr, beta = bounds.heavy_ball
    assert lr == pytest.approx(2 * 16 / (4 + 1) ** 2)
    assert beta == pytest.approx(((4 - 1) / (4 + 1)) ** 2)
    assert bounds.nesterov == pytest.approx((16 / (2 * 16), 3 / 5))


@pytest.mark.parametrize(
    ("name", "init"),
    [("random", "rand"), ("random", "zeros"), ("hilbert", "rand"), ("indicator", "rand"), ("singular", "rand")],
)
def test_predicted_losses_match_the_run_in_float64(name, init):
    A = g.preset(name, dtype="float64")
    result = g.gd_inverse(A, steps=40, init=init, **F64)
    predicted = g.predicted_losses(A, lr=result.lr, steps=40, X0=result.snapshots[0])
    np.testing.assert_allclose(predicted, result.losses, rtol=1e-9)


def test_predicted_losses_for_a_wide_matrix_and_the_seed_lr():
    A = torch.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0]], dtype=torch.float64)  # 2×3: X @ A can't reach I_3
    result = g.gd_inverse(A, lr="seed", steps=60, **F64)
    predicted = g.predicted_losses(A, lr="seed", steps=60, X0=result.snapshots[0])
    np.testing.assert_allclose(predicted, result.losses, rtol=1e-9)
    assert predicted[-1] == pytest.approx(g.lr_bounds(A).floor, rel=1e-3)  # (k − rank)/k² = 1/9


def test_predicted_losses_follow_float32_to_float_precision():
    A = g.preset("diag1234")
    result = g.gd_inverse(A, lr="seed", steps=60)
    predicted = g.predicted_losses(A, lr="seed", steps=60, X0=result.snapshots[0])
    np.testing.assert_allclose(predicted, result.losses, rtol=1e-4)


def test_steps_to_tolerance():
    A = g.preset("random", n=5, cond=10, dtype="float64")
    lr = g.lr_bounds(A).optimal
    n = g.steps_to_tolerance(A, lr=lr, tol=1e-12)
    curve = g.predicted_losses(A, lr=lr, steps=n)
    assert curve[n] <= 1e-12 < curve[n - 1]
    run = g.gd_inverse(A, lr=lr, steps=n, init="zeros", **F64)
    assert run.losses[-1] == pytest.approx(curve[-1], rel=1e-6)
    assert g.steps_to_tolerance(A, lr=lr, tol=10.0) == 0


def test_steps_to_tolerance_says_never():
    singular = g.preset("singular")
    assert g.steps_to_tolerance(singular, lr="optimal", tol=1e-3) is None  # below the floor 2/16
    assert g.steps_to_tolerance(singular, lr="optimal", tol=0.2) is not None
    A = g.preset("diag1234")
    assert g.steps_to_tolerance(A, lr=1.5 * g.lr_bounds(A).stable_below, tol=1e-6) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0}, "lr must be a finite number in (0, inf], got 0.0"),
        ({"lr": -1}, "got -1.0"),
        ({"lr": float("nan")}, "got nan"),
        ({"lr": float("inf")}, "got inf"),
        ({"lr": "fast"}, "lr must be a positive number, 'optimal' or 'seed'; got 'fast'"),
        ({"lr": True}, "lr must be a number, got True"),
        ({"lr": 0.1, "steps": -1}, "steps must be between 0"),
        ({"lr": 0.1, "X0": torch.zeros(3, 3)}, "X0 must be 4×4 for a 4×4 matrix, got 3×3"),
    ],
)
def test_predicted_losses_bad_arguments(kwargs, message):
    kwargs = {"steps": 10, **kwargs}
    with pytest.raises(g.GdInverseError) as info:
        g.predicted_losses(g.preset("diag1234"), **kwargs)
    assert message in str(info.value)


def test_lr_bounds_of_a_zero_matrix():
    with pytest.raises(g.MatrixInputError, match="all zeros"):
        g.lr_bounds([[0, 0], [0, 0]])


def test_slowest_direction_of_the_seed_run():
    """diag(1,2,3,4) at the seed's lr: the error left is along σ = 1, shrinking by 5.8% a step."""
    sigma, factor = g.lr_bounds(g.preset("diag1234")).slowest(g.SEED_LR)
    assert sigma == pytest.approx(1.0)
    assert 1 - factor == pytest.approx(0.0576, abs=5e-5)
    sigma, factor = g.lr_bounds(g.preset("diag1234")).slowest(1.5)  # above the stable limit 1
    assert sigma == pytest.approx(4.0) and factor > 1


def test_at_the_optimal_lr_the_smallest_singular_value_is_named():
    bounds = g.lr_bounds(g.preset("random", n=6, cond=100))
    sigma, factor = bounds.slowest(bounds.optimal)
    assert sigma == pytest.approx(0.01) and factor == pytest.approx((100**2 - 1) / (100**2 + 1))
