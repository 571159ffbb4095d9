"""Projector mode (``?present=1``, or the sidebar toggle) on every page: the CSS is there, every figure's text is at
least 18 px (heatmap values 16 px) in dark ink, and the mode is kept in the link and across pages."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import gdinverse as g
from gdinverse import plots
from gdinverse.style import INK, PROJECTOR

from .test_app import figures, key

PRESENT = "present"

PAGES = {
    "home": None,
    "lecture": "pages/lecture.py",
    "exact": "pages/exact_inverse.py",
    "descent": "pages/gradient_descent.py",
    "step_through": "pages/gradient_descent.py",
    "compare": "pages/compare.py",
    "indicator": "pages/indicator_matrix.py",
    "exercises": "pages/exercises.py",
}
QUERY = {"step_through": {"mode": "step"}, "lecture": {"step": "3"}, "exercises": {"teacher": "1"}}
"""Exercises in the teacher view, which offers Reveal before any answer (a student gets it after trying)."""
MARK = "gdinverse projector mode"


def open_page(name: str, **query: str) -> AppTest:
    at = AppTest.from_file("../gdinverse_app/streamlit_app.py", default_timeout=300).run()
    if PAGES[name]:
        at.switch_page(PAGES[name])
    for name_, value in {**QUERY.get(name, {}), **query}.items():
        at.query_params[name_] = value
    at.run()
    if name == "exercises":  # its figures appear on Reveal: a direction figure and a heatmap
        for number in (4, 6):
            at.radio(key=key(at, "q")).set_value(number).run()
            at.button(key=key(at, f"reveal_1_7_{number - 1}")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def css(at: AppTest) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def contrast(hex_color: str) -> float:
    """WCAG contrast ratio of a colour against white."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g_, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g_) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def font_problems(spec: dict) -> list[str]:
    """Every text of a figure smaller than projector mode asks for, or not in dark ink."""
    layout = spec["layout"]
    base = layout.get("font", {}).get("size", 0)
    problems = []
    if base < 18 or contrast(layout["font"].get("color", "#ffffff")) < 4.5:
        problems.append(f"layout font {layout.get('font')}")
    if layout.get("title", {}).get("text") and layout["title"].get("font", {}).get("size", base) < 18:
        problems.append("title")
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and axis.get("visible", True) is not False:
            tick = axis.get("tickfont", {})
            if tick.get("size", base) < PROJECTOR.tick or contrast(tick.get("color", INK)) < 4.5:
                problems.append(f"{name} ticks {tick}")
            if axis.get("title", {}).get("font", {}).get("size", base) < 18:
                problems.append(f"{name} title")
    for note in layout.get("annotations", []):
        if note.get("font", {}).get("size", base) < 18:
            problems.append(f"annotation {note.get('text')!r}")
    for trace in spec["data"]:
        small = trace.get("textfont", {}).get("size", 0) < PROJECTOR.cell
        if trace.get("type") == "heatmap" and trace.get("texttemplate") and small:
            problems.append("heatmap values")
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_present_1_gives_the_css_and_large_figures(name):
    at = open_page(name, present="1")
    assert MARK in css(at)
    assert at.session_state[key(at, PRESENT)] is True and at.query_params[PRESENT] == "1"
    specs = [json.loads(chart.proto.spec) for chart in figures(at)]
    assert (name == "home") or specs, "the page draws figures"
    for spec in specs:
        assert not font_problems(spec), (spec["layout"].get("title"), font_problems(spec))
    configs = [json.loads(chart.proto.config) for chart in figures(at)]
    assert all(config.get("displayModeBar") is False for config in configs), "no toolbar on a projector"


@pytest.mark.parametrize("name", PAGES)
def test_without_present_the_page_has_the_phone_css_but_not_the_projector_css(name):
    at = open_page(name)
    assert MARK not in css(at) and "gd-sidebar-hint" in css(at)
    assert at.session_state[key(at, PRESENT)] is False and PRESENT not in at.query_params


def test_the_sidebar_toggle_switches_it_and_the_link_and_other_pages_keep_it():
    at = open_page("lecture")
    at.sidebar.toggle(key=key(at, PRESENT)).set_value(True).run()
    assert MARK in css(at) and at.query_params[PRESENT] == "1"
    at.switch_page("pages/compare.py").run()
    assert MARK in css(at) and at.query_params[PRESENT] == "1"
    at.sidebar.toggle(key=key(at, PRESENT)).set_value(False).run()
    assert MARK not in css(at) and PRESENT not in at.query_params


@pytest.mark.parametrize("raw", ["abc", "<script>", "2"])
def test_a_bad_present_value_is_off_with_a_notice(raw):
    at = open_page("home", present=raw)
    assert at.session_state[key(at, PRESENT)] is False
    assert any("present=" in w.value and "not 1 or 0" in w.value for w in at.warning)


def test_the_ink_and_the_sizes_meet_the_issue():
    assert contrast(INK) >= 4.5
    assert PROJECTOR.body >= 24 and PROJECTOR.tick >= 18 and PROJECTOR.axis >= 18 and PROJECTOR.cell >= 16


def test_a_residual_grid_built_for_the_projector():
    run = g.gd_inverse(g.preset("diag1234"), lr="seed")
    original = plots.residual_grid(run, columns=2)  # the app's two panels a row
    restyled = plots.residual_grid(run, columns=2, style="projector")
    spec = json.loads(restyled.to_json())
    assert not font_problems(spec)
    assert all(trace["textfont"]["size"] >= 16 and trace["texttemplate"] for trace in spec["data"])
    # taller than 1.3×: each 4×4 panel's cells hold "-0.09" in 16 px (0.7 em a character, 4 px to spare, 1 px apart)
    assert original.layout.height * 1.3 < restyled.layout.height
    for trace in restyled.data:
        width, height = plots.cell_box(restyled, trace, PROJECTOR.width)
        assert min(width, height) >= 0.7 * 16 * 5 + 4 + 1
    crowded = plots.residual_grid(run, columns=4, style="projector")  # 4 a row: too narrow, values on hover
    assert not any(trace.texttemplate for trace in crowded.data)


def test_projector_cells_are_wide_enough_for_long_values_or_leave_them_to_the_hover():
    """Hilbert 8's inverse prints values like -2.02e+03 (9 characters): in the 16 px cell font they need ~105 px
    cells, not the 56 px that hold -0.28 (they overlapped on the projector). A 1280 px projector has 102 px for each
    of 8 columns: the values go to the hover; Hilbert 5's (-8.82e+04, 9 characters too) fit its 5 columns, in cells
    grown tall enough."""
    inverse = g.exact_inverse(g.preset("hilbert", n=8, dtype="float64"), dtype="float64").inverse
    longest = max(len(text) for row in plots.heatmap(inverse, show_values=True).data[0].text for text in row)
    assert longest == 9
    (crowded,) = plots.heatmap(inverse, style="projector").data
    assert crowded.texttemplate is None and (1040 - 80 - 20 - 120) / 8 < 0.7 * 16 * 9 + 4
    small = g.exact_inverse(g.preset("hilbert", n=5, dtype="float64"), dtype="float64").inverse
    restyled = plots.heatmap(small, style="projector")
    (trace,) = restyled.data
    longest = max(len(text) for row in trace.text for text in row)
    assert trace.texttemplate and longest == 9
    cell = (restyled.layout.height - 80 - 80) / 5  # the projector's margins: 80 px above and below
    assert cell >= 0.7 * PROJECTOR.cell * longest + 4  # DejaVu Sans draws "3e+01" 0.67 em a character
    assert plots.heatmap(g.preset("diag1234"), style="projector").layout.height < restyled.layout.height


def test_projector_figure_of_a_single_heatmap_is_1_3_times_taller():
    original = plots.heatmap(g.preset("diag1234"))  # one 4×4 panel: 1.3× is already room enough for its values
    restyled = plots.heatmap(g.preset("diag1234"), style="projector")
    assert restyled.layout.height == int((original.layout.height or 450) * 1.3)  # plotly's default is 450


def test_log_axes_label_whole_decades_only_and_the_legend_clears_the_axis_title():
    """Plotly labels 2 and 5 between decades in a smaller font; projector mode labels decades only."""
    from gdinverse import theory_plots

    chart = theory_plots.rate_chart(g.preset("diag1234"), lr=1.5, style="projector")
    assert chart.layout.xaxis.type == "log" and chart.layout.xaxis.dtick == 1
    layout = chart.layout
    assert layout.margin.b >= 200 and layout.legend.y * (layout.height - layout.margin.t - layout.margin.b) <= -100
    run = g.gd_inverse(g.preset("diag1234", dtype="float64"), steps=200, lr="seed")  # 12 decades
    assert plots.loss_curve(run.losses, style="projector").layout.yaxis.dtick == 2


def test_a_loss_within_one_decade_keeps_plotlys_ticks_in_projector_mode():
    """Hilbert 8 at the optimal lr: the loss goes from 0.4433 to 0.4294; decades only would leave no tick."""
    M = g.preset("hilbert", n=8, dtype="float64")
    run = g.gd_inverse(M, lr=g.lr_bounds(M, dtype="float32").optimal, steps=100, record_every=20)
    chart = plots.loss_curve(run.losses, style="projector")
    assert chart.layout.yaxis.type == "log" and chart.layout.yaxis.dtick is None
