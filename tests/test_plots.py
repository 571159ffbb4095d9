"""Tests of gdinverse.plots: what the figures show, how big they are, and how bad arguments fail."""

import ast
import json
import math
import pathlib

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse.style import METHOD_STYLES
from gdinverse.sweep import lr_sweep

MB = 1_000_000


@pytest.fixture(scope="module")
def seed_run():
    """The seed notebook's run: diag(1,2,3,4), lr 0.2·ln 10, 100 steps, X recorded every 20."""
    return g.gd_inverse(g.preset("diag1234"), lr="seed")


@pytest.fixture(scope="module")
def long_run():
    """41 recorded steps (0, 5, …, 200): more than the default caps of panels."""
    return g.gd_inverse(g.preset("diag1234"), lr="seed", steps=200, record_every=5)


@pytest.fixture(scope="module")
def big_run():
    """The app's caps: a 128×128 matrix, 51 recorded steps."""
    return g.gd_inverse(g.preset("random", n=128, cond=10), steps=500, record_every=10)


def hex_rgb(colour):
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


# ---------------------------------------------------------------------------- heatmap


def test_small_heatmap_prints_values_with_two_decimals():
    fig = plots.heatmap(torch.diag(torch.tensor([1.0, 2.0, 3.0, 4.0])))
    (trace,) = fig.data
    assert trace.texttemplate == "%{text}"
    assert list(trace.text[2]) == ["0.00", "0.00", "3.00", "0.00"]
    assert trace.z.dtype == np.float32
    assert trace.z.shape == (4, 4)


def test_heatmap_of_big_values_writes_them_alike_in_cells_and_colour_bar():
    """Cells say -2.02e+03 and 4.25e+09; the colour bar says 4e+09 too, not plotly's default "4B"."""
    inverse = g.exact_inverse(g.preset("hilbert", n=8, dtype="float64"), dtype="float64").inverse
    (trace,) = plots.heatmap(inverse).data
    assert trace.text[5][5] == "4.25e+09" and trace.text[0][1] == "-2.02e+03"
    assert trace.colorbar.exponentformat == "e"


def test_big_heatmap_has_no_text_at_all():
    fig = plots.heatmap(np.random.default_rng(0).normal(size=(40, 40)))
    (trace,) = fig.data
    assert trace.texttemplate is None and trace.text is None
    assert "texttemplate" not in fig.to_json()


def test_show_values_overrides_the_size_rule():
    assert plots.heatmap(np.ones((40, 40)), show_values=True).data[0].texttemplate == "%{text}"
    assert plots.heatmap(np.ones((3, 3)), show_values=False).data[0].texttemplate is None


def test_scale_is_symmetric_about_zero_and_positive_is_red():
    fig = plots.heatmap([[1.0, -3.0], [0.5, 2.0]])
    trace = fig.data[0]
    assert (trace.zmin, trace.zmid, trace.zmax) == (-3.0, 0, 3.0)
    low, high = hex_rgb(trace.colorscale[0][1]), hex_rgb(trace.colorscale[-1][1])
    assert low[2] > low[0] and high[0] > high[2]  # negative blue, positive red


def test_all_zero_matrix_still_has_a_scale():
    trace = plots.heatmap(np.zeros((3, 3))).data[0]
    assert trace.zmax > 0 and trace.zmin == -trace.zmax


def test_non_finite_entries_are_blank_and_do_not_set_the_scale():
    trace = plots.heatmap([[1.0, np.inf], [np.nan, -2.0]]).data[0]
    assert np.isnan(trace.z[0, 1]) and np.isnan(trace.z[1, 0])
    assert trace.zmax == 2.0


def test_given_zmax_is_shared():
    trace = plots.heatmap([[0.1, -0.2]], zmax=5).data[0]
    assert (trace.zmin, trace.zmax) == (-5, 5)


def test_row_one_is_at_the_top_with_square_cells_and_ticks_one_to_n():
    fig = plots.heatmap(np.arange(12.0).reshape(3, 4))
    trace = fig.data[0]
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.yaxis.scaleanchor == "x"
    assert (trace.x0, trace.dx, trace.y0, trace.dy) == (1, 1, 1, 1)
    assert (fig.layout.xaxis.tick0, fig.layout.xaxis.dtick) == (1, 1)


def test_labels_become_category_axes_and_repeats_stay_apart():
    fig = plots.heatmap(np.eye(3), x_labels=["a", "b", "c"], y_labels=["1", "1", "2"])
    trace = fig.data[0]
    assert list(trace.x) == ["a", "b", "c"]
    assert list(trace.y) == ["1", "1 (2)", "2"]
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "category"


def test_matrices_are_sent_as_float32_binary():
    payload = json.loads(plots.heatmap(torch.eye(4, dtype=torch.float64)).to_json())
    assert payload["data"][0]["z"]["dtype"] == "f4"


@pytest.mark.parametrize(
    "bad",
    [np.zeros((2, 2, 2)), np.zeros((0, 3)), [1.0, 2.0], [[1, 2], [3]], [["a", "b"]], np.eye(2) * 1j],
    ids=["3-D", "empty", "1-D", "ragged", "strings", "complex"],
)
def test_heatmap_rejects_what_is_not_a_matrix(bad):
    with pytest.raises(g.ParameterError, match="M must"):
        plots.heatmap(bad)


def test_heatmap_rejects_bad_settings():
    with pytest.raises(g.GdInverseError, match="zmax"):
        plots.heatmap(np.eye(2), zmax=-1)
    with pytest.raises(g.GdInverseError, match="show_values"):
        plots.heatmap(np.eye(2), show_values="yes")
    with pytest.raises(g.GdInverseError, match="x_labels has 3 labels for 2"):
        plots.heatmap(np.eye(2), x_labels=["a", "b", "c"])


def test_own_small_template_is_used():
    fig = plots.heatmap(torch.diag(torch.tensor([1.0, 2.0, 3.0, 4.0])))
    assert fig.layout.template == plots.TEMPLATE
    text = fig.to_json()
    assert len(text) < 4000
    assert "histogram2dcontour" not in text  # a part of plotly's default template


def test_package_never_imports_plotly_express_or_streamlit():
    tree = ast.parse(pathlib.Path(plots.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert not any("express" in name or "streamlit" in name for name in imported)


# ---------------------------------------------------------------------------- residual grid


def test_grid_has_one_panel_per_recorded_step_on_one_scale(seed_run):
    fig = plots.residual_grid(seed_run, columns=2)  # as the app draws it: four panels a row leave no room for values
    assert [a.text for a in fig.layout.annotations] == [f"step {t}" for t in (0, 20, 40, 60, 80, 100)]
    assert len(fig.data) == 6
    zmax = max(float(seed_run.residual(t).abs().max()) for t in seed_run.snapshots)
    assert len({(t.zmin, t.zmax) for t in fig.data}) == 1
    assert fig.data[0].zmax == pytest.approx(zmax, rel=1e-6) and fig.data[0].zmin == -fig.data[0].zmax
    assert [t.showscale for t in fig.data] == [True] + [False] * 5
    assert all(t.texttemplate == "%{text}" for t in fig.data)  # 4×4: the seed printed these values
    # printed as the seed printed its Diff at step 20, negative zero included
    assert [" ".join(row) for row in fig.data[1].text] == [
        "-0.09 0.01 0.00 0.00",
        "0.26 -0.00 0.00 0.00",
        "0.00 0.00 0.00 0.00",
        "0.11 0.00 0.00 0.00",
    ]


def test_grid_panels_are_matrices_with_row_one_at_the_top(seed_run):
    fig = plots.residual_grid(seed_run)
    for i, trace in enumerate(fig.data):
        y_axis = fig.layout["yaxis" + ("" if i == 0 else str(i + 1))]
        assert y_axis.autorange == "reversed"
        assert y_axis.scaleanchor == trace.xaxis
    assert fig.layout.xaxis7.visible is False and fig.layout.xaxis8.visible is False  # the empty cells


def test_grid_caps_the_panels_keeping_first_and_last(long_run):
    fig = plots.residual_grid(long_run, max_panels=12)
    titles = [a.text for a in fig.layout.annotations]
    assert len(fig.data) == len(titles) == 12
    assert titles[0] == "step 0" and titles[-1] == "step 200"
    assert len(set(titles)) == 12


def test_grid_of_chosen_steps(seed_run):
    fig = plots.residual_grid(seed_run, steps=[np.int64(100), 0], columns=2)
    assert [a.text for a in fig.layout.annotations] == ["step 0", "step 100"]
    with pytest.raises(g.GdInverseError, match=r"steps \[30\] were not recorded"):
        plots.residual_grid(seed_run, steps=[0, 30])
    with pytest.raises(g.GdInverseError, match="DescentResult"):
        plots.residual_grid({"losses": []})


# ---------------------------------------------------------------------------- animation


def test_animation_has_a_frame_per_recorded_step_and_controls(seed_run):
    fig = plots.residual_animation(seed_run)
    names = ["0", "20", "40", "60", "80", "100"]
    assert [f.name for f in fig.frames] == names
    (slider,) = fig.layout.sliders
    assert [s.label for s in slider.steps] == names
    assert [list(s.args[0]) for s in slider.steps] == [[n] for n in names]
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in b for b in labels) and any("Pause" in b for b in labels)
    assert all(b.method == "animate" for b in fig.layout.updatemenus[0].buttons)


def test_animation_scale_is_fixed_over_all_frames(seed_run):
    fig = plots.residual_animation(seed_run)
    trace = fig.data[0]
    largest = max(np.abs(f.data[0].z).max() for f in fig.frames)
    assert trace.zmax == pytest.approx(largest) and trace.zmin == -trace.zmax
    np.testing.assert_allclose(fig.frames[-1].data[0].z, seed_run.residual(100).numpy(), atol=1e-7)


def test_animation_caps_the_frames_keeping_first_and_last(long_run):
    fig = plots.residual_animation(long_run, max_frames=10)
    names = [f.name for f in fig.frames]
    assert len(names) == 10 and names[0] == "0" and names[-1] == "200"
    assert [s.label for s in fig.layout.sliders[0].steps] == names


def test_big_animation_fits_in_six_megabytes(big_run):
    fig = plots.residual_animation(big_run)
    assert len(fig.frames) == 50
    assert fig.data[0].texttemplate is None
    assert len(fig.to_json()) < 6 * MB


def test_big_grid_and_heatmap_are_small(big_run):
    assert len(plots.residual_grid(big_run).to_json()) < 2 * MB
    assert len(plots.heatmap(big_run.matrix).to_json()) < 0.2 * MB


# ---------------------------------------------------------------------------- loss curves


def test_loss_curve_on_a_log_axis_with_marks_and_theory(seed_run):
    A = g.preset("diag1234")
    theory = g.predicted_losses(A, lr="seed", steps=100, X0=seed_run.snapshots[0])
    fig = plots.loss_curve(seed_run.losses, marks=seed_run.snapshots, predicted=theory)
    assert fig.layout.yaxis.type == "log"
    loss, marks, predicted = fig.data  # the theory last: drawn over the measured curve, so both stay visible
    assert list(loss.x) == list(range(101))
    assert predicted.name == "theory" and predicted.line.dash == "dash"
    assert predicted.line.color != loss.line.color and (loss.line.dash or "solid") == "solid"
    assert list(marks.x) == [0, 20, 40, 60, 80, 100]
    np.testing.assert_allclose(marks.y, seed_run.losses[[0, 20, 40, 60, 80, 100]], rtol=1e-6)


def test_zeros_and_non_finite_losses_do_not_break_a_log_axis():
    losses = np.array([1.0, 0.1, np.nan, 0.0, -1e-3, np.inf, 1e-33, 0.0])
    fig = plots.loss_curve(losses, marks=[3, 6])
    line, zeros, marks = fig.data
    assert list(line.x) == [0, 1, 6] and np.all(line.y > 0)
    assert list(marks.x) == [6]
    # the exact zeros along the bottom of the axis, which spans the drawn losses and the whole run
    assert zeros.name == "loss exactly 0" and list(zeros.x) == [3, 7] and zeros.cliponaxis is False
    low, high = fig.layout.yaxis.range
    assert np.all((low < np.log10(zeros.y)) & (np.log10(zeros.y) < low + 0.05 * (high - low)))  # along the bottom
    assert low < -33 < 0 < high
    assert list(fig.layout.xaxis.range) == [-0.5, 7.5]
    linear = plots.loss_curve(losses, log_y=False).data[0]
    assert list(linear.x) == [0, 1, 3, 4, 6, 7]


def test_a_single_loss_gets_an_axis_around_it_not_one_from_a_tenth_to_ten():
    fig = plots.loss_curve([1.665])
    low, high = fig.layout.yaxis.range
    assert low < np.log10(1.665) < high and high - low == pytest.approx(3)
    assert fig.layout.xaxis.range is not None
    assert plots.loss_curve([1.0, 0.5]).layout.yaxis.range is None  # two values: plotly's own range


def test_long_curves_are_thinned_keeping_ends_marks_and_spikes():
    losses = np.exp(-np.arange(100_001) / 20_000.0)
    losses[54_321] = 50.0  # a spike must survive the thinning
    fig = plots.loss_curve(losses, marks=[12_345, 99_999])
    line = fig.data[0]
    assert len(line.x) <= 2_100
    assert line.x[0] == 0 and line.x[-1] == 100_000
    assert {12_345, 54_321, 99_999} <= set(line.x.tolist())
    assert len(fig.to_json()) < 50_000


def test_loss_curve_rejects_bad_arguments():
    with pytest.raises(g.GdInverseError, match="losses must be a non-empty 1-D"):
        plots.loss_curve(np.ones((3, 3)))
    with pytest.raises(g.GdInverseError, match="marks"):
        plots.loss_curve(np.ones(5), marks=[7])


def test_race_against_steps_or_seconds(seed_run):
    momentum = g.gd_inverse(g.preset("diag1234"), method="momentum")
    fig = plots.race_figure({"gd": seed_run, "momentum": momentum}, x="time")
    assert [t.name for t in fig.data if t.showlegend is not False] == ["gd", "momentum"]
    np.testing.assert_allclose(fig.data[0].x, seed_run.times.astype(np.float32))
    assert fig.layout.xaxis.title.text == "seconds" and fig.layout.yaxis.type == "log"
    by_step = plots.race_figure({"gd": seed_run})
    assert list(by_step.data[0].x) == list(range(101))


def test_race_rejects_bad_arguments(seed_run):
    with pytest.raises(g.GdInverseError, match="non-empty dict"):
        plots.race_figure({})
    with pytest.raises(g.GdInverseError, match="DescentResult"):
        plots.race_figure({"gd": seed_run.losses})
    with pytest.raises(g.GdInverseError, match="x must be one of"):
        plots.race_figure({"gd": seed_run}, x="seconds")


# ---------------------------------------------------------------------------- sweep


@pytest.fixture(scope="module")
def sweep():
    A = g.preset("diag1234")
    bounds = g.lr_bounds(A)
    lrs = np.geomspace(bounds.optimal / 30, bounds.stable_below * 1.5, 25)
    return lr_sweep(A, lrs, steps=100), bounds


def test_sweep_on_log_axes_with_bounds_theory_and_diverged(sweep):
    result, bounds = sweep
    X0 = g.gd_inverse(g.preset("diag1234"), steps=1).snapshots[0]
    theory = np.array([g.predicted_losses(g.preset("diag1234"), lr=lr, steps=100, X0=X0)[-1] for lr in result.lrs])
    fig = plots.sweep_figure(result, bounds=bounds, predicted=theory)
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "log"
    traces = {t.name: t for t in fig.data}
    assert traces["theory"].line.dash == "dash"
    assert fig.data[-1].name == "theory"  # drawn last: over the measured points, never hidden under them
    measured = traces["final loss (measured)"]
    assert measured.mode == "markers" and measured.marker.symbol == "circle-open"  # the theory shows through
    diverged = traces["diverged"]
    assert len(diverged.x) == result.diverged.sum() > 0
    assert diverged.marker.symbol == "x"
    assert len(measured.x) == (~result.diverged).sum()
    # 0.94 and 1 apart: the optimal lr a line, the limit the edge of a shaded region, both named in the legend
    marks = {s.name: (s.type, s.x0) for s in fig.layout.shapes}
    assert marks == {
        "lr ≥ stable limit 1": ("rect", bounds.stable_below),
        "optimal lr 0.9412": ("line", bounds.optimal),
    }
    assert all(s.showlegend and not (s.label and s.label.text) for s in fig.layout.shapes)
    assert not fig.layout.annotations
    region = fig.layout.shapes[0]
    assert region.x1 == pytest.approx(10 ** fig.layout.xaxis.range[1])  # shaded to the right edge
    low, high = fig.layout.xaxis.range  # fitted to the swept lrs: nothing stretches the axis
    assert low < np.log10(result.lrs.min()) < low + 0.2 and high - 0.2 < np.log10(result.lrs.max()) < high
    assert all(y > fig.layout.yaxis.range[1] - 1 for y in np.log10(diverged.y))  # along the top


def test_sweep_without_bounds_has_no_lines_and_checks_its_arguments(sweep):
    result, _ = sweep
    assert len(plots.sweep_figure(result).layout.shapes) == 0
    with pytest.raises(g.GdInverseError, match="predicted has 3 losses for 25"):
        plots.sweep_figure(result, predicted=[1.0, 2.0, 3.0])
    with pytest.raises(g.GdInverseError, match="LrSweep"):
        plots.sweep_figure({"lrs": [0.1]})


# ---------------------------------------------------------------------------- indicator data


def test_indicator_heatmap_labels_values_and_hover():
    matrix = g.indicator_matrix(17, 3)
    fig = plots.indicator_heatmap(matrix)
    trace = fig.data[0]
    assert list(trace.y) == [f"doc_{i}" for i in range(1, 18)]
    assert list(trace.x) == ["word_1", "word_2", "word_3"]
    assert trace.texttemplate == "%{z}"
    assert trace.hovertemplate.startswith("%{y}, %{x}: %{z}")
    assert fig.layout.yaxis.autorange == "reversed"
    assert (trace.zmin, trace.zmax) == (0, 1)
    assert trace.colorscale[0][1] == trace.colorscale[1][1] != trace.colorscale[-1][1]  # two colours
    np.testing.assert_array_equal(trace.z, matrix.numpy())


def test_indicator_heatmap_with_words_and_no_text_when_big():
    terms = g.document_term_matrix(["the cat sat", "the dog"])
    fig = plots.indicator_heatmap(terms.matrix, row_labels=terms.documents, column_labels=terms.vocabulary)
    assert list(fig.data[0].x) == ["cat", "dog", "sat", "the"]
    assert plots.indicator_heatmap(g.indicator_matrix(40, 5)).data[0].texttemplate is None
    with pytest.raises(g.GdInverseError, match="only 0 and 1"):
        plots.indicator_heatmap([[0, 2]])


def test_counts_figure():
    fig = plots.counts_figure(torch.tensor([3, 1, 2]), ["doc_1", "doc_2", "doc_3"], title="words per document")
    (bar,) = fig.data
    assert isinstance(bar, go.Bar) and bar.orientation == "h"
    assert list(bar.y) == ["doc_1", "doc_2", "doc_3"] and list(bar.x) == [3, 1, 2]
    assert fig.layout.yaxis.autorange == "reversed"
    upright = plots.counts_figure([1, 2], ["a", "b"], orientation="v").data[0]
    assert list(upright.x) == ["a", "b"]
    with pytest.raises(g.GdInverseError, match="labels has 1 labels for 2"):
        plots.counts_figure([1, 2], ["a"])


@pytest.mark.parametrize(("largest", "step"), [(2, 1), (8, 1), (9, 2), (17, 5), (41, 10), (1000, 200)])
def test_count_axes_tick_whole_numbers_only(largest, step):
    """Ticks at 0.5 and 1.5 written as whole numbers read "0 1 1 2" (the Indicator page's documents per word)."""
    axis = plots.counts_figure([largest, 1], ["a", "b"]).layout.xaxis
    assert (axis.tickmode, axis.tick0, axis.dtick, axis.tickformat) == ("linear", 0, step, ",d")
    assert largest / step <= 8


def test_every_figure_uses_the_small_template(seed_run, sweep):
    figures = [
        plots.heatmap(np.eye(2)),
        plots.residual_grid(seed_run),
        plots.residual_animation(seed_run),
        plots.loss_curve(seed_run.losses),
        plots.race_figure({"gd": seed_run}),
        plots.sweep_figure(sweep[0]),
        plots.indicator_heatmap([[0, 1]]),
        plots.counts_figure([1], ["a"]),
    ]
    for fig in figures:
        assert fig.layout.template == plots.TEMPLATE
        assert len(fig.to_json()) < 12_000


# ---------------------------------------------------------------------------- the error view


def test_error_heatmap_gives_each_power_of_ten_its_own_colour():
    errors = np.array([[1e-3, -1e-7], [0.0, 2e-5]], dtype=np.float32)  # float32 data: float32's eps at the bottom
    fig = plots.error_heatmap(errors, title="|X @ M − I|")
    (trace,) = fig.data
    eps = np.finfo(np.float32).eps
    assert trace.zmin == pytest.approx(np.log10(eps)) and trace.zmax == pytest.approx(-3, abs=1e-6)
    np.testing.assert_allclose(trace.z, [[-3, np.log10(eps)], [np.log10(eps), np.log10(2e-5)]], atol=1e-5)
    # 1e-3 and 2e-5 are far apart on this scale (on a ±1 scale both would be white)
    assert trace.z[0, 0] - trace.z[1, 1] > 1.5
    assert [list(row) for row in trace.text] == [["1e-03", "≤1.2e-07"], ["≤1.2e-07", "2e-05"]]
    assert list(trace.colorbar.ticktext) == ["1e-6", "1e-5", "1e-4", "1e-3"]  # the powers of ten on the scale
    assert list(trace.colorbar.tickvals) == [-6, -5, -4, -3]
    assert trace.colorscale[0][1] == plots.SEQUENTIAL[0][1]  # near-white at the rounding level
    assert "log colour scale" in plots.text_alternative(fig) and "row 1, column 1" in plots.text_alternative(fig)


def test_error_heatmap_scale_follows_the_precision_or_is_given():
    float64 = plots.error_heatmap(torch.tensor([[1e-12, 0.0]], dtype=torch.float64)).data[0]
    assert float64.zmin == pytest.approx(np.log10(np.finfo(np.float64).eps))
    given = plots.error_heatmap([[1e-3]], eps=1e-8, top=1.0).data[0]
    assert (given.zmin, given.zmax) == (pytest.approx(-8), pytest.approx(0))
    with pytest.raises(g.GdInverseError, match="top"):
        plots.error_heatmap([[1e-3]], eps=1e-8, top=1e-9)
    blank = plots.error_heatmap([[np.inf, 1.0]]).data[0]
    assert np.isnan(blank.z[0, 0])


# ---------------------------------------------------------------------------- legends, styles, text alternatives


def test_legends_sit_under_the_plot_never_over_the_data(seed_run, sweep):
    figures = [
        plots.loss_curve(seed_run.losses, marks=[0, 100]),
        plots.race_figure({"gd": seed_run}),
        plots.sweep_figure(sweep[0], bounds=sweep[1]),
    ]
    for fig in figures:
        legend = fig.layout.legend
        assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == ("h", "container", 0, "bottom")
        assert fig.layout.margin.b >= 100  # room for the axis title and the legend under it


def test_every_method_has_its_own_colour_and_dash(seed_run):
    methods = {
        m: g.gd_inverse(g.preset("diag1234"), method=m, steps=50) for m in ("gd", "momentum", "nesterov", "adam")
    }
    fig = plots.race_figure(methods)
    lines = [t for t in fig.data if t.showlegend is not False]
    assert len({t.line.color for t in lines}) == len({t.line.dash for t in lines}) == 4
    assert [t.line.color for t in lines] == [METHOD_STYLES[m].color for m in methods]  # the same on every page


def test_race_marks_losses_below_the_precision_floor_as_noise():
    A = g.preset("random", n=5, cond=10)
    results = {m: g.gd_inverse(A, method=m, steps=600) for m in ("gd", "newton_schulz")}
    floor = plots.noise_floor(results["gd"])
    assert floor == pytest.approx((np.finfo(np.float32).eps * 10) ** 2, rel=1e-3)  # (eps·κ)², κ = 10
    assert results["newton_schulz"].losses.min() < floor / 2  # Newton–Schulz reaches rounding noise
    fig = plots.race_figure(results)
    (band,) = fig.layout.shapes
    assert band.y1 == pytest.approx(floor) and band.name == "below float32's resolution: noise" and band.showlegend
    solid = next(t for t in fig.data if t.name == "newton_schulz")
    faint = next(t for t in fig.data if t.name == "newton_schulz: rounding noise")
    assert faint.opacity < 0.5 and faint.line.width < solid.line.width and faint.showlegend is False
    y = np.asarray(solid.y, dtype=float)
    below = y[np.isfinite(y)] < floor
    assert below.sum() <= 2  # only where the faint part joins on: nothing under the floor is drawn as data
    assert "rounding noise" in plots.text_alternative(fig)


def test_a_race_that_never_reaches_the_floor_has_no_band(seed_run):
    assert not plots.race_figure({"gd": seed_run}).layout.shapes


def test_grid_row_numbers_only_left_of_the_first_column(seed_run):
    fig = plots.residual_grid(seed_run)  # 6 panels in 4 columns
    shown = [fig.layout["yaxis" + ("" if i == 0 else str(i + 1))].showticklabels for i in range(6)]
    assert shown == [True, False, False, False, True, False]
    assert all(fig.layout["xaxis" + ("" if i == 0 else str(i + 1))].showticklabels for i in range(6))


def test_animation_slider_sits_under_its_buttons(seed_run):
    fig = plots.residual_animation(seed_run)
    (menu,), (slider,) = fig.layout.updatemenus, fig.layout.sliders
    assert slider.x == menu.x == 0 and slider.len == 1
    assert slider.pad.t > menu.pad.t + 30  # a row of its own under Play/Pause, which never cover it


def test_every_figure_has_a_text_alternative_with_its_numbers(seed_run, sweep):
    cases = {
        "heatmap": (plots.heatmap([[1.0, -3.0], [0.5, 2.0]], title="M"), ["Heatmap of M, 2×2", "−3 to 3"]),
        "grid": (plots.residual_grid(seed_run), ["steps 0, 20, 40, 60, 80, 100", "from 2.2 at step 0"]),
        "animation": (plots.residual_animation(seed_run), ["6 recorded steps", "step 0 to step 100"]),
        "loss": (plots.loss_curve(seed_run.losses), ["1.665 at step 0", "4.124e-07 at step 100"]),
        "race": (plots.race_figure({"gd": seed_run}), ["gd ends at 4.12e-07"]),
        "sweep": (plots.sweep_figure(sweep[0], bounds=sweep[1]), ["25 learning rates", "stable limit 1"]),
        "indicator": (plots.indicator_heatmap(g.indicator_matrix(17, 3)), ["17×3 indicator matrix"]),
        "counts": (plots.counts_figure([3, 1], ["a", "b"], title="words"), ["a 3, b 1"]),
        "error": (plots.error_heatmap([[1e-3]]), ["log colour scale"]),
    }
    for name, (fig, phrases) in cases.items():
        text = plots.text_alternative(fig)
        assert text == plots.text_alternative(fig.to_dict())
        for phrase in phrases:
            assert phrase in text, (name, text)
    assert "no text alternative" in plots.text_alternative({"layout": {"title": {"text": "other"}}})


def test_figure_titles_say_m_not_a(seed_run, sweep):
    figures = [plots.residual_grid(seed_run), plots.residual_animation(seed_run), plots.loss_curve(seed_run.losses)]
    for fig in figures:
        title = fig.layout.title.text or ""
        assert "A" not in title.replace("Loss", ""), title


def test_loss_caption_names_one_point_once_and_says_when_the_theory_leaves_the_axis():
    one = plots.text_alternative(plots.loss_curve(np.array([0.2823, 0.0, 0.0])))
    assert one == (
        "Line chart of the loss against the step on a log axis: 0.2823 at step 0; the loss is exactly 0 at steps 1 "
        "and 2, marked by triangles along the bottom."
    )
    predicted = np.array([1.0, 0.1, 1e-45, 0.0, 0.0], dtype=np.float32)  # a subnormal at step 2, then 0
    text = plots.text_alternative(plots.loss_curve(np.array([1.0, 0.5, 0.2, 0.1, 0.05]), predicted=predicted))
    assert "predicts 0.1 at step 1, and values too small to draw after it." in text


def test_labels_are_shown_as_typed_not_as_plotly_markup():
    """Plotly draws <b>…</b> bold and <a href=…> as a link in tick labels: labels from a link are escaped."""
    fig = plots.heatmap(torch.eye(2), x_labels=["<b>x</b>", "a&b"], y_labels=['<a href="https://e.x">c</a>', "d"])
    assert fig.data[0].x == ("&lt;b&gt;x&lt;/b&gt;", "a&amp;b")
    assert fig.data[0].y[0] == '&lt;a href="https://e.x"&gt;c&lt;/a&gt;'


# ---------------------------------------------------------------------------- legible cell values


def plotly_font(cell_w, cell_h, longest, gap=1):
    """The size plotly.js fits cell text to (heatmap/plot.js): the longest text at 0.65 em a character across the
    cell, one line of 1.3 em down it, at most the figure's 13 px font."""
    return min(math.floor((cell_w - gap) / (0.65 * longest)), math.floor((cell_h - gap) / 1.3), 13)


def test_values_are_printed_only_where_a_desk_shows_them_at_11_px_or_more():
    """At a desk plotly shrinks cell text to fit its cells: 8 px in a residual grid's panels, ~5 px in Hilbert 10's
    inverses side by side. Values are kept only where that size is 11 px or more, on the desk's 1400 px screen."""
    hilbert = plots.heatmap(g.preset("hilbert", n=10, dtype="float64"))  # full width, 450 px: 35 px cells
    (trace,) = hilbert.data
    assert trace.texttemplate == "%{text}" and trace.text[0][1] == "0.50"
    assert plotly_font(35, 35, 4) == 13  # "0.50": 350 px of plot / 10 rows
    assert plots.cell_font(hilbert, trace) == 13 and hilbert.layout.height is None  # plotly's 450 px
    inverse = g.exact_inverse(g.preset("hilbert", n=10, dtype="float64"), dtype="float64").inverse
    half = plots.heatmap(inverse, per_row=2)
    # "-1.17e+09", 9 characters: half of 940 px less the margins and the colour bar leaves under 30 px a cell: 4 px
    assert plotly_font((940 - 16) / 2 / 10 - 16, 45, 9) < 11
    assert half.data[0].texttemplate is None and half.data[0].text is None  # the hover gives them
    assert "%{z" in half.data[0].hovertemplate
    full = plots.heatmap(inverse)  # the whole width has room for 11 px: the figure grows tall enough for them
    assert full.data[0].texttemplate == "%{text}" and full.layout.height > 450
    assert plots.cell_font(full, full.data[0]) >= 11
    assert plots.heatmap(inverse, show_values=True, per_row=2).data[0].texttemplate == "%{text}"  # asked: kept


@pytest.mark.parametrize("style", ["desk", "phone", "projector"])
@pytest.mark.parametrize("per_row", [1, 2, 3])
def test_every_value_printed_is_legible_in_its_style(seed_run, style, per_row):
    from gdinverse.style import STYLES

    look = STYLES[style]
    figures = [
        plots.heatmap(g.preset("diag1234"), style=style, per_row=per_row),
        plots.heatmap(g.preset("hilbert", n=8, dtype="float64"), style=style, per_row=per_row),
        plots.heatmap(g.exact_inverse(g.preset("hilbert", n=6)).inverse, style=style, per_row=per_row),
        plots.error_heatmap(seed_run.residual(20), style=style, per_row=per_row),
        plots.residual_grid(seed_run, columns=2, style=style),
        plots.residual_animation(seed_run, style=style),
    ]
    printed = 0
    for fig in figures:
        width = look.figure_width(1 if fig.layout.sliders or len(fig.data) > 1 else per_row)
        for trace in fig.data:
            if not trace.texttemplate:
                continue
            printed += 1
            cell_w, cell_h = plots.cell_box(fig, trace, width)
            longest = max(len(text) for row in trace.text for text in row)
            if trace.textfont.size is None:  # plotly fits it: at least 11 px
                assert style == "desk" and plotly_font(cell_w, cell_h, longest) >= look.legible
            else:  # set: the style's size, and the cell is wide and tall enough for it in DejaVu Sans's digits
                assert trace.textfont.size == look.cell >= look.legible
                assert cell_w - 1 >= 0.7 * look.cell * longest + 4 and cell_h - 1 >= 1.3 * look.cell
    assert printed  # the 4×4 matrices keep their values everywhere


def test_the_grid_grows_to_keep_its_values_legible_only_where_its_width_allows(seed_run):
    two = plots.residual_grid(seed_run, columns=2)  # the app's: 3 rows of 2 panels
    assert two.layout.height > 70 + 190 * 3 and all(t.texttemplate for t in two.data)
    four = plots.residual_grid(seed_run, columns=4, style="phone")  # 4 panels a row are too narrow on a phone
    assert not any(t.texttemplate for t in four.data)
    assert all(t.text is None for t in four.data)  # nor their text: the hover shows z


# ---------------------------------------------------------------------------- a run's residual colours


@pytest.fixture(scope="module")
def stall_run():
    """The lecture's float32 stall: κ = 50, 8×8, 20 000 steps at the optimal lr, X every 400 steps."""
    M = g.preset("random", n=8, cond=50)
    return g.gd_inverse(M, lr="optimal", steps=20_000, record_every=400, max_snapshots=51)


def test_a_residual_that_spans_many_decades_is_drawn_as_log_magnitudes(stall_run):
    """On one signed scale ± its step-0 size, 10 of 12 panels were white: the stall was invisible."""
    fig = plots.residual_grid(stall_run, columns=2)
    steps = [int(a.text.removeprefix("step ")) for a in fig.layout.annotations]
    largest = [float(stall_run.residual(t).abs().max()) for t in steps]
    eps = float(np.finfo(np.float32).eps)
    assert np.log10(max(largest) / max(min(largest), eps)) > 3  # the rule's reason, computed here
    signed = plots.residual_grid(stall_run, columns=2, colours="signed")
    white = sum(m < 0.02 * max(largest) for m in largest)  # under 2% of the scale: paler than the first shade
    assert white >= len(steps) // 2 and signed.data[0].zmin == -signed.data[0].zmax
    assert fig.layout.title.text == "|X @ M − I|, log colour scale"
    for trace, step in zip(fig.data, steps, strict=True):
        expected = np.log10(np.maximum(np.abs(stall_run.residual(step).numpy().astype(np.float64)), eps))
        np.testing.assert_allclose(trace.z, expected, rtol=1e-5, atol=1e-5)
        assert trace.zmin == pytest.approx(np.log10(eps)) and trace.zmax == pytest.approx(np.log10(max(largest)))
        assert trace.colorscale[0][1].lower() == plots.SEQUENTIAL[0][1] and trace.zmid is None
    text = fig.layout.meta["description"]
    assert f"span {np.log10(max(largest) / max(min(largest), eps)):.1f} decades, more than 3" in text
    assert "log10 |entry| on one colour scale from 1.2e-07 (white: float32's rounding level" in text


def test_a_residual_within_three_decades_stays_signed_and_either_can_be_asked_for(seed_run):
    largest = [float(seed_run.residual(t).abs().max()) for t in seed_run.snapshots]
    assert np.log10(max(largest) / min(largest)) < 3  # 2.2 to 0.0023
    auto = plots.residual_grid(seed_run, columns=2)
    assert auto.data[0].zmin == -auto.data[0].zmax and "at most 3" in auto.layout.meta["description"]
    log = plots.residual_grid(seed_run, columns=2, colours="log")
    assert log.data[0].zmin == pytest.approx(np.log10(np.finfo(np.float32).eps))
    assert log.data[1].text[0][0] == f"{abs(float(seed_run.residual(20)[0, 0])):.0e}"
    with pytest.raises(g.GdInverseError, match="colours"):
        plots.residual_grid(seed_run, colours="rainbow")


def test_the_animation_takes_the_grids_colours(stall_run):
    fig = plots.residual_animation(stall_run)
    eps = float(np.finfo(np.float32).eps)
    assert fig.data[0].zmin == pytest.approx(np.log10(eps))
    last = int(fig.frames[-1].name)
    expected = np.log10(np.maximum(np.abs(stall_run.residual(last).numpy().astype(np.float64)), eps))
    np.testing.assert_allclose(fig.frames[-1].data[0].z, expected, rtol=1e-5, atol=1e-5)
    assert "log10 |entry|" in fig.layout.meta["description"]


# ---------------------------------------------------------------------------- theory cut at the floor, fitted axes


def test_the_theory_is_cut_at_the_runs_precision_floor_and_the_caption_says_so():
    """Lecture step 10: the theory, cast to float32, ran down to 1e-42 and took the axis with it."""
    M = g.indicator_matrix(17, 3, p=0.2, seed=123)
    run = g.gd_inverse(M, steps=300, record_every=20, init="zeros")
    theory = g.predicted_losses(run.spectrum, lr=run.lr, steps=300, X0=run.snapshots[0])
    assert theory.dtype == np.float64 and theory.min() < 1e-40  # the closed form, in float64, goes on falling
    floor = plots.noise_floor(run)
    fig = plots.loss_curve(run.losses, predicted=theory, floor=floor)
    line = next(t for t in fig.data if t.name.startswith("theory"))
    assert line.name == "theory, cut at the precision floor"
    assert min(line.y) >= np.float32(floor) and len(line.y) == int((theory >= floor).sum())
    eps = float(np.finfo(np.float32).eps)
    sigma = np.linalg.svd(M.double().numpy(), compute_uv=False)
    assert floor == pytest.approx((eps * sigma.max() / sigma.min()) ** 2, rel=1e-6)
    assert f"cut there: it falls below the precision floor {floor:.1e}" in fig.layout.meta["description"]
    uncut = plots.loss_curve(run.losses, predicted=theory)
    assert min(uncut.data[-1].y) >= np.finfo(np.float32).tiny  # never a float32 subnormal such as 1e-42


def test_a_1x1_run_gets_axes_that_fit_it():
    """M = [[2]] at the optimal lr: exact after one step, every later loss exactly 0."""
    run = g.gd_inverse([[2.0]], steps=100)
    assert run.losses[0] > 0 and not run.losses[1:].any()
    fig = plots.loss_curve(run.losses, marks=list(run.snapshots))
    low, high = fig.layout.yaxis.range
    assert low < np.log10(run.losses[0]) < high and high - low <= 3  # around the one positive loss, not 0 to 1
    assert list(fig.layout.xaxis.range) == [-0.5, 100.5]  # the whole run
    zeros = next(t for t in fig.data if t.name == "loss exactly 0")
    assert zeros.x[0] == 1 and zeros.x[-1] == 100
    assert np.all((low < np.log10(zeros.y)) & (np.log10(zeros.y) < low + 0.05 * (high - low)))
    assert "the loss is exactly 0 at steps 1–100" in fig.layout.meta["description"]


def test_the_noise_floor_of_a_run_in_progress_is_the_finished_runs():
    M = g.preset("random", n=5, cond=20)
    engine = g.GradientDescent(M)
    assert plots.noise_floor(engine) == plots.noise_floor(g.gd_inverse(M, steps=3))


def test_the_sweeps_theory_is_cut_at_the_precision_floor_too():
    A = g.preset("diag1234")
    bounds = g.lr_bounds(A)
    result = lr_sweep(A, bounds.grid(12), steps=2000)
    floor = plots.noise_floor(bounds)
    assert floor == pytest.approx((float(np.finfo(np.float32).eps) * 4 / 1) ** 2)  # κ = 4 in float32
    assert result.predicted.min() < 1e-40  # the theory at the best lrs, in float64
    fig = plots.sweep_figure(result, bounds=bounds, predicted=result.predicted, floor=floor)
    theory = fig.data[-1]
    assert theory.name == "theory, cut at the precision floor" and min(theory.y) >= np.float32(floor)
    assert fig.layout.yaxis.range[0] > np.log10(floor) - 3  # the axis no longer runs down to the cut values
    assert f"cut where it falls below the precision floor {floor:.1e}" in fig.layout.meta["description"]
