"""A small class at once: 8 fresh sessions open each page at the same moment, over the app's own websocket protocol.

The short form of ``benchmarks/load.py`` (which measures times and memory with 30 sessions and real browsers):
here every run must finish successfully, show no exception and send the page. No time is asserted. The first
page is opened by a crowd on a cold server, so first imports and empty caches are under concurrent load too.
"""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.loadclient import SUCCESS, crowd
from benchmarks.server import page_paths, streamlit_server

SESSIONS = 8
PAGES = page_paths()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url():
    with streamlit_server() as (url, _):
        yield url


@pytest.mark.parametrize("page", PAGES)
def test_a_crowd_opens_the_page(url, page):
    runs = asyncio.run(crowd(url, PAGES[page], SESSIONS))
    assert [run.status for run in runs] == [SUCCESS] * SESSIONS
    assert [run.exceptions for run in runs] == [[]] * SESSIONS
    assert not any(run.page_not_found for run in runs)
    assert all(run.bytes > 0 and run.elements["heading"] >= 1 for run in runs)  # every page has a title
    if page not in ("home", "exercises"):  # the exercises page draws a chart only when a question is revealed
        assert all(run.elements["plotly_chart"] >= 2 for run in runs)  # the hidden frame.PRIMER, and a figure
