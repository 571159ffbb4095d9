"""Plotly figures of matrices, residuals, loss curves and learning-rate sweeps, shared by the app and notebooks.

Every function returns a ``plotly.graph_objects.Figure`` drawn with the small
:data:`TEMPLATE`. Matrices are heatmaps with row 1 at the top, square cells and
a diverging colour scale centred on 0 (positive red, negative blue); their
values are printed in the cells only where they are legible at the figure's
size (:func:`cell_font`), else the hover gives them. Two matrices to compare
get one colour scale. :func:`error_heatmap` shows an error such as X @ M − I
as log10 |·| instead, so that 1e-3 and 1e-7 get different colours, on a
sequential scale; a run's residual heatmaps switch to it where a signed scale
would leave the later steps white (:data:`LOG_DECADES`). Theory curves are
cut at the run's precision floor, exact zeros of a loss are marked along the
bottom of its log axis, and axes fit the data. Curves use :mod:`gdinverse.style`:
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

from .descent import DescentResult, GradientDescent
from .errors import GdInverseError, ParameterError, check_choice, check_float, check_int
from .style import DESK, INK, METHOD_STYLES, OKABE_ITO, STYLES, Style, series_style
from .sweep import LrSweep
from .theory import LrBounds, residual

__all__ = [
    "COLOURS",
    "DIVERGING",
    "LOG_DECADES",
    "MAX_LINE_POINTS",
    "PAYLOAD_BUDGET",
    "SEQUENTIAL",
    "TEMPLATE",
    "VALUES_UP_TO",
    "cell_box",
    "cell_font",
    "counts_figure",
    "decades_apart",
    "error_heatmap",
    "heatmap",
    "indicator_heatmap",
    "limit_marks",
    "log_colours",
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
    per_row: int = 1,
    fit_values: bool = True,
    **layout: Any,
) -> go.Figure:
    """A figure of ``data`` with :data:`TEMPLATE` and ``layout``, built (and checked by plotly) in one go, at the
    sizes of ``style`` as one of ``per_row`` figures side by side (:func:`styled`; ``fit_values``: cell values only
    where legible).

    ``alt`` is its text alternative, kept in ``layout.meta.description`` (see :func:`text_alternative`).
    """
    meta = {"meta": {"description": alt}} if alt else {}
    figure = go.Figure(data=list(data), layout={"template": TEMPLATE, **layout, **meta}, frames=frames)
    return styled(figure, style, per_row=per_row, fit_values=fit_values)


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


def styled(figure: go.Figure, style: Style | str = DESK, *, per_row: int = 1, fit_values: bool = True) -> go.Figure:
    """``figure`` at the sizes of ``style``: for :data:`~gdinverse.style.DESK` as built; else its title, axis titles,
    ticks, legend, annotations and heatmap values at the style's font sizes (never smaller than built), cells tall
    enough for their values, and the figure ``style.height`` times as tall (with :data:`~gdinverse.style.SLIDE`, no
    height: the page makes it as tall as the room it has, a legend under the plot at the figure's bottom). In every
    style, log axes are ticked at whole decades where they span at least two. Every builder of this module calls it
    with its ``style`` argument.

    With ``fit_values``, values printed in heatmap cells are kept only where they are legible in the figure as
    drawn ``per_row`` figures side by side (:meth:`Style.figure_width`): at least ``style.legible`` px, the size
    plotly fits them to at a desk, else the style's cell font (:func:`cell_font`); the hover still gives them.
    """
    style = check_style(style)
    per_row = check_int("per_row", per_row, low=1, high=12)
    if style != DESK:
        _restyle(figure, style, per_row)
    layout = figure.layout
    for name in [name for name in layout.to_plotly_json() if name.startswith(("xaxis", "yaxis"))]:
        if layout[name].type == "log" and layout[name].dtick is None:
            span = _decades(figure, name)
            # whole decades only (plotly draws the 2 and 5 between them in a smaller font, and on a phone runs them
            # into the decades: "10⁻³2"), where the data spans at least two of them: a loss from 0.4433 to 0.4294
            # would be left with no tick at all
            if span is not None and span >= 2:
                layout[name].dtick = max(1, math.ceil(span / 8))
    if fit_values:
        needed = _height_for_cell_values(figure, style, per_row)
        if style.height is not None and needed > (figure.layout.height or 450):  # a slide's height is the page's
            _grow(figure, needed)
        for trace in figure.data:
            if trace.type == "heatmap" and trace.texttemplate and cell_font(figure, trace, style, per_row) is None:
                trace.texttemplate = None
                trace.text = None  # the hover shows each value from z
    return figure


def _restyle(figure: go.Figure, style: Style, per_row: int) -> None:
    """The fonts, ticks, margins and height of ``style`` (not the desk's), in place."""
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
    margin = layout.margin
    if style.height is None:  # the page sizes the figure: a legend under the plot sits at the figure's bottom
        bottom = max(80, int(margin.b or 0))
        if layout.legend.orientation == "h" and (layout.legend.yref == "container" or (layout.legend.y or 0) < 0):
            layout.legend.update(LEGEND_BELOW)
            legend = 110 + 30 * (_legend_rows(figure, style, width=1200) - 1)
            bottom = max(legend, bottom) if layout.sliders else legend  # a slider keeps its room above the legend
        layout.margin = {"t": max(80, int(margin.t or 0)), "l": max(80, int(margin.l or 0)), "b": bottom,
                         "r": int(margin.r or 20)}  # fmt: skip
        layout.height = None
        layout.autosize = True
        return
    bottom = max(80, int(margin.b or 0))
    legend_below = layout.legend.orientation == "h" and (layout.legend.y is not None and layout.legend.y < 0)
    if legend_below:  # room for larger tick labels and the axis title, then the legend (up to two rows) below them
        bottom = max(bottom, 200)
    top = max(80, int(margin.t or 0))
    layout.margin = {"t": top, "l": max(80, int(margin.l or 0)), "b": bottom, "r": int(margin.r or 20)}
    layout.height = int((layout.height or 450) * style.height)
    if legend_below:
        layout.legend.y = -110 / max(layout.height - top - bottom, 100)


def _grow(figure: go.Figure, height: int) -> None:
    """Make ``figure`` ``height`` px tall, a legend under its plot kept 110 px under it."""
    layout = figure.layout
    layout.height = height
    if layout.legend.orientation == "h" and layout.legend.y is not None and layout.legend.y < 0:
        margin = _margins(figure)
        layout.legend.y = -110 / max(height - margin["t"] - margin["b"], 100)


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


CHAR_WIDTH = 0.65
"""The width plotly.js allows a character of a heatmap's cell text, as a fraction of its font size (half its line
height of 1.3), when it fits the text to the cells."""
LINE_HEIGHT = 1.3
"""Plotly.js's line height, as a fraction of the font size."""
DRAWN_WIDTH = 0.7
"""The width a character of cell text is given where a style sets its size, as a fraction of that size, plus
:data:`CELL_PADDING` px a cell: DejaVu Sans (the sans-serif of many Linux desktops) draws "3e+01" 0.67 em a
character, wider than the 0.65 em plotly.js assumes."""
CELL_PADDING = 4
_TEMPLATE_MARGIN = {"l": 60, "r": 20, "t": 50, "b": 50}


def _margins(figure: go.Figure) -> dict[str, int]:
    """The figure's margins in px (the template's where it sets none)."""
    margin = figure.layout.margin
    return {side: int(getattr(margin, side)) if getattr(margin, side) is not None else px
            for side, px in _TEMPLATE_MARGIN.items()}  # fmt: skip


def _colour_bar_px(figure: go.Figure) -> int:
    """The width the figure's colour bar and its labels take beside the plot (0 if it has none): 32 px of bar and
    padding, and 0.75 em a character of its longest label ("−1e+9" where plotly labels it, as written where the
    figure does: "1e-15")."""
    shown = [t for t in figure.data if t.type == "heatmap" and t.showscale is not False]
    if not shown:
        return 0
    trace = shown[0]
    tick = trace.colorbar.tickfont.size or figure.layout.font.size or 13
    if trace.colorbar.ticktext:
        longest = max(len(str(text)) for text in trace.colorbar.ticktext)
    else:  # plotly's own round ticks, e.g. −0.5 or −2e+12: about as long as −zmax at one digit
        top = max(abs(float(trace.zmin or 0)), abs(float(trace.zmax or 0)))
        longest = len(f"{-top:.1g}".replace("e+0", "e+").replace("e-0", "e-")) + (0 < top < 1)
    return 32 + math.ceil(0.75 * tick * longest)


def cell_box(figure: go.Figure, trace: Any, width: int, height: int | None = None) -> tuple[float, float]:
    """The width and height in px of one cell of heatmap ``trace`` in ``figure`` drawn ``width`` px wide (and
    ``height`` px tall, by default its own height): the plot area less the margins and the colour bar, the trace's
    share of it (its axes' domains), and square cells where its axes are tied."""
    layout = figure.layout
    margin = _margins(figure)
    plot_w = width - margin["l"] - margin["r"] - _colour_bar_px(figure)
    plot_h = (height or layout.height or 450) - margin["t"] - margin["b"]
    x_axis = layout["xaxis" + (trace.xaxis or "x")[1:]]
    y_axis = layout["yaxis" + (trace.yaxis or "y")[1:]]
    x0, x1 = x_axis.domain if x_axis.domain is not None else (0.0, 1.0)
    y0, y1 = y_axis.domain if y_axis.domain is not None else (0.0, 1.0)
    rows, columns = np.shape(trace.z)[:2]
    cell_w, cell_h = plot_w * (x1 - x0) / columns, plot_h * (y1 - y0) / rows
    if y_axis.scaleanchor:
        cell_w = cell_h = min(cell_w, cell_h)
    return cell_w, cell_h


def _longest(trace: Any) -> int:
    return max((len(str(text)) for row in (trace.text or ()) for text in row), default=0)


def _fitted_font(trace: Any, cell: tuple[float, float]) -> float:
    """The largest font plotly.js gives ``trace``'s cell text in cells of ``cell`` px (its rule when the text's size
    is left to it): the longest text within the cell's width, one line within its height."""
    longest = max(1, _longest(trace))
    width, height = cell[0] - (trace.xgap or 0), cell[1] - (trace.ygap or 0)
    return min(width / (longest * CHAR_WIDTH), height / LINE_HEIGHT)


def cell_font(figure: go.Figure, trace: Any, style: Style | str = DESK, per_row: int = 1) -> float | None:
    """The size in px at which heatmap ``trace``'s cell values are drawn on the narrowest screen of ``style``, as
    one of ``per_row`` figures side by side, or None if they would be smaller than ``style.legible`` there.

    At a desk plotly fits them to their cells (up to the figure's font size); other styles set their size (the
    style's cell font), which they keep only if the text fits the cells.
    """
    style = check_style(style)
    cell_w, cell_h = cell_box(figure, trace, style.figure_width(per_row))
    if trace.textfont.size is None:  # plotly's own size: the fitted one, at most the figure's font size
        fitted = _fitted_font(trace, (cell_w, cell_h))
        fits = min(math.floor(fitted), int(figure.layout.font.size or TEMPLATE.layout.font.size))
        return float(fits) if fits >= style.legible else None
    size = float(trace.textfont.size)
    need_w, need_h = _needed(trace, size)
    return size if size >= style.legible and cell_w >= need_w and cell_h >= need_h else None


def _needed(trace: Any, size: float) -> tuple[float, float]:
    """The width and height of a cell that holds ``trace``'s longest cell text in a font of ``size`` px."""
    width = _longest(trace) * DRAWN_WIDTH * size + CELL_PADDING + (trace.xgap or 0)
    return width, LINE_HEIGHT * size + (trace.ygap or 0)


def _height_for_cell_values(figure: go.Figure, style: Style, per_row: int) -> int:
    """The height at which the cells of every heatmap showing its values are big enough for them, where the figure's
    width lets them be (no taller than 2400 px); 0 when no heatmap needs it. Big enough: for the style's cell font
    where the trace sets it, else (plotly fits the values to the cells) for the style's smallest legible size."""
    margin = _margins(figure)
    width = style.figure_width(per_row)
    heights = [0]
    for trace in figure.data:
        if trace.type != "heatmap" or not trace.texttemplate:
            continue
        if trace.textfont.size is None:  # plotly fits it: room for the smallest legible size by its own rule
            need_w = _longest(trace) * CHAR_WIDTH * style.legible + (trace.xgap or 0)
            need_h = LINE_HEIGHT * style.legible + (trace.ygap or 0)
        else:
            need_w, need_h = _needed(trace, style.cell)
        tall = cell_box(figure, trace, width, height=100_000)  # the width alone limits it
        if tall[0] < need_w:
            continue  # too narrow at any height: the values go to the hover
        y_axis = figure.layout["yaxis" + (trace.yaxis or "y")[1:]]
        y0, y1 = y_axis.domain if y_axis.domain is not None else (0.0, 1.0)
        cell = max(need_w, need_h) if y_axis.scaleanchor else need_h
        heights.append(math.ceil(np.shape(trace.z)[0] * cell / (y1 - y0)) + margin["t"] + margin["b"])
    return min(2400, max(heights))


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
    return go.Heatmap(
        z=Z,
        **_cells(Z.shape, x_labels, y_labels, axes),
        zmin=-zmax,
        zmax=zmax,
        zmid=0,
        colorscale=DIVERGING if colorscale is None else colorscale,
        showscale=showscale,
        colorbar={"thickness": 12, "outlinewidth": 0, "exponentformat": "e"},  # 4e+09 as in the cells, not 4B
        text=_cell_text(Z) if show_values else None,
        texttemplate="%{text}" if show_values else None,
        hovertemplate="row %{y}, column %{x}: %{z:.4g}<extra></extra>",
    )


def _cells(shape: tuple[int, ...], x_labels: Any, y_labels: Any, axes: str = "") -> dict[str, Any]:
    """A heatmap's grid: cells at x = 1, 2, … and y = 1, 2, … along an axis that has no labels, on the axes
    ``"x" + axes`` and ``"y" + axes``, with a 1-pixel gap between cells up to 30 rows and columns."""
    small = max(shape) <= 30
    return {
        "x": x_labels,
        "y": y_labels,
        "x0": 1 if x_labels is None else None,
        "dx": 1 if x_labels is None else None,
        "y0": 1 if y_labels is None else None,
        "dy": 1 if y_labels is None else None,
        "xaxis": "x" + axes,
        "yaxis": "y" + axes,
        "xgap": 1 if small else None,
        "ygap": 1 if small else None,
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
    per_row: int = 1,
) -> go.Figure:
    """One matrix as a heatmap: row 1 at the top, square cells, 0 white, positive red, negative blue.

    The scale runs from −zmax to zmax: the matrix's largest |value| unless
    ``zmax`` is given (give the same zmax to several heatmaps to compare them).
    ``show_values`` prints each value with 2 decimals; by default only when both
    sides are at most 12 and the values are legible in the figure drawn as one of
    ``per_row`` side by side (:func:`styled`), else the hover gives them.
    Non-finite entries are left blank.
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
    return _figure(
        [trace], title={"text": title}, alt=alt, style=style, per_row=per_row, fit_values=show_values is None, **axes
    )


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


def _magnitudes(R: np.ndarray) -> np.ndarray:
    """|R| in float64, NaN where ``R`` is not finite."""
    return np.abs(np.where(np.isfinite(R), R, np.nan)).astype(np.float64)


def _log_magnitudes(Z: np.ndarray, floor: float) -> np.ndarray:
    """log10 of the magnitudes ``Z`` (≥ 0) as float32, those below ``floor`` counted at it, NaN where not finite."""
    return np.where(np.isfinite(Z), np.log10(np.maximum(Z, floor)), np.nan).astype(np.float32)


def _magnitude_text(Z: np.ndarray, floor: float) -> list[list[str]]:
    """|value| at one significant digit ("3e-04"), "≤1.2e-07" at or below ``floor``, blank where not finite."""
    floor_text = f"≤{floor:.2g}"
    return [
        [("" if not math.isfinite(v) else floor_text if v <= floor else f"{v:.0e}") for v in row] for row in Z.tolist()
    ]


def _magnitude_trace(
    Z: np.ndarray,
    *,
    floor: float,
    top: float,
    show_values: bool,
    x_labels: list[str] | None = None,
    y_labels: list[str] | None = None,
    showscale: bool = True,
    axes: str = "",
) -> go.Heatmap:
    """A heatmap of log10 of the magnitudes ``Z`` (≥ 0, NaN where not finite) on the :data:`SEQUENTIAL` scale from
    ``floor`` (white, and everything below it) to ``top`` (dark red), the colour bar in powers of ten."""
    low, high = math.log10(floor), math.log10(top)
    logs = _log_magnitudes(Z, floor)
    tickvals, ticktext = _powers(math.ceil(low - 1e-9), math.floor(high + 1e-9))
    return go.Heatmap(
        z=logs,
        **_cells(Z.shape, x_labels, y_labels, axes),
        zmin=low,
        zmax=high,
        colorscale=SEQUENTIAL,
        showscale=showscale,
        colorbar={"thickness": 12, "outlinewidth": 0, "tickvals": tickvals, "ticktext": ticktext},
        text=_magnitude_text(Z, floor) if show_values else None,
        texttemplate="%{text}" if show_values else None,
        hovertemplate="row %{y}, column %{x}: |value| ≈ 10^%{z:.2f}<extra></extra>",
    )


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
    per_row: int = 1,
) -> go.Figure:
    """An error matrix such as X @ M − I as log10 |value|: white at rounding level, dark red for the largest.

    A ±1 scale shows an error of 1e-3 and one of 1e-7 both as white; here each
    power of ten gets its own colour and the colour bar is labelled in powers of
    ten. The scale runs from ``eps`` (entries at or below it are rounding noise
    and show white; by default the machine epsilon of the values' precision,
    float32's 1.2e-7 unless they are float64) to ``top`` (by default the largest
    |value|, at least 10·eps; give the same ``top`` to several figures to compare
    them). Small matrices get |value| printed in the cells (e.g. "3e-04", "≤1.2e-07")
    where legible as one of ``per_row`` figures side by side (:func:`styled`).
    Non-finite entries are left blank.
    """
    raw = _array(values, "values", ndim=2)
    eps = _eps_of(values) if eps is None else check_float("eps (the bottom of the scale)", eps, low=0.0, low_open=True)
    Z = np.abs(_float32(raw).astype(np.float64))
    _fitting(1, Z.size)
    finite = np.isfinite(Z)
    Z = np.where(finite, Z, np.nan)
    largest = float(Z[finite].max()) if finite.any() else 0.0
    if top is None:
        top = max(largest, 10 * eps)
    else:
        top = check_float("top (the top of the scale)", top, low=eps, low_open=True)
    rows, columns = Z.shape
    xs, ys = _labels(x_labels, columns, "x_labels"), _labels(y_labels, rows, "y_labels")
    trace = _magnitude_trace(
        Z, floor=eps, top=top, show_values=_show_values(show_values, Z.shape), x_labels=xs, y_labels=ys
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
    return _figure(
        [trace], title={"text": title}, alt=alt, style=style, per_row=per_row, fit_values=show_values is None, **axes
    )


COLOURS = ("auto", "signed", "log")
"""How a run's residual heatmaps are coloured: "signed" (one scale ± the largest |entry|, 0 white), "log"
(log10 |entry| from the precision's eps, white, to the largest, dark red), or "auto": "log" where the steps'
largest |entries| span more than :data:`LOG_DECADES` decades, else "signed"."""
LOG_DECADES = 3.0
"""On a signed scale ± the largest |entry|, an entry more than this many decades smaller is as white as 0."""


def decades_apart(largest: Iterable[float], floor: float) -> float:
    """How many decades the finite values ``largest`` (e.g. each step's largest |entry|) span, those below
    ``floor`` (the precision's rounding level) counted at it; 0 for none."""
    values = [max(float(v), floor) for v in largest if math.isfinite(float(v))]
    return math.log10(max(values) / min(values)) if values else 0.0


def log_colours(largest: Iterable[float], floor: float, colours: str = "auto") -> bool:
    """Whether heatmaps whose largest |entries| are ``largest`` are drawn as log10 |entry|: ``colours`` "log", or
    "auto" where they span more than :data:`LOG_DECADES` decades (:func:`decades_apart`)."""
    colours = check_choice("colours", colours, COLOURS)
    return colours == "log" or (colours == "auto" and decades_apart(largest, floor) > LOG_DECADES)


@functools.lru_cache(maxsize=64)
def _grid_layout(rows: int, columns: int) -> dict[str, Any]:
    """make_subplots' layout (axis domains, title positions) of a rows × columns grid, computed once."""
    grid = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=["-"] * (rows * columns),
        horizontal_spacing=min(0.04, 0.5 / columns),
        # 55 px of the grid's 190 px a row (:func:`residual_grid`): a panel's title under the tick labels above it
        vertical_spacing=min(0.6 / rows, 55 / (190 * rows - 30)),
        figure=_figure(),
    )
    layout = grid.layout.to_plotly_json()
    del layout["template"]
    return layout


def _largest_entries(residuals: np.ndarray) -> list[float]:
    """Each residual's largest finite |entry| (0 if none is finite)."""
    return [float(np.nanmax(_magnitudes(R), initial=0.0)) for R in residuals]


def _residual_scale(
    result: DescentResult, residuals: np.ndarray, colours: str
) -> tuple[bool, float, float, str, list[float]]:
    """(log or not, the bottom and the top of the colour scale, the sentence saying which and why, each residual's
    largest |entry| (:func:`_largest_entries`)) of a run's residual heatmaps: signed ± the largest |entry|, or
    log10 |entry| from the run's eps to the largest."""
    eps = float(torch.finfo(result.matrix.dtype).eps)
    largest = _largest_entries(residuals)
    log = log_colours(largest, eps, colours)
    span = decades_apart(largest, eps)
    dtype = str(result.matrix.dtype).removeprefix("torch.")
    if log:
        top = max(max(largest), 10 * eps)
        how = (
            f"as log10 |entry| on one colour scale from {eps:.1e} (white: {dtype}'s rounding level, and below) to "
            f"{top:.2g} (dark red)"
        )
        why = (
            f", more than {LOG_DECADES:g}: on a signed scale the later steps would be white"
            if colours == "auto"
            else ""
        )
        return True, eps, top, how + f". The steps' largest |entries| span {span:.1f} decades{why}", largest
    zmax = _symmetric_limit(residuals)
    how = f"on one signed colour scale from −{_g(zmax)} (blue) to {_g(zmax)} (red), white for 0"
    why = f", at most {LOG_DECADES:g}" if colours == "auto" else ""
    return False, -zmax, zmax, how + f". The steps' largest |entries| span {span:.1f} decades{why}", largest


def residual_grid(
    result: DescentResult,
    *,
    steps: Sequence[int] | None = None,
    columns: int = 4,
    max_panels: int = 12,
    show_values: bool | None = None,
    colours: str = "auto",
    style: Style | str = DESK,
) -> go.Figure:
    """Small heatmaps of the residual X @ A − I at recorded steps of a run, on one shared colour scale.

    ``steps`` defaults to every recorded step; when there are more than
    ``max_panels`` (or than fit in :data:`PAYLOAD_BUDGET`), evenly spaced ones
    are shown, always the first and the last. ``colours`` (:data:`COLOURS`) is
    a signed scale, log10 |entry|, or by default the log one where the steps'
    largest |entries| span more than :data:`LOG_DECADES` decades. Values are
    printed by default only when the residual is at most 5×5 and they are
    legible in the panels (:func:`styled`).
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
    log, low, high, scale, largest = _residual_scale(result, residuals, colours)
    values = _show_values(show_values, residuals.shape[1:], up_to=5)
    columns = min(columns, len(steps))
    rows = math.ceil(len(steps) / columns)
    layout = copy.deepcopy(_grid_layout(rows, columns))
    layout["annotations"] = layout["annotations"][: len(steps)]
    tick = check_style(style).tick
    traces = []
    for i, (step, R) in enumerate(zip(steps, residuals, strict=True)):
        axes = "" if i == 0 else str(i + 1)
        if log:
            trace = _magnitude_trace(
                _magnitudes(R), floor=low, top=high, show_values=values, showscale=i == 0, axes=axes
            )
        else:
            trace = _matrix_trace(R, zmax=high, show_values=values, showscale=i == 0, axes=axes)
        traces.append(trace)
        for name, axis in _matrix_axes(R.shape, axes=axes).items():
            # row numbers only left of the first column: elsewhere they would crowd the panel to their left
            first_column = name.startswith("x") or i % columns == 0
            layout[name] |= axis | {"showticklabels": max(R.shape) <= 12 and first_column, "tickfont": {"size": tick}}
        layout["annotations"][i] |= {"text": f"step {step}", "font": {"size": 12}}
    for i in range(len(steps), rows * columns):  # the empty cells of the last row
        layout[f"xaxis{i + 1}"]["visible"] = layout[f"yaxis{i + 1}"]["visible"] = False
    what = "|X @ M − I|" if log else "the residual X @ M − I"
    alt = (
        f"{len(steps)} small heatmaps of {what} ({residuals.shape[1]}×{residuals.shape[2]}) at steps "
        f"{', '.join(map(str, steps))}, {scale}. The largest |entry| goes from {_g(largest[0])} at step {steps[0]} to "
        f"{_g(largest[-1])} at step {steps[-1]}."
    )
    title = "|X @ M − I|, log colour scale" if log else "Residual X @ M − I"
    figure = _figure(
        traces,
        title={"text": title},
        height=70 + 190 * rows,
        alt=alt,
        style=style,
        fit_values=show_values is None,
        **layout,
    )
    cell = min(cell_box(figure, figure.data[0], check_style(style).width))
    if cell < LINE_HEIGHT * tick:  # row and column numbers in cells smaller than their font would run together
        for name in figure.layout.to_plotly_json():
            if name.startswith(("xaxis", "yaxis")):
                figure.layout[name].showticklabels = False
    return figure


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
    result: DescentResult,
    *,
    max_frames: int = 50,
    show_values: bool | None = None,
    colours: str = "auto",
    style: Style | str = DESK,
) -> go.Figure:
    """The residual X @ A − I as one heatmap that plays through the recorded steps, with a slider to scrub.

    One frame per recorded step, named by the step; at most ``max_frames`` (and
    no more than fit in :data:`PAYLOAD_BUDGET`) evenly spaced ones, always the
    first and the last. All frames share one colour scale: ± the largest |value|,
    or log10 |value| (``colours``, as :func:`residual_grid`'s).
    """
    recorded = sorted(_check_result(result).snapshots)
    max_frames = check_int("max_frames", max_frames, low=2, high=1000)
    cells = _residual_cells(result)
    steps = _evenly(recorded, _fitting(max_frames + 1, cells) - 1)  # + 1: the trace repeats the first frame
    if not steps:
        raise ParameterError(f"a residual of {cells:,} entries is too big to animate; use residual_grid")
    residuals = _residuals(result, steps)
    log, low, high, scale, _ = _residual_scale(result, residuals, colours)
    first = residuals[0]
    values = _show_values(show_values, first.shape)

    if log:
        trace = _magnitude_trace(_magnitudes(first), floor=low, top=high, show_values=values)
    else:
        trace = _matrix_trace(first, zmax=high, show_values=values)
    alt = (
        f"An animation of {'|X @ M − I|' if log else 'the residual X @ M − I'} ({_shape(first)}) over {len(steps)} "
        f"recorded steps, from step {steps[0]} to step {steps[-1]}, {scale}; Play runs it and the slider picks a step."
    )
    figure = _figure(
        [trace],
        title={"text": "|X @ M − I|, log colour scale" if log else "Residual X @ M − I"},
        margin={"b": 175},
        alt=alt,
        style=style,
        fit_values=show_values is None,
        **_matrix_axes(first.shape),
        **_player(steps),
    )
    printed = figure.data[0].texttemplate is not None  # values the figure keeps (legible): each frame's too
    # plain dicts: the figure checks them once (go.Frame would check and copy each twice)
    frames = []
    for step, R in zip(steps, residuals, strict=True):
        data: dict[str, Any] = {"type": "heatmap"}
        if log:
            magnitudes = _magnitudes(R)
            data["z"] = _log_magnitudes(magnitudes, low)
            if printed:
                data["text"] = _magnitude_text(magnitudes, low)
        else:
            data["z"] = R
            if printed:
                data["text"] = _cell_text(R)
        frames.append({"name": str(step), "data": [data], "traces": [0]})
    figure.frames = frames
    return figure


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
        **_cells(Z.shape, xs, ys),
        zmin=0,
        zmax=1,
        colorscale=[[0.0, _LIGHT], [0.5, _LIGHT], [0.5, _DARK], [1.0, _DARK]],
        colorbar={"thickness": 12, "outlinewidth": 0, "tickvals": [0.25, 0.75], "ticktext": ["0", "1"]},
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


_SMALLEST = float(np.finfo(np.float32).tiny)
"""The smallest loss a log axis draws: float32's smallest normal number (figures carry float32; smaller values
would arrive as subnormals, 1e-42 and the like, or 0)."""


def _curve(y: Any, *, log: bool, keep: Iterable[int] = (), name: str = "losses") -> tuple[np.ndarray, np.ndarray]:
    """(steps as int32, values as float32) of the drawable points of the 1-D curve ``y``, thinned.

    Non-finite values are left out, and on a log axis (``log``) so are values below float32's smallest normal
    number (0 and negatives among them).
    """
    y = _float32(_array(y, name, ndim=1))
    drawable = np.isfinite(y) & (y >= _SMALLEST) if log else np.isfinite(y)
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


def _steps_text(steps: np.ndarray) -> str:
    """Steps as "step 4", "steps 1–100" (a run of consecutive ones) or "12 steps from 3 to 90"."""
    first, last = int(steps[0]), int(steps[-1])
    if steps.size <= 3:
        listed = [str(int(step)) for step in steps]
        return f"step {first}" if steps.size == 1 else f"steps {', '.join(listed[:-1])} and {listed[-1]}"
    if last - first + 1 == steps.size:
        return f"steps {first}–{last}"
    return f"{steps.size} steps from {first} to {last}"


def loss_curve(
    losses: Any,
    *,
    marks: Iterable[int] | None = None,
    predicted: Any = None,
    floor: float | None = None,
    title: str = "Loss",
    log_y: bool = True,
    marks_label: str = "recorded steps",
    style: Style | str = DESK,
) -> go.Figure:
    """The loss against the step (``losses[t]`` after t steps), on a log axis by default.

    ``marks`` are steps to mark with open circles (e.g. the recorded ones);
    ``predicted`` is the theory's curve (float64, as :func:`gdinverse.predicted_losses`
    gives it), drawn dashed in another colour on top of the measured one, so both
    stay visible where they agree. ``floor`` is the run's precision floor
    (:func:`noise_floor`): the theory is cut where it falls below it (a measured
    loss there is rounding noise), and the legend and the text alternative say so.

    On a log axis losses that are negative or not finite are left out, and those
    that are exactly 0 are marked along the bottom of the plot (the x axis then
    spans the whole run). Curves longer than :data:`MAX_LINE_POINTS` are thinned,
    keeping their ends, marks, highs and lows. A curve of one point gets a sane
    axis around it (two decades below, one above).
    """
    raw = np.asarray(_array(losses, "losses", ndim=1), dtype=np.float64)
    n = raw.size
    mark_steps = _steps(() if marks is None else marks, "marks", high=n - 1)
    log_y, marks_label = _flag("log_y", log_y), _text("marks_label", marks_label)
    if floor is not None:
        floor = check_float("floor (the run's precision floor)", floor, low=0.0, low_open=True)
    steps, values = _curve(raw, log=log_y, keep=mark_steps)
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
    cut = False
    if predicted is not None:
        theory = np.asarray(_array(predicted, "predicted", ndim=1), dtype=np.float64)
        theory, cut = cut_at_floor(theory, floor)
        p_steps, p_values = _curve(theory, log=log_y, name="predicted")
        theory_line = {"dash": "dash", "color": _VERMILLION, "width": 2}
        name = THEORY_CUT if cut else "theory"
        traces.append(go.Scatter(x=p_steps, y=p_values, mode="lines", name=name, line=theory_line))
    layout = _loss_layout(title=title, x_title="step", log_y=log_y)
    zeros = np.flatnonzero(raw == 0) if log_y else np.zeros(0, dtype=np.int64)
    single = _single_point_range(np.concatenate([values, p_values]), log_y)
    if single:
        layout["yaxis"] = layout["yaxis"] | single["yaxis"]
        layout["xaxis"] = layout["xaxis"] | {"range": [-0.5, 10] if n == 1 else [-0.5, n - 0.5]}
    if zeros.size:  # exact zeros have no place on a log axis: marked along its bottom, the axis fitted around both
        drawn = np.concatenate([values, p_values])
        if "range" in layout["yaxis"]:
            bottom = layout["yaxis"]["range"][0]
        elif drawn.size:
            low, high = math.log10(float(drawn.min())), math.log10(float(drawn.max()))
            bottom = low - max(0.5, 0.08 * (high - low))
            layout["yaxis"] = layout["yaxis"] | {"range": [bottom, high + max(0.3, 0.05 * (high - low))]}
        else:
            bottom = -1.0
            layout["yaxis"] = layout["yaxis"] | {"range": [-1.0, 1.0]}
        layout["xaxis"] = layout["xaxis"] | {"range": [-0.5, n - 0.5]}
        shown = np.asarray(_evenly(zeros.tolist(), MAX_LINE_POINTS // 10), dtype=np.int32)
        top = layout["yaxis"]["range"][1]
        above = bottom + 0.03 * (top - bottom)  # just inside the axis: plotly hides points outside its range
        traces.insert(
            1,
            go.Scatter(
                x=shown,
                y=np.full(shown.size, 10.0**above, dtype=np.float32),
                mode="markers",
                name="loss exactly 0",
                cliponaxis=False,
                marker={"symbol": "triangle-down", "size": 9, "color": _BLUE},
                hovertemplate="step %{x}: loss exactly 0<extra></extra>",
            ),
        )
    if steps.size:
        alt = (
            f"Line chart of the loss against the step{' on a log axis' if log_y else ''}: "
            f"{_g(float(values[0]), 4)} at step {int(steps[0])}"
        )
        if steps.size > 1:
            alt += f", {_g(float(values[-1]), 4)} at step {int(steps[-1])}"
    else:
        alt = "Line chart of the loss against the step: no loss can be drawn (none is finite and positive)"
    if zeros.size:
        alt += f"; the loss is exactly 0 at {_steps_text(zeros)}, marked by triangles along the bottom"
    if p_values.size:
        alt += f"; the theory (dashed) predicts {_g(float(p_values[-1]), 4)} at step {int(p_steps[-1])}"
        if cut:
            alt += (
                f", and is cut there: it falls below the precision floor {floor:.1e}, under which a measured loss "
                "is rounding noise"
            )
        elif int(p_steps[-1]) < np.asarray(predicted).size - 1:
            alt += ", and values too small to draw after it"
    with np.errstate(invalid="ignore"):
        left_out = ~np.isfinite(raw) | ((raw < _SMALLEST) & (raw != 0)) if log_y else ~np.isfinite(raw)
    if left_out.any():
        count = int(left_out.sum())
        why = "not finite, negative or too small to draw" if log_y else "not finite"
        alt += f"; {count} loss{'' if count == 1 else 'es'} {'is' if count == 1 else 'are'} {why}, left out"
    return _figure(traces, alt=alt + ".", style=style, **layout)


def noise_floor(result: Any) -> float:
    """The loss below which a run's loss is rounding noise: (eps·κ)², κ over the singular values the dtype resolves.

    An exact inverse rounded to the run's precision leaves residual entries of
    about eps·κ (``torch.linalg.inv`` typically 0.5·eps·κ), so a loss below
    (eps·κ)² — the mean of their squares — is not a measurement of progress.
    ``result`` is a finished run (a DescentResult), one in progress (a
    :class:`gdinverse.GradientDescent`), or the bounds of the runs
    (:class:`gdinverse.LrBounds`, in their dtype: a sweep's).
    """
    if isinstance(result, LrBounds):
        dtype, bounds = getattr(torch, result.dtype), result
    elif isinstance(result, GradientDescent):
        dtype, bounds = result.A.dtype, result.bounds
    else:
        result = _check_result(result)
        dtype, bounds = result.matrix.dtype, result.bounds  # the run's theory: resolved in its dtype
    eps = torch.finfo(dtype).eps
    return float((eps * bounds.sigma_max / bounds.resolved_sigma_min) ** 2)


THEORY_CUT = "theory, cut at the precision floor"
"""The legend's name of a theory line cut at the runs' precision floor (:func:`cut_at_floor`)."""


def cut_at_floor(theory: Any, floor: float | None) -> tuple[np.ndarray, bool]:
    """(``theory`` with its values below ``floor`` set to NaN, whether a finite one was): the theory's losses cut
    where they fall below the runs' precision floor (:func:`noise_floor`), under which a measured loss is rounding
    noise. Without a floor, ``theory`` as an array, as it is, and False."""
    theory = np.asarray(theory)
    if floor is None:
        return theory, False
    with np.errstate(invalid="ignore"):
        cut = bool(np.any(np.isfinite(theory) & (theory < floor)))
        return np.where(theory >= floor, theory, np.nan), cut


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


def limit_marks(bounds: LrBounds, right: float) -> list[dict[str, Any]]:
    """The optimal lr as a vertical line and the learning rates from the stable limit to ``right`` as a shaded
    region, each named in the legend with the digits that tell the two apart (:attr:`LrBounds.written`). Two lines
    would be one where they all but coincide (Hilbert 8: 1 − 1/κ² apart), and labels on the plot would collide;
    a line over the edge of a shaded region stays visible."""
    optimal, stable = bounds.written
    region = {
        "type": "rect",
        "xref": "x",
        "yref": "y domain",
        "x0": bounds.stable_below,
        "x1": right,
        "y0": 0,
        "y1": 1,
        "fillcolor": "rgba(213,94,0,0.12)",
        "line": {"width": 0},
        "layer": "below",
        "showlegend": True,
        "name": f"lr ≥ stable limit {stable}",
    }
    line = {
        "type": "line",
        "xref": "x",
        "yref": "y domain",
        "x0": bounds.optimal,
        "x1": bounds.optimal,
        "y0": 0,
        "y1": 1,
        "line": {"color": _GREEN, "dash": "dot", "width": 2},
        "showlegend": True,
        "name": f"optimal lr {optimal}",
    }
    return [region, line]


def sweep_figure(
    sweep: LrSweep,
    *,
    bounds: LrBounds | None = None,
    predicted: Any = None,
    floor: float | None = None,
    style: Style | str = DESK,
) -> go.Figure:
    """Final loss against learning rate (log-log) for a sweep; diverged runs are crosses along the top.

    The measured final losses are open circles; ``predicted`` (one final loss
    per lr, from theory) is a dashed line drawn over them, so it stays visible
    where the two agree. ``bounds`` adds a vertical line at the optimal lr and
    shades the learning rates from the stable limit on, each named with its value
    in the legend under the plot: the two are often close (0.94 and 1 for
    diag(1, 2, 3, 4); 1 − 1/κ² apart in general), and a line over the edge of a
    shaded region stays visible where two lines would be one. As in :func:`loss_curve`,
    the theory is cut where it falls below the runs' precision ``floor`` (:func:`noise_floor`).
    """
    if not isinstance(sweep, LrSweep):
        raise ParameterError(f"sweep must be an LrSweep (what gdinverse.sweep.lr_sweep returns), got {sweep!r:.60}")
    if bounds is not None and not isinstance(bounds, LrBounds):
        raise ParameterError(f"bounds must be an LrBounds (what gdinverse.lr_bounds returns) or None, got {bounds!r}")
    order = np.argsort(sweep.lrs)
    lrs, finals, diverged = _float32(sweep.lrs[order]), _float32(sweep.final_losses[order]), sweep.diverged[order]
    shown = ~diverged & np.isfinite(finals) & (finals > 0)
    if floor is not None:
        floor = check_float("floor (the runs' precision floor)", floor, low=0.0, low_open=True)
    theory, cut = None, False
    if predicted is not None:
        exact = np.asarray(_array(predicted, "predicted", ndim=1), dtype=np.float64)
        if exact.size != lrs.size:
            raise ParameterError(f"predicted has {exact.size} losses for {lrs.size} learning rates; give one each")
        exact, cut = cut_at_floor(exact[order], floor)
        theory = _float32(np.where(np.abs(exact) >= _SMALLEST, exact, np.nan))  # never a float32 subnormal
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
                name=THEORY_CUT if cut else "theory",
                line={"dash": "dash", "color": INK, "width": 2},
                hovertemplate=hover,
            )
        )
    # x: the swept lrs (and the lines), a little room either side; the unstable region is shaded out to the edge
    reach = [float(lrs.min()), float(lrs.max())]
    if bounds is not None:
        reach += [bounds.optimal, bounds.stable_below]
    x_low, x_high = math.log10(min(reach)), math.log10(max(reach))
    pad = max(0.05, 0.03 * (x_high - x_low))
    x_range = [x_low - pad, x_high + pad]
    lines = [] if bounds is None else limit_marks(bounds, 10 ** x_range[1])
    best = f"lowest {_g(float(finals[shown].min()))} at lr {_g(float(lrs[shown][np.argmin(finals[shown])]), 4)}"
    alt = (
        f"Final loss after {sweep.steps} steps against the learning rate, both on log axes, for {lrs.size} learning "
        f"rates from {_g(float(lrs[0]))} to {_g(float(lrs[-1]))}: "
        + (best if shown.any() else "no run converged")
        + f"; {int(diverged.sum())} diverged (crosses along the top)."
    )
    if bounds is not None:
        optimal, stable = bounds.written
        alt += (
            f" A vertical line marks the optimal lr {optimal}; the shaded region from the stable limit {stable} on is "
            "where the error along σ_max grows."
        )
    if theory is not None:
        alt += " The dashed line is the theory's final loss"
        alt += f", cut where it falls below the precision floor {floor:.1e}." if cut else "."
    return _figure(
        traces,
        title={"text": f"Final loss after {sweep.steps} steps"},
        xaxis={"type": "log", "title": {"text": "learning rate"}, "exponentformat": "power", "range": x_range},
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
