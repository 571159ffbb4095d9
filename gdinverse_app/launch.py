"""``gdinverse app``: start the installed app with Streamlit (``pip install "gdinverse[app]"``).

Options of our own are ``--port`` and ``--address``; every other option goes to ``streamlit run`` as it is
(``gdinverse app --port 8502 --server.headless true``). Streamlit reads the app's settings from
``.streamlit/config.toml`` beside ``streamlit_app.py`` in this package.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

__all__ = ["MAIN_SCRIPT", "main", "streamlit_command"]

MAIN_SCRIPT = Path(__file__).resolve().with_name("streamlit_app.py")
"""Home, the app's main script; Streamlit finds the other pages in ``pages/`` beside it."""


class LaunchError(Exception):
    """The app cannot start: reported in one line, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdinverse app",
        description="Start the gdinverse app. Options not listed here go to `streamlit run` unchanged.",
    )
    parser.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    parser.add_argument(
        "--address", default="localhost", help="address to listen on (default localhost; 0.0.0.0 for a network)"
    )
    return parser


def streamlit_command(argv: list[str]) -> list[str]:
    """The ``python -m streamlit run ...`` command line that ``gdinverse app ARGV`` runs."""
    args, passthrough = _parser().parse_known_args(argv)
    if not 1 <= args.port <= 65535:
        raise LaunchError(f"--port must be between 1 and 65535, got {args.port}")
    return [
        sys.executable, "-m", "streamlit", "run", str(MAIN_SCRIPT),
        "--server.port", str(args.port), "--server.address", args.address, *passthrough,
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    """Run the app in the foreground until Ctrl-C; return Streamlit's exit status (2 if it cannot start)."""
    try:
        command = streamlit_command(argv)
        if importlib.util.find_spec("streamlit") is None:
            raise LaunchError('the app needs Streamlit: pip install "gdinverse[app]"')
    except LaunchError as exc:
        print(f"gdinverse app: error: {exc}", file=sys.stderr)
        return 2
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130
