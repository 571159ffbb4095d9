"""The page models against independent computations, over a zoo of matrices in both precisions.

Every number a page quotes is checked against numpy (float64 SVDs, products and norms written here) or, where
float64 cannot resolve it, exact rational arithmetic (``tests/exact_reference.py``, Python's fractions): κ, the
rank, the stable limit, the optimal lr, each direction's factor, the ratio of rates between methods, the loss
floor, which one-sided inverse exists, and what each precision's inverse check measured. Sentences that compare
quantities (singular, exact, faster, times) are checked against the numbers. And a page run decomposes each matrix
it shows at most once per precision (counted).
"""

from __future__ import annotations

import collections
import contextlib
import math
import re
from collections.abc import Iterator

import numpy as np
import pytest
import torch

import gdinverse as g
from gdinverse_app.models import compare, descent, directions, exact_inverse, gradient_descent, indicator, matrix, memo
from gdinverse_app.requests import ExactRequest, IndicatorRequest, MatrixSpec, RaceRequest, RunRequest, SweepRequest
from tests import exact_reference
from tests.test_app import decode


def _text(values: np.ndarray) -> str:
    """A matrix as pasted text with every float written in full (repr round-trips)."""
    return "\n".join(" ".join(repr(float(x)) for x in row) for row in values)


def _rotated(kappa: float, n: int = 4, seed: int = 0) -> str:
    """Q diag(1 … 1/κ) Qᵀ with a random rotation Q: a matrix whose κ no row or column scaling removes."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return _text(Q @ np.diag(np.geomspace(1, 1 / kappa, n)) @ Q.T)


ZOO: dict[str, MatrixSpec] = {
    "seed": MatrixSpec(),
    "identity 1x1": MatrixSpec("preset", "identity", n=1),
    "identity 3": MatrixSpec("preset", "identity", n=3),
    "hilbert 5": MatrixSpec("preset", "hilbert", n=5),
    "hilbert 8": MatrixSpec("preset", "hilbert", n=8),
    "hilbert 12": MatrixSpec("preset", "hilbert", n=12),
    "rotation 5": MatrixSpec("preset", "rotation", n=5, angle=30.0),
    "singular 3": MatrixSpec("preset", "singular", n=3),
    "singular 6": MatrixSpec("preset", "singular", n=6),
    "random 1e6": MatrixSpec("preset", "random", n=6, cond=1e6, seed=2),
    "random 1e10": MatrixSpec("preset", "random", n=6, cond=1e10, seed=3),
    "indicator 17x3": MatrixSpec("preset", "indicator"),
    "diag(1e20, 1)": MatrixSpec("text", text="1e20 0; 0 1"),
    "diag(1e17, 1)": MatrixSpec("text", text="1e17 0; 0 1"),
    "diag(1, 1e-8)": MatrixSpec("text", text="1 0; 0 1e-8"),
    "badly scaled": MatrixSpec("text", text="1e-30 2e-30; 3e-30 5e-30"),
    "rotated κ 1": MatrixSpec("text", text=_rotated(1.0)),
    "rotated κ 1e3": MatrixSpec("text", text=_rotated(1e3)),
    "rotated κ 1e8": MatrixSpec("text", text=_rotated(1e8)),
    "rotated κ 1e12": MatrixSpec("text", text=_rotated(1e12)),
    "rotated κ 1e16": MatrixSpec("text", text=_rotated(1e16)),
    "rotated κ 1e18": MatrixSpec("text", text=_rotated(1e18)),
    "exactly singular": MatrixSpec("text", text="1 2; 2 4"),
    "rank 1": MatrixSpec("text", text="1 2 3; 2 4 6; 3 6 9"),
    "wide full": MatrixSpec("text", text="1 0 2; 0 1 3"),
    "wide deficient": MatrixSpec("text", text="1 2 3; 2 4 6"),
    "tall full": MatrixSpec("text", text="1 0; 0 1; 1 1"),
    "tall deficient": MatrixSpec("text", text="1 2; 2 4; 3 6"),
    "1x1": MatrixSpec("text", text="5"),
    "1x1 zero": MatrixSpec("text", text="0"),
    "indicator wide": MatrixSpec("text", text=g.format_matrix(g.indicator_matrix(4, 9, 0.5, 1))),
}
DTYPES = ("float32", "float64")
EPS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}


def values(spec: MatrixSpec) -> np.ndarray:
    return spec.build("float64").numpy()


def rounded(spec: MatrixSpec, dtype: str) -> np.ndarray:
    return values(spec).astype(dtype).astype(np.float64)


def sigma(A: np.ndarray) -> np.ndarray:
    return np.linalg.svd(A, compute_uv=False)


def resolved(spec: MatrixSpec, dtype: str) -> np.ndarray:
    """The σ of M as entered that ``dtype`` resolves next to σ_max: above max(m, k)·eps·σ_max (nonzero only)."""
    A = values(spec)
    s = sigma(A)
    rank = exact_reference.rank(A)
    return s[:rank][s[:rank] > max(A.shape) * EPS[dtype] * s[0]]


# ---------------------------------------------------------------------------- the analysis


@pytest.mark.parametrize("name", ZOO)
def test_kappa_rank_and_singular_are_the_exact_ones(name):
    spec = ZOO[name]
    A = values(spec)
    spectrum = matrix.spectrum(spec)
    rank = exact_reference.rank(A)
    assert spectrum.rank == rank and spectrum.rank_exact
    assert spectrum.singular == (rank < min(A.shape))
    kappa = exact_reference.kappa(A)
    if math.isinf(kappa):
        assert math.isinf(spectrum.condition_number) and matrix.kappa(spec) == "∞"
    else:
        # the exact inverse's κ to rounding; the SVD's where it is accurate to a millionth (n·eps·κ ≤ 1e-6)
        assert spectrum.kappa_source in ("svd", "exact inverse")
        assert spectrum.condition_number == pytest.approx(kappa, rel=2e-6)
        assert matrix.kappa(spec) == f"{kappa:.3g}"
    assert spectrum.floor == (A.shape[1] - rank) / A.shape[1] ** 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", [n for n in ZOO if n != "1x1 zero"])
def test_the_learning_rates_are_numpys(name, dtype):
    spec = ZOO[name]
    A = values(spec)
    k = A.shape[1]
    bounds = matrix.bounds(spec, dtype)
    s = sigma(A)
    assert bounds.stable_below == pytest.approx(k**2 / s[0] ** 2, rel=1e-12)
    kept = resolved(spec, dtype)
    low = (
        s[0] / exact_reference.kappa(A)
        if kept.size == min(A.shape) and exact_reference.rank(A) == kept.size
        else kept[-1]
    )
    optimal = k**2 / (low**2 + s[0] ** 2)
    assert bounds.resolved_rank == kept.size
    assert bounds.optimal == pytest.approx(optimal, rel=1e-9) and bounds.optimal < bounds.stable_below
    optimal_text, stable_text = bounds.written
    assert optimal_text != stable_text and float(optimal_text) <= float(stable_text)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["seed", "hilbert 5", "random 1e6", "rotated κ 1e3", "tall full", "wide full"])
def test_each_directions_factor_and_the_rates_between_methods(name, dtype):
    spec = ZOO[name]
    bounds = matrix.bounds(spec, dtype)
    request = RunRequest(spec, bounds.optimal, steps=40, every=10, dtype=dtype)
    view = g.direction_view(descent.run(request).matrix, descent.run(request))
    run_matrix = rounded(spec, dtype)
    k = run_matrix.shape[1]
    s = np.zeros(k)
    s[: min(run_matrix.shape)] = sigma(run_matrix)
    np.testing.assert_allclose(view.rates, np.abs(1 - 2 * bounds.optimal * s**2 / k**2), rtol=1e-9, atol=1e-12)
    # momentum's long-run factor: the spectral radius of [[1 − a, β], [−a, β]] over the extreme σ, at Polyak's lr, β
    kappa = bounds.sigma_max / bounds.resolved_sigma_min
    lr, beta = 2 * k**2 / (bounds.sigma_max + bounds.resolved_sigma_min) ** 2, ((kappa - 1) / (kappa + 1)) ** 2
    radius = max(
        np.abs(np.linalg.eigvals(np.array([[1 - a, beta], [-a, beta]]))).max()
        for a in 2 * lr * np.array([bounds.sigma_max, bounds.resolved_sigma_min]) ** 2 / k**2
    )
    assert bounds.rate("momentum") == pytest.approx(radius, rel=1e-9)
    said = compare.rates(bounds)
    if said:
        fewer = math.log(radius) / math.log(abs(1 - 2 * bounds.optimal * bounds.resolved_sigma_min**2 / k**2))
        assert f"about {fewer:.2g} and" in said


# ---------------------------------------------------------------------------- the Exact inverse page


SQUARE = [n for n, spec in ZOO.items() if values(spec).shape[0] == values(spec).shape[1]]


@pytest.mark.parametrize("name", SQUARE)
def test_the_exact_page_says_what_each_precision_did(name):
    spec = ZOO[name]
    A = values(spec)
    page = exact_inverse.page(ExactRequest(spec))
    singular = exact_reference.rank(A) < A.shape[0]
    table = page.facts
    assert ("**κ = ∞**" in table) == singular
    assert ("it is singular" in (page.comparison or "")) == singular
    for column in page.columns:
        stored = rounded(spec, column.dtype)
        stored_singular = exact_reference.rank(stored) < A.shape[0]
        if stored_singular:
            assert column.refused is not None and "singular" in column.refused
            continue
        found = exact_inverse.outcome(spec, column.dtype)
        if found.result is None:  # LU met a zero pivot, or the inverse overflows: said, never silently dropped
            assert column.refused is not None
            continue
        X = found.result.inverse.double().numpy()
        check = float(np.abs(X @ stored - np.eye(A.shape[0])).max())
        # the page measures the product in its precision: within that precision's rounding of numpy's float64 one
        rounding = 2 * A.shape[0] * EPS[column.dtype] * float((np.abs(X) @ np.abs(stored)).max())
        assert abs(found.result.max_error - check) <= rounding
        exact = exact_reference.inverse(A)
        error = np.linalg.norm(X - exact) / np.linalg.norm(exact)
        assert found.result.true_error == pytest.approx(error, rel=1e-6, abs=1e-300)
        if found.result.true_error == 0:
            assert "exact" in table
    comparison = page.comparison or ""
    if "times" in comparison:  # a ratio quoted is the ratio of the two numbers quoted before it
        first, second, ratio = (
            float(x) for x in re.findall(r"(\d[\d.e+-]*\d|\d)(?= and| \(|:| times)", comparison)[:3]
        )
        assert ratio == pytest.approx(first / second, rel=0.06)


@pytest.mark.parametrize("name", SQUARE)
def test_the_two_precisions_inverses_share_one_colour_scale(name):
    """Both inverses on ± the larger largest |entry| of the two, the captions saying so; one alone keeps its own."""
    spec = ZOO[name]
    page = exact_inverse.page(ExactRequest(spec))
    inverses = [c.charts[0] for c in page.columns if c.charts]
    largest = []
    for column in page.columns:
        found = exact_inverse.outcome(spec, column.dtype).result
        if found is not None:
            X = found.inverse.double().numpy()
            largest.append(float(np.abs(X[np.isfinite(X)]).max()))
    for chart in inverses:
        trace = chart.figure.data[0]
        if len(inverses) == 2:
            zmax = max(max(largest), float(np.finfo(np.float64).tiny))
            assert (trace.zmin, trace.zmax) == pytest.approx((-zmax, zmax), rel=1e-6)
            assert f"shared by both precisions, from −{zmax:.3g}" in chart.caption
        else:
            assert "shared" not in chart.caption


@pytest.mark.parametrize("name", [n for n, spec in ZOO.items() if n not in SQUARE])
def test_a_non_square_matrix_gets_the_one_sided_inverse_it_has(name):
    spec = ZOO[name]
    A = values(spec)
    m, k = A.shape
    rank = exact_reference.rank(A)
    kind = "left" if rank == k < m else "right" if rank == m < k else "pseudo"
    section = exact_inverse.page(ExactRequest(spec)).one_sided
    assert section is not None
    assert section.heading.endswith({"left": "a left inverse", "right": "a right inverse",
                                     "pseudo": "no left or right inverse"}[kind])  # fmt: skip
    assert f"rank {rank}" in section.text


# ---------------------------------------------------------------------------- the Gradient descent page


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", [n for n in ZOO if n != "1x1 zero"])
def test_the_descent_page_states_the_rank_and_kappa_it_has(name, dtype):
    spec = ZOO[name]
    A = values(spec)
    m, k = A.shape
    rank = exact_reference.rank(A)
    request = RunRequest(spec, matrix.bounds(spec, dtype).optimal, steps=30, every=10, dtype=dtype)
    try:
        page = gradient_descent.page(request)
    except g.GdInverseError as error:  # entries float32 cannot descend on (the page says so in an error box)
        assert "too small for gradient descent" in str(error) or "too large" in str(error)
        return
    said = " ".join([page.notes.facts, page.notes.shape_note or "", page.verdict])
    assert ("no X makes X @ M = I" in said) == (rank < k)
    assert ("κ = ∞" in said) == (rank < min(m, k))
    if rank < k:
        assert f"{(k - rank) / k**2:.4g}" in said  # the floor
    if rank == min(m, k):
        assert "singular" not in page.notes.facts.replace("singular value", "")
    assert (page.verdict_box == "success") == (descent.run(request).verdict.status == "converged")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", [n for n in ZOO if n != "1x1 zero"])
def test_the_loss_charts_theory_stops_at_the_runs_precision_floor_and_the_grid_picks_its_colours(name, dtype):
    """The theory is cut at (eps·κ)², κ over the σ the precision resolves (numpy's SVD here), and says so; the grid is
    log10 |entry| exactly where the recorded residuals' largest entries span more than three decades."""
    spec = ZOO[name]
    request = RunRequest(spec, matrix.bounds(spec, dtype).optimal, steps=200, every=20, dtype=dtype)
    try:
        run = descent.run(request)
    except g.GdInverseError:  # entries the precision cannot descend on (tested above)
        return
    kept = resolved(spec, dtype)
    floor = (EPS[dtype] * kept.max() / kept.min()) ** 2
    chart = descent.loss_chart(request)
    theory = next(t for t in chart.figure.to_dict()["data"] if t["name"].startswith("theory"))
    drawn = decode(theory["y"])
    predicted = g.predicted_losses(run.spectrum, lr=run.lr, steps=200, X0=run.snapshots[0])
    cut = bool((predicted < floor * (1 - 1e-6)).any())
    if drawn.size:
        assert drawn.min() >= np.float32(floor * (1 - 1e-6))
    assert ("cut at the precision floor" in theory["name"]) == cut or abs(predicted.min() / floor - 1) < 1e-5
    assert ("is cut there" in chart.caption) == ("cut at the precision floor" in theory["name"])
    largest = [float(np.abs(run.residual(t).double().numpy()).max()) for t in run.snapshots]
    largest = [max(x, EPS[dtype]) for x in largest if math.isfinite(x)]
    span = math.log10(max(largest) / min(largest))
    first = descent.grid_chart(request).figure.to_dict()["data"][0]
    if abs(span - 3) > 1e-3:  # not on the rule's edge
        assert (first["zmin"] == pytest.approx(math.log10(EPS[dtype]))) == (span > 3)
        assert (first["zmin"] == -first["zmax"]) == (span <= 3)


def test_a_zero_matrix_is_refused_with_a_reason():
    with pytest.raises(g.GdInverseError, match="all zeros"):
        gradient_descent.page(RunRequest(ZOO["1x1 zero"], 1.0))


# ---------------------------------------------------------------------------- Compare and Indicator


@pytest.mark.parametrize("name", ["seed", "hilbert 5", "singular 3", "tall full", "wide deficient"])
def test_the_race_table_errors_are_against_the_exact_reference(name):
    spec = ZOO[name]
    A = values(spec)
    request = RaceRequest(spec, ("gd", "momentum"), steps=50, seed=1, init="zeros", dtype="float64")
    results = compare.race(request)
    full = exact_reference.rank(A) == A.shape[0] == A.shape[1]
    reference = exact_reference.inverse(A) if full else np.linalg.pinv(A)
    for row in compare.table(request):
        X = results[row.method].inverse.double().numpy()
        assert row.error == pytest.approx(np.linalg.norm(X - reference) / np.linalg.norm(reference), rel=1e-6)


def test_the_sweep_summary_quotes_the_pages_learning_rates():
    spec = ZOO["hilbert 5"]
    summary = compare.sweep_page(SweepRequest(spec, count=10, steps=20)).summary
    optimal, stable = matrix.bounds(spec, "float32").written
    assert f"optimal lr is **{optimal}** and the stable limit **{stable}**" in summary


@pytest.mark.parametrize(("documents", "words"), [(17, 3), (4, 9), (6, 6)])
def test_the_indicator_page_names_the_inverse_its_rank_allows(documents, words):
    request = IndicatorRequest("random", documents, words, 0.5, 7)
    page = indicator.page(request)
    M = indicator.view(request).matrix.numpy().astype(float)
    rank = exact_reference.rank(M)
    assert page.rank == rank
    kind = (
        "inverse"
        if rank == documents == words
        else "left"
        if rank == words < documents
        else ("right" if rank == documents < words else "pseudo")
    )
    assert page.kind == kind
    if kind == "right":
        assert "a right inverse here (M @ M⁺ = I)" in page.learn_caption


# ---------------------------------------------------------------------------- decompositions per page run


DECOMPOSITIONS = ("svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals", "matrix_rank", "pinv", "cond")


@contextlib.contextmanager
def counting(matrices: list[np.ndarray]) -> Iterator[collections.Counter]:
    """Count the decompositions (torch.linalg's and numpy.linalg's SVD and eigen family) made of each of
    ``matrices``, by the index of the matrix decomposed (another matrix's, e.g. X's 2-norm, are not counted)."""
    counts: collections.Counter = collections.Counter()
    originals = {}

    def which(argument) -> int | None:
        values = np.asarray(argument.detach().cpu() if isinstance(argument, torch.Tensor) else argument, dtype=float)
        for i, M in enumerate(matrices):
            if values.shape == M.shape and np.array_equal(values, M):
                return i
        return None

    for module, names in ((torch.linalg, DECOMPOSITIONS), (np.linalg, ("svd", "eig", "eigh", "pinv", "matrix_rank"))):
        for name in names:
            original = getattr(module, name)
            originals[(module, name)] = original

            def wrapped(*args, __original=original, **kwargs):
                index = which(args[0]) if args else None
                if index is not None:
                    counts[index] += 1
                return __original(*args, **kwargs)

            setattr(module, name, wrapped)
    try:
        yield counts
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)


PAGE_RUNS = {
    "exact": lambda spec: exact_inverse.page(ExactRequest(spec)),
    "descent float32": lambda spec: (
        gradient_descent.page(RunRequest(spec, matrix.bounds(spec, "float32").optimal, steps=50)),
        directions.for_run(RunRequest(spec, matrix.bounds(spec, "float32").optimal, steps=50)),
        descent.step_charts(RunRequest(spec, matrix.bounds(spec, "float32").optimal, steps=50), 50),
    ),
    "descent float64": lambda spec: (
        gradient_descent.page(RunRequest(spec, matrix.bounds(spec, "float64").optimal, steps=50, dtype="float64")),
        directions.for_run(RunRequest(spec, matrix.bounds(spec, "float64").optimal, steps=50, dtype="float64")),
    ),
    "compare": lambda spec: (
        compare.race_page(RaceRequest(spec, steps=60)),
        compare.sweep_page(SweepRequest(spec, count=8, steps=20)),
        compare.directions(RaceRequest(spec, steps=60), "momentum"),
    ),
}


@pytest.mark.parametrize("page", PAGE_RUNS)
@pytest.mark.parametrize("name", ["seed", "hilbert 8", "singular 6", "random 1e6", "tall full"])
def test_a_page_run_decomposes_each_matrix_once_per_precision(page, name):
    spec = ZOO[name]
    if page == "exact" and name == "tall full":
        pytest.skip("a non-square matrix has one section, tested below")
    shown = [values(spec), rounded(spec, "float32")]
    memo.clear_all()
    with counting(shown) as counts:
        PAGE_RUNS[page](spec)
    distinct = not np.array_equal(shown[0], shown[1])
    assert counts[0] <= 1, "M as entered is decomposed once (its κ, rank and learning rates)"
    if distinct:
        assert counts[1] <= 1, "M rounded to float32 is decomposed once (the run's directions)"


def test_the_counter_sees_a_decomposition_made_twice():
    """The count above can fail: two analyses of one matrix (as the pages made before one spectrum) count 2."""
    spec = ZOO["hilbert 8"]
    A = values(spec)
    with counting([A]) as counts:
        g.Spectrum.of(torch.from_numpy(A))
        g.lr_bounds(torch.from_numpy(A), dtype="float64")
        np.linalg.svd(A)
    assert counts[0] == 3
