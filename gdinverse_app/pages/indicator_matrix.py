"""Indicator matrix: which words are in which documents, random (the notebook's 17×3) or from your own text."""

import streamlit as st

import gdinverse as g
from gdinverse_app.ui import downloads, export, frame, indicator_view, lessons, settings

frame.page("Indicator matrix")
st.markdown(
    "An indicator matrix records which words occur in which documents: a 1 in row *d*, column *w* when word *w* "
    "is in document *d*. It is the kind of matrix a learner would invert next. It is not square, so it has no "
    "inverse, but with as many independent columns as words it has a **left inverse** X (words × documents) with "
    "X @ M = I."
)
view = indicator_view.choose()
stats = indicator_view.stats(view.key)
docs, words = view.matrix.shape

a, b, c, d = st.columns(4)
a.metric("documents × words", f"{docs} × {words}")
b.metric(
    "density (share of 1s)",
    f"{stats.density:.3f}",
    delta=None if view.p is None else f"{stats.density - view.p:+.3f} against p = {view.p:g}",
    delta_color="off",
)
c.metric("rank", f"{stats.rank}")
d.metric("empty documents", f"{len(stats.empty_documents)}")
if stats.empty_documents:
    st.warning(
        f"{len(stats.empty_documents)} document(s) contain none of the words: "
        + ", ".join(view.documents[i] for i in stats.empty_documents[:20])
        + (" …" if len(stats.empty_documents) > 20 else "")
    )
if stats.unused_words:
    st.warning("Never used: " + frame.plain(", ".join(view.words[j] for j in stats.unused_words[:20])))
if stats.rank < words:
    st.info(
        f"The rank {stats.rank} is below the {words} words: no X gives X @ M = I exactly. Gradient descent still "
        "finds the least-squares answer, the pseudo-inverse."
    )

heat, per_document, per_word = indicator_view.figures(view.key)
st.plotly_chart(heat, key="indicator")
left, right = st.columns(2)
left.plotly_chart(per_document, key="per_doc")
right.plotly_chart(per_word, key="per_word")
with st.expander("The matrix as a table"):
    st.dataframe(indicator_view.table(view), width="stretch")

one, two = st.columns(2)
one.download_button(
    "Matrix (CSV)",
    lambda: downloads.matrix_csv(view.matrix, rows=list(view.documents), columns=list(view.words)),
    "indicator.csv",
    "text/csv",
)
if two.button("Learn its left inverse by gradient descent →", type="primary"):
    settings.keep("source", "text")
    settings.keep("matrix", g.format_matrix(view.matrix))
    settings.keep("init", "zeros")  # from zeros, descent finds the pseudo-inverse the page compares with
    st.switch_page("pages/gradient_descent.py")

state = st.session_state
export.buttons(
    lessons.indicator(state.isource, int(state.docs), int(state.words), float(state.p), int(state.iseed),
                      state.documents),
    "indicator_matrix",
)  # fmt: skip
