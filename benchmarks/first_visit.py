"""A student's first visit to each page, in a fresh Chromium: the bytes it transfers and when its last chart is drawn.

Starts ``deploy/serve-local 2`` (two replicas behind HAProxy), warms both replicas (every page opened twice, as
after the first minutes of a lecture), then opens each page at its defaults in a new browser context (an empty
cache, no cookie) ``--repeats`` times directly from a replica and through the proxy. Counts the bytes as the
browser received them (CDP ``Network.loadingFinished`` ``encodedDataLength``: compressed size plus headers) and
the websocket's payload (``Network.webSocketFrameReceived``), and times from the request to the moment the
page's last Plotly chart has drawn (every ``.js-plotly-plot`` holding its ``.main-svg``, as many as the page
sends, and the script run finished), measured in the page with ``performance.now()`` (0 = navigation start).

Targets, through the proxy: at most 3 MB on a first visit to any page; the last chart drawn within 2.5 s. A
milestone table (``--timeline``) shows what the browser waited on: the HTML, Streamlit's main bundle, the
websocket opened, the page's messages received, the Plotly bundle received, the first and the last chart drawn.

``--cold``: the first student of a lecture instead. Each page (and each of Compare's lessons) is opened as the
first visit of a new ``deploy/serve-local 1``, started afresh for every visit: once its replica has said it is
ready (``gdinverse app`` imports the app as it starts, ``gdinverse_app/warm.py``), with nothing of any page
computed or cached.
Target: the last chart within 2.5 s on every page, and within 5 s for Compare's lessons (median).

Run from the repository root (Chromium shares this machine's cores with the server):

    python benchmarks/first_visit.py [--repeats 3] [--timeline] [--chunks gradient_descent] [--cold]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ holds the server and the client
from playwright.async_api import Browser, async_playwright

from benchmarks.loadclient import open_page
from benchmarks.server import CHROMIUM, FLAGS, Proxy, page_paths, proxy_server
from gdinverse_app.models.compare import LESSONS
from gdinverse_app.warm import READY

PAGES = page_paths()
FIRST_VISIT_FLAGS = [*FLAGS, "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
BYTES_CAP, SECONDS_CAP = 3_000_000, 2.5
MB = 1e6
CHART_TIMES = """
window.__chartTimes = [];
new MutationObserver(() => {
  const drawn = [...document.querySelectorAll('.js-plotly-plot')].filter((p) => p.querySelector('.main-svg')).length;
  while (window.__chartTimes.length < drawn) window.__chartTimes.push(performance.now());
}).observe(document, {childList: true, subtree: true});
"""
DRAWN = """(charts) => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')].filter((p) => p.querySelector('.main-svg'));
  const running = document.querySelector('[data-testid="stStatusWidget"]');
  const failed = document.querySelector('[data-testid="stException"]');
  if (failed) return {ms: performance.now(), failed: true, drawn: plots.length};
  if (plots.length >= charts && !running && document.querySelector('[data-testid="stSidebar"] a')) {
    return {ms: performance.now(), failed: false, drawn: plots.length};
  }
  return false;
}"""


@dataclass
class Visit:
    """One first visit, as the browser saw it."""

    page: str
    via: str
    seconds: float = 0.0
    """Navigation start to the last chart drawn (and the script run finished)."""
    http_bytes: int = 0
    """Bytes received over HTTP: compressed bodies plus headers."""
    ws_bytes: int = 0
    """The websocket's payload (after any permessage-deflate)."""
    charts: int = 0
    problem: str = ""
    resources: dict[str, int] = field(default_factory=dict)
    """URL path to bytes received."""
    main_thread: dict[str, float] = field(default_factory=dict)
    """Seconds the page's main thread spent, up to the last chart (CDP Performance metrics): "TaskDuration" (busy
    in all), "ScriptDuration" (running JavaScript), "LayoutDuration", "RecalcStyleDuration"; and "Chromium CPU",
    the CPU seconds all of Chromium's processes used from the request to the last chart."""
    milestones: dict[str, float] = field(default_factory=dict)
    """Seconds after the document request: "html", "main bundle", "websocket open", "last message",
    "plotly bundle" (received), "first chart" and "last chart" (drawn)."""


def chromium_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's Chromium processes (browser, renderers, GPU...)."""
    total = 0.0
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "chrom" in process.name():
                times = process.cpu_times()
                total += times.user + times.system
    return total


async def first_visit(browser: Browser, url: str, page: str, path: str, charts: int, via: str) -> Visit:
    """Open ``url/path`` in a fresh context; wait for ``charts`` drawn charts; count what arrived."""
    visit = Visit(page, via)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        tab = await context.new_page()
        await tab.add_init_script(CHART_TIMES)  # when each chart got its SVG, in the page's own clock
        cdp = await context.new_cdp_session(tab)
        urls: dict[str, str] = {}
        started: list[float] = []
        last_frame: list[float] = []

        def sent(event: dict[str, Any]) -> None:
            urls[event["requestId"]] = event["request"]["url"]
            if not started:
                started.append(event["timestamp"])

        def finished(event: dict[str, Any]) -> None:
            visit.http_bytes += int(event["encodedDataLength"])
            where = urls.get(event["requestId"], "?").removeprefix(url)
            visit.resources[where] = visit.resources.get(where, 0) + int(event["encodedDataLength"])
            if started:
                moment = event["timestamp"] - started[0]
                name = where.rsplit("/", 1)[-1]
                if where.split("?")[0] == f"/{path}".split("?")[0]:
                    visit.milestones["html"] = moment
                elif name.startswith("index.") and name.endswith(".js"):
                    visit.milestones["main bundle"] = moment
                elif name.startswith("PlotlyChart."):
                    visit.milestones["plotly bundle"] = moment

        def frame(event: dict[str, Any]) -> None:
            response = event["response"]
            data = response["payloadData"]
            binary = response["opcode"] == 2
            visit.ws_bytes += len(base64.b64decode(data)) if binary else len(data.encode())
            last_frame[:] = [event["timestamp"]]

        def opened(event: dict[str, Any]) -> None:
            if started:
                visit.milestones["websocket open"] = event["timestamp"] - started[0]

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.webSocketFrameReceived", frame)
        cdp.on("Network.webSocketHandshakeResponseReceived", opened)
        await cdp.send("Network.enable")
        await cdp.send("Performance.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cpu = chromium_cpu()
        await tab.goto(f"{url}/{path}", wait_until="commit", timeout=120_000)
        result = await (await tab.wait_for_function(DRAWN, arg=charts, polling="raf", timeout=120_000)).json_value()
        visit.seconds, visit.charts = result["ms"] / 1000, result["drawn"]
        visit.main_thread["Chromium CPU"] = chromium_cpu() - cpu
        metrics = {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}
        for name in ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration"):
            visit.main_thread[name] = float(metrics.get(name, 0.0))
        if result["failed"]:
            visit.problem = "an exception box"
        await asyncio.sleep(1.5)  # late requests (fonts, icons) still belong to the first visit
        if last_frame and started:
            visit.milestones["last message"] = last_frame[0] - started[0]
        visit.milestones["last chart"] = visit.seconds
        chart_times = await tab.evaluate("window.__chartTimes || []")
        if chart_times:
            visit.milestones["first chart"] = chart_times[0] / 1000
    except Exception as exc:  # a timeout is a result, not the end of the benchmark
        visit.problem = f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        await context.close()
    return visit


async def benchmark(args: argparse.Namespace) -> bool:
    with proxy_server(2) as proxy:
        direct = proxy.replicas["r1"]
        charts = {}
        for replica in proxy.replicas.values():
            for page, path in PAGES.items():
                for _ in range(2):
                    run = await open_page(replica, path)
                charts[page] = run.elements["plotly_chart"]
        visits: list[Visit] = []
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FIRST_VISIT_FLAGS)
            try:
                await first_visit(browser, direct, "home", "", 0, "warm-up")  # Chromium's own first start
                for page, path in PAGES.items():
                    for _ in range(args.repeats):
                        for via, url in (("direct", direct), ("proxy", proxy.url)):
                            visits.append(await first_visit(browser, url, page, path, charts[page], via))
                            print(f"{page} {via}: {visits[-1].seconds:.2f} s, {visits[-1].http_bytes / MB:.2f} MB")
            finally:
                await browser.close()
    return report(args, visits, charts)


MILESTONES = ["html", "main bundle", "websocket open", "last message", "plotly bundle", "first chart", "last chart"]
"""The milestones of a first visit that the timeline tables show, in order."""


def milestone_cells(visits: list[Visit]) -> list[str]:
    """Each milestone's median over ``visits``, in seconds ("—" where none reached it)."""
    cells = []
    for name in MILESTONES:
        values = [v.milestones[name] for v in visits if name in v.milestones]
        cells.append(f"{statistics.median(values):.2f}" if values else "—")
    return cells


COLD_PATHS = PAGES | {f"compare lesson {name}": f"compare?lesson={name}" for name in LESSONS}
"""Every page and every lesson of Compare, cold."""
COLD_CAPS = {name: (5.0 if name.startswith("compare lesson") else SECONDS_CAP) for name in COLD_PATHS}


async def warmed_up(proxy: Proxy, timeout: float = 120) -> None:
    """Wait until the replica's log says its warm-up is done (``gdinverse_app.warm``): a server started before the
    lecture, whose first student comes after it is ready, with nothing of any page computed."""
    log = proxy.workdir / "r1.log"
    deadline = time.monotonic() + timeout
    while not (log.exists() and READY in log.read_text()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the replica did not say {READY!r} within {timeout:g} s; see {log}")
        await asyncio.sleep(0.2)


async def cold(args: argparse.Namespace) -> bool:
    """Each path's first visit to a server started for it; the milestones and a table with the caps."""
    paths = {name: path for name, path in COLD_PATHS.items() if not args.only or name in args.only}
    with proxy_server(1) as proxy:  # how many charts each path draws
        charts = {}
        for name, path in paths.items():
            page, _, query = path.partition("?")
            charts[name] = (await open_page(proxy.url, page, query)).elements["plotly_chart"]
    visits: list[Visit] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FIRST_VISIT_FLAGS)
        try:
            for name, path in paths.items():
                for _ in range(args.repeats):
                    with proxy_server(1) as proxy:
                        await warmed_up(proxy)
                        visits.append(await first_visit(browser, proxy.url, name, path, charts[name], "cold"))
                    print(f"{name} cold: {visits[-1].seconds:.2f} s {visits[-1].problem or ''}")
        finally:
            await browser.close()
    by: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        by[visit.page].append(visit)
    print(f"\n### First visit to a new server (deploy/serve-local 1), fresh Chromium: median of {args.repeats} (max)\n")
    print(
        "| page | charts | time to last chart | cap | server's run (websocket open → last message) | "
        + " | ".join(MILESTONES)
        + " |"
    )
    print("|---|---:|---:|---:|---:" + "|---:" * len(MILESTONES) + "|")
    met = True
    for name in paths:
        vs = by[name]
        seconds = [v.seconds for v in vs]
        runs = [v.milestones["last message"] - v.milestones["websocket open"] for v in vs
                if "last message" in v.milestones and "websocket open" in v.milestones]  # fmt: skip
        cells = milestone_cells(vs)
        median = statistics.median(seconds)
        met = met and median <= COLD_CAPS[name] and all(v.charts >= charts[name] and not v.problem for v in vs)
        server = f"{statistics.median(runs):.2f} s" if runs else "—"
        print(
            f"| {name} | {charts[name]} | {median:.2f} s ({max(seconds):.2f}) | {COLD_CAPS[name]:g} s | {server} | "
            + " | ".join(cells)
            + " |"
        )
    print(
        f"\n- {'met' if met else '**not met**'}: every page within {SECONDS_CAP:g} s cold, Compare's lessons within 5 s"
    )
    return met


def report(args: argparse.Namespace, visits: list[Visit], charts: dict[str, int]) -> bool:
    by: dict[tuple[str, str], list[Visit]] = defaultdict(list)
    for visit in visits:
        by[visit.page, visit.via].append(visit)
    print(f"\n### First visit per page in a fresh Chromium context: median of {args.repeats} (max)\n")
    print("| page | charts | bytes, direct | bytes, through the proxy | websocket payload | time to last chart, "
          "direct | time to last chart, proxy |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    worst_bytes, worst_seconds = 0.0, 0.0
    for page in PAGES:
        d, p = by[page, "direct"], by[page, "proxy"]
        mb = {via: statistics.median(v.http_bytes for v in vs) / MB for via, vs in (("d", d), ("p", p))}
        ws = statistics.median(v.ws_bytes for v in p) / 1e3
        seconds = {via: [v.seconds for v in vs] for via, vs in (("d", d), ("p", p))}
        worst_bytes = max(worst_bytes, max(v.http_bytes for v in p) / MB)
        worst_seconds = max(worst_seconds, statistics.median(seconds["p"]))
        print(
            f"| {page} | {charts[page]} | {mb['d']:.2f} MB | {mb['p']:.2f} MB | {ws:.0f} kB "
            f"| {statistics.median(seconds['d']):.2f} s ({max(seconds['d']):.2f}) "
            f"| {statistics.median(seconds['p']):.2f} s ({max(seconds['p']):.2f}) |"
        )
    if args.timeline:
        print("\n### Through the proxy: seconds after the request (median)\n")
        print("| page | " + " | ".join(MILESTONES) + " |\n|---" + "|---:" * len(MILESTONES) + "|")
        for page in PAGES:
            print(f"| {page} | " + " | ".join(milestone_cells(by[page, "proxy"])) + " |")
        metrics = ["TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "Chromium CPU"]
        print("\n### Through the proxy: the browser until the last chart, seconds (median)\n")
        print("| page | time to last chart | main thread busy | running JavaScript | layout | style | Chromium CPU |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for page in PAGES:
            vs = by[page, "proxy"]
            cells = [f"{statistics.median(v.main_thread.get(m, 0.0) for v in vs):.2f}" for m in metrics]
            print(f"| {page} | {statistics.median(v.seconds for v in vs):.2f} | " + " | ".join(cells) + " |")
    if args.chunks:
        print(f"\n### {args.chunks}: what a first visit fetches (over 50 kB), bytes received\n")
        print("| resource | direct | through the proxy |\n|---|---:|---:|")
        d, p = by[args.chunks, "direct"][0].resources, by[args.chunks, "proxy"][0].resources
        for where in sorted(d, key=lambda w: -d[w]):
            if d[where] > 50_000:
                print(f"| `{where.split('?')[0]}` | {d[where] / 1e3:.0f} kB | {p.get(where, 0) / 1e3:.0f} kB |")
    problems = [f"{v.page} {v.via}: {v.problem}" for v in visits if v.problem or v.charts < charts[v.page]]
    for text in problems[:10]:
        print(f"- problem: {text}")
    targets = {
        "every visit drew every chart, no exception": not problems,
        f"through the proxy, at most {BYTES_CAP / MB:g} MB on any page ({worst_bytes:.2f} MB)": worst_bytes * MB
        <= BYTES_CAP,
        f"through the proxy, the last chart within {SECONDS_CAP:g} s on every page (median; worst "
        f"{worst_seconds:.2f} s)": worst_seconds <= SECONDS_CAP,
    }
    print()
    for target, met in targets.items():
        print(f"- {'met' if met else '**not met**'}: {target}")
    print(f"\nload average over 1 min at the end: {os.getloadavg()[0]:.1f}")
    return all(targets.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="visits per page and way (default 3, at most 10)")
    parser.add_argument("--timeline", action="store_true", help="print when each milestone arrived")
    parser.add_argument("--chunks", choices=list(PAGES), help="list the resources this page fetches")
    parser.add_argument("--cold", action="store_true", help="each page as the first visit to a new server")
    parser.add_argument("--only", nargs="+", metavar="PAGE", help="with --cold: only these (page names, or lessons "
                        "as 'compare lesson hilbert')")  # fmt: skip
    args = parser.parse_args()
    if not 1 <= args.repeats <= 10:
        parser.error(f"--repeats must be between 1 and 10; received {args.repeats}")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium")
    sys.exit(0 if asyncio.run(cold(args) if args.cold else benchmark(args)) else 1)


if __name__ == "__main__":
    main()
