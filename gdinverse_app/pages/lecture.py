"""Lecture: the lesson in order, one idea a step — a sentence or two, one figure, fixed settings — with Back and
Next, the step in the link (``?step=3``) so a slide can open it, and a link into the full page with those settings."""

import streamlit as st

from gdinverse_app import state
from gdinverse_app.models import lecture
from gdinverse_app.requests import LectureRequest
from gdinverse_app.settings import Setting
from gdinverse_app.ui import frame

style = frame.page("Lecture")
COUNT = lecture.COUNT
STEP = Setting("step", 1, low=1, high=COUNT)
state.load([STEP])
step_key = state.key("step")


def _move(by: int) -> None:
    st.session_state[step_key] = min(COUNT, max(1, int(st.session_state[step_key]) + by))


number = int(state.value("step"))
nav = st.container(horizontal=True, vertical_alignment="center", wrap=False)
nav.button("← Back", on_click=_move, args=(-1,), disabled=number <= 1, key=state.key("back"))
nav.selectbox(
    f"Step (of {COUNT})",
    range(1, COUNT + 1),
    key=step_key,
    format_func=lambda i: lecture.HEADINGS[i - 1],
    label_visibility="collapsed",
    help="Each step has its own link, ending in lecture?step=N: put it on a slide to open the lecture there.",
)
nav.button("Next →", on_click=_move, args=(1,), disabled=number >= COUNT, key=state.key("next"))
number = int(state.value("step"))
state.save([STEP])

with frame.stop_on_error(f"Step {number}"):
    step = lecture.step(LectureRequest(number, style))
st.header(step.title, anchor=False)
st.markdown(step.text)
frame.show_chart(step.chart, key=f"lecture_{number}")
# A plain link opens the page in a fresh session (a new tab): it shows exactly the step's settings, whatever this
# session showed before; projector mode goes along.
st.markdown(step.opens)
