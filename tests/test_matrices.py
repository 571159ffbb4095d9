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


def test_parse_matrix_reads_a_single_bracketed_row_and_fractions():
    torch.testing.assert_close(g.parse_matrix("[1, 1/3, -0.5]"), torch.tensor([[1.0, 1 / 3, -0.5]]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n ; \n", "empty"),
        ("1 2\n3", "row 2 has 1 entries but row 1 has 2"),
        ("1 2\n3 x", "row 2, entry 2 is 'x', not a number"),
        ("1 nan\n3 4", "row 1, entry 2 is 'nan'; every entry must be a finite number"),
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
    assert torch.linalg.matrix_rank(g.preset("singular", n=5).double()) == 2
    assert g.preset("indicator").shape == (17, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "nope"}, "unknown preset 'nope'; choose one of"),
        ({"name": "identity", "n": 0}, "n must be between 1 and"),
        ({"name": "identity", "n": -3}, "got -3"),
        ({"name": "identity", "n": 2.5}, "whole number"),
        ({"name": "identity", "n": 10**9}, "between"),
        ({"name": "singular", "n": 1}, "between 2"),
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
