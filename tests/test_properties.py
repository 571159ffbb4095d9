"""Properties checked on inputs Hypothesis makes up: descent reaches the exact inverse, text round-trips,
any text is read or refused cleanly, and a sweep is the same arithmetic as separate runs.

The number of examples comes from the profile in conftest.py (small in CI; see there for longer runs).
"""

import math

import numpy as np
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gdinverse as g
from gdinverse.sweep import lr_sweep

# ---------------------------------------------------------------------------- (a) descent finds the exact inverse


@st.composite
def well_conditioned(draw):
    """A float64 n×n matrix (n = 1..8) with condition number at most about 10, times a scale 10^-3..10^3.

    Either U·diag(σ)·Vᵀ with orthogonal U, V (from the QR of drawn matrices) and σ in [1, 10],
    or I + E with every |E_ij| ≤ 0.3/n (so ‖E‖ ≤ 0.3 and κ ≤ 1.3/0.7).
    """
    n = draw(st.integers(1, 8))
    entries = st.floats(-1, 1).map(lambda x: 0.0 if abs(x) < 1e-6 else x)  # no entries near float64's tiny
    scale = 10.0 ** draw(st.integers(-3, 3))
    if draw(st.booleans()):
        U, _ = torch.linalg.qr(torch.tensor(draw(hnp.arrays(np.float64, (n, n), elements=entries))))
        V, _ = torch.linalg.qr(torch.tensor(draw(hnp.arrays(np.float64, (n, n), elements=entries))))
        sigma = torch.tensor(draw(st.lists(st.floats(1, 10), min_size=n, max_size=n)), dtype=torch.float64)
        return scale * (U * sigma) @ V.T
    noise = draw(hnp.arrays(np.float64, (n, n), elements=entries.map(lambda x: 0.3 * x / n)))
    return scale * (torch.eye(n, dtype=torch.float64) + torch.tensor(noise))


@given(well_conditioned())
def test_descent_at_the_optimal_lr_reaches_the_exact_inverse(A):
    assert g.condition_number(A) < 11
    start = g.GradientDescent(A).X  # the run's own start, torch.rand seeded with 314
    steps = g.steps_to_tolerance(A, lr="optimal", tol=1e-26, X0=start)
    assert steps is not None and steps < 5000
    run = g.gd_inverse(A, steps=max(steps, 1), record_every=max(steps, 1))
    assert run.inverse.dtype == torch.float64 and not (run.diverged or run.stalled)
    # loss ≤ tol means ‖XA − I‖_F ≤ k·√tol, and ‖X − A⁻¹‖ / ‖A⁻¹‖ is at most that
    assert run.distance_to(g.exact_inverse(A).inverse) < 1e-10


# ---------------------------------------------------------------------------- (b) format_matrix round-trips


def finite_matrices(dtype, width):
    """dtype matrices of 1..6 × 1..6 finite, normal (or zero) values of every magnitude, signed zeros included."""
    values = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False, width=width)
    shapes = hnp.array_shapes(min_dims=2, max_dims=2, max_side=6)
    return hnp.arrays(dtype, shapes, elements=values).map(torch.from_numpy)


def assert_round_trip(M):
    back = g.parse_matrix(g.format_matrix(M), dtype=M.dtype)
    assert back.dtype == M.dtype
    assert torch.equal(back, M)
    assert torch.equal(torch.signbit(back), torch.signbit(M))  # -0.0 stays -0.0


@given(finite_matrices(np.float32, 32))
@example(torch.tensor([[torch.finfo(torch.float32).max, -torch.finfo(torch.float32).tiny, -0.0]]))
@example(torch.tensor([[1 / 3, 1e-30, 3.4e38], [-1.1754944e-38, 16777217.0, 0.1]]))
def test_format_then_parse_gives_back_every_float32_matrix(M):
    assert_round_trip(M)


@given(finite_matrices(np.float64, 64))
@example(torch.tensor([[math.ulp(0.0) * 2**52, -1.7976931348623157e308, -0.0]], dtype=torch.float64))
@example(torch.tensor([[0.1 + 0.2, 1 / 3, 2**53 + 2.0]], dtype=torch.float64))
def test_format_then_parse_gives_back_every_float64_matrix(M):
    assert_round_trip(M)


# ---------------------------------------------------------------------------- (c) parse_matrix reads or refuses

MATRIX_CHARACTERS = st.sampled_from([*"0123456789 .,;-+eE/[]()\n\tinfatorchy", "−", "\u00a0", "\ufeff", "\u200b"])
ANY_TEXT = st.one_of(
    st.text(MATRIX_CHARACTERS, max_size=60),
    st.text(st.one_of(MATRIX_CHARACTERS, st.characters()), max_size=60),
    st.text(max_size=60),
    st.lists(st.lists(st.floats(width=32) | st.integers(-(10**40), 10**40), max_size=4), max_size=4).map(str),
)


@given(ANY_TEXT)
@example("[[1, 2], [3, 4]]")
@example("tensor([[1e38, -2e38]], dtype=torch.float32)")
@example("1/0.0 1")
@example("[[[]]]")
@example("١٢ ٣")
def test_any_text_is_read_as_a_finite_matrix_or_refused_with_a_matrix_input_error(text):
    try:
        M = g.parse_matrix(text)
    except g.MatrixInputError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert M.ndim == 2 and M.numel() > 0 and M.dtype == torch.float32
    assert torch.isfinite(M).all()


# ---------------------------------------------------------------------------- (d) document_term_matrix reads or refuses

DOCUMENT = st.text(st.one_of(st.sampled_from(list("ab c'’_-\n\u0301\u200b😀")), st.characters()), max_size=30)


@given(st.one_of(st.lists(DOCUMENT, max_size=6), DOCUMENT, st.lists(DOCUMENT | st.none() | st.integers(), max_size=6)))
@example(["cafe\u0301", "café"])
@example(["\u0301"])
@example("a\n\n b")
def test_any_documents_give_a_document_term_matrix_or_a_gdinverse_error(documents):
    try:
        dtm = g.document_term_matrix(documents)
    except g.GdInverseError as error:
        assert str(error) and "\n" not in str(error)
        return
    M = dtm.matrix
    assert M.dtype == torch.int32 and M.shape == (len(dtm.documents), len(dtm.vocabulary))
    assert list(dtm.vocabulary) == sorted(set(dtm.vocabulary)) and all(dtm.vocabulary)
    assert bool(((M == 0) | (M == 1)).all()) and bool((M.sum(dim=1) > 0).all())  # every document has a word
    assert bool((M.sum(dim=0) > 0).all())  # every word is in a document
    assert g.indicator_stats(M).words_per_document.tolist() == M.sum(dim=1).tolist()


# ---------------------------------------------------------------------------- (e) a sweep is separate runs at once

ENTRIES = st.floats(-3, 3, width=32).map(lambda x: 0.0 if abs(x) < 1e-3 else x)  # gradient descent's scale


@given(
    A=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=4), elements=ENTRIES),
    scales=st.lists(st.floats(0.01, 1.6), min_size=1, max_size=4),
    steps=st.integers(1, 60),
    init=st.sampled_from(["rand", "zeros"]),
)
def test_sweep_final_losses_equal_separate_runs(A, scales, steps, init):
    try:
        limit = g.lr_bounds(A).stable_below
    except g.MatrixInputError:  # all zeros: no stable limit to scale by
        limit = 1.0
    lrs = [scale * limit for scale in scales]  # from far below the stable limit to above it
    sweep = lr_sweep(A, lrs, steps=steps, init=init)
    for lr, final, diverged in zip(sweep.lrs, sweep.final_losses, sweep.diverged, strict=True):
        run = g.gd_inverse(A, lr=lr, steps=steps, init=init, record_every=steps)
        assert diverged == run.diverged
        assert final == run.losses[-1]
