"""Page settings that live in the URL (so a link reopens the same lesson) and in the session (kept across pages).

Each widget is drawn with ``key=setting.key`` and no ``value``: :func:`load` puts
its value into ``st.session_state`` first — from the link on a first visit, or
when a link followed inside the session (``st.page_link``, ``st.switch_page``)
carries a value other than the one :func:`save` last wrote, else the value kept
from another page, else the default. Values from a link are checked like the
widget would check them: out of range is clamped, garbage falls back to the
default, and either way the user is told.

Why not Streamlit's own ``bind="query-params"`` on the widgets: it drops a bad
value from a link silently (here the user is told what was changed), it drops
out-of-range numbers instead of clamping them to the cap, it binds a widget on
one page only (here the matrix and the run's settings follow the student from
page to page), it cannot snap a learning rate to the options of a slider whose
range follows the matrix, and it would write a pasted matrix of any length into
the link (here text over :data:`MAX_URL_TEXT` characters stays in the session).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

from gdinverse_app.ui.frame import plain

MAX_WIDGET_SEED = 2**31 - 1
"""Largest seed the app's number inputs take (Streamlit's widgets hold 32-bit integers); the package takes up to
``gdinverse.MAX_SEED``."""
KEPT = "_kept_settings"
WRITTEN = "_written_to_link"
"""What :func:`save` last wrote into the link for each key (None: left out), to tell a followed link from our own."""
MAX_URL_TEXT = 2000
"""Longest text written into a link; longer text stays in the session only."""


@dataclass(frozen=True)
class Setting:
    """One widget value that a link can carry."""

    key: str
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    options: tuple[float, ...] | None = None
    """For a select slider over numbers: a value from a link snaps to the nearest option."""

    def read(self, raw: str) -> tuple[Any, str | None]:
        """The value a link gives, and a notice if it had to be changed."""
        kind = type(self.default)
        if kind is tuple:  # several of the choices, comma-separated
            picked = tuple(dict.fromkeys(part for part in raw.split(",") if part))
            wrong = [part for part in picked if part not in (self.choices or ())]
            if wrong or not picked:
                return self.default, f"{self.key}={_shown(raw)} is not a list of {', '.join(self.choices or ())}"
            return picked, None
        if self.choices is not None:
            if raw in self.choices:
                return raw, None
            return self.default, f"{self.key}={_shown(raw)} is not one of {', '.join(self.choices)}"
        if kind is str:
            return raw, None
        if kind is bool:
            if raw in ("true", "false"):
                return raw == "true", None
            return self.default, f"{self.key}={_shown(raw)} is not true or false"
        try:
            value = kind(float(raw)) if kind is int and float(raw).is_integer() else kind(raw)
        except (ValueError, OverflowError):
            return self.default, f"{self.key}={_shown(raw)} is not a {'whole ' if kind is int else ''}number"
        if isinstance(value, float) and not math.isfinite(value):
            return self.default, f"{self.key}={_shown(raw)} is not a finite number"
        return self.clamp(value)

    def clamp(self, value: Any) -> tuple[Any, str | None]:
        """``value`` within [low, high], and a notice if it was outside."""
        if self.options is not None and value not in self.options:
            nearest = min(self.options, key=lambda option: abs(math.log(option / value)) if value > 0 else option)
            return nearest, f"{self.key}={value} is not offered; using the nearest, {nearest:g}"
        if self.low is not None and value < self.low:
            return type(self.default)(self.low), f"{self.key}={value} is below the lowest value {_number(self.low)}"
        if self.high is not None and value > self.high:
            return type(self.default)(self.high), f"{self.key}={value} is above the cap {_number(self.high)}"
        return value, None

    def write(self, value: Any) -> str | None:
        """The text of ``value`` in a link, or None to leave it out."""
        if value == self.default or value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple | list):
            return None if tuple(value) == self.default else ",".join(value)
        text = repr(value) if isinstance(value, float) else str(value)
        return text if len(text) <= MAX_URL_TEXT else None


def _number(value: float) -> str:
    """A bound as the user would type it: whole numbers in full (2147483647, not 2.14748e+09)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 20 else raw[:17] + "...")


def load(settings: Iterable[Setting]) -> None:
    """Put each setting's value into session state before its widget is drawn; tell the user what a link got wrong."""
    kept = st.session_state.setdefault(KEPT, {})
    written = st.session_state.setdefault(WRITTEN, {})
    notices = []
    link = st.query_params.to_dict()  # one read of the link for all settings
    for setting in settings:
        raw = link.get(setting.key)
        followed = raw is not None and raw != written.get(setting.key)  # a link's value, not the one we wrote
        if setting.key in st.session_state and not followed:
            continue
        if raw is not None:
            value, notice = setting.read(raw)
            if notice:
                notices.append(notice)
        else:
            value = kept.get(setting.key, setting.default)
        st.session_state[setting.key] = list(value) if isinstance(value, tuple) else value  # multiselects want lists
    if notices:
        message = "Some settings in the link were changed: " + "; ".join(notices) + "."
        st.warning(plain(message), icon=":material/link:")


def save(settings: Iterable[Setting]) -> None:
    """Keep the widgets' values for other pages and put the ones not at their default into the URL."""
    kept = st.session_state.setdefault(KEPT, {})
    written = st.session_state.setdefault(WRITTEN, {})
    link = st.query_params.to_dict()  # written to only where a value changed
    for setting in settings:
        value = st.session_state.get(setting.key, setting.default)
        kept[setting.key] = value
        text = setting.write(value)
        written[setting.key] = text
        if text is None:
            if setting.key in link:
                del st.query_params[setting.key]
        elif link.get(setting.key) != text:
            st.query_params[setting.key] = text


def hold(keys: tuple[str, ...] | list[str]) -> None:
    """Re-assign the widgets' values through the session-state API before they are drawn: a widget met on another
    page (another element), or not drawn in this run (a closed expander), would otherwise start from its default."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def expander(label: str, *, key: str, icon: str | None = None) -> ExpanderContainer:
    """A closed expander whose content the page draws only while it is open (``if box.open:``), so that a section
    nobody opened costs a rerun, and a first visit, nothing. Whether it is open is a setting like the others: in
    the link (``?key=true``, so a lecture step can open it) and kept across pages."""
    setting = Setting(key, False)
    load([setting])
    box = st.expander(label, key=key, on_change="rerun", icon=icon)
    save([setting])
    return box


def keep(key: str, value: Any) -> None:
    """Set a setting from code (a button's callback) before its widget is drawn, on this page or another."""
    st.session_state.setdefault(KEPT, {})[key] = value
    st.session_state.pop(key, None)
    if key in st.query_params:
        del st.query_params[key]
