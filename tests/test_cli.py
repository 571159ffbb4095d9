"""The gdinverse command line: the seed replay, JSON output, and one-line errors with exit status 2."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch

import gdinverse
from gdinverse.cli import format_loss, main
from gdinverse.exercises import sheet, sheet_markdown
from gdinverse.moodle import sheet_moodle_xml

from .test_seed import SEED_DIFF, SEED_INDICATOR, SEED_LOSSES

ROOT = Path(__file__).resolve().parents[1]

# The seed notebook's `print(t, ':', loss)` lines (loss shown without the tensor(...) wrapper) and its Diff prints.
SEED_LOSS_LINES = [f"{step} : {loss}" for step, loss in SEED_LOSSES.items()]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def strict_json(text: str) -> dict:
    """Parse one JSON object, refusing the NaN/Infinity tokens that are not JSON."""

    def refuse(token: str) -> None:
        raise AssertionError(f"non-JSON token {token} in output")

    return json.loads(text, parse_constant=refuse)


def block_after(lines: list[str], header: str, size: int) -> str:
    start = lines.index(header) + 1
    return "\n".join(lines[start : start + size])


# ---------------------------------------------------------------------------- the seed replay


def test_descent_seed_replays_the_notebook(capsys):
    code, out, err = run(capsys, "descent", "--lr", "seed")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    for line in SEED_LOSS_LINES:
        assert line in lines
    assert block_after(lines, "0 : 1.6650", 4) == SEED_DIFF[0]
    assert block_after(lines, "20 : 0.0054", 4) == SEED_DIFF[20]
    assert lines[-1].startswith("Loss 1.665 → 4.124e-07 in 100 steps")
    assert "lr 0.460517" in lines[-1]


def test_descent_seed_with_autograd_replays_every_diff(capsys):
    # The seed took gradients with autograd; so doing reproduces even the sign of -0.00 at steps 60 and 80.
    code, out, _ = run(capsys, "descent", "--lr", "seed", "--gradient", "autograd")
    assert code == 0
    lines = out.splitlines()
    for line in SEED_LOSS_LINES:
        assert block_after(lines, line, 4) == SEED_DIFF[int(line.split()[0])]


@pytest.mark.parametrize("value", [1.6650421, 0.0054389, 0.00050716, 4.7337415e-05, 4.4184409e-06, 3.25, 12345.5])
def test_format_loss_prints_like_a_torch_scalar(value):
    assert f"tensor({format_loss(value)})" == str(torch.tensor(value))


def test_format_loss_edges():
    assert format_loss(0.0) == "0.0000"
    assert format_loss(1e-4) == "0.0001"
    assert format_loss(2e8) == "2.0000e+08"
    assert format_loss(float("inf")) == "inf"


# ---------------------------------------------------------------------------- JSON


def test_descent_json(capsys):
    code, out, _ = run(capsys, "descent", "--lr", "seed", "--json")
    assert code == 0
    data = strict_json(out)
    expected = gdinverse.gd_inverse(gdinverse.preset("diag1234"), lr="seed")
    assert len(data["losses"]) == 101
    assert data["losses"][:100] == expected.losses[:100].tolist()
    assert data["inverse"] == expected.inverse.tolist()
    assert data["lr"] == pytest.approx(gdinverse.SEED_LR)
    assert (data["diverged"], data["stopped_at"], data["stalled"]) == (False, None, False)
    assert data["recorded_steps"] == [0, 20, 40, 60, 80, 100]
    assert data["method"] == "gd"


def test_descent_json_has_no_nan_tokens(capsys):
    code, out, _ = run(capsys, "descent", "--method", "newton_schulz", "--steps", "5", "--json")
    assert code == 0
    assert strict_json(out)["lr"] is None  # Newton–Schulz has no learning rate (NaN in the result)


def test_descent_reports_divergence(capsys):
    code, out, _ = run(capsys, "descent", "--lr", "5")
    assert code == 0
    assert out.splitlines()[-1].startswith("Diverged at step")
    code, out, _ = run(capsys, "descent", "--lr", "5", "--json")
    data = strict_json(out)
    assert data["diverged"] is True
    assert data["stopped_at"] in (len(data["losses"]) - 1, len(data["losses"]))


def test_exact_diag1234(capsys):
    code, out, err = run(capsys, "exact")
    assert (code, err) == (0, "")
    assert "[0.0000 0.0000 0.3333 0.0000]" in out
    assert "determinant: 24" in out
    code, out, _ = run(capsys, "exact", "--json")
    data = strict_json(out)
    assert torch.allclose(torch.tensor(data["inverse"]), torch.diag(torch.tensor([1, 0.5, 1 / 3, 0.25])))
    assert data["max_error"] == 0
    assert data["condition_number"] == pytest.approx(4)
    assert data["determinant"] == pytest.approx(24)


def test_exact_matrix_text_and_stdin(capsys, monkeypatch):
    code, out, _ = run(capsys, "exact", "--matrix", "1 2; 3 4", "--dtype", "float64", "--json")
    assert code == 0
    inverse = torch.tensor(strict_json(out)["inverse"], dtype=torch.float64)
    assert torch.allclose(inverse, torch.tensor([[-2, 1], [1.5, -0.5]], dtype=torch.float64))
    monkeypatch.setattr("sys.stdin", io.StringIO("[[2, 0], [0, 4]]\n"))
    code, out, _ = run(capsys, "exact", "--matrix", "-", "--json")
    assert code == 0
    assert strict_json(out)["inverse"] == [[0.5, 0.0], [0.0, 0.25]]


def test_exact_reports_kappa_trusted_digits_and_the_warning(capsys):
    code, out, err = run(capsys, "exact", "--preset", "hilbert", "--n", "6")
    assert (code, err) == (0, "")
    kappa = gdinverse.condition_number(gdinverse.preset("hilbert", n=6, dtype="float64"))
    shown = gdinverse.format_condition(kappa)
    assert f"condition number: {shown} (σ_max/σ_min of M as entered, from float64's SVD)" in out
    assert "trusted digits: 0.0 of float32's 6.9" in out
    assert "ill-conditioned: eps·κ = 1.8 ≥ 1 in float32: the bound guarantees no correct digit" in out
    code, out, _ = run(capsys, "exact", "--preset", "hilbert", "--n", "6", "--json")
    data = strict_json(out)
    assert data["condition_number"] == kappa  # the entered matrix's κ, not its float32 rounding's (1.446e7)
    assert (data["dtype"], data["ill_conditioned"], data["trusted_digits"]) == ("float32", True, 0.0)
    assert data["eps"] == torch.finfo(torch.float32).eps and data["condition_resolved"] is True
    assert data["warning"].startswith("eps·κ = 1.8 ≥ 1")
    code, out, _ = run(capsys, "exact", "--preset", "hilbert", "--n", "6", "--dtype", "float64", "--json")
    data = strict_json(out)
    assert data["condition_number"] == kappa
    assert (data["ill_conditioned"], data["warning"]) == (False, None)
    assert data["trusted_digits"] == pytest.approx(-math.log10(torch.finfo(torch.float64).eps * kappa))


def test_exact_of_a_non_square_matrix_gives_its_one_sided_inverse(capsys):
    code, out, err = run(capsys, "exact", "--matrix", "[1 2 3; 4 5 6]")
    assert (code, err) == (0, "")
    assert (
        "M is 2×3 with full row rank 2: it has right inverses X with M @ X = I₂ (this is the one of least norm, M⁺); "
        "no left inverse exists, since X @ M is 3×3 of rank 2.\nright inverse X (M⁺, 3x2):"
    ) in out
    assert "max error |matrix @ X - I|: " in out
    code, out, _ = run(capsys, "exact", "--preset", "indicator", "--json")
    data = strict_json(out)
    assert (data["kind"], data["rank"]) == ("left", 3)
    expected = torch.linalg.pinv(gdinverse.preset("indicator", dtype="float64")).float()
    assert torch.allclose(torch.tensor(data["inverse"]), expected, atol=1e-6)
    assert data["max_error"] < 1e-5 and data["description"].startswith("M is 17×3 with full column rank 3")
    code, out, _ = run(capsys, "exact", "--matrix", "1 2; 2 4; 3 6", "--json")
    data = strict_json(out)
    assert (data["kind"], data["rank"], data["max_error"]) == ("pseudo", 1, None)  # NaN: X @ M is a projection


def test_exact_pinv_of_singular(capsys):
    code, out, _ = run(capsys, "exact", "--preset", "singular", "--pinv", "--json")
    assert code == 0
    data = strict_json(out)
    expected = gdinverse.pseudo_inverse(gdinverse.preset("singular"))
    assert torch.allclose(torch.tensor(data["pseudo_inverse"]), expected)


def test_preset_parameters(capsys):
    code, out, _ = run(capsys, "exact", "--preset", "random", "--n", "3", "--cond", "100", "--seed-matrix", "7")
    assert code == 0
    assert "condition number: 100" in out


def test_indicator_default_is_the_seed_matrix(capsys):
    code, out, _ = run(capsys, "indicator")
    assert code == 0
    expected = "[" + ",\n ".join(str(row) for row in SEED_INDICATOR) + "]\n"
    assert out == expected
    code, out, _ = run(capsys, "indicator", "--json")
    assert strict_json(out) == {"matrix": SEED_INDICATOR}


def test_indicator_from_text(capsys, tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("The cat sat\n\nthe dog\n", encoding="utf-8")
    code, out, _ = run(capsys, "indicator", "--text", str(path), "--json")
    assert code == 0
    data = strict_json(out)
    assert data["vocabulary"] == ["cat", "dog", "sat", "the"]
    assert data["matrix"] == [[1, 0, 1, 1], [0, 1, 0, 1]]
    code, out, _ = run(capsys, "indicator", "--text", str(path))
    assert out.splitlines()[0] == "vocabulary (4 words, the columns): cat dog sat the"


def test_version_and_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"gdinverse {gdinverse.__version__}\n")
    code, out, _ = run(capsys, "descent", "--help")
    assert code == 0
    assert "--record-every" in out


# ---------------------------------------------------------------------------- errors: one line, exit 2

BAD_INPUT = {
    "ragged": ["exact", "--matrix", "1 2; 3"],
    "not a number": ["exact", "--matrix", "1 x; 3 4"],
    "nan entry": ["exact", "--matrix", "nan 1; 2 3"],
    "empty matrix": ["exact", "--matrix", ""],
    "unknown preset": ["descent", "--preset", "nope"],
    "exactly singular": ["exact", "--matrix", "1 2; 2 4"],  # a zero pivot on every CPU (2 − 0.5·4 = 0)
    "exactly singular in float64": ["exact", "--matrix", "1 2; 2 4", "--dtype", "float64"],
    "negative steps": ["descent", "--steps", "-1"],
    "steps not an int": ["descent", "--steps", "ten"],
    "lr 0": ["descent", "--lr", "0"],
    "lr -1": ["descent", "--lr", "-1"],
    "lr nan": ["descent", "--lr", "nan"],
    "lr fast": ["descent", "--lr", "fast"],
    "record every 0": ["descent", "--record-every", "0"],
    "momentum with gd": ["descent", "--momentum", "0.5"],
    "bad method": ["descent", "--method", "sgd"],
    "p 2": ["indicator", "--p", "2"],
    "documents -3": ["indicator", "--documents", "-3"],
    "bad dtype": ["exact", "--dtype", "float16"],
    "preset and matrix": ["exact", "--preset", "identity", "--matrix", "1"],
    "unused preset option": ["exact", "--n", "3"],
    "preset option with matrix": ["exact", "--matrix", "1 2; 3 4", "--cond", "5"],
    "bad n": ["exact", "--preset", "hilbert", "--n", "0"],
    "all zeros": ["descent", "--matrix", "0 0; 0 0"],
    "text and random options": ["indicator", "--text", "-", "--p", "0.5"],
    "no subcommand": [],
    "unknown subcommand": ["invert"],
    "unknown option": ["exact", "--fast"],
    "option value starting with -": ["exact", "--matrix", "-1,2"],
    "exercises without a sheet": ["exercises"],
    "exercises sheet -1": ["exercises", "--sheet=-1"],
    "exercises 51 questions": ["exercises", "--sheet", "1", "--questions", "51"],
    "exercises bad format": ["exercises", "--sheet", "1", "--format", "gift"],
    "exercises moodle with answers": ["exercises", "--sheet", "1", "--format", "moodle", "--answers"],
}


def assert_one_line_error(code: int, out: str, err: str) -> None:
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("\n")
    assert len(err.splitlines()) == 1
    assert err.startswith("gdinverse: error: ")


@pytest.mark.parametrize("argv", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_one_line_and_exit_2(capsys, argv):
    assert_one_line_error(*run(capsys, *argv))


def test_singular_error_suggests_the_pseudo_inverse(capsys):
    _, _, err = run(capsys, "exact", "--matrix", "1 2; 2 4")
    assert "pseudo-inverse" in err
    assert "--pinv" in err


def test_the_singular_preset_points_to_the_pseudo_inverse_whatever_the_cpus_lu_does(capsys):
    """1..16 in rows has rank 2; LU meets an exactly zero pivot on some CPUs (an error, exit 2) and a pivot of
    rounding size on others (an inverse with no guaranteed digit, and a warning): both name the pseudo-inverse."""
    code, out, err = run(capsys, "exact", "--preset", "singular")
    assert code in (0, 2)
    said = err if code == 2 else out
    assert "pseudo-inverse" in said
    if code == 0:
        assert "no digit" in said and "guaranteed" in said


def test_bad_files_and_stdin(capsys, tmp_path, monkeypatch):
    assert_one_line_error(*run(capsys, "indicator", "--text", str(tmp_path / "missing.txt")))
    assert_one_line_error(*run(capsys, "indicator", "--text", str(tmp_path)))  # a directory
    wordless = tmp_path / "wordless.txt"
    wordless.write_text("!!! --- ???\n", encoding="utf-8")
    assert_one_line_error(*run(capsys, "indicator", "--text", str(wordless)))
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    assert_one_line_error(*run(capsys, "indicator", "--text", str(binary)))
    for argv in (["exact", "--matrix", "-"], ["indicator", "--text", "-"]):
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        assert_one_line_error(*run(capsys, *argv))
    monkeypatch.setattr("sys.stdin", io.StringIO("1 2\n3\n"))
    code, out, err = run(capsys, "descent", "--matrix", "-")
    assert_one_line_error(code, out, err)
    assert "row 2 has 1 entry but row 1 has 2" in err


# ---------------------------------------------------------------------------- the real `python -m gdinverse`


def python_m(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "gdinverse", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_python_m_bad_input():
    done = python_m("exact", "--matrix", "-", stdin="1 2\n3\n")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "gdinverse: error: row 2 has 1 entry but row 1 has 2; every row needs the same number of entries"
    ]


def test_descent_in_float32_shows_the_kappa_of_the_matrix_as_entered(capsys):
    code, out, err = run(capsys, "descent", "--preset", "hilbert", "--n", "6", "--lr", "optimal")
    assert (code, err) == (0, "")
    kappa = gdinverse.format_condition(gdinverse.condition_number(gdinverse.preset("hilbert", n=6, dtype="float64")))
    assert f"(condition number {kappa})" in out and kappa == "1.5e+07"
    assert "1.45e+07" not in out  # the κ of the float32 rounding, which no page or command shows
    code, out, _ = run(capsys, "exact", "--preset", "hilbert", "--n", "6")
    assert f"condition number: {kappa} (σ_max/σ_min of M as entered" in out


# ---------------------------------------------------------------------------- exercise sheets


def test_exercises_prints_the_students_sheet_and_the_teachers(capsys):
    code, out, err = run(capsys, "exercises", "--sheet", "42")
    assert (code, err) == (0, "")
    title = "Gradient descent and the inverse: exercises, sheet 42"
    assert out == sheet_markdown(sheet(42, 7), answers=False, title=title)
    assert "**Answer:**" not in out and "**Hint**" not in out
    code, out, _ = run(capsys, "exercises", "--sheet", "42", "--questions", "3", "--answers")
    assert code == 0 and out == sheet_markdown(sheet(42, 3), answers=True, title=title)
    assert out.count("**Answer:**") == out.count("**Hint**") == 3


def test_exercises_writes_a_moodle_quiz(capsys, tmp_path):
    code, out, err = run(capsys, "exercises", "--sheet", "42", "--format", "moodle")
    assert (code, err) == (0, "")
    assert out == sheet_moodle_xml(sheet(42, 7), name="gdinverse exercises, sheet 42")
    root = ET.fromstring(out.encode("utf-8"))
    assert [q.get("type") for q in root] == ["category"] + ["numerical"] * 3 + ["multichoice"] * 2 + [
        "numerical",
        "multichoice",
    ]
    path = tmp_path / "quiz.xml"
    code, out, err = run(
        capsys, "exercises", "--sheet", "42", "--questions", "14", "--format", "moodle", "--output", str(path)
    )
    assert (code, err) == (0, "")
    assert out == f"wrote sheet 42 (14 questions, moodle) to {path}\n"
    assert path.read_text(encoding="utf-8") == sheet_moodle_xml(sheet(42, 14), name="gdinverse exercises, sheet 42")


def test_exercises_errors_name_the_options(capsys, tmp_path):
    _, _, err = run(capsys, "exercises", "--sheet=-1")
    assert err == "gdinverse: error: --sheet must be between 0 and 9,223,372,036,854,775,807, got -1\n"
    _, _, err = run(capsys, "exercises", "--sheet", "1", "--questions", "0")
    assert err == "gdinverse: error: --questions must be between 1 and 50, got 0\n"
    _, _, err = run(capsys, "exercises", "--sheet", "1", "--format", "moodle", "--answers")
    assert "--answers is for --format markdown" in err
    for target in (tmp_path / "missing" / "quiz.xml", tmp_path):
        code, out, err = run(capsys, "exercises", "--sheet", "1", "--output", str(target))
        assert_one_line_error(code, out, err)
        assert err.startswith(f"gdinverse: error: cannot write {str(target)!r}: ")


def test_python_m_exercises_moodle():
    done = python_m("exercises", "--sheet", "7", "--questions", "2", "--format", "moodle")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == sheet_moodle_xml(sheet(7, 2), name="gdinverse exercises, sheet 7")
