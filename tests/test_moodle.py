"""The Moodle XML export against the format as MoodleDocs describes it and Moodle's importer reads it: every element a
numerical or multichoice question needs, answers and tolerances equal to the package's, HTML escaped, names unique."""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import gdinverse as g
from gdinverse.exercises import EPS32, Question, sheet
from gdinverse.moodle import DEFAULT_NAME, markdown_html, sheet_moodle_xml

SHEETS = [sheet(seed, 14) for seed in range(6)]  # two of each kind a sheet


def parse(text: str) -> list[ET.Element]:
    """The questions of a Moodle XML file after its category, checking the frame MoodleDocs asks for: the XML
    declaration on the first line, <quiz>, and a category "question" first."""
    assert text.splitlines()[0] == '<?xml version="1.0" encoding="UTF-8"?>'
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "quiz"
    category, *questions = root.findall("question")
    assert category.get("type") == "category" and category.findtext("category/text").startswith("$course$/")
    assert len(questions) == len(root) - 1  # nothing but questions in <quiz>
    return questions


def text_of(element: ET.Element, path: str) -> str:
    found = element.find(path)
    assert found is not None, f"no <{path}> in question {element.findtext('name/text')!r}"
    return found.text or ""


def exported(questions: tuple[Question, ...]) -> list[tuple[Question, ET.Element]]:
    elements = parse(sheet_moodle_xml(questions))
    assert len(elements) == len(questions)
    return list(zip(questions, elements, strict=True))


def pairs() -> list[tuple[Question, ET.Element]]:
    return [pair for qs in SHEETS for pair in exported(qs)]


def test_every_question_has_the_elements_moodle_needs():
    for q, e in pairs():
        # the tags common to every question type (MoodleDocs; qformat_xml::import_headers)
        assert text_of(e, "name/text").strip()
        for tag in ("questiontext", "generalfeedback"):
            assert e.find(tag).get("format") == "html" and text_of(e, f"{tag}/text").startswith("<p>")
        assert float(text_of(e, "defaultgrade")) == 1
        assert 0 <= float(text_of(e, "penalty")) <= 1
        assert text_of(e, "hidden") == "0"
        assert e.find("hint").get("format") == "html" and text_of(e, "hint/text") == markdown_html(q.hint)
        answers = e.findall("answer")
        if e.get("type") == "numerical":
            assert isinstance(q.answer, float) and not q.choices
            (answer,) = answers
            assert answer.get("fraction") == "100"
            assert math.isfinite(float(text_of(answer, "text"))) and float(text_of(answer, "tolerance")) >= 0
            assert text_of(e, "showunits") == "3"  # no units: a bare number is the answer
        else:
            assert e.get("type") == "multichoice" and q.choices
            assert text_of(e, "single") == "true"  # one answer: radio buttons
            assert text_of(e, "shuffleanswers") in ("true", "false")
            assert text_of(e, "answernumbering") in ("abc", "ABCD", "123", "iii", "IIII", "none")
            for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
                assert e.find(tag).get("format") == "html" and e.find(f"{tag}/text") is not None
            assert [a.get("fraction") for a in answers].count("100") == 1
            assert {a.get("fraction") for a in answers} == {"100", "0"}
            # a second try at a two-choice question cannot fail, so it earns nothing
            assert float(text_of(e, "penalty")) == (1.0 if len(answers) == 2 else pytest.approx(1 / 3, abs=1e-6))


def test_numbers_go_to_numerical_and_choices_to_multichoice():
    types = {q.kind: e.get("type") for q, e in pairs()}
    assert types == {
        "stable_lr": "numerical",
        "optimal_lr": "numerical",
        "steps": "numerical",
        "slowest": "multichoice",
        "diverges": "multichoice",
        "float32_digits": "numerical",
        "left_inverse": "multichoice",
    }


def test_answers_and_tolerances_equal_the_packages():
    for q, e in pairs():
        if e.get("type") != "numerical":
            continue
        answer, tolerance = float(text_of(e, "answer/text")), float(text_of(e, "answer/tolerance"))
        assert answer == q.answer  # written in full: Moodle grades against the package's float, not a rounding
        expected = q.tolerance * abs(q.answer) if q.tolerance_kind == "relative" else q.tolerance
        assert tolerance == expected


def test_a_relative_tolerance_is_converted_and_the_file_says_so():
    qs = sheet(1, 7)
    text = sheet_moodle_xml(qs)
    for number, q in enumerate(qs, start=1):
        if q.tolerance_kind == "relative" and not q.choices:  # the slowest direction is a multichoice question
            said = f"<!-- question {number}: {q.answer!r} ± {q.tolerance * q.answer!r} (5% of the answer, written as"
            assert said in text
    assert text.count("% of the answer") == sum(q.tolerance_kind == "relative" and not q.choices for q in qs) == 2


def reference(q: Question) -> float:
    """The answer computed independently of the package's closed forms."""
    sigma = np.linalg.svd(np.array(q.matrix, dtype=np.float64), compute_uv=False)
    k = len(q.matrix[0])
    if q.kind == "stable_lr":
        return k**2 / sigma[0] ** 2
    if q.kind == "optimal_lr":
        return k**2 / (sigma[0] ** 2 + sigma[-1] ** 2)
    if q.kind == "steps":
        return float(g.steps_to_tolerance(q.matrix, lr=q.experiment.lr, tol=1e-6))
    assert q.kind == "float32_digits"
    return -math.log10(EPS32 * sigma[0] / sigma[-1])


def test_the_tolerance_window_round_trips():
    """Moodle accepts answer ± tolerance (its nominal tolerance): that window holds the right answer, is the
    package's own (Question.check agrees just inside and just outside it), and excludes a wrong answer."""
    for q, e in pairs():
        if e.get("type") != "numerical":
            continue
        answer, tolerance = float(text_of(e, "answer/text")), float(text_of(e, "answer/tolerance"))
        assert abs(reference(q) - answer) <= tolerance
        for side in (-1, 1):
            assert q.check(answer + side * 0.999 * tolerance)
            assert not q.check(answer + side * 1.001 * tolerance)
        wrong = 2 * answer + 1
        assert abs(wrong - answer) > tolerance and not q.check(wrong)


def test_the_right_choice_is_the_packages_answer_and_the_choices_are_the_questions_own():
    for q, e in pairs():
        if e.get("type") != "multichoice":
            continue
        choices = [html.unescape(text_of(a, "text")) for a in e.findall("answer")]
        right = [html.unescape(text_of(a, "text")) for a in e.findall("answer") if a.get("fraction") == "100"]
        assert choices == list(q.choices)
        if q.kind == "slowest":
            sigma = np.linalg.svd(np.array(q.matrix, dtype=np.float64), compute_uv=False)
            assert [float(c) for c in choices] == pytest.approx(sorted(sigma))
            assert [float(c) for c in right] == pytest.approx([q.answer])
        else:
            assert choices == ["yes", "no"] and right == [q.answer]


def test_names_are_unique_also_when_kinds_repeat():
    qs = sheet(3, 50)
    names = [text_of(e, "name/text") for e in parse(sheet_moodle_xml(qs, name="Week 3"))]
    assert len(names) == 50 == len(set(names))
    assert names[0] == "Week 3: 01 the stable limit of lr" and names[7] == "Week 3: 08 the stable limit of lr"


def test_the_prompt_becomes_html_with_mathjax_delimiters():
    q = sheet(1, 1)[0]
    (e,) = parse(sheet_moodle_xml((q,)))
    text = text_of(e, "questiontext/text")
    assert "$" not in text and text.count(r"\(") == text.count(r"\)") == q.prompt.count("$") // 2 - 2
    assert r"\[M = \begin{pmatrix} 1 &amp; 0 &amp; 0 \\ 0 &amp; -8" in text  # $$…$$ displayed, & escaped
    assert r"\(0 &lt; lr &lt; lr_{max}\)" in text
    assert text.count("<p>") == 2  # the prompt's two paragraphs


def test_html_is_escaped_and_cdata_survives_its_end_marker():
    hostile = Question(
        kind="stable_lr",
        prompt='Is <script>alert("x")</script> & this ]]> safe? $a < b$ and **bold** `code`\n\n$$x > 0$$',
        answer=0.5,
        tolerance=0.1,
        tolerance_kind="relative",
        explanation="Because <b>tags</b> & ]]> stay text.",
        matrix=((1,),),
        experiment=None,
        hint="A hint with <i> and ]]>.",
    )
    text = sheet_moodle_xml((hostile,), name="A/B & <C>")
    (e,) = parse(text)
    prompt = text_of(e, "questiontext/text")
    assert "<script>" not in prompt and '&lt;script&gt;alert("x")&lt;/script&gt; &amp; this ]]&gt; safe?' in prompt
    assert r"\(a &lt; b\)" in prompt and r"\[x &gt; 0\]" in prompt
    assert "<strong>bold</strong> <code>code</code>" in prompt
    assert text_of(e, "generalfeedback/text") == "<p>Because &lt;b&gt;tags&lt;/b&gt; &amp; ]]&gt; stay text.</p>"
    assert text_of(e, "hint/text") == "<p>A hint with &lt;i&gt; and ]]&gt;.</p>"
    root = ET.fromstring(text.encode("utf-8"))
    assert root.find("question/category/text").text == "$course$/A//B & <C>"  # a / in a name is written //
    assert text_of(e, "name/text") == "A/B & <C>: 01 the stable limit of lr"
    assert float(text_of(e, "answer/tolerance")) == 0.05


def test_the_default_name_and_a_single_question():
    (e,) = parse(sheet_moodle_xml(sheet(0, 1)[0]))
    assert text_of(e, "name/text") == f"{DEFAULT_NAME}: 01 the stable limit of lr"


def test_bad_arguments():
    qs = sheet(0, 2)
    with pytest.raises(g.ParameterError, match="non-empty list of Question"):
        sheet_moodle_xml([])
    with pytest.raises(g.ParameterError, match="non-empty list of Question"):
        sheet_moodle_xml(["a question"])
    for name in ("", "   ", "x" * 101, "two\nlines", "two\rlines", 7):
        with pytest.raises(g.ParameterError, match="name must be one line of 1 to 100 characters"):
            sheet_moodle_xml(qs, name=name)
    with pytest.raises(g.ParameterError, match="name holds a character XML cannot carry"):
        sheet_moodle_xml(qs, name="bell\x07")
    broken = Question("diverges", "Diverge?\x07", "yes", 0.0, "exact", "", ((1,),), None)
    with pytest.raises(g.ParameterError, match=r"question 1 \(diverges\) holds the character '\\x07'"):
        sheet_moodle_xml(broken)
    unanswerable = Question("slowest", "Which?", 3.0, 0.05, "relative", "", ((1,),), None, choices=("1", "2"))
    with pytest.raises(g.ParameterError, match=r"exactly one of its choices \['1', '2'\] must be right, got 0"):
        sheet_moodle_xml(unanswerable)


def test_markdown_html_leaves_other_markdown_as_text():
    assert markdown_html("") == ""
    assert markdown_html("σ_max and *a* and 5 $ 6") == "<p>σ_max and *a* and 5 $ 6</p>"  # no italics, a lone $
    assert markdown_html("one\n\n  \ntwo") == "<p>one</p>\n<p>two</p>"
    assert re.fullmatch(r"<p>\\\(x\\\) \\\[y\\\]</p>", markdown_html("$x$ $$y$$"))
