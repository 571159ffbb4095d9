"""Exercises: predict, then reveal. A seeded sheet (``?sheet=42``: the whole class gets the same one) shown one
question at a time (``&q=3``), each with its own answer box, Check and Reveal; the sheet with its answers and the
lesson notebook to download."""

import streamlit as st

from gdinverse import exercises
from gdinverse_app import state
from gdinverse_app.models import exercises as sheets
from gdinverse_app.settings import MAX_WIDGET_SEED, Setting
from gdinverse_app.ui import export, frame, lessons

style = frame.page("Exercises", heading="Exercises: predict, then reveal")
SHEET = Setting("sheet", 1, low=0, high=MAX_WIDGET_SEED)
COUNT = Setting("questions", sheets.DEFAULT_QUESTIONS, low=1, high=sheets.MAX_QUESTIONS)
state.load([SHEET, COUNT])
seed, count = int(state.value("sheet")), int(state.value("questions"))
QUESTION = Setting("q", 1, low=1, high=count)
state.load([QUESTION])
q_key = state.key("q")
if not 1 <= int(st.session_state[q_key]) <= count:
    st.session_state[q_key] = min(max(int(st.session_state[q_key]), 1), count)

st.markdown(
    "Work out each answer on paper first, type it, and press **Check**. **Reveal** runs the experiment that shows "
    f"it. Everyone who opens sheet {seed} gets the same {count} questions: share the link (`?sheet={seed}`), "
    "or pick another sheet number."
)
st.number_input(
    "Sheet number", 0, MAX_WIDGET_SEED, key=state.key("sheet"), help="The same number gives the same sheet."
)
with frame.stop_on_error("Exercise sheet"):
    questions = sheets.sheet(seed, count)
number = st.radio("Question", range(1, count + 1), key=q_key, horizontal=True)
state.save([SHEET, COUNT, QUESTION])


def _flag(name: str) -> None:
    st.session_state[name] = True


index = int(number) - 1
question = questions[index]
tag = f"{seed}_{count}_{index}"
st.markdown(f"### {number}. {exercises.KINDS[question.kind].capitalize()}\n\n{question.prompt}")
hint = "yes or no" if isinstance(question.answer, str) else f"a number; counted right {question.tolerance_text}"
answer = st.text_input("Your answer", key=state.key(f"answer_{tag}"), placeholder=hint)
row = st.container(horizontal=True)
row.button("Check", key=state.key(f"check_{tag}"), on_click=_flag, args=(f"checked_{tag}",), icon=":material/check:")
row.button("Reveal", key=state.key(f"reveal_{tag}"), on_click=_flag, args=(f"revealed_{tag}",),
           icon=":material/visibility:")  # fmt: skip
if st.session_state.get(f"checked_{tag}"):
    if not answer.strip():
        st.info("Type an answer first, then press Check.")
    elif (why := question.unreadable(answer)) is not None:
        st.warning(frame.plain(f"Could not read your answer: {why}."), icon=":material/help:")
    elif question.check(answer):
        st.success(f"Right: {sheets.answer_text(question)}. {question.explanation}")
    else:
        st.error(f"Not quite: the answer is {sheets.answer_text(question)}. {question.explanation}")
if st.session_state.get(f"revealed_{tag}"):
    shown = sheets.reveal(seed, count, index, style)
    st.markdown(f"**Answer:** {sheets.answer_text(question)}. {shown.measured}")
    frame.show_chart(shown.chart, key=f"reveal_chart_{tag}")

cells = lessons.exercises(seed, count)
files = (
    ("Sheet with answers (.md)", lambda: sheets.markdown(seed, count, answers=True),
     f"sheet_{seed}_answers.md", "text/markdown"),
    ("Lesson notebook (.ipynb)", lambda: export.to_notebook(cells), f"sheet_{seed}.ipynb",
     "application/x-ipynb+json"),
)  # fmt: skip
st.caption("Take the sheet home: the questions with their answers, and a notebook that runs each experiment.")
downloads = st.container(horizontal=True)
for label, data, name, mime in files:
    downloads.download_button(label, data, name, mime, key=state.key(name), icon=":material/download:")
