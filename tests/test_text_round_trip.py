"""Text as written or an error: pasted matrices round-trip in every supported style, and malformed ones name
the place.

Property tests (Hypothesis, budget in conftest.py) write made-up float64 matrices in each style parse_matrix
documents — plain rows, CSV, TSV, one line with ';', MATLAB, Python lists, JSON, numpy's and torch's prints,
Mathematica, LaTeX — with every documented separator (Unicode spaces beside ASCII blanks, Unicode line breaks)
and every accepted minus form, and read them back exactly. Then they break one entry the way pasted text breaks
(a Unicode space inside a number, a digit of another script, a dash that is not a minus sign, an invisible or
control character, a superscript) and check that the error names that entry's row and column. Exhaustive loops
check every character of each Unicode class concerned.
"""

import json
import sys
import unicodedata

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gdinverse as g

ALL_CHARACTERS = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def _category(prefix):
    return [c for c in ALL_CHARACTERS if unicodedata.category(c) == prefix]


UNICODE_SPACES = [c for c in _category("Zs") if c != " "]
LINE_BREAKS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x85"]
"""Every line and paragraph separator (Zl, Zp) and NEL: documented row breaks."""
MINUS_SIGNS = ["-", "\u2212", "\u2010", "\u2011", "\u2012", "\u2013", "\ufe63", "\uff0d"]
"""The minus forms parse_matrix documents."""
OTHER_DASHES = [c for c in _category("Pd") if c not in MINUS_SIGNS] + ["\u2796", "\u02d7", "\u207b", "\u208b"]
OTHER_DIGITS = [c for c in _category("Nd") if not "0" <= c <= "9"]
CONTROLS = [c for c in _category("Cc") if c not in "\t\n\r\x85"]
INVISIBLE = _category("Cf")
OTHER_NUMBERS = _category("No") + _category("Nl")  # superscripts, fractions like ½, Roman numerals

SEPARATORS = [" ", "  ", " \u00a0", "\u2003 ", "\u3000\u3000", " \u202f ", "\u2009 \u2009"]
"""Between two entries: an ASCII space, or Unicode spaces that do not stand alone between two digits."""


def _minus(draw, text):
    """The text with each '-' written as one of the documented minus forms."""
    return "".join(draw(st.sampled_from(MINUS_SIGNS)) if char == "-" else char for char in text)


def _tokens(M):
    """Each entry as the shortest text that gives back its float64: repr."""
    return [[repr(float(x)) for x in row] for row in M]


def _join(draw, cells, separator):
    return (
        separator.join(cells)
        if isinstance(separator, str)
        else "".join(cell + (draw(separator) if i < len(cells) - 1 else "") for i, cell in enumerate(cells))
    )


STYLES = {
    "plain rows": lambda draw, T: draw(st.sampled_from(LINE_BREAKS)).join(
        _join(draw, row, st.sampled_from(SEPARATORS)) for row in T
    ),
    "CSV": lambda draw, T: "\n".join(_join(draw, row, st.sampled_from([",", ", ", ",\u00a0", " , "])) for row in T),
    "CSV, quoted": lambda draw, T: "\r\n".join(",".join(f'"{t}"' for t in row) for row in T),
    "TSV": lambda draw, T: "\r\n".join("\t".join(row) for row in T) + "\r\n",
    "one line with ;": lambda draw, T: "; ".join(" ".join(row) for row in T),
    "MATLAB": lambda draw, T: "A = [" + ";\n ".join(" ".join(row) for row in T) + "];",
    "MATLAB, commas": lambda draw, T: "[" + "\n".join(", ".join(row) for row in T) + "]",
    "Python list": lambda draw, T: "[" + ", ".join("[" + ", ".join(row) + "]" for row in T) + "]",
    "Mathematica": lambda draw, T: (
        "{" + ", ".join("{" + ", ".join(t.replace("e", "*^") for t in row) + "}" for row in T) + "}"
    ),
    "LaTeX bmatrix": lambda draw, T: (
        "\\begin{bmatrix}\n" + " \\\\\n".join(" & ".join(row) for row in T) + "\n\\end{bmatrix}"
    ),
    "LaTeX, powers of ten": lambda draw, T: (
        "$$\\begin{pmatrix} "
        + " \\\\ ".join(" & ".join(_latex_power(t) for t in row) for row in T)
        + " \\end{pmatrix}$$"
    ),
}
"""Styles written from the entries' text (so that one entry can be broken): style(draw, tokens) -> text."""


def _latex_power(token):
    mantissa, _, exponent = token.partition("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}" if exponent else token


def _printed(M, style):
    """Styles another program writes whole: numpy's repr and print, torch's print, JSON."""
    if style == "JSON":
        return json.dumps(M.tolist())
    if style == "numpy repr":
        with np.printoptions(floatmode="unique", threshold=sys.maxsize):
            return repr(M)
    if style == "numpy print":
        with np.printoptions(floatmode="unique", threshold=sys.maxsize):
            return str(M)
    torch.set_printoptions(precision=17, sci_mode=True, profile=None)
    try:
        return str(torch.from_numpy(M))  # tensor([[...]], dtype=torch.float64)
    finally:
        torch.set_printoptions(profile="default")


PRINTED = ["JSON", "numpy repr", "numpy print", "torch print"]

values = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False)
matrices = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5), elements=values)


def _same(back, M):
    M = torch.from_numpy(M)
    return torch.equal(back, M) and torch.equal(torch.signbit(back), torch.signbit(M))


@pytest.mark.parametrize("style", STYLES)
@given(data=st.data(), M=matrices)
def test_pasted_text_in_every_style_round_trips(style, data, M):
    text = _minus(data.draw, STYLES[style](data.draw, _tokens(M)))
    assert _same(g.parse_matrix(text, dtype="float64"), M), text


@pytest.mark.parametrize("style", PRINTED)
@given(M=matrices)
def test_what_numpy_torch_and_json_print_round_trips(style, M):
    text = _printed(M, style)
    assert _same(g.parse_matrix(text, dtype="float64"), M), text


# ---------------------------------------------------------------------------- one entry broken


def _inside_digits(token):
    """Positions in the token between two ASCII digits."""
    return [i for i in range(1, len(token)) if token[i - 1].isdigit() and token[i].isdigit() and token[i].isascii()]


BREAKS = {
    "a Unicode space inside a number": lambda draw, t: _insert(draw, t, st.sampled_from(UNICODE_SPACES), digits=True),
    "a digit of another script": lambda draw, t: _replace_digit(draw, t),
    "a dash that is not a minus sign": lambda draw, t: draw(st.sampled_from(OTHER_DASHES)) + t.lstrip("-"),
    "a control character": lambda draw, t: _insert(draw, t, st.sampled_from(CONTROLS)),
    "an invisible character": lambda draw, t: _insert(draw, t, st.sampled_from(INVISIBLE)),
    "a superscript or a fraction": lambda draw, t: _insert(draw, t, st.sampled_from(OTHER_NUMBERS)),
}


def _insert(draw, token, characters, *, digits=False):
    places = _inside_digits(token) if digits else list(range(1, len(token)))
    return token[: (i := draw(st.sampled_from(places)))] + draw(characters) + token[i:]


def _replace_digit(draw, token):
    i = draw(st.sampled_from([i for i, c in enumerate(token) if c.isdigit()]))
    script = draw(st.sampled_from([c for c in OTHER_DIGITS if unicodedata.digit(c) == 0]))
    return token[:i] + chr(ord(script) + int(token[i])) + token[i + 1 :]


entries = st.integers(10, 10**6).map(float) | st.integers(-(10**6), -10).map(float)
"""Entries with two digits side by side (so that a space or a digit can go between them)."""


@pytest.mark.parametrize("damage", BREAKS)
@given(
    data=st.data(),
    M=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=4), elements=entries),
    style=st.sampled_from(list(STYLES)),
)
def test_a_broken_entry_is_an_error_naming_its_row_and_column(damage, data, M, style):
    r = data.draw(st.integers(0, M.shape[0] - 1))
    c = data.draw(st.integers(0, M.shape[1] - 1))
    if damage == "a dash that is not a minus sign":
        M[r, c] = -abs(M[r, c])
    tokens = _tokens(M)
    tokens[r][c] = BREAKS[damage](data.draw, tokens[r][c])
    text = STYLES[style](data.draw, tokens)
    with pytest.raises(g.MatrixInputError) as info:
        g.parse_matrix(text, dtype="float64")
    assert f"row {r + 1}, column {c + 1}" in str(info.value), (text, str(info.value))
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------- every character of each class


def _names_the_place(text, place):
    with pytest.raises(g.MatrixInputError) as info:
        g.parse_matrix(text)
    return place in str(info.value)


def test_every_unicode_space_between_digits_is_an_error_and_elsewhere_a_space():
    assert len(UNICODE_SPACES) == 16
    for space in UNICODE_SPACES:
        assert g.parse_matrix(f"1{space}-2\n3 {space}4").tolist() == [[1.0, -2.0], [3.0, 4.0]], repr(space)
        assert _names_the_place(f"1 2\n3 4{space}567", "row 2, column 2"), repr(space)


def test_every_line_and_paragraph_separator_ends_a_row():
    assert [c for c in ALL_CHARACTERS if unicodedata.category(c) in ("Zl", "Zp")] == ["\u2028", "\u2029"]
    for line_break in LINE_BREAKS:
        assert g.parse_matrix(f"1 2{line_break}3 4").tolist() == [[1.0, 2.0], [3.0, 4.0]], repr(line_break)


def test_every_minus_form_reads_as_minus_and_every_other_dash_is_an_error():
    for minus in MINUS_SIGNS:
        assert g.parse_matrix(f"{minus}1 5e{minus}1").tolist() == [[-1.0, 0.5]], repr(minus)
    for dash in OTHER_DASHES:
        assert _names_the_place(f"1 2\n3 {dash}4", "row 2, column 2"), repr(dash)


def test_every_digit_but_0_to_9_is_an_error_that_shows_the_number_in_ascii():
    assert len(OTHER_DIGITS) > 600
    for digit in OTHER_DIGITS:
        value = unicodedata.digit(digit)
        with pytest.raises(g.MatrixInputError) as info:
            g.parse_matrix(f"1 2\n3 1{digit}")
        assert "row 2, column 2" in str(info.value) and f"(1{value})" in str(info.value), repr(digit)


@pytest.mark.parametrize("characters", [CONTROLS, INVISIBLE, OTHER_NUMBERS], ids=["Cc", "Cf", "No and Nl"])
def test_every_control_invisible_and_other_number_character_is_an_error(characters):
    for char in characters:
        if char == "\ufeff":
            continue  # the byte-order mark is dropped at the start only; inside, as here, it is an error too
        assert _names_the_place(f"1 2\n3 4{char}5", "row 2, column 2"), repr(char)
    if "\ufeff" in characters:
        assert _names_the_place("1 2\n3 4\ufeff5", "row 2, column 2")
        assert g.parse_matrix("\ufeff1 2").tolist() == [[1.0, 2.0]]


# ---------------------------------------------------------------------------- the messages


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 2\n3 4\u202f567", "a narrow no-break space (U+202F) between two digits"),
        ("1 2\n3 ٤٥", "ARABIC-INDIC DIGIT FOUR (U+0664) is not an ASCII digit; write numbers with the digits 0-9 (45)"),
        ("1 2\n3 —4", "EM DASH (U+2014) is not a minus sign gdinverse reads; write '-'"),
        ("1 2\n3 4\u200b5", "an invisible formatting character (ZERO WIDTH SPACE, U+200B)"),
        ("1 2\n3 4\x0c5", "a control character (U+000C) is in it; delete it"),
        ("1 2\n3 10²", "SUPERSCRIPT TWO (U+00B2) is not a digit gdinverse reads"),
        ("A = [1 2 ...\n     3 4]", "line 1 ends with '...', MATLAB's line continuation"),
        ("[0 1 2 ... 7 8 9]", "abbreviated with '...' in line 1 (numpy and torch shorten big prints)"),
        ("[[ 0  1 ... 8  9]\n ...\n [90 91 ... 98 99]]", "abbreviated with '...'"),
        ('{"A": [[1, 2], [3, 4]]}', "the text is a JSON object or a dict"),
        ("{'A': [[1, 2]]}", "the text is a JSON object or a dict"),
    ],
)
def test_each_message_names_the_cause(text, message):
    with pytest.raises(g.MatrixInputError) as info:
        g.parse_matrix(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
