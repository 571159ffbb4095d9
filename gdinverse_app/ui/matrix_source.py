"""The sidebar matrix chooser every matrix page shares: a preset, an editable grid, or pasted text."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch

import gdinverse as g
from gdinverse_app.ui import cached, frame, settings
from gdinverse_app.ui.settings import Setting
from gdinverse_app.ui.spec import MatrixSpec

MAX_N = 128
"""Largest number of rows or columns the app accepts: beyond it figures and runs stop being interactive."""
MAX_TEXT = 100_000
"""Longest matrix text accepted, in characters (a 128×128 matrix at full precision is about 200 kB... of which
no one types more than a few kB)."""
CONDITION_NUMBERS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0, 300.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e10, 1e12)
SIZED = ("identity", "hilbert", "rotation", "singular", "random")
SOURCES = {"preset": "Preset", "grid": "Type in a grid", "text": "Paste text"}
DEFAULT_TEXT = "1 0 0 0\n0 2 0 0\n0 0 3 0\n0 0 0 4"

SETTINGS = (
    Setting("source", "preset", choices=tuple(SOURCES)),
    Setting("preset", "diag1234", choices=tuple(g.PRESETS)),
    Setting("n", 4, low=1, high=MAX_N),
    Setting("cond", 10.0, options=CONDITION_NUMBERS),
    Setting("mseed", 0, low=0, high=2**31 - 1),
    Setting("angle", 30.0, low=-360.0, high=360.0),
    Setting("matrix", DEFAULT_TEXT),
)


@dataclass(frozen=True)
class Choice:
    """The chosen matrix as plain values: ``spec`` keys every cached computation on it."""

    spec: MatrixSpec


def _check_text(text: str) -> str | None:
    """Why the app refuses this text before parsing it, if it does."""
    if len(text) > MAX_TEXT:
        return f"the text is {len(text):,} characters; the app takes at most {MAX_TEXT:,} — paste a smaller matrix"
    rows = sum(1 for line in text.replace(";", "\n").splitlines() if line.strip())
    if rows > MAX_N:
        return f"the text has {rows:,} rows; the app handles at most {MAX_N} — use the package for bigger matrices"
    return None


def _grid(text: str) -> str:
    """An editable grid of the current matrix; returns the edited matrix as text."""
    try:
        current = g.parse_matrix(text).numpy()
    except g.GdInverseError:
        current = np.zeros((4, 4), dtype=np.float32)
    rows_col, cols_col = st.columns(2)
    rows = rows_col.number_input("Rows", 1, MAX_N, current.shape[0], key="grid_rows")
    cols = cols_col.number_input("Columns", 1, MAX_N, current.shape[1], key="grid_cols")
    sized = np.zeros((rows, cols), dtype=np.float64)
    r, c = min(rows, current.shape[0]), min(cols, current.shape[1])
    sized[:r, :c] = current[:r, :c]
    frame = pd.DataFrame(sized, columns=[str(j + 1) for j in range(cols)])
    edited = st.data_editor(frame, key=f"grid_{hash(sized.tobytes())}", hide_index=False, width="stretch")
    values = edited.to_numpy(dtype=np.float64, na_value=0.0)
    return g.format_matrix(torch.from_numpy(values), decimals=None) if np.isfinite(values).all() else text


def choose(*, title: str = "Matrix") -> Choice:
    """Draw the matrix chooser in the sidebar and return the choice; stops the page with an error if it is unusable."""
    settings.load(SETTINGS)
    side = st.sidebar
    side.header(title)
    source = side.radio("Source", list(SOURCES), format_func=SOURCES.get, key="source", horizontal=True)
    if source == "preset":
        name = side.selectbox(
            "Preset", list(g.PRESETS), key="preset", help="\n\n".join(f"**{k}**: {v}" for k, v in g.PRESETS.items())
        )
        side.caption(g.PRESETS[name])
        if name in SIZED:
            side.slider("Size n", 2 if name in ("rotation", "singular") else 1, MAX_N, key="n")
        if name == "random":
            side.select_slider(
                "Condition number κ", options=CONDITION_NUMBERS, key="cond", format_func=lambda v: f"{v:g}"
            )
            side.number_input("Matrix seed", 0, 2**31 - 1, key="mseed")
        if name == "rotation":
            side.slider("Angle (degrees)", -360.0, 360.0, step=1.0, key="angle")
        state = st.session_state
        spec = MatrixSpec(
            "preset", name, n=_n_for(name), cond=float(state.cond), seed=int(state.mseed), angle=float(state.angle)
        )
    else:
        if source == "text":
            text = side.text_area(
                "Matrix (rows on lines or separated by ;)",
                key="matrix",
                height=150,
                help="Entries separated by spaces or commas; fractions like 1/3 work; numpy and "
                "torch prints can be pasted as they are.",
            )
        else:
            with side:
                text = _grid(st.session_state.matrix)
            st.session_state.matrix = text
        problem = _check_text(text)
        if problem:
            settings.save(SETTINGS)
            frame.error(f"Matrix: {problem}.")
            st.stop()
        spec = MatrixSpec("text", text=text)
    settings.save(SETTINGS)
    try:
        shape = tuple(cached.matrix(spec).shape)
    except g.GdInverseError as exc:
        frame.error(f"Matrix: {exc}.")
        st.stop()
    if max(shape) > MAX_N:
        st.error(f"Matrix: it is {shape[0]}×{shape[1]}; the app handles at most {MAX_N} rows and columns.")
        st.stop()
    return Choice(spec=spec)


def _n_for(name: str) -> int:
    return max(int(st.session_state.n), 2) if name in ("rotation", "singular") else int(st.session_state.n)
