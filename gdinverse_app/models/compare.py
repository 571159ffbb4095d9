"""The Compare page's model: the optimizer race (every method from the same start on the matrix's one spectrum),
its table and what it means, the ready-made lessons and their commentary (built from the race they show), and the
learning-rate sweep against the theory."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gdinverse as g
from gdinverse import plots
from gdinverse.directions import THEORY_METHODS
from gdinverse_app.models import matrix
from gdinverse_app.models.directions import DirectionFigures
from gdinverse_app.models.directions import figures as direction_figures
from gdinverse_app.models.memo import Chart, memo, report
from gdinverse_app.requests import RaceRequest, SweepRequest

NAMES = {
    "gd": "plain descent",
    "momentum": "heavy-ball momentum",
    "nesterov": "Nesterov",
    "adam": "Adam",
    "newton_schulz": "Newton–Schulz",
}


TIMED_RUNS = 5
"""The race runs this many times (the methods in turn), to give each time as the median of the runs and their
spread; fewer where the runs would take more than :data:`TIME_BUDGET`."""
TIME_BUDGET = 3.0
"""Seconds the repeats of a race may take together (the first always runs)."""
MIN_TIMED_RUNS = 3
"""Times are shown only from this many runs on: a median and a spread need them."""


@memo
def race(request: RaceRequest) -> g.Race:
    """Every method's run from the same start, on the matrix as entered (one spectrum for all of them), run
    :data:`TIMED_RUNS` times to time it."""
    spec, methods = request.matrix, request.methods
    done = iter(range(len(methods) * TIMED_RUNS))
    return g.race(
        matrix.values(spec), methods, steps=request.steps, seed=request.seed, init=request.init, dtype=request.dtype,
        lrs={"adam": request.adam_lr}, on_method=lambda _: report(next(done), len(methods) * TIMED_RUNS),
        spectrum=matrix.spectrum(spec, request.dtype), repeats=TIMED_RUNS, time_budget=TIME_BUDGET,
    )  # fmt: skip


def timed_runs(request: RaceRequest) -> int:
    """How many times the race ran (the time budget may have stopped it short of :data:`TIMED_RUNS`)."""
    found = race(_race_key(request))
    return min(len(times) for times in found.seconds.values())


def shows_times(request: RaceRequest) -> bool:
    """Whether the race ran often enough to show its times: :data:`MIN_TIMED_RUNS` times."""
    return timed_runs(request) >= MIN_TIMED_RUNS


def _race_key(request: RaceRequest) -> RaceRequest:
    """The request with only what the runs depend on (tolerance, lesson and style do not change them)."""
    return RaceRequest(request.matrix, request.methods, request.steps, request.seed, request.init, request.dtype,
                       request.adam_lr)  # fmt: skip


@memo
def table(request: RaceRequest) -> list[g.RaceRow]:
    """``g.race_table`` at the request's tolerance, errors against the inverse of the matrix as entered."""
    return g.race_table(race(_race_key(request)), tol=request.tol)


def settled(row: g.RaceRow, tol: float) -> str:
    """What a method's row says about the tolerance, as a phrase: settles after N steps, dips but does not stay,
    or never gets below it."""
    if row.steps_to_tolerance is not None:
        steps = row.steps_to_tolerance
        return f"settles below {tol:g} after {steps:,} step{'' if steps == 1 else 's'}"
    if row.first_below is not None:
        return f"dips below {tol:g} at step {row.first_below:,} but does not stay there (not settled)"
    return f"never gets below {tol:g}"


def _beta(beta: float) -> str:
    """A momentum β at 7 digits, or as 1 − (1 − β) where 7 digits would round it to 1 (no damping, which it is not:
    Hilbert 8 in float64 gives 0.99999999998)."""
    text = f"{beta:.7g}"
    return f"1 − {1 - beta:.2g}" if text == "1" and beta != 1 else text


def _note(row: g.RaceRow) -> str:
    return "diverged" if row.diverged else "stalled (float32)" if row.stalled else "loss grew" if row.grew else ""


# ---------------------------------------------------------------------------- lessons


@dataclass(frozen=True)
class Facts:
    """What a lesson's commentary may cite: the race's rows by method, κ as shown, the tolerance, the bounds."""

    rows: dict[str, g.RaceRow]
    kappa: str
    tol: float
    steps: int
    bounds: g.LrBounds


@dataclass(frozen=True)
class Lesson:
    title: str
    values: dict[str, Any]
    """The settings the lesson changes; every other setting of the page goes back to its default."""
    commentary: Callable[[Facts], str] = field(repr=False)


def _each(facts: Facts, methods: tuple[str, ...]) -> str:
    """One clause per method present in the race, starting with a capital letter ("" if none is)."""
    text = "; ".join(f"{NAMES[m]} {settled(facts.rows[m], facts.tol)}" for m in methods if m in facts.rows)
    return text[:1].upper() + text[1:]


def rates(bounds: g.LrBounds) -> str:
    """How the theory's long-run rates compare: plain descent at its optimal lr keeps (κ² − 1)/(κ² + 1) of the
    slowest error a step (the loss's curvature M·Mᵀ has condition number κ²), heavy ball (κ − 1)/(κ + 1) and
    Nesterov about 1 − 1/κ; the steps per digit they need go as −1/ln of those factors."""
    kappa = bounds.sigma_max / bounds.resolved_sigma_min
    gd, heavy, nesterov = (bounds.rate(method) for method in ("gd", "momentum", "nesterov"))
    if not (0 < gd < 1 and 0 < heavy < 1 and 0 < nesterov < 1):
        return ""
    fewer_heavy, fewer_nesterov = math.log(heavy) / math.log(gd), math.log(nesterov) / math.log(gd)
    return (
        f"In the long run plain descent keeps {gd:.4f} of its slowest error a step at its optimal lr "
        f"((κ² − 1)/(κ² + 1): the curvature of this loss has condition number κ² = {kappa**2:.3g}), heavy-ball "
        f"momentum {heavy:.4f} and Nesterov {nesterov:.4f}, so theory gives them about {fewer_heavy:.2g} and "
        f"{fewer_nesterov:.2g} times fewer steps per digit: of the order of κ = {kappa:.3g}, since acceleration "
        "gains the square root of the curvature's κ²."
    )


def _conditioned(facts: Facts) -> str:
    text = (
        f"A random 8×8 matrix with κ = {facts.kappa}, in float32. "
        + _each(facts, ("gd", "momentum", "nesterov", "newton_schulz"))
        + ". "
        + rates(facts.bounds)
        + " Newton–Schulz, once close, doubles its correct digits every step."
    )
    adam = facts.rows.get("adam")
    if adam is not None:
        text += f" Adam, at a constant lr of 0.3, {settled(adam, facts.tol)}"
        text += ": a first dip is not a win." if adam.steps_to_tolerance is None and adam.first_below else "."
    return text


def _seed(facts: Facts) -> str:
    return f"The notebook's diag(1, 2, 3, 4), κ = {facts.kappa}, in float32. " + _each(facts, tuple(g.METHODS)) + "."


def _hilbert(facts: Facts) -> str:
    b = facts.bounds
    factor, share = b.factor(b.optimal), b.shrink(b.optimal)
    text = f"Hilbert 6×6 in float64, κ = {facts.kappa}. "
    gd = facts.rows.get("gd")
    if gd is not None:
        text += (
            f"At its optimal lr, plain descent's slowest direction keeps a factor {factor:.15f} of its error each "
            f"step (it loses {share:.1e} of it), so after {facts.steps:,} steps its loss is still "
            f"{gd.final_loss:.3g}. "
        )
    momentum = facts.rows.get("momentum")
    if momentum is not None and momentum.grew:
        text += (
            f"Heavy-ball momentum's loss ends above where it started ({momentum.final_loss:.3g}): its error first "
            "grows by up to about κ, a transient its theory allows, and has not come back down. "
        )
    return text + "In the table: " + _each(facts, tuple(g.METHODS)) + "."


def _singular(facts: Facts) -> str:
    b = facts.bounds
    exact = "decided exactly" if b.rank_exact else "numerically"
    text = (
        f"No inverse exists: M is {b.k}×{b.k} of rank {b.rank} ({exact}; κ = {facts.kappa}), so no X makes X @ M = I "
        f"and the loss cannot go below the floor (k − rank)/k² = {b.k - b.rank}/{b.k**2} = {b.floor:g}. The "
        f"tolerance is {facts.tol:g}, just above it. From zeros: "
    )
    text += _each(facts, ("gd", "momentum", "nesterov", "adam"))
    finals = [f"{facts.rows[m].final_loss:.3g}" for m in ("gd", "momentum", "nesterov", "adam") if m in facts.rows]
    if finals:
        text += f"; their final losses are {', '.join(finals)}"
    ns = facts.rows.get("newton_schulz")
    if ns is not None:
        text += f". Newton–Schulz {settled(ns, facts.tol)}, from its own start (a multiple of Mᵀ, not zeros)"
        if ns.diverged:
            text += (
                ": it inverts the rounding noise of the zero singular values and diverges, and no loss floor stops it"
            )
    return text + "."


LESSONS = {
    "conditioned": Lesson(
        "Well-conditioned",
        {"preset": "random", "n": 8, "cond": 10.0, "tol": 1e-6, "adam_lr": 0.3},
        _conditioned,
    ),
    "seed": Lesson(
        "The seed's diag(1, 2, 3, 4)",
        {"preset": "diag1234", "tol": 1e-6, "adam_lr": 0.3},
        _seed,
    ),
    "hilbert": Lesson(
        "Hilbert 6×6",
        {"preset": "hilbert", "n": 6, "rdtype": "float64", "tol": 1e-4, "rsteps": 2000},
        _hilbert,
    ),
    "singular": Lesson(
        "A singular matrix",
        {"preset": "singular", "n": 4, "rdtype": "float64", "tol": 0.2, "rinit": "zeros"},
        _singular,
    ),
}


# ---------------------------------------------------------------------------- the race as the page shows it


@dataclass(frozen=True)
class RacePage:
    """Everything the race section shows."""

    commentary: str | None
    """The lesson's commentary, when the settings are a lesson's."""
    by_step: Chart
    by_time: Chart | None
    """The losses against wall-clock time (the median of the race's runs), or None where it ran too few times."""
    rows: tuple[dict[str, str], ...]
    """The table, one formatted row per method."""
    notes: tuple[str, ...]
    """Captions under the table: what its columns mean, and what the numbers say of this matrix."""


def rows(request: RaceRequest) -> tuple[dict[str, str], ...]:
    """The race table at the request's tolerance, one formatted row per method."""
    tol = request.tol
    timed = shows_times(request)
    return tuple(
        {
            "method": row.method,
            "lr": "—" if row.lr != row.lr else f"{row.lr:.4g}",
            "β": "—" if row.momentum is None else _beta(row.momentum),
            f"steps to {tol:g}": row.settled.replace("never below", "never"),
            "first below": "never" if row.first_below is None else f"{row.first_below:,}",
            "ms to tol (median, range)": "—" if row.timing is None or not timed else row.timing.text,
            "final loss": f"{row.final_loss:.3g}",
            "error vs inverse": f"{row.error:.3g}",
            "note": _note(row),
        }
        for row in table(request)
    )


def times_note(request: RaceRequest) -> str:
    """What the times are: the median of the race's runs and their range, or why there are none."""
    runs = timed_runs(request)
    if runs < MIN_TIMED_RUNS:
        said = "once" if runs == 1 else f"{runs} times"
        return (
            f"**ms to tol**: not shown: one run's time is noise, and this race is long enough that it ran only {said} "
            f"in the {TIME_BUDGET:g} s it may take (times need {MIN_TIMED_RUNS} runs)."
        )
    return (
        f"**ms to tol**: the milliseconds to that step, the median of {runs} runs of the race (the methods in turn, "
        "the same arithmetic each time) and in brackets the fastest and the slowest; they include each method's setup "
        "(a power iteration for Newton–Schulz) and vary with the server's load."
    )


def notes(request: RaceRequest) -> tuple[str, ...]:
    """What the table's columns mean, and what its numbers say of this matrix: a low loss beside a large error,
    a loss floor above the tolerance, the part of a random start X @ M never sees."""
    spec = request.matrix
    found = table(request)
    said = [
        f"**steps to {request.tol:g}**: the first step after which the loss stays below the tolerance to the end, for "
        "a window long enough to count (“not settled” when it only dipped below and climbed back, or got there too "
        "late to tell; “never” when it never got below). **first below**: the first time it dipped under. **error vs "
        "inverse**: ‖X − M⁻¹‖/‖M⁻¹‖, or against M⁺ when M is not square or singular. " + times_note(request)
    ]
    apart = g.loss_and_error_disagree(found)
    if apart is not None:
        low_loss, low_error = apart
        said.append(
            f"The lowest loss and the smallest error are not the same run: {low_error.method}'s X is within "
            f"{low_error.error:.3g} of the inverse yet leaves a loss of {low_error.final_loss:.3g}, while "
            f"{low_loss.method}'s loss {low_loss.final_loss:.3g} goes with an error of {low_loss.error:.3g}. For an "
            f"ill-conditioned M (κ = {matrix.kappa(spec)}) the two measure different things: ‖XM − I‖ ≤ "
            "‖X − M⁻¹‖·‖M‖ and ‖X − M⁻¹‖ ≤ ‖XM − I‖·‖M⁻¹‖, so a small error in X is multiplied up by M, and a small "
            "residual by M⁻¹."
        )
    bounds = matrix.bounds(spec, request.dtype)
    if bounds.resolved_floor > request.tol and bounds.resolved_rank == bounds.rank:
        said.append(
            f"For this M no X gets the loss below its floor (k − rank)/k² = {bounds.resolved_floor:.4g}, above the "
            f"tolerance {request.tol:g}: “never” is the matrix's doing, not the methods'."
        )
    elif bounds.resolved_floor > request.tol:
        said.append(
            f"M has rank {bounds.rank}, but {request.dtype} resolves only {bounds.resolved_rank} of its singular "
            "values at this scale: the gradient methods cannot get the loss below (k − resolved rank)/k² = "
            f"{bounds.resolved_floor:.4g}, above the tolerance {request.tol:g}. “Never” is the precision's doing, "
            "not the methods'" + ("; float64 resolves more." if request.dtype == "float32" else ".")
        )
    rows_of_m = matrix.values(spec).shape[0]
    if bounds.rank < rows_of_m and request.init == "rand":
        newton = next((row for row in found if row.method == "newton_schulz"), None)
        if newton is None:
            others = "descent from zeros finds M⁺"
        elif newton.status == "diverged":
            others = "descent from zeros finds M⁺; Newton–Schulz, from its own start, diverged here"
        else:
            others = "Newton–Schulz starts from a multiple of Mᵀ and finds M⁺; so does descent from zeros"
        said.append(
            f"M has rank {bounds.rank} < {rows_of_m} rows, so from a random start gd, momentum and Nesterov keep "
            "the part of the start that X @ M never sees: they end at M⁺ plus that part, and their error against "
            f"M⁺ stays large even where the loss is at its lowest ({others})."
        )
    return tuple(said)


@memo
def race_page(request: RaceRequest) -> RacePage:
    """The race section for ``request``."""
    results = race(_race_key(request))
    found = table(request)
    commentary = None
    if request.lesson is not None:
        facts = Facts(
            rows={row.method: row for row in found},
            kappa=matrix.kappa(request.matrix),
            tol=request.tol,
            steps=request.steps,
            bounds=matrix.bounds(request.matrix, request.dtype),
        )
        lesson = LESSONS[request.lesson]
        commentary = f"**Lesson: {lesson.title}.** {lesson.commentary(facts)}"
    finals = ", ".join(f"{row.method} {row.final_loss:.3g}" for row in found)
    by_step = Chart.of(
        plots.race_figure(results, x="step", title="Loss against step", style=request.style),
        f"Loss (log scale) against step, one line per method, {request.steps:,} steps in {request.dtype}. "
        f"Final losses: {finals}.",
    )
    by_time = None
    if shows_times(request):
        runs = timed_runs(request)
        ends = ", ".join(
            f"{method} {_seconds(times[:, -1])}" for method, times in results.seconds.items() if times.shape[1] > 1
        )
        by_time = Chart.of(
            plots.race_figure(results, x="time", title="Loss against wall-clock time", style=request.style),
            f"The same losses against wall-clock time in seconds, each step at the median of {runs} runs, each "
            f"method's setup included; the runs' times to the last step ranged {ends} (they vary with the server's "
            "load).",
        )
    return RacePage(commentary, by_step, by_time, rows(request), notes(request))


def _seconds(times: Any) -> str:
    """The fastest and the slowest of some runs' seconds, in ms: "10.8–12.0 ms"."""
    return f"{min(times) * 1000:.3g}–{max(times) * 1000:.3g} ms"


# ---------------------------------------------------------------------------- the sweep


@memo
def sweep(request: SweepRequest) -> g.LrSweep:
    """The learning-rate sweep over the matrix's own range of learning rates."""
    spec, dtype = request.matrix, request.dtype
    return g.lr_sweep(
        matrix.values(spec), matrix.bounds(spec, dtype).grid(request.count).tolist(), steps=request.steps,
        seed=request.seed, init=request.init, dtype=dtype, spectrum=matrix.spectrum(spec, dtype),
    )  # fmt: skip


@dataclass(frozen=True)
class SweepPage:
    chart: Chart
    summary: str
    """The best measured lr against the theory's optimum and stable limit, and what diverged."""


@memo
def sweep_page(request: SweepRequest) -> SweepPage:
    result, bounds = sweep(request), matrix.bounds(request.matrix, request.dtype)
    floor = plots.noise_floor(bounds)
    figure = plots.sweep_figure(result, bounds=bounds, predicted=result.predicted, floor=floor, style=request.style)
    cut = bool((result.predicted < floor).any())
    chart = Chart.of(
        figure,
        f"Final loss after {request.steps:,} steps against the learning rate, both on log scales, {request.count} "
        "runs: measured points, the theory dashed"
        + (f" (cut where it falls below {request.dtype}'s precision floor (eps·κ)² = {floor:.1e})" if cut else "")
        + ", a dotted line at the optimal lr and the learning rates from the stable limit on shaded (the sentence "
        "below says where the lowest loss is).",
    )
    optimal, stable = bounds.written
    summary = (
        f"Lowest final loss at lr **{result.best_lr:.4g}**; the theory's optimal lr is **{optimal}** and the stable "
        f"limit **{stable}**."
    )
    diverged = int(result.diverged.sum())
    if not diverged:
        return SweepPage(chart, summary + " No run diverged.")
    below = int((result.diverged & (result.lrs < bounds.stable_below)).sum())
    where = "every one of them at or above the stable limit" if not below else f"{below} of them below the limit"
    return SweepPage(chart, summary + f" {diverged} of {result.lrs.size} runs diverged, {where}.")


def direction_methods(request: RaceRequest) -> tuple[str, ...]:
    """The race's methods the singular-direction view covers (:data:`gdinverse.directions.THEORY_METHODS`), in the
    race's order; empty when the race has none of them."""
    return tuple(method for method in request.methods if method in THEORY_METHODS)


@memo
def directions(request: RaceRequest, method: str) -> DirectionFigures:
    """The singular-direction view of ``method``'s run in the race (the page's bounds for the rate chart)."""
    result = race(_race_key(request))[method]
    return direction_figures(result, matrix.bounds(request.matrix, request.dtype), style=request.style)
