"""Exact inverse: torch.linalg.inv in float32 and float64 side by side, what κ guarantees, and what was measured."""

import math

import streamlit as st

import gdinverse as g
from gdinverse_app.ui import cached, export, frame, lessons, matrix_source
from gdinverse_app.ui.spec import MatrixSpec

DTYPES = ("float32", "float64")

frame.page("Exact inverse")
st.markdown(
    "`torch.linalg.inv` solves for the inverse M⁻¹ directly (an LU factorisation). The check is the product "
    "**M⁻¹ @ M**, which should be the identity I. How many digits of M⁻¹ to trust depends on the **condition "
    "number** κ = σ_max/σ_min: rounding errors of relative size *eps* (1.2e-7 in float32, 2.2e-16 in float64) can "
    "grow by up to κ, so the bound guarantees about −log10(eps·κ) correct digits, and none once eps·κ ≥ 1."
)
choice = matrix_source.choose()
spec = choice.spec
M = cached.matrix(spec)
rows, cols = M.shape
kappa = cached.condition_text(spec)
found = cached.one_sided(spec)
frame.show_chart(cached.heatmap(spec, "M"), key="M", caption=matrix_source.matrix_caption(spec))


def digits(result: g.ExactInverse) -> str:
    if result.ill_conditioned:
        return "none (eps·κ ≥ 1)"
    return f"{result.trusted_digits:.1f}"


def measured(error: float, eps: float) -> str:
    return "0 (exact)" if error == 0 else f"{error:.2g} ({error / eps:.3g} eps)"


def comparison(r32: g.ExactInverse, r64: g.ExactInverse) -> str:
    """One true sentence comparing the two measured errors (never a ratio with a zero in it)."""
    e32, e64 = r32.max_error, r64.max_error
    if not r64.condition_resolved:
        return (
            "Neither result is an inverse to compare: M is singular or too close to singular for float64 to tell, "
            f"and what torch.linalg.inv returned leaves max |inv(M) @ M − I| = {e32:.2g} in float32 and {e64:.2g} "
            "in float64. The pseudo-inverse below is the answer to look at."
        )
    if e32 == 0 and e64 == 0:
        return "Both checks come out exact: max |M⁻¹ @ M − I| is 0 in float32 and in float64."
    level = 10 * rows
    if e32 <= level * r32.eps and e64 <= level * r64.eps:
        return (
            f"Both at rounding level (within 10·n = {level} eps of each precision): max |M⁻¹ @ M − I| is "
            f"{measured(e32, r32.eps)} in float32 and {measured(e64, r64.eps)} in float64."
        )
    if e64 == 0:
        return f"float32 leaves max |M⁻¹ @ M − I| = {e32:.2g}; float64's check comes out exact (0)."
    if e32 == 0:
        return f"float32's check comes out exact (0); float64 leaves max |M⁻¹ @ M − I| = {e64:.2g}."
    return (
        f"float32 leaves max |M⁻¹ @ M − I| = {e32:.2g}, float64 {e64:.2g}: float32's error is "
        f"{e32 / e64:.2g} times float64's."
    )


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of text this page writes ("|" in a cell escaped): four rows need no data grid, whose
    browser code a first visit would otherwise download."""

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *map(line, rows)])


INACCURATE = 0.01
"""A measured max |M⁻¹ @ M − I| from which the page says the inverse is not accurate (not "it may still be")."""


def warning(result: g.ExactInverse) -> str:
    measured_error = f"max |M⁻¹ @ M − I| = {result.max_error:.2g}"
    if not result.condition_resolved:
        return (
            f"κ = {kappa} is beyond what float64 can resolve: M is singular or too close to singular to tell. No "
            f"digit of what torch.linalg.inv returned in {result.dtype} is guaranteed to be M⁻¹'s (the check "
            f"measured max |inv(M) @ M − I| = {result.max_error:.2g}). The pseudo-inverse below treats M as singular."
        )
    if result.max_error >= INACCURATE:
        verdict = f"And it is not accurate: the check measured {measured_error}."
    else:
        verdict = f"It may still be accurate — the check measured {measured_error}."
    return (
        f"Ill-conditioned in {result.dtype}: eps·κ = {result.error_bound:.2g} ≥ 1, so the bound guarantees no "
        f"correct digit of this inverse. {verdict}"
    )


if rows != cols:
    names = {"left": "a left inverse", "right": "a right inverse", "pseudo": "no left or right inverse"}
    st.subheader(f"M is {rows}×{cols}, not square: it has {names[found.kind]}")
    st.info(found.description)
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
    left, right = st.columns(2)
    frame.show_chart(
        cached.heatmap(spec, "one_sided"),
        key="one_sided",
        container=left,
        caption=f"Heatmap of M⁺ = torch.linalg.pinv(M), {X.shape[0]}×{X.shape[1]}: entries {frame.span(X, 3)}.",
    )
    frame.show_chart(
        cached.heatmap(spec, "one_sided_check"), key="one_sided_check", container=right, caption=f"{check}. {what}"
    )
else:
    results: dict[str, g.ExactInverse] = {}
    errors: dict[str, str] = {}
    for dtype in DTYPES:
        try:
            results[dtype] = cached.exact(spec, dtype)
        except g.GdInverseError as exc:
            errors[dtype] = str(exc)
    det = next(iter(results.values())).determinant if results else math.nan
    facts = f"**κ = {kappa}** (σ_max/σ_min of M as entered, computed in float64; the same κ in both precisions)" + (
        f", determinant {det + 0.0:.6g}." if results else "."
    )
    cells = {
        dtype: [f"{r.eps:.2g}", f"{r.error_bound:.2g}", digits(r), measured(r.max_error, r.eps)]
        if (r := results.get(dtype))
        else ["—", "—", "—", "no inverse: LU broke down"]
        for dtype in DTYPES
    }
    labels = ["eps of the precision", "bound eps·κ", "digits the bound guarantees", "measured max |M⁻¹ @ M − I|"]
    table = markdown_table(["", *DTYPES], [[label, *(cells[d][i] for d in DTYPES)] for i, label in enumerate(labels)])
    st.markdown(f"{facts}\n\n{table}")  # one element: the sentence, then its table
    for result in results.values():  # above the columns, so the two columns' figures stay level
        if result.ill_conditioned:
            st.warning(warning(result), icon=":material/warning:")
    for dtype, message in errors.items():
        frame.error(f"{dtype}: {message}")
    for column, dtype in zip(st.columns(2), DTYPES, strict=True):
        with column:
            st.subheader(dtype)
            if dtype in errors:
                st.markdown(f"No inverse in {dtype}: LU elimination broke down (see the error above).")
                continue
            result = results[dtype]
            inverse = result.inverse
            what = (
                f"what torch.linalg.inv returned in {dtype} (M is singular or too close to singular for float64 to "
                "tell: no digit of it is guaranteed to be M⁻¹'s)"
                if not result.condition_resolved
                else f"M⁻¹ in {dtype}"
            )
            frame.show_chart(
                cached.heatmap(spec, "inverse", dtype),
                key=f"inv_{dtype}",
                caption=f"Heatmap of {what}: entries {frame.span(inverse)}.",
            )
            top, floor = cached.error_scale(spec)
            frame.show_chart(
                cached.heatmap(spec, "error", dtype),
                key=f"err_{dtype}",
                caption=f"|M⁻¹ @ M − I| in {dtype} on a log colour scale shared by both precisions: white at "
                f"{floor:.1e} (float64's eps) or below, darkest at {top:.1e}. Here the largest is "
                f"{result.max_error:.2g}.",
            )
    if len(results) == 2:
        st.info(comparison(results["float32"], results["float64"]), icon=":material/compare_arrows:")
    if not (spec.source == "preset" and spec.preset == "hilbert"):
        hilbert = {}
        for n in (5, 6, 8):
            try:
                hilbert[n] = [cached.exact(MatrixSpec("preset", "hilbert", n=n), dtype) for dtype in DTYPES]
            except g.GdInverseError:
                continue
        if len(hilbert) == 3:
            guaranteed = {  # "1.2 digits at n = 5, none at n = 6 and none at n = 8"
                dtype: "{} digits at n = 5, {} at n = 6 and {} at n = 8".format(
                    *(digits(pair[i]).split(" (")[0] for pair in hilbert.values())
                )
                for i, dtype in enumerate(DTYPES)
            }
            st.markdown(
                "Try the **Hilbert** preset with n = 5, 6 and 8 to watch float32 lose its digits: the bound "
                f"guarantees float32 {guaranteed['float32']}; float64 {guaranteed['float64']}. The error heatmaps "
                "darken."
            )

if rows == cols and (found.kind != "inverse" or len(results) < 2):
    st.subheader("The pseudo-inverse M⁺")
    st.markdown(
        f"M has numerical rank {found.rank} of {rows}. `torch.linalg.pinv` exists for every matrix: it inverts M "
        "on the directions M keeps (singular values above rounding level) and gives 0 on the rest — the "
        "least-squares answer of least norm. It is what gradient descent from zeros finds (see Gradient descent)."
    )
    X = found.inverse
    left, right = st.columns(2)
    symbol = "M⁻¹" if found.kind == "inverse" else "M⁺"
    frame.show_chart(
        cached.heatmap(spec, "one_sided"),
        key="pinv",
        container=left,
        caption=f"Heatmap of {symbol} in float64: entries {frame.span(X)}.",
    )
    frame.show_chart(
        cached.heatmap(spec, "one_sided_check"),
        key="pinv_check",
        container=right,
        caption=f"{symbol} @ M: "
        + (
            f"the projection onto M's row space (rank {found.rank}), not I."
            if found.kind == "pseudo"
            else f"I up to max |{symbol} @ M − I| = {found.max_error:.2g}."
        ),
    )

with st.expander("Why did the notebook print −0.0000?"):
    st.markdown(
        "The seed notebook's `torch.inverse(diag(1, 2, 3, 4))` printed `-0.0000` in its last column. "
        "Floating point has two zeros, +0 and −0: they compare equal, but a product or a subtraction that "
        "rounds to zero keeps the sign of what it came from. LU elimination computes the off-diagonal zeros "
        "of the inverse as things like `0 × (−0.25)`, which is −0. It is not an error and not a tiny negative "
        "number: `-0.0 == 0.0` is `True`. Whether it shows depends on the torch version and its LU code, "
        "which is why this app may print 0.0000 where the notebook printed −0.0000."
    )

export.section(lambda: lessons.exact(spec), "exact_inverse")
