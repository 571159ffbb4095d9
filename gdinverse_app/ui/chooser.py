"""The matrix chooser every matrix page shares: a preset, an editable grid, or pasted text, with optional labels.

It is drawn in the page itself (not the sidebar), in an expander titled with the matrix and its condition number —
"Matrix M: Hilbert 6×6 · κ = 1.5e+07" (:func:`gdinverse_app.models.matrix.title`) — so a phone reaches it without
opening the sidebar. The expander has a key, so it stays open while it is edited although its title changes with
every edit; it is open on a first visit whose link names no matrix. Row and column labels (an indicator matrix's
documents and words) travel with the matrix as the link's ``rows`` and ``cols``; labels that no longer fit the
matrix are dropped with a notice, never shown on the wrong rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

import gdinverse as g
from gdinverse_app import state
from gdinverse_app.models import matrix
from gdinverse_app.requests import MatrixSpec
from gdinverse_app.settings import CONDITION_NUMBERS, MATRIX, MATRIX_SOURCES, MAX_N, MAX_WIDGET_SEED
from gdinverse_app.ui import frame
from gdinverse_app.ui.whole_number import whole_number

SIZED = ("identity", "hilbert", "rotation", "singular", "random")
LABEL_SEPARATOR = ","
"""Labels are written into the link joined by commas (document names and tokenized words hold none)."""
SETTINGS = MATRIX
MATRIX_KEYS = (*(setting.name for setting in SETTINGS), "lesson")
"""The link parameters that name a matrix (a lesson does too): with none of them, a first visit opens the chooser."""


def join_labels(labels: tuple[str, ...] | list[str]) -> str:
    """Labels as one link parameter; "" when any label holds the separator (then the link carries none)."""
    return "" if any(LABEL_SEPARATOR in label for label in labels) else LABEL_SEPARATOR.join(labels)


def split_labels(text: str) -> tuple[str, ...]:
    return tuple(text.split(LABEL_SEPARATOR)) if text else ()


def spec_from_settings() -> MatrixSpec:
    """The matrix the settings now describe (labels not yet checked against its shape)."""
    v = state.value
    if v("source") == "preset":
        name = v("preset")
        n = max(int(v("n")), g.SMALLEST_N.get(name, 1))  # raised with a notice by choose()
        return MatrixSpec("preset", name, n=n, cond=float(v("cond")), seed=int(v("mseed")), angle=float(v("angle")))
    return MatrixSpec(
        "text", text=v("matrix"), row_labels=split_labels(v("rows")), column_labels=split_labels(v("cols"))
    )


def _grid(text: str) -> str:
    """An editable grid of the current matrix; returns the edited matrix as text."""
    try:
        current = g.parse_matrix(text, dtype=torch.float64).numpy()  # as entered: the grid must not round it
    except g.GdInverseError as exc:
        current = np.zeros((4, 4))
        st.warning(
            frame.plain(
                f"The matrix text is not readable ({exc}), so the grid starts from a 4×4 zero matrix: edit it, or "
                "choose Paste text to correct the text."
            ),
            icon=":material/grid_off:",
        )
    rows_col, cols_col = st.columns(2)
    rows = rows_col.number_input("Rows", 1, MAX_N, current.shape[0], key=state.key("grid_rows"))
    cols = cols_col.number_input("Columns", 1, MAX_N, current.shape[1], key=state.key("grid_cols"))
    sized = np.zeros((rows, cols), dtype=np.float64)
    r, c = min(rows, current.shape[0]), min(cols, current.shape[1])
    sized[:r, :c] = current[:r, :c]
    table = pd.DataFrame(sized, columns=[str(j + 1) for j in range(cols)])
    edited = st.data_editor(table, key=state.key(f"grid_{hash(sized.tobytes())}"), hide_index=False, width="stretch")
    values = edited.to_numpy(dtype=np.float64, na_value=0.0)
    if np.array_equal(values, current) or not np.isfinite(values).all():
        return text  # nothing edited: the text stays as typed (1/3 stays 1/3; unreadable text is kept to correct)
    return g.format_matrix(torch.from_numpy(values), decimals=None)


def choose(*, heading: str = "Matrix M") -> MatrixSpec:
    """Draw the matrix chooser at the top of the page and return the chosen matrix; stops the page if it is
    unusable."""
    first_visit = "_matrix_seen" not in st.session_state and not any(k in st.query_params for k in MATRIX_KEYS)
    st.session_state["_matrix_seen"] = True
    state.load(SETTINGS)
    raised = _raise_n()
    typed = state.value("source") == "grid"
    title = matrix.title(spec_from_settings(), typed=typed, heading=heading)
    box = state.titled_expander(title, name="chooser", first=first_visit, icon=":material/grid_view:")
    if raised:
        box.info(raised)
    _widgets(box)  # drawn closed too: a link's notice about them, and tests, find them
    state.save(SETTINGS)
    spec = spec_from_settings()
    problem = matrix.problem(spec)
    if problem is not None:
        frame.error(f"Matrix: {problem}.")
        st.stop()
    labels = matrix.labels_problem(spec)
    if labels is not None:
        st.warning(labels, icon=":material/label_off:")
        spec = spec.without_labels()
    return spec


def _raise_n() -> str | None:
    """Raise n to the smallest size the preset takes ("singular" needs n ≥ 3), and say so."""
    name, n = state.value("preset"), int(state.value("n"))
    smallest = g.SMALLEST_N.get(name, 1)
    if state.value("source") != "preset" or name not in SIZED or n >= smallest:
        return None
    st.session_state[state.key("n")] = smallest
    return f"Size n raised from {n} to {smallest}: the {name} preset needs n ≥ {smallest}."


def _widgets(box: st.delta_generator.DeltaGenerator) -> None:
    """The chooser's widgets, inside its open expander."""
    source = box.radio(
        "Source", list(MATRIX_SOURCES), format_func=MATRIX_SOURCES.get, key=state.key("source"), horizontal=True
    )
    if source == "preset":
        help_text = "\n\n".join(f"**{k}**: {v}" for k, v in matrix.PRESET_TEXT.items())
        name = box.selectbox("Preset", list(g.PRESETS), key=state.key("preset"), help=help_text)
        box.caption(matrix.PRESET_TEXT.get(name, ""))
        if name in SIZED:
            whole_number(box, "Size n", g.SMALLEST_N.get(name, 1), MAX_N, name="n")
        if name == "random":
            box.select_slider(
                "Condition number κ", options=CONDITION_NUMBERS, key=state.key("cond"), format_func=lambda v: f"{v:g}"
            )
            box.number_input("Matrix seed", 0, MAX_WIDGET_SEED, key=state.key("mseed"))
        if name == "rotation":
            box.slider("Angle (degrees)", -360.0, 360.0, step=1.0, key=state.key("angle"))
        return
    if source == "text":
        box.text_area(
            "Matrix (rows on lines or separated by ;)",
            key=state.key("matrix"),
            height=150,
            help="Entries separated by spaces or commas; fractions like 1/3 work; MATLAB, numpy, torch, "
            "LaTeX and Mathematica text and spreadsheet copies can be pasted as they are.",
        )
    else:
        with box:
            st.session_state[state.key("matrix")] = _grid(state.value("matrix"))
