"""Colours, dashes and markers every figure shares: colour-blind safe, and never colour alone.

The palette is Okabe and Ito's (2008), which stays distinct under the common
forms of colour blindness; each series also gets its own dash and marker, so a
figure reads in greyscale too. A :class:`Style` says at what sizes a figure is drawn: :data:`DESK` (the
default), :data:`PHONE` and :data:`PROJECTOR` (a lecture hall); every figure builder takes one as ``style=``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DASHES",
    "DESK",
    "INK",
    "MARKERS",
    "METHOD_STYLES",
    "OKABE_ITO",
    "PHONE",
    "PROJECTOR",
    "SLIDE",
    "STYLES",
    "SeriesStyle",
    "Style",
    "series_style",
]

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
"""Blue, vermillion, bluish green, reddish purple, orange, sky blue, yellow, black (yellow is for fills only)."""

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down")

INK = "#222222"
"""Text and tick colour: 15.9:1 against white (WCAG asks at least 4.5:1)."""


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: a colour, a dash and a marker, each different from the other series'."""

    color: str
    dash: str
    marker: str


EIGHTH = "#882255"
"""Wine (Paul Tol's muted scheme): the eighth series' colour, so that eight series (the most a direction figure
draws) never share one (Okabe–Ito without its yellow has seven)."""


def series_style(index: int) -> SeriesStyle:
    """The style of the ``index``-th series of a figure (yellow skipped: too light on white): eight colours."""
    colors = [c for c in OKABE_ITO if c != "#F0E442"] + [EIGHTH]
    return SeriesStyle(colors[index % len(colors)], DASHES[index % len(DASHES)], MARKERS[index % len(MARKERS)])


METHOD_STYLES = {
    method: series_style(i) for i, method in enumerate(("gd", "momentum", "nesterov", "adam", "newton_schulz"))
}
"""One fixed style per optimisation method, the same on every page."""


@dataclass(frozen=True)
class Style:
    """The sizes a figure is drawn at, in pixels, and how much taller than at a desk it is."""

    name: str
    body: int
    """Text around the figures (the app's CSS)."""
    axis: int
    """Axis titles and annotations."""
    tick: int
    """Tick labels, legends, slider labels."""
    cell: int
    """Values printed in heatmap cells."""
    title: int
    height: float | None = 1.0
    """The figure's height relative to its desk height; None: as tall as the box the page draws it in (a slide)."""
    width: int = 940
    """The width of a figure that spans the page, on the screen the style is for (cell values are printed only
    where they fit it)."""
    stacks: bool = False
    """Whether figures drawn side by side stack instead (each then spans the page)."""
    legible: int = 11
    """The smallest size a value printed in a heatmap cell may have: smaller ones are left to the hover."""

    def figure_width(self, per_row: int = 1) -> int:
        """The width of one of ``per_row`` figures drawn side by side (Streamlit's columns, 16 px apart)."""
        if self.stacks or per_row <= 1:
            return self.width
        return (self.width - 16 * (per_row - 1)) // per_row


DESK = Style("desk", body=16, axis=13, tick=12, cell=12, title=16)
"""A laptop or desktop screen, 1400 px wide (the page 940 px wide beside the sidebar): each figure as it is built;
plotly sizes cell values to fit their cells, so they are printed only where that size is legible."""
PHONE = Style("phone", body=15, axis=12, tick=11, cell=11, title=14, width=358, stacks=True)
"""A phone held upright: slightly smaller type, so that labels fit a 390 px wide screen."""
PROJECTOR = Style("projector", body=24, axis=20, tick=18, cell=16, title=24, height=1.3, width=1040, stacks=True,
                  legible=16)  # fmt: skip
"""A lecture hall: readable from the back row (a 1280 px wide projector; the app stacks its columns there)."""
SLIDE = Style("slide", body=24, axis=20, tick=18, cell=16, title=24, height=None, width=1040, stacks=True, legible=16)
"""A lecture slide: the projector's type, the figure as tall as the room the slide leaves it, a legend under the plot
at the figure's bottom (placed from the container, not in pixels from a plot of unknown height)."""
STYLES = {style.name: style for style in (DESK, PHONE, PROJECTOR, SLIDE)}
"""Every style by name: "desk", "phone", "projector", "slide"."""
