"""The Indicator matrix page's model: a random documents × words matrix (the notebook's 17×3) or the
document-term matrix of a text, its counts, which inverse it has, and the figures."""

from __future__ import annotations

from dataclasses import dataclass

import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.models.gradient_descent import Metric
from gdinverse_app.models.memo import Chart, memo
from gdinverse_app.requests import IndicatorRequest
from gdinverse_app.settings import MAX_DOCUMENTS, MAX_WORDS

MAX_TEXT = 50_000


@dataclass(frozen=True)
class View:
    """The matrix, with its row and column labels."""

    matrix: torch.Tensor
    documents: tuple[str, ...]
    """Row labels: doc_1, doc_2, …"""
    words: tuple[str, ...]
    """Column labels: word_1, … or the real words."""
    texts: tuple[str, ...] | None = None
    """The documents' text, when built from text."""


def _labels(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}_{i + 1}" for i in range(n))


def _source(request: IndicatorRequest) -> IndicatorRequest:
    """The request with only what the matrix depends on (style does not change it)."""
    if request.source == "random":
        return IndicatorRequest("random", request.documents, request.words, request.p, request.seed)
    return IndicatorRequest("text", text=request.text)


def text_problem(text: str) -> str | None:
    """Why the page refuses this text before reading it, if it does."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(text) > MAX_TEXT or len(lines) > MAX_DOCUMENTS:
        return (
            f"The text has {len(lines):,} documents and {len(text):,} characters; the page takes at most "
            f"{MAX_DOCUMENTS} documents and {MAX_TEXT:,} characters."
        )
    return None


def blank_lines(text: str) -> str | None:
    """What happens to blank lines between documents, if there are any."""
    lines = [line for line in text.splitlines() if line.strip()]
    blank = sum(1 for line in text.strip().splitlines() if not line.strip())  # between documents, not at the ends
    if not blank:
        return None
    return (
        f"{blank} blank line{'s' if blank > 1 else ''} between documents skipped: a document is a non-blank line, "
        f"and documents are numbered without {'them' if blank > 1 else 'it'} (doc_1 … doc_{len(lines)})."
    )


@memo
def view(request: IndicatorRequest) -> View:
    """The matrix a request describes, random or from text (:class:`gdinverse.GdInverseError` if unusable)."""
    request = _source(request)
    if request.source == "random":
        M = g.indicator_matrix(request.documents, request.words, request.p, request.seed)
        return View(M, _labels("doc", M.shape[0]), _labels("word", M.shape[1]))
    dtm = g.document_term_matrix(request.text)
    if len(dtm.vocabulary) > MAX_WORDS:
        raise g.ParameterError(
            f"the documents use {len(dtm.vocabulary):,} distinct words; the page shows at most {MAX_WORDS}: shorten "
            "the text or give fewer documents (the package's document_term_matrix takes any number)"
        )
    return View(dtm.matrix, _labels("doc", len(dtm.documents)), dtm.vocabulary, texts=dtm.documents)


@dataclass(frozen=True)
class IndicatorPage:
    """Everything the Indicator matrix page shows."""

    metrics: tuple[Metric, ...]
    """Size, density (with its delta against p for a random matrix), rank and empty documents."""
    warnings: tuple[str, ...]
    """Plain text: documents with no word, words no document uses."""
    inverse: str
    """Which one-sided inverse M has (the package's sentence)."""
    kind: str
    """"inverse", "left", "right" or "pseudo"."""
    rank: int
    heatmap: Chart
    per_document: Chart
    per_word: Chart
    learn: str | None
    """The button's label that takes M to Gradient descent (None: all zeros, nothing to learn)."""
    learn_caption: str


@memo
def page(request: IndicatorRequest) -> IndicatorPage:
    shown = view(request)
    M = shown.matrix
    stats = g.indicator_stats(M)
    found = g.one_sided_inverse(M, dtype="float64")
    docs, words = M.shape
    documents_text = f"{docs} document{'s' if docs != 1 else ''}"
    words_text = f"{words} word{'s' if words != 1 else ''}"
    warnings = []
    if stats.empty_documents:
        names = ", ".join(shown.documents[i] for i in stats.empty_documents[:20])
        warnings.append(
            f"{len(stats.empty_documents)} document(s) contain none of the words: {names}"
            + (" …" if len(stats.empty_documents) > 20 else "")
        )
    if stats.unused_words:
        warnings.append("Never used: " + ", ".join(shown.words[j] for j in stats.unused_words[:20]))
    shown_words = ", ".join(shown.words[:8]) + (" …" if words > 8 else "")
    style = request.style
    rows, cols = list(shown.documents), list(shown.words)
    heatmap = Chart.of(
        plots.indicator_heatmap(M, row_labels=rows, column_labels=cols, style=style),
        f"Heatmap of M: {documents_text} (rows) × {words_text} (columns: {shown_words}); dark cells are 1s, "
        f"{int(M.sum())} of {docs * words} (density {stats.density:.3f}).",
    )
    per_document = Chart.of(
        plots.counts_figure(stats.words_per_document, rows, title="Words per document", style=style),
        f"Bars: how many of the {words_text} each document holds; {len(stats.empty_documents)} hold none.",
    )
    per_word = Chart.of(
        plots.counts_figure(stats.documents_per_word, cols, title="Documents per word", style=style),
        f"Bars: in how many of the {documents_text} each word occurs; {len(stats.unused_words)} occur in none.",
    )
    target = {"left": "its left inverse", "inverse": "its inverse"}.get(found.kind, "its pseudo-inverse")
    ends = {
        "inverse": "X @ M → I: M is square of full rank, so X ends at M⁻¹",
        "left": f"X @ M → I: M has full column rank ({found.rank} of {words} words), so X ends at M⁺, its left "
        "inverse of least norm",
        "right": f"X @ M cannot reach I (rank {found.rank} < {words} words): the loss stops at its floor and X ends at "
        "M⁺, which is a right inverse here (M @ M⁺ = I)",
        "pseudo": f"X @ M cannot reach I (rank {found.rank} < {words} words): the loss stops at its floor and X ends "
        "at M⁺",
    }[found.kind]
    p = request.p if request.source == "random" else None
    return IndicatorPage(
        metrics=(
            Metric("documents × words", f"{docs} × {words}"),
            Metric(
                "density (share of 1s)",
                f"{stats.density:.3f}",
                delta=None if p is None else f"{stats.density - p:+.3f} against p = {p:g}",
            ),
            Metric("rank", f"{found.rank}"),
            Metric("empty documents", f"{len(stats.empty_documents)}"),
        ),
        warnings=tuple(warnings),
        inverse=found.description,
        kind=found.kind,
        rank=found.rank,
        heatmap=heatmap,
        per_document=per_document,
        per_word=per_word,
        learn=None if found.rank == 0 else f"Learn {target} by gradient descent →",
        learn_caption=(
            "Every entry is 0, so X @ M = 0 whatever X is: there is nothing to learn. Raise p, or add words."
            if found.rank == 0
            else f"Gradient descent on mean((X @ M − I)²) from zeros: {ends}."
        ),
    )


def title(request: IndicatorRequest) -> str:
    """The chooser's title: what the matrix is, from the settings."""
    if request.source == "random":
        return (
            f"Indicator matrix M: {request.documents} documents × {request.words} words, random "
            f"(p = {request.p:g}, seed {request.seed})"
        )
    lines = sum(1 for line in request.text.splitlines() if line.strip())
    return f"Indicator matrix M: from your text, {lines} document{'' if lines == 1 else 's'}"
