"""Gzip Streamlit's frontend files once, at the highest level, for HAProxy to serve (``static_gz.lua``).

HAProxy's own compression (libslz in Debian's build) is fast but loose: the Plotly bundle, 4.7 MB, leaves it at
2.2 MB, and at 1.4 MB from ``gzip -9``. The bundles never change for a given Streamlit, so they are compressed
here, once, and served from memory: ``python3 deploy/precompress.py OUT [STATIC]`` writes ``OUT/<path>.gz`` for
every compressible file under STATIC (default: the static folder of the ``streamlit`` on PATH) and
``OUT/index.tsv`` (URL path, content type, file), and ``OUT/preload``: the value of a ``Link`` header that asks
the browser to fetch and compile the Plotly bundle as soon as a page's HTML arrives (``rel=modulepreload``),
rather than when the page's first chart message has come over the websocket. Standard library only.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

TYPES = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".txt": "text/plain",
    ".ttf": "font/ttf",
}
"""What is worth compressing; woff2 fonts and images are compressed already."""


def streamlit_static() -> Path:
    """The ``static`` folder of the streamlit installed beside the ``streamlit`` command on PATH."""
    command = shutil.which("streamlit")
    if not command:
        raise SystemExit("precompress: no `streamlit` on PATH")
    python = Path(command).read_text(errors="replace").splitlines()[0].removeprefix("#!").strip()
    code = "import pathlib, streamlit; print(pathlib.Path(streamlit.__file__).parent / 'static')"
    return Path(subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout.strip())


def precompress(out: Path, static: Path) -> int:
    """Write the gzipped files and the index; return how many. Kept as is when ``static`` has not changed."""
    index_html = static / "index.html"
    stamp = hashlib.sha256(index_html.read_bytes() + str(static).encode()).hexdigest()  # names every bundle
    done = all((out / name).exists() for name in ("stamp", "index.tsv", "preload"))
    if done and (out / "stamp").read_text() == stamp:
        return len((out / "index.tsv").read_text().splitlines())
    rows = []
    for path in sorted((static / "static").rglob("*")):
        if path.is_file() and path.suffix in TYPES:
            relative = path.relative_to(static).as_posix()
            target = out / (relative + ".gz")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
            rows.append(f"/{relative}\t{TYPES[path.suffix]}\t{target}")
    (out / "index.tsv").write_text("\n".join(rows) + "\n")
    plotly = sorted((static / "static" / "js").glob("PlotlyChart.*.js"))
    (out / "preload").write_text(f"</static/js/{plotly[0].name}>; rel=modulepreload" if plotly else "")
    (out / "stamp").write_text(stamp)
    return len(rows)


def main() -> None:
    if not 2 <= len(sys.argv) <= 3:
        raise SystemExit("usage: python3 deploy/precompress.py OUT [STATIC]")
    out = Path(sys.argv[1])
    static = Path(sys.argv[2]) if len(sys.argv) == 3 else streamlit_static()
    if not (static / "index.html").is_file():
        raise SystemExit(f"precompress: {static} holds no index.html; give Streamlit's static folder")
    out.mkdir(parents=True, exist_ok=True)
    print(f"precompress: {precompress(out, static)} files from {static} in {out}")


if __name__ == "__main__":
    main()
