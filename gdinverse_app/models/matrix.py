"""The chosen matrix, analysed once per precision: its values as entered, its spectrum, the inverse a learned X
is compared with, and what the chooser says of it (its name, κ, and a caption for its heatmap)."""

from __future__ import annotations

import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.models.memo import Chart, memo
from gdinverse_app.requests import MatrixSpec
from gdinverse_app.settings import MAX_N

MAX_TEXT = 100_000
"""Longest matrix text accepted, in characters (a 128×128 matrix at full precision is about 200 kB... of which
no one types more than a few kB)."""

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


@memo
def values(spec: MatrixSpec) -> torch.Tensor:
    """The matrix as entered, in float64 (:class:`gdinverse.GdInverseError` if it cannot be read)."""
    return spec.build("float64")


@memo
def spectrum(spec: MatrixSpec, dtype: str = "float64") -> g.Spectrum:
    """The matrix analysed for ``dtype``: one SVD of it as entered (shared by both precisions) and one of it
    rounded to ``dtype``."""
    if dtype == "float64":
        return g.Spectrum.of(values(spec), dtype="float64")
    return g.Spectrum.of(values(spec), dtype=dtype, entered=spectrum(spec).entered)


@memo
def bounds(spec: MatrixSpec, dtype: str = "float32") -> g.LrBounds:
    """The learning rates of plain descent in ``dtype`` (:func:`gdinverse.lr_bounds` of :func:`spectrum`)."""
    return g.lr_bounds(spectrum(spec, dtype))


def size(spec: MatrixSpec) -> int:
    """The matrix's larger dimension, max(rows, columns): the n of an n×n matrix."""
    return max(values(spec).shape)


def kappa(spec: MatrixSpec) -> str:
    """κ of the matrix as entered, as every page writes it (``g.format_condition``): ∞ exactly when singular."""
    return g.format_condition(spectrum(spec).condition_number)


@memo
def reference(spec: MatrixSpec) -> tuple[str, torch.Tensor]:
    """What a learned X is compared with, in float64 (:func:`gdinverse.best_inverse` of the matrix as entered):
    its exact inverse where it has one, else its pseudo-inverse."""
    return g.best_inverse(spectrum(spec))


def reference_symbol(name: str) -> str:
    """M⁻¹ for the exact inverse, M⁺ for the pseudo-inverse."""
    return "M⁻¹" if name == "exact inverse" else "M⁺"


def text_problem(text: str) -> str | None:
    """Why the app refuses this matrix text before reading it, if it does."""
    if len(text) > MAX_TEXT:
        return f"the text is {len(text):,} characters; the app takes at most {MAX_TEXT:,} — paste a smaller matrix"
    rows = sum(1 for line in text.replace(";", "\n").splitlines() if line.strip())
    if rows > MAX_N:
        return f"the text has {rows:,} rows; the app handles at most {MAX_N} — use the package for bigger matrices"
    return None


def problem(spec: MatrixSpec) -> str | None:
    """Why the app cannot show this matrix (unreadable, too big, or not representable in float32, in which every
    page computes too), or None."""
    if spec.source == "text" and (why := text_problem(spec.text)):
        return why
    try:
        M = values(spec)
    except g.GdInverseError as exc:
        return str(exc)
    if max(M.shape) > MAX_N:
        return f"it is {M.shape[0]}×{M.shape[1]}; the app handles at most {MAX_N} rows and columns"
    try:
        g.as_matrix(M, dtype="float32")
    except g.GdInverseError as exc:
        return str(exc).removesuffix(" or use float64") + " (the pages here compute in float32 too)"
    return None


def describe(spec: MatrixSpec, typed: bool = False) -> str:
    """A short name of the matrix: "diag(1, 2, 3, 4)", "Hilbert 6×6", "pasted 2×3", "typed 3×3"."""
    rows, cols = values(spec).shape
    size = f"{rows}×{cols}"
    if spec.source != "preset":
        return f"{'typed' if typed else 'pasted'} {size}"
    return {
        "diag1234": "diag(1, 2, 3, 4)",
        "identity": f"identity {size}",
        "hilbert": f"Hilbert {size}",
        "rotation": f"rotation {size} by {spec.angle:g}°",
        "singular": f"singular {size}",
        "random": f"random {size} (seed {spec.seed})",
        "indicator": f"the seed's {size} indicator matrix",
    }[spec.preset]


def title(spec: MatrixSpec, *, typed: bool = False, heading: str = "Matrix M") -> str:
    """The chooser's title: "Matrix M: Hilbert 6×6 · κ = 1.5e+07", or why the matrix cannot be shown yet."""
    if spec.source == "text" and text_problem(spec.text):
        return f"{heading}: (too big to read)"
    if problem(spec) is not None:
        try:
            rows, cols = values(spec).shape
        except g.GdInverseError:
            return f"{heading}: (not readable yet)"
        return f"{heading}: {rows}×{cols} (cannot be shown)"
    return f"{heading}: {describe(spec, typed)} · κ = {kappa(spec)}"


def labels_problem(spec: MatrixSpec) -> str | None:
    """Why the spec's row and column labels do not fit its matrix (then none are shown), or None."""
    rows, cols = values(spec).shape
    wrong = [
        f"{len(given)} {what} labels for {count} {what}s"
        for given, count, what in ((spec.row_labels, rows, "row"), (spec.column_labels, cols, "column"))
        if given and len(given) != count
    ]
    if not wrong:
        return None
    return (
        f"The matrix is now {rows}×{cols}, but the link carries {' and '.join(wrong)}: they no longer fit, so no "
        "labels are shown."
    )


def largest_entry(values: torch.Tensor) -> float:
    """The largest finite |entry| of a tensor: 0 when it has none (empty, or all inf or NaN)."""
    finite = values[torch.isfinite(values)].abs()
    return float(finite.max()) if finite.numel() else 0.0


def span(values: torch.Tensor, digits: int = 4) -> str:
    """ "from <smallest> to <largest>" of a tensor's entries (−0 shown as 0: "from -0" reads as negative)."""
    low, high = float(values.min()) + 0.0, float(values.max()) + 0.0
    return f"from {low:.{digits}g} to {high:.{digits}g}"


@memo
def heatmap(spec: MatrixSpec, style: str = "desk") -> Chart:
    """M as a heatmap with its labels, and a caption: its size, range of entries, κ and labels."""
    M = values(spec)
    rows, cols = (list(spec.row_labels) or None), (list(spec.column_labels) or None)
    figure = plots.heatmap(M, title=f"M ({M.shape[0]}×{M.shape[1]})", x_labels=cols, y_labels=rows, style=style)
    named = ""
    for what, given in (("Rows", spec.row_labels), ("Columns", spec.column_labels)):
        if given:
            named += f" {what}: {', '.join(given[:8])}" + (", …" if len(given) > 8 else ".")
    caption = (
        f"Heatmap of M, {M.shape[0]}×{M.shape[1]}: entries {span(M)} (red positive, blue negative, white 0); "
        f"condition number κ = {kappa(spec)}.{named}"
    )
    return Chart.of(figure, caption)
