"""Start the app on free loopback ports for the browser and load tests: ``streamlit run streamlit_app.py`` alone
(:func:`streamlit_server`), or N replicas behind HAProxy through ``deploy/serve-local`` (:func:`proxy_server`)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium: the browser tests and benchmarks never use one that Playwright would download."""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SIDEBAR_LINKS = "[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']"  # st.navigation's list
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
"""A page function true once the app's script has finished its run (Streamlit's running indicator is gone)."""


def settle(page: Any, *, pause_ms: int = 500) -> None:
    """Wait until a Playwright page's script has finished, then ``pause_ms`` for its charts to draw."""
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=60_000)
    page.locator(SIDEBAR_LINKS).nth(6).wait_for(state="attached", timeout=60_000)  # every page draws them first
    page.locator(SIDEBAR_LINKS).first.filter(has_text="Home").wait_for(state="attached", timeout=60_000)
    page.wait_for_function(IDLE, timeout=120_000, polling=200)
    page.wait_for_timeout(pause_ms)


def page_paths() -> dict[str, str]:
    """Each page of the app and its URL path: Home at "", and every other file in ``pages/`` at its file name."""
    files = sorted(
        path.stem
        for path in (ROOT / "gdinverse_app" / "pages").glob("*.py")
        if not path.name.startswith(("_", ".", "home"))
    )
    return {"home": ""} | {name: name for name in files}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    *options: str, log: Path | None = None, script: Path = ROOT / "streamlit_app.py"
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Yield (base URL, process) of a Streamlit server of ``script`` (the app) on 127.0.0.1, run with the app's
    settings; stop it afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
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


SERVE_LOCAL = ROOT / "deploy" / "serve-local"


def free_port_range(count: int) -> int:
    """A port P such that P, P+1, ..., P+count are all free on 127.0.0.1 (serve-local's proxy and replicas)."""
    for _ in range(200):
        port = free_port()
        if port + count > 65535:
            continue
        with contextlib.ExitStack() as stack:
            try:
                for offset in range(count + 1):
                    sock = stack.enter_context(socket.socket())
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sock.bind(("127.0.0.1", port + offset))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no {count + 1} consecutive free ports found")


@dataclass(frozen=True)
class Proxy:
    """``deploy/serve-local N PORT`` running: the proxy's URL, each replica's, and HAProxy's stats socket."""

    url: str
    replicas: dict[str, str]
    """Replica name ("r1", ...) to its own URL (bypassing the proxy)."""
    workdir: Path
    process: subprocess.Popen

    def pids(self) -> dict[str, int]:
        """Replica name (and "haproxy") to its current process id, as serve-local last wrote them."""
        return json.loads((self.workdir / "pids.json").read_text())

    def stats(self) -> dict[str, str]:
        """HAProxy's view of the replicas: name to status ("UP", "DOWN", "UP 1/2", "MAINT", ...)."""
        rows = csv.DictReader(io.StringIO(self.command("show stat").lstrip("# ")))
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == "replicas" and row["svname"] in self.replicas
        }

    def command(self, line: str) -> str:
        """One command on HAProxy's stats socket, and its whole answer."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.workdir / "haproxy.sock"))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()


@contextlib.contextmanager
def proxy_server(replicas: int, *options: str, log: Path | None = None) -> Iterator[Proxy]:
    """Run ``deploy/serve-local replicas PORT *options`` on free ports; yield once the proxy serves; stop it all."""
    port = free_port_range(replicas)
    workdir = Path(tempfile.mkdtemp(prefix="gdinverse-serve-"))
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # this venv's streamlit
        "GDINVERSE_SERVE_DIR": str(workdir),
    }
    out = open(log or workdir / "serve-local.log", "w")  # noqa: SIM115
    command = [sys.executable, str(SERVE_LOCAL), str(replicas), str(port), *options]
    process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    proxy = Proxy(url, {f"r{i}": f"http://127.0.0.1:{port + i}" for i in range(1, replicas + 1)}, workdir, process)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200 and set(proxy.stats().values()) == {"UP"}:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"serve-local did not start (exit code {process.poll()}); see {out.name}"
                    ) from None
            time.sleep(0.3)
        yield proxy
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # serve-local stops HAProxy and the replicas (their own groups)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for pid in proxy.pids().values() if (workdir / "pids.json").exists() else ():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)  # left over only if serve-local itself failed to stop them
        out.close()
