r"""Verdicts on finished gradient-descent runs: converged, running, stalled or diverged, and why.

A run is judged on the part of its residual R = XA − I that X can still remove,
‖RP‖_F, with P the projector on the right singular directions of A that the
working precision resolves (the other directions of R never move: they are the
loss floor (k − r)/k² of a singular or non-square matrix). Computing X @ A in a
precision with unit roundoff eps makes errors of about

.. math:: u = \mathrm{eps}\cdot\sqrt{r}\cdot\sigma_{\max}\cdot\max(\lVert X\rVert_2,\ 1/\sigma_r),

which for X = A⁻¹ is eps·κ·√r: ``torch.linalg.inv`` leaves a tenth of it or
less (0.03–0.11 on diag(1, 2, 3, 4), random κ = 50 and 1000, Hilbert 4). The
rules, in order:

* **diverged**: the run was stopped because its loss blew up.
* **converged**: ‖RP‖ ≤ :data:`ROUNDING_FACTOR`·u, or the loss is at the floor
  of a singular or non-square matrix to within :data:`FLOOR_FACTOR`·eps of it
  (what the loss itself can resolve).
* **stalled** (float32 only): not converged, the theory says the last quarter
  of the run should have taken at least :data:`THEORY_DROP` of the loss, and
  the run achieved less than :data:`PLATEAU_SHARE` of that fall on a log scale
  (lowest loss of the last quarter against the lowest of the quarter before,
  both less the loss floor, so that a noisy floor counts as flat and a
  singular matrix's floor does not hide the fall): rounding, not the method,
  stopped it.
  Float64 is the remedy. Plain gradient descent in
  float32 stops near 0.2·eps·κ²·√r, so this happens from κ ≈ 25 on. (A float64
  run in that state has reached float64's limit and is called converged: there
  is nothing wider to switch to.)
* **running**: anything else; the message says how many more steps the theory
  predicts until ‖RP‖ reaches the converged level, where there is a theory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from .errors import GdInverseError
from .spectrum import MAX_PREDICTED_STEPS, Spectrum, steps_at_rate
from .theory import LrBounds, format_condition, lr_bounds, residual, steps_to_residual

__all__ = ["Evidence", "Status", "Verdict", "evidence", "judge"]

Status = Literal["converged", "running", "stalled", "diverged"]

ROUNDING_FACTOR = 5.0
"""Converged when what X can still remove is at most this many times the rounding level u of X @ A."""
FLOOR_FACTOR = 16.0
"""Converged when the loss is within this many eps (relative) of the floor of a singular or non-square matrix."""
FLOOR_AGREEMENT = 1e-3
"""A run's floor this close (relative) to (k − r)/k² is called that floor; further off, the start set it."""
PLATEAU_SHARE = 0.3
"""Stuck: over the last quarter the loss fell by less than this share of the theory's fall, on a log scale."""
THEORY_DROP = 0.5
"""Stalled only where the theory says the last quarter should have taken at least this fraction of the loss."""
MIN_WINDOW = 10
"""No plateau is judged on a last quarter shorter than this many steps."""
SLOW_KAPPA = 25.0
"""From this condition number (the resolved one) on, float32 gradient descent stops before the converged level."""
PRACTICAL_STEPS = 10**9
"""More steps than this is "in practice never"."""


@dataclass(frozen=True)
class Verdict:
    """How a finished run went, in one word and one paragraph."""

    status: Status
    """"converged", "running", "stalled" or "diverged" (see the module docstring)."""
    summary: str
    """What happened, for people: the losses, the verdict, why, and what to do."""
    steps_more: int | None
    """For a run still on its way: how many more steps the theory predicts until it converges (None: unknown
    or never, as the message says). None for the other verdicts."""
    note: str | None = None
    """What the run's precision cannot resolve (:meth:`gdinverse.LrBounds.resolution_note`), if anything: a page
    that states it elsewhere shows :attr:`summary`, a notebook :attr:`message`."""

    @property
    def message(self) -> str:
        """The whole paragraph: :attr:`summary`, then :attr:`note`."""
        return self.summary if self.note is None else f"{self.summary} {self.note}"


@dataclass(frozen=True)
class Evidence:
    """The measured quantities a verdict rests on (see the module docstring)."""

    removable: float
    """‖(XA − I)P‖_F: the part of the residual X can still remove."""
    rounding: float
    """u, the size of the rounding errors in computing X @ A in the run's precision."""
    excess_loss: float
    """‖(XA − I)P‖²/k²: how far the loss is above the floor."""
    floor: float
    """‖(XA − I)(I − P)‖²/k², the part of the loss along the directions the precision does not resolve, which no
    step moves: (k − r)/k² with r the rank the precision resolves, for a singular matrix or a start from zeros."""
    eps: float
    """The unit roundoff of the run's precision."""
    window: int
    """The last quarter of the run, in steps."""
    drop: float
    """1 − (lowest loss of the last quarter)/(lowest loss of the quarter before), both less the floor: how much
    of what X can remove the last quarter took (nan if the run is short)."""
    theory_drop: float | None
    """The fraction the theory says the last quarter should have taken (None where there is no theory)."""
    share: float
    """ln(1 − drop)/ln(1 − theory_drop): the share of the theory's fall the run achieved (1 if it followed
    the theory, 0 or less if it stood still; nan where it cannot be told)."""
    rate: float | None
    """The theory's slowest per-step factor on the removable residual (None where there is none)."""

    @property
    def converged(self) -> bool:
        at_rounding = self.removable <= ROUNDING_FACTOR * self.rounding
        at_floor = self.floor > 0 and self.excess_loss <= FLOOR_FACTOR * self.eps * self.floor
        return at_rounding or at_floor

    @property
    def plateau(self) -> bool:
        return self.window >= MIN_WINDOW and self.share < PLATEAU_SHARE

    @property
    def should_fall(self) -> bool:
        return self.theory_drop is not None and self.theory_drop >= THEORY_DROP


def evidence(
    matrix: torch.Tensor,
    X: torch.Tensor,
    losses: np.ndarray,
    *,
    method: str,
    lr: float,
    momentum: float | None = None,
    bounds: LrBounds | None = None,
    spectrum: Spectrum | None = None,
) -> Evidence:
    """Measure what :func:`judge` needs from a finished run's matrix, final X and losses (``spectrum``: the
    run's :class:`gdinverse.Spectrum`, made here if not given)."""
    spectrum = Spectrum.of(matrix) if spectrum is None else spectrum
    bounds = lr_bounds(spectrum) if bounds is None else bounds
    A64, X64 = spectrum.rounded.matrix, X.detach().to("cpu", torch.float64)
    k, r = A64.shape[1], bounds.resolved_rank
    P = spectrum.rounded.projector(r)
    full = residual(X64, A64)
    R = full @ P
    removable = float(torch.linalg.matrix_norm(R))
    eps = torch.finfo(matrix.dtype).eps
    x_norm = float(torch.linalg.matrix_norm(X64, 2))
    rounding = eps * math.sqrt(r) * bounds.sigma_max * max(x_norm, 1 / bounds.resolved_sigma_min)
    window = (losses.size - 1) // 4
    # The floor is what the run cannot move: ‖R(I − P)‖²/k², the residual along the directions the precision
    # does not resolve. That is (k − r)/k² when A is zero along them (A v = 0 gives R v = −v), and from any start
    # when A is singular; for a tiny but non-zero σ there (a matrix of a large scale) it is the start's own.
    floor = float(torch.linalg.matrix_norm(full - R)) ** 2 / k**2 if r < k else 0.0
    # what the theory describes is the loss above the floor, ‖RP‖²/k² (the floor itself never moves)
    above = np.maximum(losses - floor, eps * floor) if floor > 0 else losses
    with np.errstate(divide="ignore", invalid="ignore"):  # lowest against lowest: a noisy floor compares as flat
        drop = float(1 - above[-window:].min() / above[-2 * window : -window].min()) if window else math.nan
    rate = _rate(method, lr, momentum, bounds, R)
    theory_drop = None if rate is None else 1 - min(rate, 1.0) ** (2 * window)
    with np.errstate(divide="ignore", invalid="ignore"):
        fall = 2 * window * math.log(rate) if rate is not None and 0 < rate < 1 else math.nan  # ln of theory's ratio
        share = float(np.log1p(-drop) / fall) if window and not math.isnan(fall) else math.nan
    return Evidence(
        removable=removable,
        rounding=rounding,
        excess_loss=removable**2 / k**2,
        floor=floor,
        eps=eps,
        window=window,
        drop=drop,
        theory_drop=theory_drop,
        share=share,
        rate=rate,
    )


def _rate(method: str, lr: float, momentum: float | None, bounds: LrBounds, R: torch.Tensor) -> float | None:
    """The slowest factor a step multiplies the removable residual by, in theory (None for Adam).

    Plain GD: |1 − 2·lr·σ²/k²| (:meth:`LrBounds.factor`). Momentum and Nesterov: the spectral radius of
    the 2×2 step on (error, velocity) along each direction (:func:`gdinverse.spectrum.long_run_factor`), at the
    extreme σ, which bound the others. Newton–Schulz squares the
    residual (I − X'A = (I − XA)²), so its factor is the residual's own 2-norm.
    """
    if method == "gd":
        return bounds.factor(lr)
    if method == "newton_schulz":
        return float(torch.linalg.matrix_norm(R, 2))
    if method not in ("momentum", "nesterov") or momentum is None:
        return None
    return bounds.rate(method, lr=lr, momentum=momentum)


def judge(
    matrix: torch.Tensor,
    X: torch.Tensor,
    losses: np.ndarray,
    *,
    method: str,
    lr: float,
    momentum: float | None = None,
    stopped_at: int | None = None,
    bounds: LrBounds | None = None,
    spectrum: Spectrum | None = None,
) -> Verdict:
    """The verdict on a run of ``method`` on ``matrix`` that ended at ``X`` with these ``losses``.

    ``stopped_at`` is the step a diverging run was stopped at (None if it ran to the end); ``bounds`` and
    ``spectrum`` are :func:`gdinverse.lr_bounds` and :class:`gdinverse.Spectrum` of the matrix, if already known.
    The rules are in the module docstring.
    """
    start, end = float(losses[0]), float(losses[-1])
    spectrum = Spectrum.of(matrix) if spectrum is None else spectrum
    if bounds is None:
        try:
            bounds = lr_bounds(spectrum)
        except GdInverseError:  # all zeros: nothing to learn (only reachable with a numeric lr)
            bounds = None
    if stopped_at is not None:
        return Verdict("diverged", _diverged_message(method, lr, bounds, start, end, stopped_at), None)
    head = f"Loss {start:.4g} → {end:.4g} in {losses.size - 1} steps"
    if math.isnan(lr):
        head += "."
    else:
        head += f" at lr {bounds.write_lr(lr) if bounds is not None and method == 'gd' else f'{lr:.4g}'}."
    if bounds is None:
        k = matrix.shape[1]
        return Verdict(
            "converged",
            f"{head} M is all zeros, so X @ M = 0 whatever X is: the loss stays at 1/k = {1 / k:.4g}.",
            None,
        )
    ev = evidence(matrix, X, losses, method=method, lr=lr, momentum=momentum, bounds=bounds, spectrum=spectrum)
    dtype = bounds.dtype
    note = bounds.resolution_note()

    kappa = format_condition(bounds.condition_number)
    if ev.converged:
        if ev.floor > 0:
            m, k = matrix.shape
            better = (
                "no X does better"
                if bounds.resolved_rank == bounds.rank
                else f"gradient descent in {dtype} gets no lower"
            )
            formula = bounds.resolved_floor
            if abs(ev.floor - formula) <= FLOOR_AGREEMENT * formula:
                text = (
                    f" Converged to the loss floor (k − rank)/k² = {formula:.4g}: M is {m}×{k} and {dtype}"
                    f" resolves rank {bounds.resolved_rank}, so {better}."
                )
            else:
                unresolved = k - bounds.resolved_rank
                which = "the singular direction" if unresolved == 1 else f"the {unresolved} singular directions"
                text = (
                    f" Converged to this run's loss floor {ev.floor:.4g}: M is {m}×{k} and {dtype} resolves rank"
                    f" {bounds.resolved_rank}. Along {which} it does not resolve, a step is too small to change the"
                    " residual, so that part of the loss keeps its value from the start (from zeros it would be"
                    f" (k − rank)/k² = {formula:.4g}); gradient descent in {dtype} gets no lower."
                )
        else:
            text = f" Converged: what X can still remove is at {dtype}'s rounding level (condition number {kappa})."
        return Verdict("converged", head + text, None, note)
    if ev.plateau and ev.should_fall and end < start:
        ratio = ev.removable / ev.rounding
        if dtype == "float32":
            text = (
                f" Stalled: float32 rounding stopped the loss from falling, far short of the answer (what X can"
                f" still remove is {ratio:.0f}× float32's rounding level) while the theory says it should still"
                f" fall ({_shape(spectrum.shape, bounds)}); float64 (dtype=torch.float64) fixes it."
            )
            return Verdict("stalled", head + text, None, note)
        text = (
            f" Converged as far as float64 allows: the loss stopped falling with what X can still remove at"
            f" {ratio:.0f}× float64's rounding level ({_shape(spectrum.shape, bounds)}); there is nothing wider to"
            " switch to."
        )
        return Verdict("converged", head + text, None, note)
    text, steps_more = _running(spectrum, X, method, lr, bounds, ev, losses)
    return Verdict("running", head + text, steps_more, note)


def _target(ev: Evidence, k: int) -> float:
    """The removable residual at which the run counts as converged."""
    floor_level = k * math.sqrt(FLOOR_FACTOR * ev.eps * ev.floor) if ev.floor > 0 else 0.0
    return max(ROUNDING_FACTOR * ev.rounding, floor_level)


def _running(
    spectrum: Spectrum, X: torch.Tensor, method: str, lr: float, bounds: LrBounds, ev: Evidence, losses: np.ndarray
) -> tuple[str, int | None]:
    """The sentences for a run still on its way, and the steps the theory predicts it still needs."""
    dtype, target = bounds.dtype, _target(ev, bounds.k)
    if method == "adam":
        last = losses[-1 - ev.window :]
        return (
            " Still running: Adam at a constant lr has no theory for when it settles; over the last quarter of the"
            f" run the loss stayed between {last.min():.3g} and {last.max():.3g}. A smaller lr lets it get closer.",
            None,
        )
    optimal, stable = bounds.written
    if method == "gd" and lr >= bounds.stable_below:
        return (
            f" The lr is at or above the stable limit {stable}: the error along σ_max"
            f" {bounds.change(lr)}, so the run cannot converge (the loss may fall for a while, as the other"
            f" directions shrink); use a smaller lr (the optimal lr is {optimal}).",
            None,
        )
    steps: int | None = None
    if method == "gd":
        sigma, _ = bounds.slowest(lr)
        tiny = torch.finfo(X.dtype).tiny  # an entry below it (a subnormal) adds nothing to the prediction
        start = torch.where(X.abs() < tiny, 0.0, X).double()
        estimate = spectrum.rounded.lazy  # beyond the app's sizes: from the slowest rate, with no singular vectors
        if not estimate:
            steps = steps_to_residual(spectrum, lr=lr, target=target, X0=start, rank=bounds.resolved_rank)
        if steps is None and lr < bounds.stable_below:  # M rounded to the dtype puts σ_max a hair past the limit
            steps = steps_at_rate(ev.removable, target, bounds.shrink(lr))  # the rate the sentence states
        text = (
            f" Still running: the error along σ = {sigma:.3g} {bounds.change(lr)}"
            f" ({_shape(spectrum.shape, bounds)}); the theory predicts {_more(steps)} to reach {dtype}'s precision"
            + (" (an estimate from that rate)." if estimate else ".")
        )
    elif method == "newton_schulz":
        rho = ev.rate if ev.rate is not None else math.inf
        if rho < 1:
            reach = math.log(min(target / math.sqrt(bounds.resolved_rank), 0.5)) / math.log(rho)
            steps = max(1, math.ceil(math.log2(reach)))
            text = (
                f" Still running: Newton–Schulz squares the residual every step (its largest part is now"
                f" {rho:.3g}); {_more(steps)} reach {dtype}'s precision."
            )
        else:
            text = (
                f" Still running: Newton–Schulz converges once every part of the residual is below 1 (the largest"
                f" is {rho:.3g}); the theory gives no step count before that."
            )
    else:
        rho = ev.rate if ev.rate is not None else math.inf
        if rho < 1:
            steps = steps_at_rate(ev.removable, target, 1 - rho)
            text = (
                f" Still running: {method} at these parameters shrinks the error by a factor {rho:.4g} a step in"
                f" the long run ({_shape(spectrum.shape, bounds)}); {_more(steps)} reach {dtype}'s precision (an"
                " estimate from that rate)."
            )
        else:
            text = f" Still running, but {method} at these parameters does not contract (factor {rho:.4g} a step)."
    practical = steps is not None and steps <= PRACTICAL_STEPS
    at_the_limit = method == "gd" and lr > bounds.optimal  # then σ_max, not the matrix, is what is slow
    if not practical and at_the_limit:
        text += (
            f" In practice, never: the lr is too close to the stable limit {stable}; the optimal lr"
            f" {optimal} is far faster."
        )
    elif not practical and (steps is not None or method == "gd"):
        if bounds.condition_number * 2.0**-52 < 1:
            remedy = "the exact inverse in float64"
        elif bounds.rank == min(spectrum.shape):
            remedy = "its inverse in exact arithmetic (gdinverse.best_inverse)"
        else:
            remedy = "the pseudo-inverse"
        text += f" In practice, never: for this matrix use {remedy}."
    elif (
        dtype == "float32" and bounds.sigma_max / bounds.resolved_sigma_min >= SLOW_KAPPA and method != "newton_schulz"
    ):
        text += " At this condition number float32 rounding is likely to stop it before then; float64 would not."
    return text, steps


def _shape(shape: tuple[int, int], bounds: LrBounds) -> str:
    """The condition number, or for a rank-deficient matrix its rank and floor (its κ is ∞)."""
    if bounds.rank == min(shape):
        return f"condition number {format_condition(bounds.condition_number)}"
    return f"M has rank {bounds.rank}: the loss floor is {bounds.floor:.4g}"


def _more(steps: int | None) -> str:
    """A predicted number of further steps, in words."""
    if steps is None:
        return f"more than {MAX_PREDICTED_STEPS:.1e} more steps"
    if steps > PRACTICAL_STEPS:
        return f"about {steps:.1e} more steps"
    return f"about {steps:,} more step{'s' if steps != 1 else ''}"


def _diverged_message(method: str, lr: float, bounds: LrBounds | None, start: float, end: float, step: int) -> str:
    text = f"Diverged at step {step}: the loss grew from {start:.4g} to {end:.4g}."
    if method == "gd" and bounds is not None:
        optimal, stable = bounds.written
        return text + (
            f" The learning rate {bounds.write_lr(lr)} is at or above the stable limit {stable};"
            f" use a smaller one (the optimal lr is {optimal})."
        )
    if method == "newton_schulz":
        return text + (
            " Newton–Schulz squares the residual every step, so a part of it that rounding leaves at or above 1"
            " (along a singular or numerically singular direction) blows up; use gradient descent or the"
            " pseudo-inverse for this matrix."
        )
    return text + " Lower the learning rate."
