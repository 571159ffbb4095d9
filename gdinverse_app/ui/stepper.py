"""Step-through mode: a gdinverse.GradientDescent kept in the session, advanced by buttons, as the notebook's cells.

Every heatmap keeps the colour scale it had at step 0 (the residual's is ± its largest |entry| at step 0), so
what fades really fades and what grows saturates; "log magnitude" shows log10 |·| on a fixed scale instead,
where a residual of 1e-3 and one of 1e-6 differ; "automatic" switches a heatmap to it once its values are more
than three decades below their step-0 scale. After a divergence the plots stay, showing the blow-up. The
numbers, figures and sentences come from the page's model (:func:`gdinverse_app.models.gradient_descent.step_view`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

import gdinverse as g
from gdinverse_app import state
from gdinverse_app.models import gradient_descent, matrix
from gdinverse_app.requests import RunRequest
from gdinverse_app.ui import directions, frame
from gdinverse_app.ui.run_controls import colour_radio

KEY = "_stepper"
MAX_HISTORY = 100_000
"""Most steps a session may take in step-through mode (the loss history is kept for the plot)."""


def _current(request: RunRequest) -> dict[str, Any]:
    """The session's engine for these settings; a new one (step 0) if any setting changed."""
    config = (request.matrix, request.lr, request.seed, request.init, request.dtype)
    kept = st.session_state.get(KEY)
    if kept is None or kept["config"] != config:
        spec = request.matrix
        engine = g.GradientDescent(
            matrix.values(spec), lr=request.lr, seed=request.seed, init=request.init, dtype=request.dtype,
            spectrum=matrix.spectrum(spec, request.dtype),
        )  # fmt: skip
        _, reference = matrix.reference(spec)
        kept = st.session_state[KEY] = {
            "config": config,
            "engine": engine,
            "losses": [engine.loss],
            "X0": engine.X,
            "scales": gradient_descent.start_scales(engine, reference),
        }
    return kept


def _advance(n: int) -> None:
    kept = st.session_state.get(KEY)
    if kept is None or kept["engine"].diverged:
        return
    engine = kept["engine"]
    for _ in range(min(n, MAX_HISTORY - len(kept["losses"]) + 1)):  # one at a time: stop at the blow-up
        kept["losses"].extend(engine.step(1).tolist())
        if engine.diverged:
            break


def _reset() -> None:
    st.session_state.pop(KEY, None)


def show(request: RunRequest) -> None:
    """Buttons Step, +10, +100, Reset, then the residual and X right below them, then the gradient, the update,
    the loss so far with the theory, and what each step does."""
    kept = _current(request)
    engine = kept["engine"]
    stuck = engine.diverged or len(kept["losses"]) > MAX_HISTORY
    with st.container(horizontal=True):  # stays one row on a phone
        st.button("Step", on_click=_advance, args=(1,), disabled=stuck, key=state.key("step1"))
        st.button("+10", on_click=_advance, args=(10,), disabled=stuck, key=state.key("step10"))
        st.button("+100", on_click=_advance, args=(100,), disabled=stuck, key=state.key("step100"))
        st.button("Reset", on_click=_reset, key=state.key("reset"))
    view = gradient_descent.step_view(
        engine, kept["losses"], kept["X0"], kept["scales"], colours=state.value("colours"), style=request.style
    )
    top = st.columns(2)
    frame.show_chart(view.residual, key="step_R", container=top[0])
    frame.show_chart(view.X, key="step_X", container=top[1])
    colour_radio()
    with st.container(horizontal=True):
        for metric in view.metrics:
            st.metric(metric.label, metric.value)
    if view.diverged:
        st.error(view.diverged)
    elif len(kept["losses"]) > MAX_HISTORY:
        st.info(f"Step-through stops at {MAX_HISTORY:,} steps; use the whole-run mode for longer runs.")
    bottom = st.columns(2)
    frame.show_chart(view.grad, key="step_grad", container=bottom[0])
    frame.show_chart(view.update, key="step_update", container=bottom[1])
    frame.show_chart(view.loss, key="step_loss")
    directions.show_step(request, engine.t)
    st.markdown(view.said)
