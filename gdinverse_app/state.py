"""The one mechanism that keeps a page's settings in the link (so a link reopens the same lesson) and in the session
(so the matrix and the run's settings follow the student from page to page), projector mode included.

Each setting has a name, which is its link parameter (``?n=6&present=1``: links teachers have shared keep working),
and a widget key namespaced by page (``gradient_descent:n``, :func:`key`). A page calls :func:`load` before drawing
its widgets, draws each with ``key=state.key(name)`` and no ``value``, and calls :func:`save` after. :func:`load`
puts each value into the widget's key first: from the link when the link carries a value this session did not write
(a first visit, or a link followed inside the session), else the widget's own value when the user has just changed
it, else the value last kept by any page, else the default. Values from a link are checked like the widget would
check them: out of range is clamped, garbage falls back to the default, and either way the user is told.

Why not Streamlit's own ``bind="query-params"``: it drops a bad value from a link silently (here the user is told
what was changed), it drops out-of-range numbers instead of clamping them to the cap, it binds a widget on one page
only (here the matrix follows the student), it cannot snap a learning rate to the options of a slider whose range
follows the matrix, and it would write a pasted matrix of any length into the link (here text over
:data:`MAX_URL_TEXT` characters stays in the session).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st
from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

from gdinverse_app.settings import MAX_URL_TEXT, MAX_WIDGET_SEED, PRESENT, Setting

__all__ = ["MAX_URL_TEXT", "MAX_WIDGET_SEED", "PRESENT", "Setting", "begin", "expander", "keep", "key", "load",
           "presenting", "save", "value"]  # fmt: skip

_KEPT = "_kept"
"""Session key of the values every page shares, by setting name."""
_DRAWN = "_drawn"
"""Session key of the value each widget key held when its page last saved: a different value now is the user's."""
_WRITTEN = "_written"
"""Session key of what :func:`save` last wrote into the link for each name (None: left out), to tell a followed link
from our own."""
_PAGE = "_page"
"""Session key of the page now running (its widget keys' namespace)."""


def begin(page: str) -> None:
    """Start a run of ``page``: its widget keys are namespaced by it (call first, before any :func:`load`)."""
    st.session_state[_PAGE] = page


def key(name: str) -> str:
    """The widget key of setting ``name`` on the page now running: ``"compare:n"``."""
    return f"{st.session_state.get(_PAGE, 'app')}:{name}"


def load(settings: Iterable[Setting], *, notify: bool = True) -> list[str]:
    """Put each setting's value into its widget key before the widget is drawn; return (and, with ``notify``,
    show) what a link got wrong."""
    state = st.session_state
    kept = state.setdefault(_KEPT, {})
    drawn = state.setdefault(_DRAWN, {})
    written = state.setdefault(_WRITTEN, {})
    notices = []
    link = st.query_params.to_dict()  # one read of the link for all settings
    for setting in settings:
        name, widget = setting.name, key(setting.name)
        raw = link.get(name)
        if raw is not None and raw != written.get(name):  # a link's value, not the one we wrote
            value, notice = setting.read(raw)
            written[name] = raw
            if notice:
                notices.append(notice)
        elif widget in state and state[widget] != drawn.get(widget, _UNSET):  # the user has just changed it
            continue
        else:
            value = kept.get(name, setting.default)
        kept[name] = value
        state[widget] = list(value) if isinstance(value, tuple) else value  # multiselects want lists
    if notices and notify:
        warn_link(notices)
    return notices


_UNSET = object()


def warn_link(notices: list[str]) -> None:
    """Say what a link's settings got wrong and what was used instead (text as typed, never Markdown)."""
    from gdinverse_app.ui.frame import plain

    st.warning(plain("Some settings in the link were changed: " + "; ".join(notices) + "."), icon=":material/link:")


def value(name: str, default: Any = None) -> Any:
    """The current value of setting ``name`` on this page (its widget's, else the kept one)."""
    state = st.session_state
    widget = key(name)
    found = state[widget] if widget in state else state.get(_KEPT, {}).get(name, default)
    return tuple(found) if isinstance(found, list) else found


def save(settings: Iterable[Setting]) -> None:
    """Keep the widgets' values for other pages and put the ones not at their default into the URL."""
    state = st.session_state
    kept = state.setdefault(_KEPT, {})
    drawn = state.setdefault(_DRAWN, {})
    written = state.setdefault(_WRITTEN, {})
    link = st.query_params.to_dict()  # written to only where a value changed
    for setting in settings:
        name, widget = setting.name, key(setting.name)
        current = state[widget] if widget in state else kept.get(name, setting.default)
        current = tuple(current) if isinstance(current, list) else current
        kept[name] = current
        if widget in state:
            drawn[widget] = state[widget]
        text = setting.write(current)
        written[name] = text
        if text is None:
            if name in link:
                del st.query_params[name]
        elif link.get(name) != text:
            st.query_params[name] = text


def keep(name: str, value: Any) -> None:
    """Set setting ``name`` from code (a button's callback, a lesson), on this page or another: every page's widget
    takes it on its next :func:`load`; a value in the link for it is dropped."""
    state = st.session_state
    state.setdefault(_KEPT, {})[name] = value
    drawn = state.setdefault(_DRAWN, {})
    for widget in [k for k in state if isinstance(k, str) and k.endswith(f":{name}")]:
        del state[widget]
        drawn.pop(widget, None)
    if name in st.query_params:
        del st.query_params[name]
        state.setdefault(_WRITTEN, {})[name] = None


def presenting() -> bool:
    """Whether this run is in projector mode (as loaded by the page's frame)."""
    return bool(value(PRESENT.name, False))


def expander(label: str, *, name: str, icon: str | None = None) -> ExpanderContainer:
    """A closed expander whose content the page draws only while it is open (``if box.open:``), so that a section
    nobody opened costs a rerun, and a first visit, nothing. Whether it is open is a setting like the others: in
    the link (``?name=true``, so a lecture step can open it) and kept across pages."""
    setting = Setting(name, False)
    load([setting])
    box = st.expander(label, key=key(name), on_change="rerun", icon=icon)
    save([setting])
    return box


def titled_expander(label: str, *, name: str, first: bool, icon: str | None = None) -> ExpanderContainer:
    """An expander whose title follows what it holds ("Matrix M: Hilbert 6×6 · κ = …") and that stays open while
    it is edited: Streamlit makes a new expander when a title changes, so the new one opens where the last one was
    open; ``first`` is whether it starts open."""
    remembered = f"_{key(name)}_open"
    box = st.expander(label, expanded=st.session_state.get(remembered, first), key=key(name), on_change="rerun",
                      icon=icon)  # fmt: skip
    st.session_state[remembered] = bool(box.open)
    return box
