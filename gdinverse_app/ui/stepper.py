"""Step-through mode: a gdinverse.GradientDescent kept in the session, advanced by buttons, as the notebook's cells.

Every heatmap keeps the colour scale it had at step 0 (the residual's is ± its largest |entry| at step 0), so
what fades really fades and what grows saturates; "log magnitude" shows log10 |·| on a fixed scale instead,
where a residual of 1e-3 and one of 1e-6 differ. After a divergence the plots stay, showing the blow-up.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import streamlit as st
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.ui import cached, frame
from gdinverse_app.ui.descent_controls import COLOUR_LABELS, Run

KEY = "_stepper"
MAX_HISTORY = 100_000
"""Most steps a session may take in step-through mode (the loss history is kept for the plot)."""
THEORY_AHEAD = 10
"""The theory's loss curve is drawn to at least this step, so that the plot has a shape at step 0."""


def _largest(values: torch.Tensor) -> float:
    finite = values[torch.isfinite(values)].abs()
    return float(finite.max()) if finite.numel() else 0.0


def _current(run: Run, A: torch.Tensor) -> dict[str, Any]:
    """The session's engine for these settings; a new one (step 0) if any setting changed."""
    config = (run.spec, run.lr, run.seed, run.init, run.dtype)
    state = st.session_state.get(KEY)
    if state is None or state["config"] != config:
        engine = g.GradientDescent(A, lr=run.lr, seed=run.seed, init=run.init, dtype=run.dtype)
        _, reference = cached.reference(run.spec, run.dtype)
        tiny = float(torch.finfo(engine.A.dtype).tiny)
        scales = {  # each heatmap's scale, fixed at step 0
            "X": max(_largest(engine.X), _largest(reference), tiny),
            "residual": max(_largest(engine.residual), tiny),
            "grad": max(_largest(engine.grad), tiny),
            "update": max(_largest(engine.update), tiny),
        }
        state = st.session_state[KEY] = {
            "config": config,
            "engine": engine,
            "losses": [engine.loss],
            "X0": engine.X,
            "scales": scales,
        }
    return state


def _advance(n: int) -> None:
    state = st.session_state.get(KEY)
    if state is None or state["engine"].diverged:
        return
    engine = state["engine"]
    for _ in range(min(n, MAX_HISTORY - len(state["losses"]) + 1)):  # one at a time: stop at the blow-up
        state["losses"].extend(engine.step(1).tolist())
        if engine.diverged:
            break


def _reset() -> None:
    st.session_state.pop(KEY, None)


def _figure(values: torch.Tensor, name: str, t: int, scale: float, colours: str, floor: float) -> object:
    """A heatmap of ``name`` at step ``t`` on its fixed ``scale``: signed (±scale), or log10 |·| from ``floor``."""
    if colours == "log":
        return plots.error_heatmap(values, title=f"|{name}| at step {t}", eps=floor, top=max(scale, 10 * floor))
    return plots.heatmap(values, title=f"{name} at step {t}", zmax=scale)


def show(run: Run, A: torch.Tensor) -> None:
    """Buttons Step, +10, +100, Reset, then the residual and X right below them, then the gradient, the update,
    the loss so far with the theory, and what each step does."""
    state = _current(run, A)
    engine, scales = state["engine"], state["scales"]
    stuck = engine.diverged or len(state["losses"]) > MAX_HISTORY
    with st.container(horizontal=True):  # stays one row on a phone
        st.button("Step", on_click=_advance, args=(1,), disabled=stuck, key="step1")
        st.button("+10", on_click=_advance, args=(10,), disabled=stuck, key="step10")
        st.button("+100", on_click=_advance, args=(100,), disabled=stuck, key="step100")
        st.button("Reset", on_click=_reset, key="reset")

    losses = np.asarray(state["losses"])
    colours = st.session_state.get("colours", "signed")
    eps = float(torch.finfo(engine.A.dtype).eps)
    t = engine.t
    top = st.columns(2)
    # the residual's log scale starts at eps (X @ M − I is measured against I); the others' at eps times their scale
    figures = {
        "step_R": _figure(engine.residual, "residual X @ M − I", t, scales["residual"], colours, eps),
        "step_X": _figure(engine.X, "X", t, scales["X"], colours, eps * scales["X"]),
        "step_grad": _figure(engine.grad, "gradient ∇", t, scales["grad"], colours, eps * scales["grad"]),
        "step_update": _figure(
            engine.update, "next update −lr·∇", t, scales["update"], colours, eps * scales["update"]
        ),
    }
    for column, key in zip(top, ("step_R", "step_X"), strict=True):
        frame.show_chart(figures[key], key=key, container=column)
    st.radio(
        "Heatmap colours",
        list(COLOUR_LABELS),
        key="colours",
        horizontal=True,
        format_func=COLOUR_LABELS.get,
        help="Signed: each heatmap keeps the scale it had at step 0, so the residual visibly fades. "
        "Log magnitude: log10 |value| on a fixed scale, which tells 1e-3 from 1e-6.",
    )

    a, b, c = st.columns(3)
    a.metric("step t", f"{t:,}")
    b.metric("loss", f"{losses[-1]:.5g}" if np.isfinite(losses[-1]) else "overflow")
    c.metric("lr", f"{engine.lr:.4g}")
    if engine.diverged:
        start = losses[0]
        first = int(np.argmax(~np.isfinite(losses) | (losses > g.descent.DIVERGENCE_FACTOR * start)))
        bounds = engine.bounds
        st.error(
            f"Diverged at step {first}: the loss grew from {start:.4g} to "
            f"{'overflow' if not np.isfinite(losses[first]) else f'{losses[first]:.4g}'} (more than a millionfold). "
            f"The learning rate {engine.lr:.4g} is at or above the stable limit {bounds.stable_below:.4g}: lower it "
            "and press Reset. The heatmaps show X at the blow-up, on the scales of step 0."
        )
    elif len(losses) > MAX_HISTORY:
        st.info(f"Step-through stops at {MAX_HISTORY:,} steps; use the whole-run mode for longer runs.")

    bottom = st.columns(2)
    for column, key in zip(bottom, ("step_grad", "step_update"), strict=True):
        frame.show_chart(figures[key], key=key, container=column)

    ahead = min(max(t, THEORY_AHEAD), MAX_HISTORY)
    theory = g.predicted_losses(engine.A, lr=engine.lr, steps=ahead, X0=state["X0"])
    with np.errstate(over="ignore"):
        theory = np.where(np.isfinite(theory) & (theory < 1e30), theory, np.nan)
    loss = plots.loss_curve(losses, predicted=theory, title="Loss so far")
    frame.show_chart(loss, key="step_loss")
    from gdinverse_app.ui import direction_view  # the singular-direction view (issue 9)

    direction_view.show_step(run.args, t)
    predicted = theory[t] if t < theory.size and math.isfinite(theory[t]) else None
    if predicted is not None and np.isfinite(losses[-1]):
        st.markdown(
            f"At step {t:,} the theory's loss is {predicted:.4g} and the measured one {losses[-1]:.4g}. Each **Step** "
            "computes the gradient ∇ at the current X and moves X by the update −lr·∇ (the notebook's "
            "`random_inverse.sub_(lr * random_inverse.grad)`)."
        )
    else:
        st.markdown(
            "Each **Step** computes the gradient ∇ at the current X and moves X by the update −lr·∇ "
            "(the notebook's `random_inverse.sub_(lr * random_inverse.grad)`)."
        )
