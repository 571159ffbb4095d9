"""Hostile input, function by function: what is refused, with which error and message, and what is accepted.

Every refusal must be the documented GdInverseError subclass (never a bare TypeError, RuntimeError, IndexError,
OverflowError, ZeroDivisionError or torch error), on one line, saying what was wrong and what to do. Every kind of
number the README promises (ints, bools, numpy arrays of any width, numpy scalars as settings, nested lists) must
be accepted and converted, never refused by torch's own type rules. Cases already tested in test_matrices.py,
test_exact.py, test_theory.py, test_descent.py, test_sweep.py, test_indicator.py and test_plots.py are not repeated.
"""

import functools
import math
import unicodedata
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse.sweep import lr_sweep

A = [[4.0, 1.0], [2.0, 3.0]]


def refused(error, call, *words):
    """Check that call() raises ``error`` with a one-line message that names each of ``words``; return it."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    assert "; " in message or " must " in message, f"no advice in: {message}"
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    return message


@functools.cache
def a_run():
    return g.gd_inverse(A, steps=40)


@functools.cache
def a_sweep():
    return lr_sweep(A, [0.05, 0.1], steps=20)


# ---------------------------------------------------------------------------- things that are not matrices

NOT_MATRICES = [
    pytest.param(lambda: None, "numbers", id="None"),
    pytest.param(lambda: {"a": 1.0}, "numbers", id="dict"),
    pytest.param(lambda: {1.0, 2.0}, "numbers", id="set"),
    pytest.param(lambda: ([1.0, 2.0] for _ in range(2)), "numbers", id="generator"),
    pytest.param(lambda: "1 2; 3 4", "parse_matrix", id="text"),
    pytest.param(lambda: b"1 2", "numbers", id="bytes"),
    pytest.param(lambda: [], "empty", id="empty"),
    pytest.param(lambda: [[]], "empty", id="empty row"),
    pytest.param(lambda: np.zeros((0, 3)), "empty", id="0x3"),
    pytest.param(lambda: [[1.0, 2.0], [3.0]], "different lengths", id="ragged"),
    pytest.param(lambda: [1.0, 2.0], "1-D", id="1-D"),
    pytest.param(lambda: np.ones((2, 2, 2)), "3-D", id="3-D"),
    pytest.param(lambda: 5.0, "0-D", id="a number"),
    pytest.param(lambda: [["1", "2"]], "numbers", id="strings"),
    pytest.param(lambda: [[1.0, None]], "numbers", id="None entry"),
    pytest.param(lambda: [[10**400, 1]], "numbers", id="int beyond any float"),
    pytest.param(lambda: np.eye(2) * 1j, "numbers", id="complex"),
    pytest.param(lambda: torch.eye(2, dtype=torch.complex64), "complex", id="complex tensor"),
    pytest.param(lambda: torch.empty(2, 2, device="meta"), "meta tensor", id="meta tensor"),
    pytest.param(lambda: [[1.0, math.nan]], "finite", id="NaN"),
    pytest.param(lambda: [[math.inf, 1.0]], "finite", id="inf"),
    pytest.param(lambda: [[1.0], [-math.inf]], "finite", id="-inf"),
    pytest.param(lambda: torch.tensor([[1.0, math.nan]], dtype=torch.float64), "finite", id="NaN float64 tensor"),
]

MATRIX_FUNCTIONS = {
    "format_matrix": g.format_matrix,
    "exact_inverse": g.exact_inverse,
    "pseudo_inverse": g.pseudo_inverse,
    "condition_number": g.condition_number,
    "lr_bounds": g.lr_bounds,
    "predicted_losses": lambda M: g.predicted_losses(M, lr=0.1, steps=3),
    "predicted_losses X0": lambda M: g.predicted_losses(A, lr=0.1, steps=3, X0=M),
    "steps_to_tolerance": lambda M: g.steps_to_tolerance(M, lr=0.1, tol=1e-3),
    "gd_inverse": lambda M: g.gd_inverse(M, steps=3),
    "GradientDescent": g.GradientDescent,
    "lr_sweep": lambda M: lr_sweep(M, [0.1], steps=3),
    "indicator_stats": g.indicator_stats,
    "DescentResult.distance_to": lambda M: a_run().distance_to(M),
}


@pytest.mark.parametrize(("make", "word"), NOT_MATRICES)
@pytest.mark.parametrize("name", MATRIX_FUNCTIONS)
def test_what_is_not_a_matrix_is_refused_by_every_function(name, make, word):
    if name == "predicted_losses X0" and make() is None:
        pytest.skip("X0=None is the default, zeros")
    refused(g.MatrixInputError, lambda: MATRIX_FUNCTIONS[name](make()), word)


@pytest.mark.parametrize(
    ("make", "word"),
    [param for param in NOT_MATRICES if param.id not in ("NaN", "inf", "-inf", "NaN float64 tensor")],
)
@pytest.mark.parametrize("draw", [plots.heatmap, plots.indicator_heatmap], ids=["heatmap", "indicator_heatmap"])
def test_plots_refuse_what_is_not_a_matrix(draw, make, word):
    refused(g.ParameterError, lambda: draw(make()))


@pytest.mark.parametrize("make", [lambda: None, lambda: {"a": 1}, lambda: 5, lambda: torch.tensor(2.0), lambda: [[1]]])
def test_loss_curve_and_counts_refuse_what_is_not_a_flat_list(make):
    refused(g.ParameterError, lambda: plots.loss_curve(make()), "losses")
    refused(g.ParameterError, lambda: plots.counts_figure(make(), ["a"]), "counts")


FLOAT32_FUNCTIONS = [
    name for name in MATRIX_FUNCTIONS if name not in ("indicator_stats", "DescentResult.distance_to", "format_matrix")
]
"""Functions that take a matrix in float32 by default (``distance_to`` compares in float64, and ``format_matrix``
writes float64 values in float64's digits)."""


@pytest.mark.parametrize("value", [1e300, -1e39], ids=["1e300", "-1e39"])
@pytest.mark.parametrize("name", FLOAT32_FUNCTIONS)
def test_float32_refuses_entries_beyond_its_range(name, value):
    refused(g.MatrixInputError, lambda: MATRIX_FUNCTIONS[name]([[value, 1.0], [0.0, 1.0]]), "beyond", "float64")


@pytest.mark.parametrize("name", FLOAT32_FUNCTIONS)
def test_float32_refuses_entries_below_its_smallest_normal_number(name):
    refused(g.MatrixInputError, lambda: MATRIX_FUNCTIONS[name]([[1e-300, 1.0], [0.0, 1.0]]), "below", "float64")


def test_float64_gives_no_float64_advice():
    message = refused(g.MatrixInputError, lambda: g.as_matrix([[1e-320]], dtype="float64"), "smallest normal")
    assert "use float64" not in message


def test_indicator_stats_of_huge_or_tiny_values():
    for value in (1e300, 1e-300):
        refused(g.MatrixInputError, lambda value=value: g.indicator_stats([[value, 0]]), "only 0 and 1")


def _nested_tensor():
    return torch.nested.nested_tensor([torch.ones(2), torch.ones(3)])


REFUSED_KINDS = {
    # each kind of input as_matrix refuses, and the message that names its cause (the start of it, or a part)
    "None": (lambda: None, "matrix is None, not a grid of numbers; give a list of rows such as [[1, 2], [3, 4]]"),
    "dict": (lambda: {"a": [1, 2]}, "matrix is a dict (keys and values), not a grid of numbers; give a list of rows"),
    "set": (lambda: {1.0, 2.0}, "matrix is a set, which has no order, not a grid of numbers"),
    "generator": (lambda: (r for r in A), "matrix is a generator, which can be read only once, not a grid of numbers"),
    "bytes": (lambda: b"1 2", "matrix is bytes (b'1 2'), not numbers; decode them and use gdinverse.parse_matrix"),
    "text entry": (lambda: [[1, "2"]], "matrix must hold real numbers only: row 1, column 2 is the text '2'; use"),
    "None entry": (lambda: [[1, None]], "row 1, column 2 is None (a missing entry); fill it in, e.g. with 0"),
    "pandas NA": (
        lambda: pd.DataFrame({"a": pd.array([1, None], dtype="Int64")}),
        "row 2, column 1 is <NA> (a missing entry); fill it in, e.g. with 0 (df.fillna(0) for a DataFrame)",
    ),
    "complex entry": (lambda: [[1, 2j]], "row 1, column 2 is the complex number 2j; gdinverse works with real"),
    "date entry": (lambda: [[np.datetime64("2024-01-01"), 1]], "row 1, column 1 is a numpy datetime64[D] (dates;"),
    "an object": (lambda: [[1, object()]], "row 1, column 2 is a object (<object object at"),
    "huge int": (lambda: [[10**400]], "matrix has an integer of 401 digits at row 1, column 1, beyond float64's"),
    "huge Decimal": (lambda: [[Decimal("1e400")]], "matrix has Decimal('1E+400') at row 1, column 1, beyond"),
    "Decimal NaN": (lambda: [[1, Decimal("NaN")]], "matrix has Decimal('NaN') at row 1, column 2; every entry"),
    "tiny Fraction": (lambda: [[Fraction(1, 10**400)]], "at row 1, column 1, below float64's smallest normal"),
    "huge longdouble": (
        lambda: np.array([[1, np.longdouble(10) ** 400]]),  # inf where longdouble is float64 (ARM, Windows)
        "beyond float64's largest number" if np.finfo(np.longdouble).maxexp > 1024 else "has inf at row 1, column 2",
    ),
    "ragged": (lambda: [[1, Fraction(1)], [2]], "matrix has rows of different lengths: row 2 has 1 entry but row 1"),
    "row of rows": (lambda: [[[1, Fraction(1)]]], "matrix has more than 2 dimensions: row 1 holds a list"),
    "row and number": (lambda: [[1, 2], Fraction(3)], "matrix has rows of different lengths or kinds: row 2 is"),
    "2-D rows": (lambda: [torch.ones(1, 2), torch.ones(1, 2)], "got a 3-D input of shape (2, 1, 2)"),
    "2-D rows requiring grad": (
        lambda: [torch.ones(1, 2, requires_grad=True), torch.ones(1, 2)],
        "matrix has more than 2 dimensions: row 1 holds a tensor of shape (1, 2)",
    ),
    "complex tensor": (lambda: torch.ones(2, 2, dtype=torch.complex64), "matrix is complex (torch.complex64);"),
    "int4 tensor": (lambda: torch.empty(2, 2, dtype=torch.int4), "matrix has dtype torch.int4, a placeholder for"),
    "bits tensor": (lambda: torch.empty(2, 2, dtype=torch.bits8), "matrix has dtype torch.bits8, raw bits"),
    "float4 tensor": (
        lambda: torch.empty(2, 2, dtype=torch.float4_e2m1fn_x2),
        "matrix has dtype torch.float4_e2m1fn_x2, two 4-bit floats packed into each element",
    ),
    "packed quantized": (
        lambda: torch.quantize_per_tensor(torch.ones(2, 2), 1.0, 0, torch.quint4x2),
        "matrix has dtype torch.quint4x2, sub-byte quantized integers packed into bytes",
    ),
    "rows of int4": (lambda: list(torch.empty(2, 2, dtype=torch.int4)), "matrix has dtype torch.int4"),
    "nested tensor": (_nested_tensor, "matrix is a nested tensor (its rows may differ in length)"),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("kind", REFUSED_KINDS)
def test_each_refused_kind_is_named_by_its_cause(kind):
    make, message = REFUSED_KINDS[kind]
    for call in (g.as_matrix, g.exact_inverse, lambda M: g.gd_inverse(M, steps=2)):
        got = refused(g.MatrixInputError, lambda call=call: call(make()))
        assert message in got


def test_exact_fractions_decimals_and_nullable_columns_are_read():
    third = g.as_matrix([[Fraction(1, 3), Decimal("0.1")]], dtype="float64")
    assert third.tolist() == [[1 / 3, 0.1]]  # each rounded once, to the nearest float64
    assert g.as_matrix([[2**64 + 1, 1]], dtype="float64").tolist() == [[2.0**64, 1.0]]
    frame = pd.DataFrame(
        {
            "a": pd.array([1, 2], dtype="Int64"),
            "b": pd.array([0.5, 1.5], dtype="Float64"),
            "c": pd.array([True, False], dtype="boolean"),
        }
    )
    assert g.as_matrix(frame, dtype="float64").tolist() == [[1.0, 0.5, 1.0], [2.0, 1.5, 0.0]]
    assert g.as_matrix(np.array([[Fraction(1, 2), 2]], dtype=object)).tolist() == [[0.5, 2.0]]


def test_tensors_that_require_grad_are_read_wherever_they_are():
    X = torch.tensor([[4.0, 1.0], [2.0, 3.0]], requires_grad=True)
    Y = X * 1  # not a leaf
    rows = np.empty(2, dtype=object)
    rows[0], rows[1] = Y[0], Y[1]
    for M in (X, Y, list(Y), [list(row) for row in Y], (Y[0], [Y[1, 0], 3.0]), rows):
        assert g.as_matrix(M).tolist() == A
        assert not g.as_matrix(M).requires_grad
    assert X.grad is None


def test_format_matrix_writes_the_digits_of_the_precision_given():
    third = 1 / 3
    assert g.format_matrix(np.array([[third]])) == "0.3333333333333333"  # a float64 array: float64's digits
    assert g.format_matrix([[third, 1e300]]) == "0.3333333333333333, 1e+300"  # Python floats are float64
    assert g.format_matrix(torch.tensor([[third]])) == "0.33333334"  # a float32 tensor: float32's digits
    assert g.format_matrix(torch.tensor([[third]], dtype=torch.bfloat16)) == "0.33398438"
    assert g.format_matrix([[Fraction(1, 3)]]) == "0.3333333333333333"
    M = np.array([[0.1, 2 / 3], [1e-300, -7.0]])
    assert torch.equal(g.parse_matrix(g.format_matrix(M), dtype="float64"), torch.from_numpy(M))


# ---------------------------------------------------------------------------- the scale gradient descent needs

DESCENT = {
    "lr_bounds": g.lr_bounds,
    "predicted_losses": lambda M: g.predicted_losses(M, lr=0.1, steps=3),
    "steps_to_tolerance": lambda M: g.steps_to_tolerance(M, lr=0.1, tol=1e-3),
    "gd_inverse": lambda M: g.gd_inverse(M, steps=3, dtype="float64"),
    "gd_inverse seed lr": lambda M: g.gd_inverse(M, lr="seed", steps=3, dtype="float64"),
    "gd_inverse momentum": lambda M: g.gd_inverse(M, method="momentum", steps=3, dtype="float64"),
    "gd_inverse newton_schulz": lambda M: g.gd_inverse(M, method="newton_schulz", steps=3, dtype="float64"),
    "GradientDescent": lambda M: g.GradientDescent(M, lr=0.1, dtype="float64"),
    "lr_sweep": lambda M: lr_sweep(M, [0.1], steps=3, dtype="float64"),
}


@pytest.mark.parametrize(("scale", "size"), [(1e300, "large"), (1e-300, "small")])
@pytest.mark.parametrize("name", DESCENT)
def test_float64_entries_too_extreme_for_gradient_descent(name, scale, size):
    M = torch.tensor(A, dtype=torch.float64) * scale
    message = refused(g.MatrixInputError, lambda: DESCENT[name](M), f"too {size} for gradient descent in float64")
    assert "rescale the matrix" in message and "use float64" not in message


@pytest.mark.parametrize(("scale", "size"), [(1e20, "large"), (1e-20, "small")])
@pytest.mark.parametrize("method", ["gd", "momentum", "adam", "newton_schulz"])
def test_float32_entries_too_extreme_for_gradient_descent(method, scale, size):
    M = torch.tensor(A) * scale
    for call in (lambda: g.gd_inverse(M, method=method, steps=3), lambda: g.GradientDescent(M, method=method)):
        refused(g.MatrixInputError, call, f"too {size} for gradient descent in float32", "or use float64")


def test_float32_sweep_of_an_extreme_matrix():
    refused(g.MatrixInputError, lambda: lr_sweep(torch.tensor(A) * 1e20, [1e-40], steps=3), "too large")


@pytest.mark.parametrize("scale", [1e-100, 1e100])
@pytest.mark.parametrize("method", ["gd", "newton_schulz"])
def test_float64_descent_works_far_from_one(scale, method):
    M = torch.tensor(A, dtype=torch.float64) * scale
    result = g.gd_inverse(M, method=method, steps=300, init="zeros", dtype="float64")
    assert not result.diverged
    assert result.distance_to(g.exact_inverse(M).inverse) < 1e-12


def test_exact_inverse_and_pseudo_inverse_take_extreme_float64_matrices():
    M = torch.diag(torch.tensor([1e300, 2e300], dtype=torch.float64))
    torch.testing.assert_close(g.exact_inverse(M).inverse, torch.diag(torch.tensor([1e-300, 5e-301], dtype=M.dtype)))
    tiny = torch.diag(torch.tensor([1e-300, 2e-300], dtype=torch.float64))
    torch.testing.assert_close(g.pseudo_inverse(tiny), torch.diag(torch.tensor([1e300, 5e299], dtype=M.dtype)))
    assert g.condition_number(M) == pytest.approx(2.0)


def test_float32_theory_of_a_matrix_float32_cannot_descend():
    M = torch.tensor(A) * 1e20  # the theory is float64 arithmetic: it holds, only the float32 run cannot
    assert g.lr_bounds(M).optimal == pytest.approx(g.lr_bounds(A).optimal * 1e-40)
    np.testing.assert_allclose(
        g.predicted_losses(M, lr="optimal", steps=5), g.predicted_losses(A, lr="optimal", steps=5)
    )


# ---------------------------------------------------------------------------- too big


def test_gradient_descent_refuses_a_residual_of_more_than_1e8_entries():
    wide = torch.ones(1, 20_000)  # X @ A is 20,000 × 20,000
    for call in (
        lambda: g.gd_inverse(wide, lr=0.1, steps=1),
        lambda: g.GradientDescent(wide, lr=0.1),
        lambda: g.predicted_losses(wide, lr=0.1, steps=1),
        lambda: g.steps_to_tolerance(wide, lr=0.1, tol=0.5),
    ):
        refused(g.MatrixInputError, call, "too big for gradient descent", "20000×20000", "smaller matrix")


def test_a_sweep_refuses_more_runs_than_memory_allows():
    lrs = np.full(10_000, 1e-3)
    refused(g.MatrixInputError, lambda: lr_sweep(torch.eye(128), lrs, steps=1), "fewer learning rates")


def test_document_term_matrix_refuses_over_1e8_entries():
    documents = [f"w{i}" for i in range(10_001)]  # 10,001 documents × 10,001 words
    refused(g.ParameterError, lambda: g.document_term_matrix(documents), "over 10⁸ entries")


# ---------------------------------------------------------------------------- square and singular


def test_exact_inverse_of_a_wide_matrix():
    refused(g.MatrixInputError, lambda: g.exact_inverse([[1, 2, 3], [4, 5, 6]]), "square", "2×3", "pseudo_inverse")


@pytest.mark.parametrize(
    ("M", "dtype"),
    [
        ([[1, 1], [1, 1 + 1e-9]], "float32"),  # 1 + 1e-9 rounds to 1 in float32
        ([[1, 1], [1, 1 + 1e-17]], "float64"),
        ([[1, 1], [1, 1 + 1e-14]], "float32"),
        ([[2, 4, 6], [1, 2, 3], [0, 0, 1]], "float64"),
    ],
)
def test_singular_and_numerically_singular(M, dtype):
    with pytest.raises(g.SingularMatrixError) as info:
        g.exact_inverse(M, dtype=dtype)
    assert "pseudo-inverse" in str(info.value)
    assert info.value.condition_number * torch.finfo(getattr(torch, dtype)).eps >= 1
    assert g.pseudo_inverse(M, dtype=dtype).shape == torch.as_tensor(M).shape  # the remedy works


def test_beyond_1_over_eps_but_lu_works_is_inverted_with_a_warning():
    result = g.exact_inverse(g.preset("hilbert", n=12, dtype="float64"))  # κ ≈ 1.7e16 > 1/eps
    # full rank (decided exactly): κ is finite and known from the exact inverse, though the SVD cannot resolve it
    assert (result.rank_exact, result.condition_resolved, result.kappa_source) == (True, True, "exact inverse")
    assert result.ill_conditioned and result.trusted_digits == 0
    assert result.warning.startswith("eps·κ = 3.7 ≥ 1 in float64: the bound guarantees no correct digit")
    assert "against the exact inverse it is off by" in result.warning


def test_nearly_singular_but_within_float64():
    assert g.exact_inverse([[1, 1], [1, 1 + 1e-9]], dtype="float64").condition_number == pytest.approx(4e9, rel=1e-3)


def test_newton_schulz_on_a_zero_matrix_says_so():
    for call in (
        lambda: g.gd_inverse([[0, 0], [0, 0]], method="newton_schulz"),
        lambda: g.GradientDescent([[0.0]], method="newton_schulz"),
    ):
        refused(g.MatrixInputError, call, "all zeros")


# ---------------------------------------------------------------------------- settings

NOT_NUMBERS = [
    pytest.param("0.5", id="string"),
    pytest.param(True, id="True"),
    pytest.param(np.bool_(False), id="numpy bool"),
    pytest.param(None, id="None"),
    pytest.param([0.5], id="list"),
    pytest.param({"lr": 0.5}, id="dict"),
    pytest.param({0.5}, id="set"),
    pytest.param(0.5j, id="complex"),
]
NOT_FINITE = [
    pytest.param(math.nan, id="nan"),
    pytest.param(math.inf, id="inf"),
    pytest.param(-math.inf, id="-inf"),
    pytest.param(np.float32("nan"), id="numpy nan"),
    pytest.param(10**400, id="10**400"),
]

REAL_SETTINGS = {
    "gd_inverse lr": lambda v: g.gd_inverse(A, lr=v, steps=2),
    "GradientDescent lr": lambda v: g.GradientDescent(A, lr=v),
    "steps_to_tolerance lr": lambda v: g.steps_to_tolerance(A, lr=v, tol=1e-3),
    "steps_to_tolerance tol": lambda v: g.steps_to_tolerance(A, lr=0.1, tol=v),
    "lr_sweep one lr": lambda v: lr_sweep(A, [0.1, v], steps=2),
    "momentum": lambda v: g.gd_inverse(A, method="momentum", momentum=v, steps=2),
    "nesterov lr": lambda v: g.gd_inverse(A, method="nesterov", lr=v, steps=2),
    "adam lr": lambda v: g.gd_inverse(A, method="adam", lr=v, steps=2),
    "DescentResult.steps_to_tolerance": lambda v: a_run().steps_to_tolerance(v),
    "indicator_matrix p": lambda v: g.indicator_matrix(3, 3, p=v),
    "preset cond": lambda v: g.preset("random", cond=v),
    "preset angle": lambda v: g.preset("rotation", angle=v),
    "heatmap zmax": lambda v: plots.heatmap(np.eye(2), zmax=v),
}


@pytest.mark.parametrize("value", NOT_NUMBERS + NOT_FINITE)
@pytest.mark.parametrize("name", REAL_SETTINGS)
def test_a_number_setting_refuses_what_is_not_a_finite_number(name, value):
    if value is None and name in ("momentum", "heatmap zmax"):
        pytest.skip("None is the default: theory's momentum, the matrix's own scale")
    refused(g.ParameterError, lambda: REAL_SETTINGS[name](value))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GradientDescent lr", 0),
        ("GradientDescent lr", -1e-9),
        ("steps_to_tolerance lr", 0.0),
        ("steps_to_tolerance tol", 0),
        ("steps_to_tolerance tol", -1.0),
        ("nesterov lr", -0.1),
        ("adam lr", 0),
        ("momentum", 1.0000001),
        ("momentum", -0.5),
        ("indicator_matrix p", 1 + 1e-12),
        ("preset cond", 0.999),
        ("preset cond", 1e301),
        ("heatmap zmax", 0),
        ("heatmap zmax", -1e-300),
    ],
)
def test_a_number_setting_refuses_what_is_out_of_range(name, value):
    refused(g.ParameterError, lambda: REAL_SETTINGS[name](value), "must be")


WHOLE_SETTINGS = {  # name: (call, the lowest value allowed)
    "GradientDescent.step n": (lambda v: g.GradientDescent(A).step(v), 1),
    "gd_inverse seed": (lambda v: g.gd_inverse(A, seed=v, steps=2), 0),
    "gd_inverse max_snapshots": (lambda v: g.gd_inverse(A, max_snapshots=v, steps=2), 2),
    "gd_inverse record_every": (lambda v: g.gd_inverse(A, record_every=v, steps=2), 1),
    "lr_sweep steps": (lambda v: lr_sweep(A, [0.1], steps=v), 1),
    "lr_sweep seed": (lambda v: lr_sweep(A, [0.1], steps=2, seed=v), 0),
    "predicted_losses steps": (lambda v: g.predicted_losses(A, lr=0.1, steps=v), 0),
    "indicator_matrix n_words": (lambda v: g.indicator_matrix(3, v), 1),
    "indicator_matrix seed": (lambda v: g.indicator_matrix(3, 3, seed=v), 0),
    "preset n": (lambda v: g.preset("hilbert", n=v), 1),
    "preset seed": (lambda v: g.preset("random", seed=v), 0),
    "format_matrix decimals": (lambda v: g.format_matrix(A, decimals=v), 0),
    "DescentResult.residual step": (lambda v: a_run().residual(v), 0),
    "DescentResult.product step": (lambda v: a_run().product(v), 0),
    "residual_grid columns": (lambda v: plots.residual_grid(a_run(), columns=v), 1),
    "residual_grid max_panels": (lambda v: plots.residual_grid(a_run(), max_panels=v), 2),
    "residual_animation max_frames": (lambda v: plots.residual_animation(a_run(), max_frames=v), 2),
}


@pytest.mark.parametrize(
    "value",
    [*NOT_NUMBERS, pytest.param(2.5, id="2.5"), pytest.param(math.nan, id="nan"), pytest.param(math.inf, id="inf")],
)
@pytest.mark.parametrize("name", WHOLE_SETTINGS)
def test_a_whole_number_setting_refuses_what_is_not_one(name, value):
    if value is None and name == "format_matrix decimals":
        pytest.skip("decimals=None is the default, as many digits as round-trip")
    refused(g.ParameterError, lambda: WHOLE_SETTINGS[name][0](value), "whole number")


@pytest.mark.parametrize("offset", [-1, -(10**12)], ids=["just below", "negative"])
@pytest.mark.parametrize("name", WHOLE_SETTINGS)
def test_a_whole_number_setting_refuses_what_is_too_small(name, offset):
    call, low = WHOLE_SETTINGS[name]
    refused(g.ParameterError, lambda: call(low + offset), "must be")


@pytest.mark.parametrize("value", [10**12, 10**400], ids=["10**12", "10**400"])
@pytest.mark.parametrize("name", [name for name in WHOLE_SETTINGS if not name.startswith("DescentResult")])
def test_a_whole_number_setting_refuses_what_is_absurdly_large(name, value):
    if value == 10**12 and "seed" in name:
        pytest.skip("a seed may be up to 2**63 - 1")
    message = refused(g.ParameterError, lambda: WHOLE_SETTINGS[name][0](value), "must be between")
    assert len(message) < 300


def test_unrecorded_steps_are_refused():
    refused(g.ParameterError, lambda: a_run().residual(10**12), "not recorded")


@pytest.mark.parametrize("value", ["1", 0, 0.5, {"a": 1}, [0, 1], torch.tensor(3)])
def test_indicator_matrix_documents(value):
    refused(g.ParameterError, lambda: g.indicator_matrix(value, 3), "n_documents")


@pytest.mark.parametrize("value", ["0.5", {"p": 0.5}, [0.5], torch.tensor(0.5), 2])
def test_indicator_matrix_p(value):
    refused(g.ParameterError, lambda: g.indicator_matrix(3, 3, p=value), "p must be")


@pytest.mark.parametrize("name", [None, 3, ["random"], {"random": 1}, "", "Random", "😀"])
def test_preset_names(name):
    refused(g.ParameterError, lambda: g.preset(name), "preset", "choose one of")


@pytest.mark.parametrize("dtype", [0, False, {}, "float16", "double", torch.int32, np.float64, "torch.float64"])
def test_dtype_must_be_named(dtype):
    for call in (
        lambda: g.parse_matrix("1 2", dtype=dtype),
        lambda: g.preset("identity", dtype=dtype),
        lambda: g.as_matrix(A, dtype=dtype),
        lambda: g.exact_inverse(A, dtype=dtype),
        lambda: g.gd_inverse(A, dtype=dtype),
    ):
        refused(g.ParameterError, call, "dtype must be float32 or float64")


@pytest.mark.parametrize("device", ["gpu", -1, 0.5, {}, "meta", "cuda:99", ["cpu"]])
def test_device_must_be_one_this_machine_has(device):
    for call in (
        lambda: g.as_matrix(A, device=device),
        lambda: g.exact_inverse(A, device=device),
        lambda: g.gd_inverse(A, steps=2, device=device),
        lambda: lr_sweep(A, [0.1], steps=2, device=device),
    ):
        refused(g.ParameterError, call, "device", "'cpu'")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu():
    refused(g.ParameterError, lambda: g.gd_inverse(A, device="cuda"), "device 'cuda' cannot be used here")


@pytest.mark.parametrize("choice", ["init", "method", "gradient"])
@pytest.mark.parametrize("value", [None, 1, ["gd"], "GD", "", "😀"])
def test_choices_refuse_anything_else(choice, value):
    refused(g.ParameterError, lambda: g.gd_inverse(A, steps=2, **{choice: value}), f"{choice} must be one of")


@pytest.mark.parametrize(
    "lrs",
    [None, 0.1, np.float32(0.1), True, {0.1: 1}, {0.1, 0.2}, [[0.1, 0.2]], [0.1, "0.2"], [0.1, None], [0.1, True]],
)
def test_lr_sweep_refuses_what_is_not_a_list_of_numbers(lrs):
    refused(g.ParameterError, lambda: lr_sweep(A, lrs, steps=2), "lr")


def test_lr_sweep_refuses_a_generator_of_more_than_10_000():
    refused(g.ParameterError, lambda: lr_sweep(A, (0.1 for _ in range(10**9)), steps=2), "more than 10,000")


@pytest.mark.parametrize("on_step", [1, "print", [print], True])
def test_on_step_must_be_a_function(on_step):
    refused(g.ParameterError, lambda: g.gd_inverse(A, steps=2, on_step=on_step), "on_step must be a function")


# ---------------------------------------------------------------------------- text: parse_matrix


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1 2 😀; 3 4 5", "'😀'"),
        ("שלום 1; 2 3", "'שלום'"),
        ("مرحبا", "'مرحبا'"),
        ("1\u0301 2; 3 4", "'1\u0301'"),  # a combining accent on a digit
        ("1\u200b2; 3 4", "'1\\u200b2'"),  # a zero-width space is shown, not hidden
        ("\u202e1 2; 3 4", "\\u202e"),  # right-to-left override
        ("1 2\x00; 3 4", "\\x00"),
        ("1 \ud800; 3 4", "\\ud800"),  # a lone surrogate
        ("1 ½; 3 4", "'½'"),
        ("1 2; 3 ⁴", "'⁴'"),
        ("1 NaN; 3 4", "finite"),
        ("1 1e999999999999; 3 4", "finite"),
        ("[[[[1]]]]", "4-D"),
        ("[" * 5000 + "1" + "]" * 5000, "5000 deep"),
        ("tensor([[[1., 2.]]])", "3-D"),
        ("None", "'None'"),
        ("True False", "'True'"),
    ],
)
def test_parse_matrix_names_hostile_text(text, shown):
    refused(g.MatrixInputError, lambda: g.parse_matrix(text), shown)


@pytest.mark.parametrize("text", [None, 12, 1.5, b"1 2", ["1 2"], {"1": 2}, torch.eye(2)])
def test_parse_matrix_needs_text(text):
    refused(g.MatrixInputError, lambda: g.parse_matrix(text), "needs text")


def test_parse_matrix_drops_a_byte_order_mark():
    assert g.parse_matrix("\ufeff1 2\n3 4").tolist() == [[1.0, 2.0], [3.0, 4.0]]


UNICODE_SPACES = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs" and chr(c) != " "]


@pytest.mark.parametrize("space", UNICODE_SPACES, ids=lambda c: f"U+{ord(c):04X}")
def test_a_unicode_space_separates_entries_but_not_digits(space):
    assert g.parse_matrix(f"1,{space}2\n{space}-3{space}\t4{space}").tolist() == [[1.0, 2.0], [-3.0, 4.0]]
    assert g.parse_matrix(f"[1 {space}2;{space}3{space}{space}4]").tolist() == [[1.0, 2.0], [3.0, 4.0]]
    message = refused(g.MatrixInputError, lambda: g.parse_matrix(f"5 6\n7 1{space}234"), "row 2, column 2")
    assert f"U+{ord(space):04X}" in message and "1234" in message


@pytest.mark.parametrize("decimals", [-1, 21, 2.5, True, "2", np.float64(2.5)])
def test_format_matrix_decimals(decimals):
    refused(g.ParameterError, lambda: g.format_matrix(A, decimals=decimals), "decimals")


# ---------------------------------------------------------------------------- text: document_term_matrix


@pytest.mark.parametrize(
    ("documents", "error", "words"),
    [
        (["😀 🎉"], g.MatrixInputError, ["document 1", "no words"]),
        (["words", "\u200b\u200b"], g.MatrixInputError, ["document 2", "no words"]),
        (["words", "👨\u200d👩\u200d👧"], g.MatrixInputError, ["document 2", "no words"]),
        (["words", "   \t "], g.MatrixInputError, ["document 2", "no words"]),
        (["___ '''"], g.MatrixInputError, ["no words"]),
        ("\n  \n\t\n", g.ParameterError, ["no documents"]),
        (["fine", None], g.ParameterError, ["document 2 is NoneType"]),
        (["fine", b"bytes"], g.ParameterError, ["document 2 is bytes", "as text"]),
        (["fine", ["nested"]], g.ParameterError, ["document 2 is list"]),
        ((doc for doc in ["a"]), g.ParameterError, ["list of strings", "generator"]),
        ({"a", "b"}, g.ParameterError, ["list of strings", "set"]),
        ({"a": "b"}, g.ParameterError, ["list of strings", "dict"]),
        (np.array(["a b", "c"]), g.ParameterError, ["list of strings", "ndarray"]),
        (b"a b\nc", g.ParameterError, ["list of strings", "bytes"]),
        (42, g.ParameterError, ["list of strings", "int"]),
    ],
)
def test_document_term_matrix_hostile_input(documents, error, words):
    refused(error, lambda: g.document_term_matrix(documents), *words)


@pytest.mark.parametrize(
    ("documents", "vocabulary"),
    [
        (["cafe\u0301", "café"], ("café",)),  # decomposed and composed é are one word
        (["नमस्ते दुनिया"], ("दुनिया", "नमस्ते")),  # Devanagari vowel signs stay in their word
        (["สวัสดีครับ"], ("สวัสดีครับ",)),  # so do Thai ones
        (["שלום עולם", "مرحبا بالعالم"], ("עולם", "שלום", "بالعالم", "مرحبا")),
        (["a\u200bb"], ("a", "b")),  # a zero-width space separates
        (["cat 😀", "😀dog"], ("cat", "dog")),
        (["\u0301 lone mark"], ("lone", "mark")),
        (["snake_case"], ("case", "snake")),
        (["ﬁne ＡＢＣ"], ("ﬁne", "ａｂｃ")),
    ],
)
def test_document_term_matrix_unicode_words(documents, vocabulary):
    dtm = g.document_term_matrix(documents)
    assert dtm.vocabulary == vocabulary
    assert dtm.matrix.dtype == torch.int32 and dtm.matrix.shape == (len(documents), len(vocabulary))


def test_document_term_matrix_keeps_documents_as_given():
    documents = ("\ufeffthe cat", "the dog\u200b")
    dtm = g.document_term_matrix(documents)
    assert dtm.documents == documents and dtm.vocabulary == ("cat", "dog", "the")


# ---------------------------------------------------------------------------- plots: settings


@pytest.mark.parametrize("title", [None, 3, ["a"], {"text": "a"}, np.float32(1.0), torch.tensor(1.0)])
def test_plot_titles_must_be_text(title):
    for call in (
        lambda: plots.heatmap(np.eye(2), title=title),
        lambda: plots.indicator_heatmap([[0, 1]], title=title),
        lambda: plots.counts_figure([1], ["a"], title=title),
        lambda: plots.loss_curve([1.0, 0.5], title=title),
        lambda: plots.race_figure({"gd": a_run()}, title=title),
        lambda: plots.loss_curve([1.0, 0.5], marks=[0], marks_label=title),
    ):
        refused(g.ParameterError, call, "must be text")


@pytest.mark.parametrize("colorscale", ["not-a-scale", 3, [[0, "nope"]], {"a": 1}, [[2, "red"], [1, "blue"]]])
def test_heatmap_colorscale(colorscale):
    refused(g.ParameterError, lambda: plots.heatmap(np.eye(2), colorscale=colorscale), "colorscale", "RdBu")


@pytest.mark.parametrize("value", ["yes", 1, None, np.array([True])])
def test_plot_flags_must_be_true_or_false(value):
    refused(g.ParameterError, lambda: plots.loss_curve([1.0, 0.5], log_y=value), "log_y must be True or False")
    if value is not None:
        refused(g.ParameterError, lambda: plots.heatmap(np.eye(2), show_values=value), "show_values")


@pytest.mark.parametrize("labels", [torch.tensor(1.0), np.array("ab"), 5, "ab", b"ab", ["a"]])
def test_plot_labels(labels):
    refused(g.ParameterError, lambda: plots.heatmap(np.eye(2), x_labels=labels), "x_labels")
    refused(g.ParameterError, lambda: plots.indicator_heatmap([[0, 1], [1, 0]], row_labels=labels), "row_labels")
    refused(g.ParameterError, lambda: plots.counts_figure([1, 2], labels), "labels")


@pytest.mark.parametrize("steps", [0, "20", torch.tensor(20), np.array(20), [20.5], [-20], [None], [10**400]])
def test_plot_steps_and_marks(steps):
    refused(g.ParameterError, lambda: plots.residual_grid(a_run(), steps=steps), "steps")
    refused(g.ParameterError, lambda: plots.loss_curve([1.0, 0.5, 0.2], marks=steps), "marks")


@pytest.mark.parametrize("bounds", [{"stable_below": 1.0}, 1.0, "optimal"])
def test_sweep_figure_bounds(bounds):
    refused(g.ParameterError, lambda: plots.sweep_figure(a_sweep(), bounds=bounds), "bounds must be an LrBounds")


@pytest.mark.parametrize("predicted", [["a", "b"], [[1.0, 2.0]], 5.0, [1.0]])
def test_sweep_figure_predicted(predicted):
    refused(g.ParameterError, lambda: plots.sweep_figure(a_sweep(), predicted=predicted), "predicted")


@pytest.mark.parametrize("result", [None, {"losses": [1.0]}, np.ones(3), "run"])
def test_animation_and_race_need_runs(result):
    refused(g.ParameterError, lambda: plots.residual_animation(result), "DescentResult")
    refused(g.ParameterError, lambda: plots.race_figure({"gd": result}), "DescentResult")
    refused(g.ParameterError, lambda: plots.race_figure(result))


# ---------------------------------------------------------------------------- accepted: every kind of number

NUMPY_TYPES = [
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
    np.longdouble,
]
TORCH_TYPES = [
    torch.bool,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.uint8,
    torch.uint16,
    torch.uint32,
    torch.uint64,
    torch.float16,
    torch.bfloat16,
    torch.float32,
    torch.float64,
]


@pytest.mark.parametrize("kind", NUMPY_TYPES, ids=lambda t: t.__name__)
def test_numpy_arrays_of_every_width_are_converted(kind):
    M = np.array([[1, 0], [0, 1]], dtype=kind)
    assert g.as_matrix(M).dtype == torch.float32
    assert g.as_matrix(M, dtype="float64").dtype == torch.float64
    assert g.exact_inverse(M).inverse.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert g.gd_inverse(M, steps=200, dtype="float64").final_loss < 1e-20
    assert g.lr_bounds(M).optimal == pytest.approx(2.0)
    assert g.indicator_stats(M).rank == 2
    assert g.format_matrix(M) == "1.0, 0.0\n0.0, 1.0"
    assert plots.heatmap(M).data[0].z.dtype == np.float32
    assert plots.indicator_heatmap(M).data[0].z.dtype == np.uint8


@pytest.mark.parametrize("kind", TORCH_TYPES, ids=str)
def test_tensors_of_every_dtype_are_converted(kind):
    M = torch.tensor([[1, 0], [0, 1]], dtype=kind)
    assert g.as_matrix(M).dtype == (torch.float64 if kind == torch.float64 else torch.float32)
    assert g.exact_inverse(M).inverse.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert g.gd_inverse(M, steps=200).final_loss < 1e-10
    assert lr_sweep(M, [0.5], steps=5).final_losses.shape == (1,)
    assert g.indicator_stats(M).rank == 2
    assert plots.heatmap(M).data[0].z.dtype == np.float32
    assert plots.indicator_heatmap(M).data[0].z.dtype == np.uint8
    assert plots.loss_curve(M[0]).data[0].y.dtype == np.float32


def test_other_containers_of_numbers_are_converted():
    for M in (
        [[True, False], [False, True]],
        ((1, 0), (0, 1)),
        [np.array([1, 0]), np.array([0, 1])],
        [torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])],
        np.ma.array([[1, 0], [0, 1]]),
        torch.eye(2).to_sparse(),
        torch.eye(2, requires_grad=True),
        torch.eye(4)[::2, ::2],  # not contiguous
        torch.eye(2).T,
    ):
        assert g.as_matrix(M).tolist() == [[1.0, 0.0], [0.0, 1.0]]
        assert g.exact_inverse(M).max_error == 0


def test_the_indicator_matrices_are_int32_and_accepted_everywhere():
    for M in (g.indicator_matrix(17, 3), g.document_term_matrix(["the cat", "the dog", "a cat"]).matrix):
        assert M.dtype == torch.int32
        assert g.lr_bounds(M).rank == 3
        assert g.gd_inverse(M, steps=20).inverse.shape == (M.shape[1], M.shape[0])
        assert g.pseudo_inverse(M).dtype == torch.float32
        assert g.condition_number(M) > 1
        assert g.indicator_stats(M).rank == 3
        assert plots.indicator_heatmap(M).data[0].z.shape == tuple(M.shape)


def test_numpy_scalars_are_accepted_as_every_setting():
    result = g.gd_inverse(
        A,
        lr=np.float16(0.125),
        steps=np.uint64(10),
        seed=np.int8(3),
        record_every=np.int16(5),
        max_snapshots=np.uint8(5),
        dtype="float64",
    )
    assert (result.lr, len(result.losses), list(result.snapshots)) == (0.125, 11, [0, 5, 10])
    assert result.residual(np.int64(5)).shape == (2, 2)
    assert result.steps_to_tolerance(np.float32(1e6)) == 0
    momentum = g.gd_inverse(A, method="momentum", momentum=np.float32(0.5), lr=np.float64(0.1), steps=np.int32(3))
    assert momentum.momentum == 0.5
    assert g.GradientDescent(A, seed=np.uint32(1)).step(np.int64(2)).shape == (2,)
    assert lr_sweep(A, np.array([0.1, 0.2], dtype=np.float32), steps=np.int64(3), seed=np.uint16(1)).lrs.size == 2
    assert lr_sweep(A, torch.tensor([0.1, 0.2], dtype=torch.bfloat16), steps=3).lrs.size == 2
    assert g.predicted_losses(A, lr=np.float32(0.1), steps=np.int32(4)).shape == (5,)
    assert g.steps_to_tolerance(A, lr=np.float64(0.1), tol=np.float32(1e-3)) > 0
    assert g.indicator_matrix(np.int8(4), np.uint8(3), p=np.float16(0.5), seed=np.int64(1)).shape == (4, 3)
    assert g.preset("random", n=np.int32(3), cond=np.float32(5), seed=np.uint64(2)).shape == (3, 3)
    assert g.preset("rotation", n=np.int16(2), angle=np.float16(45)).shape == (2, 2)
    assert g.format_matrix([[1 / 3]], decimals=np.int64(2)) == "0.33"
    assert plots.heatmap(np.eye(2), zmax=np.float32(2), show_values=np.True_).data[0].zmax == 2
    assert plots.loss_curve([1.0, 0.5], log_y=np.False_, marks=np.array([0, 1])).layout.yaxis.type == "linear"
    assert (
        len(plots.residual_grid(a_run(), columns=np.int64(2), max_panels=np.uint8(2), steps=np.array([0, 40])).data)
        == 2
    )
    assert len(plots.residual_animation(a_run(), max_frames=np.int32(2)).frames) == 2


def test_whole_floats_are_whole_numbers():
    assert len(g.gd_inverse(A, steps=4.0, record_every=2.0).losses) == 5
    assert g.indicator_matrix(3.0, 2.0).shape == (3, 2)
    assert g.preset("identity", n=np.float64(3.0)).shape == (3, 3)


@pytest.mark.filterwarnings("error")  # not even a numpy overflow warning
def test_a_huge_learning_rate_is_a_divergence_not_an_error():
    result = g.gd_inverse(A, lr=10**12, steps=5)
    assert result.diverged and "stable limit" in result.message
    sweep = lr_sweep(A, [0.1, 1e300], steps=5)
    assert sweep.diverged.tolist() == [False, True]
    assert math.isinf(g.predicted_losses(A, lr=1e300, steps=3)[-1])
    assert g.steps_to_tolerance(A, lr=1e300, tol=1e-3) is None
