"""A whole-number setting drawn for the screen it is on: a slider on a desk, a number input with − and + buttons on a
phone (a 1–128 slider on a 390 px screen moves 2.7 px a value). Both widgets are drawn and CSS shows one
(:data:`CSS`, in every page's CSS); the number input follows the setting's slider, which holds the value."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from gdinverse_app import state

__all__ = ["CSS", "PHONE_WIDTH", "whole_number"]

PHONE_WIDTH = 640
"""Screens up to this many CSS pixels wide get the number input."""

CSS = f"""
[class*="st-key-phone_"] {{ display: none; }}
@media (max-width: {PHONE_WIDTH}px) {{
  [class*="st-key-phone_"] {{ display: block; }}
  [class*="st-key-desk_"] {{ display: none; }}
}}
"""
"""Shows the slider (in a container keyed ``desk_NAME``) or the number input (``phone_NAME``) by screen width."""


def whole_number(where: DeltaGenerator, label: str, low: int, high: int, *, name: str, help: str | None = None) -> int:
    """Draw setting ``name`` (its widget key is ``state.key(name)``, already loaded) as a slider and as a number
    input, in ``where``; return its value."""
    setting_key, phone_key = state.key(name), state.key(f"{name}_phone")
    st.session_state[phone_key] = st.session_state[setting_key]  # before it is drawn: the setting's value

    def typed() -> None:
        st.session_state[setting_key] = st.session_state[phone_key]

    where.container(key=f"desk_{name}").slider(label, low, high, key=setting_key, help=help)
    where.container(key=f"phone_{name}").number_input(
        label, low, high, step=1, key=phone_key, on_change=typed, help=help
    )
    return int(st.session_state[setting_key])
