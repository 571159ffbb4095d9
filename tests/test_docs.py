"""The documentation: the README, the doctests, the tutorial notebook, the app's screenshots and the built site.

The screenshots are taken here, in Debian's Chromium against `streamlit run`, by the URLs in docs/screenshots.toml,
into artifacts/docs-screenshots/; the site built afterwards (mkdocs build --strict, as .ci/run does) shows them.
Skipped without Chromium unless GDINVERSE_BROWSER=required (as in CI), which makes that a failure.
"""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
import re
import struct
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import gdinverse
from benchmarks.server import CHROMIUM, FLAGS, ROOT, settle, streamlit_server

SHOTS = ROOT / "artifacts" / "docs-screenshots"
SCREENSHOTS = tomllib.loads((ROOT / "docs" / "screenshots.toml").read_text())
README = (ROOT / "README.md").read_text()
DOCTESTED = ("presets", "indicator", "errors", "limits")
"""The modules whose docstrings carry examples (the others are being rewritten; they may add theirs)."""
MODULES = sorted(info.name for info in pkgutil.iter_modules(gdinverse.__path__) if info.name != "__main__")

sys.path.insert(0, str(ROOT / "docs" / "hooks"))
from rst_docstrings import to_markdown  # noqa: E402

# The README: a newcomer's three minutes.


def test_the_readme_is_short_and_opens_with_the_two_commands():
    assert len(README) <= 12_000, f"README.md has {len(README):,} characters; move detail into docs/"
    first_block = README.index("```bash")
    assert README.index("## ") > first_block, "the two set-up commands come before the first section"


def test_every_relative_link_of_the_readme_and_the_deploy_and_benchmark_readmes_exists():
    for readme in (ROOT / "README.md", ROOT / "deploy" / "README.md", ROOT / "benchmarks" / "README.md"):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme.read_text()):
            if not re.match(r"[a-z]+:", target):
                assert (readme.parent / target).exists(), f"{readme.name} links to {target}: no such file"


def test_the_readme_links_every_section_of_the_documentation():
    """Each top-level section of mkdocs.yml's nav is named in the README's table of documentation."""
    nav = re.findall(r"^  - ([A-Z][^:\n]+):", (ROOT / "mkdocs.yml").read_text(), re.M)
    assert len(nav) >= 8
    for section in nav:
        assert section in README, f"the README's table of documentation does not name {section!r}"


# Doctests: the examples in the docstrings run, and say what they print.


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"gdinverse.{name}")
    tests = doctest.DocTestFinder().find(module, f"gdinverse.{name}")
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} docstring examples of gdinverse.{name} failed (see above)"
    if name in DOCTESTED:
        assert results.attempted >= 4, f"gdinverse.{name} should carry examples in its docstrings"


# The griffe extension that turns the docstrings' reStructuredText into Markdown.


def test_rst_maths_roles_and_examples_become_markdown():
    text = """The loss is :math:`L = \\lVert R\\rVert^2`, see :func:`lr_bounds`.

.. math:: R \\leftarrow R\\,(I - A)
          + B

Example:

>>> f(1)
2
"""
    assert to_markdown(text, resolve=lambda target: f"[{target}][gdinverse.{target}]") == (
        "The loss is $L = \\lVert R\\rVert^2$, see [lr_bounds][gdinverse.lr_bounds].\n\n"
        "$$\nR \\leftarrow R\\,(I - A)\n+ B\n$$\n\n"
        "Example:\n\n"
        "```pycon\n>>> f(1)\n2\n```"
    )


def test_a_literal_block_becomes_fenced_code():
    assert to_markdown("Run it::\n\n    gdinverse descent\n\nDone.") == (
        "Run it:\n\n```text\ngdinverse descent\n```\n\nDone."
    )


# The tutorial notebook: executed here, so it cannot rot.


def test_the_tutorial_notebook_runs_and_replays_the_seed():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(ROOT / "docs" / "tutorial.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code), "commit the notebook unexecuted"
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    text = "\n".join(
        output.get("text", "") + output.get("data", {}).get("text/plain", "")
        for cell in code
        for output in cell.outputs
    )
    assert "1.66504209e+00, 5.43893564e-03, 5.07155187e-04, 4.73374148e-05" in text  # the seed's losses
    assert "digits guaranteed 0.0" in text and "digits guaranteed 8.5" in text  # Hilbert 6: float32, float64
    assert "Diverged at step" in text


def test_the_tutorial_uses_only_the_stable_public_api():
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(ROOT / "docs" / "tutorial.ipynb", as_version=4)
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    used = set(re.findall(r"\bg\.(\w+)", source))
    stable = {"preset", "parse_matrix", "exact_inverse", "one_sided_inverse", "lr_bounds", "gd_inverse",
              "indicator_matrix", "document_term_matrix", "race", "race_table", "lr_sweep", "__version__"}  # fmt: skip
    assert used <= stable, f"the tutorial uses {used - stable}, outside the stable API"
    assert "from gdinverse import plots" in source


# The app's screenshots, taken in a real browser by URL.


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.mark.browser
def test_screenshots_of_the_app_for_the_docs(tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("GDINVERSE_BROWSER") == "required":
            raise RuntimeError(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing: the screenshots need Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(log=tmp_path / "server.log") as (url, _), sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for name, shot in SCREENSHOTS.items():
            page = browser.new_page(viewport={"width": shot["width"], "height": shot["height"]})
            page.goto(f"{url}/{shot['url']}")
            settle(page, pause_ms=1_500)  # and the charts finish drawing
            assert page.locator("[data-testid='stException']").count() == 0, f"{name}: an exception on the page"
            if shot.get("full"):
                height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": shot["width"], "height": max(shot["height"], min(height, 4_000))})
                page.wait_for_timeout(800)
            if shot.get("expander"):
                section = page.locator("[data-testid='stExpander']", has_text=shot["expander"]).first
                section.screenshot(path=str(SHOTS / f"{name}.png"))
            else:
                page.screenshot(path=str(SHOTS / f"{name}.png"))
            page.close()
        browser.close()
    for name, shot in SCREENSHOTS.items():
        width, height = png_size(SHOTS / f"{name}.png")
        if shot.get("expander"):
            assert 0.5 * shot["width"] < width <= shot["width"] and height >= 200, (name, width, height)
        else:
            assert width == shot["width"] and height >= shot["height"], (name, width, height)
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def test_every_screenshot_the_pages_show_is_listed():
    shown = set()
    for page in (ROOT / "docs").rglob("*.md"):
        shown |= set(re.findall(r"screenshots/([A-Za-z0-9_-]+)\.png", page.read_text()))
    assert shown == set(SCREENSHOTS), "docs/screenshots.toml lists exactly the screenshots the pages show"


# The site, built as CI builds it.


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
    )
    assert build.returncode == 0, build.stderr[-3000:]
    return out


def test_every_public_name_has_an_entry_in_the_api_reference(site):
    html = (site / "reference" / "index.html").read_text()
    missing = [name for name in gdinverse.__all__ if f'id="gdinverse.{name}"' not in html]
    assert not missing, f"no API entry for {missing}"


def test_the_maths_is_rendered_and_no_rst_is_left(site):
    for page in ("gradient-descent", "directions", "exact-inverse", "methods", "verdicts"):
        html = (site / "maths" / page / "index.html").read_text()
        assert html.count('class="arithmatex"') >= 1, f"maths/{page}: no rendered formula"
    for path in site.rglob("*.html"):
        text = path.read_text()
        for leftover in (":math:`", ".. math::", ":func:`", ":class:`", ":meth:`"):
            assert leftover not in text, f"{path.relative_to(site)} still shows {leftover}"


def test_the_site_shows_the_screenshots_taken_or_a_placeholder(site):
    for name in SCREENSHOTS:
        taken = (SHOTS / f"{name}.png").is_file()
        assert (site / "screenshots" / f"{name}.png").is_file() == taken
    lecture = (site / "app" / "lecture" / "index.html").read_text()
    assert ("screenshots/lecture.png" in lecture) == (SHOTS / "lecture.png").is_file()


def test_the_capacity_page_is_generated_from_the_measured_figures(site):
    html = (site / "deployment" / "capacity" / "index.html").read_text()
    assert "gdinverse:capacity-table" not in html and "gdinverse:measured-table" not in html
    assert "10,000</td>" in html and "extrapolated" in html and "2026-12-04" in html


def test_the_tutorial_page_shows_executed_output(site):
    html = (site / "tutorial" / "index.html").read_text()
    assert "4.41844094e-06" in html  # the seed's loss at step 80, printed by an executed cell
