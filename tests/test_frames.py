"""Figures that move in the browser (gdinverse.frames): every frame shows what the package computed for it, its
readout says it with numbers checked against separate runs and numpy, and bad input is refused clearly."""

from __future__ import annotations

import re

import numpy as np
import pytest

import gdinverse as g
from gdinverse import frames
from gdinverse.frames import MAX_POINTS


def readout(layout_or_frame) -> str:
    (annotation,) = layout_or_frame.annotations if hasattr(layout_or_frame, "annotations") else layout_or_frame
    return annotation.text.replace("<br>", " | ")


def frame_readouts(figure) -> list[str]:
    return [readout(frame.layout) for frame in figure.frames]


# ---------------------------------------------------------------------------- lr_scrub


@pytest.fixture(scope="module")
def seed_sweep():
    A = g.preset("diag1234")
    bounds = g.lr_bounds(A)
    lrs = [0.05, 0.2, g.SEED_LR, bounds.optimal, 0.999 * bounds.stable_below, 1.3]
    return A, bounds, g.lr_sweep(A, lrs, steps=100)


def test_each_frame_of_the_lr_scrub_is_that_lrs_run_with_its_outcome_in_words(seed_sweep):
    A, bounds, sweep = seed_sweep
    figure = frames.lr_scrub(sweep, lr=g.SEED_LR, bounds=bounds, style="desk")
    assert len(figure.frames) == 6 and figure.layout.sliders[0].active == 2
    assert readout(figure.layout) == f"lr {g.SEED_LR:.4g} | loss 4.12e-07 after 100 steps"  # the seed notebook's
    texts = frame_readouts(figure)
    for i, lr in enumerate(sweep.lrs):
        run = g.gd_inverse(A, lr=lr, steps=100)
        measured = np.asarray(figure.frames[i].data[0].y, dtype=np.float64)
        steps = np.asarray(figure.data[0].x)
        np.testing.assert_array_equal(
            measured[: run.losses.size], run.losses[steps[: run.losses.size]].astype(np.float32)
        )
        if run.diverged:
            assert texts[i].endswith(f"diverges (stopped at step {run.stopped_at})"), texts[i]
        else:
            assert texts[i].endswith(f"loss {run.final_loss:.3g} after 100 steps")
    assert "(the optimal lr)" in texts[3] and "(at or over the stable limit 1)" in texts[5]
    assert not any("stable limit" in text for text in texts[:5])


def test_the_lr_scrub_cuts_the_theory_at_the_floor_and_keeps_every_frame_small(seed_sweep):
    _, bounds, sweep = seed_sweep
    floor = 1e-9
    figure = frames.lr_scrub(sweep, bounds=bounds, floor=floor)
    theory = np.concatenate([np.asarray(frame.data[1].y, dtype=np.float64) for frame in figure.frames])
    assert np.nanmin(theory) >= floor * (1 - 1e-6)
    assert np.isnan(theory).any()  # the cut is there (the seed run's theory reaches 4e-7·… below 1e-9 by step 100)
    assert "cut below the run's precision floor 1.0e-09" in figure.layout.meta["description"]
    assert figure.data[1].name == "theory, cut at the precision floor"  # the legend says what the line shows
    assert frames.lr_scrub(sweep, bounds=bounds, floor=1e-300).data[1].name == "theory (exact arithmetic)"
    assert frames.lr_scrub(sweep, bounds=bounds).data[1].name == "theory (exact arithmetic)"
    long = g.lr_sweep(g.preset("diag1234"), [0.3, 0.5], steps=5000)
    assert all(len(frame.data[0].y) <= MAX_POINTS for frame in frames.lr_scrub(long).frames)
    assert frames.lr_scrub(long).layout.sliders[0].active == 1  # no lr given: the best run


def test_each_stop_of_the_slider_goes_to_its_frame_at_once(seed_sweep):
    figure = frames.lr_scrub(seed_sweep[2])
    for step, frame in zip(figure.layout.sliders[0].steps, figure.frames, strict=True):
        assert step.method == "animate" and list(step.args[0]) == [frame.name]
        assert step.args[1]["frame"] == {"duration": 0, "redraw": True}  # the readout is a layout annotation
        assert list(frame.traces) == [0, 1]


# ---------------------------------------------------------------------------- direction_scrub and rate_scrub


def test_the_direction_scrub_quotes_each_directions_factor_as_numpy_computes_it():
    A = g.preset("random", n=4, cond=10, seed=3)
    k = A.shape[1]
    sigma = np.linalg.svd(A.double().numpy(), compute_uv=False)
    lrs = [0.05, 0.2, 0.5]
    views = [g.direction_view(A, g.gd_inverse(A, lr=lr, steps=60, record_every=10)) for lr in lrs]
    figure = frames.direction_scrub(views, active=1)
    for lr, text in zip(lrs, frame_readouts(figure), strict=True):
        factors = [float(x) for x in text.split(": ")[1].split(", ")]
        np.testing.assert_allclose(factors, 1 - 2 * lr * sigma**2 / k**2, rtol=2e-3)
    assert readout(figure.layout).startswith("lr 0.2 |")


def test_the_rate_scrub_marks_the_factor_numpy_computes_and_says_grow_or_shrink():
    A = g.preset("diag1234")
    bounds = g.lr_bounds(A)
    lrs = [0.1, bounds.optimal, 1.5]
    figure = frames.rate_scrub(bounds, lrs, active=2)
    for lr, frame, text in zip(lrs, figure.frames, frame_readouts(figure), strict=True):
        expected = np.abs(1 - 2 * lr * np.array([16.0, 1.0]) / 16)
        np.testing.assert_allclose(frame.data[0].y, expected, rtol=1e-12)
        words = re.findall(r"the error (grows|shrinks)", text)
        assert words == ["grows" if q > 1 else "shrinks" for q in expected], text
    assert readout(figure.layout) == "lr 1.5 | along σ_max the error grows by 100% a step | " \
                                     "along σ_min the error shrinks by 19% a step"  # fmt: skip


def test_the_path_scrub_draws_the_path_up_to_each_step():
    M = g.preset("random", n=4)
    result = g.gd_inverse(M, lr=g.lr_bounds(M).optimal, steps=12, record_every=1)
    land = g.landscape(result.matrix, result)
    figure = frames.path_scrub(land)
    assert len(figure.frames) == land.steps.size == 13
    for j, frame in enumerate(figure.frames):
        path, marker = frame.data
        np.testing.assert_array_equal(path.x, land.path_a[: j + 1].astype(np.float32))
        assert marker.x[0] == np.float32(land.path_a[j]) and frame_readouts(figure)[j].startswith(f"Step {j} of 12")


# ---------------------------------------------------------------------------- toggle


def test_toggle_buttons_show_one_group_at_a_time_and_leave_the_figure_alone():
    results = g.race(g.preset("random", n=6), ["gd", "momentum"], steps=50)
    figure = g.plots.race_figure(results.results if hasattr(results, "results") else results)
    out = frames.toggle(figure, {"both": ["gd", "momentum"], "gd": ["gd"]}, active="gd")
    groups = [trace.legendgroup or trace.name for trace in out.data]
    assert [t.visible for t in out.data] == [group != "momentum" for group in groups]
    (menu,) = out.layout.updatemenus
    assert [b.label for b in menu.buttons] == ["both", "gd"] and menu.active == 1
    assert all(visible for visible in menu.buttons[0].args[0]["visible"])
    assert not figure.layout.updatemenus  # a copy came back
    assert "Buttons above the plot show “both”, “gd”" in out.layout.meta["description"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: frames.lr_scrub("sweep"), "sweep must be a gdinverse LrSweep, got str"),
        (lambda: frames.direction_scrub([]), "views must be a non-empty list of DirectionView"),
        (lambda: frames.rate_scrub(g.lr_bounds(g.preset("diag1234")), [], active=0), "lrs must be non-empty"),
        (lambda: frames.rate_scrub(g.lr_bounds(g.preset("diag1234")), [0.1, -1]), "every lr must be"),
        (lambda: frames.toggle(g.plots.loss_curve(np.array([1.0, 0.5])), {"x": ["nope"]}, active="x"),
         "no trace of the figure is named 'nope'"),
        (lambda: frames.toggle(g.plots.loss_curve(np.array([1.0, 0.5])), {}, active="x"), "at least one group"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_what_to_do(call, message):
    with pytest.raises(g.GdInverseError, match=re.escape(message)):
        call()
