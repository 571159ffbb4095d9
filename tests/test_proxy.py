"""The app behind HAProxy (``deploy/``): the config, the Docker files, and ``deploy/serve-local`` under load.

A CI-sized lecture hall: 40 sessions through 2 replicas, each pinned to its replica by the cookie the proxy
sets, both replicas used; static files compressed and cached; a foreign origin refused; and a fault drill — a
replica killed with SIGKILL under 100 open sessions: HAProxy marks it down within 5 s, its sessions reconnect to
the other replica and show the same settings (they live in the link), nothing else fails, and the replica that
serve-local restarts comes back and takes new sessions. Every load is bounded (sessions and seconds); every
process started here belongs to serve-local, which stops them all, and is killed by process group if it does not.

Skipped where HAProxy is missing, unless GDINVERSE_PROXY=required (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import gzip
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from email.message import Message
from pathlib import Path

import psutil
import pytest
import streamlit
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from benchmarks.loadclient import SUBPROTOCOLS, Session, fault_drill, fetch_cookie
from benchmarks.server import ROOT, SERVE_LOCAL, Proxy, free_port_range, proxy_server
from gdinverse_app import launch

DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "haproxy.cfg.template"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
PAGE, QUERY = "gradient_descent", "lr=0.2&steps=150&seed=7"  # settings in the link, found again after a failover

if not os.access(HAPROXY, os.X_OK):
    if os.environ.get("GDINVERSE_PROXY") == "required":
        raise RuntimeError("HAProxy is missing; install Debian's haproxy (apt-get install haproxy)")
    pytest.skip("HAProxy is missing: the proxy tests need Debian's haproxy", allow_module_level=True)


def serve_local_module():
    """deploy/serve-local (a script without .py) as a module, for its config writer."""
    loader = importlib.machinery.SourceFileLoader("serve_local", str(SERVE_LOCAL))
    spec = importlib.util.spec_from_loader("serve_local", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def haproxy_accepts(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)


# --- The files -------------------------------------------------------------------------------------------------


def test_serve_local_writes_a_config_haproxy_accepts(tmp_path):
    link = "</static/js/PlotlyChart.x.js>; rel=modulepreload"
    text = serve_local_module().haproxy_config(18000, [18001, 18002, 18003], tmp_path / "haproxy.sock", link)
    assert f'add-header Link "{link}" if {{ res.hdr(content-type) -m beg text/html }} !{{ var(txn.home)' in text
    assert "@" not in text.replace("@ ", "")  # every placeholder filled
    assert re.findall(r"^\s+server (r\d) 127\.0\.0\.1:(\d+)$", text, re.M) == [
        ("r1", "18001"), ("r2", "18002"), ("r3", "18003"),  # in the sticky backend
        ("r1", "18001"), ("r2", "18002"), ("r3", "18003"),  # in the static files' backend
    ]  # fmt: skip
    assert "bind 127.0.0.1:18000" in text
    (tmp_path / "haproxy.cfg").write_text(text)
    checked = haproxy_accepts(tmp_path / "haproxy.cfg")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_config_says_what_a_lecture_hall_needs():
    text = TEMPLATE.read_text()
    directives = [line.split("#")[0].strip() for line in text.splitlines()]
    assert 'cookie GDINVERSE_REPLICA insert indirect nocache httponly attr "SameSite=Lax" dynamic' in directives
    assert "balance leastconn" in directives
    assert directives.count("option httpchk GET /_stcore/health") == 2  # both backends check the replicas
    tunnel = next(line for line in directives if line.startswith("timeout tunnel"))
    assert tunnel == "timeout tunnel 1h"  # a websocket outlives a 50-minute lecture (and Streamlit pings every 30 s)
    for line in ("timeout client 60s", "timeout server 60s", "filter compression", "compression algo gzip"):
        assert line in directives
    assert directives.index("filter cache static_files") < directives.index("filter compression")
    assert 'http-response set-header Cache-Control "public, max-age=31536000, immutable" if { status 200 }' in text
    assert "use_backend static_files if { path_beg /static/ }" in directives


def test_the_docker_entrypoint_writes_a_config_haproxy_accepts(tmp_path):
    fake = tmp_path / "bin" / "haproxy"  # stands in for the image's haproxy: checks the config it is given
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\n[ "$3" = "-f" ] || exit 9\nexec {HAPROXY} -c -f "$4"\n')
    fake.chmod(0o755)
    env = os.environ | {
        "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}",
        "TEMPLATE": str(TEMPLATE),
        "LUA_SCRIPT": str(DEPLOY / "static_gz.lua"),
        "CONFIG": str(tmp_path / "haproxy.cfg"),
        "REPLICAS": "3",
        "GDINVERSE_STATIC_GZ": str(tmp_path),
    }
    (tmp_path / "preload").write_text("</static/js/PlotlyChart.x.js>; rel=modulepreload")
    checked = subprocess.run([str(DEPLOY / "haproxy-entrypoint")], env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = (tmp_path / "haproxy.cfg").read_text()
    assert text.count("server-template r 1-3 app:8501 resolvers system init-addr none") == 2
    assert "bind *:8080" in text
    assert 'add-header Link "</static/js/PlotlyChart.x.js>; rel=modulepreload" if' in text
    env["REPLICAS"] = "three"
    refused = subprocess.run([str(DEPLOY / "haproxy-entrypoint")], env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "REPLICAS must be a whole number; received 'three'" in refused.stderr


def compose_services(text: str) -> dict[str, dict[str, object]]:
    """The services of a compose file, for the subset of YAML it uses: nested maps and lists of scalars."""
    root: dict[str, object] = {}
    stack: list[tuple[int, object]] = [(-1, root)]
    lines = [line.split(" #")[0].rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    for number, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        item = line.strip()
        if item.startswith("- "):
            assert isinstance(parent, list), f"a list item where a map was expected: {line!r}"
            parent.append(item[2:].strip().strip('"'))
            continue
        key, _, value = item.partition(":")
        assert isinstance(parent, dict), f"a key where a list was expected: {line!r}"
        if value.strip():
            parent[key] = value.strip().strip('"')
        else:  # a nested block: a list if its next line is "- ...", else a map
            child: object = [] if number + 1 < len(lines) and lines[number + 1].strip().startswith("- ") else {}
            parent[key] = child
            stack.append((indent, child))
    services = root["services"]
    assert isinstance(services, dict)
    return services


def test_the_docker_files_use_the_right_files_and_ports():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+) ", dockerfile, re.M):
        assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
    assert "pip install -r requirements.txt" in dockerfile  # torch's CPU build, as on Community Cloud
    assert "EXPOSE 8501" in dockerfile and "/_stcore/health" in dockerfile
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert command[:3] == ["python", "-m", "gdinverse"] and launch.streamlit_command(command[4:])[-2:] == [
        "--server.headless", "true"]  # fmt: skip
    assert command[3] == "app" and command[command.index("--port") + 1] == "8501"  # gdinverse app, on EXPOSE's port
    assert "ln -s gdinverse_app/.streamlit .streamlit" in dockerfile  # the repository's config.toml applies
    assert (ROOT / "gdinverse_app" / ".streamlit" / "config.toml").exists()
    assert (ROOT / "gdinverse_app" / "streamlit_app.py").exists() and (ROOT / "gdinverse_app" / "pages").is_dir()

    services = compose_services((DEPLOY / "compose.yaml").read_text())
    app, proxy = services["app"], services["haproxy"]
    assert isinstance(app, dict) and isinstance(proxy, dict)
    for service, dockerfile in ((app, "Dockerfile"), (proxy, "haproxy.Dockerfile")):
        build = service["build"]
        assert isinstance(build, dict)
        assert (DEPLOY / str(build["context"])).resolve() == ROOT
        assert (ROOT / str(build["dockerfile"])).resolve() == DEPLOY / dockerfile
    assert app["expose"] == ["8501"] and app["deploy"] == {"replicas": "${REPLICAS:-2}"}
    assert proxy["ports"] == ["8080:8080"] and proxy["environment"] == {"REPLICAS": "${REPLICAS:-2}"}

    haproxy_image = (DEPLOY / "haproxy.Dockerfile").read_text()
    assert "FROM haproxy:2.6" in haproxy_image
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", haproxy_image, re.M):
        for source in sources.split():
            assert (ROOT / source).is_file(), f"haproxy.Dockerfile copies {source}, which is not in the repository"
    streamlit_pin = re.search(r"^streamlit==\S+$", (ROOT / "requirements.txt").read_text(), re.M)
    assert streamlit_pin, "requirements.txt pins no streamlit version for the bundles"
    assert 'ENTRYPOINT ["/usr/local/bin/haproxy-entrypoint"]' in haproxy_image and "EXPOSE 8080" in haproxy_image
    for name in ("Dockerfile", "haproxy.Dockerfile"):  # BuildKit's per-Dockerfile ignore files let the copies in
        ignored = (DEPLOY / f"{name}.dockerignore").read_text()
        copied = re.findall(r"^COPY (?!--from)(.+) \S+$", (DEPLOY / name).read_text(), re.M)
        for source in (part.rstrip("/") for sources in copied for part in sources.split()):
            assert f"!{source}" in ignored or f"!{source}/" in ignored, f"{name}.dockerignore leaves out {source}"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["0", "18000"], "N must be between 1 and 16; received 0"),
        (["two", "18000"], "N and PORT must be whole numbers; received 'two' and '18000'"),
        (["2", "80"], "PORT must be between 1024 and 65533 (the replicas use PORT+1..PORT+N); received 80"),
        (["2"], "usage: deploy/serve-local N PORT"),
    ],
)
def test_serve_local_refuses_bad_arguments(arguments, message):
    done = subprocess.run([sys.executable, str(SERVE_LOCAL), *arguments], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and message in done.stderr


# --- serve-local running ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxy():
    with proxy_server(2) as running:
        yield running


@pytest.mark.slow
def test_each_browser_keeps_its_replica_and_both_replicas_serve(proxy: Proxy):
    async def student() -> tuple[str, str, str, bool]:
        cookie, first = await fetch_cookie(proxy.url, PAGE)  # the page's HTML: the proxy picks a replica
        async with Session(proxy.url, cookie=cookie) as tab:  # the websocket carries the cookie
            run = await tab.run(PAGE, QUERY)
        _, again = await fetch_cookie(proxy.url, PAGE, cookie)  # a reload: same replica
        return first, run.replica, again, run.clean

    async def lecture() -> list[tuple[str, str, str, bool]]:
        return list(await asyncio.gather(*(student() for _ in range(40))))

    students = asyncio.run(lecture())
    assert [clean for *_, clean in students] == [True] * 40
    assert all(first == socket == again != "" for first, socket, again, _ in students)
    assert {first for first, *_ in students} == {"r1", "r2"}


def fetch(url: str, **headers: str) -> tuple[bytes, Message]:
    """The body and the headers (names in any case) of a GET."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return response.read(), response.headers


@pytest.mark.slow
def test_static_files_are_compressed_cached_and_cookie_free(proxy: Proxy):
    static = Path(streamlit.__file__).parent / "static"
    bundles = re.findall(r'(?:src|href)="\./(static/(?:js|css|media)/[^"]+)"', (static / "index.html").read_text())
    script = next(path for path in bundles if path.startswith("static/js/index."))
    font = next(path for path in bundles if path.endswith(".woff2"))
    original = (static / script).read_bytes()
    for _ in range(2):
        body, headers = fetch(f"{proxy.url}/{script}", **{"Accept-Encoding": "gzip, deflate"})
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == original
        assert len(body) <= len(gzip.compress(original, 9, mtime=0))  # gzip -9, not the proxy's faster libslz
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Set-Cookie" not in headers
    body, headers = fetch(f"{proxy.url}/{script}")  # a client that takes no gzip gets the file itself
    assert body == original and "Content-Encoding" not in headers and "Set-Cookie" not in headers
    for _ in range(2):  # a font (compressed already) from a replica, then from the proxy's cache
        body, headers = fetch(f"{proxy.url}/{font}", **{"Accept-Encoding": "gzip"})
        assert body == (static / font).read_bytes() and "Content-Encoding" not in headers
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable" and "Set-Cookie" not in headers
    assert re.search(r"size:\d+", proxy.command("show cache")), "nothing was stored in the proxy's cache"


@pytest.mark.slow
def test_a_chart_page_preloads_the_plotly_bundle_and_home_does_not(proxy: Proxy):
    plotly = sorted((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    assert len(plotly) == 1
    _, headers = fetch(f"{proxy.url}/{PAGE}")
    assert headers["Link"] == f"</static/js/{plotly[0].name}>; rel=modulepreload"
    _, headers = fetch(f"{proxy.url}/")
    assert "Link" not in headers


@pytest.mark.slow
def test_a_websocket_from_another_origin_is_refused(proxy: Proxy):
    stream = "ws" + proxy.url.removeprefix("http") + "/_stcore/stream"

    async def attempt(origin: str) -> int:
        try:
            async with connect(stream, subprotocols=SUBPROTOCOLS, origin=origin, open_timeout=30):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    assert asyncio.run(attempt(proxy.url)) == 101  # the Host HAProxy passes on matches the page's origin
    assert asyncio.run(attempt("http://elsewhere.example")) == 403


@pytest.mark.slow
def test_a_replica_killed_under_load_is_survived():
    with proxy_server(2) as running:
        drill = asyncio.run(fault_drill(running, 100, PAGE, QUERY, newcomers=20))
    others = drill.sessions - drill.on_victim
    assert drill.first_runs_clean == 100
    assert 0 < drill.on_victim < 100  # the hall was spread over both replicas
    assert drill.down_after is not None and drill.down_after <= 5  # HAProxy stopped sending it traffic
    assert drill.victim_closed == drill.on_victim  # its tabs saw their websocket close, and reconnect
    assert drill.reconnected_elsewhere == drill.reconnected_clean == drill.on_victim
    assert drill.same_settings == drill.on_victim  # the link's lr, steps and seed, shown again
    assert drill.survivors_open == drill.survivors_clean == others  # nothing else failed
    assert drill.problems == []
    assert drill.up_after is not None  # serve-local restarted it and HAProxy took it back
    assert drill.newcomers_clean == drill.newcomers == 20 and drill.newcomers_on_victim > 0


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_serve_local_stops_everything_on_sigterm_and_ctrl_c(tmp_path):
    with proxy_server(1) as running:  # its exit sends SIGTERM to serve-local
        pids = running.pids()
        assert set(pids) == {"r1", "haproxy"} and all(alive(pid) for pid in pids.values())
    assert not any(alive(pid) for pid in pids.values())

    port = free_port_range(1)  # Ctrl-C: SIGINT to serve-local alone
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["GDINVERSE_SERVE_DIR"] = str(tmp_path)
    log = open(tmp_path / "serve-local.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, str(SERVE_LOCAL), "1", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while "serve-local: http://" not in (tmp_path / "serve-local.log").read_text():
            assert process.poll() is None and time.monotonic() < deadline, "serve-local did not start"
            time.sleep(0.3)
        pids = json.loads((tmp_path / "pids.json").read_text())
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert not any(alive(pid) for pid in pids.values())
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
