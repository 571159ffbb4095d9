"""Exercises: predict, check, reveal. A seeded sheet (``?sheet=42``: the whole class gets the same one) shown one
question at a time (``&q=3``). A student types an answer and presses Check: a wrong one gets the question's hint and
another try, and Reveal (the answer, why, and the experiment on both sides of it) is offered only after a right
answer or two wrong ones, or after one if they give up. The teacher view (``?teacher=1``) shows every answer with
its hint, offers Reveal at once, and has the answer sheet, the Moodle XML quiz and the lesson notebook to download;
the students' link is shown there."""

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from gdinverse_app import state
from gdinverse_app.models import exercises as sheets
from gdinverse_app.settings import MAX_WIDGET_SEED, TEACHER, Setting
from gdinverse_app.ui import export, frame, lessons

style = frame.page("Exercises", heading="Exercises: predict, then reveal")
SHEET = Setting("sheet", 1, low=0, high=MAX_WIDGET_SEED)
COUNT = Setting("questions", sheets.DEFAULT_QUESTIONS, low=1, high=sheets.MAX_QUESTIONS)
state.load([SHEET, COUNT, TEACHER])
teacher = bool(state.value(TEACHER.name))
seed, count = int(state.value("sheet")), int(state.value("questions"))
QUESTION = Setting("q", 1, low=1, high=count)
state.load([QUESTION])
q_key = state.key("q")
if not 1 <= int(st.session_state[q_key]) <= count:
    st.session_state[q_key] = min(max(int(st.session_state[q_key]), 1), count)

st.markdown(sheets.share(seed, count) if teacher else sheets.intro(seed, count))
st.number_input(
    "Sheet number", 0, MAX_WIDGET_SEED, key=state.key("sheet"), help="The same number gives the same sheet."
)
with frame.stop_on_error("Exercise sheet"):
    questions = sheets.sheet(seed, count)
stem = sheets.file_stem(seed, count)


def _downloads(files: tuple[tuple[str, Callable[[], str], str, str], ...]) -> None:
    row = st.container(horizontal=True)
    for label, data, name, mime in files:
        row.download_button(label, data, name, mime, key=state.key(name), icon=":material/download:")


if teacher:
    link = sheets.student_link(st.context.url, seed, count)
    st.markdown("**The student link** (not the address in your browser, which opens this teacher view):")
    st.code(link, language=None, wrap_lines=True)
    _downloads((
        ("Answer sheet (.md)", lambda: sheets.markdown(seed, count, answers=True), f"{stem}_answers.md",
         "text/markdown"),
        ("Moodle XML quiz (.xml)", lambda: sheets.moodle(seed, count), f"{stem}.xml", "application/xml"),
        ("Lesson notebook (.ipynb)", lambda: export.to_notebook(lessons.exercises(seed, count)), f"{stem}.ipynb",
         "application/x-ipynb+json"),
    ))  # fmt: skip
    st.markdown(sheets.moodle_steps(seed, count))
    st.divider()
st.markdown(sheets.TEACHER_RULE if teacher else sheets.RULE)

number = st.radio("Question", range(1, count + 1), key=q_key, horizontal=True)
state.save([SHEET, COUNT, QUESTION, TEACHER])

index = int(number) - 1
question = questions[index]
tag = f"{seed}_{count}_{index}"
answer_key, checked_key, revealed_key = (state.key(f"{name}_{tag}") for name in ("answer", "checked", "revealed"))


def _check() -> None:
    """Keep the answer Check was pressed with, in order: the model reads the tries from them."""
    st.session_state[checked_key] = (*st.session_state.get(checked_key, ()), str(st.session_state[answer_key]))


def _reveal() -> None:
    st.session_state[revealed_key] = True


st.markdown(sheets.heading(question, int(number)))
if teacher:
    with st.container(border=True):
        st.markdown(sheets.notes(question))
with st.form(state.key(f"form_{tag}"), border=False):
    st.text_input("Your answer", key=answer_key, placeholder=sheets.placeholder(question))
    st.form_submit_button("Check", key=state.key(f"check_{tag}"), on_click=_check, icon=":material/check:")
revealed = bool(st.session_state.get(revealed_key))
tries = sheets.attempts(question, st.session_state.get(checked_key, ()), teacher=teacher, revealed=revealed)
if tries.feedback is not None:
    box, icon = {
        "empty": (st.info, ":material/edit:"),
        "unreadable": (st.warning, ":material/help:"),
        "right": (st.success, ":material/check_circle:"),
        "wrong": (st.error, ":material/lightbulb:"),
    }[tries.feedback.kind]
    box(tries.feedback.markdown, icon=icon)

if not revealed:
    if tries.reveal == "offered":
        st.button("Reveal", key=state.key(f"reveal_{tag}"), on_click=_reveal, icon=":material/visibility:")
    elif tries.reveal == "give_up":
        st.button("Give up and reveal", key=state.key(f"give_up_{tag}"), on_click=_reveal, type="tertiary",
                  icon=":material/visibility:")  # fmt: skip
else:
    shown = sheets.reveal(seed, count, index, style)
    if not teacher:  # the teacher's box above has them
        st.markdown(shown.markdown)
    places = frame.columns(len(shown.runs)) if len(shown.runs) > 1 else [st.container()]
    for number_, (place, run) in enumerate(zip(places, shown.runs, strict=True)):
        # the figure, what the run measured, then the caption: side by side, the figures line up at the top
        frame.show_chart(replace(run.chart, caption=""), key=f"reveal_chart_{tag}_{number_}", container=place)
        place.markdown(run.measured)
        place.caption(frame.plain(run.chart.caption))

st.divider()
if teacher:
    st.subheader("Answer key", anchor=False)
    for entry in sheets.answer_key(seed, count):
        st.markdown(entry)
else:
    st.caption("Take the questions home (without the answers), to work them out on paper.")
    _downloads((("Questions (.md)", lambda: sheets.markdown(seed, count, answers=False), f"{stem}.md",
                 "text/markdown"),))  # fmt: skip
