r"""Seeded exercise sheets on gradient descent towards an inverse, with answers a class can check.

:func:`sheet` deals ``n`` questions from a seed: the same seed gives the same sheet on any
machine (numpy's PCG64 generator, matrices with small integer entries, and singular values
from closed forms in plain float arithmetic: |dᵢ| for a diagonal matrix, and for a 2×2 matrix
the square roots of the eigenvalues of AᵀA = [[p, q], [q, r]],
λ = (p + r)/2 ± √(((p − r)/2)² + q²), the smaller one as det²/λ_max). The kinds cycle in
the order of :data:`KINDS`, so a sheet of seven or more has each of them.

Every question states its loss L(X) = (1/k²)‖XM − I‖² and the start X₀ = 0 where it matters;
its ``experiment`` holds the settings of a :func:`gdinverse.gd_inverse` run that shows the
answer (``gd_inverse(q.matrix, **q.experiment.kwargs())``).

For a class that gets a second try, every question also has a ``hint`` (the method, with the question's own
quantities, never its answer: say it after a wrong answer, before the answer is shown), its ``choices`` where
the answer is one of a few (yes/no, or the singular values of the slowest-direction question), and
``experiments``: the runs Reveal shows on both sides of the answer. For the stable limit one run just below it
(0.9×, it converges) and one just above (1.1×, it diverges); for the optimal lr runs at 0.75× and just above it
that shrink the error equally slowly, and one at the optimum; for the divergence question the asked lr and its
mirror image across the limit. Runs whose ``outcome`` is set take twice the steps the theory needs for that
verdict, so rounding cannot flip it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .descent import DIVERGENCE_FACTOR
from .errors import ParameterError, check_int
from .limits import MAX_SEED
from .rational import bareiss_rank
from .spectrum import factor, optimal_lr, stable_limit
from .theory import format_condition, steps_to_tolerance

__all__ = [
    "EPS32",
    "KINDS",
    "MAX_QUESTIONS",
    "TOLERANCE_LOSS",
    "Experiment",
    "Question",
    "as_questions",
    "sheet",
    "sheet_markdown",
]

KINDS: dict[str, str] = {
    "stable_lr": "the supremum of the learning rates at which gradient descent converges",
    "optimal_lr": "the optimal constant learning rate",
    "steps": "the steps gradient descent needs to bring the loss to 1e-6 or below",
    "slowest": "which singular direction converges slowest",
    "diverges": "whether gradient descent diverges at a given learning rate",
    "float32_digits": "how many correct digits the rule of thumb promises in float32 at a condition number κ",
    "left_inverse": "whether an indicator matrix has a left inverse",
}
"""The kinds of question, in the order a sheet cycles through them."""

EPS32 = 2.0**-23
"""float32's machine epsilon, the gap between 1 and the next float32 (≈ 1.19e-7)."""

TOLERANCE_LOSS = 1e-6
"""The loss the steps question asks for."""
MAX_QUESTIONS = 50
"""The most questions a sheet has."""

_LOSS = (
    r"Gradient descent minimises $L(X) = \frac{1}{k^2}\lVert XM - I\rVert_F^2$ (k the number of columns of M, "
    r"$\lVert\cdot\rVert_F$ the Frobenius norm) by the steps $X \leftarrow X - lr\,\nabla L(X)$"
)
_EPS64 = 2.0**-52


@dataclass(frozen=True)
class Experiment:
    """Settings of the :func:`gdinverse.gd_inverse` run that shows a question's answer (plain gradient descent)."""

    lr: float
    steps: int
    init: str = "zeros"
    dtype: str = "float64"
    caption: str = ""
    """What the run shows, in one sentence."""
    outcome: str | None = None
    """The ``verdict.status`` the run ends with where the question rests on it ("converged" or "diverged"; the
    steps are twice what the theory needs for it), else None."""

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`gdinverse.gd_inverse`."""
        return {"lr": self.lr, "steps": self.steps, "init": self.init, "dtype": self.dtype}


@dataclass(frozen=True)
class Question:
    """One exercise: a Markdown prompt, its answer and how close an answer must be."""

    kind: str
    """One of :data:`KINDS`."""
    prompt: str
    """Markdown (with LaTeX between $…$), showing the matrix."""
    answer: float | str
    """A number, or "yes"/"no"."""
    tolerance: float
    """For ``tolerance_kind`` "relative" a fraction of the answer, for "absolute" a distance; 0 for "exact"."""
    tolerance_kind: str
    explanation: str
    """Why, with the numbers (Markdown)."""
    matrix: tuple[tuple[int, ...], ...]
    """M as nested tuples of ints, usable wherever gdinverse takes a matrix."""
    experiment: Experiment | None
    """The run Reveal shows; None for the float32 question, which is about ``exact_inverse`` in float32, not a run."""
    hint: str = ""
    """What to say after a wrong answer, before a second try (Markdown): the method, with this question's own
    quantities, but not the answer."""
    experiments: tuple[Experiment, ...] = ()
    """The runs Reveal shows, by increasing lr: for the learning-rate questions runs on both sides of the answer
    (see the module docstring), else ``(experiment,)``; empty for the float32 question."""
    choices: tuple[str, ...] = ()
    """The options a multiple-choice form offers where the answer is one of a few: ("yes", "no"), or the
    slowest-direction question's singular values from the smallest up; empty for a free number."""

    @property
    def tolerance_text(self) -> str:
        """The tolerance in words, e.g. "within 5%"."""
        if self.tolerance_kind == "exact":
            return "exactly"
        if self.tolerance_kind == "relative":
            return f"within {self.tolerance * 100:g}%"
        return f"within ±{self.tolerance:g}"

    @property
    def answer_text(self) -> str:
        """The answer as the sheet prints it: "yes" or "no", or the number with its tolerance."""
        if isinstance(self.answer, str):
            return self.answer
        if self.kind == "steps":
            return f"{self.answer:.0f} steps ({self.tolerance_text})"
        return f"{self.answer:.4g} ({self.tolerance_text})"

    def unreadable(self, value: Any) -> str | None:
        """Why ``value`` cannot be read as an answer to this question (then :meth:`check` says False without it
        being wrong), or None if it can: "yes"/"no" for a yes-or-no question, a number for the others."""
        if isinstance(self.answer, str):
            if isinstance(value, str) and _word(value) in ("yes", "no"):
                return None
            return f"{_quoted(value)} is not yes or no: answer with one of those words"
        if _number(value) is not None:
            return None
        if isinstance(value, str) and "," in value and _number(value.replace(",", ".")) is not None:
            return f"{_quoted(value)} has a comma: write the number with a decimal point ({value.replace(',', '.')})"
        return f"{_quoted(value)} is not a number: write one like 0.25, 1/4, 2.5e-3 or 35"

    def check(self, value: Any) -> bool:
        """Whether ``value`` (a number, or text such as "0.25", "1/4", "Yes", "no.") is a right answer; False for
        garbage (:meth:`unreadable` says why)."""
        if isinstance(self.answer, str):
            return isinstance(value, str) and _word(value) == self.answer
        number = _number(value)
        if number is None:
            return False
        error = abs(number - self.answer)
        limit = self.tolerance * abs(self.answer) if self.tolerance_kind == "relative" else self.tolerance
        return error <= limit * (1 + 1e-12)


def _word(text: str) -> str:
    """A typed word as compared: case folded, without the spaces and the . ! ? around it ("No." is "no")."""
    return text.strip().casefold().rstrip(".!? ").strip()


def _quoted(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 30 else text[:27] + "...")


def _number(value: Any) -> float | None:
    """``value`` as a finite float: a real number, or text such as "0.25", "-3", "1/4", "1e-3", "35 steps"; else
    None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except (OverflowError, ValueError):  # an int like 10**400
            return None
    elif isinstance(value, str) and 0 < len(value) <= 60:
        text = value.strip().replace("−", "-").removesuffix(".")  # "0.1406." ends a sentence; "1." is 1 either way
        text = text.removesuffix("steps").removesuffix("step").strip()  # "35 steps"
        try:
            number = float(Fraction(text)) if "/" in text else float(text)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
    else:
        return None
    return number if math.isfinite(number) else None


# ---------------------------------------------------------------------------- matrices and their σ


Matrix = tuple[tuple[int, ...], ...]


def _gram2(M: Matrix) -> tuple[int, int, int]:
    """The entries p, q, r of MᵀM = [[p, q], [q, r]] for a 2×2 matrix M."""
    (a, b), (c, d) = M
    return a * a + c * c, a * b + c * d, b * b + d * d


def _sigmas(M: Matrix) -> list[float]:
    """The singular values of a diagonal or 2×2 matrix, largest first, by the closed forms of the docstring."""
    if all(M[i][j] == 0 for i in range(len(M)) for j in range(len(M[0])) if i != j):
        return sorted((float(abs(M[i][i])) for i in range(min(len(M), len(M[0])))), reverse=True)
    (a, b), (c, d) = M
    p, q, r = _gram2(M)
    high = (p + r) / 2 + math.sqrt(((p - r) / 2) ** 2 + q * q)
    det = a * d - b * c
    return [math.sqrt(high), abs(det) / math.sqrt(high)]


def _diagonal(rng: np.random.Generator, size: int) -> Matrix:
    """diag of ``size`` distinct magnitudes from 1..9, each with a random sign."""
    values = rng.choice(np.arange(1, 10), size=size, replace=False)
    signs = rng.choice([-1, 1], size=size)
    return tuple(tuple(int(values[i] * signs[i]) if i == j else 0 for j in range(size)) for i in range(size))


def _general(rng: np.random.Generator, max_kappa: float) -> Matrix:
    """A 2×2 matrix of integers in −4..4, not diagonal, with condition number at most ``max_kappa``."""
    while True:
        a, b, c, d = (int(x) for x in rng.integers(-4, 5, size=4))
        M = ((a, b), (c, d))
        if (b, c) == (0, 0) or a * d - b * c == 0:
            continue
        high, low = _sigmas(M)
        if high / low <= max_kappa:
            return M


def _matrix(rng: np.random.Generator, max_kappa: float) -> Matrix:
    """A diagonal matrix (2×2 or 3×3) or a general 2×2 one, half the time each."""
    if rng.integers(2):
        return _general(rng, max_kappa)
    while True:
        M = _diagonal(rng, int(rng.integers(2, 4)))
        high, *_, low = _sigmas(M)
        if high / low <= max_kappa:
            return M


def _nice(x: float) -> float:
    """``x`` rounded to two significant digits."""
    return float(f"{x:.2g}")


def _latex(M: Matrix) -> str:
    rows = r" \\ ".join(" & ".join(str(x) for x in row) for row in M)
    return rf"$$M = \begin{{pmatrix}} {rows} \end{{pmatrix}}$$"


def _list(values: list[float], digits: int = 4) -> str:
    return ", ".join(f"{v:.{digits}g}" for v in values)


def _size(M: Matrix) -> str:
    return f"{len(M)}×{len(M[0])}"


def _steps_to(k: int, sigmas: list[float], lr: float, floor: float, gap: float, cap: int) -> int:
    """Steps from X₀ = 0 until the loss is within ``gap`` of ``floor`` at ``lr`` (R₀ = −I: weight 1 a direction)."""
    slowest = max(abs(factor(lr, s, k)) for s in sigmas if s > 0)
    if slowest == 0:
        return 10
    return int(min(cap, max(10, math.ceil(math.log(gap * k**2 / k) / (2 * math.log(slowest))))))


def _round3(x: float) -> float:
    """``x`` rounded to three significant digits (an lr a caption can show in full)."""
    return float(f"{x:.3g}")


def _runs_around_limit(
    k: int, sigmas: list[float], below: float, above: float, captions: tuple[str, str]
) -> tuple[Experiment, Experiment]:
    """Runs from X₀ = 0 at ``below`` and ``above`` the stable limit k²/σ_max², with twice the steps the theory needs
    for both verdicts: the below-run's residual ‖XM − I‖_F, at most √k·q^t with q its slowest factor, reaching
    float64's eps (converged), and the above-run's loss, at least |q_max|^(2t)/k² from L₀ = 1/k, passing
    DIVERGENCE_FACTOR times its start (diverged)."""
    slow = max(abs(factor(below, s, k)) for s in sigmas)
    fast = abs(factor(above, sigmas[0], k))
    converge = math.log(_EPS64 / math.sqrt(k)) / math.log(slow) if slow > 0 else 1.0
    diverge = math.log(DIVERGENCE_FACTOR * k) / (2 * math.log(fast))
    steps = 2 * math.ceil(max(converge, diverge, 10))
    return (
        Experiment(below, steps, caption=captions[0], outcome="converged"),
        Experiment(above, steps, caption=captions[1], outcome="diverged"),
    )


def _where_sigma(M: Matrix, entries: bool = True) -> str:
    """Where a hint sends the student for σ: the diagonal, or the eigenvalues of MᵀM (with its ``entries``; not
    where they could pass for the answer, a step count)."""
    if all(M[i][j] == 0 for i in range(len(M)) for j in range(len(M[0])) if i != j):
        return "For a diagonal matrix the singular values σ are the sizes of the diagonal entries."
    if not entries:
        return r"The squares σ² are the eigenvalues of $M^\top M$."
    p, q, r = _gram2(M)
    return (
        rf"The squares σ² are the eigenvalues of $M^\top M = \begin{{pmatrix}} {p} & {q} \\ {q} & {r} \end{{pmatrix}}$."
    )


# ---------------------------------------------------------------------------- the kinds


def _stable_lr(rng: np.random.Generator) -> Question:
    M = _matrix(rng, 8)
    k, sig = len(M[0]), _sigmas(M)
    answer = stable_limit(sig[0], k)
    lr = _nice(0.95 * answer)
    below, above = _round3(0.9 * answer), _round3(1.1 * answer)
    grows = abs(factor(above, sig[0], k))
    return Question(
        kind="stable_lr",
        prompt=f"{_LOSS}. Started from $X_0 = 0$ it converges (the loss tends to 0) for every learning rate "
        f"$0 < lr < lr_{{max}}$ and for none from $lr_{{max}}$ up. What is $lr_{{max}}$, the supremum of the learning "
        f"rates at which it converges, for this {_size(M)} matrix? (At $lr = lr_{{max}}$ itself it does not converge: "
        f"the error along one direction keeps its size and flips sign every step.)\n\n{_latex(M)}",
        answer=answer,
        tolerance=0.05,
        tolerance_kind="relative",
        explanation=f"Each step multiplies the error along the singular direction of σ by |1 − 2·lr·σ²/k²|, which is "
        f"below 1 for every σ iff lr < k²/σ_max². The singular values are {_list(sig)}, k = {k}, so the stable "
        f"limit is {k}²/{sig[0]:.4g}² = {answer:.4g}. At the limit itself the factor of σ_max is exactly −1: that "
        f"part of the error flips sign every step and never shrinks, so the limit is a supremum, not a maximum.",
        matrix=M,
        experiment=Experiment(
            lr,
            _steps_to(k, sig, lr, 0.0, 1e-8, 2000),
            caption=f"A run at lr = {lr:g}, just below the limit: it converges.",
        ),
        hint=f"Each step multiplies the error along the singular direction of σ by the factor 1 − 2·lr·σ²/k², here "
        f"with k = {k}. The run converges only while every one of these factors lies strictly between −1 and 1. As lr "
        f"grows, whose factor reaches −1 first? {_where_sigma(M)}",
        experiments=_runs_around_limit(
            k,
            sig,
            below,
            above,
            (
                f"Just below the limit, lr = {below:g} (0.9×): the error shrinks along every direction and the run "
                f"converges.",
                f"Just above it, lr = {above:g} (1.1×): the error along σ_max grows by a factor {grows:.3g} a step "
                f"and the run diverges.",
            ),
        ),
    )


def _optimal_lr(rng: np.random.Generator) -> Question:
    M = _matrix(rng, 8)
    k, sig = len(M[0]), _sigmas(M)
    high, low = sig[0], sig[-1]
    answer = optimal_lr(low, high, k)
    kappa = high / low
    rate = (high**2 - low**2) / (high**2 + low**2)
    worse = rate + (1 - rate) / 4  # the rate of both comparison runs: a quarter of the way from the optimum's to 1
    # the lr at which σ's factor 1 − 2·lr·σ²/k² is ±worse: (1 ∓ worse)·k²/(2σ²), half the stable limit of σ
    below, above = (1 - worse) * stable_limit(low, k) / 2, (1 + worse) * stable_limit(high, k) / 2
    steps = _steps_to(k, sig, answer, 0.0, 1e-10, 2000)
    return Question(
        kind="optimal_lr",
        prompt=f"{_LOSS}. Each step multiplies the error along each singular direction of M by a factor of its own, "
        f"and the largest of their sizes sets how fast the loss falls in the long run. Which constant learning rate "
        f"makes that largest size as small as possible (the optimal constant lr) for this {_size(M)} matrix?\n\n"
        f"{_latex(M)}",
        answer=answer,
        tolerance=0.05,
        tolerance_kind="relative",
        explanation=f"The slowest of the factors |1 − 2·lr·σ²/k²| is smallest when the extremes balance: "
        f"1 − 2·lr·σ_min²/k² = −(1 − 2·lr·σ_max²/k²), so lr* = k²/(σ_min² + σ_max²). Here k = {k}, σ_max = {high:.4g}, "
        f"σ_min = {low:.4g}: lr* = {answer:.4g}, and the error shrinks by a factor (κ² − 1)/(κ² + 1) = "
        f"{(kappa**2 - 1) / (kappa**2 + 1):.4g} a step (κ = {format_condition(kappa)}).",
        matrix=M,
        experiment=Experiment(answer, steps, caption=f"A run at the optimal lr {answer:.4g}."),
        hint=f"The slowest direction sets the pace: a step multiplies the error along σ by |1 − 2·lr·σ²/k²| (k = {k}), "
        f"and the optimal lr makes the largest of these factors as small as possible. A larger lr helps the smallest "
        f"σ and hurts the largest: find the lr at which their two factors have the same size and opposite signs. "
        f"{_where_sigma(M)}",
        experiments=(
            Experiment(
                below,
                steps,
                caption=f"Below the optimum, lr = {below:.4g} (0.75×): the error along σ_min keeps {worse:.3g} of "
                f"its size a step instead of {rate:.3g}.",
            ),
            Experiment(
                answer,
                steps,
                caption=f"The optimal lr {answer:.4g}: no direction keeps more than {rate:.3g} of its error a step.",
            ),
            Experiment(
                above,
                steps,
                caption=f"Just above the optimum, lr = {above:.4g} ({above / answer:.4g}×, 1 + 1/(4κ²)): the error "
                f"along σ_max flips sign and keeps {worse:.3g} of its size a step, as at 0.75×: past the optimum "
                f"the rate worsens κ² = {kappa**2:.3g} times faster than below it.",
            ),
        ),
    )


def _steps(rng: np.random.Generator) -> Question:
    while True:
        M = _matrix(rng, 5)
        k, sig = len(M[0]), _sigmas(M)
        optimal = optimal_lr(sig[-1], sig[0], k)
        lr = _nice(optimal * float(rng.choice([0.3, 0.5, 0.7, 1.0])))
        answer = steps_to_tolerance(M, lr=lr, tol=TOLERANCE_LOSS, X0=None)
        if answer is None or answer > 3000:
            continue
        losses = [sum(factor(lr, s, k) ** (2 * t) for s in sig) / k**2 for t in (answer - 1, answer)]
        if losses[1] <= TOLERANCE_LOSS * (1 - 1e-6) and losses[0] > TOLERANCE_LOSS * (1 + 1e-6):  # not borderline
            break
    factors = [factor(lr, s, k) for s in sig]
    terms = " + ".join(f"({q:.4g})^{{2t}}" for q in factors)
    run = Experiment(lr, int(answer * 1.2) + 5, caption=f"The run's loss crosses 1e-6 at step {answer}.")
    return Question(
        kind="steps",
        prompt=f"{_LOSS}, starting from $X_0 = 0$ with lr = {lr:g}. After how many steps t is the loss $L(X_t)$ first "
        f"at or below $10^{{-6}}$ (in exact arithmetic)?\n\n{_latex(M)}",
        answer=float(answer),
        tolerance=max(1.0, 0.02 * answer),
        tolerance_kind="absolute",
        explanation=f"From X₀ = 0 the residual is −I, one unit along each singular direction, and each step multiplies "
        f"the direction of σ by q = 1 − 2·lr·σ²/k². With σ = {_list(sig)} and k = {k}, q = {_list(factors)}, so "
        f"$L_t = \\frac{{1}}{{{k**2}}}\\left({terms}\\right)$: {losses[0]:.4g} at step {answer - 1} and "
        f"{losses[1]:.4g} at step {answer}.",
        matrix=M,
        experiment=run,
        hint=f"From $X_0 = 0$ the error is 1 along each singular direction, and a step multiplies it by "
        f"q = 1 − 2·lr·σ²/k² (k = {k}), so after t steps the loss is $L_t = \\frac{{1}}{{k^2}}\\sum_\\sigma q^{{2t}}$. "
        f"The slowest direction (the largest |q|) alone gives a first estimate of t; then check that step and the "
        f"one before it. {_where_sigma(M, entries=False)}",
        experiments=(run,),
    )


def _slowest(rng: np.random.Generator) -> Question:
    while True:
        M = _diagonal(rng, 3)
        k, sig = 3, _sigmas(M)
        optimal, stable = optimal_lr(sig[-1], sig[0], k), stable_limit(sig[0], k)
        lr = _nice(float(rng.choice([0.3 * optimal, 0.6 * optimal, 0.95 * stable])))
        factors = [abs(factor(lr, s, k)) for s in sig]
        order = sorted(range(3), key=lambda i: factors[i], reverse=True)
        if lr < stable and factors[order[0]] > 1.1 * factors[order[1]]:
            break
    answer = sig[order[0]]
    run = Experiment(lr, 60, caption="The error along each singular direction shrinks at its own rate.")
    return Question(
        kind="slowest",
        prompt=f"{_LOSS}, with the constant learning rate lr = {lr:g}. Each step shrinks the error XM − I along each "
        f"singular direction of M by a factor of its own. Along which direction does it shrink slowest? Answer with "
        f"that direction's singular value σ.\n\n{_latex(M)}",
        answer=answer,
        tolerance=0.05,
        tolerance_kind="relative",
        explanation=f"A diagonal matrix's singular values are the sizes of its entries, σ = {_list(sig)} (k = 3). Each "
        f"step multiplies the error along σ by |1 − 2·lr·σ²/k²|: "
        + ", ".join(f"{f:.4g} for σ = {s:g}" for s, f in zip(sig, factors, strict=True))
        + f". The largest factor, {factors[order[0]]:.4g}, is σ = {answer:g}'s"
        + (
            f" (lr is below the optimal {optimal:.4g}, so the smallest σ crawls)."
            if lr < optimal
            else f" (lr is above the optimal {optimal:.4g}, so the largest σ zig-zags slowest)."
        ),
        matrix=M,
        experiment=run,
        hint=f"A step multiplies the error along the singular direction of σ by |1 − 2·lr·σ²/k²|, here with "
        f"lr = {lr:g} and k = 3, and for a diagonal matrix σ runs over the sizes of the diagonal entries. Work the "
        f"factor out for each σ: the slowest direction has the largest. (Is lr below or above the optimal constant "
        f"lr?)",
        experiments=(run,),
        choices=tuple(f"{s:g}" for s in sorted(sig)),
    )


def _diverges(rng: np.random.Generator) -> Question:
    while True:
        M = _matrix(rng, 8)
        k, sig = len(M[0]), _sigmas(M)
        stable = stable_limit(sig[0], k)
        lr = _nice(stable * float(rng.choice([0.5, 0.8, 1.2, 1.5, 2.0])))
        if abs(lr / stable - 1) >= 0.1:
            break
    q = factor(lr, sig[0], k)
    answer = "yes" if lr > stable else "no"
    verdict = "above it: the error along σ_max grows" if answer == "yes" else "below it: every direction shrinks"
    mirror = _round3(stable**2 / lr)  # as far from the limit on the other side, by ratio
    runs = {
        lr: f"The asked lr = {lr:g}, {lr / stable:.2g}× the limit {stable:.4g}: the run "
        f"{'diverges' if answer == 'yes' else 'converges'}.",
        mirror: f"Across the limit, lr = {mirror:g} ({mirror / stable:.2g}×): the run "
        f"{'converges' if answer == 'yes' else 'diverges'}.",
    }
    low, high = sorted(runs)
    return Question(
        kind="diverges",
        prompt=f"{_LOSS}. Started from $X_0 = 0$ with the constant learning rate lr = {lr:g}, does it diverge (the "
        f"loss grows without bound) for this {_size(M)} matrix? Answer yes or no.\n\n{_latex(M)}",
        answer=answer,
        tolerance=0.0,
        tolerance_kind="exact",
        explanation=f"The stable limit is k²/σ_max² = {k}²/{sig[0]:.4g}² = {stable:.4g}, and lr = {lr:g} is {verdict} "
        f"(the σ_max direction's factor |1 − 2·lr·σ_max²/k²| is {abs(q):.4g} a step).",
        matrix=M,
        experiment=Experiment(
            lr, 200, caption=f"A run at lr = {lr:g}: it {'diverges' if answer == 'yes' else 'converges'}."
        ),
        hint=f"From $X_0 = 0$ a step multiplies the error along the singular direction of σ by 1 − 2·lr·σ²/k² "
        f"(k = {k}). The run blows up when any of these factors has a size above 1, and as lr grows the largest σ "
        f"gets there first: find the lr at which its factor is −1, and compare lr = {lr:g} with it. {_where_sigma(M)}",
        experiments=_runs_around_limit(k, sig, low, high, (runs[low], runs[high])),
        choices=("yes", "no"),
    )


_DIGITS_SIZES = (3, 5, 10, 16, 30, 50, 100, 160, 300)


def _float32_digits(rng: np.random.Generator) -> Question:
    a = int(rng.choice(_DIGITS_SIZES))
    M = ((a, a + 1), (a - 1, a))  # det 1: σ_max·σ_min = 1, so κ = σ_max²
    high, low = _sigmas(M)
    kappa = high / low
    answer = -math.log10(EPS32 * kappa)
    return Question(
        kind="float32_digits",
        prompt=f"This matrix has condition number κ = {format_condition(kappa)}. By the rule of thumb that an inverse "
        f"computed with relative precision eps can be off by about eps·κ (relative to its size), how many correct "
        f"significant digits, −log₁₀ of that relative error, can you count on in its inverse computed in float32 "
        f"(eps = 2⁻²³ ≈ {EPS32:.3g})? Answer to one decimal.\n\n{_latex(M)}",
        answer=answer,
        tolerance=0.5,
        tolerance_kind="absolute",
        explanation=f"float32 keeps −log₁₀(eps) ≈ {-math.log10(EPS32):.2f} digits; the condition number magnifies "
        f"rounding errors by up to κ, costing log₁₀ κ = {math.log10(kappa):.2f} of them: −log₁₀(eps·κ) = "
        f"{answer:.2f} digits. This is a worst case; a computed inverse is often more accurate. (The exact inverse "
        f"is [[{a}, {-(a + 1)}], [{-(a - 1)}, {a}]]: compare with gdinverse.exact_inverse(M).)",
        matrix=M,
        experiment=None,
        hint="Count digits with logarithms: −log₁₀(eps·κ) = −log₁₀ eps − log₁₀ κ, and for eps = 2⁻²³ the first term "
        "is 23·log₁₀ 2, with log₁₀ 2 ≈ 0.301.",
    )


def _left_inverse(rng: np.random.Generator) -> Question:
    m, k = int(rng.integers(4, 7)), int(rng.integers(2, 4))
    want = bool(rng.integers(2))
    while True:
        cols = (rng.random((m, k)) < 0.5).astype(int)
        if not want:
            i, j = rng.choice(k, size=2, replace=False)
            cols[:, j] = cols[:, i] if rng.integers(2) else 0  # a repeated word, or a word used nowhere
        M = tuple(tuple(int(x) for x in row) for row in cols)
        rank = bareiss_rank([list(row) for row in M])
        if (rank == k) == want and rank > 0:
            break
    answer = "yes" if rank == k else "no"
    floor = (k - rank) / k**2
    reason = (
        f"its {k} columns are independent (rank {rank}), so X = (MᵀM)⁻¹Mᵀ satisfies XM = I and the loss reaches 0"
        if answer == "yes"
        else f"its columns are dependent (rank {rank} < {k}: a column is zero or repeats another), so no X gives "
        f"XM = I; the loss stops at the floor (k − rank)/k² = {floor:.4g}"
    )
    sig = [float(s) for s in np.linalg.svd(np.array(M, dtype=np.float64), compute_uv=False)]
    lr = _nice(0.9 * optimal_lr(sig[rank - 1], sig[0], k))
    run = Experiment(
        lr,
        _steps_to(k, sig[:rank], lr, floor, 1e-8, 3000),
        caption=f"Gradient descent's loss falls to {'0' if answer == 'yes' else f'the floor {floor:.4g}'}.",
    )
    return Question(
        kind="left_inverse",
        prompt=f"A {m}×{k} indicator matrix M marks which of {k} words (columns) occur in each of {m} documents "
        f"(rows). Does it have a left inverse, a {k}×{m} matrix X with XM = I (the {k}×{k} identity)? Answer yes or "
        f"no.\n\n{_latex(M)}",
        answer=answer,
        tolerance=0.0,
        tolerance_kind="exact",
        explanation=f"A left inverse exists iff the columns are independent (full column rank): {reason}.",
        matrix=M,
        experiment=run,
        hint=f"XM = I asks X to tell the {k} words apart from the documents alone. That works exactly when the {k} "
        f"columns of M are linearly independent (rank {k}): look for a column of zeros, or a column equal to another "
        f"or to a sum of others.",
        experiments=(run,),
        choices=("yes", "no"),
    )


_MAKERS = {
    "stable_lr": _stable_lr,
    "optimal_lr": _optimal_lr,
    "steps": _steps,
    "slowest": _slowest,
    "diverges": _diverges,
    "float32_digits": _float32_digits,
    "left_inverse": _left_inverse,
}


def sheet(seed: int, n: int = 8) -> tuple[Question, ...]:
    """``n`` questions (1..50) dealt from ``seed`` (a whole number ≥ 0), cycling through :data:`KINDS`."""
    seed = check_int("seed", seed, low=0, high=MAX_SEED)
    n = check_int("n", n, low=1, high=MAX_QUESTIONS)
    rng = np.random.default_rng(seed)
    kinds = list(KINDS)
    return tuple(_MAKERS[kinds[i % len(kinds)]](rng) for i in range(n))


def as_questions(questions: Any) -> tuple[Question, ...]:
    """``questions`` (one Question, or a list of them as :func:`sheet` returns) as a non-empty tuple."""
    if isinstance(questions, Question):
        questions = (questions,)
    try:
        questions = tuple(questions)
    except TypeError:
        raise ParameterError(
            f"questions must be a list of Question (what sheet() returns), got {questions!r:.60}"
        ) from None
    if not questions or not all(isinstance(q, Question) for q in questions):
        raise ParameterError(
            "questions must be a non-empty list of Question objects, as gdinverse.exercises.sheet returns"
        )
    return questions


def sheet_markdown(questions: Any, *, answers: bool, title: str = "Gradient descent and the inverse: exercises") -> str:
    """The sheet as Markdown: the questions, and with ``answers`` (the teacher's copy) the hint to give after a wrong
    answer, the answer and why."""
    questions = as_questions(questions)
    if not isinstance(answers, bool):
        raise ParameterError(f"answers must be True or False, got {answers!r:.60}")
    lines = [f"# {title}", ""]
    for number, q in enumerate(questions, start=1):
        lines += [f"## {number}. {KINDS.get(q.kind, q.kind).capitalize()}", "", q.prompt, ""]
        if answers:
            if q.hint:
                lines += [f"**Hint** (after a wrong answer): {q.hint}", ""]
            lines += [f"**Answer:** {q.answer_text}", "", q.explanation, ""]
    return "\n".join(lines).rstrip() + "\n"
