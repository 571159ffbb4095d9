"""Gradient descent: learn the inverse step by step, watch the residual shrink, and see why the lr has a limit."""

import streamlit as st

from gdinverse_app.ui import (
    cached,
    descent_controls,
    downloads,
    export,
    frame,
    lessons,
    matrix_source,
    settings,
    stepper,
)

frame.page("Gradient descent")
st.markdown(
    "Start from a random X and nudge it downhill on the loss **mean((X @ M − I)²)**, as the seed notebook does. "
    "Each step multiplies what is left of the error along every singular direction of M by a fixed factor — "
    "below 1 it shrinks, above 1 it explodes. The heatmaps show the residual X @ M − I fading to zero."
)
choice = matrix_source.choose()
A = cached.matrix(choice.spec)
with frame.stop_on_error("Gradient descent"):
    run = descent_controls.controls(choice.spec, max(A.shape))
    bounds = cached.bounds(choice.spec)

if run.lr >= bounds.stable_below:
    st.warning(
        f"The learning rate {run.lr:.4g} is at or above the stable limit {bounds.stable_below:.4g} = k²/σ_max² "
        "for this matrix: the run will not converge.",
        icon="⚠️",
    )
sigma, factor = bounds.slowest(run.lr)
which = "smallest" if sigma == bounds.sigma_min else "largest"
change = f"shrinks by {(1 - factor) * 100:.2g}%" if factor < 1 else f"grows by {(factor - 1) * 100:.3g}%"
st.markdown(f"The error left is along the {which} singular value, {sigma:.4g}; it {change} per step.")
if A.shape[0] != A.shape[1] or bounds.rank < min(A.shape):
    st.info(
        f"M is {A.shape[0]}×{A.shape[1]} with rank {bounds.rank}: X is {A.shape[1]}×{A.shape[0]} and X @ M ≈ I "
        f"is a least-squares left inverse; the loss cannot go below {bounds.floor:.4g}. From zeros, gradient "
        "descent finds the pseudo-inverse; from a random start, the part of X it never touches stays."
    )

mode = st.radio(
    "Mode",
    ["run", "step"],
    key="mode",
    horizontal=True,
    format_func={"run": "Whole run", "step": "Step through"}.get,
)

if mode == "step":
    with frame.stop_on_error("Step through"):
        stepper.show(run, A)
else:
    with cached.progress("Running gradient descent…"), frame.stop_on_error("Gradient descent"):
        result = cached.descent(*run.args)
        figures = cached.descent_figures(*run.args)
    if result.diverged:
        st.error(result.message + " The plots show what was recorded before.")
    elif result.stalled:
        st.warning(result.message)
        st.button("Switch to float64", on_click=settings.keep, args=("dtype", "float64"))
    else:
        st.success(result.message)
    name, reference = cached.reference(run.spec, run.dtype)
    a, b, c = st.columns(3)
    a.metric("final loss", f"{result.final_loss:.4g}")
    b.metric(f"‖X − {name}‖ / ‖{name}‖", f"{result.distance_to(reference):.3g}")
    c.metric("steps run", f"{len(result.losses) - 1:,}")

    st.plotly_chart(figures["loss"], key="loss")
    st.caption("Log scale, as in the notebook. Dots mark the recorded steps; the dashed line is the theory.")

    st.subheader("Progress heatmaps: the residual X @ M − I")
    st.plotly_chart(figures["grid"], key="grid")
    st.plotly_chart(figures["animation"], key="animation")
    recorded = list(result.snapshots)
    at = st.select_slider("Show X at step", options=recorded, value=recorded[-1], key="at")
    for column, figure, key in zip(
        st.columns(3), cached.step_figures(run.args, at), ("X_at", "XM_at", "ref"), strict=True
    ):
        column.plotly_chart(figure, key=key)

    one, two = st.columns(2)
    one.download_button("Losses (CSV)", lambda: downloads.losses_csv(result), "losses.csv", "text/csv")
    two.download_button("Final X (CSV)", lambda: downloads.matrix_csv(result.inverse), "inverse.csv", "text/csv")

with st.expander("The maths: loss, gradient, update, and why the learning rate has a limit"):
    st.markdown(
        r"""
For an m×k matrix M and a k×m matrix X the loss is the mean of the squared residual, and its gradient is

$$L(X) = \frac{1}{k^2}\,\lVert X M - I \rVert_F^2, \qquad \nabla L = \frac{2}{k^2}\,(X M - I)\,M^\top .$$

Each step goes downhill, $X \leftarrow X - \mathrm{lr}\cdot\nabla L$, so the residual $R = XM - I$ changes by a
fixed matrix:

$$R \leftarrow R\,\Bigl(I - \tfrac{2\,\mathrm{lr}}{k^2} M^\top M\Bigr).$$

Along each singular direction of M (singular value $\sigma_i$) the error is multiplied by
$1 - 2\,\mathrm{lr}\,\sigma_i^2/k^2$ every step. It shrinks only if that factor lies between −1 and 1, and the best
constant rate balances the slowest and the fastest direction:

$$0 < \mathrm{lr} < \frac{k^2}{\sigma_{\max}^2}, \qquad \mathrm{lr}^* = \frac{k^2}{\sigma_{\min}^2 + \sigma_{\max}^2}.$$

At $\mathrm{lr}^*$ the error shrinks by $(\kappa^2 - 1)/(\kappa^2 + 1)$ per step, where
$\kappa = \sigma_{\max}/\sigma_{\min}$. A large κ means slow descent — and, in float32, a stall.
"""
    )

export.buttons(lessons.descent(*run.args), "gradient_descent")
