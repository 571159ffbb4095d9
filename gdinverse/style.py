"""Colours, dashes and markers every figure shares: colour-blind safe, and never colour alone.

The palette is Okabe and Ito's (2008), which stays distinct under the common
forms of colour blindness; each series also gets its own dash and marker, so a
figure reads in greyscale too. :data:`PROJECTOR` holds the font sizes of
projector mode.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DASHES", "INK", "MARKERS", "METHOD_STYLES", "OKABE_ITO", "PROJECTOR", "SeriesStyle", "series_style"]

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
class ProjectorSizes:
    """Font sizes in pixels for projector mode (issue: readable from the back of a lecture hall)."""

    body: int = 24
    axis: int = 20
    tick: int = 18
    cell: int = 16
    title: int = 24


PROJECTOR = ProjectorSizes()
