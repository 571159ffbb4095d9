"""MkDocs hooks (mkdocs.yml ``hooks:``): what the documentation generates at build time rather than keeps by hand.

- ``<!-- gdinverse:api-reference -->`` in a page becomes an entry for every name of ``gdinverse.__all__``, grouped
  by the module that defines it: a new public name appears without editing the docs.
- ``<!-- gdinverse:capacity-table -->`` (and the measured table, and the notes on extrapolation) become what
  ``deploy/kubernetes/capacity.py`` writes from ``deploy/kubernetes/measured.toml``, the file the Kubernetes
  manifests' tests read too.
- ``screenshots/NAME.png`` are the app's screenshots that ``tests/test_docs.py`` takes in a real browser, by the
  URLs in ``docs/screenshots.toml``, into ``artifacts/docs-screenshots/`` (not committed). Where one has not been
  taken (a fresh clone), the page shows a placeholder that says how to make it, and the build still passes.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import griffe
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "docs-screenshots"
SCREENSHOTS = tomllib.loads((ROOT / "docs" / "screenshots.toml").read_text())
MODULE_ORDER = ("matrices", "presets", "exact", "theory", "descent", "verdict", "sweep", "race", "directions",
                "indicator", "exercises", "errors", "limits")  # fmt: skip
"""The API reference's sections in lesson order; other modules follow alphabetically."""
CAPACITY_MARKERS = {
    "<!-- gdinverse:capacity-table -->": "markdown_table",
    "<!-- gdinverse:measured-table -->": "measured_table",
    "<!-- gdinverse:extrapolation-notes -->": "extrapolation_notes",
}
"""Markers in a page, and the function of deploy/kubernetes/capacity.py whose Markdown replaces each."""
SHOT_REF = re.compile(r"screenshots/([A-Za-z0-9_-]+)\.png")
PLACEHOLDER = """<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="300" viewBox="0 0 1400 300">
<rect width="1400" height="300" fill="#f2f2f2" stroke="#999" stroke-dasharray="8 6"/>
<text x="700" y="140" font-family="sans-serif" font-size="30" text-anchor="middle" fill="#333">Screenshot not taken
in this build</text><text x="700" y="190" font-family="sans-serif" font-size="22" text-anchor="middle" fill="#555">
python -m pytest tests/test_docs.py takes it in Chromium; then build the site again</text></svg>
"""

log = logging.getLogger("mkdocs.hooks.gdinverse")


def on_files(files: Files, config: Any) -> Files:
    """Add the screenshots that were taken, and the placeholder for those that were not."""
    for name in SCREENSHOTS:
        shot = SHOTS / f"{name}.png"
        if shot.is_file():
            files.append(File.generated(config, f"screenshots/{name}.png", abs_src_path=str(shot)))
    files.append(File.generated(config, "screenshots/missing.svg", content=PLACEHOLDER))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if "<!-- gdinverse:api-reference -->" in markdown:
        markdown = markdown.replace("<!-- gdinverse:api-reference -->", api_reference())
    for marker, function in CAPACITY_MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, getattr(capacity_module(), function)())
    return SHOT_REF.sub(lambda match: screenshot(match, page.file.src_uri), markdown)


def screenshot(match: re.Match, page: str) -> str:
    name = match[1]
    if name not in SCREENSHOTS:
        log.warning(f"{page} shows screenshots/{name}.png, which docs/screenshots.toml does not list")
        return match[0]
    if (SHOTS / f"{name}.png").is_file():
        return match[0]
    log.info(f"{page}: screenshot {name} not taken (run tests/test_docs.py first); showing the placeholder")
    return "screenshots/missing.svg"


def api_reference() -> str:
    """An entry for each name of ``gdinverse.__all__`` (read by importing the package), by defining module."""
    import gdinverse

    package = griffe.load("gdinverse", resolve_aliases=False)
    groups: dict[str, list[str]] = {}
    for name in gdinverse.__all__:
        member = package.members.get(name)
        path = member.target_path if member is not None and member.is_alias else f"gdinverse.{name}"
        module = path.rsplit(".", 1)[0] if path.count(".") >= 2 else "gdinverse"  # type: ignore[union-attr]
        groups.setdefault(module, []).append(name)
    order = {f"gdinverse.{name}": i for i, name in enumerate(MODULE_ORDER)}
    parts = []
    for module in sorted(groups, key=lambda module: (order.get(module, len(order)), module)):
        summary = (package[module.removeprefix("gdinverse.")].docstring if module != "gdinverse" else None) or None
        first = summary.value.strip().splitlines()[0] if summary else ""
        parts.append(f"## `{module}`\n\n{first}\n")
        parts += [f"::: gdinverse.{name}\n" for name in groups[module]]
    return "\n".join(parts)


def capacity_module() -> Any:
    """``deploy/kubernetes/capacity.py``, imported by path (it is a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("gdinverse_capacity", ROOT / "deploy" / "kubernetes" / "capacity.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module
