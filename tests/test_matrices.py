"""Matrix input: conversion, parsing pasted text, formatting, presets."""

import numpy as np
import pytest
import torch

import gdinverse as g


@pytest.mark.parametrize(
    "text",
    [
        "1 2; 3 4",
        "1, 2\n3, 4",
        "1\t2\r\n3\t4\n",
        "[[1., 2.],\n [3., 4.]]",
        "tensor([[1., 2.],\n        [3., 4.]])",
        "array([[1, 2], [3, 4]], dtype=float32)",
        "  1  2 ;; 3  4 ; ",
        "2/2 4/2\n3 4",
        "1e0 +2\n.3e1 4.0",
        "1 \u22122\n3 4",  # a typographic minus sign
    ],
)
def test_parse_matrix_accepts_what_people_paste(text):
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    if "\u2212" in text:
        expected[0, 1] = -2.0
    torch.testing.assert_close(g.parse_matrix(text), expected)


TWO_BY_TWO = [[1.0, 2.0], [3.0, 4.0]]

PASTES = {
    "plain rows": "1 2\n3 4",
    "aligned columns": "  1   2\n  3   4  \n",
    "CSV": "1,2\n3,4",
    "CSV with spaces": "1, 2\n3, 4\n",
    "CSV, quoted cells": '"1","2"\n"3","4"',
    "TSV (a spreadsheet copy)": "1\t2\r\n3\t4\r\n",
    "semicolons": "1 2; 3 4",
    "semicolon rows, comma and space": "1, 2; 3, 4",
    "MATLAB": "[1 2; 3 4]",
    "MATLAB with commas": "[1, 2; 3, 4]",
    "MATLAB, compact": "[1,2;3,4]",
    "MATLAB, rows on lines with commas": "[1, 2\n 3, 4]",
    "MATLAB, rows on lines": "[1 2\n3 4]",
    "MATLAB, ; and new lines": "[1 2;\n 3 4]",
    "MATLAB assignment": "A = [1 2; 3 4];",
    "Octave, rows ending in ;": "1 2;\n3 4;",
    "numpy print": "[[1. 2.]\n [3. 4.]]",
    "numpy repr": "array([[1, 2],\n       [3, 4]])",
    "numpy repr float32": "array([[1., 2.],\n       [3., 4.]], dtype=float32)",
    "numpy, scientific": "[[1.e+00 2.e+00]\n [3.e+00 4.e+00]]",
    "np.array call": "np.array([[1, 2], [3, 4]])",
    "numpy matrix": "matrix([[1, 2],\n        [3, 4]])",
    "torch print": "tensor([[1., 2.],\n        [3., 4.]])",
    "torch print float64": "tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64)",
    "torch print, grad": "tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)",
    "torch, scientific": "tensor([[1.0000e+00, 2.0000e+00],\n        [3.0000e+00, 4.0000e+00]])",
    "Python list": "[[1, 2], [3, 4]]",
    "Python list, trailing commas": "[[1, 2,], [3, 4,],]",
    "JSON": "[[1.0,2.0],[3.0,4.0]]",
    "Mathematica": "{{1, 2}, {3, 4}}",
    "LaTeX bmatrix": "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
    "LaTeX pmatrix, trailing \\\\": "$$\\begin{pmatrix}\n1 & 2 \\\\\n3 & 4 \\\\\n\\end{pmatrix}$$",
    "LaTeX vmatrix": "\\begin{vmatrix} 1 & 2 \\\\ 3 & 4 \\end{vmatrix}",
    "LaTeX matrix": "\\[ \\begin{matrix} 1 & 2 \\\\ 3 & 4 \\end{matrix} \\]",
    "LaTeX array": "\\left[\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}\\right]",
    "LaTeX with A =": "A = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
    "fractions": "2/2 4/2\n3 8/2",
    "scientific": "1e0 +2\n.3e1 4.0E+00",
    "many separators": "  1  2 ;; 3  4 ; ",
    "a byte-order mark": "\ufeff1 2\n3 4",
}


@pytest.mark.parametrize("text", PASTES.values(), ids=PASTES.keys())
def test_every_paste_format_gives_exactly_the_matrix(text):
    M = g.parse_matrix(text, dtype="float64")
    assert M.tolist() == TWO_BY_TWO


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-0.0000 1/3\n1e-3 \u22122", [[-0.0, 1 / 3], [1e-3, -2.0]]),
        ("1/-4 -1/4", [[-0.25, -0.25]]),
        (
            "\\begin{bmatrix} \\frac{1}{3} & -\\dfrac{1}{2} \\\\ 1.5 \\times 10^{-3} & \\tfrac{-2}{4} \\end{bmatrix}",
            [[1 / 3, -0.5], [1.5e-3, -0.5]],
        ),
        ("{{1.5*^-3, 2}, {3, 4}}", [[1.5e-3, 2.0], [3.0, 4.0]]),
        ("[1, 1/3, -0.5]", [[1.0, 1 / 3, -0.5]]),
        ("[1 2 3]", [[1.0, 2.0, 3.0]]),
        ("tensor(5.)", [[5.0]]),
        ("[[1],\n [2]]", [[1.0], [2.0]]),
        ("1,5", [[1.0, 5.0]]),  # CSV: commas are consistent column separators
        ("1,234.5, 2", [[1.0, 234.5, 2.0]]),
    ],
)
def test_parse_matrix_reads_numbers_exactly(text, expected):
    M = g.parse_matrix(text, dtype="float64")
    assert M.tolist() == expected
    assert torch.signbit(M).tolist() == np.signbit(np.array(expected)).tolist()  # -0.0000 keeps its sign


BAD_PASTES = {
    "empty CSV cell": ("1,,3\n4,5,6", "row 1, column 2 is empty"),
    "empty cell, second row": ("1,2,3\n4,,6", "row 2, column 2 is empty"),
    "trailing comma in CSV": ("1,2,\n3,4,", "row 1, column 3 is empty"),
    "empty TSV cell": ("1\t\t3\n4\t5\t6", "row 1, column 2 is empty"),
    "empty LaTeX cell": ("\\begin{bmatrix} 1 & & 3 \\end{bmatrix}", "row 1, column 2 is empty"),
    "thousands comma": ("1,000.5, 2\n3, 4, 5", "row 1, column 2 is '000.5'"),
    "thousands space": ("1 000 2\n3 4 5", "row 1, column 2 is '000'"),
    "thousands space in CSV": ("1 000, 2\n3, 4", "row 1, column 1 is '1 000': two numbers in one comma-separated cell"),
    "quoted thousands": ('"1,500",2\n3,4', "row 1, column 1 is '1,500': a comma inside a number"),
    "decimal comma, semicolons": ("1,5; 2,5", "row 1, column 1: '1,5'"),
    "decimal comma, second row": ("1 2; 3,5 4", "row 2, column 1: '3,5'"),
    "decimal comma, spaces": ("1,5 2,5\n3,5 4,5", "row 1, column 2 is '5 2': two numbers in one"),
    "European CSV": ("1;2\n3;4", "';' inside line 1"),
    "ragged": ("1 2 3\n4 5", "row 2 has 2 entries but row 1 has 3"),
    "ragged MATLAB": ("[1 2; 3]", "row 2 has 1 entry but row 1 has 2"),
    "ragged lists": ("[[1, 2], [3]]", "row 2 has 1 entry but row 1 has 2"),
    "ragged LaTeX": ("\\begin{bmatrix} 1 & 2 \\\\ 3 \\end{bmatrix}", "row 2 has 1 entry but row 1 has 2"),
    "MATLAB line ending in a comma": ("[1, 2,\n 3, 4]", "row 1 ends its line with ','"),
    "rows side by side": ("[[1 2] [3 4]]", "after row 1"),
    "a number between rows": ("[[1, 2], 3, [4, 5]]", "after row 1"),
    "; inside a row": ("[[1; 2], [3; 4]]", "row 1 has ';' inside its brackets"),
    "two bracketed lists": ("[1 2] [3 4]", "several bracketed lists side by side"),
    "abbreviated print": ("array([[ 0.,  1., ...,  8.,  9.]])", "abbreviated with '...'"),
    "a LaTeX command": ("\\begin{bmatrix} \\sqrt{2} & 1 \\end{bmatrix}", "row 1, column 1 is '\\\\sqrt2'"),
    "not a matrix environment": ("\\begin{align} 1 & 2 \\end{align}", "'align' is not a matrix"),
    "LaTeX without end": ("\\begin{bmatrix} 1 & 2", "has no \\end{bmatrix}"),
    "text after LaTeX": ("\\begin{bmatrix} 1 \\end{bmatrix} and more", "outside \\begin{bmatrix}"),
    "unclosed quote": ('"1,2\n3,4', "row 1 opens a double quote"),
    "leading zero": ("007 1", "row 1, column 1 is '007'"),
}


@pytest.mark.parametrize(("text", "message"), BAD_PASTES.values(), ids=BAD_PASTES.keys())
def test_each_bad_paste_names_where_and_what(text, message):
    with pytest.raises(g.MatrixInputError) as info:
        g.parse_matrix(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_parse_matrix_reads_a_single_bracketed_row_and_fractions():
    torch.testing.assert_close(g.parse_matrix("[1, 1/3, -0.5]"), torch.tensor([[1.0, 1 / 3, -0.5]]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n ; \n", "empty"),
        ("1 2\n3", "row 2 has 1 entry but row 1 has 2"),
        ("1 2\n3 x", "row 2, column 2 is 'x', not a number"),
        ("1 nan\n3 4", "row 1, column 2 is 'nan'; every entry must be a finite number"),
        ("1 inf\n3 4", "finite"),
        ("1 -Infinity", "finite"),
        ("1 1e999", "finite"),
        ("1 2/0", "divides by zero"),
        ("1 1/2/3", "not a number"),
        ("1e300 1", "beyond torch.float32's largest number"),
        ("1e-50 1", "below torch.float32's smallest normal number"),
        ("[[1, 2], [3, 4]", "brackets"),
        ("[[[1, 2]]]", "3-D"),
        ("[[1, 2]] junk", "outside the brackets"),
        ("__import__('os').system('echo hacked')", "not a number"),
        ("<script>alert(1)</script>", "not a number"),
        ("1_000 2", "not a number"),
        ("0x10 2", "not a number"),
    ],
)
def test_parse_matrix_names_what_is_wrong(text, message):
    with pytest.raises(g.MatrixInputError, match=None) as info:
        g.parse_matrix(text)
    assert message in str(info.value)


def test_parse_matrix_never_evaluates(capfd):
    with pytest.raises(g.MatrixInputError):
        g.parse_matrix("print('evaluated')")
    assert "evaluated" not in capfd.readouterr().out


def test_parse_matrix_refuses_non_text():
    with pytest.raises(g.MatrixInputError, match="needs text"):
        g.parse_matrix([[1, 2]])


def test_parse_matrix_float64_keeps_what_float32_cannot():
    assert g.parse_matrix("1e300 1", dtype="float64").dtype == torch.float64


@pytest.mark.parametrize(
    "M",
    [
        torch.tensor([[1 / 3, -2.5e-8], [1e30, 7.0]]),
        torch.tensor([[0.1, 0.2], [0.3, 1 / 7]], dtype=torch.float64),
        g.preset("random", n=5, cond=100),
    ],
)
def test_format_matrix_round_trips(M):
    back = g.parse_matrix(g.format_matrix(M), dtype=M.dtype)
    assert torch.equal(back, M)


def test_format_matrix_with_decimals():
    assert g.format_matrix(torch.tensor([[1 / 3, 2.0]]), decimals=2) == "0.33, 2.00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([[1, 2], [3, 4]], torch.float32),
        (np.array([[1.5, 2.0]]), torch.float32),
        (np.array([[True, False]]), torch.float32),
        (torch.tensor([[1, 2]], dtype=torch.int32), torch.float32),
        (torch.tensor([[1.0]], dtype=torch.float64), torch.float64),
        (torch.tensor([[1.0]], dtype=torch.float16), torch.float32),
    ],
)
def test_as_matrix_converts_numbers_of_any_kind(value, expected):
    assert g.as_matrix(value).dtype == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "empty"),
        ([[]], "empty"),
        ([1, 2, 3], "2-D (rows × columns), got a 1-D input of shape (3,)"),
        (np.zeros((2, 2, 2)), "3-D input of shape (2, 2, 2)"),
        (5.0, "0-D"),
        ([[1, 2], [3]], "different lengths"),
        ([["a", "b"]], "numbers only"),
        ([[1, None]], "numbers only"),
        ([[1, float("nan")]], "nan at row 1, column 2"),
        ([[1, 2], [3, float("-inf")]], "-inf at row 2, column 2"),
        ([[1e300]], "beyond"),
        ("1 2; 3 4", "parse_matrix"),
        (torch.tensor([[1 + 1j]]), "complex"),
    ],
)
def test_as_matrix_refuses_what_is_not_a_matrix(value, message):
    with pytest.raises(g.MatrixInputError) as info:
        g.as_matrix(value)
    assert message in str(info.value)


@pytest.mark.parametrize("order", [">", "<", "="])
@pytest.mark.parametrize("kind", ["f8", "f4", "f2", "i2", "i4", "i8", "u4"])
def test_as_matrix_takes_numpy_arrays_of_any_byte_order(kind, order):
    A = np.array([[1, 2], [3, 4]], dtype=order + kind)
    M = g.as_matrix(A, dtype="float64")
    assert M.tolist() == TWO_BY_TWO
    expected = torch.tensor([[-2.0, 1.0], [1.5, -0.5]], dtype=torch.float64)
    torch.testing.assert_close(g.exact_inverse(A, dtype="float64").inverse, expected, rtol=1e-14, atol=0)


def test_as_matrix_refuses_a_masked_entry_rather_than_reading_what_is_under_it():
    A = np.ma.array([[1.0, 2.0], [3.0, 4.0]], mask=[[False, False], [False, True]])
    with pytest.raises(g.MatrixInputError, match=r"masked \(missing\) entry at row 2, column 2; fill it first"):
        g.as_matrix(A)
    assert g.as_matrix(A.filled(0)).tolist() == [[1.0, 2.0], [3.0, 0.0]]
    assert g.as_matrix(np.ma.array([[1.0, 2.0]])).tolist() == [[1.0, 2.0]]  # nothing masked: fine


def test_as_matrix_of_a_byte_swapped_view():
    A = np.arange(6, dtype=">f8").reshape(2, 3)[:, ::-1]  # not contiguous either
    assert g.as_matrix(A).tolist() == [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.array([[1 + 2j]], dtype=">c16"), "got complex128 entries (complex numbers"),
        (np.array([["1", "2"]]), "got str32 entries (text; use gdinverse.parse_matrix"),
        (np.array([[b"1"]]), "got bytes8 entries"),
        (np.array([["2024-01-01"]], dtype="datetime64[D]"), "got datetime64[D] entries (dates"),
        (np.array([[1]], dtype="timedelta64[s]"), "got timedelta64[s] entries (time spans"),
        (np.zeros((2, 2), dtype=[("a", "f8")]), "got void64 entries (structured records"),
        (np.array([[1, "2"]], dtype=object), "row 1, column 2 is the text '2'; use gdinverse.parse_matrix"),
    ],
    ids=["complex", "str", "bytes", "datetime", "timedelta", "structured", "object"],
)
def test_as_matrix_names_a_dtype_it_cannot_use(value, message):
    with pytest.raises(g.MatrixInputError) as info:
        g.as_matrix(value)
    assert message in str(info.value)
    assert str(info.value).startswith("matrix must hold real numbers only")


def test_presets_all_build_and_are_described():
    assert set(g.PRESETS) >= {"diag1234", "identity", "hilbert", "rotation", "singular", "random"}
    for name in g.PRESETS:
        assert g.preset(name).ndim == 2


def test_preset_shapes_and_properties():
    assert g.preset("identity", n=3).equal(torch.eye(3))
    H = g.preset("hilbert", n=3, dtype="float64")
    assert H[1, 2] == pytest.approx(1 / 4)
    R = g.preset("rotation", n=3, angle=90)
    torch.testing.assert_close(R @ R.T, torch.eye(3), atol=1e-6, rtol=0)
    assert g.condition_number(g.preset("random", n=6, cond=1000)) == pytest.approx(1000, rel=1e-4)
    assert g.preset("random", seed=1).equal(g.preset("random", seed=1))
    assert not g.preset("random", seed=1).equal(g.preset("random", seed=2))
    for n in range(g.SMALLEST_N["singular"], 9):  # singular wherever it may be built (n = 2 would be invertible)
        assert torch.linalg.matrix_rank(g.preset("singular", n=n, dtype="float64")) == 2 < n
    assert g.preset("indicator").shape == (17, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "nope"}, "unknown preset 'nope'; choose one of"),
        ({"name": "identity", "n": 0}, "n of the identity preset must be between 1 and"),
        ({"name": "identity", "n": -3}, "got -3"),
        ({"name": "identity", "n": 2.5}, "whole number"),
        ({"name": "identity", "n": 10**9}, "between"),
        ({"name": "singular", "n": 2}, "n of the singular preset must be between 3 and 10,000, got 2"),
        ({"name": "rotation", "n": 1}, "n of the rotation preset must be between 2 and"),
        ({"name": "random", "cond": 0.5}, "cond must be"),
        ({"name": "random", "cond": float("nan")}, "cond must be"),
        ({"name": "random", "seed": -1}, "seed must be"),
        ({"name": "rotation", "angle": float("inf")}, "angle must be"),
        ({"name": "identity", "dtype": "float16"}, "dtype must be float32 or float64"),
    ],
)
def test_preset_bad_arguments(kwargs, message):
    with pytest.raises(g.ParameterError) as info:
        g.preset(**kwargs)
    assert message in str(info.value)


def test_errors_are_value_errors():
    assert issubclass(g.GdInverseError, ValueError)
    for cls in (g.MatrixInputError, g.SingularMatrixError, g.ParameterError):
        assert issubclass(cls, g.GdInverseError)


@pytest.mark.parametrize("text", ["1e-400 1; 2 3", "1/1e400", "1e-200/1e200"])
def test_a_number_float64_would_read_as_zero_is_refused(text):
    with pytest.raises(g.MatrixInputError) as info:
        g.parse_matrix(text, dtype=torch.float64)
    assert "below float64's smallest normal number" in str(info.value) and "read as 0" in str(info.value)


@pytest.mark.parametrize("text", ["0e-500 1; 2 3", "0/5 1; 2 3", "-0.000 1; 2 3"])
def test_a_zero_typed_as_zero_is_read(text):
    assert g.parse_matrix(text, dtype=torch.float64)[0, 0] == 0
