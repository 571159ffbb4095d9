"""One answer per question: functions that compute the same object for the same matrix agree, over a zoo.

The zoo: scipy's special matrices with known inverses (Hilbert, Pascal, Helmert, Hadamard), diagonals across
many decades, random matrices of chosen κ, singular, tall, wide, all-zero and 1×1 matrices, given as lists,
float32 tensors and float64 arrays. For each: κ is one number everywhere; the rank is one number everywhere;
``exact_inverse``, ``one_sided_inverse``, ``pseudo_inverse`` and ``best_inverse`` give the same inverse up to the
rounding the standard bound allows (‖X − M⁻¹‖/‖M⁻¹‖ ≤ n·eps·κ: a margin of at least 2× over the largest error
seen on this zoo, which ``pytest -s`` prints), and the pseudo-inverse is numpy's with the cut-off its docstring
states (numpy's own default, rcond = 1e-15, is compared where the two cut-offs keep the same singular values).
"""

import numpy as np
import pytest
import scipy.linalg
import torch

import gdinverse as g
from tests import exact_reference


def _random(n, m, cond, seed):
    """An n×m float64 matrix with singular values spread geometrically from 1 to 1/cond."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((m, m)))
    sigma = np.geomspace(1.0, 1.0 / cond, min(n, m))
    S = np.zeros((n, m))
    S[: sigma.size, : sigma.size] = np.diag(sigma)
    return U @ S @ V.T


def _rank_deficient(n, m, rank, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, rank)) @ rng.standard_normal((rank, m))


ZOO = {
    # name: (matrix as float64, its exact inverse or None)
    "hilbert 3": (scipy.linalg.hilbert(3), scipy.linalg.invhilbert(3, exact=True).astype(float)),
    "hilbert 5": (scipy.linalg.hilbert(5), scipy.linalg.invhilbert(5, exact=True).astype(float)),
    "hilbert 8": (scipy.linalg.hilbert(8), scipy.linalg.invhilbert(8, exact=True).astype(float)),
    "hilbert 12": (scipy.linalg.hilbert(12), scipy.linalg.invhilbert(12, exact=True).astype(float)),
    "pascal 6": (scipy.linalg.pascal(6).astype(float), scipy.linalg.invpascal(6).astype(float)),
    "pascal 12": (scipy.linalg.pascal(12).astype(float), scipy.linalg.invpascal(12, exact=True).astype(float)),
    "lower pascal 8": (
        scipy.linalg.pascal(8, kind="lower").astype(float),
        scipy.linalg.invpascal(8, kind="lower").astype(float),
    ),
    "helmert 7": (scipy.linalg.helmert(7, full=True), scipy.linalg.helmert(7, full=True).T),
    "hadamard 8": (scipy.linalg.hadamard(8).astype(float), scipy.linalg.hadamard(8).T / 8.0),
    "diag(1, 1e-8)": (np.diag([1.0, 1e-8]), np.diag([1.0, 1e8])),
    "diag of 20 decades": (np.diag(10.0 ** np.arange(-10, 10)), np.diag(10.0 ** -np.arange(-10, 10))),
    "diag(4, 3, 2, 1)": (np.diag([4.0, 3.0, 2.0, 1.0]), np.diag([0.25, 1 / 3, 0.5, 1.0])),
    "1×1": (np.array([[-2.5]]), np.array([[-0.4]])),
    "random κ 10": (_random(6, 6, 10, 1), None),
    "random κ 1e4": (_random(9, 9, 1e4, 2), None),
    "random κ 1e8": (_random(7, 7, 1e8, 3), None),
    "random κ 1e12": (_random(5, 5, 1e12, 4), None),
    "tall 7×3": (_random(7, 3, 30, 5), None),
    "wide 3×7": (_random(3, 7, 30, 6), None),
    "tall 40×12": (_random(40, 12, 1e3, 7), None),
    "indicator 17×3": (g.indicator_matrix(17, 3).double().numpy(), None),
    "singular 5×5, rank 3": (_rank_deficient(5, 5, 3, 8), None),
    "tall 8×4, rank 2": (_rank_deficient(8, 4, 2, 9), None),
    "wide 3×6, rank 1": (_rank_deficient(3, 6, 1, 10), None),
    "ones 4×4": (np.ones((4, 4)), None),
    "zeros 3×2": (np.zeros((3, 2)), None),
    "numerically singular": (np.array([[1.0, 1.0], [1.0, 1.0 + 1e-17]]), None),
}
"""Every matrix of the zoo is exactly representable in float64 (the known inverses may be rounded)."""

GIVEN_AS = {
    "list": lambda M: M.tolist(),
    "float64 array": lambda M: M,
    "float64 tensor": torch.from_numpy,
    "float32 tensor": lambda M: torch.from_numpy(M).float(),
}

EPS = {torch.float32: torch.finfo(torch.float32).eps, torch.float64: torch.finfo(torch.float64).eps}
WORST: dict[str, float] = {}
"""The largest error/bound ratio seen, per comparison: printed at the end (pytest -s) to show the margin."""


def _as_entered(M, given_as):
    """The float64 values a function sees for ``M`` given as ``given_as`` (float32 tensors are rounded)."""
    return torch.from_numpy(M).float().double().numpy() if given_as == "float32 tensor" else M


def _rank(M):
    """The rank every function states: exact, for the zoo's sizes (up to 64 rows and columns)."""
    return exact_reference.rank(M)


def _reference_pinv(M):
    """A⁺ over the first rank(A) singular values, as pseudo_inverse states (numpy's SVD)."""
    if not M.any():
        return np.zeros(M.T.shape)
    U, sigma, Vh = np.linalg.svd(M, full_matrices=False)
    r = _rank(M)
    return (Vh[:r].T / sigma[:r]) @ U[:, :r].T


def _relative(X, reference):
    X = X.double().cpu().numpy() if isinstance(X, torch.Tensor) else X
    scale = np.linalg.norm(reference)
    return np.linalg.norm(X - reference) / (scale if scale else 1.0)


def _within(name, error, bound):
    """Check error ≤ bound, keeping the largest error/bound ratio under ``name``."""
    WORST[name] = max(WORST.get(name, 0.0), error / bound)
    assert error <= bound, f"{name}: error {error:.3g} over the bound {bound:.3g}"


def _given(name, given_as, dtype):
    """The matrix as given, and its float64 values as entered; skip it where it does not fit the dtype."""
    M64 = ZOO[name][0]
    A = GIVEN_AS[given_as](M64)
    try:
        g.as_matrix(A, dtype=dtype)
    except g.MatrixInputError:
        pytest.skip("beyond the dtype's range (tested in test_hostile.py)")
    return A, _as_entered(M64, given_as)


@pytest.fixture(scope="module", autouse=True)
def _print_the_margins():
    """After the module: the largest error/bound ratio of each comparison (pytest -s shows them)."""
    yield
    for name, worst in sorted(WORST.items()):
        print(f"{name:55s} worst error/bound {worst:.3g}")


CASES = [(name, given_as) for name in ZOO for given_as in GIVEN_AS]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("name", "given_as"), CASES, ids=[f"{n}, {w}" for n, w in CASES])
def test_one_kappa_one_rank(name, given_as, dtype):
    A, entered = _given(name, given_as, dtype)
    kappa = g.condition_number(A, dtype=dtype)
    sided = g.one_sided_inverse(A, dtype=dtype)
    assert sided.rank == _rank(entered)
    if entered.any():
        bounds = g.lr_bounds(A, dtype=dtype)
        assert bounds.condition_number == kappa  # one κ, to the last bit
        assert bounds.rank == sided.rank
    if entered.shape[0] == entered.shape[1]:
        try:
            exact = g.exact_inverse(A, dtype=dtype)
        except g.SingularMatrixError as error:
            assert error.condition_number == kappa
        else:
            assert exact.condition_number == kappa
            assert exact.condition_resolved == (sided.rank == entered.shape[0])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("name", "given_as"), CASES, ids=[f"{n}, {w}" for n, w in CASES])
def test_one_inverse(name, given_as, dtype):
    A, entered = _given(name, given_as, dtype)
    m, k = entered.shape
    eps = EPS[dtype]
    pinv = g.pseudo_inverse(A, dtype=dtype)
    sided = g.one_sided_inverse(A, dtype=dtype)
    best_name, best = g.best_inverse(A, dtype=dtype)
    assert pinv.dtype == sided.inverse.dtype == best.dtype == dtype
    assert pinv.shape == sided.inverse.shape == (k, m)

    # the pseudo-inverse is numpy's, with the stated cut-off: both in float64, so to float64's rounding of A⁺
    reference = _reference_pinv(entered)
    rank = _rank(entered)
    sigma = np.linalg.svd(entered, compute_uv=False)
    kappa_r = sigma[0] / sigma[rank - 1] if rank else 1.0  # κ of the part A⁺ inverts
    _within(
        "pseudo_inverse vs numpy's pinv", _relative(pinv, reference), max(m, k) * (eps + EPS[torch.float64] * kappa_r)
    )
    _within(
        "one_sided_inverse vs pseudo_inverse",
        _relative(sided.inverse, reference),
        max(m, k) * (eps + EPS[torch.float64] * kappa_r),
    )
    if rank and sigma[rank - 1] > 1e-15 * sigma[0] >= (sigma[rank] if rank < sigma.size else 0):
        # numpy's default cut-off keeps the same singular values here: it gives the same A⁺
        _within(
            "pseudo_inverse vs numpy's default pinv",
            _relative(pinv, np.linalg.pinv(entered)),
            max(m, k) * (eps + EPS[torch.float64] * kappa_r),
        )

    if m == k and rank == m:  # invertible as entered: every function gives the inverse
        assert sided.kind == "inverse"
        # the reference a learned X is compared with: the inverse of the values as entered, rounded once
        truth_as_entered = torch.from_numpy(exact_reference.inverse(entered)).to(dtype)
        assert best_name == "exact inverse" and torch.equal(best, truth_as_entered)
        try:
            exact = g.exact_inverse(A, dtype=dtype)
        except g.SingularMatrixError as error:  # documented: M rounded to float32 is singular (decided exactly), or LU
            # in float32 met an exactly zero pivot (rank 3 products in float64 have full rank 5 exactly, κ ≈ 4e17)
            assert dtype == torch.float32 and error.reason in ("rounded", "pivot"), str(error)
            return
        kappa = exact.condition_number
        if m * eps * kappa < 0.5:  # the bound guarantees digits: the answers must agree to them
            known = ZOO[name][1]  # the inverse of the matrix as entered: of its float32 rounding for a float32 tensor
            truth = known if known is not None and given_as != "float32 tensor" else np.linalg.inv(entered)
            bound = m * eps * kappa
            _within(f"exact_inverse vs the inverse ({dtype})", _relative(exact.inverse, truth), bound)
            _within(f"pseudo_inverse vs the inverse ({dtype})", _relative(pinv, truth), bound)
            _within(f"one_sided_inverse vs the inverse ({dtype})", _relative(sided.inverse, truth), bound)
            _within(
                f"exact_inverse vs pseudo_inverse ({dtype})", _relative(exact.inverse, pinv.double().numpy()), 2 * bound
            )
        else:  # no digit guaranteed: exact_inverse says so, and the float64 ones still agree with numpy
            assert exact.ill_conditioned and exact.warning
    elif m == k:
        assert sided.kind == "pseudo"
        assert best_name == "pseudo-inverse" and torch.equal(best, pinv)
    else:
        assert sided.kind == ("left" if rank == k < m else "right" if rank == m < k else "pseudo")
        assert best_name == "pseudo-inverse" and torch.equal(best, pinv)
        if sided.kind in ("left", "right"):  # a one-sided inverse: X @ A = I_k, or A @ X = I_m
            product = pinv.double().numpy() @ entered if sided.kind == "left" else entered @ pinv.double().numpy()
            _within(
                "pseudo_inverse is a one-sided inverse",
                np.abs(product - np.eye(product.shape[0])).max(),
                max(m, k) * (eps + EPS[torch.float64] * kappa_r) * kappa_r,
            )


def test_the_issue_s_diagonal_has_one_inverse_in_float32():
    """pseudo_inverse(diag(1, 1e-8)) in float32 is diag(1, 1e8), as exact_inverse and one_sided_inverse say."""
    M = [[1.0, 0.0], [0.0, 1e-8]]
    expected = torch.tensor([[1.0, 0.0], [0.0, 1e8]])
    assert torch.equal(g.pseudo_inverse(M), expected)
    assert torch.equal(g.exact_inverse(M).inverse, expected)
    assert torch.equal(g.one_sided_inverse(M).inverse, expected)
    assert torch.equal(torch.linalg.pinv(torch.tensor(M)), torch.tensor([[1.0, 0.0], [0.0, 0.0]]))  # torch's cut


def test_the_rank_is_exact_up_to_64_and_the_cut_off_float64_s_resolution_beyond():
    """Up to 64 rows and columns the rank is decided exactly: diag(1, 4.4e-16) has rank 2 and is inverted, where
    numpy's default cut-off (1e-15, whatever the shape) drops it. Beyond, a singular value at max(m, k)·eps64·σ_max
    is dropped and one above it inverted, as the docstring says."""
    tol = 2 * EPS[torch.float64]  # max(m, k)·eps64 for a 2×2 matrix: 4.4e-16
    at = np.diag([1.0, tol])
    assert g.pseudo_inverse(at, dtype="float64")[1, 1] == 1 / tol and g.one_sided_inverse(at).rank == 2
    assert np.linalg.pinv(at)[1, 1] == 0  # numpy's default cut-off 1e-15 is above 4.4e-16: numpy drops it
    big = 65 * EPS[torch.float64]  # max(m, k)·eps64 for a 65×65 matrix
    above, dropped = np.eye(65), np.eye(65)
    above[-1, -1], dropped[-1, -1] = 2 * big, big
    assert g.pseudo_inverse(above, dtype="float64")[-1, -1] == 1 / (2 * big)
    assert g.pseudo_inverse(dropped, dtype="float64")[-1, -1] == 0
    assert (g.one_sided_inverse(above).rank, g.one_sided_inverse(dropped).rank) == (65, 64)


def test_a_pseudo_inverse_beyond_float32_is_refused():
    M = [[1.2e-38, 1.2e-38], [1.2e-38, 1.3e-38]]  # normal in float32, but A⁺ has entries near 1e39
    with pytest.raises(g.MatrixInputError, match=r"pseudo-inverse of the 2×2 matrix overflows float32.*use float64"):
        g.pseudo_inverse(M)
    assert torch.isfinite(g.pseudo_inverse(M, dtype="float64")).all()
