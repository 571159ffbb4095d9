"""What every page does first: page settings, torch settings for a shared server, the sidebar's page links,
projector mode, the CSS for phones, and :func:`show_chart`, which every page draws its figures with.

The pages are the files in ``views/``, routed by ``streamlit_app.py`` with ``st.navigation`` (:func:`navigation`)
and listed in the sidebar in lesson order (:data:`PAGES`) with their titles and icons. Their ``st.Page`` objects
are made once per server process: Streamlit's ``pages/`` directory would look for its files on the disk again on
every run of every session.

**Projector mode** (``?present=1`` on any page, or the sidebar toggle; kept in the link and across
pages): body text 24 px, figures restyled by :func:`projector_figure` (axis titles 20 px, ticks 18 px,
heatmap values 16 px, dark ink), the sidebar collapsed, and side-by-side figures stacked, one per
screen width. All CSS here is constant text written in this module; no user text reaches it.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import math
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from streamlit.delta_generator import DeltaGenerator
from streamlit.navigation.page import StreamlitPage

import gdinverse as g
from gdinverse.style import INK, PROJECTOR

# Streamlit's file watcher walks every module's __path__; torch.classes raises on that access
# ("Tried to instantiate class '__path__._path'"). An empty path gives the watcher nothing to walk.
torch.classes.__path__ = []
# Page runs of many sessions share the server's cores: one torch thread per run avoids oversubscribing them.
torch.set_num_threads(1)

PAGES = (
    ("views/home.py", "Home", ":material/home:", "the notebook's story"),
    ("views/lecture.py", "Lecture", ":material/co_present:",
     "a guided lecture: one idea, one figure and a link to its page per step"),
    ("views/exact_inverse.py", "Exact inverse", ":material/function:",
     "M, its inverse, the check, float32 against float64"),
    ("views/gradient_descent.py", "Gradient descent", ":material/trending_down:",
     "sliders, progress heatmaps, the loss curve and its theory, step by step"),
    ("views/compare.py", "Compare", ":material/compare_arrows:",
     "an optimizer race and a learning-rate sweep against the theory"),
    ("views/indicator_matrix.py", "Indicator matrix", ":material/grid_on:",
     "words in documents, random or from your own text"),
    ("views/exercises.py", "Exercises", ":material/quiz:",
     "predict, then reveal: a seeded sheet the whole class shares"),
)  # fmt: skip
"""Every page in lesson order: file (in ``gdinverse_app/``), title, icon, and what it shows."""
APP = Path(__file__).resolve().parents[1]
"""The ``gdinverse_app`` folder, where the page files are."""

PRESENT = "present"
"""The link parameter and widget key of projector mode (``?present=1``)."""

CHART_CONFIG = {"displaylogo": False}
"""Plotly's toolbar without the logo; CSS below moves it into a band above the figure, off any title."""

# Every screen: the toolbar of a chart sits in its own band above the chart (never over a title), page links
# and long labels wrap between words, wide tables and figures scroll inside their box, and the hint about the
# sidebar shows only where the sidebar starts collapsed (narrow screens).
GLOBAL_CSS = """<style>
[data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]) { margin-top: 30px; overflow: visible; }
[data-testid="stPlotlyChart"] .modebar-container { top: -30px !important; }
[data-testid="stPageLink-NavLink"] { height: auto; align-items: flex-start; }
[data-testid="stPageLink-NavLink"] p, [data-testid="stPageLink-NavLink"] span {
  white-space: normal !important; overflow-wrap: break-word; text-overflow: clip; overflow: visible;
}
[data-testid="stTable"], [data-testid="stMarkdownContainer"] table {
  display: block; overflow-x: auto; max-width: 100%;
}
[data-testid="stElementContainer"] { max-width: 100%; }
[data-testid="stCaptionContainer"] { opacity: 0.85; }
.gd-sidebar-hint { display: none; }
@media (max-width: 800px) {
  .gd-sidebar-hint { display: block; padding: 0.5rem 0.75rem; border-left: 4px solid #0072B2;
    background: #eef4fa; color: #222222; margin-bottom: 0.5rem; }
  [data-testid="stMainBlockContainer"] { padding-left: 1rem; padding-right: 1rem; }
}
</style>"""

# Projector mode: everything scales from the root font size (Streamlit sizes text in rem), captions as large as
# body text (a metric's value keeps its own, larger size), and side-by-side figures stacked (one per screen width).
PROJECTOR_CSS = f"""<style>
/* gdinverse projector mode */
html {{ font-size: {PROJECTOR.body}px !important; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 3rem; }}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, [data-testid="stAlert"] p {{
  font-size: {PROJECTOR.body}px !important; color: {INK} !important; opacity: 1 !important;
}}
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {{ font-size: inherit !important; }}
[data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) {{ flex-direction: column !important; }}
[data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) > [data-testid="stColumn"] {{
  width: 100% !important; flex: 1 1 auto !important;
}}
</style>"""

SIDEBAR_HINT = (
    '<div class="gd-sidebar-hint">The sidebar holds the list of pages and projector mode: open it with the '
    "<b>&raquo;</b> button at the top left; every setting of a page is in the page.</div>"
)
"""Shown on narrow screens only (where the sidebar starts collapsed), on every page: true whatever a page keeps."""


_WRITTEN = "_present_written"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


_ON = "_present_on"
"""Projector mode's value: a plain session key (kept across pages, unlike a widget's), the toggle mirrors it."""


def present() -> bool:
    """Whether this run is in projector mode: from the link when it is new (``?present=1``), else as the sidebar
    toggle or another page left it."""
    state = st.session_state
    raw = st.query_params.get(PRESENT)
    if raw is not None and raw != state.get(_WRITTEN):  # a link this session did not write: follow it
        text = raw.strip().lower()
        state[_ON] = text in _TRUE
        state[_WRITTEN] = raw
        if text not in _TRUE + _FALSE:
            state["_present_notice"] = raw
    return bool(state.setdefault(_ON, False))


def _toggled() -> None:
    st.session_state[_ON] = bool(st.session_state[PRESENT])


_PAGE_OBJECTS: dict[str, StreamlitPage] = {}


def page_object(path: str) -> StreamlitPage:
    """The page of :data:`PAGES` in file ``path`` ("views/compare.py"), for ``st.navigation``, ``st.page_link`` and
    ``st.switch_page``: made once per server process. Home is the root URL; every other page is at its file's
    name (``/compare``)."""
    if path not in _PAGE_OBJECTS:
        _, title, icon, _ = next(entry for entry in PAGES if entry[0] == path)
        _PAGE_OBJECTS[path] = st.Page(APP / path, title=title, icon=icon, default=path == PAGES[0][0])
    return _PAGE_OBJECTS[path]


def navigation() -> StreamlitPage:
    """Every page, in lesson order in the sidebar; the page the URL names, to run.

    ``st.navigation`` marks the page it returns as the one this run may call: a flag on the page object, so each
    run gets its own shallow copies (sessions run at the same time; the shared objects are never marked)."""
    return st.navigation([copy.copy(page_object(path)) for path, *_ in PAGES], position="sidebar")


def page(title: str, heading: str | None = None) -> None:
    """Set up a page: browser tab title, wide layout, the CSS, the projector toggle in the sidebar (below the
    list of pages), a hint where the settings are, and the heading."""
    icon = next(icon for _, name, icon, _ in PAGES if name == title)
    presenting = present()
    st.set_page_config(
        page_title=f"{title} · gdinverse",
        page_icon=icon,
        layout="wide",
        initial_sidebar_state="collapsed" if presenting else "auto",
    )
    with st.sidebar:
        st.session_state[PRESENT] = presenting
        st.toggle(
            "Projector mode",
            key=PRESENT,
            on_change=_toggled,
            help="Large text and figures for a lecture hall, one figure per screen width. Kept in the link "
            "(?present=1), so a slide can open a page this way.",
        )
    _write_present()
    st.html((GLOBAL_CSS + PROJECTOR_CSS if presenting else GLOBAL_CSS) + SIDEBAR_HINT)  # one element: reruns stay quick
    st.title(heading or title)
    raw = st.session_state.pop("_present_notice", None)
    if raw is not None:
        st.warning(plain(f"present={raw[:20]!r} is not 1 or 0; projector mode is off."), icon=":material/link:")


def _write_present() -> None:
    """Keep projector mode for other pages and in the link (``present=1``, absent when off)."""
    on = bool(st.session_state.get(_ON, False))
    st.session_state[_WRITTEN] = "1" if on else None
    if on and st.query_params.get(PRESENT) != "1":
        st.query_params[PRESENT] = "1"
    elif not on and PRESENT in st.query_params:
        del st.query_params[PRESENT]


def columns(spec: int | Sequence[float], **options: Any) -> list[DeltaGenerator]:
    """``st.columns(spec)``; in projector mode the CSS stacks columns that hold a figure, one per screen width."""
    return list(st.columns(spec, **options))


def _font(size: int, current: Any = None) -> dict[str, Any]:
    return {"size": max(size, int(current or 0)), "color": INK}


_RESTYLED: dict[int, tuple[weakref.ref[go.Figure], go.Figure]] = {}
_RESTYLED_MAX = 256
"""Restyled copies of the figures projector mode drew last, by the original's id: cached figures are the same
objects every run, so each is restyled once, not on every rerun."""


def _restyled(figure: go.Figure) -> go.Figure:
    """:func:`projector_figure` of ``figure``, remembered while ``figure`` lives."""
    hit = _RESTYLED.get(id(figure))
    if hit is not None and hit[0]() is figure:
        return hit[1]
    fig = projector_figure(figure)
    if len(_RESTYLED) >= _RESTYLED_MAX:
        _RESTYLED.pop(next(iter(_RESTYLED)))
    _RESTYLED[id(figure)] = (weakref.ref(figure), fig)
    return fig


def projector_figure(figure: go.Figure) -> go.Figure:
    """A copy of ``figure`` restyled for a projector: :data:`gdinverse.style.PROJECTOR` sizes (title, axis titles,
    tick labels, legend, annotations, heatmap values), dark ink, and a taller plot to keep its proportions."""
    fig = go.Figure(figure)
    size = PROJECTOR
    layout = fig.layout
    layout.font = _font(size.axis, layout.font.size)
    layout.title.font = _font(size.title, layout.title.font.size)
    layout.legend.font = _font(size.tick, layout.legend.font.size)
    layout.hoverlabel.font.size = size.tick
    for name in list(layout.to_plotly_json()):
        if name.startswith(("xaxis", "yaxis")):
            axis = layout[name]
            axis.tickfont = _font(size.tick, axis.tickfont.size)
            axis.title.font = _font(size.axis, axis.title.font.size)
            if name.startswith("yaxis") and axis.title.text:  # plotly measures 10⁻¹² narrower than it draws it
                axis.title.standoff = 16
                axis.automargin = True
    for annotation in layout.annotations:
        annotation.font = {"size": max(size.axis, int(annotation.font.size or 0)), "color": annotation.font.color}
    for shape in layout.shapes:
        if shape.label is not None and shape.label.text:
            shape.label.font = {
                "size": max(size.tick, int(shape.label.font.size or 0)),
                "color": shape.label.font.color,
            }
    for slider in layout.sliders:
        slider.font = _font(size.tick, slider.font.size)
        slider.currentvalue.font = _font(size.tick, slider.currentvalue.font.size)
    for menu in layout.updatemenus:
        menu.font = _font(size.tick, menu.font.size)
    for trace in fig.data:
        if trace.type in ("heatmap", "contour"):
            if trace.type == "heatmap":
                trace.textfont = {"size": size.cell}
            trace.colorbar.tickfont = _font(size.tick)
            trace.colorbar.title.font = _font(size.axis)
    for name in list(layout.to_plotly_json()):
        if name.startswith(("xaxis", "yaxis")) and layout[name].type == "log" and layout[name].dtick is None:
            span = _decades(fig, name)
            # whole decades only (plotly draws the 2 and 5 between them in a smaller font), where the data spans
            # at least two of them: a loss from 0.4433 to 0.4294 would be left with no tick at all
            if span is not None and span >= 2:
                layout[name].dtick = max(1, math.ceil(span / 8))
    height = max(int((layout.height or 450) * 1.3), _height_for_cell_values(fig))
    margin = layout.margin
    bottom = max(80, int(margin.b or 0))
    legend_below = layout.legend.orientation == "h" and (layout.legend.y is not None and layout.legend.y < 0)
    if legend_below:  # room for larger tick labels and the axis title, then the legend (up to two rows) below them
        bottom = max(bottom, 200)
        plot_height = height - max(80, int(margin.t or 0)) - bottom
        layout.legend.y = -110 / max(plot_height, 100)
    layout.margin = {"t": max(80, int(margin.t or 0)), "l": max(80, int(margin.l or 0)), "b": bottom,
                     "r": int(margin.r or 20)}  # fmt: skip
    layout.height = height
    return fig


CELL_PX = 56
"""Height of a heatmap cell that holds a value like −0.28 in :data:`PROJECTOR`'s cell font without overlap."""


def _cell_px(trace: Any) -> int:
    """The cell size (cells are square) at which the trace's longest value fits in :data:`PROJECTOR`'s cell font:
    :data:`CELL_PX`, or more for values like −2.02e+03 (a digit is about 0.55 of the font size wide)."""
    longest = max((len(str(text)) for row in (trace.text or ()) for text in row), default=0)
    return max(CELL_PX, math.ceil(0.55 * PROJECTOR.cell * longest) + 12)


def _height_for_cell_values(fig: go.Figure) -> int:
    """The height at which every heatmap cell showing its value is big enough for it (:func:`_cell_px`): 120 px of
    title and margins plus, per row of panels, the tallest matrix's cells and 70 px of panel title and ticks. 0
    when no heatmap shows values. Capped at 2400 px."""
    rows: dict[tuple[float, ...], int] = {}
    for trace in fig.data:
        if trace.type != "heatmap" or not trace.texttemplate:
            continue
        z = trace.z
        shape = z.get("shape") if isinstance(z, dict) else None
        n = int(str(shape).split(",")[0]) if shape else len(z) if z is not None else 0
        axis = fig.layout["yaxis" + (trace.yaxis or "y")[1:]]
        domain = tuple(axis.domain) if axis.domain is not None else (0.0, 1.0)
        rows[domain] = max(rows.get(domain, 0), n * _cell_px(trace))
    if not rows:
        return 0
    return min(2400, 120 + sum(height + 70 for height in rows.values()))


def _decades(fig: go.Figure, axis: str) -> float | None:
    """How many decades the positive data on log axis ``axis`` ("xaxis", "yaxis2", …) spans, or None if unknown."""
    if fig.layout[axis].range is not None:
        low, high = fig.layout[axis].range
        return abs(float(high) - float(low))
    letter, number = axis[0], axis[5:]
    values = []
    for trace in fig.data:
        if (getattr(trace, f"{letter}axis", None) or letter) == f"{letter}{number}":
            data = getattr(trace, letter, None)
            if isinstance(data, dict) and "bdata" in data:  # plotly's base64 form (cached.ready)
                data = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data.get("dtype", "f8"))
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


def span(values: Any, digits: int = 4) -> str:
    """ "from <smallest> to <largest>" of a tensor's entries (−0 shown as 0: "from -0" reads as negative)."""
    low, high = float(values.min()) + 0.0, float(values.max()) + 0.0
    return f"from {low:.{digits}g} to {high:.{digits}g}"


def caption_of(figure: go.Figure) -> str:
    """The text alternative stored in a figure (``layout.meta.description``), else its title."""
    meta = figure.layout.meta
    if isinstance(meta, dict) and meta.get("description"):
        return str(meta["description"])
    title = figure.layout.title.text
    return f"Figure: {title}." if title else ""


def show_chart(
    figure: go.Figure, *, key: str, caption: str | None = None, container: DeltaGenerator | None = None
) -> None:
    """Draw ``figure`` (restyled for a projector in projector mode) with its caption, a text alternative naming
    what it shows: ``caption``, else the figure's own description (``layout.meta.description``), else its title.

    The figure keeps its own template (dark ink, not Streamlit's grey ticks); ``key`` names the element.
    """
    where = container if container is not None else st
    presenting = bool(st.session_state.get(_ON, False))
    shown = _restyled(figure) if presenting else figure
    config = {**CHART_CONFIG, "displayModeBar": False} if presenting else CHART_CONFIG
    where.plotly_chart(shown, key=key, theme=None, config=config)
    text = caption if caption is not None else caption_of(figure)
    if text:
        where.caption(text)


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~$:"})


def plain(text: str) -> str:
    """``text`` with Markdown's special characters escaped, so user text shows as typed (no links, images, HTML)."""
    return str(text).translate(_MARKDOWN)


def error(message: object) -> None:
    """An error box whose text may hold user input: shown as plain text."""
    st.error(plain(str(message)), icon=":material/error:")


@contextlib.contextmanager
def stop_on_error(what: str) -> Iterator[None]:
    """Show a gdinverse error raised inside this block as an error box (never a traceback) and stop the page."""
    try:
        yield
    except g.GdInverseError as exc:
        error(f"{what}: {exc}.")
        st.stop()
