"""The guided lecture's model: one or two sentences, one figure and fixed settings a step, in lesson order.

Every number a sentence quotes comes from the same models the full pages use, with the step's settings (the same
runs, the same spectrum), never typed in; each step links to its full page with every setting of that page in the
link, so the page opens exactly what the step showed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import numpy as np
import torch

import gdinverse as g
from gdinverse import frames
from gdinverse.spectrum import factor
from gdinverse_app import settings
from gdinverse_app.models import compare, descent, exact_inverse, indicator, matrix
from gdinverse_app.models.memo import Chart, memo
from gdinverse_app.requests import (
    SEED_SPEC,
    IndicatorRequest,
    LectureRequest,
    MatrixSpec,
    RaceRequest,
    RunRequest,
)
from gdinverse_app.settings import Setting

PAGE_FILES = {
    "exact_inverse": "pages/exact_inverse.py",
    "gradient_descent": "pages/gradient_descent.py",
    "compare": "pages/compare.py",
    "indicator_matrix": "pages/indicator_matrix.py",
}
TITLES = {
    "exact_inverse": "Exact inverse",
    "gradient_descent": "Gradient descent",
    "compare": "Compare",
    "indicator_matrix": "Indicator matrix",
}


@dataclass(frozen=True)
class Link:
    """A full page with every one of its settings, as the query parameters of its link."""

    page: str
    """The page's URL path, e.g. "gradient_descent"."""
    params: tuple[tuple[str, str], ...]

    @property
    def file(self) -> str:
        """The page's file in ``gdinverse_app/`` (``frame.page_object`` takes it; AppTest's ``switch_page`` too)."""
        return PAGE_FILES[self.page]

    @property
    def title(self) -> str:
        return TITLES[self.page]

    @property
    def query(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def url(self) -> str:
        """The relative URL, e.g. ``gradient_descent?source=preset&…``."""
        return f"{self.page}?{urlencode(self.params)}"


@dataclass(frozen=True)
class Step:
    """One step of the lecture."""

    title: str
    text: str
    """One or two sentences (Markdown) with the numbers of this step's settings."""
    chart: Chart
    """The figure, and its text alternative: what it shows, with its numbers."""
    link: Link
    notes: tuple[str, ...] = ()
    """Speaker notes: what to say and what to ask the room (Markdown), with this step's numbers."""

    @property
    def opens(self) -> str:
        """The Markdown link to the full page with the step's settings (projector mode goes along in its style)."""
        return f"[:material/open_in_new: Open this on the {self.link.title} page, with these settings]({self.link.url})"

    @property
    def opens_short(self) -> str:
        """The same link in fewer words, for a slide's row of controls."""
        return f"[:material/open_in_new: {self.link.title} page]({self.link.url})"


# ---------------------------------------------------------------------------- settings as link parameters


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


def _params(
    which: tuple[Setting, ...], values: dict[str, object], *, skip: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """Each of ``which`` as a link parameter: its value in ``values``, else its default (left out when empty)."""
    out = []
    for setting in which:
        if setting.name in skip:
            continue
        value = values.get(setting.name, setting.default)
        if value == "":
            continue
        out.append((setting.name, _text(value)))
    return out


def matrix_params(spec: MatrixSpec) -> list[tuple[str, str]]:
    """Every matrix setting of the matrix pages for ``spec``; the matrix text only when the matrix is text (a
    preset's link would otherwise carry an unused 4×4 matrix)."""
    if spec.source == "text":
        return _params(settings.MATRIX, {"source": "text", "matrix": spec.text},
                       skip=("preset", "n", "cond", "mseed", "angle"))  # fmt: skip
    values = {"source": "preset", "preset": spec.preset, "n": spec.n, "cond": spec.cond, "mseed": spec.seed,
              "angle": spec.angle}  # fmt: skip
    return _params(settings.MATRIX, values, skip=("matrix",))


def run_link(request: RunRequest, *, directions: bool = False) -> Link:
    """The Gradient descent page with every setting of ``request``; ``directions`` opens its direction view too."""
    values = {"steps": request.steps, "seed": request.seed, "every": request.every, "init": request.init,
              "dtype": request.dtype, "mode": "run"}  # fmt: skip
    own = _params(settings.RUN, values)
    opened = ((settings.OPEN_DIRECTIONS, "true"),) if directions else ()
    return Link("gradient_descent", (*matrix_params(request.matrix), ("lr", _text(request.lr)), *own, *opened))


def race_link(request: RaceRequest) -> Link:
    """The Compare page with every setting of ``request`` (its sweep at the defaults)."""
    values = {"methods": request.methods, "rsteps": request.steps, "tol": request.tol, "adam_lr": request.adam_lr,
              "rseed": request.seed, "rinit": request.init, "rdtype": request.dtype}  # fmt: skip
    return Link("compare", (*matrix_params(request.matrix), *_params(settings.RACE, values)))


def indicator_link(request: IndicatorRequest) -> Link:
    """Every setting of the Indicator matrix page, for a random matrix."""
    values = {"isource": "random", "docs": request.documents, "words": request.words, "p": request.p,
              "iseed": request.seed}  # fmt: skip
    return Link(
        "indicator_matrix", tuple((s.name, _text(values[s.name])) for s in settings.INDICATOR if s.name in values)
    )


# ---------------------------------------------------------------------------- the fixed settings of each step


def _optimal(spec: MatrixSpec) -> float:
    return matrix.bounds(spec, "float32").optimal


RANDOM4 = MatrixSpec("preset", "random", n=4, cond=10.0, seed=0)
ILL = MatrixSpec("preset", "random", n=8, cond=100.0, seed=0)
STALL = MatrixSpec("preset", "random", n=8, cond=50.0, seed=0)
"""κ = 50: float32 descent stalls at 18× its rounding level (the verdict's threshold is 5), float64 runs on."""
RACE = RaceRequest(MatrixSpec("preset", "random", n=8, cond=10.0, seed=0), ("gd", "momentum", "nesterov",
                   "newton_schulz"))  # fmt: skip
INDICATOR = IndicatorRequest("random", 17, 3, 0.2, 123)
"""The notebook's indicator matrix: documents, words, p, seed."""
DIVERGING_LR = 1.5


def seed_run(style: str) -> RunRequest:
    return RunRequest(SEED_SPEC, g.SEED_LR, style=style)


def _list(values: object, digits: int = 4) -> str:
    return ", ".join(f"{float(v):.{digits}g}" for v in np.ravel(np.asarray(values)))


# ---------------------------------------------------------------------------- the steps


def _seed(style: str) -> Step:
    run = seed_run(style)
    result = descent.run(run)
    losses = result.losses
    text = (
        f"The seed notebook inverts M = diag(1, 2, 3, 4) by gradient descent on mean((X @ M − I)²), starting from "
        f"a random X (seed {run.seed}) at a learning rate of {run.lr:.4g}. The loss falls from {losses[0]:.4f} to "
        f"{losses[20]:.2g} after 20 steps and {result.final_loss:.3g} after {run.steps}."
    )
    notes = (
        "Say: the loss is the mean of the squared entries of X @ M − I, so it is 0 exactly when X is the inverse; "
        "each step moves X a little against the gradient 2/k² · (X @ M − I) @ Mᵀ.",
        f"Ask: the loss fell {losses[0] / losses[20]:.3g} times in the first 20 steps. Does it keep falling at that "
        "pace? (Step 3 answers: one factor per direction, the slowest sets the pace.)",
    )
    return Step("The seed notebook", text, descent.scrub_chart(run), run_link(run), notes)


def _exact(style: str) -> Step:
    result = exact_inverse.outcome(SEED_SPEC, "float32").result
    assert result is not None  # diag(1, 2, 3, 4) has an inverse in float32
    diagonal = torch.diagonal(result.inverse)
    text = (
        f"`torch.linalg.inv` finds the inverse in one call: diag({_list(diagonal)}). The check inverse @ M is "
        + ("exactly the identity" if result.max_error == 0 else f"within {result.max_error:.3g} of the identity")
        + f" in float32, and the condition number is κ = {matrix.kappa(SEED_SPEC)}."
    )
    caption = (
        f"Heatmap of the exact inverse of diag(1, 2, 3, 4): {_list(diagonal)} on the diagonal, 0 elsewhere "
        "(positive red, negative blue, 0 white)."
    )
    inverse = exact_inverse.inverse_chart(SEED_SPEC, "float32", style)
    assert inverse is not None
    link = Link("exact_inverse", tuple(matrix_params(SEED_SPEC)))
    notes = (
        "Say: `torch.linalg.inv` factorises M once (LU) and solves; gradient descent will approach the same X "
        "step by step, using nothing but products with M.",
        f"Ask: what is the inverse of a diagonal matrix? (1/dᵢ on the diagonal: here {_list(diagonal)}.)",
    )
    return Step("The exact inverse", text, replace(inverse, caption=caption), link, notes)


def _directions(style: str) -> Step:
    run = seed_run(style)
    result = descent.run(run)
    view = g.direction_view(result.matrix, result)
    slow = view.slowest
    text = (
        f"Each step multiplies the error along singular direction i by 1 − 2·lr·σᵢ²/k². For diag(1, 2, 3, 4) "
        f"(k = {view.shape[1]}, σ = {_list(view.sigma)}) at lr {run.lr:.4g} the factors are {_list(1 - view.a, 3)}: "
        f"the direction of σ = {view.sigma[slow]:.4g} is slowest, its error going from {view.measured[0, slow]:.3g} "
        f"to {view.measured[-1, slow]:.3g} in {run.steps} steps (theory {view.predicted[-1, slow]:.3g})."
    )
    lrs = descent.scrub_lrs(run)[::2]
    lrs = tuple(sorted({*lrs, run.lr}))
    views = [g.direction_view(result.matrix, descent.run(replace(run, lr=lr))) for lr in lrs]
    chart = Chart.of(frames.direction_scrub(views, active=lrs.index(run.lr), style=style))
    notes = (
        "Say: along each singular direction the error is multiplied by its own factor every step, independently "
        "of the others; the loss is the sum of those shrinking errors.",
        f"Ask: which direction is slowest, and why? (σ = {view.sigma[slow]:.4g}: its factor "
        f"{1 - view.a[slow]:.3g} is the closest to 1 in size.)",
    )
    return Step("One factor per direction", text, chart, run_link(run, directions=True), notes)


def _limit(style: str) -> Step:
    run = replace(seed_run(style), lr=DIVERGING_LR)
    bounds = matrix.bounds(run.matrix, run.dtype)
    result = descent.run(run)
    at_lr = abs(factor(run.lr, bounds.sigma_max, bounds.k))
    if result.diverged:
        outcome = f"the run diverges and stops at step {result.stopped_at}"
    else:
        outcome = f"the loss goes from {result.losses[0]:.3g} to {result.final_loss:.3g}"
    text = (
        f"The error along σ_max = {bounds.sigma_max:.4g} is multiplied by |1 − 2·lr·σ_max²/k²|, below 1 only while "
        f"lr < k²/σ_max² = {bounds.written[1]}. At lr {run.lr:g} that factor is {at_lr:.4g}: {outcome}."
    )
    lrs = descent.scrub_lrs(run)
    chart = Chart.of(frames.rate_scrub(bounds, lrs, active=lrs.index(run.lr), style=style))
    notes = (
        f"Ask before showing the figure: what happens at lr {run.lr:g}? (The factor along σ_max is {at_lr:.4g}, "
        "above 1: that error grows every step.)",
        f"Say: the limit is the supremum of the convergent learning rates, not one of them: at lr = "
        f"{bounds.written[1]} itself the factor along σ_max is exactly −1, so that error flips sign every step and "
        "never shrinks.",
    )
    return Step("The learning-rate limit", text, chart, run_link(run, directions=True), notes)


def _landscape(style: str) -> Step:
    run = RunRequest(RANDOM4, _optimal(RANDOM4), steps=30, every=1, style=style)
    result = descent.run(run)
    land = g.landscape(result.matrix, result)
    q_slow, q_fast = factor(run.lr, land.sigma_slow, land.k), factor(run.lr, land.sigma_fast, land.k)
    flips = int(np.sum(np.sign(land.path_b[1:]) * np.sign(land.path_b[:-1]) < 0))
    text = (
        f"On the plane of the slowest (σ = {land.sigma_slow:.3g}) and the fastest direction (σ = "
        f"{land.sigma_fast:.3g}) of a random 4×4 matrix with κ = {matrix.kappa(RANDOM4)}, the loss is a valley "
        f"{land.sigma_fast / land.sigma_slow:.3g} times longer than wide. At the optimal lr {run.lr:.4g} the factors "
        f"are {q_slow:.3f} and {q_fast:.3f}: the path shrinks at the same rate along both, crossing the valley "
        f"{flips} times in {run.steps} steps."
    )
    chart = Chart.of(frames.path_scrub(land, style=style))
    notes = (
        "Say: the optimal lr balances the two ends of the spectrum: the slowest factor is positive, the fastest "
        "negative, and the same size.",
        f"Ask: why does the path cross the valley? (The fast direction's factor {q_fast:.3f} is negative: its error "
        "changes sign every step.)",
    )
    return Step("The loss landscape", text, chart, run_link(run, directions=True), notes)


def _conditioning(style: str) -> Step:
    run = RunRequest(ILL, _optimal(ILL), steps=2000, every=40, dtype="float64", style=style)
    result = descent.run(run)
    bounds = matrix.bounds(ILL, "float64")
    needed = g.steps_to_tolerance(result.spectrum, lr=run.lr, tol=1e-6, X0=result.snapshots[0])
    need = f"the theory needs {needed:,} steps to reach a loss of 1e-6" if needed else "it never reaches 1e-6"
    text = (
        f"With κ = {matrix.kappa(ILL)} (a random 8×8 matrix) even the best constant lr keeps (κ² − 1)/(κ² + 1) = "
        f"{bounds.factor(bounds.optimal):.5f} of the slowest error each step. After {run.steps:,} steps in float64 "
        f"the loss is still {result.final_loss:.3g}; {need}."
    )
    chart = descent.scrub_chart(run)
    notes = (
        "Say: the error along the slowest direction shrinks by (κ² − 1)/(κ² + 1) a step at best, so the steps "
        "needed grow like κ²: ten times worse conditioning costs a hundred times more steps.",
        "Ask: what could do better than a constant lr? (Momentum and Newton–Schulz, step 8.)",
    )
    return Step("Conditioning", text, chart, run_link(run, directions=True), notes)


def _stall(style: str) -> Step:
    run = RunRequest(STALL, _optimal(STALL), steps=20000, every=400, style=style)
    result = descent.run(run)
    as_64 = descent.run(replace(run, dtype="float64"))
    _, reference = matrix.reference(STALL)
    inverse32 = exact_inverse.outcome(STALL, "float32").result
    assert inverse32 is not None and inverse32.true_error is not None  # κ = 50 in 8×8: exact arithmetic affords it
    error32, error64 = result.distance_to(reference), as_64.distance_to(reference)
    verdict = "stalls (the loss stops falling)" if result.stalled else "ends"
    text = (
        f"In float32, gradient descent on a random 8×8 matrix with κ = {matrix.kappa(STALL)} {verdict} at a relative "
        f"error of {error32:.2g} after {run.steps:,} steps, {error32 / inverse32.true_error:.3g} times that of "
        f"`torch.linalg.inv` in float32 ({inverse32.true_error:.2g}). The same run in float64 reaches {error64:.2g}."
    )
    more = (
        "Ask: would more steps help? (No: the measured loss has stopped falling; float32 rounds every product, "
        "and the residual cannot get below that rounding.)"
        if result.stalled
        else "Ask: how far could more steps take float32? (Not below its rounding: every product is rounded.)"
    )
    notes = (
        "Say: float32 keeps about 7 significant digits, float64 about 16; the theory, dashed, assumes exact "
        "arithmetic, and is cut where it falls below float32's precision floor (eps·κ)².",
        more,
    )
    return Step("float32's stall", text, descent.loss_chart(run), run_link(run), notes)


def _race(style: str) -> Step:
    race = replace(RACE, style=style)
    rows = {row.method: row for row in compare.table(race)}

    def steps(method: str) -> str:
        value = rows[method].steps_to_tolerance
        return "never (in the run)" if value is None else f"{value:,}"

    text = (
        f"On a random 8×8 matrix with κ = {matrix.kappa(race.matrix)}, the loss stays below {race.tol:g} after "
        f"{steps('gd')} steps of plain descent, {steps('momentum')} with heavy-ball momentum, {steps('nesterov')} "
        f"with Nesterov's, and {steps('newton_schulz')} of Newton–Schulz, X ← X(2I − AX), whose error squares "
        "every step once it is below 1."
    )
    groups = {"all": race.methods} | {method: (method,) for method in race.methods}
    chart = Chart.of(frames.toggle(compare.race_page(race).by_step.figure, groups, active="all"))
    notes = (
        "Say: momentum remembers the last step and needs about κ steps where plain descent needs about κ²; "
        "Newton–Schulz doubles its correct digits every step once ‖I − X @ A‖ < 1.",
        "Ask: why not always use Newton–Schulz? (It diverges unless its start has every singular value of "
        "I − X₀ @ A below 1 in size, and it only inverts: gradient descent minimises any differentiable loss.)",
    )
    return Step("Momentum and Newton–Schulz", text, chart, race_link(race), notes)


def _indicator(style: str) -> Step:
    request = replace(INDICATOR, style=style)
    shown, page = indicator.view(request), indicator.page(request)
    M = shown.matrix
    ones = int(M.sum())
    empty = int((M.sum(dim=1) == 0).sum())
    text = (
        f"The notebook ends with a random {request.documents}×{request.words} indicator matrix: a 1 where word j "
        f"occurs in document i, with probability p = {request.p:g}. {ones} of its {M.numel()} entries are 1 "
        f"(density {ones / M.numel():.3g}), {empty} documents contain none of the words, and its rank is {page.rank}."
    )
    caption = (
        f"Heatmap of the {request.documents}×{request.words} indicator matrix, documents as rows and words as "
        f"columns; {ones} cells are 1."
    )
    notes = (
        "Say: a word/document matrix is rarely square, and a matrix that is not square has no inverse.",
        f"Ask: what is the largest rank this {request.documents}×{request.words} matrix could have? "
        f"({min(request.documents, request.words)}; this one has {page.rank}.)",
    )
    chart = replace(page.heatmap, caption=caption)
    return Step("The indicator matrix", text, chart, indicator_link(request), notes)


def _pseudo_inverse(style: str) -> Step:
    request = replace(INDICATOR, style=style)
    M = indicator.view(request).matrix
    spec = MatrixSpec("text", text=g.format_matrix(M))
    run = RunRequest(spec, _optimal(spec), steps=300, every=20, init="zeros", style=style)
    result = descent.run(run)
    spectrum = matrix.spectrum(spec)
    docs, words = M.shape
    name, distance = descent.distance(run)  # the number the linked page shows
    if spectrum.rank == words:
        exists = (
            f"it is not square, so it has no inverse, but its {words} columns are independent (rank {spectrum.rank}): "
            f"a {words}×{docs} left inverse X with X @ M = I exists."
        )
    else:
        exists = f"it has rank {spectrum.rank} < {words}: no X gives X @ M = I; the loss stops at {spectrum.floor:.3g}."
    text = (
        f"The {docs}×{words} matrix: {exists} Gradient descent from X = 0 ends {distance:.3g} (relative) from the "
        f"{name} {matrix.reference_symbol(name)} after {run.steps} steps, at a loss of {result.final_loss:.2g}."
    )
    notes = (
        "Say: the same gradient descent, started from X = 0, approaches the Moore–Penrose pseudo-inverse: the "
        "best X in the least-squares sense.",
        "Ask: why start from zeros? (Every step adds rows from the column space of M, so from 0 the rows of X "
        "stay there, and the one solution that lives there is the pseudo-inverse.)",
    )
    return Step("Its pseudo-inverse", text, descent.scrub_chart(run), run_link(run), notes)


BUILDERS: tuple[Callable[[str], Step], ...] = (
    _seed,
    _exact,
    _directions,
    _limit,
    _landscape,
    _conditioning,
    _stall,
    _race,
    _indicator,
    _pseudo_inverse,
)
COUNT = len(BUILDERS)
"""How many steps the lecture has."""

TITLES_BY_STEP = (
    "The seed notebook",
    "The exact inverse",
    "One factor per direction",
    "The learning-rate limit",
    "The loss landscape",
    "Conditioning",
    "float32's stall",
    "Momentum and Newton–Schulz",
    "The indicator matrix",
    "Its pseudo-inverse",
)
"""The steps' titles (the same as each :class:`Step`'s ``title``), without computing them."""
HEADINGS = tuple(f"{i}. {title}" for i, title in enumerate(TITLES_BY_STEP, start=1))
"""Each step's heading, as the page and its step menu write it: "3. One factor per direction"."""


@memo
def step(request: LectureRequest) -> Step:
    """Step ``request.step`` (1..COUNT) of the lecture, computed once per server. In the projector and slide styles
    its link keeps projector mode (``&present=1``)."""
    if not 1 <= request.step <= COUNT:
        raise g.ParameterError(f"the lecture has steps 1 to {COUNT}, got {request.step}; pick one of them")
    built = BUILDERS[request.step - 1](request.style)
    built = replace(built, title=HEADINGS[request.step - 1])
    if request.style in ("projector", "slide"):
        built = replace(built, link=replace(built.link, params=(*built.link.params, ("present", "1"))))
    return built
