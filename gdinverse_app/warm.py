"""Get a new server ready for its first visitor: import torch, plotly, the package and the app's modules, and make
the libraries' own first calls (LAPACK's set-up, the first Adam's import of torch._dynamo, plotly's validators),
in a thread started with the server (``gdinverse app``, :data:`gdinverse_app.launch.BOOT`). No page's numbers are
computed here: the models' caches stay empty until a visitor asks.

Without it the first visitor of a new process waits for all of that (seconds on a 2-core machine,
``benchmarks/first_visit.py --cold``)."""

from __future__ import annotations

import sys
import threading
import time

__all__ = ["READY", "start", "wait", "warm"]

_started: list[threading.Thread] = []


def warm() -> None:
    """Import what every page needs and make each library's first call once."""
    import plotly.graph_objects as go
    import plotly.io
    import torch

    import gdinverse_app.models.compare
    import gdinverse_app.models.exercises
    import gdinverse_app.models.gradient_descent
    import gdinverse_app.models.indicator
    import gdinverse_app.models.lecture
    import gdinverse_app.ui.chooser
    import gdinverse_app.ui.compare_controls
    import gdinverse_app.ui.directions
    import gdinverse_app.ui.export
    import gdinverse_app.ui.indicator_view
    import gdinverse_app.ui.run_controls
    import gdinverse_app.ui.stepper  # noqa: F401  (the models import the package; the page helpers, pandas)

    torch.optim.Adam([torch.zeros(1)])  # the first Adam of a process imports torch._dynamo: seconds
    for dtype in (torch.float32, torch.float64):
        A = torch.eye(2, dtype=dtype)
        torch.linalg.svd(A)
        torch.linalg.inv(A)
        torch.linalg.lu_factor(A)
    figure = go.Figure([go.Scatter(x=[0, 1], y=[1, 2]), go.Heatmap(z=[[0, 1]]), go.Contour(z=[[0, 1], [1, 0]])])
    figure.update_layout(sliders=[{"steps": [{"label": "0"}]}], updatemenus=[{"buttons": [{"label": "0"}]}])
    plotly.io.to_json(figure, validate=False)


READY = "gdinverse: warmed up"
"""The line the server's log gets when the warm-up is done (benchmarks wait for it before a cold first visit)."""


def _warm_and_say() -> None:
    started = time.perf_counter()
    warm()
    print(f"{READY} in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


def start() -> threading.Thread:
    """Warm up in a daemon thread (the server starts listening at once), then say so in the log; return the
    thread."""
    thread = threading.Thread(target=_warm_and_say, name="gdinverse-warm", daemon=True)
    thread.start()
    _started.append(thread)
    return thread


def wait() -> None:
    """Wait for a warm-up under way to finish (the app's first run does, rather than import alongside it)."""
    for thread in _started:
        thread.join()
