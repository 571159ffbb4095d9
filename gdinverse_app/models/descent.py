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


def floor(result: g.DescentResult | g.GradientDescent) -> float | None:
    """The run's precision floor (:func:`gdinverse.plots.noise_floor`; a finished run or one in progress), or None
    for a matrix without one (all zeros)."""
    try:
        return plots.noise_floor(result)
    except g.GdInverseError:
        return None


@memo
def loss_chart(request: RunRequest) -> Chart:
    """The loss curve, the recorded steps marked and the theory (float64, for the run's start) dashed over it, cut
    at the run's precision floor."""
    result = run(request)
    theory = g.predicted_losses(result.spectrum, lr=result.lr, steps=result.losses.size - 1, X0=result.snapshots[0])
    figure = plots.loss_curve(
        result.losses, marks=list(result.snapshots), predicted=theory, floor=floor(result), style=request.style
    )
    return Chart.of(figure)


@memo
def grid_chart(request: RunRequest, colours: str = "auto") -> Chart:
    """The residual at the recorded steps, two panels a row (readable on a phone), coloured as ``colours`` says
    (:data:`gdinverse.plots.COLOURS`: by default log10 |entry| where the steps' largest entries span more than
    three decades)."""
    return Chart.of(plots.residual_grid(run(request), columns=2, colours=colours, style=request.style))


@memo
def animation_chart(request: RunRequest, colours: str = "auto") -> Chart:
    """The residual step by step, played in the browser, coloured as the grid."""
    return Chart.of(plots.residual_animation(run(request), colours=colours, style=request.style))


@memo
def step_charts(request: RunRequest, step: int) -> tuple[Chart, Chart, Chart]:
    """X at a recorded step, its error |X @ M − I| on a log scale, and the reference inverse: three side by side, X
    and the reference on one colour scale (a colour is the same value in both)."""
    result = run(request)
    name, inverse = matrix.reference(request.matrix)
    eps = float(torch.finfo(result.matrix.dtype).eps)
    style = request.style
    X = result.snapshots[step]
    error = plots.error_heatmap(result.residual(step), title=f"|X @ M − I| at step {step}", eps=eps, style=style,
                                per_row=3)  # fmt: skip
    zmax = max(matrix.largest_entry(X), matrix.largest_entry(inverse), float(torch.finfo(X.dtype).tiny))
    symbol = matrix.reference_symbol(name)
    shared = f" X and the {name} {symbol} share this colour scale: a colour is the same value in both."
    left = plots.heatmap(X, title=f"X at step {step}", zmax=zmax, style=style, per_row=3)
    right = plots.heatmap(inverse, title=f"{name} {symbol}", zmax=zmax, style=style, per_row=3)
    return (
        Chart.of(left, plots.text_alternative(left) + shared),
        Chart.of(error),
        Chart.of(right, plots.text_alternative(right) + shared),
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
