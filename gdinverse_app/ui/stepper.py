"""Step-through mode: a gdinverse.GradientDescent kept in the session, advanced by buttons, as the notebook's cells."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.ui.descent_controls import Run

KEY = "_stepper"
MAX_HISTORY = 100_000
"""Most steps a session may take in step-through mode (the loss history is kept for the plot)."""


def _current(run: Run, A: torch.Tensor) -> dict:
    """The session's engine for these settings; a new one (step 0) if any setting changed."""
    config = (run.spec, run.lr, run.seed, run.init, run.dtype)
    state = st.session_state.get(KEY)
    if state is None or state["config"] != config:
        engine = g.GradientDescent(A, lr=run.lr, seed=run.seed, init=run.init, dtype=run.dtype)
        state = st.session_state[KEY] = {"config": config, "engine": engine, "losses": [engine.loss]}
    return state


def _advance(n: int) -> None:
    state = st.session_state.get(KEY)
    if state is None or state["engine"].diverged:
        return
    n = min(n, MAX_HISTORY - len(state["losses"]) + 1)
    if n > 0:
        state["losses"].extend(state["engine"].step(n).tolist())


def _reset() -> None:
    st.session_state.pop(KEY, None)


def show(run: Run, A: torch.Tensor) -> None:
    """Buttons Step, +10, +100, Reset and the engine's current state."""
    state = _current(run, A)
    engine = state["engine"]
    buttons = st.columns(4)
    stuck = engine.diverged or len(state["losses"]) > MAX_HISTORY
    buttons[0].button("Step", on_click=_advance, args=(1,), disabled=stuck, key="step1", width="stretch")
    buttons[1].button("+10", on_click=_advance, args=(10,), disabled=stuck, key="step10", width="stretch")
    buttons[2].button("+100", on_click=_advance, args=(100,), disabled=stuck, key="step100", width="stretch")
    buttons[3].button("Reset", on_click=_reset, key="reset", width="stretch")

    losses = np.asarray(state["losses"])
    a, b, c = st.columns(3)
    a.metric("step t", f"{engine.t:,}")
    b.metric("loss", f"{losses[-1]:.5g}" if np.isfinite(losses[-1]) else "overflow")
    c.metric("lr", f"{engine.lr:.4g}")
    if engine.diverged:
        first = int(np.argmax(~np.isfinite(losses) | (losses > g.descent.DIVERGENCE_FACTOR * losses[0])))
        st.error(
            f"Diverged at step {first}: the loss grew a millionfold. Lower the learning rate below the stable "
            "limit and press Reset."
        )
        return
    if len(losses) > MAX_HISTORY:
        st.info(f"Step-through stops at {MAX_HISTORY:,} steps; use the whole-run mode for longer runs.")
    st.markdown(
        "Each **Step** computes the gradient ∇ at the current X and moves X by the update −lr·∇ "
        "(the notebook's `random_inverse.sub_(lr * random_inverse.grad)`)."
    )
    top = st.columns(2)
    top[0].plotly_chart(plots.heatmap(engine.X, title=f"X at step {engine.t}"), key="step_X")
    top[1].plotly_chart(plots.heatmap(engine.residual, title="residual X @ M − I"), key="step_R")
    bottom = st.columns(2)
    bottom[0].plotly_chart(plots.heatmap(engine.grad, title="gradient ∇"), key="step_grad")
    bottom[1].plotly_chart(plots.heatmap(engine.update, title="next update −lr·∇"), key="step_update")
    st.plotly_chart(plots.loss_curve(losses, title="Loss so far"), key="step_loss")
