"""The Indicator matrix page: it names the inverse the matrix really has, and its labels travel with it."""

from __future__ import annotations

import pytest

import gdinverse as g

from .test_app import charts, clean, key, open_page, texts, widget


def learn_button(at):
    return next(b for b in at.button if b.label.startswith("Learn "))


@pytest.mark.parametrize(
    ("docs", "words", "label", "kind"),
    [
        (17, 3, "Learn its left inverse by gradient descent →", "left"),
        (25, 5, "Learn its left inverse by gradient descent →", "left"),
        (5, 25, "Learn its pseudo-inverse by gradient descent →", "right"),
    ],
)
def test_the_button_and_sentence_follow_the_rank(docs, words, label, kind):
    at = clean(open_page("indicator", docs=str(docs), words=str(words), p="0.5", iseed="1"))
    found = g.one_sided_inverse(g.indicator_matrix(docs, words, 0.5, 1), dtype="float64")
    assert found.kind == kind
    assert learn_button(at).label == label
    assert found.description in texts(at, "info")
    assert next(m.value for m in at.metric if m.label == "rank") == str(found.rank)


def test_a_rank_deficient_tall_matrix_is_offered_the_pseudo_inverse():
    at = clean(open_page("indicator"))
    widget(at, "slider", "Words").set_value(40).run()  # 17 documents, 40 words: rank at most 17
    assert learn_button(clean(at)).label == "Learn its pseudo-inverse by gradient descent →"


def test_labels_travel_to_gradient_descent_and_back_to_the_heatmaps():
    at = clean(open_page("indicator", isource="text"))
    learn_button(at).click().run()
    clean(at)
    assert at.title[0].value == "Gradient descent"
    dtm = g.document_term_matrix("The cat sat on the mat\nThe dog sat on the log\nA cat and a dog\nThe mat")
    assert at.session_state[key(at, "cols")] == ",".join(dtm.vocabulary)
    assert at.session_state[key(at, "rows")] == ",".join(f"doc_{i + 1}" for i in range(len(dtm.documents)))
    link = {key: at.query_params[key] for key in ("source", "matrix", "rows", "cols")}
    link = {key: value[0] if isinstance(value, list) else value for key, value in link.items()}
    at = clean(open_page("exact", **link))  # the link of the Gradient descent page, opened on Exact inverse
    M = next(c for c in charts(at) if c["layout"]["title"]["text"].startswith("M ("))
    assert M["data"][0]["x"] == list(dtm.vocabulary)
    assert M["data"][0]["y"][:2] == ["doc_1", "doc_2"]
    assert at.subheader[0].value == "M is 4×9, not square: it has a right inverse"  # 4 documents, 9 words


def test_edited_text_that_no_longer_fits_its_labels_shows_none():
    at = clean(open_page("exact", source="text", matrix="1 0\n0 1", rows="doc_1,doc_2,doc_3", cols="a,b"))
    assert any("no longer fit" in w for w in texts(at, "warning"))
    M = next(c for c in charts(at) if c["layout"]["title"]["text"].startswith("M ("))
    assert M["data"][0].get("y") != ["doc_1", "doc_2", "doc_3"]


def test_controls_are_in_the_page_and_charts_have_captions():
    at = clean(open_page("indicator"))
    assert not at.sidebar.slider
    assert {s.label for s in at.main.slider} >= {"Documents", "Words"}
    captions = " ".join(texts(at, "caption"))
    assert "Heatmap of M" in captions and "Bars:" in captions


def test_blank_lines_between_documents_are_said_to_be_skipped():
    at = clean(open_page("indicator", isource="text", documents="apple pie\n\nbanana split\ncherry tart\n"))
    assert "Indicator matrix M: from your text, 3 documents" in at.expander[0].label
    skipped = [c for c in texts(at, "caption") if "blank line between documents skipped" in c]
    assert skipped == [
        "1 blank line between documents skipped: a document is a non-blank line, and documents are numbered "
        "without it (doc_1 … doc_3)."
    ]
    plain = clean(open_page("indicator", isource="text", documents="apple pie\nbanana split\n"))
    assert not any("blank line" in c for c in texts(plain, "caption"))  # a trailing newline is no blank line
