"""Cached computations and figures for the pages, keyed by plain arguments (a matrix spec and numbers).

Moving a display-only widget reruns a page but none of these. They use
``st.cache_resource``: every session gets the same object, never a copy. The
results (frozen dataclasses, tensors nobody writes to) and figures
(``st.plotly_chart`` copies a figure before sending it) are never changed, so
sharing is safe — and measured faster: ``st.cache_data`` unpickles each hit,
about 60 ms of a Gradient descent run and 130 tensors on Compare, while 30
students wait for the one Python process. ``max_entries`` bounds the memory.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

import plotly.graph_objects as go
import streamlit as st
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.ui.spec import MatrixSpec

cache = st.cache_resource(max_entries=64, show_spinner=False)
"""A few kB an entry at the defaults, a few MB at the caps: 64 entries stay well under 1 GB."""

_progress: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar("progress", default=None)


@contextlib.contextmanager
def progress(text: str) -> Iterator[None]:
    """Show a progress bar while a run inside this block computes (nothing shows on a cache hit).

    The bar is updated in the context copied here, outside the cached function, so
    Streamlit does not record the updates as part of the cached result.
    """
    holder = st.empty()
    outside = contextvars.copy_context()

    def report(done: int, total: int) -> None:
        outside.run(holder.progress, done / total, text=text)

    token = _progress.set(report)
    try:
        yield
    finally:
        _progress.reset(token)
        holder.empty()


def ready(figure: go.Figure) -> go.Figure:
    """The figure with its arrays already in plotly's base64 form: ``st.plotly_chart`` converts a figure's numpy
    arrays on every call, which is 40% of drawing a cached figure; converted once, it only copies them."""
    return go.Figure(figure.to_dict())


def _report(done: int, total: int) -> None:
    callback = _progress.get()
    if callback is not None:
        callback(done, total)


# ---------------------------------------------------------------------------- matrices


@cache
def matrix(spec: MatrixSpec, dtype: str = "float32") -> torch.Tensor:
    """The matrix ``spec`` describes, in ``dtype``."""
    return spec.build(dtype)


@cache
def exact(spec: MatrixSpec, dtype: str) -> g.ExactInverse:
    return g.exact_inverse(matrix(spec, dtype))


@cache
def pseudo_inverse(spec: MatrixSpec, dtype: str) -> torch.Tensor:
    return g.pseudo_inverse(matrix(spec, dtype))


@cache
def bounds(spec: MatrixSpec) -> g.LrBounds:
    return g.lr_bounds(matrix(spec))


@cache
def reference(spec: MatrixSpec, dtype: str) -> tuple[str, torch.Tensor]:
    """What a learned X is compared with: the exact inverse if there is one in this dtype, else the pseudo-inverse."""
    return g.best_inverse(matrix(spec, dtype))


@cache
def heatmap(spec: MatrixSpec, what: str, dtype: str = "float32") -> go.Figure:
    """A heatmap of the matrix ("M"), its inverse or check in ``dtype`` ("inverse", "product"), or its
    pseudo-inverse and that check in float64 ("pinv", "pinv_check")."""
    if what == "M":
        M = matrix(spec)
        return ready(plots.heatmap(M, title=f"M ({M.shape[0]}×{M.shape[1]})"))
    if what in ("inverse", "product"):
        result = exact(spec, dtype)
        if what == "inverse":
            return ready(plots.heatmap(result.inverse, title="inverse"))
        return ready(plots.heatmap(result.product, title="inverse @ M (should be I)"))
    P = pseudo_inverse(spec, "float64")
    if what == "pinv":
        return ready(plots.heatmap(P, title=f"pseudo-inverse A⁺ ({P.shape[0]}×{P.shape[1]})"))
    return ready(plots.heatmap(P @ matrix(spec, "float64"), title="A⁺ @ M"))


# ---------------------------------------------------------------------------- gradient descent


@cache
def descent(
    spec: MatrixSpec, lr: float, steps: int, seed: int, record_every: int, init: str, dtype: str
) -> g.DescentResult:
    """The gradient-descent run the page shows (at most 51 snapshots: the animation shows 50 frames)."""
    A = matrix(spec, dtype)
    return g.gd_inverse(
        A, lr=lr, steps=steps, seed=seed, record_every=record_every, init=init, max_snapshots=51, on_step=_report
    )


@cache
def descent_figures(
    spec: MatrixSpec, lr: float, steps: int, seed: int, record_every: int, init: str, dtype: str
) -> dict[str, go.Figure]:
    """The loss curve (with the theory dashed), the residual grid and the residual animation of a run."""
    run = descent(spec, lr, steps, seed, record_every, init, dtype)
    theory = g.predicted_losses(matrix(spec, dtype), lr=lr, steps=steps, X0=run.snapshots[0])
    return {
        "loss": ready(plots.loss_curve(run.losses, marks=list(run.snapshots), predicted=theory[: run.losses.size])),
        "grid": ready(plots.residual_grid(run)),
        "animation": ready(plots.residual_animation(run)),
    }


@cache
def step_figures(args: tuple, step: int) -> tuple[go.Figure, go.Figure, go.Figure]:
    """X at a recorded step, X @ M there, and the reference inverse, for a run of :func:`descent`."""
    run = descent(*args)
    name, inverse = reference(args[0], args[-1])
    return (
        ready(plots.heatmap(run.snapshots[step], title=f"X at step {step}")),
        ready(plots.heatmap(run.product(step), title="X @ M")),
        ready(plots.heatmap(inverse, title=name)),
    )


# ---------------------------------------------------------------------------- compare


@cache
def race(
    spec: MatrixSpec, methods: tuple[str, ...], steps: int, seed: int, init: str, dtype: str, adam_lr: float
) -> dict[str, g.DescentResult]:
    """The optimizer race of the Compare page (every method's run from the same start)."""
    A = matrix(spec, dtype)
    return g.race(A, methods, steps=steps, seed=seed, init=init, dtype=dtype, lrs={"adam": adam_lr})


@cache
def race_figures(*args: object) -> tuple[go.Figure, go.Figure]:
    """Loss against step and against wall-clock time for :func:`race` with the same arguments."""
    results = race(*args)
    return (
        ready(plots.race_figure(results, x="step", title="Loss against step")),
        ready(plots.race_figure(results, x="time", title="Loss against wall-clock time")),
    )


def _steps(value: int | None) -> str:
    return "never" if value is None else f"{value:,}"


def _note(row: g.RaceRow) -> str:
    return "diverged" if row.diverged else "stalled (float32)" if row.stalled else "loss grew" if row.grew else ""


@cache
def race_rows(
    spec: MatrixSpec, methods: tuple[str, ...], steps: int, seed: int, init: str, dtype: str, adam_lr: float, tol: float
) -> list[dict[str, str]]:
    """The race table at tolerance ``tol``, one formatted row per method."""
    results = race(spec, methods, steps, seed, init, dtype, adam_lr)
    return [
        {
            "method": row.method,
            "lr": "—" if row.lr != row.lr else f"{row.lr:.4g}",
            "β": "—" if row.momentum is None else f"{row.momentum:.7g}",
            f"steps to {tol:g}": _steps(row.steps_to_tolerance),
            "first below": _steps(row.first_below),
            "ms to tol": "—" if row.milliseconds is None else f"{row.milliseconds:.1f}",
            "final loss": f"{row.final_loss:.3g}",
            "error vs inverse": f"{row.error:.3g}",
            "note": _note(row),
        }
        for row in g.race_table(results, tol=tol)
    ]


@cache
def sweep(spec: MatrixSpec, count: int, steps: int, seed: int, init: str, dtype: str) -> g.LrSweep:
    """The learning-rate sweep of the Compare page, over the matrix's own range of learning rates."""
    A = matrix(spec, dtype)
    return g.lr_sweep(A, g.lr_bounds(A).grid(count), steps=steps, seed=seed, init=init, dtype=dtype)


@cache
def sweep_figure(*args: object) -> go.Figure:
    """Final loss against lr for :func:`sweep` with the same arguments, with the theory and the two limits."""
    result = sweep(*args)
    return ready(plots.sweep_figure(result, bounds=bounds(args[0]), predicted=result.predicted))


@cache
def sweep_summary(spec: MatrixSpec, count: int, steps: int, seed: int, init: str, dtype: str) -> str:
    """One sentence on the sweep: the best measured lr against the theory's optimum and stable limit."""
    result, limits = sweep(spec, count, steps, seed, init, dtype), bounds(spec)
    diverged = int(result.diverged.sum())
    text = (
        f"Lowest final loss at lr **{result.best_lr:.4g}**; the theory's optimal lr is **{limits.optimal:.4g}** "
        f"and the stable limit **{limits.stable_below:.4g}**."
    )
    if not diverged:
        return text + " No run diverged."
    below = int((result.diverged & (result.lrs < limits.stable_below)).sum())
    where = "every one of them at or above the stable limit" if not below else f"{below} of them below the limit"
    return text + f" {diverged} of {result.lrs.size} runs diverged, {where}."
