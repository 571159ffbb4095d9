"""``gdinverse app`` (gdinverse_app/launch.py): the command it runs, its one-line errors, and a real start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NewSession_pb2 import Config
from websockets.sync.client import connect

from benchmarks.server import free_port
from gdinverse import cli
from gdinverse_app import launch

APP_DIR = Path(launch.__file__).resolve().parent


def test_the_command_runs_the_packaged_home_page_with_our_port_and_address_then_the_rest():
    command = launch.streamlit_command(["--port", "8502", "--server.headless", "true", "--theme.base=dark"])
    assert command == [
        sys.executable, "-c", launch.BOOT, "run", str(APP_DIR / "streamlit_app.py"),
        "--server.port", "8502", "--server.address", "localhost", "--server.headless", "true", "--theme.base=dark",
    ]  # fmt: skip
    assert launch.MAIN_SCRIPT == APP_DIR / "streamlit_app.py" and launch.MAIN_SCRIPT.is_file()
    assert (APP_DIR / ".streamlit" / "config.toml").is_file() and (APP_DIR / "pages").is_dir()


def test_defaults_are_localhost_8501():
    assert launch.streamlit_command([])[-4:] == ["--server.port", "8501", "--server.address", "localhost"]
    assert launch.streamlit_command(["--address", "0.0.0.0"])[-1] == "0.0.0.0"


def test_an_abbreviation_is_not_taken_for_our_option():
    assert launch.streamlit_command(["--addr", "x"])[-2:] == ["--addr", "x"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "0"], "--port must be between 1 and 65535, got 0"),
        (["--port", "65536"], "--port must be between 1 and 65535, got 65536"),
        (["--port=-1"], "--port must be between 1 and 65535, got -1"),
        (["--port", "abc"], "argument --port: invalid int value: 'abc' (see gdinverse app --help)"),
        (["--port"], "argument --port: expected one argument (see gdinverse app --help)"),
        (["--server.port", "9000"], "got --server.port; use --port instead"),
        (["--server.address=0.0.0.0"], "got --server.address; use --address instead"),
    ],
)
def test_a_bad_option_is_one_line_on_stderr_and_exit_2(argv, message, capsys, monkeypatch):
    monkeypatch.setattr(launch, "_run", lambda command: pytest.fail(f"started {command}"))
    assert cli.main(["app", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"gdinverse app: error: {message}\n"


def test_without_streamlit_it_says_how_to_install_it(capsys, monkeypatch):
    real_find_spec = launch.importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "streamlit" else real_find_spec(name, *args)

    monkeypatch.setattr(launch.importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(launch, "_run", lambda command: pytest.fail(f"started {command}"))
    assert cli.main(["app", "--port", "8502"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == 'gdinverse app: error: the app needs Streamlit: pip install "gdinverse[app]"\n'


def test_help_lists_our_options_and_exits_0(capsys, monkeypatch):
    monkeypatch.setattr(launch, "_run", lambda command: pytest.fail(f"started {command}"))
    assert cli.main(["app", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: gdinverse app") and "--port PORT" in out and "--address ADDRESS" in out
    assert "go to `streamlit run`" in " ".join(out.split())


def new_session(url: str, until: str = "new_session") -> ForwardMsg:
    """Open the app's websocket as a browser does, ask for Home, and return the server's first message of type
    ``until`` ("new_session", or "navigation": the list of pages the sidebar shows)."""
    with connect(
        "ws" + url.removeprefix("http") + "/_stcore/stream",
        subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
        origin=url,
        open_timeout=60,
        max_size=None,
    ) as socket:
        socket.send(BackMsg(rerun_script=ClientState(page_name="", page_script_hash="")).SerializeToString())
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            msg = ForwardMsg.FromString(socket.recv(timeout=120))
            if msg.WhichOneof("type") == until:
                return msg
    raise AssertionError(f"no {until} message within 120 s")


@pytest.mark.slow
def test_a_real_start_from_any_directory_serves_the_app_with_its_own_config(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("STREAMLIT_")}
    env["HOME"] = str(tmp_path)  # no ~/.streamlit/config.toml of the user's: only the app's own settings apply
    log = tmp_path / "streamlit.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gdinverse", "app", "--port", str(port), "--address", "127.0.0.1",
         "--server.headless", "true"],
        cwd=tmp_path,  # no .streamlit/ here: the settings must come from the package
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    assert response.status == 200 and response.read() == b"ok"
                    break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "no answer on /_stcore/health within 90 s"
                time.sleep(0.3)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert "<title>Streamlit</title>" in response.read().decode()
        # the app's own navigation from the very first run of the server (a pages/ folder beside the main script
        # would otherwise make Streamlit list its files instead, in its legacy mode)
        pages = [page.page_name for page in new_session(url, "navigation").navigation.app_pages]
        assert pages == ["Home", "Lecture", "Exact inverse", "Gradient descent", "Compare", "Indicator matrix",
                         "Exercises"]  # fmt: skip
        session = new_session(url).new_session
        # gdinverse_app/.streamlit/config.toml is in effect (each of these differs from Streamlit's default):
        config = tomllib.loads((APP_DIR / ".streamlit" / "config.toml").read_text())
        assert config["client"]["toolbarMode"] == "viewer" and session.config.toolbar_mode == Config.VIEWER
        assert config["browser"]["gatherUsageStats"] is False and not session.config.gather_usage_stats
        # ... and it serves the packaged app, whatever the working directory
        assert Path(session.main_script_path) == APP_DIR / "streamlit_app.py"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode in (0, -signal.SIGTERM)


def test_the_warm_up_imports_the_app_and_leaves_every_models_cache_empty():
    """What ``gdinverse app`` does in a thread as the server starts: in a fresh process, the models are imported
    afterwards, and no page's numbers were computed (the first visitor of a page still computes them)."""
    code = (
        "import sys; from gdinverse_app import warm; warm.start(); warm.wait(); "
        "from gdinverse_app.models import memo; "
        "print(memo.entries(), 'gdinverse_app.models.lecture' in sys.modules, 'plotly.graph_objects' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True).stdout
    assert out.split() == ["0", "True", "True"]
    assert "warm.start()" in launch.BOOT and launch.BOOT.index("warm.start()") < launch.BOOT.index("main()")
