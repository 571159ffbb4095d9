"""Exact inverse: torch.linalg.inv, the check inverse @ M, and what float32 loses against float64."""

import streamlit as st

import gdinverse as g
from gdinverse_app.ui import cached, export, frame, lessons, matrix_source

frame.page("Exact inverse")
st.markdown(
    "`torch.linalg.inv` solves for the inverse directly (an LU factorisation). The check is the product "
    "**inverse @ M**, which should be the identity. How close it gets depends on the **condition number** κ: "
    "rounding errors of relative size *eps* (1.2e-7 in float32, 2.2e-16 in float64) can grow by up to κ."
)
choice = matrix_source.choose()
M = cached.matrix(choice.spec)
rows, cols = M.shape
st.plotly_chart(cached.heatmap(choice.spec, "M"), key="M")

if rows != cols:
    st.error(
        f"M is {rows}×{cols}, not square, so it has no inverse. "
        "The pseudo-inverse below is the least-squares answer: with full column rank it is a left inverse, "
        "A⁺ @ M = I."
    )
    results = {}
else:
    results, errors = {}, {}
    for dtype in ("float32", "float64"):
        try:
            results[dtype] = cached.exact(choice.spec, dtype)
        except g.GdInverseError as exc:
            errors[dtype] = str(exc)
    st.dataframe(
        {
            "": ["determinant", "condition number κ", "max |inverse @ M − I|"],
            **{
                dtype: [f"{r.determinant:.6g}", f"{r.condition_number:.4g}", f"{r.max_error:.3g}"]
                if (r := results.get(dtype))
                else ["—", "—", "no inverse"]
                for dtype in ("float32", "float64")
            },
        },
        hide_index=True,
    )
    for column, dtype in zip(st.columns(2), ("float32", "float64"), strict=True):
        with column:
            st.subheader(dtype)
            if dtype in errors:
                frame.error(errors[dtype])
                continue
            st.plotly_chart(cached.heatmap(choice.spec, "inverse", dtype), key=f"inv_{dtype}")
            st.plotly_chart(cached.heatmap(choice.spec, "product", dtype), key=f"prod_{dtype}")
    if len(results) == 2:
        ratio = results["float32"].max_error / max(results["float64"].max_error, 1e-300)
        st.info(
            f"float32 leaves an error {ratio:.3g}× larger than float64 on this matrix (κ = "
            f"{results['float64'].condition_number:.3g}). Try the Hilbert preset with n = 5 or 6 to watch "
            "float32 lose every digit."
        )

if len(results) < 2:
    st.subheader("The pseudo-inverse instead")
    st.markdown(
        "`torch.linalg.pinv` exists for every matrix: it inverts M on the directions M does not "
        "collapse and ignores the rest. It is what gradient descent from zeros finds (see Gradient descent)."
    )
    left, right = st.columns(2)
    left.plotly_chart(cached.heatmap(choice.spec, "pinv"), key="pinv")
    right.plotly_chart(cached.heatmap(choice.spec, "pinv_check"), key="pinv_check")

with st.expander("Why did the notebook print −0.0000?"):
    st.markdown(
        "The seed notebook's `torch.inverse(diag(1, 2, 3, 4))` printed `-0.0000` in its last column. "
        "Floating point has two zeros, +0 and −0: they compare equal, but a product or a subtraction that "
        "rounds to zero keeps the sign of what it came from. LU elimination computes the off-diagonal zeros "
        "of the inverse as things like `0 × (−0.25)`, which is −0. It is not an error and not a tiny negative "
        "number: `-0.0 == 0.0` is `True`. Whether it shows depends on the torch version and its LU code, "
        "which is why this app may print 0.0000 where the notebook printed −0.0000."
    )

export.buttons(lessons.exact(choice.spec), "exact_inverse")
