"""Lecture: the lesson in order, one idea a step — a sentence or two, one figure, fixed settings — with Back and
Next, the step in the link (``?step=3``) so a slide can open it, and a link into the full page with those settings.

In projector mode (``?present=1``) the page is a slide deck (``gdinverse_app.ui.slides``): each step fills one
screen, the presenter's keys move between steps, and the speaker notes wait in a popover."""

import streamlit as st

from gdinverse_app import state
from gdinverse_app.models import lecture
from gdinverse_app.requests import LectureRequest
from gdinverse_app.settings import Setting
from gdinverse_app.ui import frame, slides

style = frame.page("Lecture", slides=True)
COUNT = lecture.COUNT
STEP = Setting("step", 1, low=1, high=COUNT)
state.load([STEP])
step_key = state.key("step")


def _go(move: str) -> None:
    st.session_state[step_key] = slides.target(move, now=int(st.session_state[step_key]), last=COUNT)


def _leave_slides() -> None:
    st.session_state[state.key(state.PRESENT.name)] = False


def _slide(number: int) -> None:
    """The step as a slide: title, sentences, the figure in the room left, then the controls in one row."""
    with frame.stop_on_error(f"Step {number}"):
        step = lecture.step(LectureRequest(number, style))
    with st.container(key="slide"):
        st.header(step.title, anchor=False)
        st.markdown(step.text)
        frame.show_chart(
            step.chart, key=f"lecture_{number}", container=st.container(key="slide_figure", height="stretch"), fill=True
        )
        bar = st.container(horizontal=True, vertical_alignment="center", key="slide_bar")
        bar.button("← Back", on_click=_go, args=("back",), disabled=number <= 1, key=state.key("back"))
        bar.markdown(f"**{number} / {COUNT}**")
        bar.button("Next →", on_click=_go, args=("next",), disabled=number >= COUNT, key=state.key("next"))
        with bar.popover("Speaker notes", icon=":material/speaker_notes:"):
            for note in step.notes:
                st.markdown(note)
        bar.markdown(step.opens_short)
        bar.button("Leave slides", on_click=_leave_slides, key=state.key("leave"), type="tertiary")
        with bar:
            slides.keys(key=state.key("keys"), on_move=_go)


def _step_menu() -> int:
    """Back, the menu of steps and Next, in one row; the step chosen."""
    nav = st.container(horizontal=True, vertical_alignment="center", wrap=False)
    number = int(state.value("step"))
    nav.button("← Back", on_click=_go, args=("back",), disabled=number <= 1, key=state.key("back"))
    nav.selectbox(
        f"Step (of {COUNT})",
        range(1, COUNT + 1),
        key=step_key,
        format_func=lambda i: lecture.HEADINGS[i - 1],
        label_visibility="collapsed",
        help="Each step has its own link, ending in lecture?step=N: put it on a slide to open the lecture there.",
    )
    nav.button("Next →", on_click=_go, args=("next",), disabled=number >= COUNT, key=state.key("next"))
    return int(state.value("step"))


def _page(number: int) -> None:
    """The step on a page: heading, sentences, the figure with its caption, and the link to the full page."""
    with frame.stop_on_error(f"Step {number}"):
        step = lecture.step(LectureRequest(number, style))
    st.header(step.title, anchor=False)
    st.markdown(step.text)
    frame.show_chart(step.chart, key=f"lecture_{number}")
    # A plain link opens the page in a fresh session (a new tab): it shows exactly the step's settings, whatever
    # this session showed before; projector mode goes along.
    st.markdown(step.opens)


if style == "slide":
    state.save([STEP])
    _slide(int(state.value("step")))
else:
    chosen = _step_menu()
    state.save([STEP])
    _page(chosen)
