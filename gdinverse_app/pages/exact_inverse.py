"""Exact inverse: torch.linalg.inv in float32 and float64 side by side, what κ guarantees, and what was measured."""

import streamlit as st

from gdinverse_app.models import exact_inverse
from gdinverse_app.requests import ExactRequest
from gdinverse_app.ui import chooser, export, frame, lessons


def _two_charts(section: exact_inverse.Section, key: str, *, boxed: bool) -> None:
    """A section of two figures side by side: its heading, its sentence (in a box or not), its charts."""
    st.subheader(section.heading)
    (st.info if boxed else st.markdown)(section.text)
    left, right = st.columns(2)
    frame.show_chart(section.left, key=key, container=left)
    frame.show_chart(section.right, key=f"{key}_check", container=right)


style = frame.page("Exact inverse")
st.markdown(
    "`torch.linalg.inv` solves for the inverse M⁻¹ directly (an LU factorisation). The check is the product "
    "**M⁻¹ @ M**, which should be the identity I. How many digits of M⁻¹ to trust depends on the **condition "
    "number** κ = σ_max/σ_min: rounding errors of relative size *eps* (1.2e-7 in float32, 2.2e-16 in float64) can "
    "grow by up to κ, so the bound guarantees about −log10(eps·κ) correct digits, and none once eps·κ ≥ 1."
)
spec = chooser.choose()
page = exact_inverse.page(ExactRequest(spec, style))
frame.show_chart(page.matrix, key="M")

if page.one_sided is not None:
    _two_charts(page.one_sided, "one_sided", boxed=True)
else:
    st.markdown(page.facts)  # one element: the sentence, then its table
    for warning in page.warnings:  # above the columns, so the two columns' figures stay level
        st.warning(warning, icon=":material/warning:")
    for column, shown in zip(st.columns(2), page.columns, strict=True):
        with column:
            st.subheader(shown.dtype)
            if shown.refused is not None:
                frame.error(shown.refused)
            for chart, name in zip(shown.charts, ("inv", "err"), strict=False):
                frame.show_chart(chart, key=f"{name}_{shown.dtype}")
    if page.comparison:
        st.info(page.comparison, icon=":material/compare_arrows:")
    if page.hint:
        st.markdown(page.hint)

if page.pseudo is not None:
    _two_charts(page.pseudo, "pinv", boxed=False)

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
