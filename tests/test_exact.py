"""Exact inverse, one-sided and pseudo-inverses, and the condition number, against LAPACK/numpy and closed forms."""

import math
from fractions import Fraction
from math import comb

import numpy as np
import pytest
import torch

import gdinverse as g
from tests import exact_reference

EPS = {"float32": torch.finfo(torch.float32).eps, "float64": torch.finfo(torch.float64).eps}


def hilbert_inverse(n):
    """The exact inverse of the n×n Hilbert matrix (integers), as float64."""
    entries = [
        [(-1) ** (i + j) * (i + j + 1) * comb(n + i, n - j - 1) * comb(n + j, n - i - 1) * comb(i + j, i) ** 2
         for j in range(n)]
        for i in range(n)
    ]  # fmt: skip
    return torch.tensor(entries, dtype=torch.float64)


def moler(n):
    """MATLAB's gallery('moler', n) = L Lᵀ, L unit lower triangular with −1 below the diagonal, and its exact
    inverse L⁻ᵀ L⁻¹ (L⁻¹ has 2^(i−j−1) below the diagonal), computed in integers."""
    L = torch.eye(n, dtype=torch.float64) - torch.tril(torch.ones(n, n, dtype=torch.float64), -1)
    Li = [[Fraction(1) if i == j else Fraction(2 ** (i - j - 1)) if i > j else Fraction(0) for j in range(n)]
          for i in range(n)]  # fmt: skip
    inverse = [[float(sum(Li[k][i] * Li[k][j] for k in range(n))) for j in range(n)] for i in range(n)]
    return L @ L.T, torch.tensor(inverse, dtype=torch.float64)


def relative_error(X, reference):
    X = X.to(torch.float64)
    return float(torch.linalg.matrix_norm(X - reference, 2) / torch.linalg.matrix_norm(reference, 2))


# ---------------------------------------------------------------------------- the inverse, against references


def test_exact_inverse_checks_out():
    M = g.preset("random", n=6, cond=50, seed=3)
    result = g.exact_inverse(M)
    torch.testing.assert_close(result.inverse @ M, torch.eye(6), atol=1e-4, rtol=0)
    assert result.product.equal(result.inverse @ M)
    assert result.max_error == pytest.approx(float((result.residual).abs().max()))
    assert result.max_error < 1e-4
    assert result.condition_number == pytest.approx(50, rel=1e-4)
    assert result.determinant == pytest.approx(float(torch.linalg.det(M.double())), rel=1e-5)
    assert (result.dtype, result.eps) == ("float32", EPS["float32"])
    assert not result.ill_conditioned and result.warning is None


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [1, 3, 10])
def test_float64_inverse_agrees_with_numpy_and_torch(n, seed):
    A = torch.randn(n, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    result = g.exact_inverse(A)
    assert result.dtype == "float64"
    reference = torch.from_numpy(np.linalg.inv(A.numpy()))
    assert relative_error(result.inverse, reference) < 1e-12
    assert relative_error(result.inverse, torch.linalg.inv(A)) < 1e-12
    assert result.condition_number == pytest.approx(np.linalg.cond(A.numpy()), rel=1e-9)


def test_exact_inverse_of_a_rotation_is_its_transpose():
    R = g.preset("rotation", n=4, angle=30)
    torch.testing.assert_close(g.exact_inverse(R).inverse, R.T, atol=1e-6, rtol=0)


def test_diag_1e10_1e_10_is_inverted_exactly_though_kappa_is_1e20():
    M = torch.diag(torch.tensor([1e10, 1e-10], dtype=torch.float64))
    result = g.exact_inverse(M)
    assert result.inverse.equal(torch.diag(torch.tensor([1e-10, 1e10], dtype=torch.float64)))
    assert (result.max_error, result.determinant) == (0.0, 1.0)
    assert result.condition_number == pytest.approx(1e20)
    # full rank, so κ is finite and known (from the exact inverse: the SVD cannot resolve σ_min = 1e-20·σ_max)
    assert (result.condition_resolved, result.kappa_source, result.rank_exact) == (True, "exact inverse", True)
    # the bound guarantees nothing here, and says so; the inverse happens to be exact
    assert result.ill_conditioned and result.trusted_digits == 0
    assert "guarantees no correct digit" in result.warning and "max |inverse @ M − I| = 0" in result.warning


def test_moler_30_is_inverted_to_full_float64_accuracy():
    M, exact = moler(30)  # κ ≈ 4.2e19, far beyond 1/eps; its LU needs no row swap and is exact
    result = g.exact_inverse(M)
    assert relative_error(result.inverse, exact) < 1e-14  # measured 1.5e-16
    assert relative_error(result.inverse, torch.from_numpy(np.linalg.inv(M.numpy()))) < 1e-14
    assert result.ill_conditioned and result.trusted_digits == 0  # a guarantee it cannot give, not an error
    # σ_min ≈ 2e-20·σ_max: float64's SVD cannot see it; the exact inverse gives κ
    assert result.kappa_source == "exact inverse"
    assert result.condition_number == pytest.approx(exact_reference.kappa(M.numpy()), rel=1e-9)
    assert result.condition_number == pytest.approx(4.2446e19, rel=1e-4)
    assert result.determinant == pytest.approx(1.0)


def test_reversed_moler_never_claims_digits():
    # Lᵀ L, the Moler matrix with rows and columns reversed: LU meets a pivot of 2e-16 (or 0 on some LAPACKs)
    L = torch.eye(30, dtype=torch.float64) - torch.tril(torch.ones(30, 30, dtype=torch.float64), -1)
    try:
        result = g.exact_inverse(L.T @ L)
    except g.SingularMatrixError as error:
        assert "zero pivot" in str(error)
        return
    assert result.ill_conditioned and result.trusted_digits == 0 and result.max_error > 0.5


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [5, 6, 8])
def test_hilbert_is_inverted_and_the_bound_holds(n, dtype):
    H = g.preset("hilbert", n=n, dtype="float64")
    result = g.exact_inverse(H, dtype=dtype)
    kappa = float(np.linalg.cond(H.numpy()))
    assert result.condition_number == pytest.approx(kappa, rel=1e-4)
    assert result.condition_resolved
    bound = EPS[dtype] * kappa
    assert result.error_bound == pytest.approx(bound, rel=1e-4)
    assert result.ill_conditioned == (bound >= 1)
    expected_digits = 0.0 if bound >= 1 else -math.log10(bound)
    assert result.trusted_digits == pytest.approx(expected_digits, abs=1e-3)
    error = relative_error(result.inverse, hilbert_inverse(n))
    if not result.ill_conditioned:
        assert error <= bound  # the guarantee holds: measured at most 0.04·eps·κ here
    assert (result.warning is None) == (not result.ill_conditioned)


def test_hilbert_6_in_float32_shows_float32_losing_every_digit():
    result = g.exact_inverse(g.preset("hilbert", n=6, dtype="float64"), dtype="float32")
    assert result.ill_conditioned and result.trusted_digits == 0
    assert result.max_error > 1e-3  # measured 0.22
    assert result.warning.startswith("eps·κ = 1.8 ≥ 1 in float32: the bound guarantees no correct digit")
    assert result.warning.endswith("In float64 the bound guarantees about 8 digits.")
    float64 = g.exact_inverse(g.preset("hilbert", n=6, dtype="float64"))
    assert float64.trusted_digits == pytest.approx(8.48, abs=0.01)
    assert float64.max_error < 1e-7  # measured 2.7e-10


def test_float64_loses_less_than_float32_on_an_ill_conditioned_matrix():
    H = g.preset("hilbert", n=5)
    err32 = g.exact_inverse(H).max_error
    err64 = g.exact_inverse(H, dtype="float64").max_error
    assert err64 < 1e-8 < 1e-4 < err32


def test_trusted_digits_of_a_well_conditioned_matrix():
    result = g.exact_inverse(g.preset("diag1234"))  # κ = 4
    assert result.trusted_digits == pytest.approx(-math.log10(EPS["float32"] * 4))
    assert g.exact_inverse(g.preset("identity"), dtype="float64").trusted_digits == pytest.approx(
        -math.log10(EPS["float64"])
    )


# ---------------------------------------------------------------------------- one κ: the matrix as entered


def test_kappa_is_the_entered_matrix_s_whichever_dtype_inverts_it():
    H64 = g.preset("hilbert", n=6, dtype="float64")
    H32 = g.preset("hilbert", n=6)  # the float32 rounding has κ = 1.446e7, not 1.495e7
    kappa = g.condition_number(H64)
    assert g.exact_inverse(H64, dtype="float32").condition_number == kappa
    assert g.exact_inverse(H64).condition_number == kappa
    assert g.condition_number(H64.numpy()) == kappa  # a numpy float64 array is read as entered, not as float32
    assert g.condition_number(H64.tolist()) == kappa
    assert g.condition_number(H32) == pytest.approx(1.446e7, rel=1e-3)
    assert abs(g.condition_number(H32) / kappa - 1) > 0.01


def test_condition_number_checks_the_dtype_like_every_function():
    with pytest.raises(g.MatrixInputError, match=r"beyond torch\.float32's largest number"):
        g.condition_number([[1e300, 0], [0, 1]])
    assert g.condition_number([[1e300, 0], [0, 1]], dtype="float64") == pytest.approx(1e300)


def test_condition_number():
    assert g.condition_number(g.preset("diag1234")) == pytest.approx(4.0)
    assert math.isinf(g.condition_number([[0.0, 0.0], [0.0, 0.0]]))


# ---------------------------------------------------------------------------- singular: only a breakdown


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("M", "column"),
    [([[1, 2], [2, 4]], 2), ([[0, 0], [0, 0]], 1), ([[1, 0], [2, 0]], 2), ([[2, 4, 6], [1, 2, 3], [0, 0, 1]], 2)],
    ids=["[[1,2],[2,4]]", "zeros", "zero column", "3x3 rank 2"],
)
def test_exactly_singular_matrices_are_refused(M, column, dtype):
    with pytest.raises(g.SingularMatrixError) as info:
        g.exact_inverse(M, dtype=dtype)
    message = str(info.value)
    rank = exact_reference.rank(M)
    assert message.startswith(f"matrix is singular: it has rank {rank} of {len(M)} (decided exactly; condition number")
    assert math.isinf(info.value.condition_number)
    assert "whatever torch.linalg.inv returns for it" in message
    assert message.endswith("use the pseudo-inverse (pseudo_inverse, or one_sided_inverse to see which inverses exist)")
    assert info.value.condition_number == g.condition_number(M, dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_singular_preset_is_refused_on_every_cpu(dtype):
    """1..16 in rows (rank 2): LU meets an exactly zero pivot on some CPUs and a pivot of rounding size on others
    (AVX-512 MKL, AMD): the rank is decided exactly, so the answer is the same on all of them."""
    with pytest.raises(g.SingularMatrixError, match=r"^matrix is singular: it has rank 2 of 4 \(decided exactly"):
        g.exact_inverse(g.preset("singular", dtype=dtype))


def test_singular_once_rounded_to_float32_says_use_float64():
    M = [[1, 1], [1, 1 + 1e-9]]  # κ = 4e9; 1 + 1e-9 rounds to 1 in float32
    with pytest.raises(g.SingularMatrixError) as info:
        g.exact_inverse(M)
    assert str(info.value).startswith("matrix is singular once rounded to float32")
    assert "condition number 4e+09); use float64, or the pseudo-inverse" in str(info.value)
    result = g.exact_inverse(M, dtype="float64")
    assert result.condition_number == pytest.approx(4e9, rel=1e-3)
    assert result.trusted_digits == pytest.approx(-math.log10(EPS["float64"] * 4e9), abs=1e-3)


def test_a_matrix_too_big_for_exact_arithmetic_says_its_rank_is_numerical():
    """Beyond 64 rows the rank is numerical: the 65×65 matrix of 1..65² (rank 2) is not refused for a rank no one
    proved; LU returns rounding-size numbers, shown with a warning that it may be singular."""
    M = torch.arange(1, 65 * 65 + 1, dtype=torch.float64).reshape(65, 65)
    try:
        result = g.exact_inverse(M)
    except g.SingularMatrixError as error:
        assert "zero pivot" in str(error)
        return
    assert (result.rank_exact, result.condition_resolved, result.trusted_digits) == (False, False, 0)
    assert "too big to decide its rank exactly: it may be singular" in result.warning


def test_an_inverse_that_overflows_is_refused():
    M = torch.tensor([[1.0, 1.0], [1.0, 1.0 + 2**-22]]) * 1e-35  # inverse entries ≈ 4e41 > float32's 3.4e38
    with pytest.raises(
        g.SingularMatrixError, match=r"the inverse overflows float32 .*; rescale the matrix or use float64"
    ):
        g.exact_inverse(M)
    assert torch.isfinite(g.exact_inverse(M, dtype="float64").inverse).all()


def test_non_square_is_refused_with_advice():
    with pytest.raises(g.GdInverseError, match=r"needs a square matrix, got 17×3; use one_sided_inverse"):
        g.exact_inverse(g.preset("indicator"))


# ---------------------------------------------------------------------------- best_inverse follows the rule


def test_best_inverse():
    assert g.best_inverse(g.preset("hilbert", n=6))[0] == "exact inverse"  # ill-conditioned, of full rank
    assert g.best_inverse(g.preset("singular"))[0] == "pseudo-inverse"  # rank 2 of 4, decided exactly
    name, X = g.best_inverse(g.preset("indicator"))
    assert (name, X.shape) == ("pseudo-inverse", (3, 17))
    singular = g.preset("singular", dtype="float64")
    name, X = g.best_inverse(singular)
    assert name == "pseudo-inverse"
    torch.testing.assert_close(X, torch.linalg.pinv(singular))
    # Hilbert 12 (κ ≈ 1.7e16) has full rank: its reference is its inverse, exact to the last digit (float64's LU
    # inverse is off in the first)
    H12 = g.preset("hilbert", n=12, dtype="float64")
    name, X = g.best_inverse(H12)
    assert name == "exact inverse"
    assert X.numpy().tolist() == exact_reference.inverse(H12.numpy()).tolist()
    assert g.best_inverse(g.preset("hilbert", n=10, dtype="float64"))[0] == "exact inverse"  # κ ≈ 1.6e13


# ---------------------------------------------------------------------------- pseudo- and one-sided inverses


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


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pseudo_inverse_of_a_spectrum_comes_in_its_precision_as_the_other_inverses_do(dtype):
    spectrum = g.Spectrum.of([[1, 2], [3, 4.5]], dtype=dtype)
    P = g.pseudo_inverse(spectrum)
    assert P.dtype == g.exact_inverse(spectrum).inverse.dtype == g.one_sided_inverse(spectrum).inverse.dtype
    assert P.dtype == getattr(torch, dtype)
    torch.testing.assert_close(P.double(), g.pseudo_inverse([[1, 2], [3, 4.5]], dtype="float64"), rtol=1e-6, atol=0)


def test_one_sided_inverse_of_a_wide_full_rank_matrix():
    A = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=torch.float64)
    result = g.one_sided_inverse(A)
    assert (result.kind, result.rank, result.dtype) == ("right", 2, "float64")
    torch.testing.assert_close(result.inverse, torch.linalg.pinv(A))
    torch.testing.assert_close(result.inverse, A.T @ torch.linalg.inv(A @ A.T))
    assert result.product.equal(A @ result.inverse)
    assert result.max_error == float((A @ result.inverse - torch.eye(2, dtype=A.dtype)).abs().max())
    assert result.max_error < 1e-14
    assert result.description == (
        "M is 2×3 with full row rank 2: it has right inverses X with M @ X = I₂ (this is the one of least norm, M⁺); "
        "no left inverse exists, since X @ M is 3×3 of rank 2."
    )
    assert torch.linalg.matrix_rank(result.inverse @ A) == 2  # indeed no left inverse


def test_one_sided_inverse_of_a_tall_full_rank_matrix():
    A = g.preset("indicator")
    result = g.one_sided_inverse(A)
    assert (result.kind, result.rank, result.inverse.shape, result.dtype) == ("left", 3, (3, 17), "float32")
    A64 = A.double()
    torch.testing.assert_close(result.inverse.double(), torch.linalg.pinv(A64), atol=1e-6, rtol=0)
    torch.testing.assert_close(result.inverse.double(), torch.linalg.inv(A64.T @ A64) @ A64.T, atol=1e-6, rtol=0)
    assert result.max_error < 1e-5  # float32 product; measured 1.5e-8
    assert result.description.startswith("M is 17×3 with full column rank 3: it has left inverses X with X @ M = I₃")
    assert result.description.endswith("no right inverse exists, since M @ X is 17×17 of rank 3.")


@pytest.mark.parametrize(
    ("A", "rank"),
    [([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], 1), ([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]], 1), ("singular", 2)],
    ids=["tall rank 1", "wide rank 1", "square rank 2"],
)
def test_one_sided_inverse_of_a_rank_deficient_matrix_is_the_pseudo_inverse(A, rank):
    A = g.preset("singular", dtype="float64") if A == "singular" else torch.tensor(A, dtype=torch.float64)
    result = g.one_sided_inverse(A)
    assert (result.kind, result.rank) == ("pseudo", rank)
    torch.testing.assert_close(result.inverse, torch.linalg.pinv(A))
    P = result.product  # X @ A: the orthogonal projection onto the row space
    torch.testing.assert_close(P, result.inverse @ A)
    torch.testing.assert_close(P @ P, P)
    torch.testing.assert_close(P, P.T)
    assert torch.linalg.matrix_rank(P) == rank
    assert math.isnan(result.max_error)
    assert f"with rank {rank}, below {min(A.shape)}" in result.description
    assert "least-squares solution of least norm" in result.description
    assert f"projection onto M's row space (rank {rank})" in result.description


def test_one_sided_inverse_of_a_square_invertible_matrix_is_its_inverse():
    A = g.preset("random", n=5, cond=100, seed=2, dtype="float64")
    result = g.one_sided_inverse(A)
    assert (result.kind, result.rank) == ("inverse", 5)
    torch.testing.assert_close(result.inverse, torch.linalg.inv(A))
    assert result.max_error < 1e-12
    assert result.description == (
        "M is 5×5 with full rank 5: it is invertible, and X = M⁻¹ is its only inverse: X @ M = M @ X = I₅."
    )


def test_one_sided_inverse_of_zeros():
    result = g.one_sided_inverse([[0.0, 0.0, 0.0]])
    assert (result.kind, result.rank) == ("pseudo", 0)
    assert result.inverse.equal(torch.zeros(3, 1))
    assert result.description.startswith("M is 1×3 and all zeros (rank 0)")


def test_one_sided_inverse_refuses_what_is_not_a_matrix():
    with pytest.raises(g.MatrixInputError, match="finite"):
        g.one_sided_inverse([[1.0, math.nan]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_exact_residual_and_max_error_are_the_packages_residual(dtype):
    result = g.exact_inverse(g.preset("hilbert", n=5, dtype="float64"), dtype=dtype)
    R = g.residual(result.inverse, result.matrix)
    assert torch.equal(result.residual, R) and result.residual.dtype == getattr(torch, dtype)
    assert result.max_error == float(R.abs().max())
    assert torch.equal(result.residual, result.product - torch.eye(5, dtype=result.product.dtype))
