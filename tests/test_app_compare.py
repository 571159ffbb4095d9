"""The Compare page: lessons are links that set every setting, and each commentary says what the table shows."""

from __future__ import annotations

import re

import pytest

import gdinverse as g
from gdinverse_app.models import compare as compare_model
from gdinverse_app.requests import MatrixSpec, RaceRequest
from gdinverse_app.ui import compare_controls

from .test_app import charts, clean, key, open_page, race_table, texts, widget

LESSONS = list(compare_model.LESSONS)


def shown_settings(at) -> dict:
    state = at.session_state
    values = {}
    for name in compare_controls.lesson_values(LESSONS[0]):
        value = state[key(at, name)]
        values[name] = tuple(value) if isinstance(value, list) else value
    return values


def commentary(at) -> str:
    return next(i for i in texts(at, "info") if i.startswith("**Lesson:"))


def phrase(row, tol: float) -> str:
    """What the commentary must say of a method, from the table's own cells."""
    steps = row[f"steps to {tol:g}"]
    if steps == "never":
        return f"never gets below {tol:g}"
    if steps == "not settled":
        return f"dips below {tol:g} at step {row['first below']} but does not stay there (not settled)"
    return f"settles below {tol:g} after {steps} step{'' if steps == '1' else 's'}"


@pytest.mark.parametrize("first", LESSONS)
@pytest.mark.parametrize("second", LESSONS)
def test_a_lesson_link_sets_every_setting_whatever_came_before(first, second):
    at = clean(open_page("compare", lesson=first, show_race_settings="true"))
    assert shown_settings(at) == compare_controls.lesson_values(first)
    widget(at, "slider", "Steps").set_value(123).run()  # the student moves something
    at.query_params["lesson"] = second
    clean(at.run())
    assert shown_settings(at) == compare_controls.lesson_values(second)
    assert commentary(at).startswith(f"**Lesson: {compare_model.LESSONS[second].title}.**")


@pytest.mark.parametrize("name", LESSONS)
def test_each_commentary_says_what_the_table_shows(name):
    at = clean(open_page("compare", lesson=name))
    values = compare_controls.lesson_values(name)
    tol = values["tol"]
    text = commentary(at).replace(", at a constant lr of 0.3,", "")
    table = race_table(at)
    for method, row in table.iterrows():
        assert f"{compare_model.NAMES[method]} {phrase(row, tol)}".lower() in text.lower(), method
    spec = MatrixSpec("preset", values["preset"], n=values["n"], cond=values["cond"], seed=values["mseed"])
    kappa = g.format_condition(g.condition_number(spec.build("float64")))
    assert f"κ = {kappa}" in text
    assert at.expander[0].label.endswith(f"κ = {kappa}")  # the chooser shows the same κ


def test_singular_lesson_tolerance_is_above_the_floor_and_descent_settles_there():
    at = clean(open_page("compare", lesson="singular"))
    table = race_table(at)
    floor = g.lr_bounds(g.preset("singular", n=4, dtype="float64")).floor
    assert floor == 0.125 and compare_model.LESSONS["singular"].values["tol"] > floor
    for method in ("gd", "momentum", "nesterov"):
        assert table.loc[method, "steps to 0.2"] not in ("never", "not settled")
        assert float(table.loc[method, "final loss"]) == pytest.approx(floor, rel=1e-3)
    assert table.loc["newton_schulz", "note"] == "diverged"
    assert "diverges" in commentary(at)
    assert "from its own start (a multiple of Mᵀ, not zeros)" in commentary(at)


def test_hilbert_lesson_commentary_matches_its_numbers():
    at = clean(open_page("compare", lesson="hilbert"))
    table = race_table(at)
    text = commentary(at)
    assert f"its loss is still {table.loc['gd', 'final loss']}" in text
    if table.loc["momentum", "note"] == "loss grew":
        assert f"ends above where it started ({table.loc['momentum', 'final loss']})" in text


def test_changing_a_setting_ends_the_lesson_and_its_commentary():
    at = clean(open_page("compare", lesson="hilbert", show_race_settings="true"))
    assert at.query_params["lesson"] in ("hilbert", ["hilbert"])
    widget(at, "slider", "Steps").set_value(300).run()
    clean(at)
    assert not any(i.startswith("**Lesson:") for i in texts(at, "info"))
    assert "lesson" not in at.query_params


def test_an_unknown_lesson_is_reported():
    at = clean(open_page("compare", lesson="<b>x</b>"))
    assert any("is not one of" in w for w in texts(at, "warning"))


def test_lessons_are_links_with_their_own_query():
    at = clean(open_page("compare", show_race_settings="true"))
    links = [link.proto for link in at.main.get("page_link")]
    assert [(link.page, link.query_string) for link in links] == [("compare", f"lesson={n}") for n in LESSONS]


def test_race_table_says_not_settled_beside_a_first_dip():
    at = clean(open_page("compare", lesson="conditioned"))
    adam = race_table(at).loc["adam"]
    if adam["first below"] != "never" and adam["steps to 1e-06"] in ("never", "not settled"):
        assert adam["steps to 1e-06"] == "not settled"
    assert "not settled" in " ".join(texts(at, "caption"))


def test_controls_are_in_the_page_and_every_chart_has_a_caption():
    at = clean(open_page("compare", show_race_settings="true"))
    assert not at.sidebar.slider and not at.sidebar.multiselect
    assert {s.label for s in at.main.slider} >= {"Steps", "Learning rates in the sweep", "Steps per sweep run"}
    captions = " ".join(texts(at, "caption"))
    assert "Loss (log scale) against step" in captions and "against the learning rate" in captions


def test_closed_race_settings_draw_no_widget_and_say_every_value_in_one_line():
    at = clean(open_page("compare", rsteps="321", tol="0.01", rinit="zeros", rdtype="float64"))
    assert not at.main.slider and not at.main.multiselect, "a closed expander draws its widgets only once opened"
    line = next(c for c in texts(at, "caption") if c.startswith("Racing "))
    assert "for 321 steps to a loss of 0.01" in line and "start from zeros, float64." in line
    assert line.startswith("Racing " + ", ".join(g.METHODS) + " ")
    assert list(race_table(at).index) == list(g.METHODS) and "steps to 0.01" in race_table(at).columns


def test_a_floor_above_the_tolerance_and_a_kept_start_are_explained_under_the_table():
    wide = clean(open_page("compare", source="text", matrix="1 2 3; 4 5 6"))
    floor = [c for c in texts(wide, "caption") if c.startswith("For this M no X gets the loss below its floor")]
    assert floor and "0.1111" in floor[0]
    tall = clean(open_page("compare", source="text", matrix="1 2; 3 4; 5 6"))
    assert any(c.startswith("M has rank 2 < 3 rows, so from a random start") for c in texts(tall, "caption"))
    plain = clean(open_page("compare"))
    assert not any(c.startswith(("For this M no X", "M has rank")) for c in texts(plain, "caption"))


def test_an_invertible_matrix_is_not_given_a_floor_and_newton_schulz_is_not_said_to_find_what_it_missed():
    """Hilbert 8 has rank 8 (floor 0); float32 resolves fewer of its singular values: the caption says so. On the
    singular preset Newton-Schulz diverges, so the caption must not say it finds M+."""
    hilbert = texts(clean(open_page("compare", preset="hilbert", n="8")), "caption")
    assert not any(c.startswith("For this M no X gets the loss below its floor") for c in hilbert)
    (said,) = [c for c in hilbert if c.startswith("M has rank 8, but float32 resolves only")]
    assert "the precision's doing" in said
    singular = clean(open_page("compare", preset="singular"))
    assert race_table(singular).loc["newton_schulz", "note"] == "diverged"
    (kept,) = [c for c in texts(singular, "caption") if c.startswith("M has rank 2 < 4 rows")]
    assert "finds M⁺; so does" not in kept and "Newton–Schulz, from its own start, diverged here" in kept


@pytest.mark.parametrize(
    "query", [{"preset": "hilbert", "n": "6"}, {"preset": "random", "n": "6", "cond": "100"}, {"preset": "singular"}]
)
def test_the_race_and_the_descent_page_give_one_error_for_one_run(query):
    """The same run (optimal lr, 500 steps, seed 314, float32) on both pages gives one "error vs inverse", and it is
    the distance to ``best_inverse`` of the matrix as entered (both pages name that matrix's κ)."""
    race = race_table(clean(open_page("compare", **query, methods="gd")))
    descent = clean(open_page("descent", **query, steps="500"))
    shown = next(m.value for m in descent.metric if m.label.startswith("‖X"))
    assert race.loc["gd", "error vs inverse"] == shown
    spec = MatrixSpec("preset", query["preset"], n=int(query.get("n", 4)), cond=float(query.get("cond", 10)))
    A = spec.build("float64")
    (result,) = g.race(A, ["gd"], steps=500).values()
    assert f"{result.distance_to(g.best_inverse(A, dtype='float32')[1]):.3g}" == shown


def test_a_momentum_within_rounding_of_one_is_not_shown_as_one():
    table = race_table(clean(open_page("compare", preset="hilbert", n="8", rdtype="float64")))
    for method in ("momentum", "nesterov"):
        assert table.loc[method, "β"].startswith("1 − ")  # β = 1 would be no damping at all


def test_a_low_loss_beside_a_large_error_is_explained():
    at = clean(open_page("compare", preset="hilbert", n="8", rdtype="float64"))
    caption = next(c for c in texts(at, "caption") if "The lowest loss and the smallest error are not the same" in c)
    assert "newton_schulz's X is within" in caption and "‖XM − I‖ ≤ ‖X − M⁻¹‖·‖M‖" in caption
    assert not any("not the same run" in c for c in texts(clean(open_page("compare")), "caption"))


def test_times_are_the_median_of_repeated_runs_with_their_spread():
    """One run's times were noise: gd 11.1 ms and momentum 51.3 ms on one link, 72.4 and 33.6 ms on another."""
    at = clean(open_page("compare"))
    table = at.dataframe[0].value
    column = "ms to tol (median, range)"
    assert "ms to tol" not in table.columns and column in table.columns
    request = RaceRequest(MatrixSpec())
    found = compare_model.race(request)
    runs = compare_model.TIMED_RUNS
    for method, cell in zip(table["method"], table[column], strict=True):
        assert re.fullmatch(r"[0-9.]+ \([0-9.]+–[0-9.]+\)", cell), cell
        median, low, high = (float(x) for x in re.findall(r"[0-9.]+", cell))
        assert low <= median <= high
        assert found.seconds[method].shape[0] == runs
    notes = " ".join(texts(at, "caption"))
    assert f"the median of {runs} runs of the race" in notes and f"each step at the median of {runs} runs" in notes


def test_a_race_too_long_to_repeat_shows_no_times(monkeypatch):
    monkeypatch.setattr(compare_model, "TIME_BUDGET", 0.0)  # the first race always runs; no time for a second
    compare_model.race.clear()
    try:
        at = clean(open_page("compare", rsteps="123"))
        table = at.dataframe[0].value
        assert set(table["ms to tol (median, range)"]) == {"—"}
        assert not any(c["layout"]["title"]["text"] == "Loss against wall-clock time" for c in charts(at))
        assert any("not shown: one run's time is noise" in c for c in texts(at, "caption"))
    finally:
        compare_model.race.clear()
