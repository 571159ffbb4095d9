"""The optimizer race: several methods on the same matrix from the same start, reported honestly.

"Steps to tolerance" is the first step after which the loss *stays* below it, for
at least max(10, 5% of the run) more steps (:meth:`DescentResult.steps_to_tolerance`):
Adam with a constant lr can dip under 1e-6 for a step and climb back to 1e-2, and
a loss that is below it only at the last step or two has not settled either. The
table shows both that step and the first dip, and says "not settled" when the loss
dipped but did not stay.

Wall-clock times of one run are noise: the same race measured gd at 11.1 ms and
momentum at 51.3 ms once, 72.4 and 33.6 ms the next time. :func:`race` can run
every method several times (``repeats``, in turns, so that a busy moment of the
machine slows all of them alike): the runs are the same arithmetic from the same
seed, and their times give each step's median and spread (:class:`Timing`).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .cost import require
from .descent import METHODS, DescentResult, gd_inverse
from .errors import ParameterError, check_choice, check_float, check_int
from .exact import best_inverse
from .limits import MAX_STEPS
from .spectrum import Spectrum

__all__ = ["Race", "RaceRow", "Timing", "loss_and_error_disagree", "race", "race_table"]


@dataclass(frozen=True)
class Timing:
    """The wall-clock milliseconds a method took to a step (setup included), in each of its repeated runs."""

    runs: tuple[float, ...]
    """Each run's milliseconds, fastest first."""

    @property
    def median(self) -> float:
        return float(statistics.median(self.runs))

    @property
    def low(self) -> float:
        return self.runs[0]

    @property
    def high(self) -> float:
        return self.runs[-1]

    @property
    def text(self) -> str:
        """The median and the spread: "11.1 (10.8–12.0)"; one run's time alone: "11.1 (one run)"."""
        if len(self.runs) == 1:
            return f"{self.median:.3g} (one run)"
        return f"{self.median:.3g} ({self.low:.3g}–{self.high:.3g})"


@dataclass(frozen=True, eq=False)
class Race(Mapping[str, DescentResult]):
    """What :func:`race` returns: each method's run by name (use it as a read-only dict), and the wall-clock times
    of each of its repeats. Each run's ``times`` are the median over the repeats, step by step."""

    results: Mapping[str, DescentResult]
    seconds: Mapping[str, np.ndarray]
    """Per method, the seconds since each repeat began at each step: one row per repeat."""

    def __getitem__(self, method: str) -> DescentResult:
        return self.results[method]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def timing(self, method: str, step: int) -> Timing:
        """``method``'s milliseconds to ``step`` in each repeat."""
        seconds = self.seconds[method][:, step]
        return Timing(tuple(sorted(float(s) * 1000 for s in seconds)))


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
    """Wall-clock time to ``steps_to_tolerance``, setup included: the median of :attr:`timing`'s runs."""
    final_loss: float
    error: float
    """‖X − reference‖ / ‖reference‖ of the final X (the exact inverse, or the pseudo-inverse)."""
    diverged: bool
    stalled: bool
    grew: bool
    """The loss ended above where it started (a diverging or not yet settled run)."""
    status: str
    """The run's verdict: "converged", "running", "stalled" or "diverged" (:class:`gdinverse.verdict.Verdict`)."""
    timing: Timing | None = None
    """The time to ``steps_to_tolerance`` in every repeat of the run (None: not settled)."""

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
    repeats: int = 1,
    time_budget: float | None = None,
) -> Race:
    """Run each method of ``methods`` (see :data:`METHODS`) with its default parameters from the same start.

    Each method gets the learning rate (and momentum) the theory gives it (see
    :class:`gdinverse.LrBounds`), or the one in ``lrs`` (e.g. ``{"adam": 0.3}``);
    every loss is recorded. ``on_method(name)`` is called before each run, e.g.
    to show progress. The matrix is analysed once for all of them (``spectrum``,
    :class:`gdinverse.Spectrum` of A in ``dtype``, made here if not given). The cost is estimated before the
    first run (:func:`gdinverse.cost.require`): one race's with a ``time_budget`` (the repeats stop at it), else
    every repeat's.

    ``repeats`` runs the whole race that many times, the methods in turn, to time
    them (:class:`Race`): the same arithmetic each time, so every repeat's losses
    are the first's; a ``time_budget`` in seconds stops repeating once the
    repeats so far took that long (the first always runs).
    """
    methods = list(dict.fromkeys(check_choice("method", m, METHODS) for m in methods))
    if not methods:
        raise ParameterError(f"choose at least one method of {', '.join(METHODS)}")
    lrs = dict(lrs or {})
    for name in lrs:
        check_choice("a method in lrs", name, [m for m in METHODS if m != "newton_schulz"])
    repeats = check_int("repeats", repeats, low=1, high=100)
    if time_budget is not None:
        time_budget = check_float("time_budget (seconds)", time_budget, low=0.0)
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    runs_counted = len(methods) * (repeats if time_budget is None else 1)
    if spectrum is None:
        spectrum = Spectrum.of(A, dtype=dtype, operation="race", steps=steps, runs=runs_counted)
    else:
        require("race", spectrum.shape, dtype=spectrum.dtype, steps=steps, runs=runs_counted)
    runs: dict[str, list[DescentResult]] = {method: [] for method in methods}
    started = time.perf_counter()
    for _ in range(repeats):
        for method in methods:
            if on_method is not None:
                on_method(method)
            lr = lrs.get(method, "optimal")
            runs[method].append(
                gd_inverse(A, method=method, lr=lr, steps=steps, seed=seed, init=init, dtype=dtype, spectrum=spectrum)
            )
        if time_budget is not None and time.perf_counter() - started >= time_budget:
            break
    results, seconds = {}, {}
    for method, done in runs.items():
        length = min(run.times.size for run in done)  # the same run each time: the same length
        seconds[method] = np.stack([run.times[:length] for run in done])
        seconds[method].flags.writeable = False
        results[method] = done[0]
        if len(done) > 1:
            median = np.median(seconds[method], axis=0)
            median.flags.writeable = False
            results[method] = dataclasses.replace(done[0], times=median)
    return Race(results, seconds)


def race_table(results: Mapping[str, DescentResult], *, tol: float = 1e-6, matrix: Any = None) -> list[RaceRow]:
    """One :class:`RaceRow` per run of :func:`race`, at tolerance ``tol`` on the loss.

    Each row's error is against :func:`gdinverse.best_inverse` of ``matrix``, in float64: by default the matrix
    as given to :func:`race` (the runs' spectrum, not decomposed again), the inverse :func:`gd_inverse`'s users
    compare with (for an ill-conditioned matrix in float32 it differs from the inverse of the rounded matrix).
    The time to the tolerance is the median of a :class:`Race`'s repeats (:attr:`RaceRow.timing` has each), or
    the one run's of a plain dict of results.
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
        timing = None
        if settled is not None and isinstance(results, Race) and settled < results.seconds[method].shape[1]:
            timing = results.timing(method, settled)
        elif settled is not None:
            timing = Timing((float(result.times[settled] * 1000),))
        rows.append(
            RaceRow(
                method=method,
                lr=result.lr,
                momentum=result.momentum,
                steps_to_tolerance=settled,
                first_below=result.first_below(tol),
                milliseconds=None if timing is None else timing.median,
                final_loss=result.final_loss,
                error=error if math.isfinite(error) else math.inf,
                diverged=result.diverged,
                stalled=result.stalled,
                grew=bool(result.final_loss > result.losses[0]),
                status=result.verdict.status,
                timing=timing,
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
