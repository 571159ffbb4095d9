"""The Lecture page in AppTest: every step renders, Back/Next and ?step=N move through it, out-of-range steps are
clamped with a notice, each step's link opens its full page with the step's settings, and every number a step's
sentence quotes agrees with the package run independently."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import gdinverse as g
from gdinverse_app import settings
from gdinverse_app.models import lecture as lecture_steps
from gdinverse_app.requests import LectureRequest
from gdinverse_app.settings import Setting
from gdinverse_app.ui import directions as direction_view

from .test_app import figures, key, texts

COUNT = lecture_steps.COUNT


def step_of(number: int) -> lecture_steps.Step:
    return lecture_steps.step(LectureRequest(number))


def lecture(**query: str) -> AppTest:
    at = AppTest.from_file("../gdinverse_app/streamlit_app.py", default_timeout=300).run()
    at.switch_page("pages/lecture.py")
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown_step(at: AppTest) -> int:
    return int(at.header[0].value.split(".")[0])


def test_the_lecture_has_8_to_12_steps_with_titles_in_order():
    assert 8 <= COUNT <= 12
    assert [step_of(i).title for i in range(1, COUNT + 1)] == list(lecture_steps.HEADINGS)
    assert lecture_steps.HEADINGS[2] == "3. One factor per direction"


@pytest.mark.parametrize("number", range(1, COUNT + 1))
def test_every_step_renders_with_one_figure_a_caption_and_a_link(number):
    at = lecture(step=str(number))
    step = step_of(number)
    assert shown_step(at) == number
    assert at.header[0].value == step.title
    assert step.text in [m.value for m in at.markdown]
    assert len(figures(at)) == 1
    assert step.chart.caption in texts(at, "caption")
    links = [m.value for m in at.markdown if m.value.startswith("[:material/open_in_new: Open this on")]
    assert links == [
        f"[:material/open_in_new: Open this on the {step.link.title} page, with these settings]({step.link.url})"
    ]
    assert not at.warning
    assert 1 <= step.text.count(". ") + 1 <= 4, "one or two sentences (plus formulas)"


def test_next_and_back_move_and_the_link_follows():
    at = lecture()
    assert shown_step(at) == 1
    assert at.button(key=key(at, "back")).disabled
    at.button(key=key(at, "next")).click().run()
    assert shown_step(at) == 2 and at.query_params["step"] == "2"
    at.button(key=key(at, "next")).click().run()
    at.button(key=key(at, "back")).click().run()
    assert shown_step(at) == 2
    at.selectbox(key=key(at, "step")).select(COUNT).run()
    assert shown_step(at) == COUNT and at.button(key=key(at, "next")).disabled


@pytest.mark.parametrize(
    ("raw", "expected", "notice"),
    [("99", COUNT, "above the cap"), ("0", 1, "below the lowest"), ("-3", 1, "below the lowest"),
     ("abc", 1, "not a whole number"), ("2.5", 1, "not a whole number")],
)  # fmt: skip
def test_an_out_of_range_step_is_clamped_with_a_notice(raw, expected, notice):
    at = lecture(step=raw)
    assert shown_step(at) == expected
    assert any(notice in w.value for w in at.warning)


PAGE_SETTINGS: dict[str, tuple[Setting, ...]] = {
    "exact_inverse": settings.MATRIX,
    "gradient_descent": (*settings.MATRIX, *settings.RUN),
    "compare": (*settings.MATRIX, *settings.RACE),
    "indicator_matrix": settings.INDICATOR,
}


@pytest.mark.parametrize("number", range(1, COUNT + 1))
def test_each_steps_link_carries_every_setting_and_opens_the_page_with_them(number):
    link = step_of(number).link
    query = link.query
    text_matrix = query.get("source") == "text"
    unused = {"preset", "n", "cond", "mseed", "angle"} if text_matrix else {"matrix"}
    empty = {s.name for s in PAGE_SETTINGS[link.page] if s.default == ""}
    assert {s.name for s in PAGE_SETTINGS[link.page]} - unused - empty - {"documents"} <= set(query)
    if link.page == "gradient_descent":
        assert "lr" in query
    at = AppTest.from_file("../gdinverse_app/streamlit_app.py", default_timeout=300).run()
    at.switch_page(link.file)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not [w.value for w in at.warning if "settings in the link" in w.value]
    by_name = {s.name: s for s in PAGE_SETTINGS[link.page]}
    opened = {name for name in query if name.startswith("show_")}  # the link opens a section of the page
    assert opened <= {direction_view.OPEN}
    for name in opened:
        assert at.session_state[key(at, name)] is True and any(e.label == direction_view.LABEL for e in at.expander)
    for name, raw in query.items():
        if name in opened:
            continue
        value = float(raw) if name == "lr" else by_name[name].read(raw)[0]
        shown = at.session_state[key(at, name)]
        assert (tuple(shown) if isinstance(shown, list) else shown) == value, name


# ---------------------------------------------------------------------------- the sentences are true


def text(number: int) -> str:
    return step_of(number).text


def test_step_1_quotes_the_seed_notebooks_losses():
    run = g.gd_inverse(g.preset("diag1234"), lr=g.SEED_LR, steps=100)
    assert f"{run.losses[0]:.4f}" == "1.6650" and "from 1.6650" in text(1)
    assert f"{run.losses[20]:.2g}" == "0.0054" and "0.0054 after 20 steps" in text(1)
    assert f"{run.losses[100]:.3g} after 100" in text(1)


def test_step_2_quotes_the_exact_inverse():
    inverse = torch.linalg.inv(g.preset("diag1234"))
    assert "diag(1, 0.5, 0.3333, 0.25)" in text(2)
    assert torch.allclose(torch.diagonal(inverse), torch.tensor([1, 0.5, 1 / 3, 0.25]))
    assert "κ = 4" in text(2) and g.condition_number(g.preset("diag1234")) == pytest.approx(4)


def test_step_3_quotes_each_directions_factor():
    sigma = np.array([4.0, 3.0, 2.0, 1.0])
    factors = 1 - 2 * g.SEED_LR * sigma**2 / 16
    assert "the factors are " + ", ".join(f"{q:.3g}" for q in factors) in text(3)
    assert "σ = 1 is slowest" in text(3)
    run = g.gd_inverse(g.preset("diag1234"), lr=g.SEED_LR, steps=100)
    v = torch.linalg.svd(g.preset("diag1234").double())[2].T[:, 3]
    start, end = ((run.snapshots[t].double() @ g.preset("diag1234").double() - torch.eye(4)) @ v for t in (0, 100))
    assert f"from {start.norm():.3g} to {end.norm():.3g}" in text(3)
    assert float(end.norm() / start.norm()) == pytest.approx(abs(factors[3]) ** 100, rel=0.05)


def test_step_4_the_run_above_the_limit_diverges():
    run = g.gd_inverse(g.preset("diag1234"), lr=1.5, steps=100)
    assert run.diverged
    assert f"stops at step {run.stopped_at}" in text(4)
    assert "k²/σ_max² = 1." in text(4) and "that factor is 2:" in text(4)


def test_step_5_the_landscape_path_zigzags_at_the_optimal_lr():
    A = g.preset("random", n=4, cond=10.0, seed=0)
    lr = g.lr_bounds(A).optimal
    land = g.landscape(A, g.gd_inverse(A, lr=lr, steps=30, record_every=1))
    flips = int(np.sum(np.sign(land.path_b[1:]) * np.sign(land.path_b[:-1]) < 0))
    assert flips >= 15, "the fast coordinate changes sign nearly every step"
    assert f"crossing the valley {flips} times in 30 steps" in text(5)
    assert f"{land.sigma_fast / land.sigma_slow:.3g} times longer" in text(5)


def test_step_6_quotes_the_rate_and_the_steps_the_theory_needs():
    A = g.preset("random", n=8, cond=100.0, seed=0, dtype="float64")
    kappa = g.condition_number(A)
    assert f"{(kappa**2 - 1) / (kappa**2 + 1):.5f}" in text(6)
    lr = g.lr_bounds(A, dtype="float32").optimal  # the page's lr: the optimum of the matrix as entered
    run = g.gd_inverse(A, lr=lr, steps=2000, record_every=40)
    needed = g.steps_to_tolerance(A, lr=lr, tol=1e-6, X0=run.snapshots[0])
    assert needed is not None and needed > 2 * 2000
    assert f"still {run.final_loss:.3g}" in text(6) and f"{needed:,} steps" in text(6)


def test_step_7_float32_stalls_far_short_of_float64_and_of_the_exact_inverse():
    A32 = g.preset("random", n=8, cond=50.0, seed=0)
    A64 = g.preset("random", n=8, cond=50.0, seed=0, dtype="float64")
    lr = g.lr_bounds(A64, dtype="float32").optimal  # the page's lr: the optimum of the matrix as entered
    reference = torch.linalg.inv(A64)
    run32 = g.gd_inverse(A32, lr=lr, steps=20000, record_every=400)
    error32 = run32.distance_to(reference)
    error64 = g.gd_inverse(A64, lr=lr, steps=20000, record_every=400).distance_to(reference)
    exact32 = float(torch.linalg.norm(torch.linalg.inv(A32).double() - reference) / torch.linalg.norm(reference))
    assert run32.verdict.status == "stalled", "the linked page says so too: measured 18× the rounding level, >5"
    assert error32 > 20 * exact32, "measured about 110×"
    assert error64 < error32 / 50, "measured about 270×"
    assert "stalls (the loss stops falling)" in text(7)
    assert f"relative error of {error32:.2g}" in text(7) and f"reaches {error64:.2g}" in text(7)
    assert f"{error32 / exact32:.3g} times" in text(7)


def test_step_8_momentum_and_newton_schulz_beat_plain_descent():
    A = g.preset("random", n=8, cond=10.0, seed=0)
    rows = {r.method: r for r in g.race_table(g.race(A, ["gd", "momentum", "nesterov", "newton_schulz"], steps=500))}
    steps = {m: rows[m].steps_to_tolerance for m in rows}
    assert None not in steps.values()
    assert 2 * steps["momentum"] < steps["gd"] and 2 * steps["nesterov"] < steps["gd"]
    assert 2 * steps["newton_schulz"] < steps["momentum"]
    assert f"after {steps['gd']:,} steps of plain descent, {steps['momentum']:,} with heavy-ball" in text(8)


def test_steps_9_and_10_quote_the_notebooks_indicator_matrix():
    M = g.indicator_matrix(17, 3, 0.2, 123)
    assert f"{int(M.sum())} of its 51 entries are 1" in text(9)
    assert f"{int((M.sum(dim=1) == 0).sum())} documents contain none" in text(9)
    assert int(torch.linalg.matrix_rank(M.double())) == 3 and "its rank is 3" in text(9)
    A = g.parse_matrix(g.format_matrix(M))
    run = g.gd_inverse(A, lr=g.lr_bounds(A).optimal, steps=300, init="zeros")
    name, reference = g.best_inverse(A, dtype="float64")  # what the linked page compares with (in float64)
    distance = run.distance_to(reference)
    assert distance < 1e-4, "measured 1.3e-7"
    assert f"ends {distance:.3g} (relative) from the {name}" in text(10)
    assert math.isfinite(run.final_loss) and f"loss of {run.final_loss:.2g}" in text(10)


# ---------------------------------------------------------------------------- the direction view the pages share

DIRECTION_SCRIPT = """
import gdinverse as g
from gdinverse_app import state
from gdinverse_app.models import compare, directions as model
from gdinverse_app.requests import SEED_SPEC, MatrixSpec, RaceRequest, RunRequest
from gdinverse_app.ui import directions

import streamlit as st

state.begin("test")
for name in ("run", "step0", "step37", "singular", "race"):
    st.session_state.setdefault(f"_kept", {})[f"open_{name}"] = OPENED  # each view's expander
seed = RunRequest(SEED_SPEC, g.SEED_LR)
directions.show(lambda: model.for_run(seed), key="run", name="open_run")
directions.show(lambda: model.for_step(seed, 0), key="step0", name="open_step0")
directions.show(lambda: model.for_step(seed, 37), key="step37", name="open_step37")
singular = RunRequest(MatrixSpec("preset", "singular", n=4), 1.0, 100, 314, 20, "zeros", "float64")
directions.show(lambda: model.for_run(singular), key="singular", name="open_singular")
race = RaceRequest(MatrixSpec("preset", "random", n=8, cond=10.0), tuple(g.METHODS), 300, 314, "rand", "float32", 0.1)
directions.show(lambda: compare.directions(race, "gd"), key="race", name="open_race")
"""


def test_the_direction_view_is_drawn_only_once_its_expander_is_opened():
    closed = AppTest.from_string(DIRECTION_SCRIPT.replace("OPENED", "False"), default_timeout=300).run()
    assert not closed.exception, [e.message for e in closed.exception]
    assert not figures(closed)
    assert sum(e.label.startswith("Along each singular direction") for e in closed.expander) == 5


def test_the_direction_view_draws_each_figure_with_its_text_alternative():
    at = AppTest.from_string(DIRECTION_SCRIPT.replace("OPENED", "True"), default_timeout=300).run()
    assert not at.exception, [e.message for e in at.exception]
    keys = [chart.proto.id for chart in figures(at)]
    # run: directions + rate + landscape; step 0: rate only; step 37, singular and race: three each
    assert len(keys) == 3 + 1 + 3 + 3 + 3
    captions = texts(at, "caption")
    assert sum(c.startswith("The error of a gd run") for c in captions) == 4
    assert sum(c.startswith("The factor by which one step") for c in captions) == 5
    assert sum(c.startswith("Contours of the loss") for c in captions) == 4
    assert any("gd run (lr 0.4605, float32)" in c and "measured at 6 recorded steps" in c for c in captions)
    assert any("measured at 38 recorded steps" in c for c in captions), "step 37 of step-through, every step"


def test_a_race_without_a_theory_method_gets_no_direction_view():
    from .test_app import open_page

    at = open_page("compare", methods="adam,newton_schulz", show_directions="true")
    assert "The singular-direction view needs gd, momentum or nesterov in the race." in texts(at, "info")
    full = open_page("compare", show_directions="true")
    assert full.radio(key=key(full, "race_method")).options == ["gd", "momentum", "nesterov"]


def test_a_steps_link_keeps_its_learning_rate_after_another_matrix_in_the_same_session():
    at = AppTest.from_file("../gdinverse_app/streamlit_app.py", default_timeout=300).run()
    at.switch_page("pages/gradient_descent.py")
    at.query_params["preset"] = "random"
    at.run()
    link = step_of(4).link  # diag(1, 2, 3, 4) at lr 1.5
    at.query_params.clear()
    at.switch_page(link.file)
    for name, value in link.query.items():
        at.query_params[name] = value
    at.run()
    assert at.session_state[key(at, "preset")] == "diag1234"
    assert at.session_state[key(at, "lr")] == lecture_steps.DIVERGING_LR


def test_in_projector_mode_the_steps_link_keeps_projector_mode():
    at = lecture(step="2", present="1")
    url = step_of(2).link.url + "&present=1"
    assert any(m.value.endswith(f"({url})") for m in at.markdown)


@pytest.mark.parametrize("number", [7, 10])
def test_a_steps_numbers_are_the_ones_its_link_shows(number):
    from .test_app import clean, metric, open_page

    link = step_of(number).link
    assert link.page == "gradient_descent"
    at = clean(open_page("descent", **dict(link.params)))
    label = next(m.label for m in at.metric if m.label.startswith("‖X − "))
    shown = float(metric(at, label))
    quoted = float(re.search(r"(?:relative error of|ends) ([\d.e+-]+)", text(number)).group(1))
    assert quoted == pytest.approx(shown, rel=0.05), (quoted, shown)  # the same quantity, to the digits shown
    if number == 7:
        assert "Stalled" in " ".join(w.value for w in at.warning)  # the title says stall: so does the page


# ---------------------------------------------------------------------------- slide mode


def test_in_projector_mode_a_step_is_a_slide_with_a_counter_notes_and_no_page_chrome():
    at = lecture(step="4", present="1")
    step = lecture_steps.step(LectureRequest(4, "slide"))
    assert not at.title, "no page heading on a slide"
    assert at.header[0].value == step.title
    assert step.text in [m.value for m in at.markdown]
    assert f"**4 / {COUNT}**" in [m.value for m in at.markdown]
    assert step.opens_short in [m.value for m in at.markdown] and step.link.url.endswith("&present=1")
    (chart,) = figures(at)
    assert not at.caption and chart.proto.alt == step.chart.caption, "the caption is the filling figure's alt text"
    assert step.chart.figure.layout.height is None
    notes = [m.value for m in at.main.get("popover")[0].children.values()]
    assert notes == list(step.notes) and len(notes) >= 2
    assert any(note.startswith("Ask") for note in notes) and any(note.startswith("Say") for note in notes)
    at.button(key=key(at, "next")).click().run()
    assert shown_step(at) == 5 and at.query_params["step"] == "5"
    at.button(key=key(at, "leave")).click().run()
    assert at.title[0].value == "Lecture" and "present" not in at.query_params and shown_step(at) == 5


@pytest.mark.parametrize("number", range(1, COUNT + 1))
def test_every_step_has_speaker_notes_that_say_and_ask(number):
    notes = step_of(number).notes
    assert len(notes) == 2 and notes[0].startswith("Say") != notes[1].startswith("Say")
    assert all(note.startswith(("Say: ", "Ask: ", "Ask before")) for note in notes)


def test_the_limit_steps_notes_quote_the_factor_the_text_quotes():
    step = step_of(4)
    factor = re.search(r"that factor is ([\d.]+)", step.text).group(1)
    assert f"is {factor}, above 1" in step.notes[0]
    assert "exactly −1" in step.notes[1]
    bounds = g.lr_bounds(g.preset("diag1234"))
    assert g.spectrum.factor(bounds.stable_below, bounds.sigma_max, bounds.k) == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("move", "now", "expected"),
    [("next", 1, 2), ("next", COUNT, COUNT), ("back", 1, 1), ("back", 5, 4), ("first", 7, 1), ("last", 2, COUNT)],
)
def test_a_move_never_leaves_the_lecture(move, now, expected):
    from gdinverse_app.ui import slides

    assert slides.target(move, now=now, last=COUNT) == expected
    assert set(slides.KEYS.values()) == {"next", "back", "first", "last"}
    assert {slides.KEYS[k] for k in ("PageDown", "PageUp")} == {"next", "back"}  # a presenter's clicker
