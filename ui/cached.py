"""Cached computations for the pages, keyed by plain arguments (a matrix spec from ``ui.matrix_source`` and numbers).

Moving a display-only widget reruns the page but not these. ``max_entries`` bounds
memory on a shared instance: each entry is a few kB at the defaults and a few MB
at the caps.
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
from ui.matrix_source import build

ENTRIES = 64
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


def _report(done: int, total: int) -> None:
    callback = _progress.get()
    if callback is not None:
        callback(done, total)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def matrix(spec: tuple, dtype: str = "float32") -> torch.Tensor:
    return build(spec, dtype)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def exact(spec: tuple, dtype: str) -> g.ExactInverse:
    return g.exact_inverse(matrix(spec, dtype))


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def pseudo_inverse(spec: tuple, dtype: str) -> torch.Tensor:
    return g.pseudo_inverse(matrix(spec, dtype))


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def bounds(spec: tuple) -> g.LrBounds:
    return g.lr_bounds(matrix(spec))


def reference(spec: tuple, dtype: str) -> tuple[str, torch.Tensor]:
    """What a learned X is compared with: the exact inverse if there is one in this dtype, else the pseudo-inverse."""
    try:
        return "exact inverse", exact(spec, dtype).inverse
    except g.GdInverseError:
        return "pseudo-inverse", pseudo_inverse(spec, dtype)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def descent(spec: tuple, lr: float, steps: int, seed: int, record_every: int, init: str, dtype: str) -> g.DescentResult:
    """The gradient-descent run the page shows (at most 51 snapshots: the animation shows 50 frames)."""
    A = matrix(spec, dtype)
    return g.gd_inverse(
        A, lr=lr, steps=steps, seed=seed, record_every=record_every, init=init, max_snapshots=51, on_step=_report
    )


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def descent_figures(
    spec: tuple, lr: float, steps: int, seed: int, record_every: int, init: str, dtype: str
) -> dict[str, go.Figure]:
    """The loss curve (with the theory dashed), the residual grid and the residual animation of a run."""
    run = descent(spec, lr, steps, seed, record_every, init, dtype)
    theory = g.predicted_losses(matrix(spec, dtype), lr=lr, steps=steps, X0=run.snapshots[0])
    return {
        "loss": plots.loss_curve(run.losses, marks=list(run.snapshots), predicted=theory[: run.losses.size]),
        "grid": plots.residual_grid(run),
        "animation": plots.residual_animation(run),
    }
