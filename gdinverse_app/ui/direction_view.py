"""The singular-direction view: a run's error along each singular direction of M, measured against the theory
(1 − 2·lr·σᵢ²/k² a step), the contraction factor against the learning rate, and the loss landscape.

Pages call :func:`show_run` (a whole run of Gradient descent), :func:`show_step` (step-through, up to step t)
or :func:`show_race` (a method of Compare's race). Each figure comes with its text alternative as caption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st
from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

import gdinverse as g
from gdinverse import theory_plots
from gdinverse.directions import THEORY_METHODS
from gdinverse_app.ui import cached, descent_controls, frame, settings
from gdinverse_app.ui.cached import cache, ready


@dataclass(frozen=True)
class Figures:
    """The figures of the view, each with its caption; None where a figure does not apply (with ``notes``)."""

    directions: go.Figure | None
    directions_caption: str
    rate: go.Figure
    rate_caption: str
    landscape: go.Figure | None
    landscape_caption: str
    notes: tuple[str, ...] = ()


def figures_for(result: g.DescentResult, bounds: g.LrBounds) -> Figures:
    """The view of one run (gd, momentum or nesterov; other methods get the rate chart and a note).

    The rate chart uses ``bounds``, the page's own (of the matrix as entered, :func:`cached.bounds`), so that
    its κ, limits and verdict on the lr are the page's; the directions are those of the matrix the run used."""
    A = result.matrix
    lr = result.lr if result.method == "gd" else None
    rate = ready(theory_plots.rate_chart(bounds, lr=lr))
    rate_caption = theory_plots.describe_rate_chart(bounds, lr=lr)
    notes: list[str] = []
    directions = landscape = None
    directions_caption = landscape_caption = ""
    if result.method not in THEORY_METHODS:
        notes.append(f"{result.method} has no per-direction theory (it is not a linear recurrence in X).")
        return Figures(None, "", rate, rate_caption, None, "", tuple(notes))
    try:
        view = g.direction_view(A, result)
        directions = ready(theory_plots.direction_figure(view))
        directions_caption = theory_plots.describe_direction_figure(view)
    except g.GdInverseError as exc:
        notes.append(f"No direction view: {exc}.")
    try:
        land = g.landscape(A, result)
        landscape = ready(theory_plots.landscape_figure(land))
        landscape_caption = theory_plots.describe_landscape(land)
    except g.GdInverseError as exc:
        notes.append(f"No landscape: {exc}.")
    return Figures(directions, directions_caption, rate, rate_caption, landscape, landscape_caption, tuple(notes))


@cache
def run_figures(args: tuple) -> Figures:
    """The view of the Gradient descent page's run with ``cached.descent`` arguments ``args``."""
    return figures_for(cached.descent(*args), cached.bounds(args[0], args[-1]))


@cache
def race_figures(race_args: tuple, method: str) -> Figures:
    """The view of ``method``'s run in Compare's race with ``cached.race`` arguments ``race_args``."""
    spec, _, _, _, _, dtype, _ = race_args
    return figures_for(cached.race(*race_args)[method], cached.bounds(spec, dtype))


OPEN = "show_directions"
"""The key of the view's expander, and its name in a link (``?show_directions=true`` opens it)."""
LABEL = "Along each singular direction: the run against the theory, and the loss landscape"


def _section(opened: str) -> ExpanderContainer:
    """The view's expander: widget key and link parameter ``opened``; its content is drawn only while open."""
    return settings.expander(LABEL, key=opened, icon=":material/stacked_line_chart:")


def show(figures_of: Callable[[], Figures], *, key: str, opened: str = OPEN) -> None:
    """The view in its expander, drawn (and ``figures_of()`` called, under the page's error box) only once opened:
    the directions and the rate chart side by side, then the loss landscape."""
    with _section(opened) as box:
        if not box.open:
            return
        with frame.stop_on_error("Singular directions"):
            figures = figures_of()
        _directions(figures, key=key)
        if figures.landscape is not None:
            frame.show_chart(figures.landscape, key=f"{key}_landscape", caption=figures.landscape_caption)


def _directions(figures: Figures, *, key: str) -> None:
    st.markdown(
        "Along each singular direction of M (singular value σᵢ) every step of gradient descent multiplies the "
        "error by **1 − 2·lr·σᵢ²/k²**: solid lines are the run, dashed the theory."
    )
    for note in figures.notes:
        st.info(frame.plain(note))
    left, right = frame.columns(2)
    if figures.directions is not None:
        frame.show_chart(figures.directions, key=f"{key}_directions", caption=figures.directions_caption,
                         container=left)  # fmt: skip
    frame.show_chart(figures.rate, key=f"{key}_rate", caption=figures.rate_caption, container=right)


def show_run(args: tuple, *, key: str = "directions", opened: str = OPEN) -> None:
    """The view of a whole run of the Gradient descent page (``run.args``)."""
    show(lambda: run_figures(tuple(args)), key=key, opened=opened)


def show_step(args: tuple, t: int, *, key: str = "step_directions", opened: str = OPEN) -> None:
    """The view in step-through mode at step ``t``: the same run as ``GradientDescent`` made, up to step t.

    ``args`` are the page's ``run.args``; steps and record-every are replaced by t and a stride of at most 50
    snapshots. At step 0, and past the step cap, only the rate chart is drawn.
    """
    spec, lr, _, seed, _, init, dtype = args
    cap = descent_controls.step_cap(max(cached.matrix(spec).shape))
    if 1 <= t <= cap:
        show_run((spec, lr, int(t), seed, max(1, -(-int(t) // 50)), init, dtype), key=key, opened=opened)
        return
    with _section(opened) as box:
        if not box.open:
            return
        if t > cap:
            st.info(f"The singular-direction view reruns the steps so far; past {cap:,} steps on this matrix it "
                    "shows the factor chart only.")  # fmt: skip
        with frame.stop_on_error("Singular directions"):
            bounds = cached.bounds(spec, dtype)
        frame.show_chart(
            ready(theory_plots.rate_chart(bounds, lr=lr)),
            key=f"{key}_rate",
            caption=theory_plots.describe_rate_chart(bounds, lr=lr),
        )


def show_race(
    race_args: tuple, methods: tuple[str, ...] | list[str], *, key: str = "race_directions", opened: str = OPEN
) -> None:
    """The view of one method of Compare's race (``cached.race`` arguments ``race_args``), chosen in a radio."""
    choices = [m for m in methods if m in THEORY_METHODS]
    if not choices:
        st.info("The singular-direction view needs gd, momentum or nesterov in the race.")
        return

    def figures_of() -> Figures:  # called inside the open expander: the method's radio is drawn at its top
        method = st.radio("Show the directions of", choices, horizontal=True, key=f"{key}_method")
        return race_figures(tuple(race_args), method)

    show(figures_of, key=key, opened=opened)
