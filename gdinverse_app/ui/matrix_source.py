"""The matrix chooser every matrix page shares: a preset, an editable grid, or pasted text, with optional labels.

It is drawn in the page itself (not the sidebar), in an expander titled with the matrix and its condition
number — "Matrix M: Hilbert 6×6 · κ = 1.5e+07" — so a phone reaches it without opening the sidebar. The
expander is open on a first visit whose link names no matrix. Row and column labels (an indicator matrix's
documents and words) travel with the matrix as the link's ``rows`` and ``cols``; labels that no longer fit the
matrix are dropped with a notice, never shown on the wrong rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch

import gdinverse as g
from gdinverse_app.ui import cached, frame, settings
from gdinverse_app.ui.settings import MAX_WIDGET_SEED, Setting
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
LABEL_SEPARATOR = ","
"""Labels are written into the link joined by commas (document names and tokenized words hold none)."""

PRESET_TEXT = {
    "diag1234": "The seed notebook's diag(1, 2, 3, 4); its inverse is diag(1, 1/2, 1/3, 1/4).",
    "identity": "The n×n identity matrix, its own inverse.",
    "hilbert": "The Hilbert matrix 1/(i+j−1): famously ill-conditioned, κ grows about 30-fold with each n.",
    "rotation": "A rotation by an angle in each pair of coordinates: its inverse is its transpose (κ = 1).",
    "singular": "The n×n matrix of 1, 2, …, n² row by row (n ≥ 3): rank 2, so it has no inverse.",
    "random": "A random n×n matrix with a chosen condition number and seed.",
    "indicator": "The seed's 17×3 word/document indicator matrix: not square, it has a left inverse.",
}
"""What each preset is (the condition number itself is measured and shown in the chooser's title)."""

SETTINGS = (
    Setting("source", "preset", choices=tuple(SOURCES)),
    Setting("preset", "diag1234", choices=tuple(g.PRESETS)),
    Setting("n", 4, low=1, high=MAX_N),
    Setting("cond", 10.0, options=CONDITION_NUMBERS),
    Setting("mseed", 0, low=0, high=MAX_WIDGET_SEED),
    Setting("angle", 30.0, low=-360.0, high=360.0),
    Setting("matrix", DEFAULT_TEXT),
    Setting("rows", ""),
    Setting("cols", ""),
)
MATRIX_KEYS = (*(setting.key for setting in SETTINGS), "lesson")
"""The link parameters that name a matrix (a lesson does too): with none of them, a first visit opens the chooser."""


@dataclass(frozen=True)
class Choice:
    """The chosen matrix as plain values: ``spec`` keys every cached computation on it."""

    spec: MatrixSpec


def join_labels(labels: tuple[str, ...] | list[str]) -> str:
    """Labels as one link parameter; "" when any label holds the separator (then the link carries none)."""
    return "" if any(LABEL_SEPARATOR in label for label in labels) else LABEL_SEPARATOR.join(labels)


def split_labels(text: str) -> tuple[str, ...]:
    return tuple(text.split(LABEL_SEPARATOR)) if text else ()


def describe(spec: MatrixSpec, shape: tuple[int, ...] | None) -> str:
    """A short name of the matrix for the chooser's title: "diag(1, 2, 3, 4)", "Hilbert 6×6", "pasted 2×3"."""
    size = "" if shape is None else f"{shape[0]}×{shape[1]}"
    if spec.source != "preset":
        return f"pasted {size}".strip()
    return {
        "diag1234": "diag(1, 2, 3, 4)",
        "identity": f"identity {size}",
        "hilbert": f"Hilbert {size}",
        "rotation": f"rotation {size} by {spec.angle:g}°",
        "singular": f"singular {size}",
        "random": f"random {size} (seed {spec.seed})",
        "indicator": f"the seed's {size} indicator matrix",
    }[spec.preset]


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
    rows = rows_col.number_input("Rows", 1, MAX_N, current.shape[0], key="grid_rows")
    cols = cols_col.number_input("Columns", 1, MAX_N, current.shape[1], key="grid_cols")
    sized = np.zeros((rows, cols), dtype=np.float64)
    r, c = min(rows, current.shape[0]), min(cols, current.shape[1])
    sized[:r, :c] = current[:r, :c]
    table = pd.DataFrame(sized, columns=[str(j + 1) for j in range(cols)])
    edited = st.data_editor(table, key=f"grid_{hash(sized.tobytes())}", hide_index=False, width="stretch")
    values = edited.to_numpy(dtype=np.float64, na_value=0.0)
    if np.array_equal(values, current) or not np.isfinite(values).all():
        return text  # nothing edited: the text stays as typed (1/3 stays 1/3; unreadable text is kept to correct)
    return g.format_matrix(torch.from_numpy(values), decimals=None)


def _spec_from_state() -> MatrixSpec:
    """The matrix the widgets' current values describe (labels not yet checked against its shape)."""
    state = st.session_state
    if state.source == "preset":
        name = state.preset
        n = max(int(state.n), g.SMALLEST_N.get(name, 1))  # raised with a notice by choose()
        return MatrixSpec("preset", name, n=n, cond=float(state.cond), seed=int(state.mseed), angle=float(state.angle))
    return MatrixSpec(
        "text", text=state.matrix, row_labels=split_labels(state.rows), column_labels=split_labels(state.cols)
    )


def _title(spec: MatrixSpec, title: str) -> str:
    """The expander's title: the matrix's name and its condition number, or just the title if it is unusable."""
    if spec.source == "text" and _check_text(spec.text):
        return f"{title}: (too big to read)"
    try:
        shape = tuple(cached.matrix(spec).shape)
    except g.GdInverseError:
        return f"{title}: (not readable yet)"
    if max(shape) > MAX_N:
        return f"{title}: {shape[0]}×{shape[1]} (too big)"
    name = describe(spec, shape) if st.session_state.source != "grid" else f"typed {shape[0]}×{shape[1]}"
    return f"{title}: {name} · κ = {cached.condition_text(spec)}"


def choose(*, title: str = "Matrix M", show_matrix: bool = False) -> Choice:
    """Draw the matrix chooser at the top of the page and return the choice; stops the page if it is unusable.

    ``show_matrix`` draws M as a heatmap (with its labels) inside the chooser, for pages that show it nowhere else.
    """
    first_visit = "_matrix_seen" not in st.session_state and not any(k in st.query_params for k in MATRIX_KEYS)
    st.session_state["_matrix_seen"] = True
    settings.load(SETTINGS)
    settings.hold([setting.key for setting in SETTINGS])
    box = st.expander(_title(_spec_from_state(), title), expanded=first_visit, icon=":material/grid_view:")
    source = box.radio("Source", list(SOURCES), format_func=SOURCES.get, key="source", horizontal=True)
    if source == "preset":
        name = box.selectbox(
            "Preset", list(g.PRESETS), key="preset", help="\n\n".join(f"**{k}**: {v}" for k, v in PRESET_TEXT.items())
        )
        box.caption(PRESET_TEXT.get(name, ""))
        if name in SIZED:
            smallest = g.SMALLEST_N.get(name, 1)
            if st.session_state.n < smallest:
                box.info(
                    f"Size n raised from {st.session_state.n} to {smallest}: the {name} preset needs n ≥ {smallest}."
                )
                st.session_state.n = smallest
            box.slider("Size n", smallest, MAX_N, key="n")
        if name == "random":
            box.select_slider(
                "Condition number κ", options=CONDITION_NUMBERS, key="cond", format_func=lambda v: f"{v:g}"
            )
            box.number_input("Matrix seed", 0, MAX_WIDGET_SEED, key="mseed")
        if name == "rotation":
            box.slider("Angle (degrees)", -360.0, 360.0, step=1.0, key="angle")
    else:
        if source == "text":
            box.text_area(
                "Matrix (rows on lines or separated by ;)",
                key="matrix",
                height=150,
                help="Entries separated by spaces or commas; fractions like 1/3 work; MATLAB, numpy, torch, "
                "LaTeX and Mathematica text and spreadsheet copies can be pasted as they are.",
            )
        else:
            with box:
                st.session_state.matrix = _grid(st.session_state.matrix)
        problem = _check_text(st.session_state.matrix)
        if problem:
            settings.save(SETTINGS)
            frame.error(f"Matrix: {problem}.")
            st.stop()
    settings.save(SETTINGS)
    spec = _spec_from_state()
    try:
        shape = tuple(cached.matrix(spec).shape)
    except g.GdInverseError as exc:
        frame.error(f"Matrix: {_float32_remedy(spec, str(exc))}.")
        st.stop()
    if max(shape) > MAX_N:
        st.error(f"Matrix: it is {shape[0]}×{shape[1]}; the app handles at most {MAX_N} rows and columns.")
        st.stop()
    spec = _fit_labels(spec, shape, box)
    if show_matrix:
        box.plotly_chart(cached.heatmap(spec, "M"), key="chooser_M")
        box.caption(matrix_caption(spec))
    return Choice(spec=spec)


def _float32_remedy(spec: MatrixSpec, message: str) -> str:
    """The package's message for a matrix float32 cannot hold, with the remedy this app offers: every page computes
    in float32 too, so "or use float64" cannot be followed here (the package takes it in float64)."""
    try:
        cached.matrix(spec, "float64")
    except g.GdInverseError:
        return message
    return message.removesuffix(" or use float64") + " (the pages here compute in float32 too)"


def _fit_labels(spec: MatrixSpec, shape: tuple[int, ...], box: st.delta_generator.DeltaGenerator) -> MatrixSpec:
    """``spec`` with its labels if they fit ``shape``; otherwise without them, and a notice that says why."""
    rows, cols = spec.row_labels, spec.column_labels
    if not rows and not cols:
        return spec
    wrong = [
        f"{len(given)} {what} labels for {count} {what}s"
        for given, count, what in ((rows, shape[0], "row"), (cols, shape[1], "column"))
        if given and len(given) != count
    ]
    if not wrong:
        return spec
    st.warning(
        f"The matrix is now {shape[0]}×{shape[1]}, but the link carries {' and '.join(wrong)}: they no longer "
        "fit, so no labels are shown.",
        icon=":material/label_off:",
    )
    return MatrixSpec("text", text=spec.text)


def matrix_caption(spec: MatrixSpec) -> str:
    """A text alternative for the heatmap of M: its size, range of entries, κ and labels."""
    M = cached.matrix(spec, "float64")
    labels = ""
    for what, given in (("Rows", spec.row_labels), ("Columns", spec.column_labels)):
        if given:
            labels += f" {what}: {frame.plain(', '.join(given[:8]))}" + (", …" if len(given) > 8 else ".")
    return (
        f"Heatmap of M, {M.shape[0]}×{M.shape[1]}: entries {frame.span(M)} "
        f"(red positive, blue negative, white 0); condition number κ = {cached.condition_text(spec)}.{labels}"
    )
