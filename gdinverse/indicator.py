"""Indicator data: which words appear in which documents, random or from real text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from . import rational
from .errors import MatrixInputError, ParameterError, check_float, check_int
from .limits import MAX_SEED
from .matrices import as_matrix

__all__ = ["DocumentTermMatrix", "IndicatorStats", "document_term_matrix", "indicator_matrix", "indicator_stats"]

MAX_SIZE = 100_000
"""Most documents or words :func:`indicator_matrix` draws."""
MAX_DOCUMENT_TERMS = 10**8
"""Most entries (documents × words) an indicator or document-term matrix may have (10⁸); not
:data:`gdinverse.limits.MAX_ENTRIES`, which bounds gradient descent's residual."""
_LETTERS = r"[^\W_]\w*"  # a letter or digit, then letters, digits and "_" (combining marks, see _MarksAsUnderscore)
_WORD = re.compile(rf"{_LETTERS}(?:['’]{_LETTERS})*")


class _MarksAsUnderscore(dict[int, str]):
    """A str.translate table: combining marks (accents, vowel signs) become "_", a real "_" a space.

    Python's regular expressions cannot name the marks, so tokenize matches words on this
    translation, one character for one, and cuts them from the original text.
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char == "_":
            self[code] = " "
        elif unicodedata.category(char).startswith("M"):
            self[code] = "_"
        else:
            self[code] = char
        return self[code]


_MARKS = _MarksAsUnderscore()


def indicator_matrix(n_documents: int, n_words: int, p: float = 0.2, seed: int = 123) -> torch.Tensor:
    """A random documents × words 0/1 matrix (int32): each word is in each document with probability ``p``.

    With the seed notebook's arguments (17, 3, 0.2, 123) it is the notebook's matrix.
    (The notebook's own code wrote ``< 0.2`` and ignored ``p``; here ``p`` is honoured.)

    >>> indicator_matrix(4, 3, p=0.5, seed=0)
    tensor([[1, 0, 1],
            [1, 1, 0],
            [1, 0, 1],
            [0, 1, 1]], dtype=torch.int32)
    >>> indicator_matrix(17, 3).sum(dim=0)  # the notebook's matrix: how many documents hold each word
    tensor([3, 4, 3])
    """
    n_documents = check_int("n_documents", n_documents, low=1, high=MAX_SIZE)
    n_words = check_int("n_words", n_words, low=1, high=MAX_SIZE)
    if n_documents * n_words > MAX_DOCUMENT_TERMS:
        raise ParameterError(f"{n_documents:,}×{n_words:,} is over 10⁸ entries; ask for a smaller matrix")
    p = check_float("p", p, low=0.0, high=1.0)
    seed = check_int("seed", seed, low=0, high=MAX_SEED)
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(n_documents, n_words, generator=gen) < p).int()


@dataclass(frozen=True)
class DocumentTermMatrix:
    """Which words of ``vocabulary`` occur in each of ``documents``."""

    matrix: torch.Tensor = field(repr=False)
    """documents × words, int32: 1 where the word occurs in the document."""
    vocabulary: tuple[str, ...]
    """The distinct words, sorted: the matrix's columns."""
    documents: tuple[str, ...]
    """The documents as given: the matrix's rows."""


def tokenize(text: str) -> list[str]:
    """The lower-cased words of ``text``: letters and digits with their accents and other combining marks
    (in Unicode's composed form, NFC), and apostrophes inside words."""
    text = unicodedata.normalize("NFC", text.lower())
    return [text[word.start() : word.end()] for word in _WORD.finditer(text.translate(_MARKS))]


def same_word(word: str) -> str:
    """What two spellings of one word share: Unicode's compatibility forms and case folding (NFKC_Casefold:
    "Straße" and "STRASSE", "Apple" and "apple", full-width "ＡＢＣ" and "abc", "İstanbul" and "istanbul" are one
    word each) and one apostrophe (’ typed as ')."""
    folded = unicodedata.normalize("NFKC", word).casefold().replace("’", "'")
    return unicodedata.normalize("NFKC", folded).replace("i\u0307", "i")  # Turkish İ folds to i + a dot above


def document_term_matrix(documents: Sequence[str] | str) -> DocumentTermMatrix:
    """The 0/1 document-term matrix of plain-text documents.

    ``documents`` is a list of strings, or one string with a document on each
    non-blank line. Words are runs of letters and digits (:func:`tokenize`); two
    spellings that differ only in case or in the apostrophe are one word
    (:func:`same_word`), shown as first written, lower-cased.

    >>> words = document_term_matrix(["The cat sat.", "The dog sat.", "A cat and a dog."])
    >>> words.vocabulary
    ('a', 'and', 'cat', 'dog', 'sat', 'the')
    >>> words.matrix
    tensor([[0, 0, 1, 0, 1, 1],
            [0, 0, 0, 1, 1, 1],
            [1, 1, 1, 1, 0, 0]], dtype=torch.int32)
    """
    if isinstance(documents, str):
        documents = [line for line in documents.splitlines() if line.strip()]
    if isinstance(documents, bytes) or not isinstance(documents, Sequence):
        raise ParameterError(f"documents must be a list of strings, got {type(documents).__name__}")
    for i, document in enumerate(documents, start=1):
        if not isinstance(document, str):
            raise ParameterError(
                f"documents must be a list of strings, but document {i} is {type(document).__name__} "
                f"({document!r:.30}); give each document as text"
            )
    if not documents:
        raise ParameterError("there are no documents; give at least one line of text")
    written: dict[str, str] = {}  # each word, by what its spellings share, as first written
    tokens = []
    for i, document in enumerate(documents, start=1):
        words = {written.setdefault(same_word(word), word) for word in tokenize(document)}
        if not words:
            raise MatrixInputError(
                f"document {i} ({document.strip()[:30]!r}) has no words; remove it or give it some text"
            )
        tokens.append(words)
    vocabulary = sorted(written.values())
    if len(documents) * len(vocabulary) > MAX_DOCUMENT_TERMS:
        size = f"{len(documents):,} documents × {len(vocabulary):,} words"
        raise ParameterError(f"{size} is over 10⁸ entries; give fewer or shorter documents")
    column = {word: j for j, word in enumerate(vocabulary)}
    matrix = torch.zeros(len(documents), len(vocabulary), dtype=torch.int32)
    for i, words in enumerate(tokens):
        matrix[i, [column[w] for w in words]] = 1
    return DocumentTermMatrix(matrix=matrix, vocabulary=tuple(vocabulary), documents=tuple(documents))


@dataclass(frozen=True)
class IndicatorStats:
    """Counts that describe a documents × words 0/1 matrix."""

    words_per_document: np.ndarray = field(repr=False)
    documents_per_word: np.ndarray = field(repr=False)
    density: float
    """The share of ones: compare it with the p the matrix was drawn with."""
    empty_documents: tuple[int, ...]
    """Rows with no word (0-based)."""
    unused_words: tuple[int, ...]
    """Columns no document uses (0-based)."""
    rank: int
    """The matrix rank, decided exactly (:func:`gdinverse.rational.rank`; numerically, by SVD, only for a matrix too
    big for exact arithmetic): a left inverse (X @ M = I) exists iff it equals the number of words."""


def indicator_stats(matrix: Any) -> IndicatorStats:
    """Row and column counts, density, empty rows, unused columns and rank of a 0/1 matrix.

    The seed's 17×3 matrix has rank 3, as many as its words, so it has a left inverse; 11 of its 17
    documents hold none of the words:

    >>> stats = indicator_stats(indicator_matrix(17, 3))
    >>> stats.rank, len(stats.empty_documents), stats.unused_words
    (3, 11, ())
    >>> stats.words_per_document[:6]
    array([0, 1, 3, 0, 2, 1])
    """
    M = as_matrix(matrix, dtype=torch.float64, name="indicator matrix")
    if not bool(((M == 0) | (M == 1)).all()):
        raise MatrixInputError("an indicator matrix holds only 0 and 1; this one has other values")
    rows, cols = M.sum(dim=1), M.sum(dim=0)
    return IndicatorStats(
        words_per_document=rows.to(torch.int64).numpy(),
        documents_per_word=cols.to(torch.int64).numpy(),
        density=float(M.mean()),
        empty_documents=tuple((rows == 0).nonzero().flatten().tolist()),
        unused_words=tuple((cols == 0).nonzero().flatten().tolist()),
        rank=_rank(M),
    )


def _rank(M: torch.Tensor) -> int:
    exact = rational.rank(M.numpy())
    return exact if exact is not None else int(torch.linalg.matrix_rank(M))
