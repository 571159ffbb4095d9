"""The Exercises page's pieces: the seeded sheet, checking an answer, the experiment Reveal runs, the downloads.

A sheet is ``gdinverse.exercises.sheet(seed, count)``: the same seed gives every student the same questions.
Reveal runs the question's own experiment (a small ``gd_inverse`` run, or the exact inverse in float32 and
float64 for the question on float32's digits) and draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go
import torch

import gdinverse as g
from gdinverse import exercises, plots, theory_plots
from gdinverse_app.ui import export
from gdinverse_app.ui.cached import cache, ready

MAX_QUESTIONS = 20
DEFAULT_QUESTIONS = len(exercises.KINDS)
"""One question of each kind."""


@cache
def sheet(seed: int, count: int) -> tuple[exercises.Question, ...]:
    """The sheet dealt from ``seed``."""
    return exercises.sheet(seed, count)


@dataclass(frozen=True)
class Reveal:
    """What Reveal shows for a question: a figure, its caption, and the numbers the experiment measured."""

    figure: go.Figure
    caption: str
    measured: str
    """One sentence with what the experiment measured."""


def _matrix(question: exercises.Question, dtype: str = "float64") -> torch.Tensor:
    return g.as_matrix(question.matrix, dtype=dtype)


@cache
def reveal(seed: int, count: int, index: int) -> Reveal:
    """Run question ``index`` of the sheet's experiment."""
    question = sheet(seed, count)[index]
    if question.experiment is None:
        return _digits(question)
    experiment = question.experiment
    A = _matrix(question, experiment.dtype)
    result = g.gd_inverse(A, **experiment.kwargs(), max_snapshots=61)
    if result.diverged:
        measured = f"The run diverged: it was stopped at step {result.stopped_at}."
    else:
        below = result.first_below(exercises.TOLERANCE_LOSS)
        crossing = "" if below is None else f"; it is first below 1e-6 at step {below}"
        measured = (
            f"The loss went from {result.losses[0]:.3g} to {result.final_loss:.3g} in {result.steps} steps{crossing}."
        )
    if question.kind == "slowest":
        view = g.direction_view(A, result)
        return Reveal(
            ready(theory_plots.direction_figure(view)), theory_plots.describe_direction_figure(view), measured
        )
    theory = g.predicted_losses(A, lr=result.lr, steps=result.steps, X0=result.snapshots[0])
    figure = plots.loss_curve(result.losses, marks=list(result.snapshots), predicted=theory[: result.losses.size])
    caption = (
        f"{experiment.caption} The loss of gradient descent (lr {result.lr:g}, from X = 0, {experiment.dtype}) "
        "against the step on a log scale, the theory dashed."
    )
    return Reveal(ready(figure), caption, measured)


def _digits(question: exercises.Question) -> Reveal:
    """The float32 question's experiment: the exact inverse in float32 against float64, digit by digit."""
    single = g.exact_inverse(_matrix(question, "float32")).inverse.double()
    double = g.exact_inverse(_matrix(question, "float64")).inverse
    error = (single - double).abs() / double.abs().max()
    relative = float(torch.linalg.norm(single - double) / torch.linalg.norm(double))
    digits = -math.log10(relative) if relative > 0 else math.inf
    measured = (
        f"torch.linalg.inv in float32 is off by {relative:.2g} (relative), about {digits:.1f} correct digits; "
        f"the rule of thumb promised at least {question.answer:.2f}."
        if relative > 0
        else "torch.linalg.inv in float32 happens to be exact for this matrix: all digits are correct."
    )
    figure = plots.heatmap(error, title="|float32 inverse − float64 inverse| / max |inverse|")
    caption = "Heatmap of each entry's error of the float32 inverse, relative to the largest entry of the inverse."
    return Reveal(ready(figure), caption, measured)


def answer_text(question: exercises.Question) -> str:
    """The answer as the sheet prints it, with its tolerance."""
    if isinstance(question.answer, str):
        return question.answer
    if question.kind == "steps":
        return f"{question.answer:.0f} steps ({question.tolerance_text})"
    return f"{question.answer:.4g} ({question.tolerance_text})"


def markdown(seed: int, count: int, *, answers: bool) -> str:
    """The sheet as Markdown, with or without the answers and explanations."""
    title = f"Gradient descent and the inverse: exercise sheet {seed}"
    return exercises.sheet_markdown(sheet(seed, count), answers=answers, title=title)


def lesson(seed: int, count: int) -> list[export.Cell]:
    """The sheet as a lesson notebook: each question, then code that runs its experiment and prints the answer."""
    cells = export.header(
        f"Exercise sheet {seed}",
        "Predict each answer first, then run the cell below the question to see the experiment.",
    )
    cells.append(("code", f"from gdinverse import exercises\n\nsheet = exercises.sheet({seed!r}, {count!r})"))
    for number, question in enumerate(sheet(seed, count), start=1):
        cells.append(("markdown", f"## {number}. {exercises.KINDS[question.kind].capitalize()}\n\n{question.prompt}"))
        q = f"sheet[{number - 1}]"
        if question.experiment is None:
            code = (
                f"M = g.as_matrix({q}.matrix)\n"
                "print('float32 inverse:', g.exact_inverse(M).inverse)\n"
                "print('float64 inverse:', g.exact_inverse(M, dtype='float64').inverse)"
            )
        else:
            code = (
                f"run = g.gd_inverse({q}.matrix, **{q}.experiment.kwargs())\n"
                "print(run.message)\nplots.loss_curve(run.losses, marks=list(run.snapshots))"
            )
        cells.append(("code", code))
        cells.append(("code", f"print('Answer:', {q}.answer)\nprint({q}.explanation)"))
    return cells
