"""Plotly figures of matrices, residuals, loss curves and learning-rate sweeps, shared by the app and notebooks.

Every function returns a ``plotly.graph_objects.Figure`` drawn with the small
:data:`TEMPLATE`. Matrices are heatmaps with row 1 at the top, square cells and
a diverging colour scale centred on 0 (positive red, negative blue); their
values are printed in the cells while the matrix is small enough to read them.
Data go into figures as numpy float32 arrays, which plotly sends as compact
binary, and no figure carries more than :data:`PAYLOAD_BUDGET` bytes of matrix
data: long loss curves are thinned and big animations get fewer frames.
"""

from __future__ import annotations

import copy
import functools
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from .descent import DescentResult
from .errors import ParameterError, check_choice, check_float, check_int
from .sweep import LrSweep
from .theory import LrBounds

__all__ = [
    "DIVERGING",
    "MAX_LINE_POINTS",
    "PAYLOAD_BUDGET",
    "TEMPLATE",
    "VALUES_UP_TO",
    "counts_figure",
    "heatmap",
    "indicator_heatmap",
    "loss_curve",
    "race_figure",
    "residual_animation",
    "residual_grid",
    "sweep_figure",
]

_AXIS = {"gridcolor": "#ebebeb", "linecolor": "#999999", "zeroline": False, "ticks": "outside", "automargin": True}
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13, "color": "#222222"},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "title": {"x": 0.02, "font": {"size": 16}},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
    }
)
"""The one small template every figure uses (plotly's default one is ~7 kB of every figure)."""

DIVERGING = [[0.0, "#2166ac"], [0.25, "#92c5de"], [0.5, "#f7f7f7"], [0.75, "#f4a582"], [1.0, "#b2182b"]]
"""Blue for negative, near-white for 0, red for positive (ColorBrewer RdBu, reversed)."""

PAYLOAD_BUDGET = 5_000_000
"""Most bytes of matrix data one figure carries, so that a page's figure stays under 6 MB."""

MAX_LINE_POINTS = 2_000
"""Longer loss curves are thinned to about this many points, keeping each stretch's highest and lowest."""

VALUES_UP_TO = 12
"""Matrices with at most this many rows and columns get their values printed in the cells."""

_TINY = 1e-30
_LIGHT, _DARK = "#eef1f6", "#23407a"


# ---------------------------------------------------------------------------- checks and conversions


def _numpy(values: torch.Tensor, name: str) -> np.ndarray:
    """A tensor as a numpy array: on the CPU, dense, and float32 if numpy has no such type (bfloat16)."""
    if values.is_meta:
        raise ParameterError(f"{name} is a meta tensor, which has a shape but no numbers; give a tensor of values")
    values = values.detach().cpu()
    values = values if values.layout == torch.strided else values.to_dense()
    if values.is_floating_point() and values.dtype not in (torch.float16, torch.float32, torch.float64):
        values = values.float()
    return values.numpy()


def _array(values: Any, name: str, ndim: int) -> np.ndarray:
    """``values`` (tensor, ndarray or nested lists of numbers) as a numpy array with ``ndim`` dimensions."""
    if isinstance(values, torch.Tensor):
        values = _numpy(values, name)
    try:
        array = np.asarray(values)
    except (ValueError, TypeError):
        raise ParameterError(
            f"{name} must be a rectangular array of numbers, but its rows differ in length or hold non-numbers; "
            "give a matrix such as [[1, 2], [3, 4]]"
        ) from None
    if array.dtype.kind not in "biuf":
        raise ParameterError(f"{name} must hold numbers, got {array.dtype.name} entries; give an array of numbers")
    if array.ndim != ndim or array.size == 0:
        shape = "rows × columns" if ndim == 2 else "one value per entry"
        raise ParameterError(
            f"{name} must be a non-empty {ndim}-D array ({shape}), got shape {array.shape}; "
            f"give {'a matrix such as [[1, 2], [3, 4]]' if ndim == 2 else 'a flat list such as [1.0, 0.5, 0.2]'}"
        )
    return array


def _float32(values: Any) -> np.ndarray:
    """``values`` as a float32 numpy array; entries beyond float32's range become ±inf."""
    if isinstance(values, torch.Tensor):
        values = _numpy(values, "values")
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=np.float32)


def _labels(labels: Sequence[Any] | None, count: int, name: str) -> list[str] | None:
    """``labels`` as ``count`` distinct strings (repeats get " (2)", " (3)", …), or None."""
    if labels is None:
        return None
    if isinstance(labels, str | bytes) or not isinstance(labels, Iterable) or getattr(labels, "ndim", 1) == 0:
        raise ParameterError(f"{name} must be a list of {count} labels, got {type(labels).__name__}")
    labels = [str(label) for label in labels]
    if len(labels) != count:
        raise ParameterError(f"{name} has {len(labels)} labels for {count} entries; give exactly {count}")
    seen: set[str] = set()
    distinct = []
    for label in labels:
        candidate, repeat = label, 1
        while candidate in seen:
            repeat += 1
            candidate = f"{label} ({repeat})"
        seen.add(candidate)
        distinct.append(candidate)
    return distinct


def _show_values(show_values: bool | None, shape: tuple[int, ...], up_to: int = VALUES_UP_TO) -> bool:
    """Whether to print the values in the cells: ``show_values``, or if None, whether both sides are <= up_to."""
    if show_values is None:
        return max(shape) <= up_to
    if not isinstance(show_values, bool | np.bool_):
        raise ParameterError(f"show_values must be None (automatic), True or False, got {show_values!r:.60}")
    return bool(show_values)


def _flag(name: str, value: Any) -> bool:
    """``value`` if it is True or False (numpy's too)."""
    if not isinstance(value, bool | np.bool_):
        raise ParameterError(f"{name} must be True or False, got {value!r:.60}")
    return bool(value)


def _text(name: str, value: Any) -> str:
    """``value`` if it is a string (a title or a name in the legend)."""
    if not isinstance(value, str):
        raise ParameterError(f"{name} must be text, got {type(value).__name__} {value!r:.40}")
    return value


def _colorscale(colorscale: Any) -> Any:
    """``colorscale`` if plotly takes it (None is :data:`DIVERGING`)."""
    if colorscale is None:
        return DIVERGING
    try:
        go.Heatmap(colorscale=colorscale)
    except ValueError:
        raise ParameterError(
            f"colorscale must be a plotly colour scale: a name such as 'RdBu' or a list of [position, colour] "
            f"pairs such as [[0, 'white'], [1, 'red']]; got {colorscale!r:.60}"
        ) from None
    return colorscale


def _symmetric_limit(values: np.ndarray) -> float:
    """The largest finite |value| (at least a tiny positive number, so that all zeros still have a scale)."""
    finite = np.abs(values[np.isfinite(values)])
    return max(_TINY, float(finite.max())) if finite.size else _TINY


def _fitting(wanted: int, cells: int, itemsize: int = 4) -> int:
    """How many of ``wanted`` matrices of ``cells`` entries fit in :data:`PAYLOAD_BUDGET` as base64."""
    each = math.ceil(cells * itemsize / 3) * 4
    fits = PAYLOAD_BUDGET // each
    if fits < 1:
        raise ParameterError(
            f"a matrix of {cells:,} entries is too big to draw ({each / 1e6:.1f} MB of data, the limit is "
            f"{PAYLOAD_BUDGET / 1e6:.0f} MB); draw a slice of it, such as M[:500, :500]"
        )
    return min(wanted, fits)


def _evenly(items: Sequence[int], count: int) -> list[int]:
    """At most ``count`` of ``items``, evenly spaced, always with the first and the last."""
    if len(items) <= count:
        return list(items)
    picks = np.linspace(0, len(items) - 1, count).round().astype(int)
    return [items[i] for i in picks]


def _steps(values: Iterable[Any], name: str, high: int | None = None) -> list[int]:
    """``values`` as sorted distinct whole numbers in [0, high] (numpy integers welcome)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable) or getattr(values, "ndim", 1) == 0:
        raise ParameterError(f"{name} must be a list of steps, got {values!r:.60}")
    whole = (int(v) if isinstance(v, numbers.Integral) else v for v in values)
    return sorted({check_int(f"every one of {name}", v, low=0, high=high) for v in whole})


def _check_result(result: Any) -> DescentResult:
    """``result`` if it is a DescentResult."""
    if not isinstance(result, DescentResult):
        raise ParameterError(
            f"expected a DescentResult, got {type(result).__name__}; pass what gdinverse.gd_inverse returns"
        )
    return result


def _residuals(result: DescentResult, steps: Sequence[int]) -> np.ndarray:
    """``result.residual(step)`` (X @ A − I) for each recorded step, as one float32 array: steps × k × k."""
    X = torch.stack([result.snapshots[step] for step in steps])
    return _float32(X @ result.matrix - torch.eye(X.shape[1], dtype=X.dtype, device=X.device))


def _residual_cells(result: DescentResult) -> int:
    """Number of entries of the run's k × k residual."""
    return next(iter(result.snapshots.values())).shape[0] ** 2


def _figure(data: Sequence[Any] = (), frames: Sequence[Any] | None = None, **layout: Any) -> go.Figure:
    """A figure of ``data`` with :data:`TEMPLATE` and ``layout``, built (and checked by plotly) in one go."""
    return go.Figure(data=list(data), layout={"template": TEMPLATE, **layout}, frames=frames)


# ---------------------------------------------------------------------------- matrices


def _matrix_trace(
    Z: np.ndarray,
    *,
    zmax: float,
    show_values: bool,
    x_labels: list[str] | None = None,
    y_labels: list[str] | None = None,
    colorscale: Any = None,
    showscale: bool = True,
    axes: str = "",
) -> go.Heatmap:
    """A heatmap of Z on the symmetric scale ±zmax, at x = 1..columns, y = 1..rows unless labelled."""
    small = max(Z.shape) <= 30
    return go.Heatmap(
        z=Z,
        x=x_labels,
        y=y_labels,
        x0=1 if x_labels is None else None,
        dx=1 if x_labels is None else None,
        y0=1 if y_labels is None else None,
        dy=1 if y_labels is None else None,
        xaxis="x" + axes,
        yaxis="y" + axes,
        zmin=-zmax,
        zmax=zmax,
        zmid=0,
        colorscale=DIVERGING if colorscale is None else colorscale,
        showscale=showscale,
        colorbar={"thickness": 12, "outlinewidth": 0},
        xgap=1 if small else None,
        ygap=1 if small else None,
        text=_cell_text(Z) if show_values else None,
        texttemplate="%{text}" if show_values else None,
        hovertemplate="row %{y}, column %{x}: %{z:.4g}<extra></extra>",
    )


def _cell_text(Z: np.ndarray) -> list[list[str]]:
    """Each value at 2 decimals as the seed notebook printed them ("{0:0.2f}", so −0.001 is "-0.00").

    Matrices with entries of 1000 or more get 3 significant digits instead (1.2e+04), which fit a cell.
    """
    big = bool(np.any(np.abs(Z[np.isfinite(Z)]) >= 1000))
    form = "{:.3g}" if big else "{:0.2f}"
    return [[form.format(x) if math.isfinite(x) else "" for x in row] for row in Z.tolist()]


def _matrix_axes(
    shape: tuple[int, ...], *, labelled: tuple[bool, bool] = (False, False), square: bool = True, axes: str = ""
) -> dict[str, dict[str, Any]]:
    """Layout of the x and y axes named by ``axes`` ("", "2", …) for a matrix: row 1 at the top, ticks 1..n."""
    rows, columns = shape
    plain = {"showgrid": False, "zeroline": False, "showline": False, "ticks": "", "constrain": "domain"}

    def ticks(count: int, is_labelled: bool) -> dict[str, Any]:
        if is_labelled:
            return {"type": "category"}
        return {"tickmode": "linear", "tick0": 1, "dtick": 1} if count <= 20 else {}

    x_axis = plain | ticks(columns, labelled[0])
    y_axis = plain | ticks(rows, labelled[1]) | {"autorange": "reversed", "constraintoward": "top"}
    if square:
        y_axis |= {"scaleanchor": "x" + axes, "scaleratio": 1}
    return {"xaxis" + axes: x_axis, "yaxis" + axes: y_axis}


def heatmap(
    M: Any,
    *,
    title: str = "",
    zmax: float | None = None,
    x_labels: Sequence[Any] | None = None,
    y_labels: Sequence[Any] | None = None,
    show_values: bool | None = None,
    colorscale: Any = None,
) -> go.Figure:
    """One matrix as a heatmap: row 1 at the top, square cells, 0 white, positive red, negative blue.

    The scale runs from −zmax to zmax: the matrix's largest |value| unless
    ``zmax`` is given (give the same zmax to several heatmaps to compare them).
    ``show_values`` prints each value with 2 decimals; by default only when both
    sides are at most 12. Non-finite entries are left blank.
    """
    Z = _float32(_array(M, "M", ndim=2))
    Z = np.where(np.isfinite(Z), Z, np.nan)
    _fitting(1, Z.size)
    if zmax is None:
        zmax = _symmetric_limit(Z)
    else:
        zmax = check_float("zmax (the top of the colour scale)", zmax, low=0.0, low_open=True)
    rows, columns = Z.shape
    xs, ys = _labels(x_labels, columns, "x_labels"), _labels(y_labels, rows, "y_labels")
    trace = _matrix_trace(
        Z,
        zmax=float(zmax),
        show_values=_show_values(show_values, Z.shape),
        x_labels=xs,
        y_labels=ys,
        colorscale=_colorscale(colorscale),
    )
    axes = _matrix_axes(Z.shape, labelled=(xs is not None, ys is not None))
    return _figure([trace], title={"text": _text("title", title)}, **axes)


@functools.lru_cache(maxsize=64)
def _grid_layout(rows: int, columns: int) -> dict[str, Any]:
    """make_subplots' layout (axis domains, title positions) of a rows × columns grid, computed once."""
    grid = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=["-"] * (rows * columns),
        horizontal_spacing=min(0.04, 0.5 / columns),
        vertical_spacing=min(0.16, 0.6 / rows),  # room for a panel's title under the tick labels above it
        figure=_figure(),
    )
    layout = grid.layout.to_plotly_json()
    del layout["template"]
    return layout


def residual_grid(
    result: DescentResult,
    *,
    steps: Sequence[int] | None = None,
    columns: int = 4,
    max_panels: int = 12,
    show_values: bool | None = None,
) -> go.Figure:
    """Small heatmaps of the residual X @ A − I at recorded steps of a run, on one shared colour scale.

    ``steps`` defaults to every recorded step; when there are more than
    ``max_panels`` (or than fit in :data:`PAYLOAD_BUDGET`), evenly spaced ones
    are shown, always the first and the last. Values are printed by default
    only when the residual is at most 5×5, since the panels are small.
    """
    recorded = sorted(_check_result(result).snapshots)
    columns = check_int("columns", columns, low=1, high=12)
    max_panels = check_int("max_panels", max_panels, low=2, high=100)
    if steps is None:
        steps = recorded
    else:
        steps = _steps(steps, "steps")
        missing = [step for step in steps if step not in result.snapshots]
        if not steps or missing:
            raise ParameterError(
                f"steps {missing or '[]'} were not recorded; choose among the recorded steps "
                f"{', '.join(map(str, recorded[:8]))}{', …' if len(recorded) > 8 else ''}"
            )
    steps = _evenly(steps, _fitting(max_panels, _residual_cells(result)))
    residuals = _residuals(result, steps)
    zmax = _symmetric_limit(residuals)
    values = _show_values(show_values, residuals.shape[1:], up_to=5)
    columns = min(columns, len(steps))
    rows = math.ceil(len(steps) / columns)
    layout = copy.deepcopy(_grid_layout(rows, columns))
    layout["annotations"] = layout["annotations"][: len(steps)]
    traces = []
    for i, (step, R) in enumerate(zip(steps, residuals, strict=True)):
        axes = "" if i == 0 else str(i + 1)
        traces.append(_matrix_trace(R, zmax=zmax, show_values=values, showscale=i == 0, axes=axes))
        for name, axis in _matrix_axes(R.shape, axes=axes).items():
            layout[name] |= axis | {"showticklabels": max(R.shape) <= 12}
        layout["annotations"][i] |= {"text": f"step {step}", "font": {"size": 12}}
    for i in range(len(steps), rows * columns):  # the empty cells of the last row
        layout[f"xaxis{i + 1}"]["visible"] = layout[f"yaxis{i + 1}"]["visible"] = False
    return _figure(traces, title={"text": "Residual X @ M − I"}, height=70 + 190 * rows, **layout)


def _player(steps: Sequence[int]) -> dict[str, Any]:
    """Play/pause buttons and a slider over the frames named by ``steps``."""
    still = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    play = {"frame": {"duration": 300, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}
    pause = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    buttons = {
        "type": "buttons",
        "direction": "left",
        "x": 0,
        "y": 0,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 35, "r": 10},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
        ],
    }
    slider = {
        "active": 0,
        "x": 0.2,
        "len": 0.8,
        "y": 0,
        "yanchor": "top",
        "pad": {"t": 35},
        "currentvalue": {"prefix": "step ", "font": {"color": "#222222"}},
        # many step labels would overlap: hide them, the current value still shows the step
        "font": {"color": "rgba(0,0,0,0)"} if len(steps) > 12 else {},
        "steps": [{"label": str(step), "method": "animate", "args": [[str(step)], still]} for step in steps],
    }
    return {"updatemenus": [buttons], "sliders": [slider]}


def residual_animation(result: DescentResult, *, max_frames: int = 50, show_values: bool | None = None) -> go.Figure:
    """The residual X @ A − I as one heatmap that plays through the recorded steps, with a slider to scrub.

    One frame per recorded step, named by the step; at most ``max_frames`` (and
    no more than fit in :data:`PAYLOAD_BUDGET`) evenly spaced ones, always the
    first and the last. All frames share one colour scale, ± the largest |value|.
    """
    recorded = sorted(_check_result(result).snapshots)
    max_frames = check_int("max_frames", max_frames, low=2, high=1000)
    cells = _residual_cells(result)
    steps = _evenly(recorded, _fitting(max_frames + 1, cells) - 1)  # + 1: the trace repeats the first frame
    if not steps:
        raise ParameterError(f"a residual of {cells:,} entries is too big to animate; use residual_grid")
    residuals = _residuals(result, steps)
    zmax = _symmetric_limit(residuals)
    first = residuals[0]
    trace = _matrix_trace(first, zmax=zmax, show_values=_show_values(show_values, first.shape))
    # plain dicts: the figure checks them once (go.Frame would check and copy each twice)
    values = _show_values(show_values, first.shape)
    frames = [
        {
            "name": str(step),
            "data": [{"type": "heatmap", "z": R} | ({"text": _cell_text(R)} if values else {})],
            "traces": [0],
        }
        for step, R in zip(steps, residuals, strict=True)
    ]
    return _figure(
        [trace],
        frames=frames,
        title={"text": "Residual X @ M − I"},
        margin={"b": 120},
        **_matrix_axes(first.shape),
        **_player(steps),
    )


def indicator_heatmap(
    matrix: Any,
    *,
    row_labels: Sequence[Any] | None = None,
    column_labels: Sequence[Any] | None = None,
    title: str = "",
) -> go.Figure:
    """A 0/1 documents × words matrix in two colours (0 light, 1 dark), row 1 at the top.

    Rows are labelled doc_1, doc_2, … and columns word_1, word_2, … unless
    labels are given; the 0s and 1s are printed when both sides are at most 30.
    """
    Z = _array(matrix, "matrix", ndim=2)
    wrong = (Z != 0) & (Z != 1)
    if wrong.any():
        i, j = (int(k) for k in np.argwhere(wrong)[0])
        raise ParameterError(
            f"an indicator matrix holds only 0 and 1, but row {i + 1}, column {j + 1} is {Z[i, j]}; "
            "use heatmap for other matrices"
        )
    Z = Z.astype(np.uint8)
    _fitting(1, Z.size, itemsize=1)
    rows, columns = Z.shape
    ys = _labels(row_labels, rows, "row_labels") or [f"doc_{i}" for i in range(1, rows + 1)]
    xs = _labels(column_labels, columns, "column_labels") or [f"word_{j}" for j in range(1, columns + 1)]
    small = max(Z.shape) <= 30
    trace = go.Heatmap(
        z=Z,
        x=xs,
        y=ys,
        zmin=0,
        zmax=1,
        colorscale=[[0.0, _LIGHT], [0.5, _LIGHT], [0.5, _DARK], [1.0, _DARK]],
        colorbar={"thickness": 12, "outlinewidth": 0, "tickvals": [0.25, 0.75], "ticktext": ["0", "1"]},
        xgap=1 if small else None,
        ygap=1 if small else None,
        texttemplate="%{z}" if small else None,
        hovertemplate="%{y}, %{x}: %{z}<extra></extra>",
    )
    layout = _matrix_axes(Z.shape, labelled=(True, True), square=False)
    return _figure([trace], title={"text": _text("title", title)}, **layout)


def counts_figure(counts: Any, labels: Sequence[Any], *, title: str = "", orientation: str = "h") -> go.Figure:
    """A bar per label of ``counts`` (e.g. words per document), horizontal bars from the top by default."""
    values = _array(counts, "counts", ndim=1)
    names = _labels(labels, values.size, "labels")
    orientation = check_choice("orientation", orientation, ("h", "v"))
    values = values.astype(np.int32) if values.dtype.kind in "biu" else _float32(values)
    category = {"type": "category", "showgrid": False}
    counts = {"tickformat": ",d", "rangemode": "tozero"} if values.dtype.kind in "iu" else {}
    if orientation == "h":
        bar = go.Bar(x=values, y=names, orientation="h", hovertemplate="%{y}: %{x}<extra></extra>")
        axes = {"yaxis": category | {"autorange": "reversed"}, "xaxis": counts}
    else:
        bar = go.Bar(x=names, y=values, hovertemplate="%{x}: %{y}<extra></extra>")
        axes = {"xaxis": category, "yaxis": counts}
    bar.marker.color = _DARK
    return _figure([bar], title={"text": _text("title", title)}, bargap=0.2, **axes)


# ---------------------------------------------------------------------------- curves


def _thin(y: np.ndarray, keep: Iterable[int] = (), limit: int = MAX_LINE_POINTS) -> np.ndarray:
    """Indices of at most about ``limit`` points of ``y`` (NaN = missing) that keep its shape.

    Short curves keep every point. Longer ones are cut into limit/2 stretches of
    which the lowest and the highest point are kept, and so are ``keep``, the
    first and the last point that is not missing.
    """
    n = y.size
    if n <= limit:
        return np.arange(n)
    present = np.flatnonzero(~np.isnan(y))
    ends = [present[0], present[-1]] if present.size else []
    stretch = math.ceil(n / max(1, limit // 2))
    blocks = np.full(stretch * math.ceil(n / stretch), np.nan)
    blocks[:n] = y
    blocks = blocks.reshape(-1, stretch)
    starts = np.arange(blocks.shape[0]) * stretch
    lowest = np.where(np.isnan(blocks), np.inf, blocks).argmin(axis=1) + starts
    highest = np.where(np.isnan(blocks), -np.inf, blocks).argmax(axis=1) + starts
    extra = np.array([k for k in (*keep, *ends) if 0 <= k < n], dtype=np.int64)
    return np.union1d(np.union1d(lowest, highest), extra)


def _curve(y: Any, *, log: bool, keep: Iterable[int] = (), name: str = "losses") -> tuple[np.ndarray, np.ndarray]:
    """(steps as int32, values as float32) of the drawable points of the 1-D curve ``y``, thinned.

    Non-finite values are left out, and on a log axis (``log``) so are values <= 0.
    """
    y = _float32(_array(y, name, ndim=1))
    drawable = np.isfinite(y) & (y > 0) if log else np.isfinite(y)
    steps = _thin(np.where(drawable, y, np.nan), keep)
    steps = steps[drawable[steps]]
    return steps.astype(np.int32), y[steps]


def _loss_layout(*, title: str, x_title: str, log_y: bool) -> dict[str, Any]:
    """Layout of a loss plot: titled axes, the loss on a log axis if ``log_y``."""
    return {
        "title": {"text": _text("title", title)},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": "loss"}, "type": "log" if log_y else "linear", "exponentformat": "power"},
        "hovermode": "x unified",
        "legend": {"yanchor": "top", "y": 1, "xanchor": "right", "x": 1},
    }


def loss_curve(
    losses: Any,
    *,
    marks: Iterable[int] | None = None,
    predicted: Any = None,
    title: str = "Loss",
    log_y: bool = True,
    marks_label: str = "recorded steps",
) -> go.Figure:
    """The loss against the step (``losses[t]`` after t steps), on a log axis by default.

    ``marks`` are steps to mark with dots (e.g. the recorded ones);
    ``predicted`` is the theory's curve, drawn dashed as "theory". On a log axis
    losses that are 0, negative or not finite are left out. Curves longer than
    :data:`MAX_LINE_POINTS` are thinned, keeping their ends, marks, highs and lows.
    """
    n = _array(losses, "losses", ndim=1).size
    mark_steps = _steps(() if marks is None else marks, "marks", high=n - 1)
    log_y, marks_label = _flag("log_y", log_y), _text("marks_label", marks_label)
    steps, values = _curve(losses, log=log_y, keep=mark_steps)
    traces = [go.Scatter(x=steps, y=values, mode="lines+markers" if steps.size <= 60 else "lines", name="loss")]
    if predicted is not None:
        p_steps, p_values = _curve(predicted, log=log_y, name="predicted")
        theory_line = {"dash": "dash", "color": "#888888"}
        traces.append(go.Scatter(x=p_steps, y=p_values, mode="lines", name="theory", line=theory_line))
    if mark_steps:
        at = np.isin(steps, mark_steps)
        traces.append(go.Scatter(x=steps[at], y=values[at], mode="markers", name=marks_label))
    return _figure(traces, **_loss_layout(title=title, x_title="step", log_y=log_y))


def race_figure(results: Mapping[str, DescentResult], *, x: str = "step", title: str = "Loss by method") -> go.Figure:
    """One loss curve (log axis) per named run, against the step (``x="step"``) or seconds (``x="time"``)."""
    x = check_choice("x", x, ("step", "time"))
    if not isinstance(results, Mapping) or not results:
        raise ParameterError(
            f"results must be a non-empty dict of name -> DescentResult, got {results!r:.60}; "
            "run gdinverse.gd_inverse once per method and pass {name: result}"
        )
    traces = []
    for name, result in results.items():
        steps, values = _curve(_check_result(result).losses, log=True)
        xs = steps if x == "step" else _float32(result.times[steps])
        label = f"{name} (diverged)" if result.diverged else str(name)
        traces.append(go.Scatter(x=xs, y=values, mode="lines", name=label))
    return _figure(traces, **_loss_layout(title=title, x_title="step" if x == "step" else "seconds", log_y=True))


def _vertical_line(x: float, text: str, color: str, at: str = "end") -> dict[str, Any]:
    """A dotted vertical line across the plot at data ``x``, labelled ``text`` at its top (``at="end"``)
    or bottom (``"start"``)."""
    return {
        "type": "line",
        "xref": "x",
        "yref": "y domain",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "dash": "dot", "width": 1.5},
        "label": {"text": text, "textposition": at, "font": {"color": color, "size": 12}},
    }


def sweep_figure(sweep: LrSweep, *, bounds: LrBounds | None = None, predicted: Any = None) -> go.Figure:
    """Final loss against learning rate (log-log) for a sweep; diverged runs are red crosses along the top.

    ``bounds`` adds vertical lines at the stable limit and the optimal lr;
    ``predicted`` (one final loss per lr, from theory) is drawn dashed as "theory".
    """
    if not isinstance(sweep, LrSweep):
        raise ParameterError(f"sweep must be an LrSweep (what gdinverse.sweep.lr_sweep returns), got {sweep!r:.60}")
    if bounds is not None and not isinstance(bounds, LrBounds):
        raise ParameterError(f"bounds must be an LrBounds (what gdinverse.lr_bounds returns) or None, got {bounds!r}")
    order = np.argsort(sweep.lrs)
    lrs, finals, diverged = _float32(sweep.lrs[order]), _float32(sweep.final_losses[order]), sweep.diverged[order]
    shown = ~diverged & np.isfinite(finals) & (finals > 0)
    theory = None
    if predicted is not None:
        theory = _float32(_array(predicted, "predicted", ndim=1))
        if theory.size != lrs.size:
            raise ParameterError(f"predicted has {theory.size} losses for {lrs.size} learning rates; give one each")
        theory = theory[order]
    # the y axis spans the converged runs (and the theory at their lrs); diverged runs sit just above
    drawn = finals[shown] if theory is None else np.concatenate([finals[shown], theory[shown]])
    drawn = drawn[np.isfinite(drawn) & (drawn > 0)]
    low, high = (float(drawn.min()), float(drawn.max())) if drawn.size else (0.1, 1.0)
    top = high * 10
    hover = "lr %{x:.4g}: %{y:.3g}<extra>%{fullData.name}</extra>"
    traces = [go.Scatter(x=lrs[shown], y=finals[shown], mode="lines+markers", name="final loss", hovertemplate=hover)]
    if theory is not None:
        fine = np.isfinite(theory) & (theory > 0)
        traces.append(
            go.Scatter(
                x=lrs[fine],
                y=theory[fine],
                mode="lines",
                name="theory",
                line={"dash": "dash", "color": "#888888"},
                hovertemplate=hover,
            )
        )
    if diverged.any():
        traces.append(
            go.Scatter(
                x=lrs[diverged],
                y=np.full(int(diverged.sum()), top, dtype=np.float32),
                mode="markers",
                name="diverged",
                marker={"symbol": "x", "color": "#d62728", "size": 9},
                hovertemplate="lr %{x:.4g}: diverged<extra></extra>",
            )
        )
    lines = []
    if bounds is not None:
        lines = [
            _vertical_line(bounds.stable_below, "stable limit", "#d62728"),
            _vertical_line(bounds.optimal, "optimal lr", "#2ca02c", at="start"),  # the two are often close
        ]
    return _figure(
        traces,
        title={"text": f"Final loss after {sweep.steps} steps"},
        xaxis={"type": "log", "title": {"text": "learning rate"}, "exponentformat": "power"},
        yaxis={
            "type": "log",
            "title": {"text": f"loss after {sweep.steps} steps"},
            "exponentformat": "power",
            "range": [math.log10(low) - 0.5, math.log10(top) + 0.5],
        },
        shapes=lines,
    )
