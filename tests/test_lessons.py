"""Exported lessons: the script each page offers prints the numbers the page shows."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import nbformat
import pytest
from streamlit.testing.v1 import AppTest

import gdinverse as g
from benchmarks.server import ROOT
from gdinverse_app.requests import MatrixSpec
from gdinverse_app.ui import export, lessons

from .test_app_exact import precision_table

SEED_SPEC = MatrixSpec()


def run_script(cells: list[export.Cell], tmp_path) -> str:
    path = tmp_path / "lesson.py"
    path.write_text(export.to_script(cells))
    done = subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def page(path: str, **query: str) -> AppTest:
    at = AppTest.from_file("../gdinverse_app/streamlit_app.py", default_timeout=120).run()
    at.switch_page(path)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("preset", ["random", "hilbert"])
def test_descent_script_prints_what_the_page_shows(tmp_path, preset):
    """Hilbert 5 too (ill-conditioned): the script builds M as entered (float64) and lets the run round it to
    float32, as the page does."""
    n = 5
    at = page("pages/gradient_descent.py", preset=preset, n=str(n), steps="300", every="50", init="zeros")
    spec = MatrixSpec("preset", preset, n=n)
    lr = float(next(s.value for s in at.select_slider if s.label.startswith("Learning rate")))
    out = run_script(lessons.descent(spec, lr, 300, 314, 50, "zeros", "float32"), tmp_path)
    bounds = g.lr_bounds(spec.build("float64"), dtype="float32")
    assert f"stable below {bounds.stable_below:.4g}, optimal {bounds.optimal:.4g}" in out
    boxes = [b.value for kind in ("success", "info", "warning", "error") for b in getattr(at, kind)]
    verdict = next(b for b in boxes if b.startswith(("Loss", "Diverged")))
    assert verdict.split(". ")[0] in out  # the verdict's first sentence: the losses, the steps and the lr
    distance = next(m.value for m in at.metric if m.label.startswith("‖X"))
    assert f"‖X − exact inverse‖ / ‖exact inverse‖ = {distance}" in out


def test_seed_lesson_prints_the_seed_losses(tmp_path):
    out = run_script(lessons.descent(SEED_SPEC, g.SEED_LR, 100, 314, 20, "rand", "float32"), tmp_path)
    for line in ("0 : 1.6650e+00", "20 : 5.4389e-03", "60 : 4.7337e-05", "80 : 4.4184e-06"):
        assert line in out


@pytest.mark.parametrize(
    ("query", "spec"),
    [
        ({"preset": "hilbert", "n": "5"}, MatrixSpec("preset", "hilbert", n=5)),
        ({"preset": "hilbert", "n": "8"}, MatrixSpec("preset", "hilbert", n=8)),
        ({"source": "text", "matrix": "1 2 3\n4 5 6"}, MatrixSpec("text", text="1 2 3\n4 5 6")),
    ],
)
def test_exact_script_prints_what_the_page_shows(tmp_path, query, spec):
    at = page("pages/exact_inverse.py", **query)
    out = run_script(lessons.exact(spec), tmp_path)
    kappa = g.format_condition(g.condition_number(spec.build("float64")))
    assert f"condition number {kappa}" in out
    assert f"κ = {kappa}" in at.expander[0].label
    if table := precision_table(at):
        for dtype in ("float32", "float64"):
            _, bound, digits, error, *_ = table[dtype]
            digits = digits.split(" (")[0]
            assert f"{dtype}: bound eps*kappa {bound}, digits guaranteed {digits}, max |inverse @ M - I| " in out
            assert error.split(" (")[0].replace("0 (exact)", "0") in out
    else:
        assert at.info[0].value in out  # which one-sided inverse the matrix has, word for word


def test_indicator_script_prints_what_the_page_shows(tmp_path):
    at = page("pages/indicator_matrix.py")
    out = run_script(lessons.indicator("random", 17, 3, 0.2, 123, ""), tmp_path)
    metrics = {m.label: m.value for m in at.metric}
    assert f"17 × 3, density {metrics['density (share of 1s)']}, rank {metrics['rank']}, " in out
    assert f"empty documents {metrics['empty documents']}" in out


def test_compare_script_prints_what_the_page_shows(tmp_path):
    at = page("pages/compare.py", rsteps="300")
    table = at.dataframe[0].value
    cells = lessons.compare(SEED_SPEC, list(g.METHODS), 300, 314, "rand", "float32", 1e-6, 0.1, 100, 40)
    out = run_script(cells, tmp_path)
    for _, row in table.iterrows():
        steps = None if row["steps to 1e-06"] == "never" else int(row["steps to 1e-06"].replace(",", ""))
        assert f"{row['method']}: steps to tol {steps}," in out


def test_notebook_is_valid_and_its_cells_run():
    cells = lessons.descent(SEED_SPEC, g.SEED_LR, 100, 314, 20, "rand", "float32")
    notebook = nbformat.reads(export.to_notebook(cells), as_version=4)
    nbformat.validate(notebook)
    assert [c.cell_type for c in notebook.cells][:2] == ["markdown", "code"]
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, "<lesson>", "exec"), namespace)  # the lesson's own code, generated by us
    assert namespace["result"].losses.size == 101


@pytest.mark.parametrize(
    "text", ["1 2\n3 4'); import os; os.system('echo pwned') #", '"""\nimport os\n"""', "\\'; print(1); '"]
)
def test_user_text_enters_the_code_as_a_string_literal(text):
    source = export.matrix_code(MatrixSpec("text", text=text))
    call = ast.parse(source).body[0].value
    assert isinstance(call, ast.Call) and len(call.args) == 1
    assert isinstance(call.args[0], ast.Constant) and call.args[0].value == text
    assert ast.literal_eval(source.split("(", 1)[1][:-1]) == text
    compile(f"A = {source}", "<lesson>", "exec")


def test_matrix_code_names_only_the_arguments_a_preset_uses():
    assert export.matrix_code(SEED_SPEC) == "g.preset('diag1234')"
    assert export.matrix_code(MatrixSpec("preset", "random", n=6, cond=100.0, seed=3), "'float64'") == (
        "g.preset('random', n=6, cond=100.0, seed=3, dtype='float64')"
    )
