"""What every page does first: page settings, torch settings for a shared server, the sidebar's page links,
projector mode, the CSS for phones, and :func:`show_chart`, which every page draws its figures with.

The pages are the files in ``pages/``, routed by ``streamlit_app.py`` with ``st.navigation`` (:func:`navigation`)
and listed in the sidebar in lesson order (:data:`PAGES`) with their titles and icons. Their ``st.Page`` objects
are made once per server process: Streamlit's own ``pages/`` scanning would look for its files on the disk again
on every run of every session (with ``st.navigation`` it does not scan).

**Projector mode** (``?present=1`` on any page, or the sidebar toggle; a setting like the others,
``gdinverse_app.state.PRESENT``): body text 24 px, figures built in the projector style
(``gdinverse.style.PROJECTOR``: the models take the style in their requests), the sidebar collapsed, and
side-by-side figures stacked, one per screen width. All CSS here is constant text written in this module; no user
text reaches it.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st
import torch
from streamlit.delta_generator import DeltaGenerator
from streamlit.navigation.page import StreamlitPage

import gdinverse as g
from gdinverse.style import DESK, INK, PROJECTOR
from gdinverse_app import state
from gdinverse_app.models import memo
from gdinverse_app.models.memo import Chart, plain
from gdinverse_app.ui.slides import SLIDE_CSS
from gdinverse_app.ui.whole_number import CSS as WHOLE_NUMBER_CSS

# Streamlit's file watcher walks every module's __path__; torch.classes raises on that access
# ("Tried to instantiate class '__path__._path'"). An empty path gives the watcher nothing to walk.
torch.classes.__path__ = []
# Page runs of many sessions share the server's cores: one torch thread per run avoids oversubscribing them.
torch.set_num_threads(1)

PAGES = (
    ("pages/home.py", "Home", ":material/home:", "the notebook's story"),
    ("pages/lecture.py", "Lecture", ":material/co_present:",
     "a guided lecture: one idea, one figure and a link to its page per step"),
    ("pages/exact_inverse.py", "Exact inverse", ":material/function:",
     "M, its inverse, the check, float32 against float64"),
    ("pages/gradient_descent.py", "Gradient descent", ":material/trending_down:",
     "sliders, progress heatmaps, the loss curve and its theory, step by step"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:",
     "an optimizer race and a learning-rate sweep against the theory"),
    ("pages/indicator_matrix.py", "Indicator matrix", ":material/grid_on:",
     "words in documents, random or from your own text"),
    ("pages/exercises.py", "Exercises", ":material/quiz:",
     "predict, then reveal: a seeded sheet the whole class shares"),
)  # fmt: skip
"""Every page in lesson order: file (in ``gdinverse_app/``), title, icon, and what it shows."""
APP = Path(__file__).resolve().parents[1]
"""The ``gdinverse_app`` folder, where the page files are."""

CHART_CONFIG = {"displaylogo": False}
"""Plotly's toolbar without the logo; CSS below moves it into a band above the figure, off any title."""

SMALL_CELL_TEXT = ", ".join(
    f'.js-plotly-plot .heatmap-label text[style*="font-size: {px}px;"]' for px in range(1, DESK.legible)
)
"""Heatmap values plotly shrank to fit cells narrower than their figure was built for (a phone, a narrow window;
it writes the size in their style, "font-size: 7px;"): below 11 px they are hidden and the hover gives them, as
:func:`gdinverse.plots.styled` leaves out those it knows will be too small. Projector figures set theirs (16 px)."""

# Every screen: the toolbar of a chart sits in its own band above the chart (never over a title), page links
# and long labels wrap between words, wide tables and figures scroll inside their box, heatmap values shrunk
# below a legible size are hidden (the hover gives them), the hint about the sidebar shows only where the sidebar
# starts collapsed (narrow screens), and a whole number is a slider on a desk and a number input on a phone
# (``whole_number``).
GLOBAL_CSS = (
    """<style>
"""
    + SMALL_CELL_TEXT
    + """ { display: none; }
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
.st-key-plotly_primer { display: none; }
@media (max-width: 800px) {
  .gd-sidebar-hint { display: block; padding: 0.5rem 0.75rem; border-left: 4px solid #0072B2;
    background: #eef4fa; color: #222222; margin-bottom: 0.5rem; }
  [data-testid="stMainBlockContainer"] { padding-left: 1rem; padding-right: 1rem; }
}
"""
    + WHOLE_NUMBER_CSS
    + """</style>"""
)

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


_PAGE_OBJECTS: dict[str, StreamlitPage] = {}


def page_object(path: str) -> StreamlitPage:
    """The page of :data:`PAGES` in file ``path`` ("pages/compare.py"), for ``st.navigation``, ``st.page_link`` and
    ``st.switch_page``: made once per server process. Home is the root URL; every other page is at its file's
    name (``/compare``)."""
    if path not in _PAGE_OBJECTS:
        _, title, icon, _ = next(entry for entry in PAGES if entry[0] == path)
        _PAGE_OBJECTS[path] = st.Page(APP / path, title=title, icon=icon, default=path == PAGES[0][0])
    return _PAGE_OBJECTS[path]


def route() -> None:
    """Run the page the URL names, with every page listed in lesson order in the sidebar (:func:`navigation`)."""
    navigation().run()


def navigation() -> StreamlitPage:
    """Every page, in lesson order in the sidebar; the page the URL names, to run.

    ``st.navigation`` marks the page it returns as the one this run may call: a flag on the page object, so each
    run gets its own shallow copies (sessions run at the same time; the shared objects are never marked)."""
    return st.navigation([copy.copy(page_object(path)) for path, *_ in PAGES], position="sidebar")


PRIMER = go.Figure(layout={"width": 10, "height": 10, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}})
"""An empty figure every page with figures sends first, hidden (:data:`GLOBAL_CSS`): the browser loads and starts
plotly.js (about a second on a 2-core machine) while the server still computes the page's real figures, instead
of after the first of them arrives (``benchmarks/first_visit.py --cold``)."""


def page(title: str, heading: str | None = None, *, slides: bool = False, figures: bool = True) -> str:
    """Set up a page: browser tab title, wide layout, the CSS, the projector toggle in the sidebar (below the
    list of pages), a hint where the settings are, and the heading. Returns the figures' style for the page's
    requests: "projector" in projector mode, else "desk".

    ``slides``: in projector mode the page is a slide deck (``gdinverse_app.ui.slides``): no heading, no hint, the
    slide CSS, and the style "slide" (figures as tall as the room the slide leaves them). ``figures``: the page
    draws figures, so it sends :data:`PRIMER` first."""
    path, _, icon, _ = next(entry for entry in PAGES if entry[1] == title)
    state.begin(Path(path).stem)
    notices = state.load([state.PRESENT], notify=False)
    presenting = state.presenting()
    st.set_page_config(
        page_title=f"{title} · gdinverse",
        page_icon=icon,
        layout="wide",
        initial_sidebar_state="collapsed" if presenting else "auto",
    )
    with st.sidebar:
        st.toggle(
            "Projector mode",
            key=state.key(state.PRESENT.name),
            help="Large text and figures for a lecture hall, one figure per screen width. Kept in the link "
            "(?present=1), so a slide can open a page this way.",
        )
    state.save([state.PRESENT])
    presenting = state.presenting()
    if figures:
        st.plotly_chart(PRIMER, key="plotly_primer", theme=None, config={"staticPlot": True})
    if presenting and slides:
        st.html(GLOBAL_CSS + PROJECTOR_CSS + SLIDE_CSS)  # one element: reruns stay quick
    else:
        st.html((GLOBAL_CSS + PROJECTOR_CSS if presenting else GLOBAL_CSS) + SIDEBAR_HINT)
        st.title(heading or title)
    if notices:
        state.warn_link(notices)
    if presenting:
        return "slide" if slides else "projector"
    return "desk"


def columns(spec: int | Sequence[float], **options: Any) -> list[DeltaGenerator]:
    """``st.columns(spec)``; in projector mode the CSS stacks columns that hold a figure, one per screen width."""
    return list(st.columns(spec, **options))


def show_chart(chart: Chart, *, key: str, container: DeltaGenerator | None = None, fill: bool = False) -> None:
    """Draw a model's chart: its figure (built in the page's style) with its caption, the text alternative naming
    what it shows, as plain text.

    The figure keeps its own template (dark ink, not Streamlit's grey ticks); ``key`` names the element. ``fill``
    (a slide, whose figures are built with no height): the figure as tall as its container, and the caption as the
    figure's text alternative for screen readers instead of text under it.
    """
    where = container if container is not None else st
    config = {**CHART_CONFIG, "displayModeBar": False} if state.presenting() else CHART_CONFIG
    if fill:
        alt = chart.caption or None
        where.plotly_chart(chart.figure, key=key, theme=None, config=config, height="stretch", alt=alt)
        return
    where.plotly_chart(chart.figure, key=key, theme=None, config=config)
    if chart.caption:
        where.caption(plain(chart.caption))


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


@contextlib.contextmanager
def error_box(what: str) -> Iterator[None]:
    """Show a gdinverse error raised inside this block as an error box and go on with the rest of the page (for a
    section the page can do without)."""
    try:
        yield
    except g.GdInverseError as exc:
        error(f"{what}: {exc}.")


@contextlib.contextmanager
def progress(text: str) -> Iterator[None]:
    """Show a progress bar while a model inside this block computes (nothing shows when it answers from its cache):
    made at the first report, removed at the end."""
    holder: list[Any] = []

    def report(done: int, total: int) -> None:
        if not holder:
            holder.append(st.empty())
        holder[0].progress(done / total, text=text)

    try:
        with memo.progress(report):
            yield
    finally:
        if holder:
            holder[0].empty()
