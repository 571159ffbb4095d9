"""The Compare page's settings, and the ready-made lessons a teacher can start in one click."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import gdinverse as g
from gdinverse_app.ui import settings
from gdinverse_app.ui.descent_controls import start_controls
from gdinverse_app.ui.settings import Setting
from gdinverse_app.ui.spec import MatrixSpec

TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12)
ADAM_LRS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SETTINGS = (
    Setting("methods", tuple(g.METHODS), choices=tuple(g.METHODS)),
    Setting("rsteps", 500, low=1, high=3000),
    Setting("tol", 1e-6, options=TOLERANCES),
    Setting("adam_lr", 0.1, options=ADAM_LRS),
    Setting("sweep_count", 40, low=5, high=200),
    Setting("sweep_steps", 100, low=1, high=2000),
    Setting("rseed", 314, low=0, high=2**31 - 1),
    Setting("rinit", "rand", choices=("rand", "zeros")),
    Setting("rdtype", "float32", choices=("float32", "float64")),
)


@dataclass(frozen=True)
class Lesson:
    title: str
    commentary: str
    values: dict


LESSONS = {
    "conditioned": Lesson(
        "Well-conditioned",
        "A random 8×8 matrix with κ = 10. Momentum and Nesterov take about √κ times fewer steps than plain "
        "descent, and Newton–Schulz doubles its correct digits every step once it is close. Adam, at a constant "
        "lr of 0.3, dips under the tolerance and climbs back out: 'first below' is not a win.",
        {
            "source": "preset",
            "preset": "random",
            "n": 8,
            "cond": 10.0,
            "rdtype": "float32",
            "tol": 1e-6,
            "adam_lr": 0.3,
        },
    ),
    "seed": Lesson(
        "The seed's diag(1, 2, 3, 4)",
        "The notebook's matrix, κ = 4: plain descent is already quick at its optimal lr; the race is close, and "
        "Adam's constant step makes it hover instead of settling.",
        {"source": "preset", "preset": "diag1234", "rdtype": "float32", "tol": 1e-6, "adam_lr": 0.3},
    ),
    "hilbert": Lesson(
        "Hilbert 6×6",
        "κ ≈ 1.5·10⁷. Plain descent barely moves: its slowest direction shrinks by about 10⁻¹⁴ a step. Heavy-ball "
        "momentum's error first grows by orders of magnitude (a transient its theory allows, of size about κ) and "
        "has not recovered after 2,000 steps. No first-order method gets close; Newton–Schulz does, in float64.",
        {"source": "preset", "preset": "hilbert", "n": 6, "rdtype": "float64", "tol": 1e-4, "rsteps": 2000},
    ),
    "singular": Lesson(
        "A singular matrix",
        "No inverse exists. Gradient descent settles at the loss floor (k − rank)/k² = 2/16 — from zeros, at the "
        "pseudo-inverse — while Newton–Schulz inverts the rounding noise of the zero singular values and blows up.",
        {"source": "preset", "preset": "singular", "n": 4, "rdtype": "float64", "tol": 0.2, "rinit": "zeros"},
    ),
}


def apply(name: str) -> None:
    """Set every setting of lesson ``name`` (a button's callback: before the widgets are drawn)."""
    for key, value in LESSONS[name].values.items():
        settings.keep(key, value)
    st.session_state["_lesson"] = name


@dataclass(frozen=True)
class Race:
    spec: MatrixSpec
    methods: tuple[str, ...]
    steps: int
    tol: float
    adam_lr: float
    sweep_count: int
    sweep_steps: int
    seed: int
    init: str
    dtype: str


def controls(spec: MatrixSpec) -> Race:
    """Draw the race and sweep settings in the sidebar and return them."""
    settings.load(SETTINGS)
    side = st.sidebar
    side.header("Race")
    side.multiselect(
        "Methods",
        list(g.METHODS),
        key="methods",
        help="\n\n".join(f"**{name}**: {text}" for name, text in g.METHODS.items()),
    )
    side.slider("Steps", 1, 3000, key="rsteps")
    side.select_slider("Tolerance on the loss", options=TOLERANCES, key="tol", format_func=lambda v: f"{v:g}")
    side.select_slider(
        "Adam's learning rate",
        options=ADAM_LRS,
        key="adam_lr",
        format_func=lambda v: f"{v:g}",
        help="Theory gives Adam no learning rate; the others get theirs from the matrix.",
    )
    side.header("Learning-rate sweep")
    side.slider("Learning rates", 5, 200, key="sweep_count")
    side.slider("Steps per run", 1, 2000, key="sweep_steps")
    side.header("Start and precision")
    start_controls(side, seed="rseed", init="rinit", dtype="rdtype")
    settings.save(SETTINGS)
    s = st.session_state
    return Race(spec, tuple(s.methods), int(s.rsteps), float(s.tol), float(s.adam_lr), int(s.sweep_count),
                int(s.sweep_steps), int(s.rseed), s.rinit, s.rdtype)  # fmt: skip
