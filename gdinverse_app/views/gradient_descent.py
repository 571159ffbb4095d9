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

VERDICT_BOXES = {"converged": st.success, "running": st.info, "stalled": st.warning, "diverged": st.error}
"""Green only for a run that converged; a run still on its way is neutral."""

frame.page("Gradient descent")
st.markdown(
    "Start from a random X and nudge it downhill on the loss **mean((X @ M − I)²)**, as the seed notebook does. "
    "Each step multiplies what is left of the error along every singular direction of M by a fixed factor — "
    "below 1 it shrinks, above 1 it explodes. The heatmaps show the residual X @ M − I fading: to zero when M "
    "has an inverse (or a left inverse), to a floor when it has none."
)
choice = matrix_source.choose()
with frame.stop_on_error("Gradient descent"):
    run = descent_controls.controls(choice.spec, max(cached.matrix(choice.spec).shape))
    bounds = cached.bounds(choice.spec, run.dtype)
A = cached.matrix(choice.spec, run.dtype)
m, k = A.shape

# ---------------------------------------------------------------------------- what the theory says about M
facts = [f"M is {m}×{k} with condition number κ = {cached.condition_text(choice.spec)} (σ_max/σ_min in float64)."]
if bounds.rank < min(m, k):
    facts[0] = facts[0][:-1] + (
        f"; float64's SVD finds rank {bounds.rank}: the other singular values are at its rounding level, below "
        "eps·σ_max = 2.2e-16·σ_max, so M is singular (κ infinite) or too close to singular for float64 to tell."
    )
note = bounds.resolution_note()
if note:
    facts.append(note)
sigma, _ = bounds.slowest(run.lr)
which = "smallest" if sigma == bounds.resolved_sigma_min else "largest"
change = bounds.change(run.lr)
resolved = " gradient descent can resolve" if note else " that is not 0" if bounds.rank < min(m, k) else ""
facts.append(f"The error left is along the {which} singular value{resolved}, {sigma:.3g}; it {change}.")
st.markdown(" ".join(facts))
if run.lr >= bounds.stable_below:
    st.warning(
        f"The learning rate {run.lr:.4g} is at or above the stable limit {bounds.stable_below:.4g} = k²/σ_max² "
        "for this matrix: the run will not converge.",
        icon="⚠️",
    )
if bounds.rank < k:
    st.info(
        f"M is {m}×{k} with rank {bounds.rank} < {k} (as far as float64 can tell): no X makes X @ M = I. X is "
        f"{k}×{m}, and the best it can do "
        f"is the least-squares inverse, at a loss floor of (k − rank)/k² = {bounds.floor:.4g}. From zeros, "
        "gradient descent finds the pseudo-inverse M⁺; from a random start, M⁺ plus the part of the start it "
        "never touches."
    )
elif m != k:
    st.info(
        f"M is {m}×{k} with rank {k}: not square, so it has no inverse, but it has left inverses, X ({k}×{m}) with "
        "X @ M = I, and the loss can reach 0. From zeros, gradient descent finds the pseudo-inverse M⁺ (the left "
        "inverse of least norm); from a random start, M⁺ plus the part of the start it never touches."
    )

if run.mode == "step":
    with frame.stop_on_error("Step through"):
        stepper.show(run, cached.matrix(choice.spec, "float64"))
else:
    with cached.progress("Running gradient descent…"), frame.stop_on_error("Gradient descent"):
        result = cached.descent(*run.args)
        figures = cached.descent_figures(*run.args)
        verdict = result.verdict
    recorded = list(result.snapshots)
    box = VERDICT_BOXES[verdict.status]
    message = verdict.message.removesuffix(f" {note}") if note else verdict.message  # said above already
    if verdict.status == "diverged":
        before = ", ".join(map(str, recorded[:12])) + (", …" if len(recorded) > 12 else "")
        box(f"{message} The plots show the steps recorded before it: {before}.")
    else:
        box(message)
    if verdict.status == "stalled":
        st.button("Switch to float64", on_click=settings.keep, args=("dtype", "float64"))
    name, distance = cached.distance(*run.args)
    with st.container(horizontal=True):  # one block for the row (columns are a block each)
        st.metric("final loss", f"{result.final_loss:.4g}")
        at_step = f" at step {recorded[-1]:,}" if verdict.status == "diverged" else ""  # X of the last finite step
        st.metric(f"‖X − {name}‖ / ‖{name}‖{at_step}", f"{distance:.3g}")
        st.metric("steps run", f"{len(result.losses) - 1:,}")

    frame.show_chart(figures["loss"], key="loss")

    st.subheader("Progress heatmaps: the residual X @ M − I")
    frame.show_chart(figures["grid"], key="grid")
    with settings.expander("Animation: the residual step by step", key="show_animation",
                           icon=":material/play_circle:") as animation:  # fmt: skip
        if animation.open:
            frame.show_chart(figures["animation"], key="animation")
    at = st.select_slider("Show X at step", options=recorded, value=recorded[-1], key="at")
    for column, figure, key in zip(
        st.columns(3), cached.step_figures(run.args, at), ("X_at", "XM_at", "ref"), strict=True
    ):
        frame.show_chart(figure, key=key, container=column)

    from gdinverse_app.ui import direction_view  # the singular-direction view (issue 9)

    direction_view.show_run(run.args)

    def data_downloads() -> None:
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

export.section(
    lambda: lessons.descent(*run.args), "gradient_descent", data=data_downloads if run.mode != "step" else None
)
