"""Start ``streamlit run streamlit_app.py`` on a free loopback port for the browser and load tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def page_paths() -> dict[str, str]:
    """Each page of the app and its URL path: Home at "", and every file in ``pages/`` at its file name."""
    files = sorted(path.stem for path in (ROOT / "pages").glob("*.py") if not path.name.startswith(("_", ".")))
    return {"home": ""} | {name: name for name in files}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(*options: str, log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Yield (base URL, process) of a Streamlit server on 127.0.0.1; stop it afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        *options,
    ]  # fmt: skip
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start (exit code {process.poll()})") from None
                time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            out.close()
