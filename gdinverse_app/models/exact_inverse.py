"""The Exact inverse page's model: torch.linalg.inv of M in float32 and float64, what κ guarantees in each, what
each check measured, and, where an inverse is missing, which one-sided or pseudo-inverse M has.

Every sentence is built here once from the numbers it quotes; the page draws them as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.models import matrix
from gdinverse_app.models.memo import Chart, memo
from gdinverse_app.requests import ExactRequest, MatrixSpec

DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class Column:
    """What one precision did: its inverse and that inverse's check as heatmaps, or why it has none."""

    dtype: str
    charts: tuple[Chart, ...]
    """M⁻¹ as computed, then |M⁻¹ @ M − I| on a log scale; none where the precision refused."""
    refused: str | None
    """"No inverse in float32: …" with the package's reason, or None."""


@dataclass(frozen=True)
class Section:
    """A subheading, its text, and two heatmaps side by side."""

    heading: str
    text: str
    left: Chart
    right: Chart


@dataclass(frozen=True)
class ExactPage:
    """Everything the Exact inverse page shows."""

    matrix: Chart
    facts: str
    """Markdown: κ and how it was found, the determinant, and a table of both precisions (square M), else ""."""
    warnings: tuple[str, ...]
    """Each precision's warning where the bound guarantees no digit."""
    columns: tuple[Column, ...]
    """float32 and float64 side by side (square M only)."""
    comparison: str | None
    """One sentence on what the two precisions did, whatever each did (square M only)."""
    hint: str | None
    """Where to watch float32 lose its digits (the Hilbert preset), on other matrices."""
    one_sided: Section | None
    """A non-square M's one-sided or pseudo-inverse."""
    pseudo: Section | None
    """A square M without an inverse in some precision: its pseudo-inverse."""


@dataclass(frozen=True)
class Outcome:
    """torch.linalg.inv of M in one precision: the result, or the error that refused it."""

    dtype: str
    result: g.ExactInverse | None
    error: g.SingularMatrixError | None


@memo
def outcome(spec: MatrixSpec, dtype: str) -> Outcome:
    """The exact inverse of M (as entered) in ``dtype``, or why there is none."""
    try:
        return Outcome(dtype, g.exact_inverse(matrix.spectrum(spec, dtype)), None)
    except g.SingularMatrixError as error:
        return Outcome(dtype, None, error)


def digits(result: g.ExactInverse) -> str:
    """The digits the bound guarantees, as the table and the hint write them."""
    return "none (eps·κ ≥ 1)" if result.ill_conditioned else f"{result.trusted_digits:.1f}"


def measured(error: float, eps: float) -> str:
    return "0 (exact)" if error == 0 else f"{error:.2g} ({error / eps:.3g} eps)"


REFUSED = {
    "singular": "no inverse: M is singular",
    "rounded": "no inverse: singular once rounded",
    "pivot": "no inverse: LU met a zero pivot",
    "overflow": "no inverse: it overflows",
}


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of text this model writes ("|" in a cell escaped)."""

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *map(line, rows)])


def _determinant(spectrum: g.Spectrum, det: float) -> str:
    if spectrum.singular:
        return "determinant 0"
    if det == 0:
        return "determinant ≈ 0 (below float64's smallest number, though M has full rank)"
    return f"determinant {det + 0.0:.6g}"


def facts(spec: MatrixSpec, outcomes: dict[str, Outcome]) -> str:
    """κ, how it was found, the determinant, and the table of both precisions."""
    spectrum = matrix.spectrum(spec)
    n = spectrum.shape[0]
    note = g.condition_note(spectrum.kappa_source, rank_exact=spectrum.rank_exact)
    if spectrum.singular:
        exact = "decided exactly" if spectrum.rank_exact else "numerically"
        head = f"**κ = ∞**: M has rank {spectrum.rank} of {n} ({exact}), so it is singular: it has no inverse."
    else:
        results = [o.result for o in outcomes.values() if o.result is not None]
        det = f", {_determinant(spectrum, results[0].determinant)}" if results else ""
        head = f"**κ = {matrix.kappa(spec)}** ({note}; the same κ in both precisions){det}."
    labels = ["eps of the precision", "bound eps·κ", "digits the bound guarantees", "measured max |M⁻¹ @ M − I|"]
    exact_known = any(o.result is not None and o.result.true_error is not None for o in outcomes.values())
    if exact_known:
        labels.append("measured error against the exact M⁻¹")
    cells: dict[str, list[str]] = {}
    for dtype, found in outcomes.items():
        r = found.result
        if r is None:
            reason = REFUSED[found.error.reason] if found.error is not None else "no inverse"
            cells[dtype] = [f"{torch.finfo(getattr(torch, dtype)).eps:.2g}", "—", "—", reason] + ["—"] * exact_known
        else:
            row = [f"{r.eps:.2g}", f"{r.error_bound:.2g}", digits(r), measured(r.max_error, r.eps)]
            if exact_known:
                row.append("—" if r.true_error is None else "0 (exact)" if r.true_error == 0 else f"{r.true_error:.2g}")
            cells[dtype] = row
    table = _markdown_table(["", *DTYPES], [[label, *(cells[d][i] for d in DTYPES)] for i, label in enumerate(labels)])
    return f"{head}\n\n{table}"


def comparison(spec: MatrixSpec, outcomes: dict[str, Outcome]) -> str:
    """One true sentence on what the two precisions did: refused (and why), or how their errors compare (never a
    ratio with a zero in it)."""
    spectrum = matrix.spectrum(spec)
    r32, r64 = outcomes["float32"].result, outcomes["float64"].result
    if r32 is None and r64 is None:
        if spectrum.singular:
            exact = "decided exactly" if spectrum.rank_exact else "numerically"
            return (
                f"Neither precision has an inverse: M has rank {spectrum.rank} of {spectrum.shape[0]} ({exact}), so "
                "it is singular. torch.linalg.inv would fail on some CPUs and return rounding noise on others; the "
                "pseudo-inverse below is the answer to look at."
            )
        reasons = "; ".join(f"{d}: {REFUSED[o.error.reason]}" for d, o in outcomes.items() if o.error is not None)
        return f"Neither precision gives an inverse ({reasons}). The pseudo-inverse below is the answer to look at."
    if r32 is None or r64 is None:
        missing, present = ("float32", r64) if r32 is None else ("float64", r32)
        error = outcomes[missing].error
        why = REFUSED[error.reason].removeprefix("no inverse: ") if error is not None else "refused"
        assert present is not None
        return f"{missing} has no inverse ({why}); {present.dtype} inverts M: its check measured {present.check_text}."
    e32, e64 = r32.true_error, r64.true_error
    if e32 is not None and e64 is not None:
        if e32 == 0 and e64 == 0:
            return "Both precisions give M⁻¹ exactly (against the exact inverse, every entry is right)."
        if e64 == 0:
            return f"Against the exact inverse, float32's is off by {e32:.2g} (relative) and float64's is exact."
        return (
            f"Against the exact inverse, float32's is off by {e32:.2g} and float64's by {e64:.2g} (relative): "
            f"float32's error is {e32 / e64:.2g} times float64's."
        )
    c32, c64 = r32.max_error, r64.max_error
    if c32 == 0 and c64 == 0:
        return "Both checks come out exact: max |M⁻¹ @ M − I| is 0 in float32 and in float64."
    level = 10 * spectrum.shape[0]
    if c32 <= level * r32.eps and c64 <= level * r64.eps:
        return (
            f"Both at rounding level (within 10·n = {level} eps of each precision): max |M⁻¹ @ M − I| is "
            f"{measured(c32, r32.eps)} in float32 and {measured(c64, r64.eps)} in float64."
        )
    if c64 == 0:
        return f"float32 leaves max |M⁻¹ @ M − I| = {c32:.2g}; float64's check comes out exact (0)."
    if c32 == 0:
        return f"float32's check comes out exact (0); float64 leaves max |M⁻¹ @ M − I| = {c64:.2g}."
    return (
        f"float32 leaves max |M⁻¹ @ M − I| = {c32:.2g}, float64 {c64:.2g}: float32's residual is {c32 / c64:.2g} "
        "times float64's."
    )


def _column(spec: MatrixSpec, found: Outcome, style: str, top: float, floor: float, zmax: float | None) -> Column:
    """One precision's inverse and its check, side by side with the other precision's (``zmax``: the inverses'
    shared colour scale, None for the inverse's own)."""
    r = found.result
    if r is None:
        return Column(found.dtype, (), f"No inverse in {found.dtype}: {found.error}")
    rows, cols = list(spec.row_labels) or None, list(spec.column_labels) or None
    # "M⁻¹" only where M is known to have one: past exact arithmetic's sizes, with κ unresolved, it may be singular
    name = "M⁻¹" if r.condition_resolved else "inv(M)"
    title = f"{name} in {found.dtype}" + ("" if r.condition_resolved else ": not a trusted M⁻¹")
    inverse = plots.heatmap(r.inverse, title=title, zmax=zmax, x_labels=rows, y_labels=cols, style=style, per_row=2)
    caption = f"Heatmap of {name} as torch.linalg.inv computed it in {found.dtype}: entries {matrix.span(r.inverse)}"
    if zmax is not None:
        caption += (
            f", on a colour scale shared by both precisions, from −{zmax:.3g} (blue) to {zmax:.3g} (red): a colour "
            "is the same value in both"
        )
    caption += "."
    check = plots.error_heatmap(
        r.residual, title=f"|{name} @ M − I| in {found.dtype}", eps=floor, top=top, x_labels=cols, y_labels=cols,
        style=style, per_row=2,
    )  # fmt: skip
    check_caption = (
        f"|{name} @ M − I| in {found.dtype} on a log colour scale shared by both precisions: white at {floor:.1e} "
        f"(float64's eps) or below, darkest at {top:.1e}. Here the largest is {r.max_error:.2g}."
    )
    return Column(found.dtype, (Chart.of(inverse, caption), Chart.of(check, check_caption)), None)


def _inverse_scale(outcomes: dict[str, Outcome]) -> float | None:
    """The colour scale both precisions' inverses share: ± the larger largest finite |entry|; None unless both
    precisions have an inverse (one alone keeps its own scale)."""
    results = [o.result for o in outcomes.values() if o.result is not None]
    if len(results) < 2:
        return None
    return max(*(matrix.largest_entry(r.inverse) for r in results), float(torch.finfo(torch.float64).tiny))


def _error_scale(outcomes: dict[str, Outcome]) -> tuple[float, float]:
    """The colour scale both precisions' check heatmaps share, (top, bottom): from float64's eps (white) to the
    larger measured max |M⁻¹ @ M − I| (at least 10·eps), so float32's lost digits show as colour."""
    floor = float(torch.finfo(torch.float64).eps)
    errors = [o.result.max_error for o in outcomes.values() if o.result is not None]
    finite = [e for e in errors if math.isfinite(e)]
    return max([10 * floor, *finite]), floor


HILBERT_SIZES = (5, 6, 8)


def hilbert_hint() -> str | None:
    """Where to watch float32 lose its digits: what the bound guarantees each precision for Hilbert 5, 6 and 8
    (the digits the Hilbert pages' own tables show)."""
    said = {}
    for dtype in DTYPES:
        shown = []
        for n in HILBERT_SIZES:
            found = outcome(MatrixSpec("preset", "hilbert", n=n), dtype)
            if found.result is None:
                return None
            shown.append("none" if found.result.ill_conditioned else f"{found.result.trusted_digits:.1f}")
        said[dtype] = f"{shown[0]} digits at n = 5, {shown[1]} at n = 6 and {shown[2]} at n = 8"
    return (
        "Try the **Hilbert** preset with n = 5, 6 and 8 to watch float32 lose its digits: the bound guarantees "
        f"float32 {said['float32']}; float64 {said['float64']}. The error heatmaps darken."
    )


def _one_sided(spec: MatrixSpec, style: str) -> Section:
    found = g.one_sided_inverse(matrix.spectrum(spec), dtype="float64")
    rows, cols = found.matrix.shape
    names = {"left": "a left inverse", "right": "a right inverse", "pseudo": "no left or right inverse"}
    X = found.inverse
    if found.kind == "pseudo":
        check = "M⁺ @ M"
        what = (
            f"It is not I: it is the projection onto M's row space, of rank {found.rank}; M⁺ gives the least-squares "
            "solution of least norm."
        )
    else:
        check = "M⁺ @ M" if found.kind == "left" else "M @ M⁺"
        what = f"It should be I: max |{check} − I| = {found.max_error:.2g}, computed in float64."
    row_labels, col_labels = list(spec.row_labels) or None, list(spec.column_labels) or None
    left = plots.heatmap(X, title=f"M⁺ ({X.shape[0]}×{X.shape[1]})", x_labels=row_labels, y_labels=col_labels,
                         style=style, per_row=2)  # fmt: skip
    labels = row_labels if found.kind == "right" else col_labels
    right = plots.heatmap(found.product, title=check, x_labels=labels, y_labels=labels, style=style, per_row=2)
    return Section(
        f"M is {rows}×{cols}, not square: it has {names[found.kind]}",
        found.description,
        Chart.of(
            left, f"Heatmap of M⁺ = the pseudo-inverse of M, {X.shape[0]}×{X.shape[1]}: entries {matrix.span(X, 3)}."
        ),
        Chart.of(right, f"{check}. {what}"),
    )


def _pseudo(spec: MatrixSpec, style: str) -> Section:
    spectrum = matrix.spectrum(spec)
    found = g.one_sided_inverse(spectrum, dtype="float64")
    n = spectrum.shape[0]
    exact = "decided exactly" if spectrum.rank_exact else "numerical: singular values above max(m, k)·eps·σ_max"
    text = (
        f"M has rank {found.rank} of {n} ({exact}). The pseudo-inverse exists for every matrix: it inverts M on the "
        "directions M keeps and gives 0 on the rest — the least-squares answer of least norm. It is what gradient "
        "descent from zeros finds (see Gradient descent)."
    )
    symbol = "M⁻¹" if found.kind == "inverse" else "M⁺"
    X = found.inverse
    left = plots.heatmap(X, title=symbol, style=style, per_row=2)
    right = plots.heatmap(found.product, title=f"{symbol} @ M", style=style, per_row=2)
    check = (
        f"the projection onto M's row space (rank {found.rank}), not I."
        if found.kind == "pseudo"
        else f"I up to max |{symbol} @ M − I| = {found.max_error:.2g}."
    )
    heading = "The pseudo-inverse M⁺" if found.kind == "pseudo" else "M⁻¹ in exact arithmetic, in float64"
    return Section(
        heading,
        text,
        Chart.of(left, f"Heatmap of {symbol} in float64: entries {matrix.span(X)}."),
        Chart.of(right, f"{symbol} @ M: {check}"),
    )


@memo
def inverse_chart(spec: MatrixSpec, dtype: str, style: str = "desk") -> Chart | None:
    """M⁻¹ as computed in ``dtype`` alone (the lecture's step), on its own colour scale; None if it has none."""
    found = outcome(spec, dtype)
    if found.result is None:
        return None
    return _column(spec, found, style, *_error_scale({dtype: found}), None).charts[0]


@memo
def page(request: ExactRequest) -> ExactPage:
    """The Exact inverse page for ``request``."""
    spec, style = request.matrix, request.style
    shown = matrix.heatmap(spec, style)
    rows, cols = matrix.values(spec).shape
    if rows != cols:
        return ExactPage(shown, "", (), (), None, None, _one_sided(spec, style), None)
    outcomes = {dtype: outcome(spec, dtype) for dtype in DTYPES}
    top, floor = _error_scale(outcomes)
    zmax = _inverse_scale(outcomes)
    columns = tuple(_column(spec, outcomes[dtype], style, top, floor, zmax) for dtype in DTYPES)
    warnings = tuple(o.result.warning for o in outcomes.values() if o.result is not None and o.result.warning)
    is_hilbert = spec.source == "preset" and spec.preset == "hilbert"
    missing = any(o.result is None for o in outcomes.values())
    return ExactPage(
        matrix=shown,
        facts=facts(spec, outcomes),
        warnings=warnings,
        columns=columns,
        comparison=comparison(spec, outcomes),
        hint=None if is_hilbert else hilbert_hint(),
        one_sided=None,
        pseudo=_pseudo(spec, style) if missing or matrix.spectrum(spec).singular else None,
    )
