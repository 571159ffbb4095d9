"""Plotly figures of the theory: the error along each singular direction, the contraction factor against the
learning rate, and the loss landscape on the plane of the slowest and the fastest direction.

Each figure has a companion ``describe_…`` function returning a one-paragraph
text alternative with the figure's real numbers (the app shows it as a
caption); the same text is stored in the figure's ``layout.meta``. Colours,
dashes and markers come from :mod:`gdinverse.style`, so no series is told
apart by hue alone, and legends sit below the plot area, never over the data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .directions import DirectionView, Landscape, contraction_factors
from .errors import ParameterError, check_float, check_int
from .plots import TEMPLATE, limit_marks, styled
from .spectrum import change_in_words, factor, stable_limit
from .style import DESK, INK, OKABE_ITO, Style, series_style
from .theory import LrBounds, format_condition, lr_bounds

__all__ = [
    "MAX_DIRECTIONS",
    "describe_direction_figure",
    "describe_landscape",
    "describe_rate_chart",
    "direction_figure",
    "landscape_figure",
    "rate_chart",
    "shown_directions",
]

MAX_DIRECTIONS = 8
"""Most directions :func:`direction_figure` draws; the others are named as omitted in its title."""

_VERMILLION, _ORANGE = OKABE_ITO[1], OKABE_ITO[4]
_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0}
_MARGIN = {"l": 70, "r": 20, "t": 60, "b": 110}


def _figure(data: list[Any], description: str, *, style: Style | str = DESK, **layout: Any) -> go.Figure:
    """A figure with :data:`gdinverse.plots.TEMPLATE`, the legend below the plot, and ``description`` as meta, at
    the sizes of ``style`` (:func:`gdinverse.plots.styled`)."""
    layout = {"template": TEMPLATE, "legend": _BELOW, "margin": _MARGIN, "meta": {"description": description}, **layout}
    return styled(go.Figure(data=data, layout=layout), style)


def _legend_below(*, rows: int, plot_height: int = 270, top: int = 90) -> dict[str, Any]:
    """Height, margins and legend of a figure whose legend of ``rows`` rows sits under the plot: its top 70 px
    under the plot (below the tick labels and the axis title; legend y is a fraction of the plot's height), in a
    bottom margin that holds every row (a margin plotly had to grow would shrink the plot onto the legend)."""
    bottom = 80 + 26 * rows
    return {
        "height": top + plot_height + bottom,
        "margin": {**_MARGIN, "t": top, "b": bottom},  # top: room for a two-line title, in projector mode too
        "legend": {**_BELOW, "y": -70 / plot_height},
    }


def _f32(values: Any) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=np.float32)


def _factor(value: float) -> str:
    """A factor a step with enough digits to tell it from 1 (0.9998 stays 0.9998, not 1)."""
    value = float(value)
    if abs(1 - value) >= 1e-3 or value == 1:
        return f"{value:.4g}"
    return f"{value:.7g}" if abs(1 - value) >= 1e-6 else f"1 {'−' if value < 1 else '+'} {abs(1 - value):.2g}"


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sigma_label(sigma: float) -> str:
    return "σ = 0 (never changes)" if sigma == 0 else f"σ = {sigma:.4g}"


def _count(n: int) -> str:
    """ "1 direction has" or "3 directions have"."""
    return "1 direction has" if n == 1 else f"{n} directions have"


def _direction_label(view: DirectionView, i: int) -> str:
    """σ of direction ``i``, or, where the run's precision does not resolve it, its place and "≈ 0": its value
    there comes from rounding M to that precision, not from M."""
    if view.sigma[i] > 0 and not view.resolved[i]:
        return f"σ{str(i + 1).translate(_SUBSCRIPTS)} ≈ 0 in {view.dtype}"
    return _sigma_label(float(view.sigma[i]))


def _rounding_note(view: DirectionView, i: int) -> str:
    """ ", below what the precision's rounding lets the run reach" where the theory is far under a measured error
    that fell (exact arithmetic goes on shrinking; the run stops at its rounding level)."""
    first, last, theory = view.measured[0, i], view.measured[-1, i], view.predicted[-1, i]
    return f": below the rounding level {view.dtype} lets the run reach" if last < first and theory < last / 10 else ""


# ---------------------------------------------------------------------------- directions


def _check_view(view: Any) -> DirectionView:
    if not isinstance(view, DirectionView):
        raise ParameterError(
            f"expected a DirectionView, got {type(view).__name__}; pass what gdinverse.direction_view returns"
        )
    return view


def shown_directions(view: DirectionView, limit: int = MAX_DIRECTIONS) -> list[int]:
    """The directions :func:`direction_figure` draws: all if at most ``limit``, else the fastest, the slowest
    σ the run resolves and evenly spaced ones between them, plus one direction it cannot move (σ = 0, or lost in its
    rounding) if there is any."""
    view = _check_view(view)
    limit = check_int("limit", limit, low=2, high=100)
    count = view.sigma.size
    if count <= limit:
        return list(range(count))
    moving = np.flatnonzero(view.resolved)
    still = np.flatnonzero(~view.resolved)
    room = limit - (1 if still.size else 0)
    picks = sorted(
        {int(moving[i]) for i in np.linspace(0, moving.size - 1, min(room, moving.size)).round().astype(int)}
    )
    return picks + ([int(still[0])] if still.size else [])


def direction_figure(view: DirectionView, *, title: str | None = None, style: Style | str = DESK) -> go.Figure:
    """The error ‖R_t vᵢ‖ along each singular direction against the step (log y): measured solid with markers,
    the theory dashed over it in the same colour; up to :data:`MAX_DIRECTIONS` directions."""
    view = _check_view(view)
    picks = shown_directions(view)
    omitted = view.sigma.size - len(picks)
    if title is None:
        title = f"Error along each singular direction<br>{view.method}, lr {view.lr:.4g}"  # two short lines fit a phone
        if omitted:
            title += f"; {len(picks)} of {view.sigma.size} directions shown"
    traces: list[Any] = []
    for n, i in enumerate(picks):
        series = series_style(n)
        name = _direction_label(view, i)
        measured = view.measured[:, i]
        keep = np.isfinite(measured) & (measured > 0)
        traces.append(
            go.Scatter(
                x=view.steps[keep].astype(np.int32),
                y=_f32(measured[keep]),
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line={"color": series.color, "dash": "solid", "width": 2},
                marker={"symbol": series.marker, "size": 7, "color": series.color, "maxdisplayed": 40},
                hovertemplate=f"{name}, step %{{x}}: %{{y:.3g}} (measured)<extra></extra>",
            )
        )
        theory = view.theory[:, i]
        keep = np.isfinite(theory) & (theory > 0)
        traces.append(
            go.Scatter(
                x=view.theory_steps[keep].astype(np.int32),
                y=_f32(theory[keep]),
                mode="lines",
                name=f"{name}, theory",
                legendgroup=name,
                showlegend=False,
                line={"color": series.color, "dash": "dash", "width": 1.5},
                hovertemplate=f"{name}, step %{{x}}: %{{y:.3g}} (theory)<extra></extra>",
            )
        )
    drawn = view.measured[:, picks]
    drawn = drawn[np.isfinite(drawn) & (drawn > 0)]
    y_axis: dict[str, Any] = {"title": {"text": "‖(X M − I) vᵢ‖"}, "type": "log", "exponentformat": "power"}
    if drawn.size:  # down to a decade below the lowest measured error: the theory's exact zeros stay off the axis
        high = float(drawn.max())
        y_axis["range"] = [math.log10(max(float(drawn.min()), high * 1e-20)) - 1, math.log10(high) + 0.3]
    traces.append(  # one legend entry explains every dashed line
        go.Scatter(x=[None], y=[None], mode="lines", name="theory (dashed)", line={"color": INK, "dash": "dash"})
    )
    return _figure(
        traces,
        describe_direction_figure(view),
        title={"text": title},
        **_legend_below(rows=math.ceil((len(picks) + 1) / 2) + 1),  # two entries a row on a phone, one to spare
        xaxis={"title": {"text": "step"}},
        yaxis=y_axis,
        hovermode="closest",
        style=style,
    )


def describe_direction_figure(view: DirectionView) -> str:
    """A one-paragraph text alternative of :func:`direction_figure` with its numbers."""
    view = _check_view(view)
    picks = shown_directions(view)
    slow = view.slowest
    last = int(view.steps[-1])
    moving = view.resolved
    parts = [
        f"The error of a {view.method} run (lr {view.lr:.4g}"
        + (f", momentum {_factor(view.momentum)}" if view.momentum is not None else "")
        + f", {view.dtype}) on the {view.shape[0]}×{view.shape[1]} matrix along each of its {view.sigma.size} "
        f"right singular direction{'s' if view.sigma.size > 1 else ''}, on a log scale, measured at "
        f"{view.steps.size} recorded steps (solid) with the theory dashed over it."
    ]
    if len(picks) < view.sigma.size:
        drawn = ", ".join(f"{view.sigma[i]:.3g}" if view.resolved[i] else _direction_label(view, i) for i in picks)
        parts.append(f"{len(picks)} directions are drawn (σ = {drawn}).")
    rates = view.rates[moving]
    if moving.sum() > 1 and rates.max() - rates.min() <= 1e-6 * rates.max():
        parts.append(
            f"{'Both' if moving.sum() == 2 else f'All {int(moving.sum())}'} directions with σ > 0 have the same"
            f" long-run factor {_factor(rates.max())}"
            " a step;"
            f" along the smallest, σ = {view.sigma[slow]:.4g}, the error went from {view.measured[0, slow]:.3g} to"
            f" {view.measured[-1, slow]:.3g} at step {last} (theory {view.predicted[-1, slow]:.3g}"
            f"{_rounding_note(view, slow)})."
        )
    else:
        rate = float(view.rates[slow])
        if view.method == "gd":  # from a = 2·lr·σ²/k² itself: |1 − a| rounds to 1 for a tiny σ
            change = change_in_words(float(view.a[slow]), dtype=view.dtype)
        else:
            change = (
                f"{'shrinks' if rate < 1 else 'grows'} by {abs(1 - rate) * 100:.3g}% a step (factor {_factor(rate)})"
            )
        parts.append(
            f"The slowest direction is σ = {view.sigma[slow]:.4g}: its error {change},"
            f" from {view.measured[0, slow]:.3g} to {view.measured[-1, slow]:.3g} at step {last} (theory"
            f" {view.predicted[-1, slow]:.3g}{_rounding_note(view, slow)})."
        )
        tied = [int(i) for i in np.flatnonzero(moving) if i != slow and view.ties(int(i), slow)]
        if tied:  # at the optimal lr σ_min's and σ_max's factors balance
            names = " and ".join(f"σ = {view.sigma[i]:.4g}" for i in tied)
            parts.append(f"The error along {names} shrinks as slowly, by the same factor a step.")
        fast = int(np.argmin(np.where(moving, view.rates, np.inf)))
        if fast != slow and not view.ties(fast, slow):
            parts.append(
                f"The error shrinks fastest along σ = {view.sigma[fast]:.4g} (factor {_factor(view.rates[fast])} a"
                " step), at"
                f" {view.measured[-1, fast]:.3g} by step {last} (theory {view.predicted[-1, fast]:.3g}"
                f"{_rounding_note(view, fast)})."
            )
    zero = int((view.sigma == 0).sum())
    if zero:
        one = zero == 1
        holds = "it holds" if one else "they hold"
        parts.append(f"{_count(zero)} σ = 0 and never change{'s' * one}: {holds} the loss floor.")
    lost = int((~moving).sum()) - zero
    if lost:
        parts.append(
            f"{_count(lost)} σ below what {view.dtype} resolves at this scale ({view.resolution:.2g}), lost in the"
            f" rounding of M to {view.dtype}: a step changes the error there by less than {view.dtype}'s rounding,"
            " so it keeps its size."
        )
    return " ".join(parts)


# ---------------------------------------------------------------------------- the rate chart


def _bounds(A: Any) -> LrBounds:
    return A if isinstance(A, LrBounds) else lr_bounds(A)


def _rate_grid(bounds: LrBounds, lr: float | None) -> np.ndarray:
    """Learning rates from 0.001× to 2× the stable limit (stretched to include ``lr``), with the stable limit,
    the optimal lr and ``lr`` themselves so the kinks are drawn sharp."""
    low, high = 1e-3 * bounds.stable_below, 2 * bounds.stable_below
    if lr is not None:
        low, high = min(low, lr / 2), max(high, lr * 1.5)
    extra = [bounds.stable_below, bounds.optimal, _zero_at(bounds.sigma_max, bounds.k)]
    if bounds.resolved_sigma_min != bounds.sigma_max:
        extra.append(_zero_at(bounds.resolved_sigma_min, bounds.k))
    if lr is not None:
        extra.append(lr)
    grid = np.concatenate([np.geomspace(low, high, 240), [x for x in extra if low <= x <= high]])
    return np.unique(grid)


def _zero_at(sigma: float, k: int) -> float:
    """The lr at which σ's factor 1 − 2·lr·σ²/k² is 0: half its stable limit."""
    return stable_limit(sigma, k) / 2


def rate_chart(A: Any, *, lr: float | None = None, style: Style | str = DESK) -> go.Figure:
    """The contraction factor |1 − 2·lr·σ²/k²| a step against lr (log x) for σ_min and σ_max of ``A`` (a matrix or
    its :class:`LrBounds`), with a line at 1 (above it the error grows), the optimal lr as a vertical line and the
    learning rates from the stable limit on shaded (:func:`limit_marks`, named in the legend), and the current
    ``lr`` marked on both curves."""
    bounds = _bounds(A)
    if lr is not None:
        lr = check_float("lr", lr, low=0.0, low_open=True)
    factors = contraction_factors(bounds, _rate_grid(bounds, lr))
    looks = series_style(0), series_style(1)
    traces: list[Any] = []
    for (label, values), look in zip(
        ((f"σ_min = {bounds.resolved_sigma_min:.4g}", factors.slow), (f"σ_max = {bounds.sigma_max:.4g}", factors.fast)),
        looks,
        strict=True,
    ):
        traces.append(
            go.Scatter(
                x=_f32(factors.lrs),
                y=_f32(values),
                mode="lines",
                name=label,
                line={"color": look.color, "dash": look.dash, "width": 2},
                hovertemplate=f"{label}: lr %{{x:.4g}}, factor %{{y:.4g}}<extra></extra>",
            )
        )
    if lr is not None:
        here = contraction_factors(bounds, [lr])
        traces.append(
            go.Scatter(
                x=_f32([lr, lr]),
                y=_f32([here.slow[0], here.fast[0]]),
                mode="markers",
                name=f"lr = {bounds.write_lr(lr)}",
                marker={
                    "symbol": ["circle", "square"],
                    "size": 11,
                    "color": [s.color for s in looks],
                    "line": {"color": INK, "width": 1.5},
                },
                hovertemplate="lr %{x:.4g}: factor %{y:.4g}<extra></extra>",
            )
        )
    traces.append(
        go.Scatter(
            x=_f32(factors.lrs[[0, -1]]),
            y=_f32([1.0, 1.0]),
            mode="lines",
            name="factor 1 (above it, the error grows)",
            line={"color": INK, "dash": "dot", "width": 1},
            hoverinfo="skip",
        )
    )
    top = float(max(1.2, min(3.0, factors.slowest.max() * 1.05)))
    low, high = float(factors.lrs[0]), float(factors.lrs[-1])
    return _figure(
        traces,
        describe_rate_chart(bounds, lr=lr),
        title={"text": "How much each step keeps of the error"},
        **_legend_below(rows=6 + (lr is not None)),  # one entry a row on a phone
        xaxis={
            "type": "log",
            "title": {"text": "learning rate"},
            "exponentformat": "power",
            "range": [math.log10(low), math.log10(high)],  # the curves' lrs: nothing else stretches the axis
        },
        yaxis={"title": {"text": "factor a step |1 − 2·lr·σ²/k²|"}, "range": [0, top]},
        shapes=limit_marks(bounds, high),
        style=style,
    )


def describe_rate_chart(A: Any, *, lr: float | None = None) -> str:
    """A one-paragraph text alternative of :func:`rate_chart`."""
    b = _bounds(A)
    best = b.factor(b.optimal)
    if b.resolved_sigma_min == b.sigma_max:
        text = (
            "The factor by which one step of gradient descent multiplies the error against the learning rate: every "
            + (
                f"singular value is {b.sigma_max:.4g} (k = {b.k}, condition number 1)"
                if format_condition(b.condition_number) == "1"
                else f"singular value {b.dtype} resolves is {b.sigma_max:.4g} (k = {b.k}; the condition number "
                f"{format_condition(b.condition_number)} counts the others, which gradient descent leaves alone)"
            )
            + f", so the σ_min and σ_max curves are "
            f"one, falling from 1 to 0 at the optimal lr {b.written[0]} and climbing back to 1 at the stable limit "
            f"{b.written[1]}, above which the error grows."
        )
        return text + _MARKS + _your_lr(b, lr)
    slow_at_limit = abs(factor(b.stable_below, b.resolved_sigma_min, b.k))
    text = (
        f"The factor by which one step of gradient descent multiplies the error along the direction of "
        f"σ_min = {b.resolved_sigma_min:.4g}{_resolved(b)}, and of σ_max = {b.sigma_max:.4g}, against the "
        f"learning rate (k = {b.k}). The σ_min curve falls from 1 as lr grows, to {_factor(slow_at_limit)} at the "
        f"stable limit; the σ_max curve falls to 0 at lr = {_zero_at(b.sigma_max, b.k):.4g} and climbs back to 1 "
        f"at the stable limit {b.written[1]}, above which the error grows. The optimal lr {b.written[0]} is "
        f"where the two curves cross, at a factor of {_factor(best)} a step (condition number "
        f"{format_condition(b.condition_number)})."
    )
    return text + _MARKS + _your_lr(b, lr)


_MARKS = " A dotted line marks the optimal lr; the learning rates from the stable limit on are shaded."


HALVING_SAID = 10_000
"""From this many steps to halve the slowest error on, the rate chart's caption says how many (Hilbert 8 in
float32 at the optimal lr: 3.3e+08), next to "the run converges"."""


def _resolved(b: LrBounds) -> str:
    """ ", the smallest σ float32 resolves" when the working dtype loses smaller singular values, else ""."""
    return f", the smallest σ {b.dtype} resolves" if b.resolved_rank < b.rank else ""


def _your_lr(b: LrBounds, lr: float | None) -> str:
    """The sentence on the current lr: its factor, and whether the run converges."""
    if lr is None:
        return ""
    lr = check_float("lr", lr, low=0.0, low_open=True)
    sigma, _ = b.slowest(lr)
    verdict = "converges" if lr < b.stable_below else "does not converge"  # 0 < 2·lr·σ²/k² < 2 for every σ
    shrink = b.shrink(lr)  # the factor is 1 − shrink: 0 when one step removes it
    halving = math.log(2) / -math.log1p(-shrink) if lr < b.stable_below and 0 < shrink < 1 else 0.0
    if halving >= HALVING_SAID:
        verdict += f", but halving the error along σ = {sigma:.4g} takes about {halving:.2g} steps"
    slower = ", the slower of the two," if b.resolved_sigma_min != b.sigma_max and lr < b.stable_below else ""
    return f" At lr {b.write_lr(lr)} the error along σ = {sigma:.4g}{slower} {b.change(lr)}: the run {verdict}."


# ---------------------------------------------------------------------------- the landscape


def _check_landscape(land: Any) -> Landscape:
    if not isinstance(land, Landscape):
        raise ParameterError(f"expected a Landscape, got {type(land).__name__}; pass what gdinverse.landscape returns")
    return land


_SEQUENTIAL = [[0.0, "#08306b"], [0.35, "#2b7bba"], [0.7, "#9ecae1"], [1.0, "#f7fbff"]]
"""Dark blue (low loss) to near-white (high): one hue, so it reads in greyscale; the path is drawn over it in
vermillion with black-edged markers."""


def _square(land: Landscape) -> bool:
    """Whether the landscape's grid is square (drawn with equal axes)."""
    return bool(land.a[-1] == land.b[-1])


def landscape_figure(land: Landscape, *, title: str | None = None, style: Style | str = DESK) -> go.Figure:
    """Contours of log₁₀(loss − floor) on the plane (equal axes where the grid is square), the answer X* at the
    centre, and the run's path as a line with markers from its start (circle) to its last recorded step (star)."""
    land = _check_landscape(land)
    excess = np.maximum(land.loss - land.floor, 1e-300)
    z = np.log10(excess)
    z_low = float(np.log10(max(excess.max(), 1e-300))) - 6  # six decades of contours below the highest
    path_a, path_b = _f32(land.path_a), _f32(land.path_b)
    keep = np.isfinite(path_a) & np.isfinite(path_b)
    hover = "a %{x:.3g}, b %{y:.3g}<br>loss %{customdata:.3g}<extra></extra>"
    traces: list[Any] = [
        go.Contour(
            x=_f32(land.a),
            y=_f32(land.b),
            z=_f32(np.maximum(z, z_low)),
            customdata=_f32(land.loss),
            colorscale=_SEQUENTIAL,
            contours={"coloring": "heatmap", "showlines": True},
            line={"color": "rgba(255,255,255,0.6)", "width": 0.8},
            colorbar={"title": {"text": "log₁₀(loss − floor)", "side": "right"}, "thickness": 14},
            hovertemplate=hover,
            name="loss",
            showlegend=False,
        ),
        go.Scatter(
            x=path_a[keep],
            y=path_b[keep],
            mode="lines+markers",
            name=f"path ({land.method}, lr {land.lr:.4g})",
            line={"color": _VERMILLION, "width": 2},
            marker={"symbol": "circle", "size": 5, "color": _VERMILLION},
            customdata=land.steps[keep].astype(np.int32),
            hovertemplate="step %{customdata}: a %{x:.3g}, b %{y:.3g}<extra></extra>",
        ),
    ]
    if keep.any():
        ends = np.flatnonzero(keep)[[0, -1]]
        for index, label, symbol in ((ends[0], "start", "circle"), (ends[1], "last step", "star")):
            traces.append(
                go.Scatter(
                    x=path_a[[index]],
                    y=path_b[[index]],
                    mode="markers",
                    name=f"{label} (step {int(land.steps[index])})",
                    marker={"symbol": symbol, "size": 14, "color": _ORANGE, "line": {"color": INK, "width": 1.5}},
                )
            )
    traces.append(
        go.Scatter(
            x=[0.0],
            y=[0.0],
            mode="markers",
            name="answer X*",
            marker={"symbol": "x", "size": 12, "color": INK, "line": {"color": "white", "width": 1}},
        )
    )
    if title is None:
        title = f"Loss on the plane of<br>σ = {land.sigma_slow:.3g} and σ = {land.sigma_fast:.3g}"
    return _figure(
        traces,
        describe_landscape(land),
        title={"text": title},
        **_legend_below(rows=4, plot_height=300),  # four entries: one a row on a phone
        xaxis={
            "title": {"text": f"a: smallest σ ({land.sigma_slow:.3g})"},  # short: a phone is narrow
            "range": [float(land.a[0]), float(land.a[-1])],
            "constrain": "domain",
        },
        yaxis={
            "title": {"text": f"b: largest σ ({land.sigma_fast:.3g})"},
            **({"scaleanchor": "x", "scaleratio": 1} if _square(land) else {}),
            "range": [float(land.b[0]), float(land.b[-1])],
            "constrain": "domain",
        },
        hovermode="closest",
        style=style,
    )


def describe_landscape(land: Landscape) -> str:
    """A one-paragraph text alternative of :func:`landscape_figure`."""
    land = _check_landscape(land)
    a, b = land.path_a, land.path_b
    finite = np.isfinite(a) & np.isfinite(b)
    text = (
        f"Contours of the loss on the plane through the run's limit X* (the centre) spanned by the direction a of "
        f"the smallest σ the run resolves ({land.sigma_slow:.4g}) and b of the largest ({land.sigma_fast:.4g}); the "
        "loss there is "
        f"{land.floor:.4g} + (a²·{land.sigma_slow:.3g}² + b²·{land.sigma_fast:.3g}²)/{land.k}², ellipses "
        f"{land.sigma_fast / land.sigma_slow:.3g} times longer along a than along b."
    )
    if not _square(land):
        text += (
            f" The axes are not to the same scale (a spans ±{land.a[-1]:.3g}, b ±{land.b[-1]:.3g}, each the path's"
            " reach): drawn to scale, the valley would be a line."
        )
    if finite.sum() >= 2:
        first, last = np.flatnonzero(finite)[[0, -1]]
        flips = int(np.sum(np.sign(b[finite][1:]) * np.sign(b[finite][:-1]) < 0))
        steps_between = np.diff(land.steps[finite])
        text += (
            f" The {land.method} path at lr {land.lr:.4g} goes from (a, b) = ({a[first]:.3g}, {b[first]:.3g}) at "
            f"step {int(land.steps[first])} to ({a[last]:.3g}, {b[last]:.3g}) at step {int(land.steps[last])}"
        )
        if flips and int(steps_between.max()) == 1:
            text += f"; b changes sign {flips} times (a zig-zag across the valley)"
        if abs(a[first]) > 0:
            text += f"; a keeps {abs(a[last] / a[first]) * 100:.3g}% of its start"
        text += "."
    return text
