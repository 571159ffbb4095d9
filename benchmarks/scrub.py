"""A learning rate changed on the server against one scrubbed in the browser: the time until the chart shows it.

Starts the app (one ``streamlit run`` on loopback, idle but for this browser), opens the Gradient descent page with
its "scrub the learning rate" figure open in Chromium, and measures in the page's own clock (``performance.now()``,
0 at the key press or the click, from the input event's ``timeStamp``):

- **server**: the page's learning-rate slider moved one stop with the arrow key (a new lr each time, so nothing
  comes from a cache), until the loss chart holds the new run: Streamlit sends the change, the server reruns the
  page, and the browser draws the chart it sends back;
- **browser**: a click on a stop of the scrub figure's slider, until its readout shows that stop's run (plotly goes
  to the frame it already holds; nothing is sent to the server, and the benchmark checks that).

Prints the median and the 95th percentile of ``--changes`` changes of each (default 20). Run from the repository
root:

    python benchmarks/scrub.py [--changes 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ holds the server
from playwright.sync_api import Page, sync_playwright

from benchmarks.server import CHROMIUM, FLAGS, IDLE, streamlit_server

SETUP = """
window.__input = 0;
for (const kind of ["keydown", "mousedown"]) {
  document.addEventListener(kind, (event) => { window.__input = event.timeStamp; }, true);
}
window.__sent = 0;
const Native = window.WebSocket;
window.WebSocket = class extends Native { send(data) { window.__sent += 1; return super.send(data); } };
window.__watch = (read) => {
  const before = read();
  window.__changed = new Promise((resolve) => {
    const check = () => {
      const now = read();
      if (now !== null && now !== before) resolve(performance.now() - window.__input);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
};
"""
"""The input's time, a count of messages sent, and a watch that resolves with the milliseconds from the input to
the first animation frame at which ``read()`` returns something new."""

LOSS_DATA = (
    "() => { const gd = document.querySelector('.st-key-loss .js-plotly-plot'); return gd && gd.data ? gd.data[0].y "
    ": null; }"
)
SCRUB_TEXT = (
    "() => { const a = document.querySelector('.st-key-scrub .annotation-text'); return a ? a.textContent : null; }"
)


def settle(page: Page) -> None:
    page.wait_for_function(IDLE, timeout=120_000)
    page.wait_for_timeout(400)


def server_side(page: Page, changes: int) -> tuple[list[float], int]:
    """Move the page's lr slider one stop with the arrow key, ``changes`` times; the ms until the loss chart shows
    the new run each time, and how many messages went to the server."""
    thumb = page.get_by_role("slider", name="Learning rate (log scale)")
    sent = page.evaluate("() => window.__sent")
    times = []
    for _ in range(changes):
        thumb.focus()
        page.evaluate(f"() => window.__watch({LOSS_DATA})")
        page.keyboard.press("ArrowLeft")  # a smaller lr each time: a run no cache holds
        times.append(page.evaluate("() => window.__changed"))
        settle(page)
    return times, page.evaluate("() => window.__sent") - sent


def client_side(page: Page, changes: int) -> tuple[list[float], int]:
    """Click ``changes`` stops of the scrub figure's slider in turn; the ms until its readout changes each time, and
    how many messages went to the server meanwhile."""
    chart = page.locator(".st-key-scrub .js-plotly-plot")
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    rail = chart.locator(".slider-rail-rect").bounding_box()
    assert rail is not None
    sent = page.evaluate("() => window.__sent")
    times = []
    for i in range(changes):
        fraction = 0.05 + 0.9 * ((i * 7) % changes) / changes  # stops in a scattered order: each a change
        page.evaluate(f"() => window.__watch({SCRUB_TEXT})")
        page.mouse.click(rail["x"] + fraction * rail["width"], rail["y"] + rail["height"] / 2)
        times.append(page.evaluate("() => window.__changed"))
        page.wait_for_timeout(150)
    return times, page.evaluate("() => window.__sent") - sent


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20, help="changes of each kind (default 20, 5 to 100)")
    args = parser.parse_args()
    if not 5 <= args.changes <= 100:
        parser.error(f"--changes must be between 5 and 100; received {args.changes}")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium")
    with streamlit_server() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(SETUP)
        page.goto(f"{url}/gradient_descent?show_scrub=true&lr=0.4605")
        page.locator(".st-key-scrub .slider-rail-rect").wait_for(timeout=120_000)
        settle(page)
        client, sent = client_side(page, args.changes)
        server, rerun = server_side(page, args.changes)
        browser.close()
    print(f"\n### A learning rate changed: from the input to the chart showing it ({args.changes} changes each)\n")
    print("| how | median | 95th percentile | messages to the server |\n|---|---:|---:|---:|")
    print(f"| server: the page's lr slider, a rerun | {statistics.median(server):.0f} ms | {p95(server):.0f} ms | "
          f"{rerun} |")  # fmt: skip
    print(
        f"| browser: the scrub figure's slider | {statistics.median(client):.0f} ms | {p95(client):.0f} ms | {sent} |"
    )
    print(f"\nload average over 1 min at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
