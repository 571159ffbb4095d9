"""The singular-direction view's model: a run's error along each singular direction of M against the theory
(1 − 2·lr·σᵢ²/k² a step), the contraction factor against the learning rate, and the loss landscape, each with its
text alternative. Every figure reads the run's one spectrum (no decomposition of its own)."""

from __future__ import annotations

from dataclasses import dataclass

import gdinverse as g
from gdinverse import theory_plots
from gdinverse.directions import THEORY_METHODS
from gdinverse_app.models import descent, matrix
from gdinverse_app.models.gradient_descent import step_cap
from gdinverse_app.models.memo import Chart, memo
from gdinverse_app.requests import RunRequest

INTRO = (
    "Along each singular direction of M (singular value σᵢ) every step of gradient descent multiplies the error by "
    "**1 − 2·lr·σᵢ²/k²**: solid lines are the run, dashed the theory."
)


@dataclass(frozen=True)
class DirectionFigures:
    """The view's figures; None where one does not apply, with ``notes`` saying why."""

    directions: Chart | None
    rate: Chart
    landscape: Chart | None
    notes: tuple[str, ...] = ()


def figures(result: g.DescentResult, bounds: g.LrBounds, *, style: str) -> DirectionFigures:
    """The view of one run (gd, momentum or nesterov; other methods get the rate chart and a note).

    The rate chart uses ``bounds``, the page's own (of the matrix as entered), so that its κ, limits and verdict on
    the lr are the page's; the directions are those of the matrix the run used (its rounding to the precision)."""
    lr = result.lr if result.method == "gd" else None
    rate = Chart.of(theory_plots.rate_chart(bounds, lr=lr, style=style))
    if result.method not in THEORY_METHODS:
        note = f"{result.method} has no per-direction theory (it is not a linear recurrence in X)."
        return DirectionFigures(None, rate, None, (note,))
    notes: list[str] = []
    directions = landscape = None
    try:
        directions = Chart.of(theory_plots.direction_figure(g.direction_view(result.matrix, result), style=style))
    except g.GdInverseError as exc:
        notes.append(f"No direction view: {exc}.")
    try:
        landscape = Chart.of(theory_plots.landscape_figure(g.landscape(result.matrix, result), style=style))
    except g.GdInverseError as exc:
        notes.append(f"No landscape: {exc}.")
    return DirectionFigures(directions, rate, landscape, tuple(notes))


@memo
def for_run(request: RunRequest) -> DirectionFigures:
    """The view of the Gradient descent page's run."""
    return figures(descent.run(request), matrix.bounds(request.matrix, request.dtype), style=request.style)


@memo
def for_step(request: RunRequest, t: int) -> DirectionFigures:
    """The view in step-through mode at step ``t``: the same run as the session's engine made, up to step t (at
    most 50 snapshots). At step 0, and past the step cap, only the rate chart."""
    spec, dtype = request.matrix, request.dtype
    cap = step_cap(max(matrix.values(spec).shape))
    if 1 <= t <= cap:
        redone = RunRequest(spec, request.lr, int(t), request.seed, max(1, -(-int(t) // 50)), request.init, dtype,
                            request.style)  # fmt: skip
        return for_run(redone)
    bounds = matrix.bounds(spec, dtype)
    rate = Chart.of(theory_plots.rate_chart(bounds, lr=request.lr, style=request.style))
    notes = () if t < 1 else (f"The singular-direction view reruns the steps so far; past {cap:,} steps on this "
                              "matrix it shows the factor chart only.",)  # fmt: skip
    return DirectionFigures(None, rate, None, notes)
