"""Figures that move in the browser: a slider or buttons drawn in the figure itself, over frames computed here, so
dragging the slider or clicking a button redraws at once, with no round trip to a server (as distill's "Why
Momentum Really Works" redraws while the reader drags).

- :func:`lr_scrub`: the loss curve of a learning-rate sweep, measured and in theory, at the lr the slider picks.
- :func:`direction_scrub`: the error along each singular direction, one run per lr, at the lr the slider picks.
- :func:`rate_scrub`: what a step keeps of the error along σ_max and σ_min, against lr, at the lr the slider picks.
- :func:`path_scrub`: a run's path on its loss landscape, up to the step the slider picks.
- :func:`toggle`: buttons that show one group of a figure's traces at a time (a race's methods; float32, float64).

The title of a frame says what that frame shows, with its numbers: it changes with the slider. Each figure's text
alternative (``layout.meta["description"]``) says what the control does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .directions import DirectionView, Landscape
from .errors import ParameterError, check_choice, check_float
from .plots import TEMPLATE, THEORY_CUT, check_style, cut_at_floor, styled
from .spectrum import change_in_words, factor, step_share
from .style import DESK, INK, OKABE_ITO, Style, series_style
from .sweep import LrSweep
from .theory import LrBounds
from .theory_plots import landscape_figure, shown_directions

__all__ = ["MAX_POINTS", "direction_scrub", "lr_scrub", "path_scrub", "rate_scrub", "toggle"]

MAX_POINTS = 200
"""Most points a curve of a frame carries (a longer run is drawn at evenly spaced steps, its last one included)."""

_BLUE, _VERMILLION = OKABE_ITO[0], OKABE_ITO[1]
_SCRUB = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
"""Go to a frame at once, redrawn (its readout is a layout annotation, which only a redraw updates)."""
_LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "bottom", "yref": "container"}
"""At the figure's bottom, under the slider (above the plot the readout's lines change with the frame)."""
_MARGIN = {"l": 80, "r": 30, "b": 190}
"""Room below the plot for the axis, the slider and a row of legend (above it, :func:`_top_margin` makes room for
the readout); plotly takes more where the legend needs more rows (a phone)."""


def _slider(names: Sequence[str], labels: Sequence[str], active: int, what: str) -> dict[str, Any]:
    """A slider under the plot with one stop per frame; ``labels`` may be blank for most stops (the title says
    which stop is shown), ``what`` is read aloud by screen readers as the slider's name."""
    steps = [
        {"method": "animate", "label": label, "args": [[name], _SCRUB]}
        for name, label in zip(names, labels, strict=True)
    ]
    return {
        "active": active,
        "steps": steps,
        "currentvalue": {"visible": False},
        "x": 0.0,
        "len": 1.0,
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": 75, "b": 10},
        "name": what,
        "font": {"color": INK},
    }


def _labels(values: Iterable[float]) -> list[str]:
    """Slider labels with two significant digits (plotly leaves out the ones that would overlap)."""
    return [f"{value:.2g}" for value in values]


def _thinned(steps: int) -> np.ndarray:
    """At most :data:`MAX_POINTS` evenly spaced steps from 0 to ``steps``, both included."""
    return np.unique(np.linspace(0, steps, min(steps + 1, MAX_POINTS)).round().astype(np.int64))


def _positive(values: np.ndarray) -> np.ndarray:
    """``values`` with what a log axis cannot draw (0, negative, inf, NaN) as gaps, in float32."""
    with np.errstate(over="ignore"):
        out = np.asarray(values, dtype=np.float64)
        out = np.where(np.isfinite(out) & (out > 0), out, np.nan)
        return out.astype(np.float32)


def _log_range(*arrays: np.ndarray, top_cap: float | None = None) -> list[float]:
    """A log axis range that holds every finite positive value of ``arrays`` (capped above at ``top_cap``)."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return [-1.0, 1.0]
    low, high = float(values.min()), float(values.max())
    if top_cap is not None:
        high = min(high, top_cap)
    low = min(low, high)
    return [math.log10(low) - 0.3, math.log10(high) + 0.3]


def _readout(lines: Sequence[str], style: Style | str) -> list[dict[str, Any]]:
    """A frame's readout, above the plot: what the frame shows, a short line each (plotly wraps no text, and a phone
    is narrow), at the style's title size. The layout's only annotation: a frame replaces it with its own."""
    size = check_style(style).title
    return [{"text": "<br>".join(lines), "x": 0, "xref": "paper", "xanchor": "left", "y": 1, "yref": "paper",
             "yanchor": "bottom", "yshift": 12, "align": "left", "showarrow": False,
             "font": {"size": size, "color": INK}}]  # fmt: skip


def _said(lines: Sequence[str]) -> str:
    """A frame's title as one sentence, for the text alternative."""
    return ", ".join(lines)


def _top_margin(lines: int, style: Style | str) -> int:
    """Room above the plot for a readout of ``lines`` lines."""
    return int(20 + lines * 1.4 * check_style(style).title + 16)


def _figure(
    data: list[Any], frames: list[go.Frame], description: str, *, style: Style | str, **layout: Any
) -> go.Figure:
    lines = max(1 + str(frame.layout.annotations[0].text).count("<br>") for frame in frames)
    layout = {
        "template": TEMPLATE,
        "legend": _LEGEND,
        "margin": {**_MARGIN, "t": _top_margin(lines, style)},
        "meta": {"description": description},
        "height": 560,
        **layout,
    }
    return styled(go.Figure(data=data, frames=frames, layout=layout), style)


def _check(value: Any, kind: type, name: str) -> Any:
    if not isinstance(value, kind):
        raise ParameterError(f"{name} must be a gdinverse {kind.__name__}, got {type(value).__name__}")
    return value


# ---------------------------------------------------------------------------- the loss at each lr of a sweep


def _lr_words(lr: float, bounds: LrBounds | None) -> str:
    """``lr`` with what it is: "lr 0.4605 (optimal)", "lr 1.5 (over the stable limit 1)"."""
    text = f"lr {lr:.4g}"
    if bounds is None:
        return text
    if math.isclose(lr, bounds.optimal, rel_tol=1e-9):
        return text + " (the optimal lr)"
    if lr >= bounds.stable_below:
        return text + f" (at or over the stable limit {bounds.written[1]})"
    return text


def lr_scrub(
    sweep: LrSweep,
    *,
    lr: float | None = None,
    bounds: LrBounds | None = None,
    floor: float | None = None,
    style: Style | str = DESK,
) -> go.Figure:
    """The loss against the step (log axis) at each learning rate of ``sweep`` (:func:`gdinverse.lr_sweep`): the
    measured curve solid, the theory dashed (float64, exact arithmetic from the same start), and a slider under the
    plot that picks the lr; the title says what that run did. The slider starts at ``lr`` (the sweep's nearest) or,
    without one, at the best run. ``bounds`` (the sweep's matrix's :class:`LrBounds`) names the optimal lr and the
    stable limit on the slider; ``floor`` (the run's precision floor, :func:`gdinverse.plots.noise_floor`) cuts the
    theory where it falls below what the run's precision can show."""
    sweep = _check(sweep, LrSweep, "sweep")
    lrs = sweep.lrs
    if lr is not None:
        lr = check_float("lr", lr, low=0.0, low_open=True)
    if floor is not None:
        floor = check_float("floor", floor, low=0.0, low_open=True)
    active = int(np.argmin(np.abs(np.log(lrs) - math.log(lr)))) if lr is not None else _best(sweep)
    steps = _thinned(sweep.steps)
    measured = sweep.losses[steps]
    theory, cut = cut_at_floor(np.array(sweep.predicted_losses[steps]), floor)
    start = float(np.nanmax(sweep.losses[0]))
    y_range = _log_range(measured, theory, np.array([floor or start]), top_cap=start * 1e3)

    def traces(i: int) -> list[go.Scatter]:  # the steps are the same in every frame: only the first carries them
        return [go.Scatter(y=_positive(measured[:, i])), go.Scatter(y=_positive(theory[:, i]))]

    def title(i: int) -> tuple[str, ...]:
        return _lr_words(float(lrs[i]), bounds), _outcome(sweep, i)

    names = [f"lr{i}" for i in range(lrs.size)]
    frames = [
        go.Frame(name=names[i], data=traces(i), traces=[0, 1], layout={"annotations": _readout(title(i), style)})
        for i in range(lrs.size)
    ]
    first = traces(active)
    for trace in first:
        trace.x = steps.astype(np.int32)
    first[0].update(name="loss (measured)", mode="lines", line={"color": _BLUE, "width": 2.5})
    first[1].update(
        name=THEORY_CUT if cut else "theory (exact arithmetic)",
        mode="lines",
        line={"color": _VERMILLION, "dash": "dash", "width": 2},
    )
    description = (
        f"The loss against the step on a log scale for plain gradient descent at {lrs.size} learning rates from "
        f"{lrs[0]:.3g} to {lrs[-1]:.3g}, measured (solid) and in theory (dashed); a slider under the plot picks the "
        f"learning rate, and the title says what that run did. Shown first: {_said(title(active))}."
    )
    if floor is not None:
        description += f" The theory is cut below the run's precision floor {floor:.1e}."
    return _figure(
        first,
        frames,
        description,
        annotations=_readout(title(active), style),
        xaxis={"title": {"text": "step"}, "range": [0, sweep.steps]},
        yaxis={"title": {"text": "loss"}, "type": "log", "range": y_range, "exponentformat": "power"},
        sliders=[_slider(names, _labels(lrs), active, "learning rate")],
        style=style,
    )


def _best(sweep: LrSweep) -> int:
    finals = np.where(sweep.diverged, np.inf, sweep.final_losses)
    return int(np.argmin(finals)) if np.isfinite(finals).any() else 0


def _outcome(sweep: LrSweep, i: int) -> str:
    """What run ``i`` of the sweep did, in words with its numbers."""
    if sweep.diverged[i]:
        curve = sweep.losses[:, i]
        caught = int(np.flatnonzero(np.isfinite(curve))[-1])
        return f"diverges (stopped at step {caught:,})"
    final = float(sweep.final_losses[i])
    return (
        f"loss {final:.3g} after {sweep.steps:,} steps" if final > 0 else f"loss exactly 0 after {sweep.steps:,} steps"
    )


# ---------------------------------------------------------------------------- each direction's error at each lr


def direction_scrub(views: Sequence[DirectionView], *, active: int = 0, style: Style | str = DESK) -> go.Figure:
    """The error along each singular direction against the step (log axis), one :class:`DirectionView` per
    learning rate (runs of one matrix from one start: :func:`gdinverse.direction_view` of each), measured with
    markers and the theory dashed; a slider picks the run, and the title gives each direction's factor a step."""
    if not isinstance(views, Sequence) or not views:
        raise ParameterError("views must be a non-empty list of DirectionView, one per learning rate")
    views = [_check(view, DirectionView, "every view") for view in views]
    if not 0 <= active < len(views):
        raise ParameterError(f"active must be between 0 and {len(views) - 1}, got {active}")
    shown = shown_directions(views[0])
    if any(view.sigma.shape != views[0].sigma.shape for view in views):
        raise ParameterError("every view must be of the same matrix (the same singular values)")

    start = max(float(np.nanmax(view.measured[0])) for view in views)
    low = start * float(np.finfo(views[0].dtype).eps) ** 2  # below this a measured error is rounding: cut there

    def traces(view: DirectionView) -> list[go.Scatter]:
        out = []
        for i in shown:
            theory = np.where(view.theory[:, i] >= low, view.theory[:, i], np.nan)
            out.append(go.Scatter(x=view.steps, y=_positive(view.measured[:, i])))
            out.append(go.Scatter(x=view.theory_steps, y=_positive(theory)))
        return out

    def title(view: DirectionView) -> tuple[str, ...]:
        return f"lr {view.lr:.4g}", "factors a step: " + ", ".join(f"{1 - view.a[i]:.3g}" for i in shown)

    names = [f"run{j}" for j in range(len(views))]
    indexes = list(range(2 * len(shown)))
    frames = [
        go.Frame(name=names[j], data=traces(v), traces=indexes, layout={"annotations": _readout(title(v), style)})
        for j, v in enumerate(views)
    ]
    first = traces(views[active])
    for n, i in enumerate(shown):
        look = series_style(n)
        first[2 * n].update(
            name=f"σ = {views[0].sigma[i]:.4g}",
            mode="lines+markers",
            legendgroup=str(i),
            line={"color": look.color, "width": 2},
            marker={"symbol": look.marker, "size": 7},
        )
        first[2 * n + 1].update(
            name="theory",
            mode="lines",
            legendgroup=str(i),
            showlegend=n == 0,
            line={"color": look.color, "dash": "dash", "width": 1.5},
        )
    lrs = [view.lr for view in views]
    measured = np.concatenate([v.measured[:, shown].ravel() for v in views])
    description = (
        f"The error ‖(X @ M − I) vᵢ‖ along each of {len(shown)} singular directions against the step, on a log scale, "
        f"for plain gradient descent at {len(views)} learning rates from {min(lrs):.3g} to {max(lrs):.3g}: measured "
        "with markers, the theory dashed. A slider under the plot picks the learning rate; the title gives each "
        f"direction's factor a step, 1 − 2·lr·σ²/k². Shown first: {_said(title(views[active]))}. The theory is "
        f"cut below {low:.1e}, eps² of {views[0].dtype} times the largest starting error: under it rounding rules."
    )
    return _figure(
        first,
        frames,
        description,
        annotations=_readout(title(views[active]), style),
        xaxis={"title": {"text": "step"}},
        yaxis={
            "title": {"text": "‖(X M − I) vᵢ‖"},
            "type": "log",
            "range": _log_range(measured[measured >= low]),
            "exponentformat": "power",
        },
        sliders=[_slider(names, _labels(lrs), active, "learning rate")],
        style=style,
    )


# ---------------------------------------------------------------------------- the factor a step against lr


def rate_scrub(bounds: LrBounds, lrs: Sequence[float], *, active: int = 0, style: Style | str = DESK) -> go.Figure:
    """|1 − 2·lr·σ²/k²| against lr (log axis) for σ_max and σ_min of ``bounds``' matrix, a line at 1 (above it the
    error grows), and the lr of the slider's stop (one per ``lrs``) marked on both curves; the title says what a
    step does to each error there (:func:`gdinverse.spectrum.change_in_words`)."""
    bounds = _check(bounds, LrBounds, "bounds")
    values = np.array([check_float("every lr", lr, low=0.0, low_open=True) for lr in lrs])
    if values.size == 0 or not 0 <= active < values.size:
        raise ParameterError(f"lrs must be non-empty and active one of its indexes, got {values.size} lrs, {active}")
    sigmas = {"σ_max": bounds.sigma_max, "σ_min": bounds.resolved_sigma_min}
    grid = np.geomspace(min(values.min(), bounds.optimal) / 2, max(values.max(), bounds.stable_below) * 1.3, 400)
    curves = [
        go.Scatter(
            x=grid,
            y=np.abs(factor(grid, sigma, bounds.k)),
            mode="lines",
            name=f"{name} = {sigma:.4g}",
            line={"color": series_style(n).color, "dash": series_style(n).dash, "width": 2.5},
        )
        for n, (name, sigma) in enumerate(sigmas.items())
    ]
    one = go.Scatter(
        x=grid[[0, -1]],
        y=[1, 1],
        mode="lines",
        name="1: above it the error grows",
        line={"color": INK, "dash": "dot", "width": 1},
    )

    def marker(lr: float) -> go.Scatter:
        ys = [abs(float(factor(lr, sigma, bounds.k))) for sigma in sigmas.values()]
        return go.Scatter(x=[lr, lr], y=ys)

    def title(lr: float) -> tuple[str, ...]:
        words = [
            f"along {name} the error {change_in_words(float(step_share(lr, s, bounds.k)))}"
            for name, s in sigmas.items()
        ]
        return (f"lr {lr:.4g}", *words)

    names = [f"lr{i}" for i in range(values.size)]
    frames = [
        go.Frame(name=names[i], data=[marker(lr)], traces=[3], layout={"annotations": _readout(title(lr), style)})
        for i, lr in enumerate(values)
    ]
    first = marker(float(values[active]))
    first.update(
        name="the slider's lr",
        mode="markers",
        marker={"size": 14, "color": OKABE_ITO[4], "symbol": "diamond", "line": {"color": INK, "width": 1}},
    )
    top = float(max(1.2, min(3.0, max(float(np.max(c.y)) for c in curves) * 1.05)))
    description = (
        f"The factor a step keeps of the error, |1 − 2·lr·σ²/k²|, against the learning rate on a log axis, along "
        f"σ_max = {bounds.sigma_max:.4g} and σ_min = {bounds.resolved_sigma_min:.4g}, with a dotted line at 1. A "
        f"slider picks one of {values.size} learning rates from {values[0]:.3g} to {values[-1]:.3g} and marks it on "
        f"both curves; the title says what a step does there. Shown first: {_said(title(float(values[active])))}."
    )
    return _figure(
        [*curves, one, first],
        frames,
        description,
        annotations=_readout(title(float(values[active])), style),
        xaxis={
            "title": {"text": "learning rate"},
            "type": "log",
            "exponentformat": "power",
            "dtick": 1,  # decades only: plotly's 2…9 between them are unreadably small
            "range": [math.log10(grid[0]), math.log10(grid[-1])],
        },
        yaxis={"title": {"text": "factor a step"}, "range": [0, top]},
        sliders=[_slider(names, _labels(values), active, "learning rate")],
        style=style,
    )


# ---------------------------------------------------------------------------- a path, step by step


def path_scrub(land: Landscape, *, style: Style | str = DESK) -> go.Figure:
    """:func:`gdinverse.theory_plots.landscape_figure` with a slider over the run's recorded steps: the path drawn
    up to the slider's step, marked there, and the title giving the step and the point's coordinates."""
    land = _check(land, Landscape, "land")
    figure = landscape_figure(land, style=DESK)
    path = next(i for i, trace in enumerate(figure.data) if str(trace.name).startswith("path"))
    last = next(i for i, trace in enumerate(figure.data) if str(trace.name).startswith("last step"))
    keep = np.flatnonzero(np.isfinite(land.path_a) & np.isfinite(land.path_b))
    if keep.size == 0:
        raise ParameterError("the run's path has no finite point to draw")
    a, b, steps = land.path_a.astype(np.float32), land.path_b.astype(np.float32), land.steps

    def frame_data(j: int) -> list[go.Scatter]:
        upto = keep[: j + 1]
        point = keep[j]
        return [go.Scatter(x=a[upto], y=b[upto]), go.Scatter(x=a[[point]], y=b[[point]])]

    def title(j: int) -> tuple[str, ...]:
        point = keep[j]
        return (f"Step {int(steps[point]):,} of {int(steps[keep[-1]]):,}: a = {a[point]:.3g}, b = {b[point]:.3g}",)

    names = [f"step{j}" for j in range(keep.size)]
    frames = [
        go.Frame(
            name=names[j], data=frame_data(j), traces=[path, last], layout={"annotations": _readout(title(j), style)}
        )
        for j in range(keep.size)
    ]
    end = keep.size - 1
    data = list(figure.data)
    data[path] = go.Scatter(data[path]).update(x=frame_data(end)[0].x, y=frame_data(end)[0].y)
    data[last] = go.Scatter(data[last]).update(name="the slider's step")
    layout = figure.layout.to_plotly_json()
    layout.update(
        title={"text": ""},  # the readout says which step; the axis titles, which directions
        annotations=_readout(title(end), style),
        margin={**_MARGIN, "t": _top_margin(1, style)},
        legend=_LEGEND,
        height=620,
    )
    layout["meta"] = {
        "description": layout["meta"]["description"] + " A slider under the plot draws the path up "
        "to the step it picks; the title gives that step and the point."
    }
    layout["sliders"] = [_slider(names, [f"{int(s)}" for s in steps[keep]], end, "step")]
    return styled(go.Figure(data=data, frames=frames, layout=layout), style)


# ---------------------------------------------------------------------------- buttons over groups of traces


def toggle(figure: go.Figure, groups: Mapping[str, Sequence[str]], *, active: str) -> go.Figure:
    """``figure`` (left unchanged: a copy comes back) with a row of buttons above the plot, one per group: a group
    names the legend groups (else the trace names) it shows; traces in no group always show. Starts on ``active``."""
    if not isinstance(figure, go.Figure):
        raise ParameterError(f"figure must be a plotly Figure, got {type(figure).__name__}")
    if not groups:
        raise ParameterError("groups must name at least one group of traces")
    active = check_choice("active", active, list(groups))
    out = go.Figure(figure)
    keys = [trace.legendgroup or trace.name for trace in out.data]
    grouped = {key for members in groups.values() for key in members}
    missing = grouped - set(keys)
    if missing:
        raise ParameterError(f"no trace of the figure is named {sorted(missing)[0]!r}; name traces it has")

    def visible(label: str) -> list[bool]:
        return [key not in grouped or key in groups[label] for key in keys]

    buttons = [{"label": label, "method": "restyle", "args": [{"visible": visible(label)}]} for label in groups]
    out.update_traces(selector=lambda _: True, visible=True)
    for trace, shown in zip(out.data, visible(active), strict=True):
        trace.visible = shown
    margin = out.layout.margin
    out.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "buttons": buttons,
                "active": list(groups).index(active),
                "x": 0,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "bottom",
                "pad": {"b": 40},
                "showactive": True,
                "font": {"color": INK},
            }
        ],
        margin={"t": max(150, int(margin.t or 0))},
    )
    meta = dict(out.layout.meta or {})
    meta["description"] = (
        str(meta.get("description", ""))
        + " Buttons above the plot show "
        + ", ".join(f"“{label}”" for label in groups)
        + f"; “{active}” is shown first."
    ).strip()
    out.layout.meta = meta
    return out
