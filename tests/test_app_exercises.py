"""The Exercises page in AppTest: the sheet in the link is the package's sheet for that seed; Check says right, not
yet (with the hint, never the answer) or unreadable; Reveal is offered only after a right answer or two wrong ones
(after one, as "Give up and reveal"), and shows the answer, why, and every experiment on both sides of it, each
run doing what its sentence says; the teacher view (``?teacher=1``) has the answers, the answer key, the student
link and the downloads (the Moodle XML quiz is ``sheet_moodle_xml`` of the sheet); the student view has none."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import numpy as np
import plotly.graph_objects as go
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

import gdinverse as g
from gdinverse import exercises
from gdinverse.moodle import sheet_moodle_xml
from gdinverse_app.models import exercises as exercise_view
from gdinverse_app.ui import export, frame, lessons

from .test_app import charts, figures, key, texts

COUNT = exercise_view.DEFAULT_QUESTIONS
SHEET = exercises.sheet(42, COUNT)


def sheet_page(**query: str) -> AppTest:
    at = AppTest.from_file("../gdinverse_app/streamlit_app.py", default_timeout=300).run()
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


def check(at: AppTest, index: int, answer: str, seed: int = 42) -> AppTest:
    """Type ``answer`` into question ``index``'s box and press Check (one run: the box is in a form)."""
    tag = f"{seed}_{COUNT}_{index}"
    at.text_input(key=key(at, f"answer_{tag}")).input(answer)
    at.button(key=key(at, f"check_{tag}")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def buttons(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("button")]


def downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def every_text(at: AppTest) -> str:
    """Every string of every element on the page (labels, placeholders, help, bodies, figures), Markdown escapes
    removed."""
    found = []
    for root in (at.main, at.sidebar):
        for node in root:  # a Block iterates over itself and every element below it
            proto = getattr(node, "proto", None)
            if proto is not None:
                found += _strings(MessageToDict(proto))
    return re.sub(r"\\(.)", r"\1", "\n".join(found))


def _right(question: exercises.Question) -> str:
    return question.answer if isinstance(question.answer, str) else repr(float(question.answer))


def _wrong(question: exercises.Question, times: int = 3, plus: int = 10) -> str:
    if isinstance(question.answer, str):
        return "no" if question.answer == "yes" else "yes"
    return repr(float(question.answer) * times + plus)


def _telltales(question: exercises.Question) -> list[str]:
    """Text that gives the answer away: the answer as the sheet writes it, its explanation, and for a number its
    digits (three and four significant ones, where they are two digits or more)."""
    told = [question.explanation[-40:], "Answer:"]
    if not isinstance(question.answer, str):  # "yes" and "no" are in the prompt: "Answer yes or no."
        told += [exercise_view.answer_text(question)]
        told += [f"{question.answer:.{n}g}" for n in (3, 4) if len(re.sub(r"\D", "", f"{question.answer:.{n}g}")) >= 2]
    return told


def assert_nothing_of_the_answer(at: AppTest, question: exercises.Question) -> None:
    shown = every_text(at)
    assert re.sub(r"\\(.)", r"\1", question.prompt[:60]) in shown, "the text of the page was read"
    for told in _telltales(question):
        pattern = re.escape(told) if not told[0].isdigit() else rf"(?<![\d.]){re.escape(told)}(?![\d])"
        assert not re.search(pattern, shown), f"{told!r} is on the student's screen before Reveal"
    assert not charts(at), "no experiment is drawn before Reveal"


# ---------------------------------------------------------------------------- the sheet and the link


def test_the_same_seed_gives_the_same_sheet_and_another_seed_another():
    first, again, other = sheet_page(sheet="42"), sheet_page(sheet="42"), sheet_page(sheet="43")
    expected = [q.prompt for q in SHEET]
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


@pytest.mark.parametrize("raw", ["2", "maybe"])
def test_a_bad_teacher_value_leaves_the_student_view_with_a_notice(raw):
    at = sheet_page(sheet="42", teacher=raw)
    assert any("teacher=" in w.value and "not 1 or 0" in w.value for w in at.warning)
    assert downloads(at) == ["Questions (.md)"] and "teacher" not in at.query_params


# ---------------------------------------------------------------------------- a student's tries


@pytest.mark.parametrize("index", range(COUNT))
def test_a_wrong_answer_gets_the_hint_and_another_try_never_the_answer(index):
    question = SHEET[index]
    tag = f"42_{COUNT}_{index}"
    at = sheet_page(sheet="42", q=str(index + 1))
    assert buttons(at) == ["Check"], "before any try Reveal is not offered"
    assert any(m.value == exercise_view.RULE for m in at.markdown), "the page says when Reveal is offered"
    assert_nothing_of_the_answer(at, question)

    check(at, index, "")
    assert texts(at, "info") == ["Type an answer first, then press Check."] and buttons(at) == ["Check"]
    check(at, index, "banana")
    assert texts(at, "warning")[0].startswith("Could not read your answer: 'banana' is not")
    assert "not counted as a try" in texts(at, "warning")[0] and buttons(at) == ["Check"]

    wrong = _wrong(question)
    check(at, index, wrong)
    (box,) = at.error
    said = f"Not yet: {wrong!r} is not " + ("the answer" if question.tolerance_kind == "exact" else "within")
    assert box.value.startswith(frame.plain(said)) and box.value.endswith(f"**Hint:** {question.hint}")
    assert not at.success
    assert buttons(at) == ["Check", "Give up and reveal"], "after one wrong answer, Reveal only on giving up"
    assert at.text_input(key=key(at, f"answer_{tag}")).value == wrong, "the box keeps the answer for another try"
    assert_nothing_of_the_answer(at, question)

    check(at, index, wrong.capitalize() + ".")  # the same answer again is not a second try
    assert buttons(at) == ["Check", "Give up and reveal"]
    if isinstance(question.answer, str):
        return  # yes or no: the only other answer is the right one
    second = _wrong(question, 5, 20)
    check(at, index, second)
    assert texts(at, "error")[0].startswith(f"Not yet: {second!r} is not")
    assert "That is 2 wrong answers: press Reveal" in texts(at, "error")[0]
    assert buttons(at) == ["Check", "Reveal"], "after two wrong answers Reveal is offered"
    assert_nothing_of_the_answer(at, question)


@pytest.mark.parametrize("index", range(COUNT))
def test_a_right_answer_gets_the_explanation_and_reveal(index):
    question = SHEET[index]
    at = check(sheet_page(sheet="42", q=str(index + 1)), index, _right(question))
    said = f"Right: {_right(question)!r}. The answer is {exercise_view.answer_text(question)}."
    assert [s.value for s in at.success] == [f"{frame.plain(said)}\n\n{question.explanation}"] and not at.error
    assert buttons(at) == ["Check", "Reveal"]


def test_giving_up_after_one_wrong_answer_reveals_it():
    index = next(i for i, q in enumerate(SHEET) if q.kind == "diverges")
    at = check(sheet_page(sheet="42", q=str(index + 1)), index, _wrong(SHEET[index]))
    at.button(key=key(at, f"give_up_42_{COUNT}_{index}")).click().run()
    assert any(m.value.startswith(f"**Answer:** {SHEET[index].answer}.") for m in at.markdown)
    assert "The answer is shown below." in texts(at, "error")[0] and buttons(at) == ["Check"]


def test_the_tries_of_each_question_are_its_own():
    at = check(sheet_page(sheet="42"), 0, _wrong(SHEET[0]))
    at.radio(key=key(at, "q")).set_value(2).run()
    assert buttons(at) == ["Check"] and not at.error
    at.radio(key=key(at, "q")).set_value(1).run()
    assert buttons(at) == ["Check", "Give up and reveal"] and at.error


def test_tries_in_the_model():
    question = next(q for q in SHEET if q.kind == "stable_lr")
    right, wrong = _right(question), _wrong(question)
    cases = {
        (): (None, 0, False, "hidden"),
        ("", "banana"): ("unreadable", 0, False, "hidden"),
        (wrong,): ("wrong", 1, False, "give_up"),
        (wrong, f" {wrong} ", "0.5", "1/2"): ("wrong", 2, False, "offered"),
        (wrong, right): ("right", 1, True, "offered"),
        (right, wrong): ("wrong", 1, True, "offered"),
    }
    for checked, expected in cases.items():
        tries = exercise_view.attempts(question, checked)
        assert (tries.feedback and tries.feedback.kind, tries.wrong, tries.solved, tries.reveal) == expected, checked
    assert exercise_view.attempts(question, (), teacher=True).reveal == "offered"


# ---------------------------------------------------------------------------- Reveal


def revealed(index: int) -> AppTest:
    """The student view of question ``index`` after two wrong answers (one, for yes or no) and Reveal."""
    question = SHEET[index]
    at = check(sheet_page(sheet="42", q=str(index + 1)), index, _wrong(question))
    if isinstance(question.answer, str):
        at.button(key=key(at, f"give_up_42_{COUNT}_{index}")).click().run()
    else:
        check(at, index, _wrong(question, 5, 20))
        at.button(key=key(at, f"reveal_42_{COUNT}_{index}")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("index", range(COUNT))
def test_reveal_shows_the_answer_why_and_every_experiment(index):
    question = SHEET[index]
    at = revealed(index)
    shown = exercise_view.reveal(42, COUNT, index)
    assert [m.value for m in at.markdown if m.value.startswith("**Answer:**")] == [
        f"**Answer:** {exercise_view.answer_text(question)}.\n\n{question.explanation}"
    ]
    expected = 1 if question.kind == "float32_digits" else len(question.experiments)
    assert len(shown.runs) == len(charts(at)) == expected >= 1
    for run in shown.runs:
        assert run.measured in [m.value for m in at.markdown]
        assert frame.plain(run.chart.caption) in texts(at, "caption", raw=True)
    if question.kind in ("stable_lr", "diverges"):
        assert len(shown.runs) == 2 and "converged" in shown.runs[0].measured and "diverged" in shown.runs[1].measured
    if question.kind == "optimal_lr":  # three runs on one loss axis, so that the optimum's lead shows
        assert len({tuple(chart["layout"]["yaxis"]["range"]) for chart in charts(at)}) == 1
        projected = [run.chart.figure.layout.yaxis for run in exercise_view.reveal(42, COUNT, index, "projector").runs]
        assert len({(tuple(axis.range), axis.dtick) for axis in projected}) == 1, "and the same ticks"


def _numpy_losses(M: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Plain gradient descent on L(X) = ‖XM − I‖²/k² from X = 0, in float64 numpy (∇L = (2/k²)(XM − I)Mᵀ)."""
    k = M.shape[1]
    X, losses = np.zeros((k, M.shape[0])), []
    for _ in range(steps + 1):
        R = X @ M - np.eye(k)
        losses.append(float((R**2).sum()) / k**2)
        if not np.isfinite(losses[-1]) or losses[-1] > 1e12:
            break
        X = X - lr * (2 / k**2) * R @ M.T
    return np.array(losses)


@pytest.mark.parametrize("seed", [1, 42, 7])
def test_each_experiment_does_what_its_sentence_says(seed):
    """Both sides of the answer: the runs named converged converge and the ones named diverged diverge at the step
    the sentence says, in the app's run and in numpy's own gradient descent."""
    sides = 0
    for index, question in enumerate(exercises.sheet(seed, COUNT)):
        if question.kind == "float32_digits":
            continue
        shown = exercise_view.reveal(seed, COUNT, index)
        for experiment, run in zip(question.experiments, shown.runs, strict=True):
            result = g.gd_inverse(question.matrix, **experiment.kwargs())
            numpy = _numpy_losses(np.array(question.matrix, dtype=float), experiment.lr, experiment.steps)
            assert run.measured.startswith(f"lr = {experiment.lr:.4g}:")
            if experiment.outcome is not None:
                sides += 1
                assert result.verdict.status == experiment.outcome
            if result.diverged:
                assert f"diverged at step {result.stopped_at} " in run.measured and experiment.outcome == "diverged"
                assert numpy[result.stopped_at] > 1e5 * numpy[0], "numpy's run has grown by then too"
            elif question.kind != "slowest":
                said = "converged" in run.measured  # said only of the runs on the two sides of a limit
                assert said == (experiment.outcome is not None and result.verdict.status == "converged")
                assert f"in {experiment.steps} steps" in run.measured
                below = np.flatnonzero(numpy < exercises.TOLERANCE_LOSS)
                if below.size:
                    assert run.measured.endswith(f", first below 1e-6 at step {below[0]}.")
                if experiment.outcome == "converged":
                    assert numpy[-1] < 1e-20, "converged: numpy's loss is at float64's rounding level too"
    assert sides >= 4, "every sheet has a stable-limit and a divergence question: two runs on each side"


def test_the_slowest_directions_sentence_is_measured():
    index = next(i for i, q in enumerate(SHEET) if q.kind == "slowest")
    question = SHEET[index]
    (run,) = exercise_view.reveal(42, COUNT, index).runs
    M = np.array(question.matrix, dtype=float)
    k = M.shape[1]
    X = np.zeros((k, k))
    for _ in range(question.experiment.steps):
        X = X - question.experiment.lr * (2 / k**2) * (X @ M - np.eye(k)) @ M.T
    kept = {abs(M[i, i]): np.linalg.norm((X @ M - np.eye(k))[:, i]) for i in range(k)}  # diagonal M: e_i
    said = {float(s): float(k.rstrip(".")) for s, k in re.findall(r"σ = ([\d.]+) keeps ([\d.e+-]+)", run.measured)}
    assert said.keys() == {float(f"{sigma:.4g}") for sigma in kept}
    for sigma, share in kept.items():  # 3 digits, or both at float64's rounding ("keeps 0 (float64 rounded it away)")
        assert said[float(f"{sigma:.4g}")] == pytest.approx(share, rel=5e-3, abs=1e-14)
    assert run.measured.endswith(f"The slowest is σ = {question.answer:.4g}.")


# ---------------------------------------------------------------------------- the teacher view


@pytest.fixture
def deferred(monkeypatch) -> dict[str, object]:
    """The data of every download button drawn (their data are functions, called when a user downloads)."""
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data
        return original(self, data, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


def test_the_teacher_view_has_every_answer_and_the_downloads(deferred):
    at = sheet_page(sheet="42", teacher="1")
    assert at.query_params["teacher"] == "1"
    assert buttons(at) == ["Check", "Reveal"], "the teacher may reveal at once"
    assert downloads(at) == ["Answer sheet (.md)", "Moodle XML quiz (.xml)", "Lesson notebook (.ipynb)"]
    shown = [m.value for m in at.markdown]
    assert exercise_view.notes(SHEET[0]) in shown, "the question on screen has its answer, hint and why"
    for number, question in enumerate(SHEET, start=1):
        entry = next(m for m in shown if m.startswith(f"**{number}. "))
        for part in (exercise_view.answer_text(question), question.hint, question.explanation):
            assert part in entry
        assert isinstance(question.answer, str) or f"({question.tolerance_text})" in entry
    assert [c.value for c in at.code] == ["/exercises?sheet=42"], "the student link, without teacher=1"
    steps = next(m for m in shown if m.startswith("**Into Moodle.**"))
    assert "**Question bank → Import**" in steps and "**Moodle XML**" in steps
    assert "**Interactive with multiple tries**" in steps and "`sheet_42.xml`" in steps and "within 5%" not in steps

    quiz = deferred["sheet_42.xml"]()
    assert quiz == sheet_moodle_xml(SHEET, name="gdinverse exercises, sheet 42")
    root = ET.fromstring(quiz.encode())
    assert [q.get("type") for q in root][1:] == ["multichoice" if q.choices else "numerical" for q in SHEET]
    assert root[0].find("category/text").text == "$course$/gdinverse exercises, sheet 42"
    assert deferred["sheet_42_answers.md"]() == exercise_view.markdown(42, COUNT, answers=True)
    notebook = json.loads(deferred["sheet_42.ipynb"]())
    assert any("exercises.sheet(42, 7)" in "".join(cell["source"]) for cell in notebook["cells"])


def test_the_student_link_keeps_the_sheets_length_and_the_browsers_address(deferred):
    at = sheet_page(sheet="9", questions="10", teacher="1")
    assert [c.value for c in at.code] == ["/exercises?sheet=9&questions=10"]
    assert "upload `sheet_9_of_10.xml`: its 10 questions" in " ".join(m.value for m in at.markdown)
    assert deferred["sheet_9_of_10.xml"]() == sheet_moodle_xml(
        exercises.sheet(9, 10), name="gdinverse exercises, sheet 9"
    )
    assert exercise_view.student_link("https://class.example/exercises", 9, COUNT) == (
        "https://class.example/exercises?sheet=9"
    )


def test_the_student_view_has_no_answers_and_no_answer_sheet(deferred):
    at = sheet_page(sheet="42")
    assert downloads(at) == ["Questions (.md)"] and not at.code
    assert not any(m.value.startswith(("**1. ", "**Into Moodle")) for m in at.markdown)
    assert deferred["sheet_42.md"]() == exercise_view.markdown(42, COUNT, answers=False)
    for question in SHEET:
        assert question.explanation not in deferred["sheet_42.md"]()
    assert "Answer:" not in every_text(at) and "Moodle" not in every_text(at) and "Hint" not in every_text(at)


def test_the_teacher_view_reveals_every_question_at_once():
    at = sheet_page(sheet="42", teacher="1")
    for index in range(COUNT):
        at.radio(key=key(at, "q")).set_value(index + 1).run()
        at.button(key=key(at, f"reveal_42_{COUNT}_{index}")).click().run()
        assert not at.exception
        assert len(charts(at)) == len(exercise_view.reveal(42, COUNT, index).runs)


# ---------------------------------------------------------------------------- the downloads


def test_the_answer_sheet_holds_hints_answers_and_explanations_and_the_questions_sheet_none():
    with_answers = exercise_view.markdown(42, COUNT, answers=True)
    without = exercise_view.markdown(42, COUNT, answers=False)
    for question in SHEET:
        assert question.prompt in with_answers and question.prompt in without
        assert question.explanation in with_answers and question.explanation not in without
        assert question.hint in with_answers and question.hint not in without
    assert with_answers.count("**Answer:**") == COUNT and "**Answer:**" not in without


def test_the_lesson_script_runs_and_prints_every_answer(tmp_path):
    script = tmp_path / "exercises.py"
    script.write_text(export.to_script(lessons.exercises(42, COUNT)))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=True).stdout
    for question in SHEET:
        assert f"Answer: {question.answer}" in out
    for question in SHEET:
        for experiment in question.experiments:
            assert experiment.caption in out
    assert out.count("  lr = ") == sum(len(q.experiments) for q in SHEET)
    assert out.count(": diverged at step ") == sum(e.outcome == "diverged" for q in SHEET for e in q.experiments)


def test_the_lesson_notebook_draws_every_experiment(monkeypatch):
    drawn: list[str] = []
    monkeypatch.setattr(go.Figure, "show", lambda self, *a, **k: drawn.append(self.layout.title.text))
    notebook = json.loads(export.to_notebook(lessons.exercises(42, COUNT)))
    scope: dict[str, object] = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec("".join(cell["source"]), scope)  # the notebook the app wrote, not user input
    expected = [f"Loss at lr = {e.lr:.4g}" for q in SHEET for e in q.experiments if q.kind != "slowest"]
    assert [title for title in drawn if title.startswith("Loss")] == expected
    assert sum(title.startswith("Error along each singular direction") for title in drawn) == 1


def test_the_float32_digits_reveal_draws_magnitudes_on_a_sequential_log_scale_under_a_title_that_fits():
    """It drew |values| on a diverging ±2e-4 scale (half of it for negatives that cannot occur), its title cut."""
    from gdinverse import plots

    index = next(i for i, q in enumerate(exercises.sheet(42, COUNT)) if q.kind == "float32_digits")
    at = revealed(index)
    (chart,) = figures(at)
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
