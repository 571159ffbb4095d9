"""Exact inverse, pseudo-inverse and condition number."""

import math

import pytest
import torch

import gdinverse as g


def test_exact_inverse_checks_out():
    M = g.preset("random", n=6, cond=50, seed=3)
    result = g.exact_inverse(M)
    torch.testing.assert_close(result.inverse @ M, torch.eye(6), atol=1e-4, rtol=0)
    assert result.product.equal(result.inverse @ M)
    assert result.max_error == pytest.approx(float((result.residual).abs().max()))
    assert result.max_error < 1e-4
    assert result.condition_number == pytest.approx(50, rel=1e-4)
    assert result.determinant == pytest.approx(float(torch.linalg.det(M.double())), rel=1e-5)


def test_exact_inverse_of_a_rotation_is_its_transpose():
    R = g.preset("rotation", n=4, angle=30)
    torch.testing.assert_close(g.exact_inverse(R).inverse, R.T, atol=1e-6, rtol=0)


def test_float64_loses_less_than_float32_on_an_ill_conditioned_matrix():
    H = g.preset("hilbert", n=5)
    err32 = g.exact_inverse(H).max_error
    err64 = g.exact_inverse(H, dtype="float64").max_error
    assert err64 < 1e-8 < 1e-4 < err32


def test_singular_matrix_says_use_the_pseudo_inverse():
    with pytest.raises(g.SingularMatrixError) as info:
        g.exact_inverse(g.preset("singular"))
    message = str(info.value)
    assert message.startswith("matrix is singular (condition number ")
    assert message.endswith("); use the pseudo-inverse")
    assert info.value.condition_number > 1e15


def test_numerically_singular_depends_on_the_dtype():
    H6 = g.preset("hilbert", n=6)  # κ ≈ 1.5e7: beyond float32's 1/eps = 8.4e6, easy for float64
    with pytest.raises(g.SingularMatrixError, match=r"numerically singular in float32 \(condition number 1.45e\+07"):
        g.exact_inverse(H6)
    assert g.exact_inverse(H6, dtype="float64").max_error < 1e-6
    with pytest.raises(g.SingularMatrixError, match="use float64 or the pseudo-inverse"):
        g.exact_inverse(H6)


def test_all_zero_and_exactly_singular_matrices():
    with pytest.raises(g.SingularMatrixError, match=r"condition number inf"):
        g.exact_inverse([[0, 0], [0, 0]])
    with pytest.raises(g.SingularMatrixError):
        g.exact_inverse([[1, 2], [2, 4]], dtype="float64")


def test_non_square_is_refused_with_advice():
    with pytest.raises(g.GdInverseError, match=r"needs a square matrix, got 17×3; use pseudo_inverse"):
        g.exact_inverse(g.preset("indicator"))


def test_pseudo_inverse_is_a_left_inverse_of_a_tall_full_rank_matrix():
    A = g.preset("indicator", dtype="float64")
    P = g.pseudo_inverse(A)
    assert P.shape == (3, 17)
    torch.testing.assert_close(P @ A, torch.eye(3, dtype=torch.float64))


def test_pseudo_inverse_of_a_singular_matrix_satisfies_penrose():
    A = g.preset("singular", dtype="float64")
    P = g.pseudo_inverse(A)
    torch.testing.assert_close(A @ P @ A, A)
    torch.testing.assert_close(P @ A @ P, P)


def test_condition_number():
    assert g.condition_number(g.preset("diag1234")) == pytest.approx(4.0)
    assert math.isinf(g.condition_number([[0.0, 0.0], [0.0, 0.0]]))
