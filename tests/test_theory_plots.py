"""The theory's figures: what they draw, their text alternatives, their legends and their size."""

import math

import numpy as np
import pytest
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse import theory_plots as tp
from gdinverse.style import EIGHTH, OKABE_ITO
from gdinverse.sweep import lr_sweep

F64 = {"dtype": "float64"}


def run_and_view(A, **settings):
    result = g.gd_inverse(A, **settings)
    return result, g.direction_view(A, result)


def test_direction_figure_draws_measured_and_theory_per_direction():
    A = g.preset("random", n=8, cond=10)
    _, view = run_and_view(A, steps=300, record_every=5)
    fig = tp.direction_figure(view)
    measured = [t for t in fig.data if t.showlegend is not False and t.name.startswith("σ")]
    theory = [t for t in fig.data if t.name.endswith(", theory")]
    assert len(measured) == len(theory) == 8
    assert [t.name for t in measured] == [f"σ = {s:.4g}" for s in view.sigma]
    for m, t in zip(measured, theory, strict=True):
        assert m.line.color == t.line.color and m.line.dash == "solid" and t.line.dash == "dash"
        assert "markers" in m.mode
        assert m.line.color in (*OKABE_ITO, EIGHTH)
    assert len({(t.line.color, t.marker.symbol) for t in measured}) == 8  # never told apart by hue alone
    assert len({t.marker.symbol for t in measured}) == 8
    np.testing.assert_allclose(np.asarray(measured[-1].y, dtype=float), view.measured[:, 7], rtol=1e-6)
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.legend.y < 0 and fig.layout.legend.orientation == "h"  # below the plot, never over the data
    assert "of 8 directions shown" not in fig.layout.title.text
    assert len(fig.to_json()) < 200_000
    assert fig.layout.meta["description"] == tp.describe_direction_figure(view)


def test_direction_figure_names_what_it_omits():
    A = g.preset("random", n=12, cond=20, dtype="float64")
    _, view = run_and_view(A, steps=50, **F64)
    fig = tp.direction_figure(view)
    assert "8 of 12 directions shown" in fig.layout.title.text
    picks = tp.shown_directions(view)
    assert picks[0] == 0 and picks[-1] == 11 and len(picks) == 8  # the fastest, the slowest, spaced between
    text = tp.describe_direction_figure(view)
    assert "8 directions are drawn" in text


def test_direction_figure_keeps_a_zero_sigma_direction_and_says_so():
    A = torch.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0]], dtype=torch.float64)
    _, view = run_and_view(A, steps=60, **F64)
    fig = tp.direction_figure(view)
    assert any(t.name == "σ = 0 (never changes)" for t in fig.data)
    assert "1 direction has σ = 0 and never changes: it holds the loss floor" in tp.describe_direction_figure(view)


def test_direction_caption_numbers_are_the_views():
    A = g.preset("diag1234", dtype="float64")
    _, view = run_and_view(A, lr=0.5, steps=100, **F64)
    text = tp.describe_direction_figure(view)
    # at lr 0.5 the σ = 1 direction is multiplied by 1 − 2·0.5·1/16 = 0.9375 a step
    assert "The slowest direction is σ = 1: its error shrinks by 6.2% a step," in text
    assert f"to {view.measured[-1, 3]:.3g} at step 100 (theory {view.predicted[-1, 3]:.3g})" in text
    assert "The error shrinks fastest along σ = 4 (factor 0 a step)" in text  # 1 − 2·0.5·16/16 = 0


def test_rate_chart_draws_the_factors_and_the_two_learning_rates():
    A = g.preset("diag1234")
    bounds = g.lr_bounds(A)
    fig = tp.rate_chart(A, lr=0.5)
    slow, fast = fig.data[0], fig.data[1]
    lrs = np.asarray(slow.x, dtype=float)
    np.testing.assert_allclose(np.asarray(slow.y, dtype=float), np.abs(1 - 2 * lrs / 16), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(fast.y, dtype=float), np.abs(1 - 2 * lrs), rtol=1e-5, atol=1e-6)
    assert slow.line.dash != fast.line.dash
    assert fig.layout.xaxis.type == "log"
    # the optimal lr a line, the lrs from the stable limit on shaded, named in the legend: no label on the plot
    marks = {shape.name: shape for shape in fig.layout.shapes}
    optimal, stable = (
        marks[f"optimal lr {bounds.optimal:.4g}"],
        marks[f"lr ≥ stable limit {bounds.stable_below:.4g}"],
    )
    assert (optimal.type, optimal.x0, optimal.x1) == ("line", bounds.optimal, bounds.optimal)
    assert (stable.type, stable.x0) == ("rect", bounds.stable_below)
    assert stable.x1 == pytest.approx(10 ** fig.layout.xaxis.range[1]) and optimal.showlegend and stable.showlegend
    assert not fig.layout.annotations
    assert np.log10(lrs.min()) == pytest.approx(fig.layout.xaxis.range[0], rel=1e-6)  # the axis spans the curves
    assert np.log10(lrs.max()) == pytest.approx(fig.layout.xaxis.range[1], rel=1e-6)
    marker = next(t for t in fig.data if t.name.startswith("lr = "))
    np.testing.assert_allclose(np.asarray(marker.y, dtype=float), [1 - 1 / 16, 0.0], atol=1e-6)
    one = next(t for t in fig.data if t.name.startswith("factor 1"))
    assert list(one.y) == [1.0, 1.0]
    assert fig.layout.legend.y < 0
    text = fig.layout.meta["description"]
    assert (
        "At lr 0.5 the error along σ = 1, the slower of the two, shrinks by 6.2% a step" in text
        and "the run converges" in text
    )
    assert f"stable limit {bounds.stable_below:.4g}" in text and f"optimal lr {bounds.optimal:.4g}" in text


def test_rate_chart_reaches_an_unstable_lr_and_says_it_does_not_converge():
    bounds = g.lr_bounds(g.preset("diag1234"))
    fig = tp.rate_chart(bounds, lr=5.0)
    assert max(fig.data[0].x) >= 5.0
    assert "At lr 5 the error along σ = 4 grows by 800% a step" in tp.describe_rate_chart(bounds, lr=5.0)
    assert "does not converge" in fig.layout.meta["description"]


def test_landscape_figure():
    A = g.preset("random", n=4, cond=5, dtype="float64")
    result = g.gd_inverse(A, lr=0.95 * g.lr_bounds(A).stable_below, steps=30, record_every=1, **F64)
    land = g.landscape(A, result)
    fig = tp.landscape_figure(land)
    contour = fig.data[0]
    assert contour.type == "contour"
    np.testing.assert_allclose(np.asarray(contour.customdata, dtype=float), land.loss, rtol=1e-6)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    path = fig.data[1]
    assert path.mode == "lines+markers"
    np.testing.assert_allclose(np.asarray(path.x, dtype=float), land.path_a, rtol=1e-6)
    start = next(t for t in fig.data if t.name.startswith("start"))
    end = next(t for t in fig.data if t.name.startswith("last step"))
    assert (start.x[0], end.x[0]) == pytest.approx((land.path_a[0], land.path_a[-1]), rel=1e-6)
    assert start.marker.symbol != end.marker.symbol and "step 30" in end.name
    assert fig.layout.legend.y < 0
    text = fig.layout.meta["description"]
    assert "b changes sign 30 times" in text  # q_fast = 1 − 2·0.95 = −0.9
    assert f"the smallest σ the run resolves ({land.sigma_slow:.4g})" in text and "5 times longer along a" in text
    assert len(fig.to_json()) < 200_000


def test_figures_refuse_other_objects():
    with pytest.raises(g.ParameterError, match="expected a DirectionView, got dict"):
        tp.direction_figure({})
    with pytest.raises(g.ParameterError, match="expected a Landscape, got NoneType"):
        tp.landscape_figure(None)
    with pytest.raises(g.ParameterError, match="lr must be a finite number"):
        tp.rate_chart(g.preset("diag1234"), lr=-1.0)
    with pytest.raises(g.MatrixInputError):
        tp.rate_chart("not a matrix")


def test_figure_sizes_at_n8_stay_small():
    A = g.preset("random", n=8, cond=100)
    result, view = run_and_view(A, steps=2000, record_every=10)
    sizes = [
        len(tp.direction_figure(view).to_json()),
        len(tp.rate_chart(A, lr=result.lr).to_json()),
        len(tp.landscape_figure(g.landscape(A, result)).to_json()),
    ]
    assert max(sizes) < 200_000, sizes
    assert not math.isnan(view.rates[view.slowest])


def test_captions_tell_factors_near_one_from_one():
    A = g.preset("random", n=4, cond=3000, dtype="float64")
    text = tp.describe_rate_chart(A)
    kappa = g.lr_bounds(A).condition_number
    best = (kappa**2 - 1) / (kappa**2 + 1)  # 1 − 2.2e-7: never printed as a bare "1"
    assert f"at a factor of 1 − {1 - best:.2g} a step" in text


def test_rate_caption_for_condition_number_one():
    text = tp.describe_rate_chart([[3.0]], lr=0.01)
    assert (
        "curves are one" in text and "At lr 0.01 the error along σ = 3 shrinks by 18% a step: the run converges" in text
    )


@pytest.mark.parametrize(
    "bounds",
    [
        g.lr_bounds(g.preset("hilbert", n=6, dtype="float64"), dtype="float32"),  # float32 loses σ_6
        g.lr_bounds(g.preset("hilbert", n=6, dtype="float64")),
        g.lr_bounds(g.preset("singular")),
        g.lr_bounds(g.preset("random", n=6, cond=30, seed=2)),
    ],
)
def test_the_rate_charts_curves_cross_at_the_optimal_lr(bounds):
    at = g.contraction_factors(bounds, [bounds.optimal])
    # theory: lr* = k²/(σ_min² + σ_max²) balances 1 − 2·lr·σ_min²/k² = −(1 − 2·lr·σ_max²/k²), σ_min the resolved one
    assert at.slow[0] == pytest.approx(at.fast[0], rel=1e-9)
    assert at.slow[0] == pytest.approx(bounds.factor(bounds.optimal), rel=1e-12)
    kappa = bounds.sigma_max / bounds.resolved_sigma_min
    assert at.slow[0] == pytest.approx((kappa**2 - 1) / (kappa**2 + 1), rel=1e-9)
    fig = tp.rate_chart(bounds)
    assert fig.data[0].name == f"σ_min = {bounds.resolved_sigma_min:.4g}"
    text = tp.describe_rate_chart(bounds)
    assert f"σ_min = {bounds.resolved_sigma_min:.4g}" in text
    assert f"(condition number {g.format_condition(bounds.condition_number)})" in text
    assert (f"the smallest σ {bounds.dtype} resolves" in text) == (bounds.resolved_rank < bounds.rank)


def test_a_direction_whose_factor_is_within_rounding_of_one_is_said_to_keep_its_size():
    H = g.preset("hilbert", n=8, dtype="float64")
    run = g.gd_inverse(H, lr=g.lr_bounds(H).optimal, steps=100, dtype="float64")
    text = tp.describe_direction_figure(g.direction_view(H, run))
    assert "shrinks by 8.6e-19% a step — less than float64's rounding, 2.2e-14%: in effect it keeps its size" in text


def test_directions_lost_in_float32_are_named_as_lost_not_by_a_second_sigma():
    M = g.preset("hilbert", n=8, dtype="float64")
    bounds = g.lr_bounds(M, dtype="float32")
    result = g.gd_inverse(M, lr=10.0, steps=100, record_every=20, dtype="float32")
    view = g.direction_view(result.matrix, result)
    names = [t.name for t in tp.direction_figure(view).data if t.showlegend is not False]
    assert names[5:8] == ["σ₆ ≈ 0 in float32", "σ₇ ≈ 0 in float32", "σ₈ ≈ 0 in float32"]
    text = tp.describe_direction_figure(view)
    assert f"The slowest direction is σ = {bounds.resolved_sigma_min:.4g}:" in text
    assert f"3 directions have σ below what float32 resolves at this scale ({bounds.resolution:.2g})" in text
    assert "1.131e-09" not in text and "1.13e-09" not in text  # the rounded matrix's σ₈
    # the fastest direction reached float32's rounding long before the theory's 1e-99
    assert "below the rounding level float32 lets the run reach" in text
    assert "below the rounding level" not in tp.describe_direction_figure(
        g.direction_view(M, g.gd_inverse(M, lr=10.0, steps=5, dtype="float64"))  # theory 1e-5
    )


def test_at_the_optimal_lr_of_hilbert_8_in_float32_every_caption_names_the_pages_slowest_direction():
    """The optimal lr is the float just below M's limit; rounding M to float32 puts σ_max's factor at −1.00000004,
    within float32's rounding of σ₅'s 1 − 2.1e-09: a tie, named as the page names it (σ₅), and the rate chart's
    "converges" says how slowly."""
    M = g.preset("hilbert", n=8, dtype="float64")
    bounds = g.lr_bounds(M, dtype="float32")
    result = g.gd_inverse(M, lr=bounds.optimal, steps=100, record_every=20, dtype="float32")
    view = g.direction_view(result.matrix, result)
    assert view.slowest == 4
    assert f"The slowest direction is σ = {bounds.resolved_sigma_min:.4g}:" in tp.describe_direction_figure(view)
    sigma, _ = bounds.slowest(bounds.optimal)
    halving = np.log(2) / (2 * bounds.optimal * sigma**2 / bounds.k**2)
    rate = tp.describe_rate_chart(bounds, lr=bounds.optimal)
    assert f"the run converges, but halving the error along σ = {sigma:.4g} takes about {halving:.2g} steps" in rate
    assert "halving" not in tp.describe_rate_chart(g.lr_bounds(g.preset("diag1234")), lr=0.5)


def test_the_landscape_of_an_elongated_valley_gets_an_axis_each_and_says_so():
    """Hilbert 8 in float32: σ_fast/σ_slow = 3e4; a square grid wide enough for a (±2e4) made b's ±3 a line."""
    M = g.preset("hilbert", n=8, dtype="float64")
    result = g.gd_inverse(M, lr=10.0, steps=100, record_every=20, dtype="float32")
    land = g.landscape(result.matrix, result)
    assert land.a[-1] == pytest.approx(1.1 * np.abs(land.path_a).max())
    assert land.b[-1] == pytest.approx(1.1 * np.abs(land.path_b).max())
    assert land.a[-1] > 1000 * land.b[-1]
    fig = tp.landscape_figure(land)
    assert fig.layout.yaxis.scaleanchor is None
    assert "The axes are not to the same scale" in tp.describe_landscape(land)
    square = g.landscape(g.preset("diag1234"), g.gd_inverse(g.preset("diag1234"), lr="seed", steps=20))
    assert square.a[-1] == square.b[-1] and tp.landscape_figure(square).layout.yaxis.scaleanchor == "x"
    assert "not to the same scale" not in tp.describe_landscape(square)


def test_eight_directions_get_eight_colours():
    """Hilbert 8 (and the lecture's 8×8 step) drew σ₁ and σ₈ in the same blue."""
    M = g.preset("hilbert", n=8, dtype="float64")
    _, view = run_and_view(M, steps=20, **F64)
    colours = [
        t.line.color
        for t in tp.direction_figure(view).data
        if t.showlegend is not False and t.name != "theory (dashed)"
    ]
    assert len(colours) == 8 == len(set(colours))


@pytest.mark.parametrize("n", [6, 8])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_an_optimal_lr_next_to_its_limit_stays_visible_and_its_labels_apart(n, dtype):
    """Hilbert 6 and 8: the optimal lr is 1 − 1/κ² of the stable limit, the same pixel. Two lines there would be one
    and two labels would overlap: the limit is the edge of a shaded region, the optimal lr a line over it, and both
    are named in the legend with the digits that tell them apart."""
    M = g.preset("hilbert", n=n, dtype="float64")
    bounds = g.lr_bounds(M, dtype=dtype)
    assert bounds.optimal / bounds.stable_below > 1 - 1e-6  # they do all but coincide
    sweep = lr_sweep(M, bounds.grid(5), steps=2, dtype=dtype)
    for fig in (tp.rate_chart(bounds, lr=bounds.optimal), plots.sweep_figure(sweep, bounds=bounds)):
        assert not fig.layout.annotations
        kinds = {shape.type: shape.name for shape in fig.layout.shapes}
        optimal, stable = bounds.written
        assert optimal != stable
        assert kinds == {"line": f"optimal lr {optimal}", "rect": f"lr ≥ stable limit {stable}"}
        region = next(shape for shape in fig.layout.shapes if shape.type == "rect")
        assert region.fillcolor and region.x1 > region.x0  # shaded, reaching right from the limit
