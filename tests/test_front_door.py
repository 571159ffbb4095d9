"""One front door: every torch and numpy dtype, in every kind of container, against every public function.

Each combination is either accepted with the answer the same values give as a plain tensor (bit for bit), or
refused with a GdInverseError on one line that names the dtype (or the entry's kind), never a bare torch, numpy,
pandas or scipy exception. Every torch dtype this torch defines and every numpy dtype numpy defines is tried, so a
dtype a future release adds is tried too.
"""

import functools
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import torch

import gdinverse as g

pytestmark = pytest.mark.filterwarnings("ignore:.*(quantiz|ComplexHalf|Sparse CSR).*:UserWarning")

VALUES = [[1.0, 0.0], [1.0, 1.0]]
"""Held exactly by every real dtype (bool, every integer width, every float, float8 and quantized), and 0/1 so that
indicator_stats takes it."""
POWERS_OF_TWO = [[1.0, 0.5], [0.5, 2.0]]
"""For float8_e8m0fnu, which holds powers of two only (no 0)."""

TORCH_DTYPES = sorted({d for d in vars(torch).values() if isinstance(d, torch.dtype)}, key=str)
NUMPY_DTYPES = [*sorted({np.dtype(t) for t in np.sctypeDict.values()}, key=str), np.dtypes.StringDType()]

READ = {"bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"}
READ |= {"float16", "bfloat16", "float32", "float64", "qint8", "quint8", "qint32"}
READ |= {"float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu"}
"""The torch dtypes gdinverse reads (by name, so that this list is checked against torch's)."""
NUMPY_READ = set("biufO")
"""numpy kinds read: bool, signed and unsigned integers, floats (longdouble too) and objects that are numbers."""


def _values(dtype):
    return POWERS_OF_TWO if str(dtype) == "torch.float8_e8m0fnu" else VALUES


def _torch_tensor(dtype):
    """The values in a tensor of ``dtype``; raw zeros (never read) for the dtypes torch cannot convert to."""
    values = torch.tensor(_values(dtype))
    if dtype.is_complex or str(dtype).removeprefix("torch.") in READ - {"qint8", "quint8", "qint32"}:
        return values.to(dtype)
    if str(dtype).startswith(("torch.qint", "torch.quint")):
        return torch.quantize_per_tensor(values, 1.0, 0, dtype)
    raw = torch.zeros(2, 2 * dtype.itemsize, dtype=torch.uint8)
    return raw.view(dtype) if dtype.itemsize == 1 else torch.empty(2, 2, dtype=dtype)


def _with_grad(t):
    return t.clone().requires_grad_(True)


TORCH_CONTAINERS = {
    "tensor": lambda t: t,
    "transposed view": lambda t: t.T.contiguous().T,
    "requiring grad": _with_grad,
    "list of row tensors": lambda t: [t[0], t[1]],
    "rows of a tensor requiring grad": lambda t: list(_with_grad(t)),
    "tuple of rows of 0-d tensors": lambda t: ((t[0, 0], t[0, 1]), (t[1, 0], t[1, 1])),
    "0-d tensors requiring grad": lambda t: [[x for x in row] for row in _with_grad(t)],
    "sparse COO": lambda t: t.to_sparse(),
    "object array of row tensors": lambda t: _object_rows([t[0], t[1]]),
}


def _object_rows(rows):
    """A 1-D object array holding the rows themselves (one at a time: numpy would convert a list of tensors)."""
    array = np.empty(len(rows), dtype=object)
    for i, row in enumerate(rows):
        array[i] = row
    return array


def _numpy_array(dtype):
    values = np.array(VALUES)
    if dtype.kind == "V":
        return np.zeros((2, 2), dtype=dtype if dtype.names else [("a", "f8")])
    if dtype.kind in "MS" or dtype == np.dtype("V"):
        return values.astype(int).astype(dtype)
    return values.astype(dtype)


NUMPY_CONTAINERS = {
    "array": lambda a: a,
    "Fortran order": np.asfortranarray,
    "byte-swapped": lambda a: a.astype(a.dtype.newbyteorder("S")) if a.dtype.byteorder != "|" else a,
    "np.matrix": np.asmatrix,
    "masked array, nothing masked": np.ma.asarray,
    "list of row arrays": list,
    "lists of numpy scalars": lambda a: [[a[i, j] for j in range(2)] for i in range(2)],
    "object array": lambda a: a.astype(object),
    "pandas DataFrame": pd.DataFrame,
    "scipy sparse": scipy.sparse.csr_array,
    "broadcast view": lambda a: np.broadcast_to(a[1:], (2, 2)),
}


# ---------------------------------------------------------------------------- every public function


@functools.cache
def _reference_run(dtype):
    return g.gd_inverse(torch.tensor(VALUES, dtype=dtype), steps=3)


FUNCTIONS = {
    "as_matrix": (g.as_matrix, lambda r: r),
    "format_matrix": (g.format_matrix, lambda r: r),
    "exact_inverse": (g.exact_inverse, lambda r: (r.inverse, r.condition_number, r.determinant, r.max_error)),
    "pseudo_inverse": (g.pseudo_inverse, lambda r: r),
    "one_sided_inverse": (g.one_sided_inverse, lambda r: (r.kind, r.inverse, r.rank)),
    "best_inverse": (g.best_inverse, lambda r: r),
    "condition_number": (g.condition_number, lambda r: r),
    "lr_bounds": (g.lr_bounds, lambda r: (r.optimal, r.stable_below, r.rank, r.resolved_rank)),
    "predicted_losses": (lambda M: g.predicted_losses(M, lr=0.1, steps=3), lambda r: r),
    "predicted_losses, as X0": (lambda M: g.predicted_losses(VALUES, lr=0.1, steps=3, X0=M), lambda r: r),
    "predicted_final_losses": (lambda M: g.predicted_final_losses(M, [0.1, 0.2], steps=3), lambda r: r),
    "steps_to_tolerance": (lambda M: g.steps_to_tolerance(M, lr=0.1, tol=1e-3), lambda r: r),
    "gd_inverse": (lambda M: g.gd_inverse(M, steps=3), lambda r: (r.losses, r.inverse)),
    "GradientDescent": (lambda M: g.GradientDescent(M).step(2), lambda r: r),
    "lr_sweep": (lambda M: g.lr_sweep(M, [0.1, 0.2], steps=3), lambda r: (r.final_losses, r.predicted)),
    "race": (lambda M: g.race(M, ["gd", "newton_schulz"], steps=3), lambda r: {k: v.losses for k, v in r.items()}),
    "race_table, as matrix": (
        lambda M: g.race_table({"gd": _reference_run(torch.float32)}, matrix=M),
        lambda rows: [row.error for row in rows],
    ),
    "DescentResult.distance_to": (lambda M: _reference_run(torch.float32).distance_to(M), lambda r: r),
    "direction_view": (lambda M: g.direction_view(M, g.gd_inverse(M, steps=3)), lambda r: r.measured),
    "direction_errors": (lambda M: g.direction_errors(M, g.gd_inverse(M, steps=3)), lambda r: r),
    "predicted_direction_errors": (lambda M: g.predicted_direction_errors(M, lr=0.1, steps=3), lambda r: r),
    "contraction_factors": (lambda M: g.contraction_factors(M), lambda r: (r.slow, r.fast)),
    "landscape": (lambda M: g.landscape(M, g.gd_inverse(M, steps=3), size=3), lambda r: r.loss),
    "indicator_stats": (g.indicator_stats, lambda r: (r.rank, r.words_per_document, r.density)),
}
"""Every public function that takes a matrix (residual(X, A) takes tensors only: see the report), with what of its
result is compared."""


def _outcome(name, A):
    """("ok", the compared part of the result) or ("refused", the error's class and message)."""
    call, answer = FUNCTIONS[name]
    try:
        return "ok", answer(call(A))
    except g.GdInverseError as error:
        return "refused", type(error).__name__, str(error)


def _same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, tuple | list):
        return isinstance(b, tuple | list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


@functools.cache
def _expected(name, working, values):
    """What ``name`` gives for the same values as a plain tensor of the working dtype."""
    return _outcome(name, torch.tensor(values, dtype=working))


def _check_accepted(name, A, values):
    working = g.as_matrix(A).dtype
    got = _outcome(name, A)
    expected = _expected(name, working, tuple(map(tuple, values)))
    assert got[0] == expected[0] and _same(got[1:], expected[1:]), f"{name}: {got} != {expected}"


def _check_refused(name, A, words):
    call, _ = FUNCTIONS[name]
    try:
        call(A)
    except g.GdInverseError as error:
        message = str(error)
    else:
        raise AssertionError(f"{name} accepted what it should refuse")
    assert "\n" not in message and "; " in message, f"no advice in: {message}"
    assert any(word in message for word in words), f"none of {words} in: {message}"


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=str)
def test_every_torch_dtype_in_every_container(dtype, name):
    short = str(dtype).removeprefix("torch.")
    accepted = short in READ
    tried = 0
    for make in TORCH_CONTAINERS.values():
        try:
            A = make(_torch_tensor(dtype))
        except (RuntimeError, TypeError, NotImplementedError):
            continue  # torch cannot build this container of this dtype (a sparse float8 tensor, ints with grad)
        tried += 1
        if accepted:
            _check_accepted(name, A, _values(dtype))
        else:
            words = ("complex",) if dtype.is_complex else (str(dtype),)
            _check_refused(name, A, words)
    assert tried == len(TORCH_CONTAINERS) if dtype in (torch.float32, torch.float64) else tried >= 3


def _numpy_words(dtype):
    """What a refusal of ``dtype`` must name: the dtype, or the kind of its entries."""
    return {
        "c": ("complex",),
        "U": ("text",),
        "T": ("text",),
        "S": ("bytes",),
        "M": ("date",),
        "m": ("time span", "timedelta"),
        "V": ("structured", "void", "tuple"),  # an object array of records holds tuples
    }[dtype.kind]


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", NUMPY_DTYPES, ids=str)
def test_every_numpy_dtype_in_every_container(dtype, name):
    tried = 0
    for kind, make in NUMPY_CONTAINERS.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                A = make(_numpy_array(dtype))
        except (TypeError, ValueError, NotImplementedError):
            continue  # scipy has no sparse matrix of text, numpy no byte-swapped object array
        if kind == "object array" and dtype.kind in "Mm" and isinstance(A.flat[0], int | None):
            continue  # numpy turned dates and time spans in generic units into ints or None: not the dtype any more
        tried += 1
        values = [VALUES[1], VALUES[1]] if kind == "broadcast view" else VALUES
        if dtype.kind in NUMPY_READ:
            _check_accepted(name, A, values)
        else:
            _check_refused(name, A, _numpy_words(dtype))
    assert tried >= 6


def test_the_lists_name_every_dtype_torch_has():
    """READ and the refusal reasons cover torch's dtypes: a dtype torch adds is refused by name, not read blindly."""
    names = {str(d).removeprefix("torch.") for d in TORCH_DTYPES}
    assert READ <= names
    assert {"complex64", "int4", "bits8", "float4_e2m1fn_x2"} <= names - READ
