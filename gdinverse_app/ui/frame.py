"""What every page does first: page settings, torch settings for a shared server, and the sidebar's page links.

The app uses Streamlit's ``pages/`` directory: ``streamlit_app.py`` is Home and each
file in ``pages/`` is a page. Streamlit's own sidebar list is hidden
(``client.showSidebarNavigation = false``) and replaced by the links below, which
carry titles and icons and keep the lesson order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st
import torch

import gdinverse as g

# Streamlit's file watcher walks every module's __path__; torch.classes raises on that access
# ("Tried to instantiate class '__path__._path'"). An empty path gives the watcher nothing to walk.
torch.classes.__path__ = []
# Page runs of many sessions share the server's cores: one torch thread per run avoids oversubscribing them.
torch.set_num_threads(1)

PAGES = (
    ("streamlit_app.py", "Home", ":material/home:", "the notebook's story"),
    ("pages/exact_inverse.py", "Exact inverse", ":material/function:",
     "M, its inverse, the check, float32 against float64"),
    ("pages/gradient_descent.py", "Gradient descent", ":material/trending_down:",
     "sliders, progress heatmaps, the loss curve and its theory, step by step"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:",
     "an optimizer race and a learning-rate sweep against the theory"),
    ("pages/indicator_matrix.py", "Indicator matrix", ":material/grid_on:",
     "words in documents, random or from your own text"),
)  # fmt: skip
"""Every page in lesson order: file, title, icon, and what it shows."""


def page(title: str, heading: str | None = None) -> None:
    """Set up a page: browser tab title, wide layout, links to every page in the sidebar, and the heading."""
    icon = next(icon for _, name, icon, _ in PAGES if name == title)
    st.set_page_config(page_title=f"{title} · gdinverse", page_icon=icon, layout="wide")
    with st.sidebar:
        for path, name, page_icon, _ in PAGES:
            st.page_link(path, label=name, icon=page_icon)
        st.divider()
    st.title(heading or title)


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
