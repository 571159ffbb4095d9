"""Slide mode: the Lecture page in projector mode is a deck. Each step's title, sentences, figure and controls fill
one screen with nothing to scroll (:data:`SLIDE_CSS`), and the keys a presenter's clicker sends move between steps
(:func:`keys`).

The keys come from the smallest component that does the job: a few lines of JavaScript (:data:`KEYS_JS`, run in the
app's page by ``st.components.v2``, no iframe) that listen for the keys on the whole document and send Python the
move they ask for. All CSS and JavaScript here are constant text written in this module; no user text reaches them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

__all__ = ["KEYS", "SLIDE_CSS", "keys", "target"]

KEYS = {
    "ArrowRight": "next",
    "PageDown": "next",
    " ": "next",
    "ArrowLeft": "back",
    "PageUp": "back",
    "Home": "first",
    "End": "last",
}
"""Each key (``KeyboardEvent.key``) and the move it asks for. A presenter's clicker sends PageDown and PageUp."""

SLIDE_CSS = """<style>
/* gdinverse slide mode: the slide (.st-key-slide) is one screen tall and its figure takes the room left */
[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding: 0.75rem 2rem 0.5rem 2rem !important; }
[data-testid="stLayoutWrapper"]:has(> .st-key-slide) { height: calc(100dvh - 1.25rem); }
[data-testid="stLayoutWrapper"]:has(> .st-key-slide_figure), .st-key-slide_figure { flex: 1 1 0; min-height: 0; }
.st-key-slide_figure [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]) { margin-top: 0; }
.st-key-slide h2 { padding-top: 0; padding-bottom: 0; font-size: 1.75rem; }
.st-key-slide_bar [data-testid="stMarkdownContainer"] p { margin: 0; white-space: nowrap; }
/* too small a screen for a whole slide (a phone): the slide grows, and the page scrolls */
@media (max-width: 800px), (max-height: 560px) {
  [data-testid="stLayoutWrapper"]:has(> .st-key-slide) { height: auto; }
  [data-testid="stLayoutWrapper"]:has(> .st-key-slide_figure) { flex: 0 0 auto; height: 640px; }
}
</style>"""
"""Slide mode's CSS, after the projector's (``frame.PROJECTOR_CSS``)."""

KEYS_JS = """
export default function (component) {
  const { setTriggerValue } = component;
  const moves = MOVES;
  const typing = (element) => !!element && (element.isContentEditable
    || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
  const handled = (event) => !!moves[event.key] && !event.altKey && !event.ctrlKey && !event.metaKey
    && !event.shiftKey && !typing(event.target);
  const down = (event) => {
    if (!handled(event)) return;
    event.preventDefault();  // no scrolling, and no click of a focused button by Space
    if (!event.repeat) setTriggerValue("move", moves[event.key]);
  };
  const up = (event) => { if (handled(event)) event.preventDefault(); };
  const old = window.__gdinverseSlideKeys;
  if (old) {
    document.removeEventListener("keydown", old.down, true);
    document.removeEventListener("keyup", old.up, true);
  }
  window.__gdinverseSlideKeys = { down, up };
  document.addEventListener("keydown", down, true);
  document.addEventListener("keyup", up, true);
  return () => {
    document.removeEventListener("keydown", down, true);
    document.removeEventListener("keyup", up, true);
    if (window.__gdinverseSlideKeys && window.__gdinverseSlideKeys.down === down) {
      window.__gdinverseSlideKeys = null;
    }
  };
}
""".replace("MOVES", json.dumps(KEYS))
"""Listens on the whole document (not while the user types in a field, nor with a modifier key held) and sends the
move of :data:`KEYS` as the trigger value ``move``; one listener at a time, removed when the component goes."""

_mount = st.components.v2.component("gdinverse_slide_keys", js=KEYS_JS)


def keys(*, key: str, on_move: Callable[[str], None]) -> None:
    """Listen for the presenter's keys while this page shows; ``on_move`` gets "next", "back", "first" or "last"
    before the page's next run draws anything."""

    def moved() -> None:
        move = getattr(st.session_state[key], "move", None)
        if move in ("next", "back", "first", "last"):
            on_move(move)

    _mount(key=key, on_move_change=moved)


def target(move: str, *, now: int, last: int) -> int:
    """The step a move leads to from step ``now`` of 1..``last``: never outside them."""
    goal = {"next": now + 1, "back": now - 1, "first": 1, "last": last}[move]
    return min(last, max(1, goal))
