"""Lecture: the lesson in order, one idea a step — a sentence or two, one figure, fixed settings — with Back and
Next, the step in the link (``?step=3``) so a slide can open it, and a link into the full page with those settings."""

import streamlit as st

from gdinverse_app.ui import frame, lecture_steps, settings
from gdinverse_app.ui.settings import Setting

frame.page("Lecture")
COUNT = lecture_steps.COUNT
STEP = Setting("step", 1, low=1, high=COUNT)
settings.load([STEP])


def _move(by: int) -> None:
    st.session_state.step = min(COUNT, max(1, int(st.session_state.step) + by))


number = int(st.session_state.step)
nav = st.container(horizontal=True, vertical_alignment="center", wrap=False)
nav.button("← Back", on_click=_move, args=(-1,), disabled=number <= 1, key="back")
nav.selectbox(
    f"Step (of {COUNT})",
    range(1, COUNT + 1),
    key="step",
    format_func=lambda i: f"{i}. {lecture_steps.TITLES_BY_STEP[i - 1]}",
    label_visibility="collapsed",
    help="Each step has its own link, ending in lecture?step=N: put it on a slide to open the lecture there.",
)
nav.button("Next →", on_click=_move, args=(1,), disabled=number >= COUNT, key="next")
number = int(st.session_state.step)
settings.save([STEP])

with frame.stop_on_error(f"Step {number}"):
    step = lecture_steps.step(number)
st.header(f"{number}. {step.title}", anchor=False)
st.markdown(step.text)
frame.show_chart(step.figure, key=f"lecture_{number}", caption=step.caption)
# A plain link opens the page in a fresh session (a new tab): it shows exactly the step's settings, whatever this
# session showed before; projector mode goes along.
url = step.link.url + ("&present=1" if frame.present() else "")
st.markdown(f"[:material/open_in_new: Open this on the {step.link.title} page, with these settings]({url})")
