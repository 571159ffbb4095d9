"""Gradient-descent runs the pages show (the Gradient descent page, the lecture, the direction view), each made
once per request on the matrix's one spectrum, and the figures drawn from them."""

from __future__ import annotations

import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.models import matrix
from gdinverse_app.models.memo import Chart, memo, report
from gdinverse_app.requests import RunRequest

MAX_SNAPSHOTS = 51
"""X is kept at most this many times a run (the animation shows 50 frames)."""


@memo
def run(request: RunRequest) -> g.DescentResult:
    """The run: the matrix goes in as entered, with its spectrum for the run's precision (never decomposed again),
    and gdinverse rounds it to ``dtype``; progress is reported (:func:`gdinverse_app.models.memo.report`)."""
    spec = request.matrix
    return g.gd_inverse(
        matrix.values(spec),
        **request.run_arguments(),  # type: ignore[arg-type]
        max_snapshots=MAX_SNAPSHOTS,
        on_step=report,
        spectrum=matrix.spectrum(spec, request.dtype),
    )


@memo
def distance(request: RunRequest) -> tuple[str, float]:
    """The reference's name ("exact inverse" or "pseudo-inverse") and ‖X − reference‖/‖reference‖ of the final
    X, against the inverse of the matrix as entered (:func:`gdinverse_app.models.matrix.reference`)."""
    name, reference = matrix.reference(request.matrix)
    return name, run(request).distance_to(reference)


@memo
def loss_chart(request: RunRequest) -> Chart:
    """The loss curve, the recorded steps marked and the theory (float64, for the run's start) dashed over it."""
    result = run(request)
    theory = g.predicted_losses(result.spectrum, lr=result.lr, steps=result.losses.size - 1, X0=result.snapshots[0])
    return Chart.of(
        plots.loss_curve(result.losses, marks=list(result.snapshots), predicted=theory, style=request.style)
    )


@memo
def grid_chart(request: RunRequest) -> Chart:
    """The residual at the recorded steps, two panels a row (readable on a phone)."""
    return Chart.of(plots.residual_grid(run(request), columns=2, style=request.style))


@memo
def animation_chart(request: RunRequest) -> Chart:
    """The residual step by step, played in the browser."""
    return Chart.of(plots.residual_animation(run(request), style=request.style))


@memo
def step_charts(request: RunRequest, step: int) -> tuple[Chart, Chart, Chart]:
    """X at a recorded step, its error |X @ M − I| on a log scale, and the reference inverse."""
    result = run(request)
    name, inverse = matrix.reference(request.matrix)
    eps = float(torch.finfo(result.matrix.dtype).eps)
    style = request.style
    return (
        Chart.of(plots.heatmap(result.snapshots[step], title=f"X at step {step}", style=style)),
        Chart.of(plots.error_heatmap(result.residual(step), title=f"|X @ M − I| at step {step}", eps=eps, style=style)),
        Chart.of(plots.heatmap(inverse, title=f"{name} {matrix.reference_symbol(name)}", style=style)),
    )
