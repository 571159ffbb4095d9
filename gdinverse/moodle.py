r"""A sheet of exercises as a Moodle XML quiz, for a teacher to import into Moodle (or another LMS that reads it).

:func:`sheet_moodle_xml` writes a category, then each :class:`~gdinverse.exercises.Question`:

* as a **numerical** question when its answer is a number: one answer of fraction 100 with a ``<tolerance>``.
  Moodle's numerical tolerance is absolute (the answer ± tolerance is accepted), so a relative tolerance (5% for
  the learning rates) is converted to tolerance·|answer|; an XML comment before the question says so. Answers and
  tolerances are written with Python's ``repr`` (the shortest text that reads back as the same float), so Moodle
  grades against the package's numbers, not rounded ones.
* as a **multichoice** question (one answer, radio buttons, in the order given) when it has ``choices``: yes/no,
  or the slowest-direction question's singular values. The right choice has fraction 100, the others 0.

Every question has a unique ``name``, its prompt as ``questiontext format="html"`` (the prompt's Markdown as
HTML, its LaTeX between the ``\( \)`` and ``\[ \]`` delimiters Moodle's MathJax filter reads), the explanation as
``generalfeedback``, ``defaultgrade`` 1, ``penalty`` (Moodle's default 1/3, but 1 for a two-choice question,
whose second try cannot fail) and ``hidden`` 0, and its hint as a ``<hint>``: with the quiz behaviour
"Interactive with multiple tries" Moodle shows it after a wrong answer and gives another try before the answer.
HTML goes into CDATA sections (split where the text holds ``]]>``), with the text inside it HTML-escaped.

Format as documented and as Moodle itself reads it:

* MoodleDocs, "Moodle XML format" (https://docs.moodle.org/en/Moodle_XML_format; read as stored for Moodle 1.9
  and 2.1, https://docs.moodle.org/21/en/Moodle_XML_format): the ``<?xml?>`` line first, ``<quiz>``, a category
  "question", UTF-8, HTML in CDATA; the tags common to every question (name, questiontext with its format,
  generalfeedback, defaultgrade, penalty, hidden); multichoice's ``single``, ``shuffleanswers``,
  ``answernumbering`` and the combined feedback; numerical answers with ``fraction`` and ``tolerance``.
* Moodle's importer, question/format/xml/format.php in github.com/moodle/moodle (``qformat_xml``:
  ``import_headers``, ``import_multichoice``, ``import_numerical``, ``import_hints``, ``import_category``), and
  its category paths (question/format.php: ``/`` inside a name is written ``//``); the numerical tolerance
  interval, question/type/numerical/question.php (``qtype_numerical_answer::get_tolerance_interval``: nominal,
  answer ± tolerance).
"""

from __future__ import annotations

import html
import re
from typing import Any
from xml.sax.saxutils import escape

from .errors import ParameterError
from .exercises import Question, as_questions

__all__ = ["DEFAULT_NAME", "MAX_NAME", "PENALTY", "markdown_html", "sheet_moodle_xml"]

DEFAULT_NAME = "gdinverse exercises"
MAX_NAME = 100
"""The longest category name; a question's name adds its number and kind (Moodle allows 255 characters)."""
PENALTY = "0.3333333"
"""The share of the mark a wrong try costs (Moodle's default, written as Moodle writes it)."""

_TITLES = {
    "stable_lr": "the stable limit of lr",
    "optimal_lr": "the optimal lr",
    "steps": "steps to a loss of 1e-6",
    "slowest": "the slowest direction",
    "diverges": "does it diverge?",
    "float32_digits": "float32 digits",
    "left_inverse": "a left inverse?",
}
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _inline(text: str) -> str:
    """Markdown text without math as HTML: escaped, with **bold** and `code`."""
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def markdown_html(markdown: str) -> str:
    r"""The Markdown the questions use as HTML: paragraphs, **bold**, `code`, and LaTeX between $…$ (inline, as
    ``\( \)``) and $$…$$ (displayed, as ``\[ \]``), its characters HTML-escaped. Other Markdown stays as text."""
    if not markdown.strip():
        return ""
    paragraphs = []
    for block in re.split(r"\n(?:[ \t]*\n)+", markdown.strip()):
        block = block.strip()
        parts, end = [], 0
        for match in _MATH.finditer(block):
            parts.append(_inline(block[end : match.start()]))
            display, inline = match.groups()
            math = html.escape(display if display is not None else inline, quote=False)
            parts.append(rf"\[{math}\]" if display is not None else rf"\({math}\)")
            end = match.end()
        parts.append(_inline(block[end:]))
        paragraphs.append(f"<p>{''.join(parts)}</p>")
    return "\n".join(paragraphs)


def _cdata(text: str) -> str:
    """``text`` as XML character data: a CDATA section (two where it holds ``]]>``), or nothing if empty."""
    if not text:
        return ""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _html_field(tag: str, markdown: str, indent: str = "    ") -> str:
    """``<tag format="html">`` holding ``markdown`` as HTML in CDATA."""
    return f'{indent}<{tag} format="html">\n{indent}  <text>{_cdata(markdown_html(markdown))}</text>\n{indent}</{tag}>'


def _number(x: float) -> str:
    """A float as the shortest text that reads back as the same float (e.g. 0.140625, 28.0, 1.5e-05)."""
    return repr(float(x))


def _category(name: str) -> str:
    """The category path ``$course$/name``, with a ``/`` inside the name doubled as Moodle's paths write it."""
    escaped = name.replace("/", "//")
    if escaped.startswith("/"):
        escaped = " " + escaped
    if escaped.endswith("/"):
        escaped += " "
    return f"$course$/{escaped}"


def _choices(q: Question) -> tuple[str, ...]:
    if q.choices:
        return q.choices
    return ("yes", "no") if isinstance(q.answer, str) else ()


def _numerical(q: Question, number: int, label: str) -> list[str]:
    assert not isinstance(q.answer, str)
    if q.tolerance_kind == "relative":
        tolerance = q.tolerance * abs(q.answer)
        note = f"{q.tolerance * 100:g}% of the answer, written as the absolute tolerance Moodle takes"
    else:
        tolerance = q.tolerance if q.tolerance_kind == "absolute" else 0.0
        note = "absolute" if q.tolerance_kind == "absolute" else "exact"
    return [
        f"  <!-- question {number}: {_number(q.answer)} ± {_number(tolerance)} ({note}) -->",
        '  <question type="numerical">',
        *_common(q, label, PENALTY),
        '    <answer fraction="100" format="moodle_auto_format">',
        f"      <text>{_number(q.answer)}</text>",
        f"      <tolerance>{_number(tolerance)}</tolerance>",
        '      <feedback format="html">',
        "        <text></text>",
        "      </feedback>",
        "    </answer>",
        "    <unitgradingtype>0</unitgradingtype>",
        "    <unitpenalty>0.1000000</unitpenalty>",
        "    <showunits>3</showunits>",
        "    <unitsleft>0</unitsleft>",
        *_hint(q),
        "  </question>",
    ]


def _multichoice(q: Question, number: int, label: str, choices: tuple[str, ...]) -> list[str]:
    right = [choice for choice in choices if q.check(choice)]
    if len(right) != 1:
        raise ParameterError(
            f"question {number} ({q.kind}): exactly one of its choices {list(choices)} must be right, "
            f"got {len(right)}; give choices that hold the answer {q.answer!r} once"
        )
    lines = [
        '  <question type="multichoice">',
        *_common(q, label, "1.0000000" if len(choices) == 2 else PENALTY),
        "    <single>true</single>",
        "    <shuffleanswers>false</shuffleanswers>",
        "    <answernumbering>abc</answernumbering>",
        _html_field("correctfeedback", "Right."),
        _html_field("partiallycorrectfeedback", ""),
        _html_field("incorrectfeedback", "Not right."),
    ]
    for choice in choices:
        lines += [
            f'    <answer fraction="{100 if choice in right else 0}" format="html">',
            f"      <text>{_cdata(_inline(choice))}</text>",
            '      <feedback format="html">',
            "        <text></text>",
            "      </feedback>",
            "    </answer>",
        ]
    return [*lines, *_hint(q), "  </question>"]


def _common(q: Question, label: str, penalty: str) -> list[str]:
    """The tags every question has: name, questiontext, generalfeedback, defaultgrade, penalty, hidden."""
    return [
        "    <name>",
        f"      <text>{escape(label)}</text>",
        "    </name>",
        _html_field("questiontext", q.prompt),
        _html_field("generalfeedback", q.explanation),
        "    <defaultgrade>1</defaultgrade>",
        f"    <penalty>{penalty}</penalty>",
        "    <hidden>0</hidden>",
    ]


def _hint(q: Question) -> list[str]:
    return [_html_field("hint", q.hint)] if q.hint else []


def sheet_moodle_xml(questions: Any, *, name: str = DEFAULT_NAME) -> str:
    """``questions`` (as :func:`gdinverse.exercises.sheet` returns) as a Moodle XML quiz in the category ``name``.

    Each question's Moodle name is ``name``, its number and its kind ("gdinverse exercises: 01 the stable limit of
    lr"), so names are unique within the file. See the module docstring for the format.
    """
    questions = as_questions(questions)
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or re.search(r"[\n\r]", name):
        raise ParameterError(
            f"name must be one line of 1 to {MAX_NAME} characters (the quiz category), got {name!r:.60}"
        )
    name = name.strip()
    if _NOT_XML.search(name):
        raise ParameterError(f"name holds a character XML cannot carry, got {name!r:.60}; remove it")
    info = (
        f"{len(questions)} questions from gdinverse.exercises. Give the quiz the question behaviour "
        "'Interactive with multiple tries': a wrong answer then gets the question's hint and another try."
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<quiz>",
        '  <question type="category">',
        "    <category>",
        f"      <text>{escape(_category(name))}</text>",
        "    </category>",
        _html_field("info", info),
        "  </question>",
    ]
    for number, q in enumerate(questions, start=1):
        texts = (q.prompt, q.explanation, q.hint, *q.choices)
        bad = next((m for m in map(_NOT_XML.search, texts) if m), None)
        if bad:
            raise ParameterError(
                f"question {number} ({q.kind}) holds the character {bad.group()!r}, which XML cannot carry; "
                "remove it from its text"
            )
        label = f"{name}: {number:02d} {_TITLES.get(q.kind, q.kind)}"
        choices = _choices(q)
        lines += _multichoice(q, number, label, choices) if choices else _numerical(q, number, label)
    lines.append("</quiz>")
    return "\n".join(lines) + "\n"
