"""Rerun time of each page with defaults against a one-line page, and the largest figure each page sends.

Runs the app in Streamlit's AppTest (no server, no browser): each page is opened once (computing and caching
its work), then rerun several times as a moved display-only widget would. The one-line page (``st.write``) is
the floor of a Streamlit rerun. Figure sizes are the JSON ``st.plotly_chart`` sends, at the defaults and at
the app's caps (128×128 matrices, 50-frame animations). Run from the repository root:

    python benchmarks/pages.py            # page scripts compiled once, as the server does
    python benchmarks/pages.py --compile  # AppTest's own way: every run compiles the page's script again
    python benchmarks/pages.py --server   # the CPU a real server spends on a rerun (websocket client, loopback)

A server compiles a page's script once and keeps the bytecode (Streamlit's ``ScriptCache``); AppTest makes a new
``ScriptCache`` every run, so each of its reruns also compiles the script (0.2 to 1.7 ms for these pages, next to
0.1 ms for the one-line page). By default one ``ScriptCache`` serves every run here, as on the server.

``--server`` measures what a rerun costs a server: two ``streamlit run`` processes on loopback (the app, and the
one-line page with the app's settings), a protocol-level client asking each for reruns one after another, and
the CPU time (user + system) each server process spent, per rerun. It includes what AppTest leaves out:
serializing every element and handing it to the websocket.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/ holds the server and the client
from benchmarks.loadclient import Session  # noqa: E402
from benchmarks.server import page_paths, streamlit_server  # noqa: E402

PAGES = {
    "home": None,
    "exact_inverse": "pages/exact_inverse.py",
    "gradient_descent": "pages/gradient_descent.py",
    "compare": "pages/compare.py",
    "indicator_matrix": "pages/indicator_matrix.py",
    "lecture": "pages/lecture.py",
    "exercises": "pages/exercises.py",
}
CAPS = {
    "exact_inverse": {"preset": "random", "n": "128"},
    "gradient_descent": {"preset": "random", "n": "128", "steps": "2000", "every": "40"},
    "compare": {"preset": "random", "n": "128", "rsteps": "500", "sweep_count": "200"},
    "indicator_matrix": {"docs": "500", "words": "200"},
    "lecture": {"step": "7"},
    "exercises": {"questions": "20"},
}


def opened(page: str | None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600).run()
    if page:
        at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def rerun_ms(at: AppTest, repeats: int = 41) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def largest_figure(at: AppTest) -> int:
    return max((len(chart.proto.spec) for chart in at.get("plotly_chart")), default=0)


def one_line_page() -> AppTest:
    """The one-line page, opened (its script stays in a temporary folder: every rerun reads it)."""
    script = Path(tempfile.mkdtemp()) / "one_line.py"
    script.write_text("import streamlit as st\nst.write('one line')\n")
    return AppTest.from_file(str(script)).run()


def interleaved_ms(at: AppTest, floor: AppTest, repeats: int = 41) -> tuple[float, float]:
    """Median rerun times of ``at`` and of the one-line page, run alternately so both see the same machine load."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for app, kept in ((at, times[0]), (floor, times[1])):
            start = time.perf_counter()
            app.run()
            kept.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def compile_once() -> None:
    """Every AppTest run from now on shares one ``ScriptCache``, as the runs of a server do."""
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]


def server_cpu_ms(url: str, process: psutil.Process, page: str, reruns: int = 200) -> float:
    """CPU milliseconds the server ``process`` spends per rerun of ``page``, asked for one after another."""

    async def measure() -> float:
        async with Session(url) as tab:
            for _ in range(5):  # computed and cached, as at the defaults in a lecture
                await tab.run(page)
            before = sum(process.cpu_times()[:2])
            for _ in range(reruns):
                run = await tab.run(page)
                assert run.clean, (page, run.status)
            return (sum(process.cpu_times()[:2]) - before) / reruns * 1000

    return asyncio.run(measure())


def server_main() -> None:
    script = Path(tempfile.mkdtemp()) / "one_line.py"
    script.write_text("import streamlit as st\nst.write('one line')\n")
    with streamlit_server(script=script) as (floor_url, floor), streamlit_server() as (url, app):
        floor_process, app_process = psutil.Process(floor.pid), psutil.Process(app.pid)
        print("| page | server CPU per rerun | one-line page, same time | × one-line page |")
        print("|---|---:|---:|---:|")
        for name, path in page_paths().items():
            ms, floor_ms = server_cpu_ms(url, app_process, path), server_cpu_ms(floor_url, floor_process, "")
            print(f"| {name} | {ms:.1f} ms | {floor_ms:.1f} ms | {ms / floor_ms:.1f}× |")


def main() -> None:
    if "--server" in sys.argv[1:]:
        server_main()
        return
    if "--compile" not in sys.argv[1:]:
        compile_once()
    floor_app = one_line_page()
    floor = rerun_ms(floor_app)
    print("| page | rerun, defaults | × one-line page | largest figure, defaults | largest figure, at the caps |")
    print("|---|---:|---:|---:|---:|")
    print(f"| one-line page | {floor:.1f} ms | 1.0× | — | — |")
    for name, page in PAGES.items():
        at = opened(page)
        assert not at.exception, at.exception
        (ms, floor), size = interleaved_ms(at, floor_app), largest_figure(at)
        capped = opened(page, CAPS[name]) if name in CAPS else None
        cap_size = f"{largest_figure(capped) / 1e6:.2f} MB" if capped else "—"
        print(f"| {name} | {ms:.1f} ms | {ms / floor:.1f}× | {size / 1e3:.1f} kB | {cap_size} |")


if __name__ == "__main__":
    main()
