"""The theory of the learning rate and the closed-form loss curve, checked against real runs."""

import math

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


# ---------------------------------------------------------------------------- one κ, one rank


WIDE = torch.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]])


@pytest.mark.parametrize(
    "A",
    [
        g.preset("diag1234"),
        g.preset("hilbert", n=6),
        g.preset("hilbert", n=6, dtype="float64"),
        g.preset("singular"),
        g.preset("indicator"),
        g.preset("random", n=7, cond=300, seed=3),
        WIDE,
    ],
)
def test_lr_bounds_condition_number_is_the_package_condition_number(A):
    assert g.lr_bounds(A).condition_number == g.condition_number(A)  # the same float64 singular values


def test_hilbert_6_has_one_condition_number_and_two_named_ranks():
    A = g.preset("hilbert", n=6)  # float32: σ_min = 1.1e-7 is below float32's resolution 6·eps·σ_max ≈ 1.2e-6
    bounds = g.lr_bounds(A)
    assert bounds.dtype == "float32" and g.format_condition(bounds.condition_number) == "1.45e+07"
    assert (bounds.rank, bounds.resolved_rank) == (6, 5)
    assert bounds.sigma_min == pytest.approx(1.1e-7, rel=0.05)
    assert bounds.resolved_sigma_min == pytest.approx(1.26e-5, rel=0.05)
    assert bounds.optimal == pytest.approx(36 / (bounds.sigma_max**2 + bounds.resolved_sigma_min**2))
    assert bounds.resolution_note() == (
        "In float32, σ_min = 1.1e-07 is below what float32 resolves at this scale (1.2e-06):"
        " gradient descent sees rank 5 of 6."
    )
    f64 = g.lr_bounds(A, dtype="float64")  # the same float32 values, worked on in float64
    assert (f64.rank, f64.resolved_rank, f64.dtype) == (6, 6, "float64") and f64.resolution_note() is None
    assert f64.condition_number == bounds.condition_number


@pytest.mark.parametrize("A", [g.preset("diag1234"), g.preset("singular"), WIDE, g.preset("indicator")])
def test_no_resolution_note_where_the_ranks_agree(A):
    bounds = g.lr_bounds(A)
    assert bounds.rank == bounds.resolved_rank and bounds.resolution_note() is None


def test_a_singular_matrix_has_its_floor_and_a_huge_condition_number():
    bounds = g.lr_bounds(g.preset("singular"))
    assert (bounds.rank, bounds.floor, bounds.resolved_floor) == (2, 2 / 16, 2 / 16)
    assert bounds.condition_number > 1e15
    # rank 1: float64's SVD gives σ_min = 0 on some CPUs and a rounding error (κ ≈ 6e16) on others
    assert g.lr_bounds([[1.0, 1.0], [1.0, 1.0]]).condition_number > 1e15


@pytest.mark.parametrize(
    ("kappa", "text"),
    [(14464156.45, "1.45e+07"), (1.5e7, "1.5e+07"), (18.63, "18.6"), (4.0, "4"), (1000.0, "1e+03"), (math.inf, "∞")],
)
def test_format_condition(kappa, text):
    assert g.format_condition(kappa) == text


def test_steps_to_residual_is_when_the_removable_residual_reaches_the_target():
    A = g.preset("random", n=5, cond=10, dtype="float64")
    lr = g.lr_bounds(A).optimal
    n = g.theory.steps_to_residual(A, lr=lr, target=1e-9)
    engine = g.GradientDescent(A, lr=lr, init="zeros")
    before = 5 * np.sqrt(engine.step(n - 1)[-1])  # ‖X@A − I‖_F = k·√loss: all of it is removable here
    after = 5 * np.sqrt(engine.step(1)[-1])
    assert after <= 1e-9 < before


def test_steps_to_residual_ignores_what_the_dtype_cannot_resolve():
    A = g.preset("hilbert", n=6)
    X = torch.zeros(6, 6)
    everything = g.theory.steps_to_residual(A, lr="optimal", target=1e-3, X0=X, rank=6)
    resolved = g.theory.steps_to_residual(A, lr="optimal", target=1e-3, X0=X)
    assert everything is None or everything > resolved  # the unresolved direction barely moves


@pytest.mark.parametrize("given", ["tensor", "list", "numpy"])
def test_lr_bounds_kappa_is_of_the_values_as_given_not_of_their_float32_rounding(given):
    H = g.preset("hilbert", n=6, dtype="float64")
    A = {"tensor": H, "list": H.tolist(), "numpy": H.numpy()}[given]
    bounds = g.lr_bounds(A, dtype="float32")
    assert bounds.condition_number == g.condition_number(H)  # 1.5e+07, not float32's 1.45e+07
    assert g.format_condition(bounds.condition_number) == "1.5e+07"
    assert g.format_condition(g.lr_bounds(H.float()).condition_number) == "1.45e+07"  # other values, other κ
    # the working dtype still decides what gradient descent resolves
    assert (bounds.dtype, bounds.rank, bounds.resolved_rank) == ("float32", 6, 5)
    assert bounds.optimal == pytest.approx(36 / (bounds.sigma_max**2 + bounds.resolved_sigma_min**2))


@pytest.mark.parametrize(
    ("A", "lr", "says"),
    [
        (g.preset("diag1234"), g.SEED_LR, "shrinks by 5.8% a step"),
        (g.preset("identity", n=5), "optimal", "shrinks by 100% a step"),  # a = 1: gone in one step
        (g.preset("diag1234"), 1.0, "flips its sign every step without shrinking"),
        (g.preset("diag1234"), 1.5, "grows by 100% a step"),
        (g.preset("hilbert", n=8, dtype="float64"), "optimal", "shrinks by 8.6e-19% a step"),  # 1 − a rounds to 1
    ],
)
def test_change_says_how_the_slowest_error_moves_without_rounding_it_away(A, lr, says):
    bounds = g.lr_bounds(A)
    assert bounds.change(bounds.optimal if lr == "optimal" else lr) == says


def test_at_the_stable_limit_the_slowest_direction_is_sigma_max_flipping_its_sign():
    """Hilbert 5 at lr = k²/σ_max²: σ_max's factor is exactly 1 (it flips), slower than σ_min's 1 − 8.8e-12."""
    bounds = g.lr_bounds(g.preset("hilbert", n=5).double(), dtype="float32")
    assert bounds.slowest(bounds.stable_below)[0] == bounds.sigma_max
    assert bounds.change(bounds.stable_below) == "flips its sign every step without shrinking"
    assert bounds.slowest(bounds.optimal)[0] == bounds.resolved_sigma_min  # the tie at the optimum: the small σ


def test_the_optimal_lr_stays_below_the_limit_where_sigma_min_squared_is_lost_in_rounding():
    """diag(1, 1e-9) in float64: σ_min² + σ_max² rounds to σ_max², so k²/(σ_min² + σ_max²) was the limit itself."""
    bounds = g.lr_bounds(torch.tensor([[1.0, 0.0], [0.0, 1e-9]], dtype=torch.float64), dtype="float64")
    assert bounds.optimal < bounds.stable_below
    assert bounds.optimal == pytest.approx(bounds.stable_below, rel=1e-15)
    assert "shrinks" in bounds.change(bounds.optimal)
