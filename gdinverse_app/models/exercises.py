"""The Exercises page's model: a seeded sheet (``gdinverse.exercises.sheet``: the same seed gives every student the
same questions), what Check says to the answers typed so far and whether Reveal is offered (:func:`attempts`), what
Reveal shows (:func:`reveal`: the answer, its explanation, and every run of ``question.experiments``, each with its
figure and one sentence of what it measured), and the teacher's side: each answer with its hint, the answer sheet,
the Moodle XML quiz, the link to share with the class and how to import the quiz."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import plotly.graph_objects as go
import torch

import gdinverse as g
from gdinverse import exercises, plots, theory_plots
from gdinverse.moodle import sheet_moodle_xml
from gdinverse_app.models.memo import Chart, memo, plain

MAX_QUESTIONS = 20
DEFAULT_QUESTIONS = len(exercises.KINDS)
"""One question of each kind."""
TRIES = 2
"""Wrong answers after which a student is offered Reveal; after one, only if they give up (see :data:`RULE`)."""
RULE = (
    "A wrong answer gets a hint and another try. Reveal, which shows the answer and the experiment on both sides "
    "of it, is offered once you have answered right or twice wrong, or after one wrong answer if you give up."
)
"""The page's one sentence on when Reveal is offered."""
TEACHER_RULE = (
    "Here Reveal is offered at once. Your students answer first: a wrong answer gets the question's hint and "
    "another try, and Reveal is offered once they have answered right or twice wrong, or after one wrong answer if "
    "they give up."
)
"""The teacher view's sentence on when Reveal is offered."""


@memo
def sheet(seed: int, count: int) -> tuple[exercises.Question, ...]:
    """The sheet dealt from ``seed``."""
    return exercises.sheet(seed, count)


def answer_text(question: exercises.Question) -> str:
    """The answer as the sheet prints it, with its tolerance (:attr:`gdinverse.exercises.Question.answer_text`)."""
    return question.answer_text


def heading(question: exercises.Question, number: int) -> str:
    """The question as the page shows it: its number and kind as a heading, then its prompt (Markdown)."""
    return f"### {number}. {exercises.KINDS[question.kind].capitalize()}\n\n{question.prompt}"


def placeholder(question: exercises.Question) -> str:
    """What the empty answer box asks for."""
    return "yes or no" if isinstance(question.answer, str) else f"a number; counted right {question.tolerance_text}"


def intro(seed: int, count: int) -> str:
    """What the whole class shares: the sheet's number and its questions."""
    return (
        f"Work out each answer on paper first, type it, and press **Check**. Everyone who opens sheet {seed} gets "
        f"the same {count} questions; pick another sheet number for new ones."
    )


# ---------------------------------------------------------------------------- Check, tries and Reveal


@dataclass(frozen=True)
class Feedback:
    """What Check says about the last answer checked."""

    kind: Literal["empty", "unreadable", "right", "wrong"]
    said: str
    """Plain text, holding the typed answer: the page shows it escaped (never as Markdown)."""
    more: str = ""
    """Markdown from the sheet after it: the explanation (right) or the hint (wrong)."""

    @property
    def markdown(self) -> str:
        """What the page's box shows: :attr:`said` escaped (it holds the typed answer), then :attr:`more`."""
        return plain(self.said) + (f"\n\n{self.more}" if self.more else "")


@dataclass(frozen=True)
class Attempts:
    """Where a student stands on one question after the answers they checked."""

    feedback: Feedback | None
    """About the last answer checked (None before any)."""
    wrong: int
    """Different wrong answers checked so far (an empty or unreadable one is no try)."""
    solved: bool
    """Some answer checked was right."""
    reveal: Literal["hidden", "give_up", "offered"]
    """Whether Reveal is offered: not before a right answer or a wrong one; after one wrong answer only as "Give up
    and reveal"; after a right answer, :data:`TRIES` wrong ones, and always in the teacher's view."""


def _same(text: str) -> str:
    """A typed answer as tries are told apart: "Yes." is "yes", and "0.50", "1/2" and "0.5" are one number."""
    word = text.strip().casefold().rstrip(".!? ").strip()
    number = word.replace("−", "-").removesuffix("steps").removesuffix("step").strip()
    try:
        return repr(float(Fraction(number)))
    except (ValueError, ZeroDivisionError, OverflowError):
        return word


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 30 else text[:27] + "...")


def _feedback(question: exercises.Question, answer: str, wrong: int, revealed: bool) -> Feedback:
    if not answer.strip():
        return Feedback("empty", "Type an answer first, then press Check.")
    if (why := question.unreadable(answer)) is not None:
        return Feedback("unreadable", f"Could not read your answer: {why}. This was not counted as a try.")
    if question.check(answer):
        return Feedback(
            "right", f"Right: {_shown(answer)}. The answer is {answer_text(question)}.", question.explanation
        )
    within = "the answer" if question.tolerance_kind == "exact" else f"{question.tolerance_text} of the answer"
    said = f"Not yet: {_shown(answer)} is not {within}."
    if revealed:
        said += " The answer is shown below."
    elif wrong >= TRIES:
        said += f" That is {wrong} wrong answers: press Reveal for the answer and the experiment, or try again."
    else:
        said += " Read the hint and try again."
    return Feedback("wrong", said, f"**Hint:** {question.hint}" if question.hint else "")


def attempts(
    question: exercises.Question, checked: tuple[str, ...], *, teacher: bool = False, revealed: bool = False
) -> Attempts:
    """Where a student stands after checking the answers ``checked`` (as typed, in order); ``revealed``: whether
    the answer is already shown."""
    wrong: list[str] = []
    solved = False
    feedback = None
    for answer in checked:
        if answer.strip() and question.unreadable(answer) is None:
            if question.check(answer):
                solved = True
            elif (said := _same(answer)) not in wrong:
                wrong.append(said)
        feedback = _feedback(question, answer, len(wrong), revealed)
    if teacher or solved or len(wrong) >= TRIES:
        reveal: Literal["hidden", "give_up", "offered"] = "offered"
    else:
        reveal = "give_up" if wrong else "hidden"
    return Attempts(feedback, len(wrong), solved, reveal)


# ---------------------------------------------------------------------------- Reveal


@dataclass(frozen=True)
class Run:
    """One experiment Reveal shows: what it measured, in one sentence, and its figure with its caption."""

    measured: str
    chart: Chart


@dataclass(frozen=True)
class Reveal:
    """What Reveal shows for a question: the answer, why, and the experiments (by increasing lr)."""

    answer: str
    """Markdown: the answer with its tolerance."""
    explanation: str
    runs: tuple[Run, ...]

    @property
    def markdown(self) -> str:
        """The answer, then why, as the student's page shows them."""
        return f"{self.answer}\n\n{self.explanation}"


def _matrix(question: exercises.Question, dtype: str = "float64") -> torch.Tensor:
    return g.as_matrix(question.matrix, dtype=dtype)


def measured(result: g.DescentResult, *, verdict: bool = True) -> str:
    """What a run measured, in one sentence: the lr, how it ended (with ``verdict``, "converged" where the verdict
    says so; a divergence always), and the loss from its start to its end."""
    start = f"lr = {result.lr:.4g}:"
    if result.diverged:
        return (
            f"{start} diverged at step {result.stopped_at} (the loss grew from {result.losses[0]:.4g} to "
            f"{result.final_loss:.3g})."
        )
    status = " converged;" if verdict and result.verdict.status == "converged" else ""
    below = result.first_below(exercises.TOLERANCE_LOSS)
    crossing = "" if below is None else f", first below 1e-6 at step {below}"
    return (
        f"{start}{status} the loss fell from {result.losses[0]:.4g} to {result.final_loss:.3g} in {result.steps} "
        f"steps{crossing}."
    )


def _directions(result: g.DescentResult, A: torch.Tensor) -> str:
    """The slowest-direction question's sentence: each direction's error at the end, as a share of its start."""
    view = g.direction_view(A, result)
    kept = view.measured[-1] / view.measured[0]
    parts = ", ".join(
        f"σ = {s:.4g} keeps {k:.3g}" if k > 0 else f"σ = {s:.4g} keeps 0 (float64 rounded it away)"
        for s, k in zip(view.sigma, kept, strict=True)
    )
    slowest = int(np.argmax(kept))
    return (
        f"lr = {result.lr:.4g}: after {result.steps} steps the error along each direction, as a share of its start: "
        f"{parts}. The slowest is σ = {view.sigma[slowest]:.4g}."
    )


def _run(
    question: exercises.Question, experiment: exercises.Experiment, style: str
) -> tuple[str, go.Figure, str | None, g.DescentResult]:
    """One experiment run: what it measured, its figure and caption (None: the figure's own text alternative), and
    the run."""
    A = _matrix(question, experiment.dtype)
    result = g.gd_inverse(A, **experiment.kwargs(), max_snapshots=61)
    if question.kind == "slowest":
        view = g.direction_view(A, result)
        figure = theory_plots.direction_figure(view, style=style)
        return _directions(result, A), figure, None, result
    theory = g.predicted_losses(result.spectrum, lr=result.lr, steps=result.steps, X0=result.snapshots[0])
    floor = plots.noise_floor(result)
    figure = plots.loss_curve(
        result.losses,
        marks=list(result.snapshots),
        predicted=theory[: result.losses.size],
        floor=floor,
        title=f"Loss at lr = {result.lr:.4g}",
        style=style,
    )
    cut = " and cut at the precision floor (eps·κ)² = {floor:.1e}, below which a measured loss is rounding noise"
    caption = (
        f"{experiment.caption} The loss of gradient descent (lr {result.lr:.4g}, from X = 0, {experiment.dtype}) "
        "against the step on a log scale, the theory dashed"
        + (cut.format(floor=floor) if bool((theory[: result.losses.size] < floor).any()) else "")
        + "."
    )
    return measured(result, verdict=experiment.outcome is not None), figure, caption, result


def _share_axis(figures: list[go.Figure], results: list[g.DescentResult]) -> None:
    """One loss axis for runs of as many steps that did not diverge, so that their figures compare at a glance."""
    if len(results) < 2 or any(r.diverged for r in results) or len({r.steps for r in results}) > 1:
        return
    losses = np.concatenate([r.losses[np.isfinite(r.losses) & (r.losses > 0)] for r in results])
    low, high = math.log10(float(losses.min())), math.log10(float(losses.max()))
    ticks = [figure.layout.yaxis.dtick for figure in figures if figure.layout.yaxis.dtick is not None]
    for figure in figures:  # the same range, and the same ticks where the style sets them (projector: decades)
        figure.update_yaxes(range=[low - 0.3, high + 0.3], dtick=max(ticks) if ticks else None)


@memo
def reveal(seed: int, count: int, index: int, style: str = "desk") -> Reveal:
    """Question ``index`` of the sheet: its answer, why, and each of its experiments run and drawn."""
    question = sheet(seed, count)[index]
    if question.kind == "float32_digits":
        runs: tuple[Run, ...] = (_digits(question, style),)
    else:
        made = [_run(question, experiment, style) for experiment in question.experiments]
        if question.kind != "slowest":
            _share_axis([figure for _, figure, _, _ in made], [result for *_, result in made])
        runs = tuple(Run(said, Chart.of(figure, caption)) for said, figure, caption, _ in made)
    return Reveal(f"**Answer:** {answer_text(question)}.", question.explanation, runs)


def _digits(question: exercises.Question, style: str) -> Run:
    """The float32 question's experiment: the exact inverse in float32 against the exact inverse, digit by digit."""
    result = g.exact_inverse(g.Spectrum.of(_matrix(question), dtype="float32"))
    exact = g.best_inverse(_matrix(question))[1]
    single = result.inverse.double()
    error = (single - exact).abs() / exact.abs().max()
    relative = float(torch.linalg.norm(single - exact) / torch.linalg.norm(exact))
    digits = -math.log10(relative) if relative > 0 else math.inf
    said = (
        f"torch.linalg.inv in float32 is off by {relative:.2g} (relative), about {digits:.1f} correct digits; "
        f"the rule of thumb promised at least {question.answer:.2f}."
        if relative > 0
        else "torch.linalg.inv in float32 happens to be exact for this matrix: all digits are correct."
    )
    eps = float(torch.finfo(torch.float32).eps)
    top = max(float(error.max()), 10 * eps)
    figure = plots.error_heatmap(error, title="|float32 − exact| / max |M⁻¹|", eps=eps, top=top, style=style)
    caption = (
        "Heatmap of each entry's error of the float32 inverse, |float32 − exact|, relative to the largest entry of "
        f"the exact inverse, on a log colour scale from float32's eps {eps:.1e} (white, and below) to {top:.2g} "
        "(dark red), a colour for each power of ten: an error of 1e-4 leaves about four correct digits."
    )
    return Run(said, Chart.of(figure, caption))


# ---------------------------------------------------------------------------- the teacher's side


def notes(question: exercises.Question) -> str:
    """Markdown for the teacher: the answer with its tolerance, the hint a wrong answer gets, and why."""
    hint = f"\n\n**Hint** (after a wrong answer): {question.hint}" if question.hint else ""
    return f"**Answer:** {answer_text(question)}.{hint}\n\n**Why:** {question.explanation}"


def answer_key(seed: int, count: int) -> tuple[str, ...]:
    """Each question of the sheet as the teacher's answer key lists it: its number and kind, then :func:`notes`."""
    return tuple(
        f"**{number}. {exercises.KINDS[q.kind].capitalize()}**\n\n{notes(q)}"
        for number, q in enumerate(sheet(seed, count), start=1)
    )


def file_stem(seed: int, count: int) -> str:
    """The downloads' file name without its ending: ``sheet_42``, or ``sheet_42_of_10`` for a longer sheet."""
    return f"sheet_{seed}" if count == DEFAULT_QUESTIONS else f"sheet_{seed}_of_{count}"


def markdown(seed: int, count: int, *, answers: bool) -> str:
    """The sheet as Markdown, with or without the hints, answers and explanations."""
    title = f"Gradient descent and the inverse: exercise sheet {seed}"
    return exercises.sheet_markdown(sheet(seed, count), answers=answers, title=title)


def moodle_name(seed: int) -> str:
    """The quiz's category in Moodle, as ``gdinverse exercises --format moodle`` names it."""
    return f"gdinverse exercises, sheet {seed}"


@memo
def moodle(seed: int, count: int) -> str:
    """The sheet as a Moodle XML quiz (``gdinverse.moodle.sheet_moodle_xml``)."""
    return sheet_moodle_xml(sheet(seed, count), name=moodle_name(seed))


def moodle_steps(seed: int, count: int) -> str:
    """How to bring the quiz into Moodle, in Markdown."""
    questions = sheet(seed, count)
    relative = sorted({q.tolerance_text.removeprefix("within ") for q in questions if q.tolerance_kind == "relative"})
    graded = "Numbers are graded within their tolerance" + (
        f" (a relative one, {' or '.join(relative)}, written as the absolute tolerance Moodle takes)"
        if relative
        else ""
    )
    return (
        f"**Into Moodle.** In your course open **Question bank → Import**, choose the format **Moodle XML** and "
        f"upload `{file_stem(seed, count)}.xml`: its {count} questions land in the category "
        f"*{moodle_name(seed)}*. Add them to a quiz and set its question behaviour to **Interactive with multiple "
        f"tries**: a wrong answer then shows the question's hint and gives a second try, as on this page. {graded}; "
        "a question with a few possible answers (yes or no, the slowest direction) is multiple choice, and the "
        "explanation is the general feedback."
    )


def student_link(base: str | None, seed: int, count: int) -> str:
    """The link the class gets: this page (``base``, the address in the teacher's browser, or ``/exercises``)
    with the sheet and its length, without the teacher's view."""
    query = f"?sheet={seed}" + ("" if count == DEFAULT_QUESTIONS else f"&questions={count}")
    return f"{base or '/exercises'}{query}"


def share(seed: int, count: int) -> str:
    """The teacher view's opening sentence."""
    return (
        f"**Teacher view:** every answer, hint and explanation, and the downloads, are for you. Share the student "
        f"link below with your class: it opens the same sheet {seed} of {count} questions without the answers, "
        "the answer sheet or the notebook."
    )
