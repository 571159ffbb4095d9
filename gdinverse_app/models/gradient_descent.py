"""The Gradient descent page's model: the learning rates the slider offers, what the theory says about M at the
chosen lr, the run's verdict, its numbers and its figures; and step-through mode's view of a run in progress."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.models import descent, matrix
from gdinverse_app.models.memo import Chart, memo
from gdinverse_app.requests import MatrixSpec, RunRequest
from gdinverse_app.settings import MAX_STEPS

WORK_BUDGET = 4e10
"""Flops a run may cost (two products of 2n³ each a step): caps the steps for big matrices, keeping runs interactive."""


def step_cap(n: int) -> int:
    """Most steps the app runs on an n×n matrix."""
    return int(min(MAX_STEPS, max(100, WORK_BUDGET // (4 * n**3))))


@dataclass(frozen=True)
class LrChoices:
    """What the learning-rate slider offers for a matrix and precision."""

    options: tuple[float, ...]
    """Log-spaced learning rates from stable/1000 to 2×stable, with the default, the optimal lr and the limit."""
    labels: dict[float, str]
    """Each option's label: 4 significant digits, or as many more as it takes to tell it from the others."""
    default: float
    """The seed's lr for the seed's matrix, the optimal lr for any other."""
    optimal: float
    caption: str
    """"Stable below … · optimal … · seed 0.4605", in the labels' digits."""


@memo
def lr_choices(spec: MatrixSpec, dtype: str, linked: str | None = None) -> LrChoices:
    """The slider's learning rates; a learning rate from a link (``linked``) inside their range is offered too, so
    the link shows it exactly."""
    bounds = matrix.bounds(spec, dtype)
    default = g.SEED_LR if spec.is_seed else bounds.optimal
    low, high = bounds.stable_below / 1000, 2 * bounds.stable_below
    rounded = {float(f"{x:.3g}") for x in np.geomspace(low, high, 61)}
    extra = {default, bounds.optimal, bounds.stable_below}
    try:
        value = float(linked) if linked is not None else math.nan
    except ValueError:
        value = math.nan
    if low <= value <= high:
        extra.add(value)
    options = tuple(sorted(rounded | extra))
    # Streamlit's select_slider maps a label back to its value: two options with one label would be one value
    labels = dict(zip(options, g.distinct(options), strict=True))
    optimal, stable = bounds.written
    labels[bounds.optimal], labels[bounds.stable_below] = (
        _at_least(labels[bounds.optimal], optimal),
        _at_least(labels[bounds.stable_below], stable),
    )
    caption = f"Stable below **{labels[bounds.stable_below]}** · optimal **{labels[bounds.optimal]}** · seed " + (
        f"{g.SEED_LR:.4g}"
    )
    return LrChoices(options, labels, default, bounds.optimal, caption)


def _at_least(label: str, written: str) -> str:
    """The longer of two writings of one number: the slider's and every page's (:attr:`gdinverse.LrBounds.written`)."""
    return label if len(label) >= len(written) else written


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    delta: str | None = None
    """What the value is measured against, drawn under it without colour (None: nothing)."""


@dataclass(frozen=True)
class Notes:
    """What the Gradient descent page says of M at the chosen lr before any run, in both modes."""

    facts: str
    """Markdown: M's size and κ, what the precision resolves, and how the slowest error moves at this lr."""
    lr_warning: str | None
    shape_note: str | None
    """What M's shape and rank mean for X @ M = I (rank deficient, or tall: left inverses)."""


@dataclass(frozen=True)
class DescentPage:
    """Everything the Gradient descent page shows above its optional sections."""

    notes: Notes
    verdict_box: str
    """"success" only for a run that converged; "info", "warning" or "error" otherwise."""
    verdict: str
    offer_float64: bool
    """The run stalled in float32: the page offers a button to switch to float64."""
    metrics: tuple[Metric, ...]
    loss: Chart
    grid: Chart
    recorded: tuple[int, ...]


def facts(spec: MatrixSpec, dtype: str, lr: float) -> str:
    """What the theory says about M at ``lr``: its size and κ (and how κ was found), what ``dtype`` resolves (the
    run's verdict leaves that to this sentence: :attr:`gdinverse.Verdict.summary`) and how the slowest error
    moves."""
    spectrum = matrix.spectrum(spec, dtype)
    bounds = matrix.bounds(spec, dtype)
    m, k = spectrum.shape
    if spectrum.singular:
        how = "decided exactly" if spectrum.rank_exact else "numerically, as far as float64 can tell"
        text = [f"M is {m}×{k} with rank {spectrum.rank} < {min(m, k)} ({how}): κ = ∞."]
    else:
        note = g.condition_note(spectrum.kappa_source, rank_exact=spectrum.rank_exact)
        text = [f"M is {m}×{k} with condition number κ = {matrix.kappa(spec)} ({note})."]
    resolution = bounds.resolution_note()
    if resolution:
        text.append(resolution)
    sigma, _ = bounds.slowest(lr)
    which = "smallest" if sigma == bounds.resolved_sigma_min else "largest"
    resolved = " gradient descent can resolve" if resolution else " that is not 0" if spectrum.singular else ""
    text.append(f"The error left is along the {which} singular value{resolved}, {sigma:.3g}; it {bounds.change(lr)}.")
    return " ".join(text)


def lr_warning(spec: MatrixSpec, dtype: str, lr: float) -> str | None:
    bounds = matrix.bounds(spec, dtype)
    if lr < bounds.stable_below:
        return None
    return (
        f"The learning rate {bounds.write_lr(lr)} is at or above the stable limit {bounds.written[1]} = k²/σ_max² for "
        "this matrix: "
        "the run will not converge."
    )


def notes(spec: MatrixSpec, dtype: str, lr: float) -> Notes:
    """:func:`facts`, :func:`lr_warning` and :func:`shape_note` of M at ``lr``."""
    return Notes(facts(spec, dtype, lr), lr_warning(spec, dtype, lr), shape_note(spec))


def shape_note(spec: MatrixSpec) -> str | None:
    """What M's shape and rank mean for X @ M = I."""
    spectrum = matrix.spectrum(spec)
    m, k = spectrum.shape
    if spectrum.rank < k:
        how = "decided exactly" if spectrum.rank_exact else "as far as float64 can tell"
        return (
            f"M is {m}×{k} with rank {spectrum.rank} < {k} ({how}): no X makes X @ M = I. X is {k}×{m}, and the best "
            f"it can do is the least-squares inverse, at a loss floor of (k − rank)/k² = {spectrum.floor:.4g}. From "
            "zeros, gradient descent finds the pseudo-inverse M⁺; from a random start, M⁺ plus the part of the start "
            "it never touches."
        )
    if m != k:
        return (
            f"M is {m}×{k} with rank {k}: not square, so it has no inverse, but it has left inverses, X ({k}×{m}) "
            "with X @ M = I, and the loss can reach 0. From zeros, gradient descent finds the pseudo-inverse M⁺ (the "
            "left inverse of least norm); from a random start, M⁺ plus the part of the start it never touches."
        )
    return None


@memo
def page(request: RunRequest, colours: str = "auto") -> DescentPage:
    """The Gradient descent page for a whole run, its residual heatmaps coloured as ``colours`` says."""
    spec = request.matrix
    result = descent.run(request)
    verdict = result.verdict
    recorded = tuple(result.snapshots)
    text = verdict.summary
    if verdict.status == "diverged":
        before = ", ".join(map(str, recorded[:12])) + (", …" if len(recorded) > 12 else "")
        text += f" The plots show the steps recorded before it: {before}."
    name, distance = descent.distance(request)
    at_step = f" at step {recorded[-1]:,}" if verdict.status == "diverged" else ""  # X of the last finite step
    symbol = matrix.reference_symbol(name)
    metrics = (
        Metric("final loss", f"{result.final_loss:.4g}"),
        Metric(f"‖X − {symbol}‖ / ‖{symbol}‖{at_step}", f"{distance:.3g}"),
        Metric("steps run", f"{len(result.losses) - 1:,}"),
    )
    box = {"converged": "success", "running": "info", "stalled": "warning", "diverged": "error"}[verdict.status]
    return DescentPage(
        notes=notes(spec, request.dtype, request.lr),
        verdict_box=box,
        verdict=text,
        offer_float64=verdict.status == "stalled",
        metrics=metrics,
        loss=descent.loss_chart(request),
        grid=descent.grid_chart(request, colours),
        recorded=recorded,
    )


# ---------------------------------------------------------------------------- step-through


THEORY_AHEAD = 10
"""The theory's loss curve is drawn to at least this step, so that the plot has a shape at step 0."""


def start_scales(engine: g.GradientDescent, reference: torch.Tensor) -> dict[str, float]:
    """Each step-through heatmap's colour scale, fixed at step 0 (so what fades really fades)."""
    tiny = float(torch.finfo(engine.A.dtype).tiny)
    update = -engine.lr * engine.grad
    return {
        "X": max(matrix.largest_entry(engine.X), matrix.largest_entry(reference), tiny),
        "residual": max(matrix.largest_entry(engine.residual), tiny),
        "grad": max(matrix.largest_entry(engine.grad), tiny),
        "update": max(matrix.largest_entry(update), tiny),
    }


@dataclass(frozen=True)
class StepView:
    """Step-through mode at step t: the residual, X, the gradient and the next update, the loss so far with the
    theory, and what happened."""

    residual: Chart
    X: Chart
    grad: Chart
    update: Chart
    loss: Chart
    metrics: tuple[Metric, ...]
    diverged: str | None
    """The error box's text once the run blew up."""
    said: str
    """What the theory said at this step against what was measured, and what a Step does."""


def _heatmap(values: torch.Tensor, name: str, t: int, scale: float, colours: str, floor: float, style: str) -> Any:
    """A heatmap of ``name`` at step ``t`` on its fixed ``scale``, one of two side by side: signed (±scale), or
    log10 |·| from ``floor``; "auto" is the log one once the values' largest |entry| is more than three decades
    below the scale (:func:`gdinverse.plots.log_colours`: on the signed scale they would be white)."""
    if plots.log_colours([scale, matrix.largest_entry(values)], floor, colours):
        return plots.error_heatmap(values, title=f"|{name}| at step {t}", eps=floor, top=max(scale, 10 * floor),
                                   style=style, per_row=2)  # fmt: skip
    return plots.heatmap(values, title=f"{name} at step {t}", zmax=scale, style=style, per_row=2)


def step_view(
    engine: g.GradientDescent, losses: list[float], X0: torch.Tensor, scales: dict[str, float], *, colours: str,
    style: str,
) -> StepView:  # fmt: skip
    """The view of a run in progress (the session's engine after ``len(losses) − 1`` steps)."""
    t = engine.t
    eps = float(torch.finfo(engine.A.dtype).eps)
    update = -engine.lr * engine.grad  # what the next step subtracts, before X + update is rounded to the dtype
    change = float((engine.update).abs().max())
    charts = {
        "residual": _heatmap(engine.residual, "residual X @ M − I", t, scales["residual"], colours, eps, style),
        "X": _heatmap(engine.X, "X", t, scales["X"], colours, eps * scales["X"], style),
        "grad": _heatmap(engine.grad, "gradient ∇", t, scales["grad"], colours, eps * scales["grad"], style),
        "update": _heatmap(update, "next update −lr·∇", t, scales["update"], colours, eps * scales["update"], style),
    }
    largest = float(update.abs().max())
    update_caption = (
        f"The next update −lr·∇ (lr {engine.lr:.4g}), before X + update is rounded to {engine.A.dtype}: its largest "
        f"|entry| is {largest:.3g}; after rounding, X's entries change by at most {change:.3g}"
        + (" (part of the update is lost in the rounding)." if change < 0.5 * largest else ".")
    ).replace("torch.", "")
    history = np.asarray(losses)
    ahead = max(t, THEORY_AHEAD)
    theory = g.predicted_losses(engine.spectrum, lr=engine.lr, steps=ahead, X0=X0)
    with np.errstate(over="ignore"):
        theory = np.where(np.isfinite(theory) & (theory < 1e30), theory, np.nan)
    loss = plots.loss_curve(history, predicted=theory, floor=descent.floor(engine), title="Loss so far", style=style)
    metrics = (
        Metric("step t", f"{t:,}"),
        Metric("loss", f"{history[-1]:.5g}" if np.isfinite(history[-1]) else "overflow"),
        Metric("lr", engine.bounds.write_lr(engine.lr)),
    )
    diverged = None
    if engine.diverged:
        start = history[0]
        first = int(np.argmax(~np.isfinite(history) | (history > g.descent.DIVERGENCE_FACTOR * start)))
        reached = "overflow" if not np.isfinite(history[first]) else f"{history[first]:.4g}"
        diverged = (
            f"Diverged at step {first}: the loss grew from {start:.4g} to {reached} (more than a millionfold). The "
            f"learning rate {engine.bounds.write_lr(engine.lr)} is at or above the stable limit "
            f"{engine.bounds.written[1]}: lower it and "
            "press Reset. The heatmaps show X at the blow-up, on the scales of step 0."
        )
    step = (
        "Each **Step** computes the gradient ∇ at the current X and moves X by the update −lr·∇ (the notebook's "
        "`random_inverse.sub_(lr * random_inverse.grad)`)."
    )
    predicted = theory[t] if t < theory.size and math.isfinite(theory[t]) else None
    if predicted is not None and np.isfinite(history[-1]):
        step = f"At step {t:,} the theory's loss is {predicted:.4g} and the measured one {history[-1]:.4g}. " + step
    return StepView(
        residual=Chart.once(charts["residual"]),
        X=Chart.once(charts["X"]),
        grad=Chart.once(charts["grad"]),
        update=Chart.once(charts["update"], update_caption),
        loss=Chart.once(loss),
        metrics=metrics,
        diverged=diverged,
        said=step,
    )
