"""The Compare page's settings, and its ready-made lessons: links that set every setting of the page.

A lesson is the link ``compare?lesson=NAME`` (a slide can carry it): opening it resets every setting of the
page — the matrix and the race — to the lesson's values or their defaults, so nothing carries over from what
was on screen before. Its commentary (``gdinverse_app.models.compare.LESSONS``) is written from the race it
shows, and is shown as long as the settings are still the lesson's.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import gdinverse as g
from gdinverse_app import state
from gdinverse_app.models.compare import LESSONS
from gdinverse_app.requests import MatrixSpec, RaceRequest, SweepRequest
from gdinverse_app.settings import ADAM_LRS, MATRIX, RACE, TOLERANCES, Setting
from gdinverse_app.ui import frame
from gdinverse_app.ui.run_controls import start_controls, start_text

SETTINGS = RACE
LESSON = "lesson"
"""The link parameter that opens a lesson."""


def _page_settings() -> tuple[Setting, ...]:
    return (*MATRIX, *SETTINGS)


def lesson_values(name: str) -> dict[str, Any]:
    """Every setting of the page for lesson ``name``: the lesson's value, else the default."""
    chosen = LESSONS[name].values
    return {s.name: chosen.get(s.name, s.default) for s in _page_settings()}


def open_lesson() -> None:
    """If the link names a lesson not yet applied, set every setting of the page to it (call before any widget)."""
    name = st.query_params.get(LESSON)
    if name is None or name == st.session_state.get("_lesson"):
        return
    if name not in LESSONS:
        del st.query_params[LESSON]
        st.session_state.pop("_lesson", None)
        st.warning(
            frame.plain(f"lesson={name[:20]!r} is not one of {', '.join(LESSONS)}; the page keeps its settings."),
            icon=":material/link:",
        )
        return
    for key, value in lesson_values(name).items():
        state.keep(key, value)
    st.session_state["_lesson"] = name


def current_lesson() -> str | None:
    """The lesson whose settings are all on screen (after the widgets are drawn), else None; a lesson whose
    settings were changed is dropped from the link."""
    name = st.session_state.get("_lesson")
    if name is None:
        return None
    for key, value in lesson_values(name).items():
        if state.value(key) != value:
            del st.session_state["_lesson"]
            if LESSON in st.query_params:
                del st.query_params[LESSON]
            return None
    if st.query_params.get(LESSON) != name:
        st.query_params[LESSON] = name
    return name


def lesson_links() -> None:
    """One link per lesson (``compare?lesson=NAME``), in a row that wraps on a narrow screen."""
    row = st.container(horizontal=True)
    for name, lesson in LESSONS.items():
        row.page_link(
            frame.page_object("pages/compare.py"),
            label=lesson.title,
            icon=":material/school:",
            query_params={LESSON: name},
            help=f"Opens compare?lesson={name}: every setting of this page set for the lesson (a link for a slide).",
        )


def controls(spec: MatrixSpec, style: str) -> tuple[RaceRequest, SweepRequest]:
    """Draw the race and sweep settings in an expander of the page and return the requests they describe."""
    state.load(SETTINGS)
    with state.expander("Race and sweep settings", name="show_race_settings", icon=":material/tune:") as box:
        if box.open:
            _widgets(box)
    v = state.value
    if not box.open:  # what the closed expander holds, in one line
        st.caption(
            f"Racing {', '.join(v('methods')) or 'no method'} for {int(v('rsteps')):,} steps to a loss of "
            f"{v('tol'):g} (Adam's lr {v('adam_lr'):g}); sweeping {int(v('sweep_count'))} learning rates for "
            f"{int(v('sweep_steps')):,} steps each; {start_text(int(v('rseed')), v('rinit'), v('rdtype'))}."
        )
    state.save(SETTINGS)
    seed, init, dtype = int(v("rseed")), v("rinit"), v("rdtype")
    race = RaceRequest(spec, tuple(v("methods")), int(v("rsteps")), seed, init, dtype, float(v("adam_lr")),
                       float(v("tol")), None, style)  # fmt: skip
    sweep = SweepRequest(spec, int(v("sweep_count")), int(v("sweep_steps")), seed, init, dtype, style)
    return race, sweep


def _widgets(box: DeltaGenerator) -> None:
    """The race and sweep settings' widgets, inside their expander ``box``."""
    box.multiselect(
        "Methods",
        list(g.METHODS),
        key=state.key("methods"),
        help="\n\n".join(f"**{name}**: {text}" for name, text in g.METHODS.items()),
    )
    left, right = box.columns(2)
    left.slider("Steps", 1, 3000, key=state.key("rsteps"))
    right.select_slider("Tolerance on the loss", options=TOLERANCES, key=state.key("tol"),
                        format_func=lambda v: f"{v:g}")  # fmt: skip
    left.select_slider(
        "Adam's learning rate",
        options=ADAM_LRS,
        key=state.key("adam_lr"),
        format_func=lambda v: f"{v:g}",
        help="Theory gives Adam no learning rate; the others get theirs from the matrix.",
    )
    right.slider("Learning rates in the sweep", 5, 200, key=state.key("sweep_count"))
    left.slider("Steps per sweep run", 1, 2000, key=state.key("sweep_steps"))
    start_controls(right, seed="rseed", init="rinit", dtype="rdtype")
