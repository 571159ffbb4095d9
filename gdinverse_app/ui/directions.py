"""The singular-direction view in its expander, drawn only once opened (``?show_directions=true`` opens it): the
directions and the rate chart side by side, then the loss landscape (:mod:`gdinverse_app.models.directions`)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from gdinverse_app import settings, state
from gdinverse_app.models import directions
from gdinverse_app.models.directions import DirectionFigures
from gdinverse_app.requests import RunRequest
from gdinverse_app.ui import frame

OPEN = settings.OPEN_DIRECTIONS
"""The name of the view's expander in a link."""
LABEL = "Along each singular direction: the run against the theory, and the loss landscape"


def show(figures_of: Callable[[], DirectionFigures], *, key: str, name: str = OPEN) -> None:
    """The view in its expander (open in the link as ``?{name}=true``); ``figures_of()`` is called (under the
    page's error box) only once it is open."""
    with state.expander(LABEL, name=name, icon=":material/stacked_line_chart:") as box:
        if not box.open:
            return
        with frame.stop_on_error("Singular directions"):
            shown = figures_of()
        st.markdown(directions.INTRO)
        for note in shown.notes:
            st.info(frame.plain(note))
        left, right = frame.columns(2)
        if shown.directions is not None:
            frame.show_chart(shown.directions, key=f"{key}_directions", container=left)
        frame.show_chart(shown.rate, key=f"{key}_rate", container=right)
        if shown.landscape is not None:
            frame.show_chart(shown.landscape, key=f"{key}_landscape")


def show_run(request: RunRequest) -> None:
    show(lambda: directions.for_run(request), key="directions")


def show_step(request: RunRequest, t: int) -> None:
    show(lambda: directions.for_step(request, t), key="step_directions")
