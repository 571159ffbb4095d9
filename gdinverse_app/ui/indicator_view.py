"""The Indicator matrix page's chooser (in the page, for phones): a random matrix (the notebook's) or the
document-term matrix of your text; and which inverse it has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.ui import frame, settings
from gdinverse_app.ui.cached import cache, ready
from gdinverse_app.ui.settings import MAX_WIDGET_SEED, Setting

MAX_DOCUMENTS = 500
MAX_WORDS = 200
MAX_TEXT = 50_000
EXAMPLE = "The cat sat on the mat\nThe dog sat on the log\nA cat and a dog\nThe mat"

IndicatorKey: TypeAlias = tuple[str, int, int, float, int] | tuple[str, str]
"""The plain settings a matrix is built from: ("random", documents, words, p, seed) or ("text", text)."""

SETTINGS = (
    Setting("isource", "random", choices=("random", "text")),
    Setting("docs", 17, low=1, high=MAX_DOCUMENTS),
    Setting("words", 3, low=1, high=MAX_WORDS),
    Setting("p", 0.2, low=0.0, high=1.0),
    Setting("iseed", 123, low=0, high=MAX_WIDGET_SEED),
    Setting("documents", EXAMPLE),
)


@dataclass(frozen=True)
class View:
    """The matrix to show, with its row and column labels."""

    key: IndicatorKey
    """The plain settings it was built from: ("random", documents, words, p, seed) or ("text", text)."""
    matrix: torch.Tensor
    documents: tuple[str, ...]
    """Row labels: doc_1, doc_2, …"""
    words: tuple[str, ...]
    """Column labels: word_1, … or the real words."""
    texts: tuple[str, ...] | None = None
    """The documents' text, when built from text."""
    p: float | None = None


def _labels(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}_{i + 1}" for i in range(n))


@cache
def view(key: IndicatorKey) -> View:
    """The matrix a key describes, random or from text."""
    if len(key) == 5:  # ("random", documents, words, p, seed); the other key is ("text", text)
        _, docs, words, p, seed = key
        M = g.indicator_matrix(docs, words, p, seed)
        return View(key, M, _labels("doc", M.shape[0]), _labels("word", M.shape[1]), p=p)
    dtm = g.document_term_matrix(key[1])
    return View(key, dtm.matrix, _labels("doc", len(dtm.documents)), dtm.vocabulary, texts=dtm.documents)


@cache
def stats(key: IndicatorKey) -> g.IndicatorStats:
    return g.indicator_stats(view(key).matrix)


@cache
def figures(key: IndicatorKey) -> tuple[go.Figure, go.Figure, go.Figure]:
    """The labelled heatmap, words per document and documents per word."""
    shown, counts = view(key), stats(key)
    return (
        ready(plots.indicator_heatmap(shown.matrix, row_labels=list(shown.documents), column_labels=list(shown.words))),
        ready(plots.counts_figure(counts.words_per_document, list(shown.documents), title="Words per document")),
        ready(plots.counts_figure(counts.documents_per_word, list(shown.words), title="Documents per word")),
    )


@cache
def one_sided(key: IndicatorKey) -> g.OneSidedInverse:
    """Which inverse the matrix has: a left inverse only with full column rank (rank = words)."""
    return g.one_sided_inverse(view(key).matrix, dtype="float64")


def _title() -> str:
    """The expander's title: what the matrix is, from the settings."""
    state = st.session_state
    if state.isource == "random":
        return (
            f"Indicator matrix M: {int(state.docs)} documents × {int(state.words)} words, random "
            f"(p = {float(state.p):g}, seed {int(state.iseed)})"
        )
    lines = sum(1 for line in str(state.documents).splitlines() if line.strip())
    return f"Indicator matrix M: from your text, {lines} document{'' if lines == 1 else 's'}"


def choose() -> View:
    """Draw the controls in an expander at the top of the page and return the matrix; stops the page with an
    error if the text is unusable. The expander is open on a first visit whose link sets nothing."""
    first_visit = "_indicator_seen" not in st.session_state and not any(s.key in st.query_params for s in SETTINGS)
    st.session_state["_indicator_seen"] = True
    settings.load(SETTINGS)
    for key in (setting.key for setting in SETTINGS):  # a widget met on another page would start from its default
        st.session_state[key] = st.session_state[key]
    box = st.expander(_title(), expanded=first_visit, icon=":material/grid_on:")
    source = box.radio(
        "Source",
        ["random", "text"],
        key="isource",
        horizontal=True,
        format_func={"random": "Random", "text": "From your own text"}.get,
    )
    if source == "random":
        left, right = box.columns(2)
        left.slider("Documents", 1, MAX_DOCUMENTS, key="docs")
        right.slider("Words", 1, MAX_WORDS, key="words")
        left.slider("Probability p of a word in a document", 0.0, 1.0, step=0.01, key="p")
        right.number_input("Seed", 0, MAX_WIDGET_SEED, key="iseed")
        settings.save(SETTINGS)
        state = st.session_state
        return view(("random", int(state.docs), int(state.words), float(state.p), int(state.iseed)))
    text = box.text_area(
        "Documents, one per line",
        key="documents",
        height=200,
        help="Words are runs of letters and digits; every other character (a hyphen, an emoji, punctuation) "
        "separates words and is not counted, so e-mail is two words. Spellings that differ only in case (Apple, "
        "apple; Straße, STRASSE; İstanbul, istanbul), in width (ＡＢＣ, ABC) or in the apostrophe (don't, don’t) are "
        "one word, shown as first written, lower-cased.",
    )
    settings.save(SETTINGS)
    lines = [line for line in text.splitlines() if line.strip()]
    if len(text) > MAX_TEXT or len(lines) > MAX_DOCUMENTS:
        st.error(
            f"The text has {len(lines):,} documents and {len(text):,} characters; the page takes at most "
            f"{MAX_DOCUMENTS} documents and {MAX_TEXT:,} characters."
        )
        st.stop()
    blank = sum(1 for line in text.strip().splitlines() if not line.strip())  # between documents, not at the ends
    if blank:
        st.caption(
            f"{blank} blank line{'s' if blank > 1 else ''} between documents skipped: a document is a non-blank line, "
            f"and documents are numbered without {'them' if blank > 1 else 'it'} (doc_1 … doc_{len(lines)})."
        )
    with frame.stop_on_error("Documents"):
        chosen = view(("text", text))
    if len(chosen.words) > MAX_WORDS:
        st.error(
            f"The documents use {len(chosen.words):,} distinct words; the page shows at most {MAX_WORDS}: shorten "
            "the text or give fewer documents (the package's document_term_matrix takes any number)."
        )
        st.stop()
    return chosen


def table(shown: View) -> pd.DataFrame:
    """The matrix with its labels, and the documents' text when there is one."""
    frame = pd.DataFrame(shown.matrix.numpy(), index=list(shown.documents), columns=list(shown.words))
    if shown.texts is not None:
        frame.insert(0, "text", list(shown.texts))
    return frame
