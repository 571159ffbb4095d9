"""The Exercises page in AppTest: the sheet in the link is the package's sheet for that seed, Check says right or
wrong with the explanation, Reveal runs the experiment, and the downloads hold the answers."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import gdinverse as g
from gdinverse import exercises
from gdinverse_app.models import exercises as exercise_view
from gdinverse_app.ui import export, lessons

from .test_app import key, texts

COUNT = exercise_view.DEFAULT_QUESTIONS


def sheet_page(**query: str) -> AppTest:
    at = AppTest.from_file("../streamlit_app.py", default_timeout=300).run()
    at.switch_page("pages/exercises.py")
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def prompt(at: AppTest) -> str:
    """The question on screen (its heading and prompt)."""
    (shown,) = [m.value for m in at.markdown if m.value.startswith("### ")]
    return shown


def prompts(at: AppTest) -> list[str]:
    """Every question of the sheet, going through them with the Question radio."""
    seen = []
    for number in at.radio(key=key(at, "q")).options:
        at.radio(key=key(at, "q")).set_value(int(number)).run()
        seen.append(prompt(at).split("\n\n", 1)[1])
    return seen


def test_the_same_seed_gives_the_same_sheet_and_another_seed_another():
    first, again, other = sheet_page(sheet="42"), sheet_page(sheet="42"), sheet_page(sheet="43")
    expected = [q.prompt for q in exercises.sheet(42, COUNT)]
    assert prompts(first) == prompts(again) == expected
    assert prompts(other) == [q.prompt for q in exercises.sheet(43, COUNT)] != expected
    assert first.number_input(key=key(first, "sheet")).value == 42


def test_the_sheet_number_and_count_go_into_the_link():
    at = sheet_page()
    at.number_input(key=key(at, "sheet")).set_value(7).run()
    assert at.query_params["sheet"] == "7"
    assert prompts(at) == [q.prompt for q in exercises.sheet(7, COUNT)]
    assert at.query_params["q"] == str(COUNT)
    linked = sheet_page(sheet="7", questions="3", q="2")
    assert prompt(linked).split("\n\n", 1)[1] == exercises.sheet(7, 3)[1].prompt
    assert prompts(linked) == [q.prompt for q in exercises.sheet(7, 3)]


@pytest.mark.parametrize(("raw", "shown"), [("99", COUNT), ("0", 1), ("x", 1)])
def test_a_question_number_out_of_range_is_clamped_with_a_notice(raw, shown):
    at = sheet_page(sheet="42", q=raw)
    assert at.radio(key=key(at, "q")).value == shown
    assert any("q=" in w.value for w in at.warning)


@pytest.mark.parametrize("raw", ["abc", "-1", "1e400"])
def test_a_bad_sheet_number_falls_back_with_a_notice(raw):
    at = sheet_page(sheet=raw)
    assert any("sheet=" in w.value for w in at.warning)
    assert len(prompts(at)) == COUNT


def _right(question: exercises.Question) -> str:
    return question.answer if isinstance(question.answer, str) else repr(float(question.answer))


def _wrong(question: exercises.Question) -> str:
    if isinstance(question.answer, str):
        return "no" if question.answer == "yes" else "yes"
    return repr(float(question.answer) * 3 + 10)


@pytest.mark.parametrize("index", range(COUNT))
def test_check_says_right_or_wrong_with_the_explanation(index):
    question = exercises.sheet(42, COUNT)[index]
    tag = f"42_{COUNT}_{index}"
    at = sheet_page(sheet="42", q=str(index + 1))
    at.button(key=key(at, f"check_{tag}")).click().run()
    assert [i.value for i in at.info] == ["Type an answer first, then press Check."]
    at.text_input(key=key(at, f"answer_{tag}")).input(_right(question)).run()
    assert [s.value for s in at.success] == [
        f"Right: {exercise_view.answer_text(question)}. {question.explanation}"
    ] and not at.error
    at.text_input(key=key(at, f"answer_{tag}")).input(_wrong(question)).run()
    assert not at.success
    assert at.error[0].value.startswith("Not quite: the answer is") and question.explanation in at.error[0].value
    at.text_input(key=key(at, f"answer_{tag}")).input("banana").run()
    assert not at.success and not at.error  # unreadable is not wrong: the student is told what to write
    assert texts(at, "warning")[0].startswith("Could not read your answer: 'banana' is not")


@pytest.mark.parametrize("index", range(COUNT))
def test_reveal_runs_the_experiment_and_draws_it(index):
    question = exercises.sheet(42, COUNT)[index]
    at = sheet_page(sheet="42", q=str(index + 1))
    assert not at.get("plotly_chart")
    at.button(key=key(at, f"reveal_42_{COUNT}_{index}")).click().run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1
    answer = [m.value for m in at.markdown if m.value.startswith("**Answer:**")]
    assert answer and answer[0].startswith(f"**Answer:** {exercise_view.answer_text(question)}.")
    shown = exercise_view.reveal(42, COUNT, index)
    assert shown.chart.caption in texts(at, "caption")
    if question.kind == "diverges":
        assert ("diverged" in shown.measured) == (question.answer == "yes")
    if question.experiment is not None:
        run = g.gd_inverse(question.matrix, **question.experiment.kwargs())
        assert f"to {run.final_loss:.3g} in {run.steps} steps" in shown.measured or run.diverged
    if question.kind == "left_inverse":
        k = len(question.matrix[0])
        floor = (k - int(np.linalg.matrix_rank(np.array(question.matrix)))) / k**2
        assert abs(run.final_loss - floor) < 1e-3 * max(floor, 1e-3), "the loss reaches the floor (0 if yes)"


def test_the_downloads_hold_the_questions_and_the_answers():
    at = sheet_page(sheet="42")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Sheet with answers (.md)", "Lesson notebook (.ipynb)"]
    with_answers = exercise_view.markdown(42, COUNT, answers=True)
    without = exercise_view.markdown(42, COUNT, answers=False)
    for question in exercises.sheet(42, COUNT):
        assert question.prompt in with_answers and question.prompt in without
        assert question.explanation in with_answers and question.explanation not in without
    assert with_answers.count("**Answer:**") == COUNT and "**Answer:**" not in without
    notebook = json.loads(export.to_notebook(lessons.exercises(42, COUNT)))
    sources = ["".join(cell["source"]) for cell in notebook["cells"]]
    assert any("exercises.sheet(42, 7)" in source for source in sources)


def test_the_lesson_script_runs_and_prints_every_answer(tmp_path):
    script = tmp_path / "exercises.py"
    script.write_text(export.to_script(lessons.exercises(42, COUNT)))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=True).stdout
    for question in exercises.sheet(42, COUNT):
        assert f"Answer: {question.answer}" in out


def test_the_float32_digits_reveal_draws_magnitudes_on_a_sequential_log_scale_under_a_title_that_fits():
    """It drew |values| on a diverging ±2e-4 scale (half of it for negatives that cannot occur), its title cut."""
    from gdinverse import plots

    index = next(i for i, q in enumerate(exercises.sheet(42, COUNT)) if q.kind == "float32_digits")
    at = sheet_page(sheet="42", q=str(index + 1))
    at.button(key=key(at, f"reveal_42_{COUNT}_{index}")).click().run()
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    trace, layout = spec["data"][0], spec["layout"]
    assert [step[1].lower() for step in trace["colorscale"]] == [c.lower() for _, c in plots.SEQUENTIAL]
    assert "zmid" not in trace and trace["zmin"] == pytest.approx(np.log10(np.finfo(np.float32).eps))
    question = exercises.sheet(42, COUNT)[index]
    M = g.as_matrix(question.matrix, dtype="float64")
    single = g.exact_inverse(g.Spectrum.of(M, dtype="float32")).inverse.double()
    exact = g.best_inverse(M)[1]
    error = ((single - exact).abs() / exact.abs().max()).numpy()
    assert trace["zmax"] == pytest.approx(np.log10(error.max()), abs=1e-6)
    title = layout["title"]["text"]
    # a 390 px phone leaves 358 px for the figure: the title (0.6 em a character at 16 px) fits in it
    assert len(title) * 0.6 * 16 < 358 - 20, title
    assert any("on a log colour scale from float32's eps 1.2e-07 (white, and below)" in c for c in texts(at, "caption"))
