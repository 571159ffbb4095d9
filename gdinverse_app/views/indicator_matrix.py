"""Indicator matrix: which words are in which documents, random (the notebook's 17×3) or from your own text."""

import streamlit as st

import gdinverse as g
from gdinverse_app.ui import downloads, export, frame, indicator_view, lessons, matrix_source, settings

frame.page("Indicator matrix")
st.markdown(
    "An indicator matrix M records which words occur in which documents: a 1 in row *d*, column *w* when word *w* "
    "is in document *d*. It is the kind of matrix a learner would invert next. Usually it is not square, so it has no "
    "inverse. With full column rank (as many independent columns as words) it has a **left inverse** X "
    "(words × documents) with X @ M = I; otherwise only the **pseudo-inverse** M⁺, the least-squares answer."
)
view = indicator_view.choose()
stats = indicator_view.stats(view.key)
found = indicator_view.one_sided(view.key)
docs, words = view.matrix.shape
documents_text = f"{docs} document{'s' if docs != 1 else ''}"
words_text = f"{words} word{'s' if words != 1 else ''}"

a, b, c, d = st.columns(4)
a.metric("documents × words", f"{docs} × {words}")
b.metric(
    "density (share of 1s)",
    f"{stats.density:.3f}",
    delta=None if view.p is None else f"{stats.density - view.p:+.3f} against p = {view.p:g}",
    delta_color="off",
)
c.metric("rank", f"{found.rank}")
d.metric("empty documents", f"{len(stats.empty_documents)}")
if stats.empty_documents:
    st.warning(
        f"{len(stats.empty_documents)} document(s) contain none of the words: "
        + ", ".join(view.documents[i] for i in stats.empty_documents[:20])
        + (" …" if len(stats.empty_documents) > 20 else "")
    )
if stats.unused_words:
    st.warning("Never used: " + frame.plain(", ".join(view.words[j] for j in stats.unused_words[:20])))
st.info(found.description, icon=":material/info:")

heat, per_document, per_word = indicator_view.figures(view.key)
shown_words = ", ".join(view.words[:8]) + (" …" if words > 8 else "")
frame.show_chart(
    heat,
    key="indicator",
    caption=frame.plain(
        f"Heatmap of M: {documents_text} (rows) × {words_text} (columns: {shown_words}); dark cells are 1s, "
        f"{int(view.matrix.sum())} of {docs * words} (density {stats.density:.3f})."
    ),
)
left, right = st.columns(2)
frame.show_chart(
    per_document,
    key="per_doc",
    container=left,
    caption=f"Bars: how many of the {words_text} each document holds; {len(stats.empty_documents)} hold none.",
)
frame.show_chart(
    per_word,
    key="per_word",
    container=right,
    caption=f"Bars: in how many of the {documents_text} each word occurs; {len(stats.unused_words)} occur in none.",
)
# Drawn only while open (``on_change="rerun"``): a closed table costs a rerun nothing, and a first visit does not
# download the data grid's browser code.
table_box = st.expander("The matrix as a table", key="indicator_table", on_change="rerun")
if table_box.open:
    table_box.dataframe(indicator_view.table(view), width="stretch")

target = {"left": "its left inverse", "inverse": "its inverse"}.get(found.kind, "its pseudo-inverse")
one, two = st.columns(2)
one.download_button(
    "Matrix (CSV)",
    lambda: downloads.matrix_csv(view.matrix, rows=list(view.documents), columns=list(view.words)),
    "indicator.csv",
    "text/csv",
)
if found.rank == 0:  # every entry 0: X @ M = 0 whatever X is, so there is nothing for descent to learn
    two.caption("Every entry is 0, so X @ M = 0 whatever X is: there is nothing to learn. Raise p, or add words.")
elif two.button(f"Learn {target} by gradient descent →", type="primary"):
    settings.keep("source", "text")
    settings.keep("matrix", g.format_matrix(view.matrix))
    settings.keep("rows", matrix_source.join_labels(view.documents))
    settings.keep("cols", matrix_source.join_labels(view.words))
    settings.keep("init", "zeros")  # from zeros, descent finds the pseudo-inverse the page compares with
    st.switch_page(frame.page_object("views/gradient_descent.py"))
if found.rank:
    two.caption(
        f"Gradient descent on mean((X @ M − I)²) from zeros: X @ M → I when M has full column rank (rank "
        f"{found.rank} of {words} words here); otherwise the loss stops at its floor and X ends at M⁺."
    )

state = st.session_state
export.section(
    lambda: lessons.indicator(state.isource, int(state.docs), int(state.words), float(state.p), int(state.iseed),
                              state.documents),
    "indicator_matrix",
)  # fmt: skip
