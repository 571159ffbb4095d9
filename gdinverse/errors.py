"""Errors raised by gdinverse, and the small argument checks that raise them.

Every error is a :class:`GdInverseError` (itself a ``ValueError``), and every
message says what was wrong, repeating the value received, and what to do:

>>> import gdinverse as g
>>> try:
...     g.parse_matrix("1 2; 3")
... except g.GdInverseError as error:
...     print(type(error).__name__, "-", error)
MatrixInputError - row 2 has 1 entry but row 1 has 2; every row needs the same number of entries
>>> issubclass(g.ParameterError, ValueError)
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import torch

__all__ = [
    "CostError",
    "GdInverseError",
    "MatrixInputError",
    "ParameterError",
    "SingularMatrixError",
]


class GdInverseError(ValueError):
    """Base class of every error gdinverse raises on purpose."""


class MatrixInputError(GdInverseError):
    """The matrix given cannot be used: empty, ragged, not numbers, not finite, wrong shape."""


class SingularMatrixError(GdInverseError):
    """The matrix has no inverse that the working dtype can resolve; ``condition_number`` says how far it was (∞ for
    a matrix whose rank is deficient).

    ``reason`` says why, for code that words it its own way: "singular" (its rank is deficient), "rounded" (singular
    once rounded to the working dtype, invertible as entered), "pivot" (LU met an exactly zero pivot) or
    "overflow" (the inverse does not fit the dtype).

    >>> import gdinverse as g
    >>> try:
    ...     g.exact_inverse(g.parse_matrix("1 2; 2 4"))
    ... except g.SingularMatrixError as error:
    ...     print(error.reason, error.condition_number)
    singular inf
    """

    def __init__(self, message: str, condition_number: float, reason: str = "singular") -> None:
        super().__init__(message)
        self.condition_number = condition_number
        self.reason = reason


class ParameterError(GdInverseError):
    """A setting (learning rate, steps, probability, size, ...) is out of its range."""


class CostError(GdInverseError):
    """The call would take more time or memory than the limit allows (:mod:`gdinverse.cost`); refused before it
    starts. ``cost`` is the estimate (a :class:`gdinverse.cost.Cost`), ``limits`` the limits it was held to."""

    def __init__(self, message: str, *, cost: Any, limits: Any) -> None:
        super().__init__(message)
        self.cost = cost
        self.limits = limits


DTYPES = {"float32": torch.float32, "float64": torch.float64}


def check_dtype(dtype: Any) -> torch.dtype:
    """Return the torch floating dtype named by ``dtype`` (float32 or float64)."""
    if isinstance(dtype, str) and dtype in DTYPES:
        return DTYPES[dtype]
    if dtype in DTYPES.values():
        return dtype
    raise ParameterError(
        f"dtype must be float32 or float64, got {dtype!r}; pass torch.float32 (the seed's precision) or torch.float64"
    )


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise ParameterError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_int(name: str, value: Any, *, low: int, high: int | None = None) -> int:
    """Return ``value`` as an int if it is a whole number in [low, high]."""
    whole = isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and _as_float(value).is_integer())
    if isinstance(value, bool) or not whole:
        raise ParameterError(f"{name} must be a whole number, got {value!r:.60}")
    value = int(value)
    if value < low or (high is not None and value > high):
        span = f"at least {low}" if high is None else f"between {low} and {high:,}"
        shown = f"{value:,}" if abs(value) < 10**18 else f"{str(value)[:12]}… ({len(str(abs(value)))} digits)"
        raise ParameterError(f"{name} must be {span}, got {shown}")
    return value


def check_float(
    name: str,
    value: Any,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
) -> float:
    """Return ``value`` as a finite float in [low, high] (or (low, high] if ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name} must be a number, got {value!r:.60}")
    value = _as_float(value)
    too_low = value <= low if low_open else value < low
    if not math.isfinite(value) or too_low or value > high:
        left = "(" if low_open else "["
        span = "" if math.isinf(low) and math.isinf(high) else f" in {left}{low:g}, {high:g}]"
        raise ParameterError(f"{name} must be a finite number{span}, got {value!r}")
    return value


def _as_float(value: numbers.Real) -> float:
    """``value`` as a float; a number too big for a float (an int like 10**400) becomes ±inf."""
    try:
        return float(value)
    except OverflowError:
        return -math.inf if value < 0 else math.inf


def check_device(device: Any) -> torch.device:
    """Return ``device`` as a torch.device this machine can compute on (None is the CPU)."""
    try:
        checked = torch.device("cpu" if device is None else device)
        torch.empty(0, device=checked)  # torch raises errors of many kinds for a device it lacks
    except Exception as exc:
        reason = str(exc).splitlines()[0][:80]
        raise ParameterError(f"device {device!r:.40} cannot be used here ({reason}); use 'cpu'") from None
    if checked.type == "meta":
        raise ParameterError("device 'meta' holds no numbers; use 'cpu'")
    return checked
