"""The models' cache keys arguments exactly and keeps no error; a ready figure sends the figure plotly would; a
progress bar shows only while a model computes."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest
import torch

import gdinverse as g
from gdinverse import plots
from gdinverse_app.models import compare, memo
from gdinverse_app.requests import MatrixSpec, RaceRequest


def test_exact_key_tells_apart_what_computes_differently():
    key = memo.exact_key
    assert key(0.0) != key(-0.0)  # a rotation by −0° has entries of the other sign
    assert key(1) != key(1.0) != key(True)
    assert key(math.nan) == key(float("nan"))
    assert key(MatrixSpec("preset", "rotation", angle=0.0)) != key(MatrixSpec("preset", "rotation", angle=-0.0))
    assert key(MatrixSpec(text="1 2")) == key(MatrixSpec(text="1 2"))
    assert key((MatrixSpec(), ("gd", "adam"), 1e-6)) == key((MatrixSpec(), ("gd", "adam"), 1e-6))
    assert key((MatrixSpec(), ("gd", "adam"))) != key((MatrixSpec(), ("adam", "gd")))
    for unkeyed in (torch.zeros(2), [1.0], {"a": 1}):
        with pytest.raises(TypeError, match="cannot key a"):
            key(unkeyed)


def test_memo_returns_what_it_computed_once():
    calls = []

    @memo.memo
    def double(spec: MatrixSpec, factor: float = 2.0) -> list[float]:
        calls.append((spec, factor))
        return [factor * float(spec.n)]

    first = double(MatrixSpec(n=3))
    assert first == [6.0] and double(MatrixSpec(n=3)) is first  # the same object, not recomputed
    assert double(MatrixSpec(n=3), factor=0.0) == [0.0] and len(calls) == 2
    assert math.copysign(1, double(MatrixSpec(n=3), factor=-0.0)[0]) == -1 and len(calls) == 3
    assert double(MatrixSpec(n=3), 2) == [6] and len(calls) == 4  # int 2 is not float 2.0
    double.clear()  # type: ignore[attr-defined]
    assert double(MatrixSpec(n=3)) == [6.0] and len(calls) == 5


def test_memo_keeps_no_exception():
    calls = []

    @memo.memo
    def refuse(spec: MatrixSpec) -> torch.Tensor:
        calls.append(spec)
        raise g.MatrixInputError(f"no matrix from {spec.text!r}")

    for _ in range(2):
        with pytest.raises(g.MatrixInputError, match="no matrix from 'x'"):
            refuse(MatrixSpec(text="x"))
    assert len(calls) == 2


def test_ready_figure_sends_the_figure_plotly_would():
    M = MatrixSpec("preset", "hilbert", n=5).build("float64")
    figure = plots.heatmap(M, title="M", x_labels=list("abcde"))
    sent = memo.ready(figure)
    assert isinstance(sent, memo.ReadyFigure)
    assert sent.to_dict() == go.Figure(figure.to_dict()).to_dict()
    assert sent.to_dict() is sent.to_dict()


def _progress_page() -> None:
    import streamlit as st

    from gdinverse_app.models import descent
    from gdinverse_app.requests import MatrixSpec, RunRequest
    from gdinverse_app.ui import frame

    with frame.progress("Computing…"):
        steps = int(st.query_params.get("n", "3"))
        st.session_state["result"] = descent.run(RunRequest(MatrixSpec(), 0.3125, steps=steps, seed=2718)).steps
    st.write("after")


def test_progress_bar_only_while_computing_and_nothing_on_a_cache_hit():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_progress_page)
    at.query_params["n"] = "777"  # a run no other test makes: computed here, then a cache hit
    at.run()
    assert not at.exception and at.session_state["result"] == 777
    first = [node.type for node in at.main.children.values()]
    assert first == ["empty", "markdown"]  # the bar, emptied when the run ended, then the page goes on
    at.run()  # the same n: a cache hit
    assert [node.type for node in at.main.children.values()] == ["markdown"]


def test_the_race_reports_one_step_per_run_of_each_method():
    """The race runs up to TIMED_RUNS times (to time it): one report before each method's run, out of them all."""
    reports: list[tuple[int, int]] = []
    with memo.progress(lambda done, total: reports.append((done, total))):
        found = compare.race(
            RaceRequest(MatrixSpec(n=3), ("gd", "adam", "newton_schulz"), 5, 1, "rand", "float32", 0.1)
        )
    runs = found.seconds["gd"].shape[0]
    assert 1 <= runs <= compare.TIMED_RUNS
    assert reports == [(i, 3 * compare.TIMED_RUNS) for i in range(3 * runs)]
