"""Compare: an optimizer race on one matrix, and a learning-rate sweep measured against the theory."""

import streamlit as st

import gdinverse as g
from gdinverse_app.ui import cached, compare_controls, export, frame, lessons, matrix_source

frame.page("Compare")
st.markdown(
    "Plain gradient descent is one of several ways to learn an inverse. Here they race on the same matrix M from "
    "the same start, each with the parameters theory gives it, and a sweep shows the final loss for every "
    "learning rate at once — with the theory's prediction drawn over it."
)
compare_controls.open_lesson()
st.markdown("**Ready-made lessons**: each is a link (for a slide, too) that sets every setting of this page.")
compare_controls.lesson_links()

choice = matrix_source.choose()
race = compare_controls.controls(choice.spec)
lesson = compare_controls.current_lesson()

st.subheader("The race")
if not race.methods:
    st.info("Choose at least one method under “Race and sweep settings”.")
else:
    with cached.progress("Racing the methods…"), frame.stop_on_error("The race"):
        cached.race(*race.args)
        table = cached.race_table(*race.args, race.tol)
        rows = cached.race_frame(*race.args, race.tol)
    if lesson is not None:
        facts = compare_controls.Facts(
            rows={row.method: row for row in table},
            kappa=cached.condition_text(race.spec),
            tol=race.tol,
            steps=race.steps,
            bounds=cached.bounds(race.spec, race.dtype),
        )
        chosen = compare_controls.LESSONS[lesson]
        st.info(f"**Lesson: {chosen.title}.** {chosen.commentary(facts)}", icon=":material/school:")
    by_step, by_time = cached.race_figures(*race.args)
    finals = ", ".join(f"{row.method} {row.final_loss:.3g}" for row in table)
    left, right = st.columns(2)
    frame.show_chart(
        by_step,
        key="race_step",
        container=left,
        caption=f"Loss (log scale) against step, one line per method, {race.steps:,} steps in {race.dtype}. "
        f"Final losses: {finals}.",
    )
    frame.show_chart(
        by_time,
        key="race_time",
        container=right,
        caption="The same losses against wall-clock time in seconds, each method's setup included (it varies "
        "with the server's load).",
    )
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        f"**steps to {race.tol:g}**: the first step after which the loss stays below the tolerance to the end, for "
        "a window long enough to count (“not settled” when it only dipped below and climbed back, or got there "
        "too late to tell; “never” when it never got below). **first below**: the first time it dipped under. "
        "**error vs inverse**: ‖X − M⁻¹‖/‖M⁻¹‖, or against M⁺ when M is not square, singular, or too close to "
        "singular for float64 to tell. Times include each "
        "method's setup (an SVD for the learning rate, a power iteration for Newton–Schulz) and vary with the "
        "server's load."
    )
    apart = g.loss_and_error_disagree(table)
    if apart is not None:
        low_loss, low_error = apart
        st.caption(
            f"The lowest loss and the smallest error are not the same run: {low_error.method}'s X is within "
            f"{low_error.error:.3g} of the inverse yet leaves a loss of {low_error.final_loss:.3g}, while "
            f"{low_loss.method}'s loss {low_loss.final_loss:.3g} goes with an error of {low_loss.error:.3g}. For an "
            f"ill-conditioned M (κ = {cached.condition_text(race.spec)}) the two measure different things: "
            "‖XM − I‖ ≤ ‖X − M⁻¹‖·‖M‖ and ‖X − M⁻¹‖ ≤ ‖XM − I‖·‖M⁻¹‖, so a small error in X is multiplied up by "
            "M, and a small residual by M⁻¹."
        )
    race_bounds = cached.bounds(race.spec, race.dtype)
    rows_of_m = cached.matrix(race.spec).shape[0]
    if race_bounds.resolved_floor > race.tol and race_bounds.resolved_rank == race_bounds.rank:
        st.caption(
            f"For this M no X gets the loss below its floor (k − rank)/k² = {race_bounds.resolved_floor:.4g}, above "
            f"the tolerance {race.tol:g}: “never” is the matrix's doing, not the methods'."
        )
    elif race_bounds.resolved_floor > race.tol:
        st.caption(
            f"M has rank {race_bounds.rank}, but {race.dtype} resolves only {race_bounds.resolved_rank} of its "
            "singular values at this scale: the gradient methods cannot get the loss below (k − resolved rank)/k² = "
            f"{race_bounds.resolved_floor:.4g}, above the tolerance {race.tol:g}. “Never” is the precision's doing, "
            "not the methods'" + ("; float64 resolves more." if race.dtype == "float32" else ".")
        )
    if race_bounds.rank < rows_of_m and race.init == "rand":
        newton = next((row for row in table if row.method == "newton_schulz"), None)
        if newton is None:
            others = "descent from zeros finds M⁺"
        elif newton.status == "diverged":
            others = "descent from zeros finds M⁺; Newton–Schulz, from its own start, diverged here"
        else:
            others = "Newton–Schulz starts from a multiple of Mᵀ and finds M⁺; so does descent from zeros"
        st.caption(
            f"M has rank {race_bounds.rank} < {rows_of_m} rows, so from a random start gd, momentum and Nesterov "
            "keep the part of the start that X @ M never sees: they end at M⁺ plus that part, and their error "
            f"against M⁺ stays large even where the loss is at its lowest ({others})."
        )
    from gdinverse_app.ui import direction_view  # the singular-direction view (issue 9)

    direction_view.show_race(race.args, race.methods)

st.subheader("The learning-rate sweep")
with frame.stop_on_error("The sweep"):
    summary = cached.sweep_summary(*race.sweep_args)
    frame.show_chart(
        cached.sweep_figure(*race.sweep_args),
        key="sweep",
        caption=f"Final loss after {race.sweep_steps:,} steps against the learning rate, both on log scales, "
        f"{race.sweep_count} runs: measured points, the theory dashed, and vertical lines at the stable limit and "
        "the optimal lr (the sentence below says where the lowest loss is).",
    )
    st.markdown(summary)
st.caption(
    "This is where the seed notebook's lrs = np.log(np.logspace(2e-1, 2e-1, 100)) was heading: a list of "
    "learning rates, one per step — there all equal to 0.46. Here each learning rate is its own run, and all of "
    "them advance together as one batched tensor computation."
)

export.section(
    lambda: lessons.compare(race.spec, list(race.methods), race.steps, race.seed, race.init, race.dtype, race.tol,
                            race.adam_lr, race.sweep_steps, race.sweep_count),
    "compare",
)  # fmt: skip
