"""Every page in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run`.

Screenshots land in artifacts/screenshots/. Skipped where /usr/bin/chromium is missing, unless
GDINVERSE_BROWSER=required (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from benchmarks.server import CHROMIUM, FLAGS, IDLE, ROOT, SIDEBAR_LINKS, settle, streamlit_server
from gdinverse_app.models import lecture
from gdinverse_app.requests import LectureRequest
from gdinverse_app.ui import frame

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
    "exercises_teacher": "exercises?sheet=42&teacher=1",
}
LAYOUTS = {
    "desktop": ({"width": 1400, "height": 1000}, ""),
    "phone": ({"width": 390, "height": 844}, ""),
    "projector": ({"width": 1400, "height": 1000}, "present=1"),
}
"""Every page at 1400×1000, on a phone (390×844), and in projector mode."""
LAYOUT_PAGES = ("home", "lecture", "exact_inverse", "gradient_descent", "descent_step", "compare",
                "indicator_matrix", "exercises", "exercises_teacher")  # fmt: skip
PATHS = {**PAGES, "descent_step": "gradient_descent?mode=step"}

PLOT = ".js-plotly-plot:not(.st-key-plotly_primer .js-plotly-plot)"
"""A figure of the page (not the hidden empty one each page sends first, frame.PRIMER)."""

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
    if name not in ("home", "exercises", "exercises_teacher"):
        page.wait_for_selector(PLOT, state="attached", timeout=60_000)
        assert page.locator(PLOT).count() >= 1
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
    if name not in ("home", "exercises", "exercises_teacher"):
        page.wait_for_selector(PLOT, state="attached", timeout=60_000)
    if name == "exercises":  # a student: no Reveal before a try; a wrong answer gets the hint, then give up
        assert page.get_by_role("button", name="Reveal", exact=True).count() == 0
        page.get_by_label("Your answer").fill("0.3")
        page.get_by_label("Your answer").press("Enter")
        page.get_by_text("Hint:").wait_for(timeout=60_000)
        settle(page)
        page.get_by_role("button", name="Give up and reveal").click()
    if name == "exercises_teacher":  # the teacher: Reveal at once
        page.get_by_role("button", name="Reveal", exact=True).click()
    if name.startswith("exercises"):
        page.wait_for_selector(PLOT, state="attached", timeout=60_000)
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


SLIDE = """() => {
  const box = (selector) => { const b = document.querySelector(selector).getBoundingClientRect();
                              return {top: b.top, bottom: b.bottom, left: b.left, right: b.right}; };
  const main = document.querySelector('[data-testid="stMain"]');
  const texts = Array.from(document.querySelectorAll('.st-key-slide_figure .js-plotly-plot text'))
    .map((t) => t.getBoundingClientRect()).filter((b) => b.width > 0);
  return {scroll: main.scrollHeight - main.clientHeight, slide: box('.st-key-slide'),
          figure: box('.st-key-slide_figure'), bar: box('.st-key-slide_bar'),
          textBottom: Math.max(...texts.map((b) => b.bottom)), textRight: Math.max(...texts.map((b) => b.right)),
          header: document.querySelector('[data-testid="stHeader"]')?.offsetHeight ?? 0,
          width: window.innerWidth, height: window.innerHeight};
}"""


def open_slide(browser, url: str, number: int, size: tuple[int, int]):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{url}/lecture?step={number}&present=1")
    settle(page)
    page.locator(".st-key-slide_figure .js-plotly-plot").wait_for(timeout=60_000)
    page.wait_for_timeout(300)
    return page


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_every_lecture_step_is_one_slide_that_fits_the_screen(app, browser, size):
    """Title, sentences, the figure with its legend and axes, and the row of controls all on one screen: nothing
    to scroll, the figure above the controls and every label of the figure inside it."""
    url, _ = app
    for number in range(1, lecture.COUNT + 1):
        page = open_slide(browser, url, number, size)
        fit = page.evaluate(SLIDE)
        assert fit["scroll"] <= 0, (number, fit)
        assert fit["header"] == 0 and page.locator("h1").count() == 0, "no page chrome on a slide"
        assert 0 <= fit["slide"]["top"] and fit["bar"]["bottom"] <= fit["height"], (number, fit)
        assert fit["figure"]["bottom"] <= fit["bar"]["top"], (number, fit)
        assert fit["figure"]["bottom"] - fit["figure"]["top"] >= 0.4 * fit["height"], (number, fit)
        assert fit["textBottom"] <= fit["figure"]["bottom"] + 1 and fit["textRight"] <= fit["width"], (number, fit)
        assert page.locator(".st-key-slide h2").inner_text().startswith(f"{number}. ")
        assert page.get_by_text(f"{number} / {lecture.COUNT}", exact=True).is_visible()
        assert page.locator("[data-testid='stException']").count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"slide_{size[0]}x{size[1]}_{number}.png"))
        page.close()


def shows_step(page, number: int) -> None:
    """Wait until the slide shows step ``number`` and the link names it."""
    page.locator(".st-key-slide h2").filter(has_text=f"{number}. ").wait_for(timeout=60_000)
    settle(page)
    assert page.locator(".st-key-slide h2").inner_text().startswith(f"{number}. ")
    step = parse_qs(urlparse(page.url).query).get("step", ["1"])  # the first step is the default: left out
    assert step == [str(number)], page.url


def test_a_presenters_keys_move_through_the_slides(app, browser):
    """The keys a clicker sends (PageDown/PageUp), the arrows, Space, Home and End; never past either end, and a
    focused button does not turn Space into two steps."""
    url, _ = app
    page = open_slide(browser, url, 1, (1920, 1080))
    for pressed, number in [("ArrowRight", 2), ("PageDown", 3), ("Space", 4), ("ArrowLeft", 3), ("PageUp", 2),
                            ("End", lecture.COUNT), ("ArrowRight", lecture.COUNT), ("Home", 1), ("ArrowLeft", 1),
                            ("Alt+ArrowRight", 1)]:  # fmt: skip
        page.keyboard.press(pressed)
        page.wait_for_timeout(300)
        shows_step(page, number)
    page.get_by_role("button", name="Next →").click()
    shows_step(page, 2)
    page.keyboard.press("Space")  # focus is on Next
    shows_step(page, 3)
    page.wait_for_timeout(1000)
    shows_step(page, 3)
    page.close()


def test_speaker_notes_open_only_when_asked_and_leaving_slides_keeps_the_step(app, browser):
    url, _ = app
    page = open_slide(browser, url, 4, (1280, 720))
    note = lecture.step(LectureRequest(4, "slide")).notes[0]
    ask = page.get_by_text(note[:40])
    assert not ask.is_visible(), "the audience does not see the notes"
    page.get_by_role("button", name="Speaker notes").click()
    ask.wait_for(state="visible", timeout=10_000)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Leave slides").click()
    page.locator("h1").filter(has_text="Lecture").wait_for(timeout=60_000)
    settle(page)
    assert "present" not in page.url and "step=4" in page.url
    assert page.locator("h2").first.inner_text().startswith("4. ")
    page.close()


SENT = """() => window.__sent"""
COUNT_SENT = """
window.__sent = 0;
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  send(data) { window.__sent += 1; return super.send(data); }
};
"""
"""Counts the messages the page sends to the server over its websocket (a widget change, a rerun)."""


def readout(page, chart) -> str:
    return chart.locator(".annotation-text").first.text_content() or ""


def click_slider(page, chart, fraction: float) -> None:
    """Click the figure's slider rail at ``fraction`` of its length (plotly moves to the nearest stop)."""
    rail = chart.locator(".slider-rail-rect").first.bounding_box()
    page.mouse.click(rail["x"] + fraction * rail["width"], rail["y"] + rail["height"] / 2)


@pytest.mark.parametrize("path", ["lecture?step=1", "lecture?step=3", "lecture?step=4", "lecture?step=5",
                                  "lecture?step=6", "lecture?step=10", "gradient_descent?show_scrub=true"])  # fmt: skip
def test_a_live_figures_slider_redraws_in_the_browser_with_no_server_round_trip(app, browser, path):
    url, _ = app
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(COUNT_SENT)
    page.goto(f"{url}/{path}")
    settle(page)
    chart = page.locator(".js-plotly-plot").filter(has=page.locator(".slider-rail-rect")).first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    sent, first = page.evaluate(SENT), readout(page, chart)
    seen = {first}
    for fraction in (0.02, 0.5, 0.98):
        click_slider(page, chart, fraction)
        page.wait_for_timeout(300)
        seen.add(readout(page, chart))
    assert len(seen) >= 3, seen  # the readout follows the slider
    assert page.evaluate(SENT) == sent, "the slider did not talk to the server"
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()


def test_the_race_steps_buttons_show_one_method_at_a_time(app, browser):
    url, _ = app
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(COUNT_SENT)
    page.goto(f"{url}/lecture?step=8")
    settle(page)
    chart = page.locator(PLOT).first
    chart.locator(".updatemenu-button").first.wait_for(timeout=60_000)
    chart.locator(".legend .legendtext").first.wait_for(timeout=60_000)
    methods = ("gd", "momentum", "nesterov", "newton_schulz")

    def legend() -> list[str]:
        return [t.strip() for t in chart.locator(".legend .legendtext").all_text_contents() if t.strip() in methods]

    assert legend() == list(methods)
    sent = page.evaluate(SENT)
    chart.locator(".updatemenu-button").filter(has_text="momentum").click()
    page.wait_for_timeout(300)
    assert legend() == ["momentum"]
    chart.locator(".updatemenu-button").filter(has_text="all").click()
    page.wait_for_timeout(300)
    assert legend() == list(methods)
    assert page.evaluate(SENT) == sent, "the buttons did not talk to the server"
    page.close()


def chooser_open(page) -> bool:
    return page.locator("[data-testid='stExpander'] details").first.get_attribute("open") is not None


@pytest.mark.parametrize("layout", ["desktop", "phone"])
def test_the_chooser_stays_open_while_n_changes_and_n_fits_the_screen(app, browser, layout):
    """Picking a preset and changing n keep the chooser open; n is a slider on a desk and a number input with −/+
    on a phone."""
    url, _ = app
    viewport, _ = LAYOUTS[layout]
    context = browser.new_context(viewport=viewport, is_mobile=layout == "phone", has_touch=layout == "phone")
    page = context.new_page()
    page.goto(f"{url}/exact_inverse")  # a first visit: the chooser is open
    settle(page)
    assert chooser_open(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Preset").click()
    page.get_by_role("option", name="hilbert").click()
    page.locator("[data-testid='stExpander'] summary").filter(has_text="Hilbert").wait_for(timeout=60_000)
    settle(page)
    assert chooser_open(page), "picking a preset keeps the chooser open"
    slider, number = page.locator(".st-key-desk_n"), page.locator(".st-key-phone_n")
    assert slider.is_visible() == (layout == "desktop") and number.is_visible() == (layout == "phone")
    if layout == "phone":
        number.get_by_test_id("stNumberInputStepUp").click()
    else:
        slider.get_by_role("slider").focus()
        page.keyboard.press("ArrowRight")
    page.locator("[data-testid='stExpander'] summary").filter(has_text="5×5").wait_for(timeout=60_000)
    settle(page)
    assert "n=5" in page.url
    assert chooser_open(page), "changing n keeps the chooser open"
    context.close()


def test_own_text_stays_visible_once_chosen(app, browser):
    url, _ = app
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{url}/indicator_matrix")
    settle(page)
    page.get_by_text("From your own text").click()
    box = page.get_by_role("textbox", name="Documents, one per line")
    box.wait_for(state="visible", timeout=60_000)
    settle(page)
    assert box.is_visible() and chooser_open(page)
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
    page.wait_for_selector(PLOT, state="attached", timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000, polling=200)
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
