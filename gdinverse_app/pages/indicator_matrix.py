"""Indicator matrix: which words are in which documents, random (the notebook's 17×3) or from your own text."""

import streamlit as st

import gdinverse as g
from gdinverse_app import state
from gdinverse_app.models import indicator
from gdinverse_app.ui import chooser, downloads, export, frame, indicator_view, lessons

style = frame.page("Indicator matrix")
st.markdown(
    "An indicator matrix M records which words occur in which documents: a 1 in row *d*, column *w* when word *w* "
    "is in document *d*. It is the kind of matrix a learner would invert next. Usually it is not square, so it has "
    "no inverse. A tall one (more documents than words) with full column rank has **left inverses** X with "
    "X @ M = I; a wide one with full row rank has **right inverses**, M @ X = I; otherwise there is only the "
    "**pseudo-inverse** M⁺, the least-squares answer. The box below says which this one has."
)
request = indicator_view.choose(style)
shown = indicator.view(request)
page = indicator.page(request)

with st.container(horizontal=True):
    for metric in page.metrics:
        st.metric(metric.label, metric.value, delta=metric.delta, delta_color="off")
for warning in page.warnings:
    st.warning(frame.plain(warning))
st.info(page.inverse, icon=":material/info:")

frame.show_chart(page.heatmap, key="indicator")
left, right = st.columns(2)
frame.show_chart(page.per_document, key="per_doc", container=left)
frame.show_chart(page.per_word, key="per_word", container=right)
# Drawn only while open: a closed table costs a rerun nothing, and a first visit does not download the data grid's
# browser code.
with state.expander("The matrix as a table", name="indicator_table") as table_box:
    if table_box.open:
        table_box.dataframe(indicator_view.table(shown), width="stretch")

one, two = st.columns(2)
one.download_button(
    "Matrix (CSV)",
    lambda: downloads.matrix_csv(shown.matrix, rows=list(shown.documents), columns=list(shown.words)),
    "indicator.csv",
    "text/csv",
)
if page.learn is not None and two.button(page.learn, type="primary"):
    state.keep("source", "text")
    state.keep("matrix", g.format_matrix(shown.matrix))
    state.keep("rows", chooser.join_labels(shown.documents))
    state.keep("cols", chooser.join_labels(shown.words))
    state.keep("init", "zeros")  # from zeros, descent finds the pseudo-inverse the page compares with
    st.switch_page(frame.page_object("pages/gradient_descent.py"))
two.caption(page.learn_caption)

export.section(
    lambda: lessons.indicator(request.source, request.documents, request.words, request.p, request.seed,
                              request.text),
    "indicator_matrix",
)  # fmt: skip
