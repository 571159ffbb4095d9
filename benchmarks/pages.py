"""Rerun time of each page with defaults against a one-line page, and the largest figure each page sends.

Runs the app in Streamlit's AppTest (no server, no browser): each page is opened once (computing and caching
its work), then rerun several times as a moved display-only widget would. The one-line page (``st.write``) is
the floor of a Streamlit rerun. Figure sizes are the JSON ``st.plotly_chart`` sends, at the defaults and at
the app's caps (128×128 matrices, 50-frame animations). Run from the repository root:

    python benchmarks/pages.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = {
    "home": None,
    "exact_inverse": "pages/exact_inverse.py",
    "gradient_descent": "pages/gradient_descent.py",
    "compare": "pages/compare.py",
    "indicator_matrix": "pages/indicator_matrix.py",
}
CAPS = {
    "exact_inverse": {"preset": "random", "n": "128"},
    "gradient_descent": {"preset": "random", "n": "128", "steps": "2000", "every": "40"},
    "compare": {"preset": "random", "n": "128", "rsteps": "500", "sweep_count": "200"},
    "indicator_matrix": {"docs": "500", "words": "200"},
}


def opened(page: str | None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600).run()
    if page:
        at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def rerun_ms(at: AppTest, repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def largest_figure(at: AppTest) -> int:
    return max((len(chart.proto.spec) for chart in at.get("plotly_chart")), default=0)


def one_line_page() -> float:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "one_line.py"
        script.write_text("import streamlit as st\nst.write('one line')\n")
        at = AppTest.from_file(str(script)).run()
        return rerun_ms(at)


def main() -> None:
    floor = one_line_page()
    print("| page | rerun, defaults | × one-line page | largest figure, defaults | largest figure, at the caps |")
    print("|---|---:|---:|---:|---:|")
    print(f"| one-line page | {floor:.1f} ms | 1.0× | — | — |")
    for name, page in PAGES.items():
        at = opened(page)
        assert not at.exception, at.exception
        ms, size = rerun_ms(at), largest_figure(at)
        capped = opened(page, CAPS[name]) if name in CAPS else None
        cap_size = f"{largest_figure(capped) / 1e6:.2f} MB" if capped else "—"
        print(f"| {name} | {ms:.1f} ms | {ms / floor:.1f}× | {size / 1e3:.1f} kB | {cap_size} |")


if __name__ == "__main__":
    main()
