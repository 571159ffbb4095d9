"""Beyond the app's sizes: κ from the LU (Lanczos) instead of the SVD, each piece computed only when asked for, and
every public function's cost estimated (and refused when over the budget) before it starts.

Checked against numpy's SVD of the same float64 values; the work done is counted by wrapping torch.linalg's
decompositions. No timed asserts: benchmarks/sizes.py measures times and memory.
"""

import collections
import contextlib
import math

import numpy as np
import pytest
import torch

import gdinverse as g
from gdinverse import cost, spectrum
from gdinverse.theory import steps_to_residual

N = 300  # beyond FULL_SVD_UP_TO, and beyond the Lanczos tridiagonal's largest size (150): counts are unambiguous
KERNELS = ("svd", "svdvals", "lu_factor_ex", "inv_ex", "eigh")


@contextlib.contextmanager
def counting(shape):
    """Count the calls of torch.linalg's decompositions on a matrix of ``shape`` (or a batch of them)."""
    counts: collections.Counter = collections.Counter()
    originals = {name: getattr(torch.linalg, name) for name in KERNELS}

    def wrap(name):
        def wrapped(A, *args, **kwargs):
            if tuple(A.shape[-2:]) == tuple(shape):
                counts[name] += 1
            return originals[name](A, *args, **kwargs)

        return wrapped

    for name in KERNELS:
        setattr(torch.linalg, name, wrap(name))
    try:
        yield counts
    finally:
        for name, original in originals.items():
            setattr(torch.linalg, name, original)


def random(n=N, cond=1e3, seed=0, dtype="float64"):
    return g.preset("random", n=n, cond=cond, seed=seed, dtype=dtype)


def svd_values(A):
    return np.linalg.svd(np.asarray(A, dtype=np.float64), compute_uv=False)


MATRICES = {
    "random κ 1e3": lambda: random(),
    "random κ 1e9": lambda: random(cond=1e9, seed=1),
    "gaussian": lambda: torch.randn(N, N, generator=torch.Generator().manual_seed(2), dtype=torch.float64),
    "orthogonal": lambda: g.preset("rotation", n=N, dtype="float64"),
    "repeated σ_max": lambda: torch.diag(torch.tensor([5.0] * 3 + list(np.linspace(1, 2, N - 3)))),
    "tiny scale": lambda: random(seed=3) * 1e-200,
    "huge scale": lambda: random(seed=4) * 1e200,
}


# ---------------------------------------------------------------------------- the estimate against the SVD


def test_the_estimate_switches_method_where_the_analysis_does():
    n = spectrum.FULL_SVD_UP_TO
    assert (n, spectrum.LANCZOS_STEPS) == (128, 150)
    assert not g.Decomposition(torch.zeros(n, n, dtype=torch.float64)).lazy
    assert g.Decomposition(torch.zeros(n + 1, n + 1, dtype=torch.float64)).lazy
    costs = [cost.estimate("condition_number", (size, size)) for size in (n - 1, n, n + 1)]
    # one full SVD up to n, the far cheaper LU and Lanczos one beyond: the estimate grows up to n, then drops
    assert costs[0].seconds < costs[1].seconds and costs[2].seconds < costs[1].seconds
    assert costs[0].bytes < costs[1].bytes and costs[2].bytes < costs[1].bytes


@pytest.mark.parametrize("name", MATRICES)
def test_kappa_and_sigma_max_from_the_lu_agree_with_the_svd_and_are_estimates_from_below(name):
    A = MATRICES[name]()
    sigma = svd_values(A)
    with counting(A.shape) as counts:
        spec = g.Spectrum.of(A)
        kappa, sigma_max = spec.condition_number, spec.sigma_max
    assert counts == {"lu_factor_ex": 1}, "no SVD: one LU"
    assert (spec.kappa_source, spec.rank, spec.rank_exact) == ("estimate", N, False)
    reference = sigma[0] / sigma[-1]
    assert kappa == pytest.approx(reference, rel=2e-5)  # within 5e-4 guaranteed, about 2e-6 seen
    assert sigma_max == pytest.approx(sigma[0], rel=1e-9)  # about 1e-11 seen
    assert kappa <= reference * (1 + 1e-9) and sigma_max <= sigma[0] * (1 + 1e-12)  # Ritz values: from below
    assert spec.sigma_min == pytest.approx(sigma[-1], rel=2e-5)


def test_each_piece_is_computed_once_and_only_when_asked_for():
    A = random()
    with counting(A.shape) as counts:
        decomposition = g.Decomposition.of(A)
        assert counts == {} and repr(decomposition) == f"Decomposition({N}×{N})"
        kappa = decomposition.kappa
        assert decomposition.kappa == kappa and counts == {"lu_factor_ex": 1}
        assert repr(decomposition) == f"Decomposition({N}×{N}, rank={N}, kappa={kappa!r}, kappa_source='estimate')"
        sigma = decomposition.sigma
        assert counts == {"lu_factor_ex": 1, "svdvals": 1}
        V = decomposition.V
        assert decomposition.sigma is sigma and decomposition.V is V
        assert counts == {"lu_factor_ex": 1, "svdvals": 1, "svd": 1}
    np.testing.assert_allclose(sigma, svd_values(A), rtol=1e-12)
    assert decomposition.kappa == kappa  # the singular values computed since do not change it


def test_at_the_app_s_sizes_one_svd_makes_everything_as_before():
    A = random(n=spectrum.FULL_SVD_UP_TO)
    with counting(A.shape) as counts:
        spec = g.Spectrum.of(A)
        g.lr_bounds(spec), g.exact_inverse(spec), spec.rounded.V
    assert counts == {"svd": 1, "inv_ex": 1}
    assert spec.kappa_source == "svd" and spec.condition_number == pytest.approx(1e3, rel=1e-9)


def test_a_singular_matrix_beyond_the_app_s_sizes_has_its_numerical_rank_and_infinite_kappa():
    B = torch.randn(N, 40, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    A = B @ B.T  # rank 40
    spec = g.Spectrum.of(A)
    assert (spec.rank, spec.singular, spec.condition_number, spec.kappa_source) == (40, True, math.inf, "singular")
    assert spec.rank == np.linalg.matrix_rank(A.numpy(), tol=N * np.finfo(float).eps * svd_values(A)[0])
    assert "rank is below its size (numerically" in g.condition_note(spec.kappa_source, rank_exact=spec.rank_exact)


def test_the_notes_say_what_an_estimate_is():
    assert g.condition_note("estimate").startswith("an estimate: σ_max and σ_min of M as entered by Lanczos")
    assert "κ is at least about 1/(max(m, k)·eps), and M may be singular" in g.condition_note("unresolved")


def test_a_non_square_matrix_beyond_the_app_s_sizes_uses_its_singular_values():
    A = torch.randn(N, 150, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    sigma = svd_values(A)
    with counting(A.shape) as counts:
        bounds = g.lr_bounds(A)
    assert counts == {"svdvals": 1}
    assert bounds.kappa_source == "svd" and bounds.condition_number == pytest.approx(sigma[0] / sigma[-1], rel=1e-12)


# ---------------------------------------------------------------------------- what each call computes


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_exact_inverse_beyond_the_app_s_sizes_needs_no_svd_and_says_kappa_is_an_estimate(dtype):
    A = random(cond=1e4, dtype=dtype)
    with counting(A.shape) as counts:
        result = g.exact_inverse(A)
    assert counts == {"lu_factor_ex": 1, "inv_ex": 1}
    sigma = svd_values(A)
    assert result.condition_number == pytest.approx(sigma[0] / sigma[-1], rel=2e-5)
    assert result.condition_number == g.condition_number(A) == g.lr_bounds(A).condition_number  # one κ
    assert (result.kappa_source, result.condition_resolved, result.rank_exact) == ("estimate", True, False)
    eps = torch.finfo(getattr(torch, dtype)).eps
    assert result.trusted_digits == pytest.approx(-math.log10(eps * result.condition_number))
    assert result.determinant == float(torch.linalg.det(A.double())) == 0.0  # 1e-600 underflows
    X = torch.linalg.inv(A)
    assert torch.equal(result.inverse, X)
    assert result.max_error == float((X @ A - torch.eye(N, dtype=A.dtype)).abs().max())


def test_the_determinant_beyond_the_app_s_sizes_comes_from_the_lu_of_kappa():
    A = random(cond=10) * -1.5  # det = ±(1.5³⁰⁰)·10^(-150) ≈ ±1e-97
    sign, logdet = np.linalg.slogdet(A.numpy())
    determinant = g.exact_inverse(A).determinant
    assert math.copysign(1, determinant) == sign
    assert math.log(abs(determinant)) == pytest.approx(logdet, rel=1e-12)


def test_float64_values_inverted_in_float32_keep_the_entered_kappa_and_round_nothing_else():
    A = random(cond=1e5)
    with counting(A.shape) as counts:
        result = g.exact_inverse(A, dtype="float32")
    assert counts == {"lu_factor_ex": 1, "inv_ex": 1}  # the float32 rounding is never decomposed
    assert result.condition_number == g.condition_number(A, dtype="float64")


def test_lr_bounds_count_the_singular_values_only_where_the_precision_does_not_resolve_sigma_min():
    well = random(cond=1e3)
    with counting(well.shape) as counts:
        bounds = g.lr_bounds(well, dtype="float32")
    assert counts == {"lu_factor_ex": 1} and bounds.resolved_rank == N
    ill = random(cond=1e8, seed=7)  # σ down to 1e-8, below float32's resolution 300·1.2e-7·σ_max = 3.6e-5
    with counting(ill.shape) as counts:
        bounds = g.lr_bounds(ill, dtype="float32")
    assert counts == {"lu_factor_ex": 1, "svdvals": 1}
    sigma = svd_values(ill)
    resolution = N * np.finfo(np.float32).eps * sigma[0]
    assert bounds.resolved_rank == int((sigma > resolution).sum()) < N
    assert bounds.resolved_sigma_min == pytest.approx(sigma[bounds.resolved_rank - 1], rel=1e-10)
    assert (bounds.rank, bounds.kappa_source) == (N, "estimate")
    assert bounds.stable_below == pytest.approx(N**2 / sigma[0] ** 2, rel=1e-9)


def test_a_run_beyond_the_app_s_sizes_and_its_verdict_make_no_svd():
    A = random(cond=10, dtype="float32")
    with counting(A.shape) as counts:
        result = g.gd_inverse(A, steps=30, init="zeros")
        verdict = result.verdict
    assert counts == {"lu_factor_ex": 1}
    sigma = svd_values(A)
    assert result.lr == pytest.approx(N**2 / (sigma[0] ** 2 + sigma[-1] ** 2), rel=1e-6)
    assert verdict.status == "running"  # 30 steps at factor (κ²−1)/(κ²+1) ≈ 0.98: far from float32's precision
    assert "more steps to reach float32's precision (an estimate from that rate)." in verdict.message
    predicted = g.predicted_losses(A, lr=result.lr, steps=30)  # the theory's curve needs the vectors
    np.testing.assert_allclose(result.losses, predicted, rtol=1e-4)


def test_the_direction_view_beyond_the_app_s_sizes_makes_the_svd_once():
    A = random(n=150, cond=10)
    result = g.gd_inverse(A, steps=20, init="zeros")
    with counting(A.shape) as counts:
        view = g.direction_view(A, result)
        g.direction_view(A, result)
    assert counts == {"svd": 1, "svdvals": 1}
    np.testing.assert_allclose(view.sigma, svd_values(A), rtol=1e-12)
    np.testing.assert_allclose(view.measured, view.predicted, rtol=1e-8, atol=1e-12)


# ---------------------------------------------------------------------------- every public call, refused first


def _run():
    return g.gd_inverse(random(n=40, cond=10), steps=5)


CALLS = {
    "exact_inverse": lambda A, run: g.exact_inverse(A),
    "condition_number": lambda A, run: g.condition_number(A),
    "lr_bounds": lambda A, run: g.lr_bounds(A),
    "one_sided_inverse": lambda A, run: g.one_sided_inverse(A),
    "best_inverse": lambda A, run: g.best_inverse(A),
    "pseudo_inverse": lambda A, run: g.pseudo_inverse(A),
    "gd_inverse": lambda A, run: g.gd_inverse(A, steps=10),
    "lr_sweep": lambda A, run: g.lr_sweep(A, [1e-3, 1e-2], steps=10),
    "race": lambda A, run: g.race(A, steps=10),
    "predicted_losses": lambda A, run: g.predicted_losses(A, lr=1e-3, steps=10),
    "predicted_final_losses": lambda A, run: g.predicted_final_losses(A, [1e-3], steps=10),
    "steps_to_tolerance": lambda A, run: g.steps_to_tolerance(A, lr=1e-3, tol=1e-3),
    "steps_to_residual": lambda A, run: steps_to_residual(A, lr=1e-3, target=1e-3),
    "predicted_direction_errors": lambda A, run: g.predicted_direction_errors(A, lr=1e-3, steps=10),
    "contraction_factors": lambda A, run: g.contraction_factors(A),
    "direction_view": lambda A, run: g.direction_view(run.matrix, run),
    "direction_errors": lambda A, run: g.direction_errors(run.matrix, run),
    "landscape": lambda A, run: g.landscape(run.matrix, run),
}
OPERATION = {  # the estimate each call is refused with, where it is not the call's own name
    "predicted_final_losses": "predicted_losses",
    "steps_to_tolerance": "predicted_losses",
    "steps_to_residual": "predicted_losses",
    "predicted_direction_errors": "predicted_losses",
    "contraction_factors": "lr_bounds",
    "direction_errors": "direction_view",
}


@pytest.mark.parametrize("call", CALLS)
def test_every_expensive_public_call_is_refused_before_it_decomposes_anything(call):
    A, run = random(n=40, cond=10), _run()
    room = cost.estimate("as_matrix", (40, 40), dtype="float64").bytes  # the conversions fit, nothing more
    with counting((40, 40)) as counts, cost.budget(memory=room), pytest.raises(g.CostError) as info:
        CALLS[call](A, run)
    assert counts == {}
    message = str(info.value)
    assert message.startswith(f"{OPERATION.get(call, call)} of a 40×40 ")
    assert "over the limit of 32 kB (the per-call budget)" in message
    assert message.endswith("raise the budget with gdinverse.cost.budget(seconds=..., memory=...)")


def test_the_svd_a_call_did_not_expect_is_refused_at_once():
    """A safety net: beyond the app's sizes the full SVD is estimated when it is asked for (a verdict's projector,
    a piece a caller did not announce) and refused over the budget."""
    decomposition = g.Decomposition.of(random())
    with cost.budget(seconds=1e-9), pytest.raises(g.CostError, match=rf"^singular vectors of a {N}×{N} float64"):
        _ = decomposition.V
    with cost.budget(seconds=1e-9), pytest.raises(g.CostError, match=rf"^singular values of a {N}×{N} float64"):
        _ = decomposition.sigma


def test_what_fits_is_offered_for_an_inverse_too_big_for_the_budget():
    limit = cost.estimate("exact_inverse", (1000, 1000)).seconds
    with cost.budget(seconds=limit), pytest.raises(g.CostError) as info:
        g.exact_inverse(torch.eye(1001))
    n = int(str(info.value).split("what fits: a ")[1].split("×")[0])
    assert n == 1000


def test_a_tensor_is_refused_from_its_shape_before_any_entry_is_read():
    """A 20,000² view of one number: checking its entries would take seconds; its shape refuses it at once (the
    conversion, 6.4 GB, would be refused too, but later and under another name)."""
    A = torch.zeros(1, 1).expand(20_000, 20_000)
    for call, name in ((g.exact_inverse, "exact_inverse"), (g.lr_bounds, "lr_bounds")):
        with pytest.raises(g.CostError, match=rf"^{name} of a 20000×20000 float32 matrix would take about"):
            call(A)
    A = torch.zeros(1, 1).expand(9_000, 9_000)  # gradient descent's residual limit (1e8 entries) comes first
    with pytest.raises(g.CostError, match=r"^gd_inverse of a 9000×9000 float32 matrix, 100 steps would take about"):
        g.gd_inverse(A)


def test_the_new_operations_describe_their_sizes():
    assert cost.estimate("race", (40, 40), steps=500, runs=5).operation == (
        "race of a 40×40 float32 matrix, 5 methods × 500 steps"
    )
    assert (
        cost.estimate("landscape", (40, 40), snapshots=6).operation
        == "landscape of a 40×40 float32 matrix, 6 snapshots"
    )
    assert cost.estimate("predicted_losses", (40, 40), steps=100).operation == (
        "predicted_losses of a 40×40 float32 matrix, 100 steps"
    )


def test_a_square_matrix_s_estimate_grows_more_slowly_than_its_svd():
    """The point of the LU's estimate: beyond the app's sizes κ costs a small multiple of the inverse, the SVD
    many times more."""
    for n in (500, 2000, 4000):
        kappa = cost.estimate("condition_number", (n, n)).seconds
        inverse = cost.CALIBRATION["inv float64"] * n**3
        assert kappa < 5 * inverse < cost.estimate("singular vectors", (n, n)).seconds
