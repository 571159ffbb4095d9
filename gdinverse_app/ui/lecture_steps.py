"""The guided lecture's steps: one or two sentences, one figure and fixed settings each, in lesson order.

Every number a sentence quotes is computed here from the package with the step's settings (the same cached
runs the full pages draw), never typed in; each step links to its full page with every setting of that page
in the link, so the page opens exactly what the step showed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go
import torch

import gdinverse as g
from gdinverse import theory_plots
from gdinverse_app.ui import cached, compare_controls, descent_controls, direction_view, indicator_view, matrix_source
from gdinverse_app.ui.cached import cache, ready
from gdinverse_app.ui.spec import SEED_SPEC, MatrixSpec

PAGE_FILES = {
    "exact_inverse": "views/exact_inverse.py",
    "gradient_descent": "views/gradient_descent.py",
    "compare": "views/compare.py",
    "indicator_matrix": "views/indicator_matrix.py",
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
        """The page's file in ``gdinverse_app/`` (``frame.page_object`` takes it; AppTest's ``switch_page`` too,
        from the repository root, whose ``views`` links there)."""
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
    figure: go.Figure
    caption: str
    """The figure's text alternative: what it shows, with its numbers."""
    link: Link


# ---------------------------------------------------------------------------- settings as link parameters


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


def _params(settings: tuple, values: dict[str, object], *, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Each of ``settings`` as a link parameter: its value in ``values``, else its default (left out when empty)."""
    out = []
    for setting in settings:
        if setting.key in skip:
            continue
        value = values.get(setting.key, setting.default)
        if value == "":
            continue
        out.append((setting.key, _text(value)))
    return out


def matrix_params(spec: MatrixSpec) -> list[tuple[str, str]]:
    """Every matrix setting of the matrix pages (``ui/matrix_source.py``) for ``spec``; the matrix text only when
    the matrix is text (a preset's link would otherwise carry an unused 4×4 matrix)."""
    if spec.source == "text":
        return _params(matrix_source.SETTINGS, {"source": "text", "matrix": spec.text},
                       skip=("preset", "n", "cond", "mseed", "angle"))  # fmt: skip
    values = {"source": "preset", "preset": spec.preset, "n": spec.n, "cond": spec.cond, "mseed": spec.seed,
              "angle": spec.angle}  # fmt: skip
    return _params(matrix_source.SETTINGS, values, skip=("matrix",))


class DescentSettings(descent_controls.Run):
    """Every setting of the Gradient descent page (the page's own :class:`~descent_controls.Run`), and its link."""

    def link(self, *, directions: bool = False) -> Link:
        """The page with these settings; ``directions`` opens its singular-direction view too."""
        values = {"steps": self.steps, "seed": self.seed, "every": self.every, "init": self.init,
                  "dtype": self.dtype, "mode": self.mode}  # fmt: skip
        own = _params(descent_controls.SETTINGS, values)
        opened = ((direction_view.OPEN, "true"),) if directions else ()
        return Link("gradient_descent", (*matrix_params(self.spec), ("lr", _text(self.lr)), *own, *opened))


@dataclass(frozen=True)
class RaceSettings:
    """Every setting of the Compare page."""

    spec: MatrixSpec
    methods: tuple[str, ...]
    rsteps: int = 500
    tol: float = 1e-6
    adam_lr: float = 0.1
    sweep_count: int = 40
    sweep_steps: int = 100
    rseed: int = 314
    rinit: str = "rand"
    rdtype: str = "float32"

    @property
    def race_args(self) -> tuple[MatrixSpec, tuple[str, ...], int, int, str, str, float]:
        return (self.spec, self.methods, self.rsteps, self.rseed, self.rinit, self.rdtype, self.adam_lr)

    def link(self) -> Link:
        values = {key: getattr(self, key) for key in self.__dataclass_fields__ if key != "spec"}
        own = _params(compare_controls.SETTINGS, values)
        return Link("compare", (*matrix_params(self.spec), *own))


def indicator_link(docs: int, words: int, p: float, seed: int) -> Link:
    """Every setting of the Indicator matrix page, for a random matrix."""
    values = {"isource": "random", "docs": docs, "words": words, "p": p, "iseed": seed}
    return Link(
        "indicator_matrix", tuple((s.key, _text(values[s.key])) for s in indicator_view.SETTINGS if s.key in values)
    )


# ---------------------------------------------------------------------------- the fixed settings of each step


SEED_RUN = DescentSettings(SEED_SPEC, g.SEED_LR)
DIVERGING_LR = 1.5
RANDOM4 = MatrixSpec("preset", "random", n=4, cond=10.0, seed=0)
ILL = MatrixSpec("preset", "random", n=8, cond=100.0, seed=0)
STALL = MatrixSpec("preset", "random", n=8, cond=50.0, seed=0)
"""κ = 50: float32 descent stalls at 18× its rounding level (the verdict's threshold is 5), float64 runs on."""
RACE = RaceSettings(
    MatrixSpec("preset", "random", n=8, cond=10.0, seed=0), ("gd", "momentum", "nesterov", "newton_schulz")
)
INDICATOR = (17, 3, 0.2, 123)
"""The notebook's indicator matrix: documents, words, p, seed."""


def _optimal(spec: MatrixSpec) -> float:
    return cached.bounds(spec).optimal


def _list(values: object, digits: int = 4) -> str:
    return ", ".join(f"{float(v):.{digits}g}" for v in np.ravel(np.asarray(values)))


# ---------------------------------------------------------------------------- the steps


def _seed() -> Step:
    run = SEED_RUN
    result = cached.descent(*run.args)
    losses = result.losses
    text = (
        f"The seed notebook inverts M = diag(1, 2, 3, 4) by gradient descent on mean((X @ M − I)²), starting from "
        f"a random X (seed {run.seed}) at a learning rate of {run.lr:.4g}. The loss falls from {losses[0]:.4f} to "
        f"{losses[20]:.2g} after 20 steps and {result.final_loss:.3g} after {run.steps}."
    )
    caption = (
        f"The loss of that run against the step on a log scale, from {losses[0]:.4f} to {result.final_loss:.3g}; "
        "dots mark the steps the notebook printed, and the theory is dashed over the measured curve."
    )
    return Step("The seed notebook", text, cached.descent_figures(*run.args)["loss"], caption, run.link())


def _exact() -> Step:
    result = cached.exact(SEED_SPEC, "float32")
    diagonal = torch.diagonal(result.inverse)
    text = (
        f"`torch.linalg.inv` finds the inverse in one call: diag({_list(diagonal)}). The check inverse @ M is "
        + ("exactly the identity" if result.max_error == 0 else f"within {result.max_error:.3g} of the identity")
        + f" in float32, and the condition number is κ = {result.condition_number:.3g}."
    )
    caption = (
        f"Heatmap of the exact inverse of diag(1, 2, 3, 4): {_list(diagonal)} on the diagonal, 0 elsewhere "
        "(positive red, negative blue, 0 white)."
    )
    link = Link("exact_inverse", tuple(matrix_params(SEED_SPEC)))
    return Step("The exact inverse", text, cached.heatmap(SEED_SPEC, "inverse", "float32"), caption, link)


def _directions() -> Step:
    run = SEED_RUN
    result = cached.descent(*run.args)
    A = cached.matrix(run.spec, run.dtype)
    view = g.direction_view(A, result)
    k = A.shape[1]
    factors = 1 - 2 * run.lr * view.sigma**2 / k**2
    slow = view.slowest
    text = (
        f"Each step multiplies the error along singular direction i by 1 − 2·lr·σᵢ²/k². For diag(1, 2, 3, 4) "
        f"(k = {k}, σ = {_list(view.sigma)}) at lr {run.lr:.4g} the factors are {_list(factors, 3)}: the direction "
        f"of σ = {view.sigma[slow]:.4g} is slowest, its error going from {view.measured[0, slow]:.3g} to "
        f"{view.measured[-1, slow]:.3g} in {run.steps} steps (theory {view.predicted[-1, slow]:.3g})."
    )
    figure = ready(theory_plots.direction_figure(view))
    return Step(
        "One factor per direction",
        text,
        figure,
        theory_plots.describe_direction_figure(view),
        run.link(directions=True),
    )


def _limit() -> Step:
    run = DescentSettings(SEED_SPEC, DIVERGING_LR)
    A = cached.matrix(run.spec)
    bounds = cached.bounds(run.spec)
    result = cached.descent(*run.args)
    factor = abs(1 - 2 * run.lr * bounds.sigma_max**2 / bounds.k**2)
    if result.diverged:
        outcome = f"the run diverges and stops at step {result.stopped_at}"
    else:
        outcome = f"the loss goes from {result.losses[0]:.3g} to {result.final_loss:.3g}"
    text = (
        f"The error along σ_max = {bounds.sigma_max:.4g} is multiplied by |1 − 2·lr·σ_max²/k²|, below 1 only while "
        f"lr < k²/σ_max² = {bounds.stable_below:.4g}. At lr {run.lr:g} that factor is {factor:.4g}: {outcome}."
    )
    figure = ready(theory_plots.rate_chart(A, lr=run.lr))
    return Step(
        "The learning-rate limit",
        text,
        figure,
        theory_plots.describe_rate_chart(A, lr=run.lr),
        run.link(directions=True),
    )


def _landscape() -> Step:
    run = DescentSettings(RANDOM4, _optimal(RANDOM4), steps=30, every=1)
    result = cached.descent(*run.args)
    A = cached.matrix(run.spec)
    land = g.landscape(A, result)
    bounds = cached.bounds(run.spec)
    q_slow = 1 - 2 * run.lr * land.sigma_slow**2 / land.k**2
    q_fast = 1 - 2 * run.lr * land.sigma_fast**2 / land.k**2
    flips = int(np.sum(np.sign(land.path_b[1:]) * np.sign(land.path_b[:-1]) < 0))
    text = (
        f"On the plane of the slowest (σ = {land.sigma_slow:.3g}) and the fastest direction (σ = "
        f"{land.sigma_fast:.3g}) of a random 4×4 matrix with κ = {bounds.condition_number:.3g}, the loss is a valley "
        f"{land.sigma_fast / land.sigma_slow:.3g} times longer than wide. At the optimal lr {run.lr:.4g} the factors "
        f"are {q_slow:.3f} and {q_fast:.3f}: the path shrinks at the same rate along both, crossing the valley "
        f"{flips} times in {run.steps} steps."
    )
    figure = ready(theory_plots.landscape_figure(land))
    return Step("The loss landscape", text, figure, theory_plots.describe_landscape(land), run.link(directions=True))


def _conditioning() -> Step:
    run = DescentSettings(ILL, _optimal(ILL), steps=2000, every=40, dtype="float64")
    result = cached.descent(*run.args)
    A = cached.matrix(run.spec, run.dtype)
    bounds = cached.bounds(run.spec)
    view = g.direction_view(A, result)
    kappa = bounds.condition_number
    per_step = (kappa**2 - 1) / (kappa**2 + 1)
    needed = g.steps_to_tolerance(A, lr=run.lr, tol=1e-6, X0=result.snapshots[0])
    need = f"the theory needs {needed:,} steps to reach a loss of 1e-6" if needed else "it never reaches 1e-6"
    text = (
        f"With κ = {kappa:.3g} (a random 8×8 matrix) even the best constant lr keeps (κ² − 1)/(κ² + 1) = "
        f"{per_step:.5f} of the slowest error each step. After {run.steps:,} steps in float64 the loss is still "
        f"{result.final_loss:.3g}; {need}."
    )
    figure = ready(theory_plots.direction_figure(view))
    return Step("Conditioning", text, figure, theory_plots.describe_direction_figure(view), run.link(directions=True))


def _stall() -> Step:
    run = DescentSettings(STALL, _optimal(STALL), steps=20000, every=400)
    result = cached.descent(*run.args)
    reference = cached.exact(run.spec, "float64").inverse
    as_64 = g.gd_inverse(cached.matrix(run.spec, "float64"), lr=run.lr, steps=run.steps, seed=run.seed,
                         record_every=run.every, init=run.init, max_snapshots=51)  # fmt: skip
    exact32 = cached.exact(run.spec, "float32").inverse.double()
    inv_error = float(torch.linalg.norm(exact32 - reference) / torch.linalg.norm(reference))
    kappa = cached.bounds(run.spec).condition_number
    error32, error64 = result.distance_to(reference), as_64.distance_to(reference)
    verdict = "stalls (the loss stops falling)" if result.stalled else "ends"
    text = (
        f"In float32, gradient descent on a random 8×8 matrix with κ = {kappa:.3g} {verdict} at a relative error of "
        f"{error32:.2g} after {run.steps:,} steps, {error32 / inv_error:.3g} times that of `torch.linalg.inv` in "
        f"float32 ({inv_error:.2g}). The same run in float64 reaches {error64:.2g}."
    )
    caption = (
        f"The float32 run's loss on a log scale, from {result.losses[0]:.3g} to {result.final_loss:.3g}; the "
        "theory, dashed, keeps falling where rounding stops the measured loss."
    )
    return Step("float32's stall", text, cached.descent_figures(*run.args)["loss"], caption, run.link())


def _race() -> Step:
    race = RACE
    rows = {row.method: row for row in cached.race_table(*race.race_args, race.tol)}
    bounds = cached.bounds(race.spec)

    def steps(method: str) -> str:
        value = rows[method].steps_to_tolerance
        return "never (in the run)" if value is None else f"{value:,}"

    text = (
        f"On a random 8×8 matrix with κ = {bounds.condition_number:.3g}, the loss stays below {race.tol:g} after "
        f"{steps('gd')} steps of plain descent, {steps('momentum')} with heavy-ball momentum, {steps('nesterov')} "
        f"with Nesterov's, and {steps('newton_schulz')} of Newton–Schulz, X ← X(2I − AX), whose error squares "
        "every step once it is below 1."
    )
    figure = cached.race_figures(*race.race_args)[0]
    caption = (
        f"Loss against step on a log scale for {', '.join(race.methods)} from the same start, each with its own "
        "colour and dash; " + "; ".join(f"{m}: final loss {rows[m].final_loss:.3g}" for m in race.methods) + "."
    )
    return Step("Momentum and Newton–Schulz", text, figure, caption, race.link())


def _indicator() -> Step:
    docs, words, p, seed = INDICATOR
    key = ("random", docs, words, p, seed)
    M = indicator_view.view(key).matrix
    stats = indicator_view.stats(key)
    ones = int(M.sum())
    empty = int((M.sum(dim=1) == 0).sum())
    rank = int(torch.linalg.matrix_rank(M.double()))
    text = (
        f"The notebook ends with a random {docs}×{words} indicator matrix: a 1 where word j occurs in document i, "
        f"with probability p = {p:g}. {ones} of its {M.numel()} entries are 1 (density {stats.density:.3g}), "
        f"{empty} documents contain none of the words, and its rank is {rank}."
    )
    caption = (
        f"Heatmap of the {docs}×{words} indicator matrix, documents as rows and words as columns; {ones} cells are 1."
    )
    return Step("The indicator matrix", text, indicator_view.figures(key)[0], caption, indicator_link(*INDICATOR))


def _pseudo_inverse() -> Step:
    docs, words, p, seed = INDICATOR
    M = indicator_view.view(("random", docs, words, p, seed)).matrix
    spec = MatrixSpec("text", text=g.format_matrix(M))
    run = DescentSettings(spec, _optimal(spec), steps=300, every=20, init="zeros")
    result = cached.descent(*run.args)
    bounds = cached.bounds(spec)
    name, distance = cached.distance(*run.args)  # the number the linked page shows
    if bounds.rank == words:
        exists = (
            f"it is not square, so it has no inverse, but its {words} columns are independent (rank {bounds.rank}): "
            f"a {words}×{docs} left inverse X with X @ M = I exists."
        )
    else:
        exists = f"it has rank {bounds.rank} < {words}: no X gives X @ M = I; the loss stops at {bounds.floor:.3g}."
    text = (
        f"The {docs}×{words} matrix: {exists} Gradient descent from X = 0 ends {distance:.3g} (relative) from "
        f"the {name} {'M⁺' if name == 'pseudo-inverse' else 'M⁻¹'} after {run.steps} steps, at a loss of "
        f"{result.final_loss:.2g}."
    )
    caption = (
        f"The loss of gradient descent from zeros on the {docs}×{words} indicator matrix, on a log scale, from "
        f"{result.losses[0]:.3g} to {result.final_loss:.3g}; the theory is dashed."
    )
    return Step("Its pseudo-inverse", text, cached.descent_figures(*run.args)["loss"], caption, run.link())


BUILDERS: tuple[Callable[[], Step], ...] = (
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


@cache
def step(number: int) -> Step:
    """Step ``number`` (1..COUNT) of the lecture, computed once per server."""
    if not 1 <= number <= COUNT:
        raise g.ParameterError(f"the lecture has steps 1 to {COUNT}, got {number}; pick one of them")
    return BUILDERS[number - 1]()


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
