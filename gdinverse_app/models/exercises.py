"""The Exercises page's model: a seeded sheet (``gdinverse.exercises.sheet``: the same seed gives every student the
same questions), the answer as the sheet prints it, and the experiment Reveal runs (a small ``gd_inverse`` run, or
the exact inverse in float32 against float64 for the question on float32's digits)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

import gdinverse as g
from gdinverse import exercises, plots, theory_plots
from gdinverse_app.models.memo import Chart, memo

MAX_QUESTIONS = 20
DEFAULT_QUESTIONS = len(exercises.KINDS)
"""One question of each kind."""


@memo
def sheet(seed: int, count: int) -> tuple[exercises.Question, ...]:
    """The sheet dealt from ``seed``."""
    return exercises.sheet(seed, count)


@dataclass(frozen=True)
class Reveal:
    """What Reveal shows for a question: a figure with its caption, and what the experiment measured."""

    chart: Chart
    measured: str
    """One sentence with what the experiment measured."""


def _matrix(question: exercises.Question, dtype: str = "float64") -> torch.Tensor:
    return g.as_matrix(question.matrix, dtype=dtype)


@memo
def reveal(seed: int, count: int, index: int, style: str = "desk") -> Reveal:
    """Run question ``index`` of the sheet's experiment."""
    question = sheet(seed, count)[index]
    if question.experiment is None:
        return _digits(question, style)
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
        return Reveal(Chart.of(theory_plots.direction_figure(view, style=style)), measured)
    theory = g.predicted_losses(result.spectrum, lr=result.lr, steps=result.steps, X0=result.snapshots[0])
    floor = plots.noise_floor(result)
    figure = plots.loss_curve(
        result.losses, marks=list(result.snapshots), predicted=theory[: result.losses.size], floor=floor, style=style
    )
    cut = " and cut at the precision floor (eps·κ)² = {floor:.1e}, below which a measured loss is rounding noise"
    caption = (
        f"{experiment.caption} The loss of gradient descent (lr {result.lr:g}, from X = 0, {experiment.dtype}) "
        "against the step on a log scale, the theory dashed"
        + (cut.format(floor=floor) if bool((theory[: result.losses.size] < floor).any()) else "")
        + "."
    )
    return Reveal(Chart.of(figure, caption), measured)


def _digits(question: exercises.Question, style: str) -> Reveal:
    """The float32 question's experiment: the exact inverse in float32 against the exact inverse, digit by digit."""
    result = g.exact_inverse(g.Spectrum.of(_matrix(question), dtype="float32"))
    exact = g.best_inverse(_matrix(question))[1]
    single = result.inverse.double()
    error = (single - exact).abs() / exact.abs().max()
    relative = float(torch.linalg.norm(single - exact) / torch.linalg.norm(exact))
    digits = -math.log10(relative) if relative > 0 else math.inf
    measured = (
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
    return Reveal(Chart.of(figure, caption), measured)


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
