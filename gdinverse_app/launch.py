"""``gdinverse app``: start the installed app with Streamlit (``pip install "gdinverse[app]"``).

Options of our own are ``--port`` and ``--address``; every other option goes to ``streamlit run`` as it is
(``gdinverse app --port 8502 --server.headless true``). Streamlit reads the app's settings from
``.streamlit/config.toml`` beside ``streamlit_app.py`` in this package, whatever the working directory.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

__all__ = ["MAIN_SCRIPT", "LaunchError", "main", "streamlit_command"]

MAIN_SCRIPT = Path(__file__).resolve().with_name("streamlit_app.py")
"""The app's main script: it routes to the pages in ``pages/`` beside it (``st.navigation``)."""

BOOT = (
    "import sys; from streamlit.runtime.pages_manager import PagesManager; "
    "PagesManager.uses_pages_directory = False; from gdinverse_app import warm; warm.start(); "
    "from streamlit.web.cli import main; sys.exit(main())"
)
"""``streamlit run``, after telling Streamlit the app does not use its legacy ``pages/`` folder mode (a folder named
``pages`` beside the main script, ours, would otherwise make a new server's first runs list the folder's files
in the sidebar and run them without the app's own navigation, until ``st.navigation`` turns that mode off), with
the app imported in a thread meanwhile (:mod:`gdinverse_app.warm`: the first visitor does not wait for it)."""

OWN_OPTIONS = {"--server.port": "--port", "--server.address": "--address"}
"""Streamlit's options that ``gdinverse app`` sets itself, and the option to use instead."""


class LaunchError(Exception):
    """The app cannot start: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised as LaunchError), not the usage block."""

    def error(self, message: str) -> NoReturn:
        raise LaunchError(f"{message} (see gdinverse app --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gdinverse app",
        description="Start the gdinverse app. Options not listed here go to `streamlit run` unchanged.",
        allow_abbrev=False,  # "--addr" is not ours to expand: it goes to Streamlit as written
    )
    parser.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    parser.add_argument(
        "--address", default="localhost", help="address to listen on (default localhost; 0.0.0.0 for a network)"
    )
    return parser


def streamlit_command(argv: list[str]) -> list[str]:
    """The ``streamlit run ...`` command line that ``gdinverse app ARGV`` runs (:data:`BOOT`)."""
    args, passthrough = _parser().parse_known_args(argv)
    if not 1 <= args.port <= 65535:
        raise LaunchError(f"--port must be between 1 and 65535, got {args.port}")
    for option in passthrough:
        name = option.split("=", 1)[0]
        if name in OWN_OPTIONS:
            raise LaunchError(f"got {name}; use {OWN_OPTIONS[name]} instead")
    return [
        sys.executable, "-c", BOOT, "run", str(MAIN_SCRIPT),
        "--server.port", str(args.port), "--server.address", args.address, *passthrough,
    ]  # fmt: skip


def _run(command: list[str]) -> int:
    """Become Streamlit (POSIX: signals such as Ctrl-C or a service manager's TERM reach it directly), or wait."""
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(command[0], command)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130


def main(argv: list[str]) -> int:
    """Run the app in the foreground until stopped; return 2 (one line on stderr) if it cannot start."""
    try:
        command = streamlit_command(argv)
        if importlib.util.find_spec("streamlit") is None:
            raise LaunchError('the app needs Streamlit: pip install "gdinverse[app]"')
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except LaunchError as exc:
        print(f"gdinverse app: error: {exc}", file=sys.stderr)
        return 2
    return _run(command)
