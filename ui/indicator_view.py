"""The Indicator matrix page's chooser: a random matrix (the notebook's) or the document-term matrix of your text."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st
import torch

import gdinverse as g
from ui import frame, settings
from ui.settings import Setting

MAX_DOCUMENTS = 500
MAX_WORDS = 200
MAX_TEXT = 50_000
EXAMPLE = "The cat sat on the mat\nThe dog sat on the log\nA cat and a dog\nThe mat"

SETTINGS = (
    Setting("isource", "random", choices=("random", "text")),
    Setting("docs", 17, low=1, high=MAX_DOCUMENTS),
    Setting("words", 3, low=1, high=MAX_WORDS),
    Setting("p", 0.2, low=0.0, high=1.0),
    Setting("iseed", 123, low=0, high=2**31 - 1),
    Setting("documents", EXAMPLE),
)


@dataclass(frozen=True)
class View:
    """The matrix to show, with its row and column labels."""

    matrix: torch.Tensor
    documents: tuple[str, ...]
    """Row labels: doc_1, doc_2, …"""
    words: tuple[str, ...]
    """Column labels: word_1, … or the real words."""
    texts: tuple[str, ...] | None = None
    """The documents' text, when built from text."""
    p: float | None = None


@st.cache_data(max_entries=64, show_spinner=False)
def _random(docs: int, words: int, p: float, seed: int) -> torch.Tensor:
    return g.indicator_matrix(docs, words, p, seed)


@st.cache_data(max_entries=64, show_spinner=False)
def _from_text(text: str) -> g.DocumentTermMatrix:
    return g.document_term_matrix(text)


def _labels(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}_{i + 1}" for i in range(n))


def choose() -> View:
    """Draw the sidebar controls and return the matrix; stops the page with an error if the text is unusable."""
    settings.load(SETTINGS)
    side = st.sidebar
    side.header("Indicator matrix")
    source = side.radio(
        "Source",
        ["random", "text"],
        key="isource",
        horizontal=True,
        format_func={"random": "Random", "text": "From your own text"}.get,
    )
    if source == "random":
        side.slider("Documents", 1, MAX_DOCUMENTS, key="docs")
        side.slider("Words", 1, MAX_WORDS, key="words")
        side.slider("Probability p of a word in a document", 0.0, 1.0, step=0.01, key="p")
        side.number_input("Seed", 0, 2**31 - 1, key="iseed")
        settings.save(SETTINGS)
        state = st.session_state
        M = _random(int(state.docs), int(state.words), float(state.p), int(state.iseed))
        return View(M, _labels("doc", M.shape[0]), _labels("word", M.shape[1]), p=float(state.p))
    text = side.text_area("Documents, one per line", key="documents", height=200)
    settings.save(SETTINGS)
    lines = [line for line in text.splitlines() if line.strip()]
    if len(text) > MAX_TEXT or len(lines) > MAX_DOCUMENTS:
        st.error(
            f"The text has {len(lines):,} documents and {len(text):,} characters; the page takes at most "
            f"{MAX_DOCUMENTS} documents and {MAX_TEXT:,} characters."
        )
        st.stop()
    try:
        dtm = _from_text(text)
    except g.GdInverseError as exc:
        frame.error(f"Documents: {exc}.")
        st.stop()
    if len(dtm.vocabulary) > MAX_WORDS:
        st.error(f"The documents use {len(dtm.vocabulary):,} distinct words; the page shows at most {MAX_WORDS}.")
        st.stop()
    return View(dtm.matrix, _labels("doc", len(dtm.documents)), dtm.vocabulary, texts=dtm.documents)


def table(view: View) -> pd.DataFrame:
    """The matrix with its labels, and the documents' text when there is one."""
    frame = pd.DataFrame(view.matrix.numpy(), index=list(view.documents), columns=list(view.words))
    if view.texts is not None:
        frame.insert(0, "text", list(view.texts))
    return frame
