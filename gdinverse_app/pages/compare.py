"""Compare: an optimizer race on one matrix, and a learning-rate sweep measured against the theory."""

import dataclasses

import pandas as pd
import streamlit as st

from gdinverse_app import state
from gdinverse_app.models import compare
from gdinverse_app.ui import chooser, compare_controls, export, frame, lessons
from gdinverse_app.ui.directions import show as show_directions

style = frame.page("Compare")
st.markdown(
    "Plain gradient descent is one of several ways to learn an inverse. Here they race on the same matrix M from "
    "the same start, each with the parameters theory gives it, and a sweep shows the final loss for every "
    "learning rate at once — with the theory's prediction drawn over it."
)
compare_controls.open_lesson()
st.markdown("**Ready-made lessons**: each is a link (for a slide, too) that sets every setting of this page.")
compare_controls.lesson_links()

spec = chooser.choose()
race, sweep = compare_controls.controls(spec, style)
race = dataclasses.replace(race, lesson=compare_controls.current_lesson())


def _race() -> None:
    """The race: its figures, table, notes and direction view."""
    if not race.methods:
        st.info("Choose at least one method under “Race and sweep settings”.")
        return
    with frame.progress("Racing the methods…"), frame.stop_on_error("The race"):
        page = compare.race_page(race)
    if page.commentary:
        st.info(page.commentary, icon=":material/school:")
    left, right = st.columns(2)
    frame.show_chart(page.by_step, key="race_step", container=left)
    if page.by_time is not None:  # else the notes say why no time is shown
        frame.show_chart(page.by_time, key="race_time", container=right)
    st.dataframe(pd.DataFrame(list(page.rows)), hide_index=True, width="stretch")
    for note in page.notes:
        st.caption(note)
    theory = compare.direction_methods(race)
    if not theory:
        st.info("The singular-direction view needs gd, momentum or nesterov in the race.")
        return

    def figures_of() -> compare.DirectionFigures:  # inside the open expander: the radio is drawn at its top
        method = st.radio("Show the directions of", theory, horizontal=True, key=state.key("race_method"))
        return compare.directions(race, method)

    show_directions(figures_of, key="race_directions")


# The sweep (quick) is computed and drawn first, into its place under the race: its figure reaches the browser
# while the race still runs, so the browser loads its plotting code meanwhile.
race_box, sweep_box = st.container(), st.container()
with sweep_box:
    st.subheader("The learning-rate sweep")
    with frame.error_box("The sweep"):
        swept = compare.sweep_page(sweep)
        frame.show_chart(swept.chart, key="sweep")
        st.markdown(swept.summary)
    st.caption(
        "This is where the seed notebook's lrs = np.log(np.logspace(2e-1, 2e-1, 100)) was heading: a list of "
        "learning rates, one per step — there all equal to 0.46. Here each learning rate is its own run, and all of "
        "them advance together as one batched tensor computation."
    )

race_box.subheader("The race")
with race_box:
    _race()

export.section(
    lambda: lessons.compare(spec, list(race.methods), race.steps, race.seed, race.init, race.dtype, race.tol,
                            race.adam_lr, sweep.steps, sweep.count),
    "compare",
)  # fmt: skip
