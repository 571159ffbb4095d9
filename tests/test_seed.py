"""The seed notebook's printed numbers are a contract: the package reproduces them exactly."""

import numpy as np
import torch

import gdinverse as g

SEED_LOSSES = {0: "1.6650", 20: "0.0054", 40: "0.0005", 60: "4.7337e-05", 80: "4.4184e-06"}

SEED_DIFF = {
    0: """[[-0.28 1.26 2.00 1.35]
 [0.85 -0.37 1.50 1.86]
 [0.01 0.89 1.41 2.20]
 [0.36 0.74 2.05 0.23]]""",
    20: """[[-0.09 0.01 0.00 0.00]
 [0.26 -0.00 0.00 0.00]
 [0.00 0.00 0.00 0.00]
 [0.11 0.00 0.00 0.00]]""",
    40: """[[-0.03 0.00 0.00 0.00]
 [0.08 -0.00 0.00 0.00]
 [0.00 0.00 0.00 0.00]
 [0.03 0.00 0.00 0.00]]""",
    60: """[[-0.01 0.00 0.00 0.00]
 [0.02 -0.00 0.00 -0.00]
 [0.00 0.00 0.00 0.00]
 [0.01 0.00 0.00 0.00]]""",
    80: """[[-0.00 0.00 0.00 0.00]
 [0.01 -0.00 0.00 -0.00]
 [0.00 0.00 0.00 0.00]
 [0.00 0.00 0.00 0.00]]""",
}

SEED_INDICATOR = [
    [0, 0, 0], [0, 1, 0], [1, 1, 1], [0, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0],
    [0, 0, 1], [0, 0, 0], [0, 0, 0], [1, 0, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0],
]  # fmt: skip


def seed_print(matrix: torch.Tensor) -> str:
    """Print as the seed did after np.set_printoptions(formatter={'float': '{0:0.2f}'.format})."""
    return np.array2string(matrix.numpy(), formatter={"float": lambda x: f"{x:0.2f}"})


def seed_run() -> g.DescentResult:
    return g.gd_inverse(g.preset("diag1234"), lr="seed")


def test_seed_lr_is_what_logspace_gave():
    assert g.SEED_LR == float(np.log(np.logspace(2e-1, 2e-1, 100))[0])


def test_seed_losses_print_as_in_the_notebook():
    result = seed_run()
    assert result.losses.shape == (101,)
    for step, printed in SEED_LOSSES.items():
        assert str(torch.tensor(result.losses[step], dtype=torch.float32)) == f"tensor({printed})"


def test_seed_residuals_print_as_in_the_notebook():
    result = seed_run()
    assert list(result.snapshots) == [0, 20, 40, 60, 80, 100]
    for step, printed in SEED_DIFF.items():
        assert seed_print(result.residual(step)) == printed


def test_seed_random_inverse_times_m_matches_the_notebook():
    X0 = seed_run().snapshots[0]
    assert str(X0 @ g.preset("diag1234")).startswith("tensor([[0.7196, 1.2590, 2.0002, 1.3540],")


def test_seed_losses_equal_the_seed_loop_run_verbatim():
    """The notebook's own loop (autograd, nn.Parameter, sub_, grad.zero_) gives the same losses."""
    M, eye = torch.diag(torch.tensor([1.0, 2.0, 3.0, 4.0])), torch.eye(4)
    torch.manual_seed(314)
    X = torch.nn.Parameter(torch.rand(size=[4, 4]))
    losses = []
    for lr in np.log(np.logspace(2e-1, 2e-1, 100)):
        loss = ((eye - X @ M) ** 2).mean()
        loss.backward()
        losses.append(loss.item())
        with torch.no_grad():
            X.sub_(lr * X.grad)
            X.grad.zero_()
    np.testing.assert_allclose(seed_run().losses[:100], losses, rtol=1e-6)  # float32 rounding of the mean
    analytic = g.gd_inverse(g.preset("diag1234"), lr="seed", gradient="analytic")
    np.testing.assert_allclose(analytic.losses[:100], losses, rtol=1e-5)


def test_seed_indicator_matrix():
    M = g.indicator_matrix(17, 3, 0.2, 123)
    assert M.dtype == torch.int32
    assert M.tolist() == SEED_INDICATOR


def test_seed_exact_inverse():
    inverse = g.exact_inverse(g.preset("diag1234")).inverse
    assert str(inverse.abs()) == str(torch.diag(torch.tensor([1.0, 0.5, 0.3333, 0.25])))
    torch.testing.assert_close(inverse, torch.diag(torch.tensor([1.0, 1 / 2, 1 / 3, 1 / 4])))


def test_the_fast_analytic_gradient_prints_the_same_up_to_the_sign_of_zero():
    result = g.gd_inverse(g.preset("diag1234"), lr="seed", gradient="analytic")
    for step, printed in SEED_DIFF.items():
        assert seed_print(result.residual(step)).replace("-0.00", "0.00") == printed.replace("-0.00", "0.00")
