"""The Exact inverse page says what is true: one κ, both precisions, the bound, the measured error, which inverse."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import gdinverse as g
from gdinverse_app.requests import MatrixSpec

from .test_app import charts, clean, decode, open_page, texts

MATRICES = {
    "diag1234": ({}, MatrixSpec()),
    "random5": ({"preset": "random", "n": "5"}, MatrixSpec("preset", "random", n=5)),
    "hilbert5": ({"preset": "hilbert", "n": "5"}, MatrixSpec("preset", "hilbert", n=5)),
    "hilbert6": ({"preset": "hilbert", "n": "6"}, MatrixSpec("preset", "hilbert", n=6)),
    "hilbert8": ({"preset": "hilbert", "n": "8"}, MatrixSpec("preset", "hilbert", n=8)),
    "singular": ({"preset": "singular"}, MatrixSpec("preset", "singular", n=4)),
    "tiny-huge": ({"source": "text", "matrix": "1e10 0\n0 1e-10"}, MatrixSpec("text", text="1e10 0\n0 1e-10")),
    "matlab": ({"source": "text", "matrix": "[4 1; 2 3]"}, MatrixSpec("text", text="[4 1; 2 3]")),
    "numpy": (
        {"source": "text", "matrix": "array([[4., 1.],\n       [2., 3.]])"},
        MatrixSpec("text", text="array([[4., 1.],\n       [2., 3.]])"),
    ),
    "latex": (
        {"source": "text", "matrix": r"\begin{bmatrix} 4 & 1 \\ 2 & 3 \end{bmatrix}"},
        MatrixSpec("text", text=r"\begin{bmatrix} 4 & 1 \\ 2 & 3 \end{bmatrix}"),
    ),
}
SQUARE = list(MATRICES)


def precision_table(at) -> dict[str, list[str]]:
    """The page's table of both precisions (a Markdown table), as its columns: {"float32": [4 cells], ...}; {} if
    the page has none."""
    for element in at.markdown:
        lines = element.value.splitlines()
        lines = lines[next((i for i, line in enumerate(lines) if line.startswith("|  | float32")), len(lines)) :]
        if lines:  # the table, below the sentence on κ
            rows = [re.split(r"(?<!\\)\|", line)[1:-1] for line in lines[:1] + lines[2:]]
            rows = [[cell.strip().replace("\\|", "|") for cell in row] for row in rows]
            return {name: [row[j] for row in rows[1:]] for j, name in enumerate(rows[0]) if name}
    return {}


def kappa_of(spec: MatrixSpec) -> str:
    return g.format_condition(g.condition_number(spec.build("float64")))


@pytest.mark.parametrize("name", SQUARE)
def test_one_condition_number_everywhere_on_the_page(name):
    query, spec = MATRICES[name]
    at = clean(open_page("exact", **query))
    kappa = kappa_of(spec)
    assert at.expander[0].label.endswith(f"κ = {kappa}")
    shown = " ".join(texts(at, "markdown") + texts(at, "caption") + texts(at, "warning"))
    assert f"**κ = {kappa}**" in shown
    # every κ the page writes is this one
    assert set(re.findall(r"(?<!·)κ = ([0-9][^ *;,)]*)", shown.replace(".**", "**"))) <= {kappa, kappa + "."}


@pytest.mark.parametrize("name", SQUARE)
def test_both_precisions_computed_with_bound_and_measured_error(name):
    query, spec = MATRICES[name]
    at = clean(open_page("exact", **query))
    table = precision_table(at)
    warnings = texts(at, "warning")
    for dtype in ("float32", "float64"):
        try:
            result = g.exact_inverse(spec.build("float64"), dtype=dtype)
        except g.SingularMatrixError as error:  # singular (decided exactly), or a true breakdown
            said = {"singular": "M is singular", "rounded": "singular once rounded", "pivot": "LU met a zero pivot"}
            assert table[dtype][3] == f"no inverse: {said[error.reason]}"
            continue
        eps, bound, digits, measured, *against = table[dtype]
        assert eps == f"{result.eps:.2g}"
        assert bound == f"{result.error_bound:.2g}"
        assert digits == ("none (eps·κ ≥ 1)" if result.ill_conditioned else f"{result.trusted_digits:.1f}")
        assert measured.split(" (")[0] == ("0" if result.max_error == 0 else f"{result.max_error:.2g}")
        if result.true_error is not None:  # measured against the exact inverse of M as entered
            assert against == ["0 (exact)" if result.true_error == 0 else f"{result.true_error:.2g}"]
        said = [w for w in warnings if f"in {dtype}:" in w or ("beyond what float64" in w)]
        assert bool(said) == result.ill_conditioned
    assert not any("0×" in t or "0 times" in t for t in texts(at, "info"))


def test_hilbert_6_float32_is_shown_not_refused_and_loses_its_digits():
    at = clean(open_page("exact", preset="hilbert", n="6"))
    assert not at.error and [s.value for s in at.subheader] == ["float32", "float64"]
    table = precision_table(at)
    assert table["float32"][2] == "none (eps·κ ≥ 1)"
    assert float(table["float64"][2]) > 6  # float64 keeps digits (8.5 from κ = 1.5e7)
    errors = {c["layout"]["title"]["text"]: decode(c["data"][0]["z"]) for c in charts(at)}
    worst32 = np.nanmax(errors["|M⁻¹ @ M − I| in float32"])
    worst64 = np.nanmax(errors["|M⁻¹ @ M − I| in float64"])
    # a log scale: float32's error (about 0.2) is many colours above float64's (about 3e-10)
    assert worst32 > -3 and worst64 < -6
    assert any(w.startswith("eps·κ = 1.8 ≥ 1 in float32") for w in texts(at, "warning"))


def test_hilbert_5_differs_between_precisions():
    at = clean(open_page("exact", preset="hilbert", n="5"))
    table = precision_table(at)
    assert float(table["float32"][2]) < 2 < 8 < float(table["float64"][2])
    info = texts(at, "info")[0]
    assert "times float64's" in info


def test_comparison_sentence_never_divides_by_zero():
    """diag(1, 2, 3, 4): float64's inverse is exact, float32's 1/3 is not: a ratio would divide by 0."""
    at = clean(open_page("exact"))
    info = texts(at, "info")[0]
    r32 = g.exact_inverse(g.preset("diag1234", dtype="float64"), dtype="float32")
    r64 = g.exact_inverse(g.preset("diag1234", dtype="float64"), dtype="float64")
    assert r64.true_error == 0 < r32.true_error
    assert (
        info
        == f"Against the exact inverse, float32's is off by {r32.true_error:.2g} (relative) and float64's is exact."
    )
    assert "0×" not in info and "times" not in info


def test_singular_matrix_gets_the_pseudo_inverse_and_what_it_does():
    at = clean(open_page("exact", preset="singular"))
    assert "The pseudo-inverse M⁺" in [s.value for s in at.subheader]
    assert any("projection onto M's row space (rank 2), not I" in c for c in texts(at, "caption"))


@pytest.mark.parametrize(
    ("matrix", "heading", "check"),
    [
        ("1 2 3\n4 5 6", "M is 2×3, not square: it has a right inverse", "M @ M⁺"),
        ("1 2\n3 4\n5 6", "M is 3×2, not square: it has a left inverse", "M⁺ @ M"),
        ("1 2 3\n2 4 6", "M is 2×3, not square: it has no left or right inverse", "M⁺ @ M"),
    ],
)
def test_non_square_names_the_one_sided_inverse_it_has(matrix, heading, check):
    at = clean(open_page("exact", source="text", matrix=matrix))
    assert at.subheader[0].value == heading
    found = g.one_sided_inverse(g.parse_matrix(matrix, dtype="float64"), dtype="float64")
    assert at.info[0].value == found.description
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert check in titles
    if found.kind != "pseudo":
        assert any(f"max |{check} − I| = {found.max_error:.2g}" in c for c in texts(at, "caption"))


@pytest.mark.parametrize(("docs", "words", "kind"), [(5, 25, "right"), (25, 5, "left")])
def test_indicator_matrices_on_the_exact_page(docs, words, kind):
    M = g.indicator_matrix(docs, words, 0.5, 1)
    text = g.format_matrix(M)
    at = clean(open_page("exact", source="text", matrix=text))
    found = g.one_sided_inverse(M, dtype="float64")
    assert found.kind == kind
    assert at.subheader[0].value.endswith(f"it has a {kind} inverse")


def test_every_chart_has_a_caption():
    for query in ({}, {"preset": "singular"}, {"source": "text", "matrix": "1 2 3\n4 5 6"}):
        at = clean(open_page("exact", **query))
        assert len([c for c in texts(at, "caption") if "eatmap" in c or "@" in c]) >= len(charts(at))


def test_matrix_chooser_is_in_the_page_not_the_sidebar():
    at = clean(open_page("exact"))
    assert not at.sidebar.selectbox and not at.sidebar.radio
    assert [s.label for s in at.main.selectbox] == ["Preset"]
    assert at.expander[0].label == f"Matrix M: diag(1, 2, 3, 4) · κ = {g.format_condition(4.0)}"


def test_labels_in_the_link_go_on_the_heatmap_and_never_mislabel():
    at = clean(open_page("exact", source="text", matrix="1 2 3\n4 5 6", rows="a,b", cols="x,y,z"))
    M = next(c for c in charts(at) if c["layout"]["title"]["text"].startswith("M ("))
    assert M["data"][0]["y"] == ["a", "b"] and M["data"][0]["x"] == ["x", "y", "z"]
    at = clean(open_page("exact", source="text", matrix="1 2\n3 4", rows="a,b", cols="x,y,z"))
    assert any("no longer fit" in w for w in texts(at, "warning"))
    M = next(c for c in charts(at) if c["layout"]["title"]["text"].startswith("M ("))
    assert "x" not in M["data"][0] or M["data"][0]["x"] != ["x", "y", "z"]


def test_the_minus_zero_explanation_stays():
    at = clean(open_page("exact"))
    assert any("-0.0 == 0.0" in m for m in texts(at, "markdown"))
    assert math.copysign(1.0, -0.0) == -1.0 and -0.0 == 0.0


def test_the_matrix_follows_the_student_from_page_to_page():
    at = clean(open_page("descent", preset="hilbert", n="6"))
    for path in ("pages/exact_inverse.py", "pages/compare.py"):
        at.switch_page(path).run()
        assert clean(at).expander[0].label == f"Matrix M: Hilbert 6×6 · κ = {g.format_condition(1.4951058640805e7)}"
        if path == "pages/exact_inverse.py":
            assert any(c["layout"]["title"]["text"] == "M (6×6)" for c in charts(at))


def test_the_hilbert_hint_quotes_the_digits_the_hilbert_pages_show():
    """It once said float32 keeps "0.0" digits of Hilbert 6 and 8, whose own tables say "none (eps·κ ≥ 1)"."""
    hint = next(m for m in texts(clean(open_page("exact")), "markdown") if m.startswith("Try the **Hilbert**"))
    shown = {dtype: [] for dtype in ("float32", "float64")}
    for n in (5, 6, 8):
        table = precision_table(clean(open_page("exact", preset="hilbert", n=str(n))))
        for dtype in shown:
            shown[dtype].append(table[dtype][2].split(" (")[0])
    for dtype, values in shown.items():
        assert f"{dtype} {values[0]} digits at n = 5, {values[1]} at n = 6 and {values[2]} at n = 8" in hint
    assert "none" in shown["float32"]


def test_a_singular_matrix_is_never_titled_as_having_an_inverse():
    """The singular preset (rank 2): LU meets an exactly zero pivot on some CPUs and rounding-size pivots on others
    (AMD EPYC, AVX-512 MKL). Its rank is decided exactly, so the page says the same on every CPU: no inverse in
    either precision, and why."""
    at = clean(open_page("exact", preset="singular", n="4"))
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert not any(t.startswith(("M⁻¹ in", "|M⁻¹ @ M", "inv(M)")) for t in titles), titles
    infos = " ".join(texts(at, "info"))
    assert "Neither precision has an inverse: M has rank 2 of 4 (decided exactly), so it is singular" in infos
    errors = texts(at, "error")
    assert [e.split(":")[0] for e in errors] == ["No inverse in float32", "No inverse in float64"]
    assert "**κ = ∞**: M has rank 2 of 4 (decided exactly)" in " ".join(texts(at, "markdown"))


def test_an_ill_conditioned_inverse_with_a_large_measured_error_is_not_called_maybe_accurate():
    at = clean(open_page("exact", preset="hilbert", n="8"))
    warning = next(w for w in texts(at, "warning") if "≥ 1 in float32" in w)
    assert "And it is not accurate: max |inverse @ M − I| =" in warning and "against the exact inverse" in warning
    assert "accurate all the same" not in warning
    diagonal = clean(open_page("exact", source="text", matrix="1 0\n0 1e-8"))  # κ = 1e8; LU of a diagonal is exact
    assert any("It is accurate all the same" in w for w in texts(diagonal, "warning"))


@pytest.mark.parametrize("n", [5, 8, 10])
def test_both_inverses_share_one_colour_scale(n):
    """Hilbert 10's inverses on their own scales (±1.2e9 against ±3.5e12) looked alike, float32's 3000× off."""
    at = clean(open_page("exact", preset="hilbert", n=str(n)))
    titled = {c["layout"]["title"]["text"]: c["data"][0] for c in charts(at)}
    inverses = {title: trace for title, trace in titled.items() if " in float" in title and "@" not in title}
    assert len(inverses) == 2
    exact = {
        dtype: g.exact_inverse(g.Spectrum.of(g.preset("hilbert", n=n, dtype="float64"), dtype=dtype)).inverse
        for dtype in ("float32", "float64")
    }
    largest = max(float(inverse.abs().max()) for inverse in exact.values())
    for trace in inverses.values():
        assert (trace["zmin"], trace["zmax"]) == pytest.approx((-largest, largest), rel=1e-6)
    captions = [c for c in texts(at, "caption") if c.startswith("Heatmap of ") and "torch.linalg.inv" in c]
    assert len(captions) == 2
    assert all(f"shared by both precisions, from −{largest:.3g} (blue) to {largest:.3g} (red)" in c for c in captions)


def test_values_too_small_to_read_are_left_to_the_hover():
    """Hilbert 10's inverse in a half-width column: "-1.17e+09" in 29 px cells came out ~5 px tall."""
    at = clean(open_page("exact", preset="hilbert", n="10"))
    for chart in charts(at):
        trace = chart["data"][0]
        title = chart["layout"]["title"]["text"]
        if "M⁻¹ in" in title or "|M⁻¹ @ M" in title:  # half a page wide: no legible room for them
            assert "texttemplate" not in trace and "text" not in trace, title
            assert "hovertemplate" in trace
    shown = next(c for c in charts(at) if c["layout"]["title"]["text"] == "M (10×10)")
    assert shown["data"][0]["texttemplate"] == "%{text}"  # M itself, full width: "0.50" fits at 13 px
