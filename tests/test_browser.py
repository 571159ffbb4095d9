"""Every page in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run`.

Screenshots land in artifacts/screenshots/. Skipped where /usr/bin/chromium is missing, unless
GDINVERSE_BROWSER=required (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.server import ROOT, streamlit_server
from gdinverse_app.ui import frame

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = ROOT / "artifacts" / "screenshots"
PAGES = {
    "home": "",
    "exact_inverse": "exact_inverse",
    "gradient_descent": "gradient_descent",
    "indicator_matrix": "indicator_matrix",
    "compare": "compare",
    "compare_hilbert": "compare?preset=hilbert&n=6&rdtype=float64&tol=0.0001&rsteps=2000",
    "exact_hilbert": "exact_inverse?preset=hilbert&n=5",
    "descent_shared_link": "gradient_descent?preset=random&n=6&cond=100&steps=400&init=zeros",
    "descent_diverging": "gradient_descent?lr=1.5",
    "indicator_text": "indicator_matrix?isource=text",
    "lecture": "lecture",
    "lecture_step5": "lecture?step=5",
    "exercises": "exercises?sheet=42",
}
LAYOUTS = {
    "desktop": ({"width": 1400, "height": 1000}, ""),
    "phone": ({"width": 390, "height": 844}, ""),
    "projector": ({"width": 1400, "height": 1000}, "present=1"),
}
"""Every page at 1400×1000, on a phone (390×844), and in projector mode."""
LAYOUT_PAGES = ("home", "lecture", "exact_inverse", "gradient_descent", "descent_step", "compare",
                "indicator_matrix", "exercises")  # fmt: skip
PATHS = {**PAGES, "descent_step": "gradient_descent?mode=step"}

SIDEBAR_LINKS = "[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']"  # st.navigation's list

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("GDINVERSE_BROWSER") == "required":
        raise RuntimeError(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is missing: the browser tests need Debian's chromium", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app served with the file watcher on, to prove the torch.classes workaround keeps the log clean."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_server("--server.fileWatcherType", "auto", log=log) as (url, _):
        yield url, log


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def settle(page) -> None:
    """Wait until the page's script has finished and its charts are drawn."""
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=60_000)
    page.locator(SIDEBAR_LINKS).nth(6).wait_for(state="attached", timeout=60_000)  # every page draws them first
    # the app's own list (a new server's first run shows Streamlit's legacy pages/ list until its one rerun)
    page.locator(SIDEBAR_LINKS).first.filter(has_text="Home").wait_for(state="attached", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000, polling=200
    )
    page.wait_for_timeout(500)


def screenshot(page, name: str, width: int = 1400, height: int = 900) -> None:
    """A screenshot of the whole page (the app scrolls inside its main block, so grow the viewport to fit), and one of
    the first screen, ``{name}_top.png``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}_top.png"))
    full = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": max(height, min(full + 40, 12_000))})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.set_viewport_size({"width": width, "height": height})


OVERFLOW = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {page: document.documentElement.scrollWidth - window.innerWidth,
          main: main ? main.scrollWidth - main.clientWidth : 0};
}"""


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_exception(app, browser, name):
    url, _ = app
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{url}/{PAGES[name]}")
    settle(page)
    if name not in ("home", "exercises"):
        page.wait_for_selector(".js-plotly-plot", state="attached", timeout=60_000)
        assert page.locator(".js-plotly-plot").count() >= 1
    assert page.locator("[data-testid='stException']").count() == 0
    links = [text.split() for text in page.locator(SIDEBAR_LINKS).all_inner_texts()]
    assert links == [
        ["home", "Home"],
        ["co_present", "Lecture"],
        ["function", "Exact", "inverse"],
        ["trending_down", "Gradient", "descent"],
        ["compare_arrows", "Compare"],
        ["grid_on", "Indicator", "matrix"],
        ["quiz", "Exercises"],
    ]  # icon, then title
    screenshot(page, name)
    page.close()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", LAYOUT_PAGES)
def test_every_page_fits_the_screen(app, browser, name, layout):
    """No horizontal overflow of the page or of its main block, no exception; screenshots of each layout."""
    url, _ = app
    viewport, query = LAYOUTS[layout]
    path = PATHS[name]
    joined = f"{path}{'&' if '?' in path else '?'}{query}" if query else path
    context = browser.new_context(viewport=viewport, is_mobile=layout == "phone", has_touch=layout == "phone")
    page = context.new_page()
    page.goto(f"{url}/{joined}")
    settle(page)
    if name not in ("home", "exercises"):
        page.wait_for_selector(".js-plotly-plot", state="attached", timeout=60_000)
    if name == "exercises":
        page.get_by_role("button", name="Reveal").first.click()
        page.wait_for_selector(".js-plotly-plot", state="attached", timeout=60_000)
        settle(page)
    page.wait_for_timeout(500)
    assert page.locator("[data-testid='stException']").count() == 0
    overflow = page.evaluate(OVERFLOW)
    assert overflow["page"] <= 0 and overflow["main"] <= 0, overflow
    hint = page.get_by_text("The sidebar holds the list of pages")
    assert hint.is_visible() == (layout == "phone"), "the hint shows where the sidebar starts collapsed"
    if layout == "desktop":  # st.navigation's list of pages, in lesson order, the current one marked
        titles = [text.split("\n")[-1] for text in page.locator(SIDEBAR_LINKS).all_inner_texts()]
        assert titles == [title for _, title, *_ in frame.PAGES]
    if layout == "projector":
        size = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('[data-testid=\"stMarkdownContainer\"] p')).fontSize)"
        )
        assert size >= 24
        if page.locator("[data-testid='stMetricValue'] p").count():  # the number a metric shows stays its largest
            value = page.evaluate(
                "parseFloat(getComputedStyle(document.querySelector('[data-testid=\"stMetricValue\"] p')).fontSize)"
            )
            assert value >= 1.5 * size, (value, size)
    screenshot(page, f"{layout}_{name}", viewport["width"], viewport["height"])
    context.close()


def test_step_button_moves_the_counter(app, browser):
    url, _ = app
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{url}/gradient_descent?mode=step")
    settle(page)
    counter = page.locator("[data-testid='stMetric']").filter(has_text="step t")
    assert counter.locator("[data-testid='stMetricValue']").inner_text() == "0"
    for button, step in (("Step", 1), ("+10", 11)):
        page.get_by_role("button", name=button, exact=True).click()
        counter.locator("[data-testid='stMetricValue']").filter(has_text=str(step)).wait_for(timeout=60_000)
        settle(page)
        assert counter.locator("[data-testid='stMetricValue']").inner_text() == str(step)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "gradient_descent_step")
    page.close()


def test_a_script_document_is_shown_as_text(app, browser):
    url, _ = app
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{url}/indicator_matrix?isource=text&documents=%3Cscript%3Ealert(1)%3C%2Fscript%3E%20hello")
    settle(page)
    page.get_by_text("From your own text").first.wait_for(state="attached")
    assert not dialogs
    assert page.locator("script:text('alert(1)')").count() == 0
    page.close()


CELL_TEXT = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(plot => {
  const layout = plot._fullLayout, traces = (plot._fullData || []).filter(t => t.type === 'heatmap' && t.z);
  return traces.flatMap(trace => {
    const x = trace.xaxis || 'x', y = trace.yaxis || 'y';
    const xa = layout[x.replace('x', 'xaxis')], ya = layout[y.replace('y', 'yaxis')];
    const cell = Math.min(xa._length / trace.z[0].length, ya._length / trace.z.length);
    const texts = Array.from(plot.querySelectorAll(`.subplot.${x}${y} .heatmaplayer text`));
    return texts.map(t => ({title: (plot.querySelector('.gtitle') || {}).textContent || '', cell,
                            shown: getComputedStyle(t).display !== 'none',
                            size: parseFloat(getComputedStyle(t).fontSize), width: t.getBoundingClientRect().width}));
  });
})"""
"""Every value printed in a heatmap cell: its figure's title, the cell's side, whether it shows, the font size and
the drawn width."""

CELL_PAGES = {
    "exact_hilbert10": "exact_inverse?preset=hilbert&n=10",
    "exact_hilbert5": "exact_inverse?preset=hilbert&n=5",
    "descent_default": "gradient_descent",
}
CELL_LAYOUTS = {
    "desktop": ({"width": 1400, "height": 1000}, "", 11),
    "phone": ({"width": 390, "height": 844}, "", 11),
    "projector": ({"width": 1280, "height": 720}, "present=1", 16),
}
"""The screens the desk and projector styles are for (the desk's, as every layout test here; a 1280 px projector),
a phone (which gets the desk's figures, narrower), and the smallest cell text each allows."""


@pytest.mark.parametrize("layout", CELL_LAYOUTS)
@pytest.mark.parametrize("name", CELL_PAGES)
def test_values_in_cells_are_legible_and_inside_their_cells(app, browser, name, layout):
    """Heatmap values were drawn 4 to 9 px tall (Hilbert 10's inverses side by side) and ran into each other on the
    projector ("3e+01" in 53 px cells): every value printed is now at least 11 px at a desk, 16 px on a projector,
    and narrower than its cell; on a phone, values plotly shrinks below 11 px are hidden (the hover gives them)."""
    url, _ = app
    viewport, query, smallest = CELL_LAYOUTS[layout]
    path = CELL_PAGES[name]
    page = browser.new_page(viewport=viewport)
    page.goto(f"{url}/{path}{'&' if '?' in path else '?'}{query}" if query else f"{url}/{path}")
    page.wait_for_selector(".js-plotly-plot", state="attached", timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000, polling=200
    )
    page.wait_for_timeout(1500)
    found = page.evaluate(CELL_TEXT)
    assert found, "some heatmap prints its values"
    for value in found:
        if value["shown"]:
            assert value["size"] >= smallest and value["width"] <= value["cell"] - 1, value
        else:  # shrunk by plotly to fit a narrower figure than it was built for: hidden by the app's CSS
            assert value["size"] < smallest, value
    if layout != "phone":  # the figures were built for these screens: nothing needs hiding
        assert all(value["shown"] for value in found)
    page.close()


def test_log_is_clean(app, browser):
    """After every page ran, the server log has no torch.classes trouble and no traceback."""
    _, log = app
    text = log.read_text()
    assert "torch.classes" not in text and "Traceback" not in text, text[-2000:]
