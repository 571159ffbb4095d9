"""The Gradient descent page's controls: the learning-rate slider (its options and labels from the page's model),
the steps and the mode in the page, and the start, seed, precision and recording in an expander drawn only once
opened. All of them live in the link (``gdinverse_app.state``)."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from gdinverse_app import state
from gdinverse_app.models import gradient_descent
from gdinverse_app.requests import MatrixSpec, RunRequest
from gdinverse_app.settings import MAX_STEPS, MAX_WIDGET_SEED, RUN, Setting

START_LABELS = {"rand": "random (seed)", "zeros": "zeros"}
MODE_LABELS = {"run": "Whole run", "step": "Step through"}
COLOUR_LABELS = {"auto": "automatic", "signed": "signed, fixed scale", "log": "log magnitude"}
COLOUR_HELP = (
    "Signed: one scale for every step, ± the largest |entry|, so the residual visibly fades. Log magnitude: "
    "log10 |entry| on a fixed scale, which tells 1e-3 from 1e-6. Automatic: log magnitude where the values span more "
    "than three decades (on a signed scale the smaller ones would be as white as 0), else signed."
)


def colour_radio() -> None:
    """The heatmaps' colours (the "colours" setting), for the whole run and step-through alike."""
    st.radio("Heatmap colours", list(COLOUR_LABELS), key=state.key("colours"), horizontal=True,
             format_func=COLOUR_LABELS.get, help=COLOUR_HELP)  # fmt: skip


SETTINGS = RUN


def start_text(seed: int, init: str, dtype: str) -> str:
    """What :func:`start_controls` hold, as words: "random start (seed 314), float32" or "start from zeros, …"."""
    start = f"random start (seed {seed})" if init == "rand" else "start from zeros"
    return f"{start}, {dtype}"


def start_controls(side: DeltaGenerator, *, seed: str, init: str, dtype: str) -> None:
    """The random start's seed, random or zero start, and the precision, under the given setting names."""
    side.number_input("Seed (random start)", 0, MAX_WIDGET_SEED, key=state.key(seed))
    side.radio("Start", ["rand", "zeros"], key=state.key(init), horizontal=True, format_func=START_LABELS.get)
    side.radio("Precision", ["float32", "float64"], key=state.key(dtype), horizontal=True)


def controls(spec: MatrixSpec, n: int, style: str) -> tuple[RunRequest, str]:
    """Draw the run settings and return the run they describe and the mode ("run" or "step")."""
    state.load(SETTINGS)  # first: the lr's range depends on the precision
    dtype = state.value("dtype")
    choices = gradient_descent.lr_choices(spec, dtype, st.query_params.get("lr"))
    lr_setting = Setting("lr", choices.default, options=choices.options)
    if st.session_state.get("_lr_matrix", spec) != spec and "lr" not in st.query_params:
        state.keep("lr", choices.default)  # another matrix, and no lr in the link: the new matrix's own default
    st.session_state["_lr_matrix"] = spec
    state.load([lr_setting])
    lr_key = state.key("lr")
    if st.session_state[lr_key] not in choices.options:  # another precision's option: the nearest of this one's
        st.session_state[lr_key] = min(choices.options, key=lambda x: abs(np.log(x / st.session_state[lr_key])))
    cap = gradient_descent.step_cap(n)
    steps_key = state.key("steps")
    if st.session_state[steps_key] > cap:
        st.session_state[steps_key] = cap
        st.info(f"Steps capped at {cap:,} for a {n}×{n} matrix to keep the page responsive.")

    with st.expander("Run settings: learning rate, steps, mode", expanded=True, icon=":material/tune:"):
        st.select_slider("Learning rate (log scale)", options=choices.options, key=lr_key,
                         format_func=choices.labels.__getitem__)  # fmt: skip
        row = st.container(horizontal=True, vertical_alignment="center")
        row.caption(choices.caption)
        row.button("Use the optimal lr", on_click=state.keep, args=("lr", choices.optimal), key=state.key("optimal_lr"))
        row = st.container(horizontal=True)
        stepping = state.value("mode") == "step"  # the step buttons count the steps; a length would be a 2nd count
        row.slider(
            "Steps",
            1,
            cap,
            key=steps_key,
            disabled=stepping,
            help="Whole run only: step-through counts its own steps. " * stepping
            + f"At most {cap:,} steps for a {n}×{n} matrix, to keep the page responsive; the package has no cap.",
        )
        row.radio("Mode", list(MODE_LABELS), key=state.key("mode"), horizontal=True, format_func=MODE_LABELS.get)
    with state.expander("Start, seed, precision and recording", name="show_start", icon=":material/casino:") as more:
        if more.open:
            more.number_input("Record every k steps", 1, MAX_STEPS, key=state.key("every"))
            start_controls(more, seed="seed", init="init", dtype="dtype")
    v = state.value
    if not more.open:  # what the closed expander holds, in one line
        start = start_text(int(v("seed")), v("init"), v("dtype"))
        every = int(v("every"))
        recorded = "" if v("mode") == "step" else f", X recorded every {'step' if every == 1 else f'{every} steps'}"
        st.caption(f"{start[0].upper()}{start[1:]}{recorded}.")
    state.save((lr_setting, *SETTINGS))
    request = RunRequest(spec, float(v("lr")), int(v("steps")), int(v("seed")), int(v("every")), v("init"),
                         v("dtype"), style)  # fmt: skip
    return request, v("mode")
