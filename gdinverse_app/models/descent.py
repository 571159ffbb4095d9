"""Gradient-descent runs the pages show (the Gradient descent page, the lecture, the direction view), each made
once per request on the matrix's one spectrum, and the figures drawn from them."""

from __future__ import annotations

import numpy as np
import torch

import gdinverse as g
from gdinverse import frames, plots
from gdinverse_app.models import matrix
from gdinverse_app.models.memo import Chart, memo, report
from gdinverse_app.requests import RunRequest

MAX_SNAPSHOTS = 51
"""X is kept at most this many times a run (the animation shows 50 frames)."""
SCRUB_LRS = 24
"""How many learning rates the scrub figure computes besides the run's own: from the optimal lr / 30 to 1.15 times
the stable limit, evenly on a log scale."""


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


def scrub_lrs(request: RunRequest) -> tuple[float, ...]:
    """The learning rates of the scrub figure: :data:`SCRUB_LRS` of them around the stable range, and the run's."""
    bounds = matrix.bounds(request.matrix, request.dtype)
    grid = np.geomspace(bounds.optimal / 30, bounds.stable_below * 1.15, SCRUB_LRS)
    return tuple(sorted({*grid.tolist(), request.lr}))


@memo
def sweep(request: RunRequest) -> g.LrSweep:
    """The run's matrix, start and steps at every learning rate of :func:`scrub_lrs`, all at once (one of them is
    the run itself, step for step)."""
    spec = request.matrix
    return g.lr_sweep(
        matrix.values(spec),
        scrub_lrs(request),
        steps=request.steps,
        seed=request.seed,
        init=request.init,
        dtype=request.dtype,
        spectrum=matrix.spectrum(spec, request.dtype),
    )


@memo
def scrub_chart(request: RunRequest) -> Chart:
    """The loss curve at every learning rate of :func:`sweep`, a slider picking one (the run's first), drawn in the
    browser (:func:`gdinverse.frames.lr_scrub`), the theory cut at the run's precision floor."""
    bounds = matrix.bounds(request.matrix, request.dtype)
    floor = plots.noise_floor(run(request))
    return Chart.of(frames.lr_scrub(sweep(request), lr=request.lr, bounds=bounds, floor=floor, style=request.style))
