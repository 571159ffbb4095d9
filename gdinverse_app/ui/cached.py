"""Cached computations and figures for the pages, keyed by plain arguments (a matrix spec and numbers).

Moving a display-only widget reruns a page but none of these. They use
``st.cache_resource``: every session gets the same object, never a copy. The
results (frozen dataclasses, tensors nobody writes to) and figures
(:class:`ReadyFigure`; projector mode restyles a copy) are never changed, so
sharing is safe — and cheaper than ``st.cache_data``, which unpickles every hit
while a class waits for the one Python process (benchmarks/load.py measures it).
``max_entries`` bounds the memory.

In front of each sits a small memo keyed by the exact arguments (:func:`exact_key`): Streamlit hashes every
argument of every call (a matrix spec field by field), and a page makes 10 to 25 such calls a rerun. A memo hit
returns the object Streamlit's cache returned for the same arguments; a miss (or an argument the memo cannot key)
goes to Streamlit's cache as before.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, ParamSpec, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.ui.spec import DescentArgs, MatrixSpec

P = ParamSpec("P")
R = TypeVar("R")

MEMO_ENTRIES = 32
"""Results each function's memo keeps (the most recently used); Streamlit's cache keeps 64 more behind it."""


class _Unkeyable(Exception):
    """An argument :func:`exact_key` does not key (the call goes to Streamlit's cache)."""


_FIELDS: dict[type, tuple[str, ...]] = {}
"""The field names of each frozen dataclass :func:`exact_key` has met."""


def exact_key(value: object) -> Hashable:
    """A key equal for two arguments only if every computation gives the same result for both: types count
    (1, 1.0 and True differ) and floats by their bits (0.0 and −0.0 differ, every NaN the same). Handles str,
    int, bool, float, None, tuples of these and frozen dataclasses of these (a matrix spec)."""
    kind = type(value)
    if kind is float:
        return (float, value.hex())  # type: ignore[attr-defined]
    if kind is str or kind is int or kind is bool or value is None:
        return (kind, value)
    if kind is tuple:
        return (tuple, tuple(exact_key(item) for item in value))  # type: ignore[attr-defined]
    names = _FIELDS.get(kind)
    if names is None:
        if not (dataclasses.is_dataclass(value) and kind.__dataclass_params__.frozen):  # type: ignore[attr-defined]
            raise _Unkeyable
        names = _FIELDS[kind] = tuple(field.name for field in dataclasses.fields(value))
    return (kind, tuple(exact_key(getattr(value, name)) for name in names))


def cache(func: Callable[P, R]) -> Callable[P, R]:
    """``st.cache_resource`` (64 entries, no spinner) behind a memo of the last :data:`MEMO_ENTRIES` results.

    A few kB an entry at the defaults, a few MB at the caps: 64 + 32 entries a function stay well under 1 GB.
    Exceptions are not kept (as in Streamlit's cache): a call that raised raises again, computing again.
    """
    shared = st.cache_resource(max_entries=64, show_spinner=False)(func)
    memo: OrderedDict[Hashable, Any] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(func)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            key = (exact_key(args), exact_key(tuple(sorted(kwargs.items()))))
        except _Unkeyable:
            return shared(*args, **kwargs)
        with lock:
            if key in memo:
                memo.move_to_end(key)
                return memo[key]
        value = shared(*args, **kwargs)
        with lock:
            memo[key] = value
            while len(memo) > MEMO_ENTRIES:
                memo.popitem(last=False)
        return value

    def clear() -> None:
        """Forget every result (both the memo and Streamlit's cache)."""
        with lock:
            memo.clear()
        shared.clear()

    cached.clear = clear  # type: ignore[attr-defined]
    return cached


_progress: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar("progress", default=None)


@contextlib.contextmanager
def progress(text: str) -> Iterator[None]:
    """Show a progress bar while a run inside this block computes (nothing shows on a cache hit).

    The bar is updated in the context copied here, outside the cached function, so
    Streamlit does not record the updates as part of the cached result.
    """
    outside = contextvars.copy_context()
    holder: list[Any] = []  # the bar, made at the first report: a cache hit sends nothing

    def report(done: int, total: int) -> None:
        if not holder:
            holder.append(outside.run(st.empty))
        outside.run(holder[0].progress, done / total, text=text)

    token = _progress.set(report)
    try:
        yield
    finally:
        _progress.reset(token)
        if holder:
            holder[0].empty()


class ReadyFigure(go.Figure):
    """A cached figure, drawn as it is on every rerun: its dict (what ``st.plotly_chart`` serialises) is made once.

    ``st.plotly_chart`` asks for ``figure.to_dict()`` on every call, which deep-copies the figure and walks it for
    arrays to encode: most of the work of drawing a cached figure again. Here ``to_dict`` returns the dict made
    when the figure was built. Cached figures are never changed (a restyled copy, ``go.Figure(figure)``, is a plain
    figure); one that was changed would still send its old dict.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sent = super().to_dict()

    def to_dict(self) -> dict[str, Any]:
        """The figure as a dict, arrays in plotly's base64 form; the same dict every call: do not change it."""
        return self._sent


def ready(figure: go.Figure) -> go.Figure:
    """The figure as a :class:`ReadyFigure`, its arrays already in plotly's base64 form (``st.plotly_chart``
    would convert a figure's numpy arrays on every call)."""
    return ReadyFigure(figure.to_dict())


def _report(done: int, total: int) -> None:
    callback = _progress.get()
    if callback is not None:
        callback(done, total)


# ---------------------------------------------------------------------------- matrices


@cache
def matrix(spec: MatrixSpec, dtype: str = "float32") -> torch.Tensor:
    """The matrix ``spec`` describes, in ``dtype``."""
    return spec.build(dtype)


@cache
def condition(spec: MatrixSpec) -> float:
    """κ of the matrix as entered (its float64 build): the one condition number every page shows."""
    return g.condition_number(matrix(spec, "float64"))


def condition_text(spec: MatrixSpec) -> str:
    """κ of the matrix as every page writes it (``g.format_condition``)."""
    return g.format_condition(condition(spec))


@cache
def exact(spec: MatrixSpec, dtype: str) -> g.ExactInverse:
    """``torch.linalg.inv`` in ``dtype`` of the matrix as entered (its κ is the one :func:`condition` gives)."""
    return g.exact_inverse(matrix(spec, "float64"), dtype=dtype)


@cache
def one_sided(spec: MatrixSpec, dtype: str = "float64") -> g.OneSidedInverse:
    """Which inverse the matrix has (inverse, left, right or only the pseudo-inverse), and that inverse."""
    return g.one_sided_inverse(matrix(spec, "float64"), dtype=dtype)


@cache
def pseudo_inverse(spec: MatrixSpec, dtype: str) -> torch.Tensor:
    return g.pseudo_inverse(matrix(spec, dtype))


@cache
def bounds(spec: MatrixSpec, dtype: str = "float32") -> g.LrBounds:
    """Learning rates and rates of convergence of plain descent in ``dtype`` on the matrix as entered (its κ is
    the one :func:`condition` gives)."""
    return g.lr_bounds(matrix(spec, "float64"), dtype=dtype)


@cache
def distance(
    spec: MatrixSpec, lr: float, steps: int, seed: int, record_every: int, init: str, dtype: str
) -> tuple[str, float]:
    """The reference's name and ‖X − reference‖ / ‖reference‖ of the final X of :func:`descent` with these
    arguments (computed once: small torch operations cost much more with hundreds of sessions at once)."""
    name, ref = reference(spec, dtype)
    return name, descent(spec, lr, steps, seed, record_every, init, dtype).distance_to(ref)


@cache
def reference(spec: MatrixSpec, dtype: str) -> tuple[str, torch.Tensor]:
    """What a learned X is compared with: the exact inverse if there is one, else the pseudo-inverse, of the matrix
    as entered (the one whose κ and rank the pages state), computed in float64 whatever the run's ``dtype``
    (float32's LU inverse of Hilbert 8 is 87% off the true one)."""
    return g.best_inverse(matrix(spec, "float64"), dtype="float64")


def error_scale(spec: MatrixSpec) -> tuple[float, float]:
    """The colour scale both precisions' error heatmaps share, (top, bottom): from float64's eps (white) to the
    larger measured max |M⁻¹ @ M − I| (at least 10·eps), so float32's lost digits show as colour."""
    floor = float(torch.finfo(torch.float64).eps)
    errors = []
    for dtype in ("float32", "float64"):
        try:
            errors.append(exact(spec, dtype).max_error)
        except g.GdInverseError:
            continue
    finite = [e for e in errors if e == e and e != float("inf")]
    return max([10 * floor, *finite]), floor


def _labels(labels: tuple[str, ...]) -> list[str] | None:
    return list(labels) if labels else None


@cache
def heatmap(spec: MatrixSpec, what: str, dtype: str = "float32") -> go.Figure:
    """A figure of the matrix ("M"); of its exact inverse in ``dtype`` ("inverse") and that inverse's error
    |inverse @ M − I| on a log colour scale ("error"); or of the inverse :func:`one_sided` finds ("one_sided")
    and its check, X @ M or M @ X ("one_sided_check"). The matrix's labels go on the matching axes."""
    rows, cols = _labels(spec.row_labels), _labels(spec.column_labels)
    if what == "M":
        M = matrix(spec)
        return ready(plots.heatmap(M, title=f"M ({M.shape[0]}×{M.shape[1]})", x_labels=cols, y_labels=rows))
    if what in ("inverse", "error"):
        result = exact(spec, dtype)
        name = "M⁻¹" if result.condition_resolved else "inv(M)"  # "M⁻¹" only where float64 can tell M has one
        if what == "inverse":
            title = f"{name} in {dtype}" + ("" if result.condition_resolved else ": not a trusted M⁻¹")
            return ready(plots.heatmap(result.inverse, title=title, x_labels=rows, y_labels=cols))
        top, floor = error_scale(spec)
        return ready(
            plots.error_heatmap(
                result.residual,
                title=f"|{name} @ M − I| in {dtype}",
                eps=floor,
                top=top,
                x_labels=cols,
                y_labels=cols,
            )
        )
    found = one_sided(spec)
    symbol = "M⁻¹" if found.kind == "inverse" else "M⁺"
    if what == "one_sided":
        X = found.inverse
        return ready(plots.heatmap(X, title=f"{symbol} ({X.shape[0]}×{X.shape[1]})", x_labels=rows, y_labels=cols))
    if found.kind == "right":
        return ready(plots.heatmap(found.product, title=f"M @ {symbol}", x_labels=rows, y_labels=rows))
    return ready(plots.heatmap(found.product, title=f"{symbol} @ M", x_labels=cols, y_labels=cols))


# ---------------------------------------------------------------------------- gradient descent


@cache
def descent(
    spec: MatrixSpec, lr: float, steps: int, seed: int, record_every: int, init: str, dtype: str
) -> g.DescentResult:
    """The gradient-descent run the page shows (at most 51 snapshots: the animation shows 50 frames).

    The matrix goes in as entered (its float64 build) and gdinverse casts it to ``dtype``, so that the run's κ is
    the one every page shows (:func:`condition`); the cast gives the same values as building it in ``dtype``.
    """
    return g.gd_inverse(
        matrix(spec, "float64"),
        lr=lr,
        steps=steps,
        seed=seed,
        record_every=record_every,
        init=init,
        dtype=dtype,
        max_snapshots=51,
        on_step=_report,
    )


@cache
def descent_figures(
    spec: MatrixSpec, lr: float, steps: int, seed: int, record_every: int, init: str, dtype: str
) -> dict[str, go.Figure]:
    """The loss curve (with the theory dashed), the residual grid and the residual animation of a run.

    After a divergence the theory is drawn only as far as the run went, and the grid and the animation show
    the recorded steps before the blow-up.
    """
    run = descent(spec, lr, steps, seed, record_every, init, dtype)
    theory = g.predicted_losses(matrix(spec, dtype), lr=lr, steps=run.losses.size - 1, X0=run.snapshots[0])
    return {
        "loss": ready(plots.loss_curve(run.losses, marks=list(run.snapshots), predicted=theory)),
        "grid": ready(plots.residual_grid(run, columns=2)),  # 2 a row: panels stay readable on a phone
        "animation": ready(plots.residual_animation(run)),
    }


@cache
def step_figures(args: DescentArgs, step: int) -> tuple[go.Figure, go.Figure, go.Figure]:
    """X at a recorded step, its error |X @ M − I| on a log scale, and the reference inverse, for a run of
    :func:`descent`."""
    run = descent(*args)
    name, inverse = reference(args[0], args[-1])
    eps = float(torch.finfo(run.matrix.dtype).eps)
    return (
        ready(plots.heatmap(run.snapshots[step], title=f"X at step {step}")),
        ready(plots.error_heatmap(run.residual(step), title=f"|X @ M − I| at step {step}", eps=eps)),
        ready(plots.heatmap(inverse, title=name)),
    )


# ---------------------------------------------------------------------------- compare


@cache
def race(
    spec: MatrixSpec, methods: tuple[str, ...], steps: int, seed: int, init: str, dtype: str, adam_lr: float
) -> dict[str, g.DescentResult]:
    """The optimizer race of the Compare page (every method's run from the same start), on the matrix as entered."""
    A = matrix(spec, "float64")
    done = iter(range(len(methods)))
    return g.race(
        A, methods, steps=steps, seed=seed, init=init, dtype=dtype, lrs={"adam": adam_lr},
        on_method=lambda _: _report(next(done), len(methods)),
    )  # fmt: skip


@cache
def race_figures(
    spec: MatrixSpec, methods: tuple[str, ...], steps: int, seed: int, init: str, dtype: str, adam_lr: float
) -> tuple[go.Figure, go.Figure]:
    """Loss against step and against wall-clock time for :func:`race` with the same arguments."""
    results = race(spec, methods, steps, seed, init, dtype, adam_lr)
    return (
        ready(plots.race_figure(results, x="step", title="Loss against step")),
        ready(plots.race_figure(results, x="time", title="Loss against wall-clock time")),
    )


def _beta(beta: float) -> str:
    """A momentum β at 7 digits, or as 1 − (1 − β) where 7 digits would round it to 1 (no damping, which it is not:
    Hilbert 8 in float64 gives 0.99999999998)."""
    text = f"{beta:.7g}"
    return f"1 − {1 - beta:.2g}" if text == "1" and beta != 1 else text


def _steps(row: g.RaceRow) -> str:
    """Steps to the tolerance: the count, "not settled" (it dipped below and climbed back), or "never"."""
    if row.steps_to_tolerance is not None:
        return f"{row.steps_to_tolerance:,}"
    return "never" if row.first_below is None else "not settled"


def _note(row: g.RaceRow) -> str:
    return "diverged" if row.diverged else "stalled (float32)" if row.stalled else "loss grew" if row.grew else ""


@cache
def race_table(
    spec: MatrixSpec, methods: tuple[str, ...], steps: int, seed: int, init: str, dtype: str, adam_lr: float, tol: float
) -> list[g.RaceRow]:
    """``g.race_table`` of :func:`race` at tolerance ``tol``, errors against the inverse of the matrix as entered
    (the one the Gradient descent page compares with)."""
    results = race(spec, methods, steps, seed, init, dtype, adam_lr)
    return g.race_table(results, tol=tol, matrix=matrix(spec, "float64"))


@cache
def race_rows(
    spec: MatrixSpec, methods: tuple[str, ...], steps: int, seed: int, init: str, dtype: str, adam_lr: float, tol: float
) -> list[dict[str, str]]:
    """The race table at tolerance ``tol``, one formatted row per method."""
    return [
        {
            "method": row.method,
            "lr": "—" if row.lr != row.lr else f"{row.lr:.4g}",
            "β": "—" if row.momentum is None else _beta(row.momentum),
            f"steps to {tol:g}": _steps(row),
            "first below": "never" if row.first_below is None else f"{row.first_below:,}",
            "ms to tol": "—" if row.milliseconds is None else f"{row.milliseconds:.1f}",
            "final loss": f"{row.final_loss:.3g}",
            "error vs inverse": f"{row.error:.3g}",
            "note": _note(row),
        }
        for row in race_table(spec, methods, steps, seed, init, dtype, adam_lr, tol)
    ]


@cache
def race_frame(
    spec: MatrixSpec, methods: tuple[str, ...], steps: int, seed: int, init: str, dtype: str, adam_lr: float, tol: float
) -> pd.DataFrame:
    """:func:`race_rows` as a data frame, built once per race and tolerance."""
    return pd.DataFrame(race_rows(spec, methods, steps, seed, init, dtype, adam_lr, tol))


@cache
def sweep(spec: MatrixSpec, count: int, steps: int, seed: int, init: str, dtype: str) -> g.LrSweep:
    """The learning-rate sweep of the Compare page, over the matrix's own range of learning rates."""
    A = matrix(spec, "float64")
    return g.lr_sweep(A, bounds(spec, dtype).grid(count).tolist(), steps=steps, seed=seed, init=init, dtype=dtype)


@cache
def sweep_figure(spec: MatrixSpec, count: int, steps: int, seed: int, init: str, dtype: str) -> go.Figure:
    """Final loss against lr for :func:`sweep` with the same arguments, with the theory and the two limits."""
    result = sweep(spec, count, steps, seed, init, dtype)
    return ready(plots.sweep_figure(result, bounds=bounds(spec, dtype), predicted=result.predicted))


@cache
def sweep_summary(spec: MatrixSpec, count: int, steps: int, seed: int, init: str, dtype: str) -> str:
    """One sentence on the sweep: the best measured lr against the theory's optimum and stable limit."""
    result, limits = sweep(spec, count, steps, seed, init, dtype), bounds(spec, dtype)
    diverged = int(result.diverged.sum())
    text = (
        f"Lowest final loss at lr **{result.best_lr:.4g}**; the theory's optimal lr is **{limits.optimal:.4g}** "
        f"and the stable limit **{limits.stable_below:.4g}**."
    )
    if not diverged:
        return text + " No run diverged."
    below = int((result.diverged & (result.lrs < limits.stable_below)).sum())
    where = "every one of them at or above the stable limit" if not below else f"{below} of them below the limit"
    return text + f" {diverged} of {result.lrs.size} runs diverged, {where}."
