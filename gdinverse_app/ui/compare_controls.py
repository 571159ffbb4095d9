"""The Compare page's settings, and its ready-made lessons: links that set every setting of the page.

A lesson is the link ``compare?lesson=NAME`` (a slide can carry it): opening it resets every setting of the
page — the matrix and the race — to the lesson's values or their defaults, so nothing carries over from what
was on screen before. Its commentary is written from the race it shows (the numbers in the table), and is shown
as long as the settings are still the lesson's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import gdinverse as g
from gdinverse_app.ui import frame, matrix_source, settings
from gdinverse_app.ui.descent_controls import start_controls, start_text
from gdinverse_app.ui.settings import MAX_WIDGET_SEED, Setting
from gdinverse_app.ui.spec import MatrixSpec, RaceArgs, SweepArgs

TOLERANCES = (0.2, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12)
ADAM_LRS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SETTINGS = (
    Setting("methods", tuple(g.METHODS), choices=tuple(g.METHODS)),
    Setting("rsteps", 500, low=1, high=3000),
    Setting("tol", 1e-6, options=TOLERANCES),
    Setting("adam_lr", 0.1, options=ADAM_LRS),
    Setting("sweep_count", 40, low=5, high=200),
    Setting("sweep_steps", 100, low=1, high=2000),
    Setting("rseed", 314, low=0, high=MAX_WIDGET_SEED),
    Setting("rinit", "rand", choices=("rand", "zeros")),
    Setting("rdtype", "float32", choices=("float32", "float64")),
)
LESSON = "lesson"
"""The link parameter that opens a lesson."""
NAMES = {
    "gd": "plain descent",
    "momentum": "heavy-ball momentum",
    "nesterov": "Nesterov",
    "adam": "Adam",
    "newton_schulz": "Newton–Schulz",
}


@dataclass(frozen=True)
class Facts:
    """What a lesson's commentary may cite: the race's rows by method, κ as shown, the tolerance, the bounds."""

    rows: dict[str, g.RaceRow]
    kappa: str
    tol: float
    steps: int
    bounds: g.LrBounds


@dataclass(frozen=True)
class Lesson:
    title: str
    values: dict[str, Any]
    """The settings the lesson changes; every other setting of the page goes back to its default."""
    commentary: Callable[[Facts], str] = field(repr=False)


def settled(row: g.RaceRow, tol: float) -> str:
    """What a method's row says about the tolerance, as a phrase: settles after N steps, dips but does not stay,
    or never gets below it."""
    if row.steps_to_tolerance is not None:
        return (
            f"settles below {tol:g} after {row.steps_to_tolerance:,} step{'' if row.steps_to_tolerance == 1 else 's'}"
        )
    if row.first_below is not None:
        return f"dips below {tol:g} at step {row.first_below:,} but does not stay there (not settled)"
    return f"never gets below {tol:g}"


def _each(facts: Facts, methods: tuple[str, ...]) -> str:
    """One clause per method present in the race, starting with a capital letter ("" if none is)."""
    text = "; ".join(f"{NAMES[m]} {settled(facts.rows[m], facts.tol)}" for m in methods if m in facts.rows)
    return text[:1].upper() + text[1:]


def _conditioned(facts: Facts) -> str:
    text = (
        f"A random 8×8 matrix with κ = {facts.kappa}, in float32. "
        + _each(facts, ("gd", "momentum", "nesterov", "newton_schulz"))
        + ". Theory gives momentum and Nesterov a rate about √κ times faster than plain descent's, and "
        "Newton–Schulz, once close, doubles its correct digits every step."
    )
    adam = facts.rows.get("adam")
    if adam is not None:
        text += f" Adam, at a constant lr of 0.3, {settled(adam, facts.tol)}"
        text += ": a first dip is not a win." if adam.steps_to_tolerance is None and adam.first_below else "."
    return text


def _seed(facts: Facts) -> str:
    return f"The notebook's diag(1, 2, 3, 4), κ = {facts.kappa}, in float32. " + _each(facts, tuple(g.METHODS)) + "."


def _hilbert(facts: Facts) -> str:
    factor = facts.bounds.factor(facts.bounds.optimal)
    text = f"Hilbert 6×6 in float64, κ = {facts.kappa}. "
    gd = facts.rows.get("gd")
    if gd is not None:
        text += (
            f"At its optimal lr, plain descent's slowest direction keeps a factor {factor:.15f} of its error each "
            f"step (it loses {1 - factor:.1e} of it), so after {facts.steps:,} steps its loss is still "
            f"{gd.final_loss:.3g}. "
        )
    momentum = facts.rows.get("momentum")
    if momentum is not None and momentum.grew:
        text += (
            f"Heavy-ball momentum's loss ends above where it started ({momentum.final_loss:.3g}): its error first "
            "grows by up to about κ, a transient its theory allows, and has not come back down. "
        )
    return text + "In the table: " + _each(facts, tuple(g.METHODS)) + "."


def _singular(facts: Facts) -> str:
    b = facts.bounds
    text = (
        f"No inverse exists: M is {b.k}×{b.k} of rank {b.rank} (κ = {facts.kappa}), so no X makes X @ M = I and "
        f"the loss cannot go below the floor (k − rank)/k² = {b.k - b.rank}/{b.k**2} = {b.floor:g}. The "
        f"tolerance is {facts.tol:g}, just above it. From zeros: "
    )
    text += _each(facts, ("gd", "momentum", "nesterov", "adam"))
    finals = [f"{facts.rows[m].final_loss:.3g}" for m in ("gd", "momentum", "nesterov", "adam") if m in facts.rows]
    if finals:
        text += f"; their final losses are {', '.join(finals)}"
    ns = facts.rows.get("newton_schulz")
    if ns is not None:
        text += f". Newton–Schulz {settled(ns, facts.tol)}, from its own start (a multiple of Mᵀ, not zeros)"
        if ns.diverged:
            text += (
                ": it inverts the rounding noise of the zero singular values and diverges, and no loss floor stops it"
            )
    return text + "."


LESSONS = {
    "conditioned": Lesson(
        "Well-conditioned",
        {"preset": "random", "n": 8, "cond": 10.0, "tol": 1e-6, "adam_lr": 0.3},
        _conditioned,
    ),
    "seed": Lesson(
        "The seed's diag(1, 2, 3, 4)",
        {"preset": "diag1234", "tol": 1e-6, "adam_lr": 0.3},
        _seed,
    ),
    "hilbert": Lesson(
        "Hilbert 6×6",
        {"preset": "hilbert", "n": 6, "rdtype": "float64", "tol": 1e-4, "rsteps": 2000},
        _hilbert,
    ),
    "singular": Lesson(
        "A singular matrix",
        {"preset": "singular", "n": 4, "rdtype": "float64", "tol": 0.2, "rinit": "zeros"},
        _singular,
    ),
}


def _page_settings() -> tuple[Setting, ...]:
    return (*matrix_source.SETTINGS, *SETTINGS)


def lesson_values(name: str) -> dict[str, Any]:
    """Every setting of the page for lesson ``name``: the lesson's value, else the default."""
    chosen = LESSONS[name].values
    return {s.key: chosen.get(s.key, s.default) for s in _page_settings()}


def open_lesson() -> None:
    """If the link names a lesson not yet applied, set every setting of the page to it (call before any widget)."""
    name = st.query_params.get(LESSON)
    if name is None or name == st.session_state.get("_lesson"):
        return
    if name not in LESSONS:
        del st.query_params[LESSON]
        st.session_state.pop("_lesson", None)
        st.warning(
            f"lesson={name[:20]!r} is not one of {', '.join(LESSONS)}; the page keeps its settings.",
            icon=":material/link:",
        )
        return
    for key, value in lesson_values(name).items():
        settings.keep(key, value)
    st.session_state["_lesson"] = name


def current_lesson() -> str | None:
    """The lesson whose settings are all on screen (after the widgets are drawn), else None; a lesson whose
    settings were changed is dropped from the link."""
    name = st.session_state.get("_lesson")
    if name is None:
        return None
    state = st.session_state
    for key, value in lesson_values(name).items():
        shown = state.get(key)
        if (tuple(shown) if isinstance(shown, list) else shown) != value:
            del state["_lesson"]
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
            frame.page_object("views/compare.py"),
            label=lesson.title,
            icon=":material/school:",
            query_params={LESSON: name},
            help=f"Opens compare?lesson={name}: every setting of this page set for the lesson (a link for a slide).",
        )


@dataclass(frozen=True)
class Race:
    spec: MatrixSpec
    methods: tuple[str, ...]
    steps: int
    tol: float
    adam_lr: float
    sweep_count: int
    sweep_steps: int
    seed: int
    init: str
    dtype: str

    @property
    def args(self) -> RaceArgs:
        """The arguments of ``cached.race`` and ``cached.race_figures``."""
        return (self.spec, self.methods, self.steps, self.seed, self.init, self.dtype, self.adam_lr)

    @property
    def sweep_args(self) -> SweepArgs:
        """The arguments of ``cached.sweep``, ``cached.sweep_figure`` and ``cached.sweep_summary``."""
        return (self.spec, self.sweep_count, self.sweep_steps, self.seed, self.init, self.dtype)


def controls(spec: MatrixSpec) -> Race:
    """Draw the race and sweep settings in an expander of the page and return them."""
    settings.load(SETTINGS)
    settings.hold([setting.key for setting in SETTINGS])
    with settings.expander("Race and sweep settings", key="show_race_settings", icon=":material/tune:") as box:
        if box.open:
            _widgets(box)
    s = st.session_state
    if not box.open:  # what the closed expander holds, in one line
        st.caption(
            f"Racing {', '.join(s.methods) or 'no method'} for {int(s.rsteps):,} steps to a loss of {s.tol:g} "
            f"(Adam's lr {s.adam_lr:g}); sweeping {int(s.sweep_count)} learning rates for {int(s.sweep_steps):,} "
            f"steps each; {start_text(int(s.rseed), s.rinit, s.rdtype)}."
        )
    settings.save(SETTINGS)
    return Race(spec, tuple(s.methods), int(s.rsteps), float(s.tol), float(s.adam_lr), int(s.sweep_count),
                int(s.sweep_steps), int(s.rseed), s.rinit, s.rdtype)  # fmt: skip


def _widgets(box: DeltaGenerator) -> None:
    """The race and sweep settings' widgets, inside their expander ``box``."""
    box.multiselect(
        "Methods",
        list(g.METHODS),
        key="methods",
        help="\n\n".join(f"**{name}**: {text}" for name, text in g.METHODS.items()),
    )
    left, right = box.columns(2)
    left.slider("Steps", 1, 3000, key="rsteps")
    right.select_slider("Tolerance on the loss", options=TOLERANCES, key="tol", format_func=lambda v: f"{v:g}")
    left.select_slider(
        "Adam's learning rate",
        options=ADAM_LRS,
        key="adam_lr",
        format_func=lambda v: f"{v:g}",
        help="Theory gives Adam no learning rate; the others get theirs from the matrix.",
    )
    right.slider("Learning rates in the sweep", 5, 200, key="sweep_count")
    left.slider("Steps per sweep run", 1, 2000, key="sweep_steps")
    start_controls(right, seed="rseed", init="rinit", dtype="rdtype")
