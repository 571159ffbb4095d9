"""Plotly figures of matrices, residuals, loss curves and learning-rate sweeps, shared by the app and notebooks.

Every function returns a ``plotly.graph_objects.Figure`` drawn with the small
:data:`TEMPLATE`. Matrices are heatmaps with row 1 at the top, square cells and
a diverging colour scale centred on 0 (positive red, negative blue); their
values are printed in the cells while the matrix is small enough to read them.
:func:`error_heatmap` shows an error such as X @ M − I as log10 |·| instead,
so that 1e-3 and 1e-7 get different colours. Curves use :mod:`gdinverse.style`:
the Okabe–Ito palette, and a dash or marker of their own for every series, so
figures read without colour too. Legends sit below the plot, never over data.
Every figure carries a one-paragraph text alternative with its real numbers
(:func:`text_alternative`). Data go into figures as numpy float32 arrays, which
plotly sends as compact binary, and no figure carries more than
:data:`PAYLOAD_BUDGET` bytes of matrix data: long loss curves are thinned and
big animations get fewer frames.
"""

from __future__ import annotations

import copy
import functools
import html
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, overload

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from .descent import DescentResult
from .errors import GdInverseError, ParameterError, check_choice, check_float, check_int
from .style import DESK, INK, METHOD_STYLES, OKABE_ITO, STYLES, Style, series_style
from .sweep import LrSweep
from .theory import LrBounds, residual

__all__ = [
    "DIVERGING",
    "MAX_LINE_POINTS",
    "PAYLOAD_BUDGET",
    "SEQUENTIAL",
    "TEMPLATE",
    "VALUES_UP_TO",
    "counts_figure",
    "error_heatmap",
    "heatmap",
    "indicator_heatmap",
    "loss_curve",
    "noise_floor",
    "race_figure",
    "residual_animation",
    "residual_grid",
    "styled",
    "sweep_figure",
    "text_alternative",
]

_AXIS = {"gridcolor": "#ebebeb", "linecolor": "#999999", "zeroline": False, "ticks": "outside", "automargin": True}
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13, "color": INK},
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

SEQUENTIAL = [[0.0, "#f7f7f7"], [0.25, "#fdd49e"], [0.5, "#fc8d59"], [0.75, "#d7301f"], [1.0, "#5a0000"]]
"""Near-white for the smallest magnitude to dark red for the largest (ColorBrewer OrRd): :func:`error_heatmap`."""

LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "bottom", "yref": "container"}
"""Where every legend goes: at the bottom of the figure, under the plot and its axis title, so it never covers a
curve (figures with a legend keep a bottom margin for it)."""

PAYLOAD_BUDGET = 5_000_000
"""Most bytes of matrix data one figure carries, so that a page's figure stays under 6 MB."""

MAX_LINE_POINTS = 2_000
"""Longer loss curves are thinned to about this many points, keeping each stretch's highest and lowest."""

VALUES_UP_TO = 12
"""Matrices with at most this many rows and columns get their values printed in the cells."""

_TINY = 1e-30
_LIGHT, _DARK = "#eef1f6", "#23407a"
_BLUE, _VERMILLION, _GREEN = OKABE_ITO[:3]


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


@overload
def _labels(labels: Sequence[Any], count: int, name: str) -> list[str]: ...
@overload
def _labels(labels: Sequence[Any] | None, count: int, name: str) -> list[str] | None: ...
def _labels(labels: Sequence[Any] | None, count: int, name: str) -> list[str] | None:
    """``labels`` as ``count`` distinct strings (repeats get " (2)", " (3)", …), or None; "<", ">" and "&" escaped,
    so that plotly shows a label as typed (it would draw "<b>x</b>" bold and "<a href=…>" as a link)."""
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
    return [html.escape(label, quote=False) for label in distinct]


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
    return _float32(residual(X, result.matrix))


def _residual_cells(result: DescentResult) -> int:
    """Number of entries of the run's k × k residual."""
    return next(iter(result.snapshots.values())).shape[0] ** 2


def _figure(
    data: Sequence[Any] = (),
    frames: Sequence[Any] | None = None,
    *,
    alt: str = "",
    style: Style | str = DESK,
    **layout: Any,
) -> go.Figure:
    """A figure of ``data`` with :data:`TEMPLATE` and ``layout``, built (and checked by plotly) in one go, at the
    sizes of ``style`` (:func:`styled`).

    ``alt`` is its text alternative, kept in ``layout.meta.description`` (see :func:`text_alternative`).
    """
    meta = {"meta": {"description": alt}} if alt else {}
    figure = go.Figure(data=list(data), layout={"template": TEMPLATE, **layout, **meta}, frames=frames)
    return styled(figure, style)


def check_style(style: Any) -> Style:
    """``style`` as a :class:`gdinverse.style.Style`: one, or its name ("desk", "phone", "projector", "slide")."""
    if isinstance(style, Style):
        return style
    if isinstance(style, str) and style in STYLES:
        return STYLES[style]
    raise ParameterError(
        f"style must be one of {', '.join(map(repr, STYLES))} or a gdinverse.style.Style, got {style!r:.40}"
    )


def _font(size: int, current: Any = None) -> dict[str, Any]:
    return {"size": max(size, int(current or 0)), "color": INK}


def styled(figure: go.Figure, style: Style | str = DESK) -> go.Figure:
    """``figure`` at the sizes of ``style``: for :data:`~gdinverse.style.DESK` as built; else its title, axis titles,
    ticks, legend, annotations and heatmap values at the style's font sizes (never smaller than built), log axes
    ticked at whole decades where they span at least two, cells tall enough for their values, and the figure
    ``style.height`` times as tall (with :data:`~gdinverse.style.SLIDE`: no height, the legend at the right).
    Every builder of this module calls it with its ``style`` argument."""
    style = check_style(style)
    if style == DESK:
        return figure
    layout = figure.layout
    layout.font = _font(style.axis, layout.font.size)
    layout.title.font = _font(style.title, layout.title.font.size)
    layout.legend.font = _font(style.tick, layout.legend.font.size)
    layout.hoverlabel.font.size = style.tick
    names = [name for name in layout.to_plotly_json() if name.startswith(("xaxis", "yaxis"))]
    for name in names:
        axis = layout[name]
        axis.tickfont = _font(style.tick, axis.tickfont.size)
        axis.title.font = _font(style.axis, axis.title.font.size)
        if name.startswith("yaxis") and axis.title.text:  # plotly measures 10⁻¹² narrower than it draws it
            axis.title.standoff = 16
            axis.automargin = True
    for annotation in layout.annotations:
        annotation.font = {"size": max(style.axis, int(annotation.font.size or 0)), "color": annotation.font.color}
    for shape in layout.shapes:
        if shape.label is not None and shape.label.text:
            shape.label.font = {
                "size": max(style.tick, int(shape.label.font.size or 0)),
                "color": shape.label.font.color,
            }
    for slider in layout.sliders:
        slider.font = _font(style.tick, slider.font.size)
        slider.currentvalue.font = _font(style.tick, slider.currentvalue.font.size)
    for menu in layout.updatemenus:
        menu.font = _font(style.tick, menu.font.size)
    for trace in figure.data:
        if trace.type in ("heatmap", "contour"):
            if trace.type == "heatmap":
                trace.textfont = {"size": style.cell}
            trace.colorbar.tickfont = _font(style.tick)
            trace.colorbar.title.font = _font(style.axis)
    for name in names:
        if layout[name].type == "log" and layout[name].dtick is None:
            span = _decades(figure, name)
            # whole decades only (plotly draws the 2 and 5 between them in a smaller font), where the data spans
            # at least two of them: a loss from 0.4433 to 0.4294 would be left with no tick at all
            if span is not None and span >= 2:
                layout[name].dtick = max(1, math.ceil(span / 8))
    margin = layout.margin
    if style.height is None:  # the page sizes the figure: a legend under the plot sits at the figure's bottom
        bottom = max(80, int(margin.b or 0))
        if layout.legend.orientation == "h" and (layout.legend.yref == "container" or (layout.legend.y or 0) < 0):
            layout.legend.update(LEGEND_BELOW)
            bottom = 110 + 30 * (_legend_rows(figure, style, width=1200) - 1)
        layout.margin = {"t": max(80, int(margin.t or 0)), "l": max(80, int(margin.l or 0)), "b": bottom,
                         "r": int(margin.r or 20)}  # fmt: skip
        layout.height = None
        layout.autosize = True
        return figure
    height = max(int((layout.height or 450) * style.height), _height_for_cell_values(figure, style))
    bottom = max(80, int(margin.b or 0))
    legend_below = layout.legend.orientation == "h" and (layout.legend.y is not None and layout.legend.y < 0)
    if legend_below:  # room for larger tick labels and the axis title, then the legend (up to two rows) below them
        bottom = max(bottom, 200)
        plot_height = height - max(80, int(margin.t or 0)) - bottom
        layout.legend.y = -110 / max(plot_height, 100)
    layout.margin = {"t": max(80, int(margin.t or 0)), "l": max(80, int(margin.l or 0)), "b": bottom,
                     "r": int(margin.r or 20)}  # fmt: skip
    layout.height = height
    return figure


def _legend_rows(figure: go.Figure, style: Style, *, width: int) -> int:
    """How many rows a horizontal legend takes in a figure ``width`` px wide: each entry its label (a character is
    about 0.55 of the font size wide) and 50 px of symbol and gap."""
    labels = [str(trace.name) for trace in figure.data if trace.name and trace.showlegend is not False]
    entries = [50 + 0.55 * style.tick * len(label) for label in labels]
    rows, used = 1, 0.0
    for entry in entries:
        if used and used + entry > width:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


CELL_PX = 56
"""Height of a heatmap cell that holds a value like −0.28 in the projector's cell font without overlap."""


def _cell_px(trace: Any, style: Style) -> int:
    """The cell size (cells are square) at which the trace's longest value fits in the style's cell font:
    :data:`CELL_PX` scaled to the font, or more for values like −2.02e+03 (a digit is about 0.55 of the font
    size wide)."""
    longest = max((len(str(text)) for row in (trace.text or ()) for text in row), default=0)
    return max(CELL_PX * style.cell // 16, math.ceil(0.55 * style.cell * longest) + 12)


def _height_for_cell_values(figure: go.Figure, style: Style) -> int:
    """The height at which every heatmap cell showing its value is big enough for it (:func:`_cell_px`): 120 px of
    title and margins plus, per row of panels, the tallest matrix's cells and 70 px of panel title and ticks. 0
    when no heatmap shows values. Capped at 2400 px."""
    rows: dict[tuple[float, ...], int] = {}
    for trace in figure.data:
        if trace.type != "heatmap" or not trace.texttemplate:
            continue
        z = trace.z
        n = len(z) if z is not None else 0
        axis = figure.layout["yaxis" + (trace.yaxis or "y")[1:]]
        domain = tuple(axis.domain) if axis.domain is not None else (0.0, 1.0)
        rows[domain] = max(rows.get(domain, 0), n * _cell_px(trace, style))
    if not rows:
        return 0
    return min(2400, 120 + sum(height + 70 for height in rows.values()))


def _decades(figure: go.Figure, axis: str) -> float | None:
    """How many decades the positive data on log axis ``axis`` ("xaxis", "yaxis2", …) spans, or None if unknown."""
    if figure.layout[axis].range is not None:
        low, high = figure.layout[axis].range
        return abs(float(high) - float(low))
    letter, number = axis[0], axis[5:]
    values = []
    for trace in figure.data:
        if (getattr(trace, f"{letter}axis", None) or letter) == f"{letter}{number}":
            data = getattr(trace, letter, None)
            if data is not None:
                try:
                    array = np.asarray(data, dtype=np.float64).ravel()
                except (TypeError, ValueError):
                    continue
                values.append(array[np.isfinite(array) & (array > 0)])
    values = [v for v in values if v.size]
    if not values:
        return None
    joined = np.concatenate(values)
    return float(np.log10(joined.max() / joined.min()))


def text_alternative(figure: Any) -> str:
    """A one-paragraph description of a figure of this module, with its numbers: for a caption or a screen reader.

    Every figure here keeps it in ``layout.meta.description``. Takes the figure (or its ``to_dict()``); figures
    without one get a generic sentence naming their title.
    """
    layout = figure.get("layout", {}) if isinstance(figure, dict) else figure.to_plotly_json().get("layout", {})
    meta = layout.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("description"), str):
        return meta["description"]
    title = (layout.get("title") or {}).get("text") or "untitled"
    return f"A chart titled {title!r}; no text alternative was recorded for it."


def _g(x: float, digits: int = 3) -> str:
    """A number at ``digits`` significant digits, or "∞"/"NaN"."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("∞" if x > 0 else "−∞")
    return f"{x + 0.0:.{digits}g}"  # + 0.0 turns −0.0 into 0: a range "from -0" reads as a negative number


def _shape(Z: np.ndarray) -> str:
    return f"{Z.shape[0]}×{Z.shape[1]}"


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
        **_unit_cells(x_labels, y_labels),
        xaxis="x" + axes,
        yaxis="y" + axes,
        zmin=-zmax,
        zmax=zmax,
        zmid=0,
        colorscale=DIVERGING if colorscale is None else colorscale,
        showscale=showscale,
        colorbar={"thickness": 12, "outlinewidth": 0, "exponentformat": "e"},  # 4e+09 as in the cells, not 4B
        xgap=1 if small else None,
        ygap=1 if small else None,
        text=_cell_text(Z) if show_values else None,
        texttemplate="%{text}" if show_values else None,
        hovertemplate="row %{y}, column %{x}: %{z:.4g}<extra></extra>",
    )


def _unit_cells(x_labels: Any, y_labels: Any) -> dict[str, Any]:
    """Heatmap cells at x = 1, 2, … and y = 1, 2, … along an axis that has no labels."""
    return {
        "x0": 1 if x_labels is None else None,
        "dx": 1 if x_labels is None else None,
        "y0": 1 if y_labels is None else None,
        "dy": 1 if y_labels is None else None,
    }


def _cell_text(Z: np.ndarray) -> list[list[str]]:
    """Each value at 2 decimals as the seed notebook printed them ("{0:0.2f}", so −0.001 is "-0.00").

    Matrices with entries of 1000 or more get 3 significant digits instead (1.2e+04), which fit a cell.
    """
    big = bool(np.any(np.abs(Z[np.isfinite(Z)]) >= 1000))
    form = "{:.3g}" if big else "{:0.2f}"
    return [[form.format(x) if math.isfinite(x) else "" for x in row] for row in Z.tolist()]


def _matrix_axes(
    shape: tuple[int, ...], *, labelled: tuple[bool, bool] = (False, False), square: bool = True, axes: str = ""
) -> dict[str, Any]:
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
    style: Style | str = DESK,
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
    title = _text("title", title)
    finite = np.abs(Z[np.isfinite(Z)])
    largest = f"the largest |entry| is {_g(float(finite.max()))}" if finite.size else "no entry is finite"
    blank = int((~np.isfinite(Z)).sum())
    alt = (
        f"Heatmap of {title or 'a matrix'}, {_shape(Z)}, row 1 at the top: blue for negative, white for 0, red for "
        f"positive, on a scale from −{_g(float(zmax))} to {_g(float(zmax))}; {largest}"
        + (f"; {blank} entries are not finite and left blank." if blank else ".")
    )
    return _figure([trace], title={"text": title}, alt=alt, style=style, **axes)


def _powers(low: int, high: int) -> tuple[list[int], list[str]]:
    """Colour-bar ticks at the whole powers of ten from 10^low to 10^high, at most about 8 of them."""
    stride = max(1, math.ceil((high - low + 1) / 8))
    exponents = list(range(low, high + 1, stride))
    return exponents, [f"1e{e}" if e < -1 or e > 2 else f"{10.0**e:g}" for e in exponents]


def _eps_of(values: Any) -> float:
    """Machine epsilon of the values' precision: float64's for float64 data, float32's otherwise."""
    dtype = getattr(values, "dtype", None)
    wide = dtype in (torch.float64, np.float64) or (isinstance(dtype, np.dtype) and dtype == np.float64)
    return float(np.finfo(np.float64 if wide else np.float32).eps)


def error_heatmap(
    values: Any,
    *,
    title: str = "",
    eps: float | None = None,
    top: float | None = None,
    x_labels: Sequence[Any] | None = None,
    y_labels: Sequence[Any] | None = None,
    show_values: bool | None = None,
    style: Style | str = DESK,
) -> go.Figure:
    """An error matrix such as X @ M − I as log10 |value|: white at rounding level, dark red for the largest.

    A ±1 scale shows an error of 1e-3 and one of 1e-7 both as white; here each
    power of ten gets its own colour and the colour bar is labelled in powers of
    ten. The scale runs from ``eps`` (entries at or below it are rounding noise
    and show white; by default the machine epsilon of the values' precision,
    float32's 1.2e-7 unless they are float64) to ``top`` (by default the largest
    |value|, at least 10·eps; give the same ``top`` to several figures to compare
    them). Small matrices get |value| printed in the cells (e.g. "3e-04", "≤1.2e-07").
    Non-finite entries are left blank.
    """
    raw = _array(values, "values", ndim=2)
    eps = _eps_of(values) if eps is None else check_float("eps (the bottom of the scale)", eps, low=0.0, low_open=True)
    Z = np.abs(_float32(raw).astype(np.float64))
    _fitting(1, Z.size)
    finite = np.isfinite(Z)
    largest = float(Z[finite].max()) if finite.any() else 0.0
    if top is None:
        top = max(largest, 10 * eps)
    else:
        top = check_float("top (the top of the scale)", top, low=eps, low_open=True)
    low, high = math.log10(eps), math.log10(top)
    logs = np.where(finite, np.log10(np.maximum(Z, eps)), np.nan).astype(np.float32)
    rows, columns = Z.shape
    xs, ys = _labels(x_labels, columns, "x_labels"), _labels(y_labels, rows, "y_labels")
    values_shown = _show_values(show_values, Z.shape)
    text = None
    if values_shown:
        floor_text = f"≤{eps:.2g}"
        text = [
            [("" if not math.isfinite(v) else floor_text if v <= eps else f"{v:.0e}") for v in row]
            for row in Z.tolist()
        ]
    tickvals, ticktext = _powers(math.ceil(low - 1e-9), math.floor(high + 1e-9))
    small = max(Z.shape) <= 30
    trace = go.Heatmap(
        z=logs,
        x=xs,
        y=ys,
        **_unit_cells(xs, ys),
        zmin=low,
        zmax=high,
        colorscale=SEQUENTIAL,
        colorbar={
            "thickness": 12,
            "outlinewidth": 0,
            "tickvals": tickvals,
            "ticktext": ticktext,
        },
        xgap=1 if small else None,
        ygap=1 if small else None,
        text=text,
        texttemplate="%{text}" if values_shown else None,
        hovertemplate="row %{y}, column %{x}: |value| ≈ 10^%{z:.2f}<extra></extra>",
    )
    axes = _matrix_axes(Z.shape, labelled=(xs is not None, ys is not None))
    title = _text("title", title)
    where = ""
    if finite.any() and largest > 0:
        i, j = np.unravel_index(int(np.argmax(np.where(finite, Z, -1.0))), Z.shape)
        where = f" at row {i + 1}, column {j + 1}"
    below = int((finite & (Z <= eps)).sum())
    alt = (
        f"Heatmap of {title or 'the magnitude of an error matrix'}, {_shape(Z)}, on a log colour scale from "
        f"{eps:.1e} (white: rounding level) to {top:.1e} (dark red). The largest |entry| is {_g(largest, 2)}{where}; "
        f"{below} of {Z.size} entries are at or below {eps:.1e}."
    )
    return _figure([trace], title={"text": title}, alt=alt, style=style, **axes)


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
    style: Style | str = DESK,
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
            # row numbers only left of the first column: elsewhere they would crowd the panel to their left
            first_column = name.startswith("x") or i % columns == 0
            layout[name] |= axis | {"showticklabels": max(R.shape) <= 12 and first_column, "tickfont": {"size": 10}}
        layout["annotations"][i] |= {"text": f"step {step}", "font": {"size": 12}}
    for i in range(len(steps), rows * columns):  # the empty cells of the last row
        layout[f"xaxis{i + 1}"]["visible"] = layout[f"yaxis{i + 1}"]["visible"] = False
    largest = [float(np.nanmax(np.abs(np.where(np.isfinite(R), R, np.nan)), initial=0.0)) for R in residuals]
    alt = (
        f"{len(steps)} small heatmaps of the residual X @ M − I ({residuals.shape[1]}×{residuals.shape[2]}) at steps "
        f"{', '.join(map(str, steps))}, all on one colour scale from −{_g(zmax)} (blue) to {_g(zmax)} (red), white "
        f"for 0. The largest |entry| goes from {_g(largest[0])} at step {steps[0]} to {_g(largest[-1])} at step "
        f"{steps[-1]}."
    )
    return _figure(traces, title={"text": "Residual X @ M − I"}, height=70 + 190 * rows, alt=alt, style=style, **layout)


def _player(steps: Sequence[int]) -> dict[str, Any]:
    """Play/pause buttons and, on the row below them (so that neither covers the other on a phone), a slider over
    the frames named by ``steps``."""
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
        "pad": {"t": 30, "r": 10},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
        ],
    }
    slider = {
        "active": 0,
        "x": 0,
        "len": 1,
        "y": 0,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 75, "r": 10},
        "currentvalue": {"prefix": "step ", "font": {"color": INK}},
        # many step labels would overlap: hide them, the current value still shows the step
        "font": {"color": "rgba(0,0,0,0)"} if len(steps) > 12 else {},
        "steps": [{"label": str(step), "method": "animate", "args": [[str(step)], still]} for step in steps],
    }
    return {"updatemenus": [buttons], "sliders": [slider]}


def residual_animation(
    result: DescentResult, *, max_frames: int = 50, show_values: bool | None = None, style: Style | str = DESK
) -> go.Figure:
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
    alt = (
        f"An animation of the residual X @ M − I ({_shape(first)}) over {len(steps)} recorded steps, from step "
        f"{steps[0]} to step {steps[-1]}, on one fixed colour scale from −{_g(zmax)} (blue) to {_g(zmax)} (red); "
        "Play runs it and the slider picks a step."
    )
    return _figure(
        [trace],
        frames=frames,
        title={"text": "Residual X @ M − I"},
        margin={"b": 175},
        alt=alt,
        style=style,
        **_matrix_axes(first.shape),
        **_player(steps),
    )


def indicator_heatmap(
    matrix: Any,
    *,
    row_labels: Sequence[Any] | None = None,
    column_labels: Sequence[Any] | None = None,
    title: str = "",
    style: Style | str = DESK,
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
    alt = (
        f"Heatmap of a {rows}×{columns} indicator matrix (documents × words): {int(Z.sum())} of {Z.size} cells are "
        f"1 (dark) and the rest 0 (light); {int((Z.sum(axis=1) == 0).sum())} documents hold none of the words."
    )
    return _figure([trace], title={"text": _text("title", title)}, alt=alt, style=style, **layout)


def _whole_step(largest: int, ticks: int = 8) -> int:
    """The tick step for counts up to ``largest``: the smallest of 1, 2, 5, 10, 20, 50, … giving at most
    ``ticks`` intervals."""
    step = 1
    while largest > ticks * step:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step


def counts_figure(
    counts: Any, labels: Sequence[Any], *, title: str = "", orientation: str = "h", style: Style | str = DESK
) -> go.Figure:
    """A bar per label of ``counts`` (e.g. words per document), horizontal bars from the top by default."""
    values = _array(counts, "counts", ndim=1)
    names = _labels(labels, values.size, "labels")
    orientation = check_choice("orientation", orientation, ("h", "v"))
    values = values.astype(np.int32) if values.dtype.kind in "biu" else _float32(values)
    category = {"type": "category", "showgrid": False}
    axis: dict[str, Any] = {}
    if values.dtype.kind in "iu":  # whole numbers only: plotly's ticks 0.5, 1.5 written ",d" read "0 1 1 2"
        axis = {"tickformat": ",d", "rangemode": "tozero", "tickmode": "linear", "tick0": 0}
        axis["dtick"] = _whole_step(int(values.max(initial=0)))
    if orientation == "h":
        bar = go.Bar(x=values, y=names, orientation="h", hovertemplate="%{y}: %{x}<extra></extra>")
        axes = {"yaxis": category | {"autorange": "reversed"}, "xaxis": axis}
    else:
        bar = go.Bar(x=names, y=values, hovertemplate="%{x}: %{y}<extra></extra>")
        axes = {"xaxis": category, "yaxis": axis}
    bar.marker.color = _DARK
    title = _text("title", title)
    pairs = ", ".join(f"{name} {_g(float(v), 4)}" for name, v in zip(names[:12], values[:12].tolist(), strict=True))
    alt = f"Bar chart{' of ' + title if title else ''}, one bar per label: {pairs}{', …' if len(names) > 12 else ''}."
    return _figure(
        [bar], title={"text": title}, bargap=0.2, alt=alt, style=style, xaxis=axes["xaxis"], yaxis=axes["yaxis"]
    )


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
    padded = np.full(stretch * math.ceil(n / stretch), np.nan)
    padded[:n] = y
    blocks = padded.reshape(-1, stretch)
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
    """Layout of a loss plot: titled axes, the loss on a log axis if ``log_y``, the legend under the plot."""
    return {
        "title": {"text": _text("title", title)},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": "loss"}, "type": "log" if log_y else "linear", "exponentformat": "power"},
        "hovermode": "x unified",
        "legend": LEGEND_BELOW,
        "margin": {"b": 110},
    }


def _single_point_range(values: np.ndarray, log_y: bool) -> dict[str, Any]:
    """A y range for a curve of one distinct value (plotly would draw an axis from 10⁻¹ to 10¹ around nothing)."""
    finite = values[np.isfinite(values)]
    if np.unique(finite).size >= 2 or finite.size == 0:
        return {}
    v = float(finite[0])
    y_range = [math.log10(v) - 2, math.log10(v) + 1] if log_y else [v - max(1.0, abs(v)), v + max(1.0, abs(v))]
    return {"yaxis": {"range": y_range}}


def loss_curve(
    losses: Any,
    *,
    marks: Iterable[int] | None = None,
    predicted: Any = None,
    title: str = "Loss",
    log_y: bool = True,
    marks_label: str = "recorded steps",
    style: Style | str = DESK,
) -> go.Figure:
    """The loss against the step (``losses[t]`` after t steps), on a log axis by default.

    ``marks`` are steps to mark with open circles (e.g. the recorded ones);
    ``predicted`` is the theory's curve, drawn dashed in another colour on top
    of the measured one, so both stay visible where they agree. On a log axis
    losses that are 0, negative or not finite are left out. Curves longer than
    :data:`MAX_LINE_POINTS` are thinned, keeping their ends, marks, highs and lows.
    A curve of one point gets a sane axis around it (two decades below, one above).
    """
    n = _array(losses, "losses", ndim=1).size
    mark_steps = _steps(() if marks is None else marks, "marks", high=n - 1)
    log_y, marks_label = _flag("log_y", log_y), _text("marks_label", marks_label)
    steps, values = _curve(losses, log=log_y, keep=mark_steps)
    few = steps.size <= 60
    traces = [
        go.Scatter(
            x=steps,
            y=values,
            mode="lines+markers" if few else "lines",
            name="loss (measured)",
            line={"color": _BLUE, "width": 3},
            marker={"symbol": "circle", "size": 5},
        )
    ]
    if mark_steps:
        at = np.isin(steps, mark_steps)
        traces.append(
            go.Scatter(
                x=steps[at],
                y=values[at],
                mode="markers",
                name=marks_label,
                marker={"symbol": "circle-open", "size": 10, "color": INK, "line": {"width": 1.5}},
            )
        )
    p_values = np.zeros(0, dtype=np.float32)
    if predicted is not None:
        p_steps, p_values = _curve(predicted, log=log_y, name="predicted")
        theory_line = {"dash": "dash", "color": _VERMILLION, "width": 2}
        traces.append(go.Scatter(x=p_steps, y=p_values, mode="lines", name="theory", line=theory_line))
    layout = _loss_layout(title=title, x_title="step", log_y=log_y)
    single = _single_point_range(np.concatenate([values, p_values]), log_y)
    if single:
        layout["yaxis"] = layout["yaxis"] | single["yaxis"]
        layout["xaxis"] = layout["xaxis"] | {"range": [-0.5, 10]}
    if steps.size:
        alt = (
            f"Line chart of the loss against the step{' on a log axis' if log_y else ''}: "
            f"{_g(float(values[0]), 4)} at step {int(steps[0])}"
        )
        if steps.size > 1:
            alt += f", {_g(float(values[-1]), 4)} at step {int(steps[-1])}"
    else:
        alt = "Line chart of the loss against the step: no loss can be drawn (none is finite and positive)"
    if p_values.size:
        alt += f"; the theory (dashed) predicts {_g(float(p_values[-1]), 4)} at step {int(p_steps[-1])}"
        if int(p_steps[-1]) < np.asarray(predicted).size - 1:
            alt += ", and values too small to draw after it"
    if n - 1 > (int(steps[-1]) if steps.size else -1):
        alt += f"; {n - 1 - (int(steps[-1]) if steps.size else -1)} later losses are not finite or not positive"
    return _figure(traces, alt=alt + ".", style=style, **layout)


def noise_floor(result: DescentResult) -> float:
    """The loss below which a run's loss is rounding noise: (eps·κ)², κ over the singular values the dtype resolves.

    An exact inverse rounded to the run's precision leaves residual entries of
    about eps·κ (``torch.linalg.inv`` typically 0.5·eps·κ), so a loss below
    (eps·κ)² — the mean of their squares — is not a measurement of progress.
    """
    result = _check_result(result)
    eps = torch.finfo(result.matrix.dtype).eps
    bounds = result.bounds  # the run's theory: resolved in its dtype, from the matrix as given
    return float((eps * bounds.sigma_max / bounds.resolved_sigma_min) ** 2)


def race_figure(
    results: Mapping[str, DescentResult], *, x: str = "step", title: str = "Loss by method", style: Style | str = DESK
) -> go.Figure:
    """One loss curve (log axis) per named run, against the step (``x="step"``) or seconds (``x="time"``).

    Each method has its own colour and dash (:data:`gdinverse.style.METHOD_STYLES`,
    else :func:`gdinverse.style.series_style`). Losses below the precision floor
    (:func:`noise_floor` of the first run) are rounding noise, not progress: a
    grey band marks that region "below float32's resolution" (or float64's), and
    the parts of the curves inside it are drawn thin and faded.
    """
    x = check_choice("x", x, ("step", "time"))
    if not isinstance(results, Mapping) or not results:
        raise ParameterError(
            f"results must be a non-empty dict of name -> DescentResult, got {results!r:.60}; "
            "run gdinverse.gd_inverse once per method and pass {name: result}"
        )
    checked = {name: _check_result(result) for name, result in results.items()}
    first = next(iter(checked.values()))
    try:
        floor = noise_floor(first)
    except GdInverseError:  # an all-zero matrix has no κ: no band
        floor = 0.0
    dtype = str(first.matrix.dtype).removeprefix("torch.")
    traces, lowest, finals = [], math.inf, []
    for i, (name, result) in enumerate(checked.items()):
        series = METHOD_STYLES.get(str(name), series_style(i))
        steps, values = _curve(result.losses, log=True)
        xs = steps if x == "step" else _float32(result.times[steps])
        label = f"{name} (diverged)" if result.diverged else str(name)
        # above the floor as data; inside it thin and faded (each kept where it meets the other, so the line joins)
        noise = values < floor
        above = np.where(~noise | np.roll(~noise, 1) | np.roll(~noise, -1), values, np.nan)
        line = {"color": series.color, "dash": series.dash, "width": 2.5}
        traces.append(go.Scatter(x=xs, y=above, mode="lines", name=label, line=line, legendgroup=str(name)))
        if noise.any():
            faint = np.where(noise | np.roll(noise, 1) | np.roll(noise, -1), values, np.nan)
            traces.append(
                go.Scatter(
                    x=xs,
                    y=faint,
                    mode="lines",
                    name=f"{name}: rounding noise",
                    showlegend=False,
                    legendgroup=str(name),
                    opacity=0.35,
                    line={"color": series.color, "dash": "dot", "width": 1},
                )
            )
        if values.size:
            lowest = min(lowest, float(values.min()))
        finals.append(f"{label} ends at {_g(float(result.losses[-1]))}")
    shapes = []
    if floor > 0 and lowest < floor:
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": min(lowest, floor) / 100,
                "y1": floor,
                "fillcolor": "rgba(140,140,140,0.18)",
                "line": {"width": 0},
                "layer": "below",
                "showlegend": True,
                "name": f"below {dtype}'s resolution: noise",
            }
        )
    layout = _loss_layout(title=title, x_title="step" if x == "step" else "seconds", log_y=True)
    alt = (
        f"Line chart of the loss (log axis) of {len(checked)} methods against "
        f"{'the step' if x == 'step' else 'wall-clock seconds'}: {'; '.join(finals)}."
    )
    if floor > 0:
        alt += f" Losses below {floor:.1e} are {dtype} rounding noise" + (
            ", shaded grey and drawn faint." if shapes else "; no curve reaches them."
        )
    return _figure(traces, alt=alt, shapes=shapes, style=style, **layout)


def _vertical_line(x: float, name: str, color: str, dash: str) -> dict[str, Any]:
    """A vertical line across the plot at data ``x``, named in the legend (labels on the plot would collide)."""
    return {
        "type": "line",
        "xref": "x",
        "yref": "y domain",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "dash": dash, "width": 2},
        "showlegend": True,
        "name": name,
    }


def sweep_figure(
    sweep: LrSweep, *, bounds: LrBounds | None = None, predicted: Any = None, style: Style | str = DESK
) -> go.Figure:
    """Final loss against learning rate (log-log) for a sweep; diverged runs are crosses along the top.

    The measured final losses are open circles; ``predicted`` (one final loss
    per lr, from theory) is a dashed line drawn over them, so it stays visible
    where the two agree. ``bounds`` adds vertical lines at the stable limit and
    the optimal lr, named with their values in the legend under the plot (the
    two are often close: 0.94 and 1 for diag(1, 2, 3, 4)).
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
    traces = [
        go.Scatter(
            x=lrs[shown],
            y=finals[shown],
            mode="markers",
            name="final loss (measured)",
            marker={"symbol": "circle-open", "size": 9, "color": _BLUE, "line": {"width": 2}},
            hovertemplate=hover,
        )
    ]
    if diverged.any():
        traces.append(
            go.Scatter(
                x=lrs[diverged],
                y=np.full(int(diverged.sum()), top, dtype=np.float32),
                mode="markers",
                name="diverged",
                marker={"symbol": "x", "color": _VERMILLION, "size": 9},
                hovertemplate="lr %{x:.4g}: diverged<extra></extra>",
            )
        )
    if theory is not None:
        fine = np.isfinite(theory) & (theory > 0)
        traces.append(  # last: drawn over the measured points
            go.Scatter(
                x=lrs[fine],
                y=theory[fine],
                mode="lines",
                name="theory",
                line={"dash": "dash", "color": INK, "width": 2},
                hovertemplate=hover,
            )
        )
    lines = []
    if bounds is not None:
        optimal, stable = bounds.written
        lines = [
            _vertical_line(bounds.optimal, f"optimal lr {optimal}", _GREEN, "dot"),
            _vertical_line(bounds.stable_below, f"stable limit {stable}", _VERMILLION, "dashdot"),
        ]
    best = f"lowest {_g(float(finals[shown].min()))} at lr {_g(float(lrs[shown][np.argmin(finals[shown])]), 4)}"
    alt = (
        f"Final loss after {sweep.steps} steps against the learning rate, both on log axes, for {lrs.size} learning "
        f"rates from {_g(float(lrs[0]))} to {_g(float(lrs[-1]))}: "
        + (best if shown.any() else "no run converged")
        + f"; {int(diverged.sum())} diverged (crosses along the top)."
    )
    if bounds is not None:
        alt += f" Vertical lines: the optimal lr {optimal} and the stable limit {stable}."
    if theory is not None:
        alt += " The dashed line is the theory's final loss."
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
        legend=LEGEND_BELOW,
        margin={"b": 110},
        shapes=lines,
        alt=alt,
        style=style,
    )
