"""Indicator data: random indicator matrices and document-term matrices from text."""

import pytest
import torch

import gdinverse as g


def test_indicator_honours_p():
    M = g.indicator_matrix(400, 50, p=0.7, seed=1)
    assert M.shape == (400, 50) and M.dtype == torch.int32
    assert set(M.unique().tolist()) == {0, 1}
    assert float(M.float().mean()) == pytest.approx(0.7, abs=0.01)
    assert g.indicator_matrix(5, 5, p=0.0).sum() == 0
    assert g.indicator_matrix(5, 5, p=1.0).sum() == 25


def test_indicator_is_reproducible_and_leaves_the_global_rng_alone():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    a = g.indicator_matrix(10, 4, seed=5)
    assert torch.rand(3).equal(expected)
    assert a.equal(g.indicator_matrix(10, 4, seed=5))
    assert not a.equal(g.indicator_matrix(10, 4, seed=6))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 3), "n_documents must be between 1"),
        ((-3, 3), "got -3"),
        ((3, 0), "n_words must be between 1"),
        ((3, 3, 1.5), "p must be a finite number in [0, 1], got 1.5"),
        ((3, 3, -0.1), "got -0.1"),
        ((3, 3, float("nan")), "got nan"),
        ((3, 3, 0.2, -1), "seed must be between 0"),
        ((100_000, 100_000), "over 10⁸ entries"),
    ],
)
def test_indicator_bad_arguments(args, message):
    with pytest.raises(g.ParameterError) as info:
        g.indicator_matrix(*args)
    assert message in str(info.value)


def test_document_term_matrix_from_text():
    dtm = g.document_term_matrix(["The cat sat.", "the DOG sat, the dog ran!", "Ünïcode café — don't"])
    assert dtm.vocabulary == ("café", "cat", "dog", "don't", "ran", "sat", "the", "ünïcode")
    assert dtm.matrix.dtype == torch.int32
    assert dtm.matrix.tolist() == [
        [0, 1, 0, 0, 0, 1, 1, 0],
        [0, 0, 1, 0, 1, 1, 1, 0],
        [1, 0, 0, 1, 0, 0, 0, 1],
    ]
    assert dtm.documents[1] == "the DOG sat, the dog ran!"


def test_spellings_of_one_word_are_one_column_shown_as_first_written():
    """Case folding (ß and SS), the typographic apostrophe, and composed or decomposed accents: one word each."""
    dtm = g.document_term_matrix(["Die Straße, don’t", "die STRASSE, don't", "cafe\u0301 Café", "İstanbul ＡＢＣ",
                                  "istanbul abc"])  # fmt: skip
    assert dtm.vocabulary == ("café", "die", "don’t", "i̇stanbul", "straße", "ａｂｃ")
    assert dtm.matrix.tolist() == [[0, 1, 1, 0, 1, 0], [0, 1, 1, 0, 1, 0], [1, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 1],
                                   [0, 0, 0, 1, 0, 1]]  # fmt: skip


def test_document_term_matrix_from_one_string_of_lines():
    dtm = g.document_term_matrix("alpha beta\n\n   \nbeta gamma\n")
    assert dtm.matrix.shape == (2, 3)


def test_markup_is_just_words():
    dtm = g.document_term_matrix(["<script>alert('x')</script>"])
    assert dtm.vocabulary == ("alert", "script", "x")


@pytest.mark.parametrize(
    ("documents", "error", "message"),
    [
        ([], g.ParameterError, "there are no documents"),
        ("", g.ParameterError, "there are no documents"),
        (["fine words", "!!! ---"], g.MatrixInputError, "document 2 ('!!! ---') has no words"),
        ([1, 2], g.ParameterError, "documents must be a list of strings"),
        (None, g.ParameterError, "documents must be a list of strings"),
    ],
)
def test_document_term_matrix_bad_input(documents, error, message):
    with pytest.raises(error) as info:
        g.document_term_matrix(documents)
    assert message in str(info.value)


def test_indicator_stats_of_the_seed_matrix():
    stats = g.indicator_stats(g.indicator_matrix(17, 3))
    assert stats.words_per_document.tolist() == [0, 1, 3, 0, 2, 1, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0]
    assert stats.documents_per_word.tolist() == [3, 4, 3]
    assert stats.density == pytest.approx(10 / 51)
    assert stats.empty_documents == (0, 3, 6, 7, 8, 10, 11, 13, 14, 15, 16)
    assert stats.unused_words == ()
    assert stats.rank == 3


def test_indicator_stats_flags_unused_words_and_refuses_other_values():
    assert g.indicator_stats([[1, 0, 0], [1, 0, 0]]).unused_words == (1, 2)
    with pytest.raises(g.MatrixInputError, match="only 0 and 1"):
        g.indicator_stats([[2, 0]])
