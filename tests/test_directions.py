"""The error along each singular direction, measured against the theory; the rate chart's numbers; the landscape."""

import numpy as np
import pytest
import torch

import gdinverse as g
from gdinverse.directions import THEORY_METHODS

F64 = {"dtype": "float64"}

MATRICES = {
    "square": lambda: g.preset("random", n=5, cond=10, dtype="float64"),
    "tall": lambda: g.preset("indicator", dtype="float64"),
    "wide": lambda: torch.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0]], dtype=torch.float64),
    "singular": lambda: g.preset("singular", n=4, dtype="float64"),
    "hilbert": lambda: g.preset("hilbert", n=4, dtype="float64"),
}


def assert_agrees(measured, predicted):
    """1e-9 relative, down to float64 rounding (1e-12 of the largest starting error) where the error is ~0."""
    scale = float(np.max(measured[0]))
    np.testing.assert_allclose(measured, predicted, rtol=1e-9, atol=1e-12 * scale)


@pytest.mark.parametrize("method", THEORY_METHODS)
@pytest.mark.parametrize("name", list(MATRICES))
@pytest.mark.parametrize("init", ["rand", "zeros"])
def test_float64_runs_follow_the_per_direction_theory(name, method, init):
    A = MATRICES[name]()
    result = g.gd_inverse(A, steps=120, record_every=1, init=init, method=method, **F64)
    measured = g.direction_errors(A, result)
    predicted = g.predicted_direction_errors(
        A, lr=result.lr, steps=120, X0=result.snapshots[0], method=method, momentum=result.momentum
    )
    assert measured.shape == predicted.shape == (121, A.shape[1])
    assert np.abs(measured[-1] - measured[0]).max() > 0.1 * measured[0].max()  # it moved: not comparing constants
    assert_agrees(measured, predicted)


def test_gd_theory_is_the_closed_form_power():
    A = MATRICES["square"]()
    X0 = torch.rand(5, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    lr = 0.7 * g.lr_bounds(A).optimal
    predicted = g.predicted_direction_errors(A, lr=lr, steps=30, X0=X0)
    _, sigma, Vh = np.linalg.svd(A.numpy())
    start = np.linalg.norm((X0.numpy() @ A.numpy() - np.eye(5)) @ Vh.T, axis=0)
    q = np.abs(1 - 2 * lr * sigma**2 / 25)
    np.testing.assert_allclose(predicted, q[None, :] ** np.arange(31)[:, None] * start, rtol=1e-12)


def test_directions_with_zero_sigma_never_change():
    A = MATRICES["wide"]()  # 2×3: one σ = 0 direction
    result = g.gd_inverse(A, steps=50, **F64)
    view = g.direction_view(A, result)
    assert view.sigma[-1] == 0 and view.rates[-1] == 1
    np.testing.assert_allclose(view.measured[:, -1], view.measured[0, -1], rtol=1e-12)
    assert view.measured[-1, :2].max() < 1e-3 * view.measured[0, :2].max()


def test_the_view_bundles_measured_theory_and_rates():
    A = g.preset("diag1234", dtype="float64")
    result = g.gd_inverse(A, lr=0.5, steps=100, record_every=10, **F64)
    view = g.direction_view(A, result)
    np.testing.assert_array_equal(view.steps, np.arange(0, 101, 10))
    np.testing.assert_allclose(view.sigma, [4, 3, 2, 1])
    np.testing.assert_allclose(view.rates, np.abs(1 - 2 * 0.5 * np.array([16, 9, 4, 1]) / 16))
    assert_agrees(view.measured, view.predicted)
    assert view.theory_steps.size == 101 and view.theory.shape == (101, 4)
    assert view.slowest == 3  # σ = 1 at lr 0.5 < optimal 16/17
    fast = g.direction_view(A, g.gd_inverse(A, lr=0.99, steps=20, **F64))
    assert fast.slowest == 0  # past the optimal lr the largest σ zig-zags slowest: |1 − 2·0.99| = 0.98


def test_momentum_rates_are_the_spectral_radius():
    A = g.preset("diag1234", dtype="float64")
    lr, beta = g.lr_bounds(A).heavy_ball
    view = g.direction_view(A, g.gd_inverse(A, method="momentum", steps=60, **F64))
    np.testing.assert_allclose(view.rates, np.sqrt(beta), rtol=1e-6)  # Polyak: every root has modulus √β
    assert view.lr == pytest.approx(lr) and view.momentum == pytest.approx(beta)


def test_float32_runs_follow_the_theory_until_rounding():
    A = g.preset("diag1234")
    result = g.gd_inverse(A, lr="seed", steps=40, record_every=1)
    view = g.direction_view(A, result)
    big = view.predicted > 1e-3
    np.testing.assert_allclose(view.measured[big], view.predicted[big], rtol=1e-4)  # float32: 2⁻²³ per step, 40 steps


def test_contraction_factors():
    A = g.preset("diag1234")
    factors = g.contraction_factors(A, [0.25, 16 / 17, 1.0, 2.0])
    np.testing.assert_allclose(factors.slow, np.abs(1 - 2 * factors.lrs / 16))
    np.testing.assert_allclose(factors.fast, np.abs(1 - 2 * factors.lrs * 16 / 16))
    assert factors.slow[1] == pytest.approx(factors.fast[1])  # they cross at the optimal lr
    assert factors.fast[2] == pytest.approx(1.0) and factors.fast[3] > 1  # the stable limit, and past it
    default = g.contraction_factors(factors.bounds)
    assert default.lrs.size == 200 and default.lrs[-1] == pytest.approx(2 * factors.bounds.stable_below)


def test_bad_input_says_what_to_do():
    A = g.preset("diag1234", dtype="float64")
    result = g.gd_inverse(A, steps=10, **F64)
    with pytest.raises(g.MatrixInputError, match=r"another matrix.*result\.matrix"):
        g.direction_errors(g.preset("identity", dtype="float64"), result)
    with pytest.raises(g.MatrixInputError, match="another matrix: it ran on a 4×4 matrix, got a 3×3"):
        g.direction_view(g.preset("identity", n=3), result)
    with pytest.raises(g.ParameterError, match="expected a DescentResult, got str"):
        g.direction_errors(A, "run")
    for method in ("adam", "newton_schulz"):
        with pytest.raises(g.GdInverseError, match=f"no per-direction theory for '{method}'"):
            g.predicted_direction_errors(A, lr=0.1, steps=5, method=method)
        run = g.gd_inverse(A, method=method, steps=10, **F64)
        with pytest.raises(g.GdInverseError, match="no per-direction theory"):
            g.direction_view(A, run)
        assert g.direction_errors(A, run).shape == (2, 4)  # measuring still works
    with pytest.raises(g.ParameterError, match="momentum is for 'momentum' and 'nesterov'"):
        g.predicted_direction_errors(A, lr=0.1, steps=5, momentum=0.5)
    with pytest.raises(g.ParameterError, match="lr must be a finite number"):
        g.predicted_direction_errors(A, lr=-1.0, steps=5)
    with pytest.raises(g.MatrixInputError, match="X0 must be 4×4"):
        g.predicted_direction_errors(A, lr=0.1, steps=5, X0=torch.zeros(3, 4))
    with pytest.raises(g.ParameterError, match="ask for fewer steps"):
        g.predicted_direction_errors(A, lr=0.1, steps=5_000_000)


# ---------------------------------------------------------------------------- the landscape


def direct_loss(A, X):
    k = A.shape[1]
    return float(((X @ A - np.eye(k)) ** 2).sum() / k**2)


@pytest.mark.parametrize("name", ["square", "tall", "wide", "singular"])
def test_landscape_closed_form_matches_the_direct_loss(name):
    A = MATRICES[name]()
    result = g.gd_inverse(A, steps=50, **F64)
    land = g.landscape(A, result, size=9)
    An = A.numpy()
    U, sigma, _ = np.linalg.svd(An)
    rank = int((sigma > 1e-10 * sigma[0]).sum())
    m = An.shape[0]
    X0 = result.snapshots[0].numpy()
    P = U[:, :rank] @ U[:, :rank].T
    X_star = np.linalg.pinv(An) + X0 @ (np.eye(m) - P)
    assert direct_loss(An, X_star) == pytest.approx(land.floor, abs=1e-12)
    assert land.sigma_slow == pytest.approx(sigma[rank - 1]) and land.sigma_fast == pytest.approx(sigma[0])
    # rebuild D_slow and D_fast independently: w u_iᵀ with w along (X₀ − X*)u_i
    directions = []
    for i in (rank - 1, 0):
        w = (X0 - X_star) @ U[:, i]
        directions.append(np.outer(w / np.linalg.norm(w), U[:, i]))
    for i, j in [(0, 0), (2, 7), (4, 4), (8, 3)]:
        X = X_star + land.a[i] * directions[0] + land.b[j] * directions[1]
        assert land.loss[j, i] == pytest.approx(direct_loss(An, X), rel=1e-10, abs=1e-14)
    # the projected path carries the whole error along the two directions
    view = g.direction_view(A, result)
    np.testing.assert_allclose(land.sigma_slow * np.abs(land.path_a), view.measured[:, rank - 1], rtol=1e-8, atol=1e-13)
    np.testing.assert_allclose(land.sigma_fast * np.abs(land.path_b), view.measured[:, 0], rtol=1e-8, atol=1e-13)
    assert np.all(land.path_loss >= land.plane_loss(land.path_a, land.path_b) * (1 - 1e-9))


def test_landscape_zig_zags_near_the_stable_limit():
    A = g.preset("random", n=4, cond=5, dtype="float64")
    lr = 0.97 * g.lr_bounds(A).stable_below
    land = g.landscape(A, g.gd_inverse(A, lr=lr, steps=40, record_every=1, **F64))
    signs = np.sign(land.path_b)
    assert np.all(signs[1:] == -signs[:-1])  # q_fast = 1 − 2·0.97 = −0.94: b flips every step
    assert abs(land.path_b[-1]) == pytest.approx(0.94**40 * abs(land.path_b[0]), rel=1e-6)
    assert np.all(land.path_a > 0)  # a never overshoots


def test_landscape_crawls_along_the_slow_direction_at_large_kappa():
    A = g.preset("random", n=4, cond=50, dtype="float64")
    land = g.landscape(A, g.gd_inverse(A, steps=200, record_every=10, **F64))
    kept = land.path_a[-1] / land.path_a[0]
    factor = (50**2 - 1) / (50**2 + 1)  # at the optimal lr
    assert kept == pytest.approx(factor**200, rel=1e-6) and kept > 0.8  # 200 steps remove under 20% of a
    assert abs(land.path_b[-1]) < 0.9 * abs(land.path_b[0])


def test_landscape_grid_and_errors():
    A = g.preset("diag1234", dtype="float64")
    result = g.gd_inverse(A, steps=20, **F64)
    land = g.landscape(A, result, size=5, span=2.0)
    np.testing.assert_allclose(land.a, [-2, -1, 0, 1, 2])
    assert land.loss.shape == (5, 5) and land.loss[2, 2] == 0.0
    auto = g.landscape(A, result)
    reach = max(np.abs(auto.path_a).max(), np.abs(auto.path_b).max())
    assert auto.a.size == 41 and auto.a[-1] == pytest.approx(1.1 * reach)
    with pytest.raises(g.MatrixInputError, match=r"1 singular value\(s\) that float64 resolves.*rank 2 or more"):
        B = torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=torch.float64)
        g.landscape(B, g.gd_inverse(B, steps=5, **F64))
    with pytest.raises(g.ParameterError, match="size must be between 3 and 201"):
        g.landscape(A, result, size=1000)
    with pytest.raises(g.ParameterError, match="span must be a finite number"):
        g.landscape(A, result, span=0.0)


def test_float32_view_names_the_slowest_direction_the_page_names():
    """Hilbert 8 in float32: σ₆..σ₈ of M rounded to float32 are rounding, not M's (M's σ₈ is 1.1e-10, the
    rounded matrix's 1.1e-9). The view, like lr_bounds, counts 5 resolved directions and calls σ₅ the slowest;
    the landscape's slow direction is σ₅ too."""
    M = g.preset("hilbert", n=8, dtype="float64")
    bounds = g.lr_bounds(M, dtype="float32")
    result = g.gd_inverse(M, lr=10.0, steps=100, record_every=20, dtype="float32")
    view = g.direction_view(result.matrix, result)
    assert view.resolution == pytest.approx(bounds.resolution, rel=1e-6)
    assert int(view.resolved.sum()) == bounds.resolved_rank == 5
    assert view.slowest == 4
    assert view.sigma[view.slowest] == pytest.approx(bounds.resolved_sigma_min, rel=1e-3)  # rounding of M: 4e-5
    land = g.landscape(result.matrix, result)
    assert land.sigma_slow == pytest.approx(bounds.resolved_sigma_min, rel=1e-3)
    float64 = g.direction_view(M, g.gd_inverse(M, lr=10.0, steps=20, **F64))
    assert float64.resolved.all() and float64.slowest == 7  # float64 resolves σ₈ = 1.1e-10
