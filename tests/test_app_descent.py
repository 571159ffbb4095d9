"""What the Gradient descent page SAYS, matrix by matrix: the verdict box (green only for a run that converged),
the one condition number, the resolved-rank sentence, and step-through heatmaps on a colour scale fixed at step 0.

Every expectation is computed from the package with the page's own settings, so the page is checked against
gdinverse rather than against numbers copied from this machine.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import gdinverse as g

from .test_app import charts, clean, decode, figures, key, metric, open_page, texts, widget

BOXES = {"success": "converged", "info": "running", "warning": "stalled", "error": "diverged"}
"""The kind of box the page draws for each verdict."""


def verdict_box(at) -> tuple[str, str]:
    """(kind, text) of the run's verdict box: the one box that starts with "Loss" or "Diverged"."""
    found = [(kind, text) for kind in BOXES for text in texts(at, kind) if text.startswith(("Loss", "Diverged"))]
    assert len(found) == 1, found
    return found[0]


def page_lr(at) -> float:
    return float(widget(at, "select_slider", "Learning rate (log scale)").value)


def expected(matrix: torch.Tensor, at, *, steps: int = 100, dtype: str = "float32", every: int = 20) -> g.DescentResult:
    """The run the page shows, computed by the package with the page's settings (lr, seed and start as shown)."""
    seed = int(at.session_state[key(at, "seed")])  # the "Start, seed, precision" expander may be closed: its values
    init = at.session_state[key(at, "init")]
    return g.gd_inverse(
        matrix, lr=page_lr(at), steps=steps, seed=seed, init=init, record_every=every, dtype=dtype, max_snapshots=51
    )


def said(result: g.DescentResult, matrix: torch.Tensor, dtype: str) -> str:
    """The verdict's message as the page shows it: the resolved-rank sentence, already said above it, left out."""
    note = g.lr_bounds(matrix, dtype=dtype).resolution_note()
    return result.verdict.message.removesuffix(f" {note}") if note else result.verdict.message


def shown_conditions(at) -> set[str]:
    """Every condition number the page writes: "condition number κ = 4", "(condition number 1.5e+07)", and
    "κ = 4" in the matrix chooser's label."""
    words = " ".join(
        texts(at, "markdown") + [t for kind in BOXES for t in texts(at, kind)] + [e.label for e in at.expander]
    )
    return set(re.findall(r"(?:condition number|κ =) (?:κ = )?([0-9∞](?:[0-9.e+\-]*[0-9])?)", words))


SCENARIOS = {
    # name: (link parameters, the matrix as entered in float64, dtype, steps)
    "diag1234 at the seed lr": ({}, g.preset("diag1234", dtype="float64"), "float32", 100),
    "random κ=10 n=5": (
        {"preset": "random", "n": "5", "cond": "10"},
        g.preset("random", n=5, cond=10.0, dtype="float64"),
        "float32",
        100,
    ),
    "Hilbert 6 float32": ({"preset": "hilbert", "n": "6"}, g.preset("hilbert", n=6, dtype="float64"), "float32", 100),
    "Hilbert 6 float64": (
        {"preset": "hilbert", "n": "6", "dtype": "float64"},
        g.preset("hilbert", n=6, dtype="float64"),
        "float64",
        100,
    ),
    "singular": ({"preset": "singular"}, g.preset("singular", dtype="float64"), "float32", 100),
    "pasted 2×3": (
        {"source": "text", "matrix": "1 2 3; 4 5 6"},
        g.parse_matrix("1 2 3; 4 5 6", dtype="float64"),
        "float32",
        100,
    ),
    "pasted 3×2": (
        {"source": "text", "matrix": "1 2; 3 4; 5 7"},
        g.parse_matrix("1 2; 3 4; 5 7", dtype="float64"),
        "float32",
        100,
    ),
    "diverging": ({"lr": "1.5"}, g.preset("diag1234", dtype="float64"), "float32", 100),
    "stalled in float32": (
        {"preset": "random", "n": "8", "cond": "50", "steps": "20000"},
        g.preset("random", n=8, cond=50.0, dtype="float64"),
        "float32",
        20000,
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_verdict_box_is_the_packages_verdict_and_green_only_when_converged(name):
    query, matrix, dtype, steps = SCENARIOS[name]
    at = clean(open_page("descent", **query))
    result = expected(matrix, at, steps=steps, dtype=dtype)
    kind, text = verdict_box(at)
    assert BOXES[kind] == result.verdict.status
    assert text.startswith(said(result, matrix, dtype))
    assert (kind == "success") == (result.verdict.status == "converged")
    assert metric(at, "final loss") == f"{result.final_loss:.4g}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_one_condition_number_on_the_page_the_float64_one_of_the_matrix_as_entered(name):
    query, matrix, _, _ = SCENARIOS[name]
    at = clean(open_page("descent", **query))
    kappa = g.format_condition(g.condition_number(matrix))
    spectrum = g.Spectrum.of(matrix)
    said = (
        f"with rank {spectrum.rank} < {min(spectrum.shape)} (decided exactly): κ = ∞."
        if spectrum.singular
        else f"condition number κ = {kappa} ({g.condition_note(spectrum.kappa_source)})."
    )
    assert said in " ".join(texts(at, "markdown"))
    assert shown_conditions(at) == {kappa}, "every κ on the page is the same number, written the same way"


def test_seed_run_is_on_its_way_not_converged():
    at = clean(open_page("descent"))
    kind, text = verdict_box(at)
    assert kind == "info" and not at.success
    assert text.startswith("Loss 1.665 → 4.124e-07 in 100 steps at lr 0.4605. Still running")
    assert "more steps" in text  # how many more steps the theory predicts


def test_the_optimal_lr_gets_the_packages_verdict_too():
    at = open_page("descent")
    at.button(key=key(at, "optimal_lr")).click().run()
    clean(at)
    result = expected(g.preset("diag1234", dtype="float64"), at)
    kind, text = verdict_box(at)
    assert page_lr(at) == pytest.approx(16 / 17) and "at lr 0.9412" in text
    assert BOXES[kind] == result.verdict.status and text.startswith(result.verdict.summary)


def test_hilbert_in_float32_names_the_resolved_rank_and_why():
    at = clean(open_page("descent", preset="hilbert", n="6"))
    note = g.lr_bounds(g.preset("hilbert", n=6, dtype="float64"), dtype="float32").resolution_note()
    assert note is not None and "gradient descent sees rank 5 of 6" in note
    assert note in " ".join(texts(at, "markdown"))
    f64 = clean(open_page("descent", preset="hilbert", n="6", dtype="float64"))
    assert not any("gradient descent sees rank" in t for t in texts(f64, "markdown"))


def test_the_singular_preset_states_its_floor_and_is_not_green():
    at = clean(open_page("descent", preset="singular"))
    assert not at.success
    assert any("rank 2 < 4" in i and "0.125" in i for i in texts(at, "info"))


def test_a_wide_matrix_has_no_left_inverse_and_a_tall_one_has():
    wide = clean(open_page("descent", source="text", matrix="1 2 3; 4 5 6"))
    assert any(
        "M is 2×3 with rank 2 < 3 (decided exactly): no X makes X @ M = I" in i and "0.1111" in i
        for i in texts(wide, "info")
    )
    tall = clean(open_page("descent", source="text", matrix="1 2; 3 4; 5 7"))
    assert any("M is 3×2 with rank 2" in i and "it has left inverses" in i for i in texts(tall, "info"))


def test_an_indicator_matrix_from_the_indicator_page():
    at = open_page("indicator")
    next(b for b in at.button if b.label.startswith("Learn its left inverse")).click().run()
    clean(at)
    assert at.title[0].value == "Gradient descent"
    result = expected(g.indicator_matrix(17, 3, 0.2, 123).double(), at)
    kind, text = verdict_box(at)
    assert BOXES[kind] == result.verdict.status and text.startswith(result.verdict.summary)
    assert any("M is 17×3 with rank 3" in i for i in texts(at, "info"))


def test_a_divergence_keeps_the_recorded_steps_before_it_in_the_grid_and_animation():
    at = clean(open_page("descent", lr="1.5", show_animation="true"))
    result = expected(g.preset("diag1234", dtype="float64"), at)
    recorded = list(result.snapshots)
    assert result.diverged and len(recorded) > 2  # every=20, diverged at step 11: more than step 0 is kept
    kind, text = verdict_box(at)
    assert kind == "error" and text.endswith(f"recorded before it: {', '.join(map(str, recorded))}.")
    # a blow-up spans many decades: the grid shows |X @ M − I| on a log scale, where the early steps keep colour
    grid = next(
        c
        for c in charts(at)
        if c["layout"].get("title", {}).get("text") == "|X @ M − I|, log colour scale" and not c.get("frames")
    )
    assert [a["text"] for a in grid["layout"]["annotations"]] == [f"step {t}" for t in recorded]
    animation = next(c for c in charts(at) if c.get("frames"))
    assert [f["name"] for f in animation["frames"]] == [str(t) for t in recorded]


def test_every_chart_has_a_caption_with_its_numbers():
    at = clean(open_page("descent", show_x="true"))
    captions = " ".join(texts(at, "caption"))
    assert "1.665 at step 0, 4.124e-07 at step 100" in captions  # the loss curve
    assert "steps 0, 20, 40, 60, 80, 100" in captions  # the grid
    assert "|X @ M − I| at step 100" in captions  # the error view at the chosen step


# ---------------------------------------------------------------------------- step through


def step_charts(at) -> dict[str, dict]:
    """The step-through heatmaps by title prefix ("residual", "X", "gradient", "next update") and the loss."""
    found = {}
    for chart in charts(at):
        title = chart["layout"].get("title", {}).get("text", "")
        words = title.lstrip("|").split()
        if (
            words
            and words[0].rstrip("|") in ("residual", "X", "gradient", "next")
            and title.endswith(" at step " + title.split()[-1])
        ):
            found[words[0].rstrip("|")] = chart
        if title == "Loss so far":
            found["loss"] = chart
    return found


def test_step_through_heatmaps_keep_the_colour_scale_of_step_0():
    at = clean(open_page("descent", mode="step"))
    R0 = g.GradientDescent(g.preset("diag1234"), lr=g.SEED_LR).residual
    before = step_charts(at)
    z0 = before["residual"]["data"][0]
    assert z0["zmax"] == pytest.approx(float(R0.abs().max()), rel=1e-6) and z0["zmin"] == -z0["zmax"]
    at.button(key=key(at, "step10")).click().run()
    after = step_charts(clean(at))
    for name in ("residual", "X", "gradient", "next"):
        old, new = before[name]["data"][0], after[name]["data"][0]
        assert (new["zmin"], new["zmax"]) == (old["zmin"], old["zmax"]), name
    assert np.abs(decode(after["residual"]["data"][0]["z"])).max() < 0.5 * z0["zmax"]  # the fade shows


def test_step_through_log_magnitude_is_fixed_too():
    at = clean(open_page("descent", mode="step", colours="log"))
    first = step_charts(at)["residual"]["data"][0]
    assert first["zmin"] == pytest.approx(np.log10(np.finfo(np.float32).eps))
    at.button(key=key(at, "step100")).click().run()
    later = step_charts(clean(at))["residual"]["data"][0]
    assert (later["zmin"], later["zmax"]) == (first["zmin"], first["zmax"])
    assert np.nanmax(decode(later["z"])) < first["zmax"] - 1  # more than a power of ten smaller


def test_step_through_at_step_0_has_a_loss_axis_around_its_loss():
    at = clean(open_page("descent", mode="step"))
    loss = step_charts(at)["loss"]
    theory = next(t for t in loss["data"] if t["name"] == "theory")
    assert len(decode(theory["x"])) == 11  # the theory's next 10 steps give the axis its range
    values = decode(theory["y"])
    assert values[0] == pytest.approx(1.665, rel=1e-3) and values[-1] < values[0] / 10


def test_step_through_plots_stay_after_a_divergence():
    at = clean(open_page("descent", mode="step", lr="1.5"))
    at.button(key=key(at, "step100")).click().run()
    clean(at)
    assert any(e.startswith("Diverged at step") for e in texts(at, "error"))
    shown = step_charts(at)
    assert {"residual", "X", "gradient", "next", "loss"} <= set(shown)
    residual = decode(shown["residual"]["data"][0]["z"])
    assert np.nanmax(np.abs(residual)) > shown["residual"]["data"][0]["zmax"]  # saturates: the blow-up shows


# ---------------------------------------------------------------------------- sections drawn once opened


def chart_keys(at) -> set[str]:
    return {chart.key for chart in figures(at) if chart.key}


def test_animation_and_direction_view_are_drawn_only_when_opened_and_a_link_opens_them():
    closed = clean(open_page("descent"))
    labels = [e.label for e in closed.expander]
    assert "Animation: the residual step by step" in labels
    assert any(label.startswith("Along each singular direction") for label in labels)
    assert {"loss", "grid"} <= chart_keys(closed)
    assert not {"animation", "directions_directions", "directions_rate", "X_at", "scrub"} & chart_keys(closed)
    opened = clean(open_page("descent", show_animation="true", show_directions="true", show_x="true"))
    assert {"animation", "directions_directions", "directions_rate", "directions_landscape", "X_at", "XM_at",
            "ref"} <= chart_keys(opened)  # fmt: skip
    assert opened.query_params["show_directions"] == "true", "an opened section stays in the link"
    opened.session_state[key(opened, "show_directions")] = (
        False  # closed again (as a click does): gone from page and link
    )
    opened.run()
    assert "directions_rate" not in chart_keys(opened) and "show_directions" not in opened.query_params


def test_the_distance_metric_is_the_runs_distance_to_the_reference():
    at = clean(open_page("descent"))
    result = g.gd_inverse(g.preset("diag1234", dtype="float64").float(), lr=g.SEED_LR, steps=100, seed=314)
    name, reference = g.best_inverse(g.preset("diag1234", dtype="float64"))
    assert name == "exact inverse"
    assert metric(at, "‖X − M⁻¹‖ / ‖M⁻¹‖") == f"{result.distance_to(reference):.3g}"


def test_closed_start_settings_draw_no_widget_and_say_their_values_in_one_line():
    at = clean(open_page("descent", seed="7", every="10", dtype="float64"))
    assert "Seed (random start)" not in [w.label for w in at.number_input]
    assert "Random start (seed 7), float64, X recorded every 10 steps." in texts(at, "caption")
    assert at.session_state[key(at, "seed")] == 7 and at.session_state[key(at, "every")] == 10
    opened = clean(open_page("descent", seed="7", every="10", dtype="float64", show_start="true"))
    assert widget(opened, "number_input", "Seed (random start)").value == 7
    assert widget(opened, "radio", "Precision").value == "float64"
    assert verdict_box(opened) == verdict_box(at), "open or closed, the same run"


def test_closed_start_settings_name_a_start_from_zeros_without_a_seed():
    at = clean(open_page("descent", init="zeros"))
    assert "Start from zeros, float32, X recorded every 20 steps." in texts(at, "caption")


def test_step_through_stops_at_the_blow_up_so_the_heatmaps_show_it():
    at = clean(open_page("descent", mode="step", lr="2"))
    at.button(key=key(at, "step100")).click().run()
    error = next(e for e in texts(clean(at), "error") if e.startswith("Diverged at step"))
    blew_up_at = int(error.removeprefix("Diverged at step ").split(":")[0])
    assert 1 <= blew_up_at < 100
    assert metric(at, "step t") == str(blew_up_at)  # stopped there, not 100 steps on
    assert metric(at, "loss") != "overflow"  # a millionfold the start is still a number
    residual = decode(step_charts(at)["residual"]["data"][0]["z"])
    assert np.isfinite(residual).all()  # every entry of X at the blow-up is drawn
    assert at.button(key=key(at, "step1")).disabled


@pytest.mark.parametrize("query", [{"preset": "hilbert", "n": "4"}, {"preset": "random", "n": "8", "cond": "1e12"}])
def test_the_optimal_lr_survives_a_rerun_when_it_is_within_rounding_of_the_limit(query):
    """For κ ≳ 1e4 the optimal lr and the stable limit agree to 4 digits (their ratio is 1 + 1/κ²); the slider's
    labels tell them apart, or Streamlit maps the shared label to the limit on the next run."""
    at = clean(open_page("descent", **query))
    optimal = at.session_state[key(at, "lr")]
    widget(at, "slider", "Steps").set_value(150).run()
    assert clean(at).session_state[key(at, "lr")] == optimal
    assert not any("will not converge" in w for w in texts(at, "warning"))
    slider = next(s for s in at.select_slider if s.label == "Learning rate (log scale)")
    assert len(set(slider.options)) == len(slider.options)  # every label names one lr


def test_lr_labels_are_short_where_they_can_be_and_always_distinct():
    values = (0.01, 7.10907982440, 7.10907985397, 7.11, 14.2)
    labels = dict(zip(values, g.distinct(values), strict=True))
    assert labels[0.01] == "0.01" and labels[14.2] == "14.2" and labels[7.11] == "7.11"
    assert labels[7.10907982440] == "7.1090798" and labels[7.10907985397] == "7.1090799"
    assert len(set(labels.values())) == len(labels)


def test_hilbert_12_has_full_rank_and_is_compared_with_its_exact_inverse():
    """Hilbert 12's κ (1.7e16) is beyond float64's SVD, but its rank is full (decided exactly): never called singular,
    its κ from the exact inverse, X compared with M⁻¹ (exact to the last digit), and no "no X makes X @ M = I"."""
    at = clean(open_page("descent", preset="hilbert", n="12"))
    shown = " ".join(texts(at, "markdown") + texts(at, "info") + texts(at, "warning"))
    assert "is singular" not in shown and "close to singular" not in shown and "no X makes" not in shown
    assert "condition number κ = 1.68e+16 (σ_max·‖M⁻¹‖₂ of M as entered, M⁻¹ computed exactly" in shown
    assert any(m.label == "‖X − M⁻¹‖ / ‖M⁻¹‖" for m in at.metric)


def test_the_optimal_lr_offered_is_that_of_the_chosen_precision():
    """diag(1, 1e-9): float32 does not resolve σ = 1e-9 (optimal 2), float64 does (optimal just below the limit 4)."""
    at = clean(open_page("descent", source="text", matrix="1 0; 0 1e-9", dtype="float64"))
    bounds = g.lr_bounds(torch.tensor([[1.0, 0.0], [0.0, 1e-9]], dtype=torch.float64), dtype="float64")
    (caption,) = [c for c in texts(at, "caption") if c.startswith("Stable below")]
    assert caption.startswith("Stable below **4** · optimal **3.99999999999999")
    assert float(at.session_state[key(at, "lr")]) == bounds.optimal < bounds.stable_below


def test_x_is_compared_with_the_inverse_of_the_matrix_as_entered_in_float32_too():
    """Hilbert 8 in float32: float32's own LU inverse has largest entry 5.4e8, the true inverse 4.25e9."""
    at = clean(open_page("descent", preset="hilbert", n="8", show_x="true"))
    (caption,) = [c for c in texts(at, "caption") if c.startswith("Heatmap of exact inverse")]
    assert "4.25e+09" in caption and "5.44e+08" not in caption


def test_a_diverged_run_names_the_step_its_distance_is_measured_at():
    """The final loss is the blow-up step's; X (and its distance) is the last recorded finite step's."""
    at = clean(open_page("descent", lr="2.0"))
    (label,) = [m.label for m in at.metric if m.label.startswith("‖X")]
    assert label.endswith(" at step 6")


def test_step_through_shows_one_step_count():
    """The Steps slider read 100 beside 'step t 112': in step-through it is greyed out, and the closed start
    settings no longer speak of recording."""
    at = clean(open_page("descent", mode="step"))
    steps = next(s for s in at.slider if s.label == "Steps")
    assert steps.disabled and "Whole run only" in steps.help
    assert not any("recorded every" in c for c in texts(at, "caption"))
    whole = clean(open_page("descent"))
    assert not next(s for s in whole.slider if s.label == "Steps").disabled
    assert any("X recorded every 20 steps" in c for c in texts(whole, "caption"))


@pytest.mark.parametrize(
    "query",
    [{}, {"preset": "hilbert", "n": "5", "dtype": "float64", "steps": "300"}, {"lr": "1.5"},
     {"source": "text", "matrix": "1 2; 3 4; 5 6", "init": "zeros"}],
)  # fmt: skip
def test_the_lr_scrub_opens_on_the_pages_run_and_each_stop_is_that_lrs_run(query):
    """Opened (?show_scrub=true): one figure with a frame per learning rate, from the optimal lr / 30 to 1.15 times
    the stable limit and the page's own, the slider on the page's lr, whose frame is the page's run step for step."""
    at = clean(open_page("descent", show_scrub="true", **query))
    figure = next(c for c in charts(at) if c.get("frames"))
    lr, steps, dtype, init = (
        page_lr(at),
        int(query.get("steps", 100)),
        query.get("dtype", "float32"),
        query.get("init", "rand"),
    )
    if "matrix" in query:
        matrix = g.parse_matrix(query["matrix"], dtype="float64")
    else:
        matrix = g.preset(query.get("preset", "diag1234"), n=int(query.get("n", 4)), dtype="float64")
    bounds = g.lr_bounds(matrix, dtype=dtype)
    slider = figure["layout"]["sliders"][0]
    x = decode(figure["data"][0]["x"])
    low, high = bounds.optimal / 30, 1.15 * bounds.stable_below
    wanted = {0: min(low, lr), len(figure["frames"]) - 1: max(high, lr), slider["active"]: lr}
    assert len(figure["frames"]) in (25, 24)  # 24 around the stable range, and the page's own unless it is one
    for index, frame_lr in wanted.items():
        frame = figure["frames"][index]
        text = frame["layout"]["annotations"][0]["text"]
        assert text.startswith(f"lr {frame_lr:.4g}")
        run = g.gd_inverse(matrix, lr=frame_lr, steps=steps, init=init, dtype=dtype)
        measured = decode(frame["data"][0]["y"])
        kept = x < run.losses.size
        np.testing.assert_array_equal(measured[kept], run.losses[x[kept]].astype(np.float32))
        if run.diverged:
            assert text.endswith(f"diverges (stopped at step {run.stopped_at})")
        else:
            assert text.endswith(f"loss {run.final_loss:.3g} after {steps} steps")


# ---------------------------------------------------------------------------- the whole run's colours


def grid_of(at) -> dict:
    """The whole run's residual grid (the figure with a "step 0" panel title and no frames)."""
    return next(
        c
        for c in charts(at)
        if not c.get("frames") and any(a.get("text") == "step 0" for a in c["layout"].get("annotations", []))
    )


def test_the_lecture_stall_opens_on_log_magnitudes_that_show_the_stall():
    """Lecture step 7's link: κ = 50 in float32 for 20 000 steps. On one signed scale 10 of 12 panels were white."""
    at = clean(open_page("descent", preset="random", n="8", cond="50", steps="20000", every="400"))
    radio = widget(at, "radio", "Heatmap colours")
    assert radio.value == "auto" and list(radio.options) == ["automatic", "signed, fixed scale", "log magnitude"]
    grid = grid_of(at)
    eps = float(np.finfo(np.float32).eps)
    first = grid["data"][0]
    assert first["zmin"] == pytest.approx(np.log10(eps)) and grid["layout"]["title"]["text"].startswith("|X @ M")
    lowest = [np.nanmin(decode(trace["z"])) for trace in grid["data"]]
    highest = [np.nanmax(decode(trace["z"])) for trace in grid["data"]]
    # every panel's largest entry keeps a colour well above white: the stall is visible
    assert min(highest) > np.log10(eps) + 1 and max(highest) - min(highest) > 3 and min(lowest) >= np.log10(eps)
    caption = next(c for c in texts(at, "caption") if c.startswith("12 small heatmaps"))
    assert "log10 |entry|" in caption and "more than 3" in caption
    radio.set_value("signed").run()
    signed = grid_of(clean(at))
    assert signed["data"][0]["zmin"] == -signed["data"][0]["zmax"]
    assert at.query_params["colours"] == "signed"


def test_the_default_run_stays_on_its_signed_scale():
    at = clean(open_page("descent"))
    grid = grid_of(at)
    assert grid["data"][0]["zmin"] == -grid["data"][0]["zmax"] and "texttemplate" in grid["data"][0]  # 4×4 values
    assert any(c.startswith("6 small heatmaps") and "at most 3" in c for c in texts(at, "caption"))


def test_a_1x1_run_has_a_loss_axis_that_fits_it():
    """M = [2]: at the optimal lr exact after one step; every later loss is exactly 0."""
    at = clean(open_page("descent", source="text", matrix="2", lr="0.125"))
    loss = next(c for c in charts(at) if c["layout"].get("title", {}).get("text") == "Loss")
    low, high = loss["layout"]["yaxis"]["range"]
    assert high - low <= 3 and low < np.log10(0.19) < high
    zeros = next(t for t in loss["data"] if t["name"] == "loss exactly 0")
    assert decode(zeros["x"])[-1] == 100 and loss["layout"]["xaxis"]["range"] == [-0.5, 100.5]
    assert any("exactly 0 at steps 1–100" in c for c in texts(at, "caption"))


INDICATOR_TEXT = g.format_matrix(g.indicator_matrix(17, 3, p=0.2, seed=123))
"""The lecture's indicator matrix, as its step 10 links it."""


def test_the_loss_curves_theory_stops_at_the_precision_floor():
    """Lecture step 10's run: the theory fell to 1e-42 and the axis with it."""
    at = clean(open_page("descent", source="text", matrix=INDICATOR_TEXT, steps="300", init="zeros"))
    loss = next(c for c in charts(at) if c["layout"].get("title", {}).get("text") == "Loss")
    theory = next(t for t in loss["data"] if t["name"].startswith("theory"))
    assert theory["name"] == "theory, cut at the precision floor" and decode(theory["y"]).min() > 1e-16
    assert any("cut there: it falls below the precision floor" in c for c in texts(at, "caption"))


def test_step_through_turns_a_heatmap_to_log_magnitudes_once_it_falls_three_decades():
    """Automatic colours in step-through: each heatmap keeps its step-0 signed scale until its entries are more than
    three decades below it, where they would be white; X, which does not fade, stays signed."""
    at = clean(open_page("descent", mode="step"))
    assert widget(at, "radio", "Heatmap colours").value == "auto"
    start = step_charts(at)["residual"]["data"][0]
    assert start["zmin"] == -start["zmax"]  # signed at step 0
    for _ in range(2):
        at.button(key=key(at, "step100")).click().run()
    later = step_charts(clean(at))
    residual = later["residual"]["data"][0]
    engine = g.GradientDescent(g.preset("diag1234"), lr=g.SEED_LR)
    scale = float(engine.residual.abs().max())
    engine.step(200)
    assert np.log10(scale / float(engine.residual.abs().max())) > 3  # the rule's reason, computed here
    assert residual["zmin"] == pytest.approx(np.log10(np.finfo(np.float32).eps)) and "zmid" not in residual
    assert later["X"]["data"][0]["zmin"] == -later["X"]["data"][0]["zmax"]  # X keeps its signed scale
