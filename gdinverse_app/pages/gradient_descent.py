"""Gradient descent: learn the inverse step by step, watch the residual shrink, and see why the lr has a limit."""

import streamlit as st

from gdinverse_app import state
from gdinverse_app.models import descent, gradient_descent, matrix
from gdinverse_app.ui import chooser, directions, downloads, export, frame, lessons, run_controls, stepper

style = frame.page("Gradient descent")
st.markdown(
    "Start from a random X and nudge it downhill on the loss **mean((X @ M − I)²)**, as the seed notebook does. "
    "Each step multiplies what is left of the error along every singular direction of M by a fixed factor — "
    "below 1 it shrinks, above 1 it explodes. The heatmaps show the residual X @ M − I fading: to zero when M "
    "has an inverse (or a left inverse), to a floor when it has none."
)
spec = chooser.choose()
with frame.stop_on_error("Gradient descent"):
    request, mode = run_controls.controls(spec, matrix.size(spec), style)


def _notes(notes: gradient_descent.Notes) -> None:
    """What the page says of M at the lr before any run: the facts, then the lr's warning and the shape's note."""
    st.markdown(notes.facts)
    if notes.lr_warning:
        st.warning(notes.lr_warning, icon="⚠️")
    if notes.shape_note:
        st.info(notes.shape_note)


if mode == "step":
    with frame.stop_on_error("Gradient descent"):
        notes = gradient_descent.notes(spec, request.dtype, request.lr)
    _notes(notes)
    with frame.stop_on_error("Step through"):
        stepper.show(request)
else:
    colours = state.value("colours")
    with frame.progress("Running gradient descent…"), frame.stop_on_error("Gradient descent"):
        page = gradient_descent.page(request, colours)
    _notes(page.notes)
    getattr(st, page.verdict_box)(page.verdict)
    if page.offer_float64:
        st.button("Switch to float64", on_click=state.keep, args=("dtype", "float64"))
    with st.container(horizontal=True):  # one block for the row (columns are a block each)
        for metric in page.metrics:
            st.metric(metric.label, metric.value)
    frame.show_chart(page.loss, key="loss")
    with state.expander("Scrub the learning rate: this start at other learning rates, redrawn in your browser as "
                        "you drag", name="show_scrub", icon=":material/tune:") as scrub:  # fmt: skip
        if scrub.open:
            with frame.progress("Running the other learning rates…"), frame.error_box("Scrub the learning rate"):
                frame.show_chart(descent.scrub_chart(request), key="scrub")
    st.subheader("Progress heatmaps: the residual X @ M − I")
    run_controls.colour_radio()
    frame.show_chart(page.grid, key="grid")
    with state.expander("Animation: the residual step by step", name="show_animation",
                        icon=":material/play_circle:") as animation:  # fmt: skip
        if animation.open:
            frame.show_chart(descent.animation_chart(request, colours), key="animation")
    with state.expander("X at a recorded step, beside the exact inverse", name="show_x",
                        icon=":material/grid_view:") as x_view:  # fmt: skip
        if x_view.open:
            at = st.select_slider("Show X at step", options=page.recorded, value=page.recorded[-1],
                                  key=state.key("at"))  # fmt: skip
            for column, chart, key in zip(st.columns(3), descent.step_charts(request, at), ("X_at", "XM_at", "ref"),
                                          strict=True):  # fmt: skip
                frame.show_chart(chart, key=key, container=column)
    directions.show_run(request)


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


def data_downloads() -> None:
    result = descent.run(request)
    one, two = st.columns(2)
    one.download_button("Losses (CSV)", lambda: downloads.losses_csv(result), "losses.csv", "text/csv")
    two.download_button("Final X (CSV)", lambda: downloads.matrix_csv(result.inverse), "inverse.csv", "text/csv")


export.section(
    lambda: lessons.descent(spec, request.lr, request.steps, request.seed, request.every, request.init, request.dtype),
    "gradient_descent",
    data=data_downloads if mode != "step" else None,
)
