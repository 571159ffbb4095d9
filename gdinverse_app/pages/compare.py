"""Compare: an optimizer race on one matrix, and a learning-rate sweep measured against the theory."""

import pandas as pd
import streamlit as st

from gdinverse_app.ui import cached, compare_controls, export, frame, lessons, matrix_source

frame.page("Compare")
st.markdown(
    "Plain gradient descent is one of several ways to learn an inverse. Here they race on the same matrix from "
    "the same start, each with the parameters theory gives it, and a sweep shows the final loss for every "
    "learning rate at once — with the theory's prediction drawn over it."
)
st.markdown("**Ready-made lessons**: one click sets the matrix and the race.")
for column, (name, lesson) in zip(st.columns(len(compare_controls.LESSONS)), compare_controls.LESSONS.items(),
                                  strict=True):  # fmt: skip
    column.button(lesson.title, on_click=compare_controls.apply, args=(name,), key=f"lesson_{name}", width="stretch")
if "_lesson" in st.session_state:
    st.info(compare_controls.LESSONS[st.session_state["_lesson"]].commentary)

choice = matrix_source.choose()
race = compare_controls.controls(choice.spec)

st.subheader("The race")
if not race.methods:
    st.info("Choose at least one method in the sidebar.")
else:
    with st.spinner("Racing…"), frame.stop_on_error("The race"):
        race_args = (race.spec, race.methods, race.steps, race.seed, race.init, race.dtype, race.adam_lr)
        cached.race(*race_args)
        rows = cached.race_rows(race.spec, race.methods, race.steps, race.seed, race.init, race.dtype,
                                race.adam_lr, race.tol)  # fmt: skip
    by_step, by_time = cached.race_figures(*race_args)
    left, right = st.columns(2)
    left.plotly_chart(by_step, key="race_step")
    right.plotly_chart(by_time, key="race_time")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(
        f"**steps to {race.tol:g}**: the first step after which the loss stays below the tolerance to the end; "
        "**first below**: the first time it dipped under it. When the two differ, the method touched the "
        "tolerance and climbed back — no win. Times include each method's setup (an SVD for the learning rate, "
        "a power iteration for Newton–Schulz) and vary with the server's load."
    )

st.subheader("The learning-rate sweep")
sweep_args = (race.spec, race.sweep_count, race.sweep_steps, race.seed, race.init, race.dtype)
with frame.stop_on_error("The sweep"):
    st.plotly_chart(cached.sweep_figure(*sweep_args), key="sweep")
    st.markdown(cached.sweep_summary(*sweep_args))
st.caption(
    "This is where the seed notebook's `lrs = np.log(np.logspace(2e-1, 2e-1, 100))` was heading: a list of "
    "learning rates, one per step — there all equal to 0.46. Here each learning rate is its own run, and all of "
    "them advance together as one batched tensor computation."
)

export.buttons(
    lessons.compare(race.spec, list(race.methods), race.steps, race.seed, race.init, race.dtype, race.tol,
                    race.adam_lr, race.sweep_steps, race.sweep_count),
    "compare",
)  # fmt: skip
