"""The optimizer race: several methods on the same matrix from the same start, reported honestly.

"Steps to tolerance" is the first step after which the loss *stays* below it, for
at least max(10, 5% of the run) more steps (:meth:`DescentResult.steps_to_tolerance`):
Adam with a constant lr can dip under 1e-6 for a step and climb back to 1e-2, and
a loss that is below it only at the last step or two has not settled either. The
table shows both that step and the first dip, and says "not settled" when the loss
dipped but did not stay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from .cost import require
from .descent import METHODS, DescentResult, gd_inverse
from .errors import ParameterError, check_choice, check_float, check_int
from .exact import best_inverse
from .limits import MAX_STEPS
from .spectrum import Spectrum

__all__ = ["RaceRow", "loss_and_error_disagree", "race", "race_table"]


@dataclass(frozen=True)
class RaceRow:
    """One method's line of the race table."""

    method: str
    lr: float
    momentum: float | None
    steps_to_tolerance: int | None
    """The first step after which the loss stays below the tolerance for the rest of a long enough run (None:
    not settled)."""
    first_below: int | None
    """The first step the loss dipped below the tolerance, even if it climbed back."""
    milliseconds: float | None
    """Wall-clock time to ``steps_to_tolerance``, setup included."""
    final_loss: float
    error: float
    """‖X − reference‖ / ‖reference‖ of the final X (the exact inverse, or the pseudo-inverse)."""
    diverged: bool
    stalled: bool
    grew: bool
    """The loss ended above where it started (a diverging or not yet settled run)."""
    status: str
    """The run's verdict: "converged", "running", "stalled" or "diverged" (:class:`gdinverse.verdict.Verdict`)."""

    @property
    def settled(self) -> str:
        """The steps-to-tolerance cell as words: the step, "not settled" (it dipped below but did not stay)
        or "never below"."""
        if self.steps_to_tolerance is not None:
            return f"{self.steps_to_tolerance:,}"
        return "not settled" if self.first_below is not None else "never below"


def race(
    A: Any,
    methods: Iterable[str] = tuple(METHODS),
    *,
    steps: int = 500,
    seed: int = 314,
    init: str = "rand",
    dtype: Any = None,
    lrs: Mapping[str, float] | None = None,
    on_method: Callable[[str], None] | None = None,
    spectrum: Spectrum | None = None,
) -> dict[str, DescentResult]:
    """Run each method of ``methods`` (see :data:`METHODS`) with its default parameters from the same start.

    Each method gets the learning rate (and momentum) the theory gives it (see
    :class:`gdinverse.LrBounds`), or the one in ``lrs`` (e.g. ``{"adam": 0.3}``);
    every loss is recorded. ``on_method(name)`` is called before each run, e.g.
    to show progress. The matrix is analysed once for all of them (``spectrum``,
    :class:`gdinverse.Spectrum` of A in ``dtype``, made here if not given). The cost of the whole race is
    estimated before the first run (:func:`gdinverse.cost.require`).
    """
    methods = list(dict.fromkeys(check_choice("method", m, METHODS) for m in methods))
    if not methods:
        raise ParameterError(f"choose at least one method of {', '.join(METHODS)}")
    lrs = dict(lrs or {})
    for name in lrs:
        check_choice("a method in lrs", name, [m for m in METHODS if m != "newton_schulz"])
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    if spectrum is None:
        spectrum = Spectrum.of(A, dtype=dtype, operation="race", steps=steps, runs=len(methods))
    else:
        require("race", spectrum.shape, dtype=spectrum.dtype, steps=steps, runs=len(methods))
    results = {}
    for method in methods:
        if on_method is not None:
            on_method(method)
        lr = lrs.get(method, "optimal")
        results[method] = gd_inverse(
            A, method=method, lr=lr, steps=steps, seed=seed, init=init, dtype=dtype, spectrum=spectrum
        )
    return results


def race_table(results: Mapping[str, DescentResult], *, tol: float = 1e-6, matrix: Any = None) -> list[RaceRow]:
    """One :class:`RaceRow` per run of :func:`race`, at tolerance ``tol`` on the loss.

    Each row's error is against :func:`gdinverse.best_inverse` of ``matrix``, in float64: by default the matrix
    as given to :func:`race` (the runs' spectrum, not decomposed again), the inverse :func:`gd_inverse`'s users
    compare with (for an ill-conditioned matrix in float32 it differs from the inverse of the rounded matrix).
    """
    tol = check_float("tol", tol, low=0.0, low_open=True)
    if not results:
        raise ParameterError("the race has no results; run gdinverse.race(A, methods) first")
    first = next(iter(results.values()))
    given = first.spectrum.in_precision("float64")
    if matrix is not None:
        given = Spectrum.of(matrix, dtype=torch.float64, entered=first.spectrum.entered)
    _, reference = best_inverse(given)
    rows = []
    for method, result in results.items():
        settled = result.steps_to_tolerance(tol)
        error = result.distance_to(reference)
        rows.append(
            RaceRow(
                method=method,
                lr=result.lr,
                momentum=result.momentum,
                steps_to_tolerance=settled,
                first_below=result.first_below(tol),
                milliseconds=None if settled is None else float(result.times[settled] * 1000),
                final_loss=result.final_loss,
                error=error if math.isfinite(error) else math.inf,
                diverged=result.diverged,
                stalled=result.stalled,
                grew=bool(result.final_loss > result.losses[0]),
                status=result.verdict.status,
            )
        )
    return rows


def loss_and_error_disagree(rows: Iterable[RaceRow], *, factor: float = 10.0) -> tuple[RaceRow, RaceRow] | None:
    """The run with the lowest final loss and the run with the lowest error against the reference, if they differ
    and each is more than ``factor`` times better than the other at its own measure; else None.

    For an ill-conditioned M the two measures part: ‖XM − I‖ ≤ ‖X − M⁻¹‖·‖M‖ and ‖X − M⁻¹‖ ≤ ‖XM − I‖·‖M⁻¹‖
    (2-norms), so an X within 1e-7 of M⁻¹ can leave a large residual when κ is 1e10, and a small loss allow a
    large error. Diverged runs and runs with a non-finite loss or error are left out.
    """
    finished = [row for row in rows if not row.diverged and math.isfinite(row.final_loss) and math.isfinite(row.error)]
    if len(finished) < 2:
        return None
    low_loss = min(finished, key=lambda row: row.final_loss)
    low_error = min(finished, key=lambda row: row.error)
    if low_loss.error > factor * low_error.error and low_error.final_loss > factor * low_loss.final_loss:
        return low_loss, low_error
    return None
