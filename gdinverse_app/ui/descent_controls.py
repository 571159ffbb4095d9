"""The Gradient descent page's controls: the learning-rate slider that follows the matrix, and the run settings.

The main ones (learning rate, steps, mode) are drawn in the page itself, in a "Run settings" expander that is
open on a first visit, so that a phone reaches them without opening the sidebar; the rest (record every, seed,
start, precision) are in the sidebar. All of them live in the link (``ui/settings.py``).
"""

from __future__ import annotations

import collections
import functools
import math
from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import gdinverse as g
from gdinverse_app.ui import cached, settings
from gdinverse_app.ui.settings import MAX_WIDGET_SEED, Setting
from gdinverse_app.ui.spec import DescentArgs, MatrixSpec

MAX_STEPS = 20_000
"""Most steps of a whole run in the app: enough for float32 to stall on a κ = 50 matrix (about 20,000 steps)."""
WORK_BUDGET = 4e10
"""Flops a run may cost (two products of 2n³ each a step): caps the steps for big matrices, keeping runs interactive."""

START_LABELS = {"rand": "random (seed)", "zeros": "zeros"}
MODE_LABELS = {"run": "Whole run", "step": "Step through"}
COLOUR_LABELS = {"signed": "signed, fixed scale", "log": "log magnitude"}
SETTINGS = (
    Setting("steps", 100, low=1, high=MAX_STEPS),
    Setting("seed", 314, low=0, high=MAX_WIDGET_SEED),
    Setting("every", 20, low=1, high=MAX_STEPS),
    Setting("init", "rand", choices=("rand", "zeros")),
    Setting("dtype", "float32", choices=("float32", "float64")),
    Setting("mode", "run", choices=("run", "step")),
    Setting("colours", "signed", choices=("signed", "log")),
)


@dataclass(frozen=True)
class Run:
    """The settings of one run, as plain values for the cached computations."""

    spec: MatrixSpec
    lr: float
    steps: int = 100
    seed: int = 314
    every: int = 20
    init: str = "rand"
    dtype: str = "float32"
    mode: str = "run"
    """"run" (the whole run at once) or "step" (step through); not part of :attr:`args`."""

    @property
    def args(self) -> DescentArgs:
        return (self.spec, self.lr, self.steps, self.seed, self.every, self.init, self.dtype)


def default_lr(spec: MatrixSpec, bounds: g.LrBounds) -> float:
    """The seed's lr for the seed's matrix, the optimal lr for any other."""
    return g.SEED_LR if spec.is_seed else bounds.optimal


@functools.lru_cache(maxsize=64)  # the same few matrices on every rerun of every session
def lr_options(bounds: g.LrBounds, default: float, linked: str | None = None) -> tuple[float, ...]:
    """Log-spaced learning rates from stable/1000 to 2×stable, with the default, optimal and stable limit.

    A learning rate from a link (``linked``) inside that range is offered too, so the link shows it exactly.
    """
    low, high = bounds.stable_below / 1000, 2 * bounds.stable_below
    rounded = {float(f"{x:.3g}") for x in np.geomspace(low, high, 61)}
    extra = {default, bounds.optimal, bounds.stable_below}
    try:
        value = float(linked) if linked is not None else math.nan
    except ValueError:
        value = math.nan
    if low <= value <= high:
        extra.add(value)
    return tuple(sorted(rounded | extra))


@functools.lru_cache(maxsize=64)
def lr_labels(options: tuple[float, ...]) -> dict[float, str]:
    """Each lr's label on the slider: 4 significant digits, or as many more as it takes to tell it from the others
    (the optimal lr and the stable limit differ by a factor 1 + 1/κ²). Streamlit's select_slider maps a label back
    to its value, so two options with one label would be one value."""
    digits = dict.fromkeys(options, 4)
    while True:
        labels = {x: f"{x:.{digits[x]}g}" for x in options}
        count = collections.Counter(labels.values())
        clashing = [x for x in options if count[labels[x]] > 1]
        if not clashing:
            return labels
        for x in clashing:  # 17 significant digits tell any two floats apart
            digits[x] += 1


def step_cap(n: int) -> int:
    """Most steps the app runs on an n×n matrix."""
    return int(min(MAX_STEPS, max(100, WORK_BUDGET // (4 * n**3))))


def controls(spec: MatrixSpec, n: int) -> Run:
    """Draw the run settings (the main ones in the page, the others in the sidebar) and return them."""
    settings.load(SETTINGS)  # first: the lr's range depends on the precision
    bounds = cached.bounds(spec, st.session_state.dtype)
    default = default_lr(spec, bounds)
    options = lr_options(bounds, default, st.query_params.get("lr"))
    lr_setting = Setting("lr", default, options=options)
    if st.session_state.get("_lr_matrix", spec) != spec and "lr" not in st.query_params:
        settings.keep("lr", default)  # another matrix, and no lr in the link: the new matrix's own default
    st.session_state["_lr_matrix"] = spec
    cap = step_cap(n)
    all_settings = (lr_setting, *SETTINGS)
    settings.load([lr_setting])
    if st.session_state.lr not in options:
        st.session_state.lr = min(options, key=lambda x: abs(np.log(x / st.session_state.lr)))
    if st.session_state.steps > cap:
        st.session_state.steps = cap
        st.info(f"Steps capped at {cap:,} for a {n}×{n} matrix to keep the page responsive.")

    with st.expander("Run settings: learning rate, steps, mode", expanded=True, icon=":material/tune:"):
        labels = lr_labels(options)
        st.select_slider("Learning rate (log scale)", options=options, key="lr", format_func=labels.__getitem__)
        row = st.container(horizontal=True, vertical_alignment="center")
        row.caption(
            f"Stable below **{labels[bounds.stable_below]}** · optimal **{labels[bounds.optimal]}** · seed "
            f"{g.SEED_LR:.4g}"
        )
        row.button("Use the optimal lr", on_click=settings.keep, args=("lr", bounds.optimal), key="optimal_lr")
        row = st.container(horizontal=True)
        stepping = st.session_state.mode == "step"  # the step buttons count the steps; a length would be a 2nd count
        row.slider(
            "Steps",
            1,
            cap,
            key="steps",
            disabled=stepping,
            help="Whole run only: step-through counts its own steps. " * stepping
            + f"At most {cap:,} steps for a {n}×{n} matrix, to keep the page responsive; the package has no cap.",
        )
        row.radio("Mode", list(MODE_LABELS), key="mode", horizontal=True, format_func=MODE_LABELS.get)
    settings.hold(["every", "seed", "init", "dtype"])  # kept while their expander is closed
    with settings.expander("Start, seed, precision and recording", key="show_start", icon=":material/casino:") as more:
        if more.open:
            more.number_input("Record every k steps", 1, MAX_STEPS, key="every")
            start_controls(more, seed="seed", init="init", dtype="dtype")
    state = st.session_state
    if not more.open:  # what the closed expander holds, in one line
        start = start_text(int(state.seed), state.init, state.dtype)
        every = int(state.every)
        recorded = "" if state.mode == "step" else f", X recorded every {'step' if every == 1 else f'{every} steps'}"
        st.caption(f"{start[0].upper()}{start[1:]}{recorded}.")
    settings.save(all_settings)
    return Run(
        spec,
        float(state.lr),
        int(state.steps),
        int(state.seed),
        int(state.every),
        state.init,
        state.dtype,
        mode=state.mode,
    )


def start_text(seed: int, init: str, dtype: str) -> str:
    """What :func:`start_controls` hold, as words: "random start (seed 314), float32" or "start from zeros, …"."""
    start = f"random start (seed {seed})" if init == "rand" else "start from zeros"
    return f"{start}, {dtype}"


def start_controls(side: DeltaGenerator, *, seed: str, init: str, dtype: str) -> None:
    """The random start's seed, random or zero start, and the precision, under the given widget keys."""
    side.number_input("Seed (random start)", 0, MAX_WIDGET_SEED, key=seed)
    side.radio("Start", ["rand", "zeros"], key=init, horizontal=True, format_func=START_LABELS.get)
    side.radio("Precision", ["float32", "float64"], key=dtype, horizontal=True)
