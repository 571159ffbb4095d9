"""Every bad argument of every subcommand: exit status 2, one line on stderr, no traceback.

The cases in test_cli.py's BAD_INPUT and test_bad_files_and_stdin are not repeated here.
"""

import io

import pytest

from tests.test_cli import assert_one_line_error, python_m, run

BIG = str(10**12)
HUGE = str(10**30)

BAD_ARGUMENTS = {
    # descent
    "steps 10**12": (["descent", "--steps", BIG], "steps must be between 1 and 10,000,000"),
    "steps 10**30": (["descent", "--steps", HUGE], "steps must be between"),
    "steps 0": (["descent", "--steps", "0"], "steps must be between"),
    "steps 1e3": (["descent", "--steps", "1e3"], "--steps: invalid int value"),
    "record every -5": (["descent", "--record-every=-5"], "record_every must be between"),
    "record every 10**12": (["descent", "--record-every", BIG], "record_every must be between"),
    "record every x": (["descent", "--record-every", "x"], "--record-every: invalid int value"),
    "lr inf": (["descent", "--lr", "inf"], "lr must be a finite number"),
    "lr -inf": (["descent", "--lr=-inf"], "lr must be a finite number"),
    "lr 1e400": (["descent", "--lr", "1e400"], "lr must be a finite number"),
    "lr empty": (["descent", "--lr", ""], "lr must be a positive number, 'optimal' or 'seed'"),
    "lr True": (["descent", "--lr", "True"], "got 'True'"),
    "lr hex": (["descent", "--lr", "0x10"], "got '0x10'"),
    "lr emoji": (["descent", "--lr", "😀"], "got '😀'"),
    "momentum 2": (
        ["descent", "--method", "momentum", "--momentum", "2"],
        "momentum must be a finite number in [0, 1]",
    ),
    "momentum nan": (["descent", "--method", "momentum", "--momentum", "nan"], "got nan"),
    "momentum inf": (["descent", "--method", "nesterov", "--momentum", "inf"], "got inf"),
    "momentum -1": (["descent", "--method", "nesterov", "--momentum=-1"], "got -1.0"),
    "momentum word": (["descent", "--method", "momentum", "--momentum", "high"], "--momentum: invalid float value"),
    "newton_schulz with lr": (["descent", "--method", "newton_schulz", "--lr", "0.1"], "takes no lr"),
    "adam with autograd": (["descent", "--method", "adam", "--gradient", "autograd"], "'gd' only"),
    "method emoji": (["descent", "--method", "🙂"], "--method: invalid choice"),
    "init ones": (["descent", "--init", "ones"], "--init: invalid choice"),
    "gradient numeric": (["descent", "--gradient", "numeric"], "--gradient: invalid choice"),
    "seed -1": (["descent", "--seed=-1"], "seed must be between 0"),
    "seed 2**64": (["descent", "--seed", str(2**64)], "seed must be between 0"),
    "seed 1.5": (["descent", "--seed", "1.5"], "--seed: invalid int value"),
    "matrix too large for float64 descent": (
        ["descent", "--matrix", "1e300 0; 0 1", "--dtype", "float64"],
        "too large for gradient descent in float64",
    ),
    "matrix too small for float64 descent": (
        ["descent", "--matrix", "1e-300 0; 0 1e-300", "--dtype", "float64"],
        "too small for gradient descent in float64",
    ),
    "matrix too large for float32 descent": (["descent", "--matrix", "1e20 0; 0 1"], "or use float64"),
    "matrix too big for descent": (["descent", "--matrix", "1 " * 20_000], "too big for gradient descent"),
    "zeros and newton_schulz": (["descent", "--matrix", "0 0; 0 0", "--method", "newton_schulz"], "all zeros"),
    "descent 3-D matrix": (["descent", "--matrix", "[[[1, 2], [3, 4]]]"], "3-D"),
    "descent empty preset": (["descent", "--preset", ""], "unknown preset ''"),
    # exact
    "3-D matrix": (["exact", "--matrix", "[[[1, 2], [3, 4]]]"], "nests brackets 3 deep"),
    "4-D tensor print": (["exact", "--matrix", "tensor([[[[1.]]]])"], "4-D"),
    "unicode garbage": (["exact", "--matrix", "😀 ١; \u202ex"], "not a number"),
    "zero-width space": (["exact", "--matrix", "1\u200b2; 3 4"], "\\u200b"),
    "right-to-left text": (["exact", "--matrix", "שלום 1; 2 3"], "'שלום'"),
    "NUL in matrix": (["exact", "--matrix", "1 2\x00; 3 4"], "\\x00"),
    "1e300 in float32": (["exact", "--matrix", "1e300 0; 0 1"], "beyond torch.float32's largest number"),
    "1e-300 in float32": (["exact", "--pinv", "--matrix", "1e-300 1"], "below torch.float32's smallest normal"),
    "nan with pinv": (["exact", "--pinv", "--matrix", "nan"], "finite"),
    "singular once rounded to float32": (["exact", "--matrix", "1 1; 1 1.000000001"], "use float64"),
    "1,5; 2,5": (["exact", "--matrix", "1,5; 2,5"], "row 1, column 1: '1,5'"),
    "empty cell": (["exact", "--matrix", "1,,3\n4,5,6"], "row 1, column 2 is empty"),
    "empty preset": (["exact", "--preset", ""], "unknown preset ''"),
    "emoji preset": (["exact", "--preset", "😀"], "unknown preset"),
    "n 0": (["exact", "--preset", "identity", "--n", "0"], "n of the identity preset must be between 1"),
    "n -1": (["exact", "--preset", "random", "--n=-1"], "n of the random preset must be between 1"),
    "n 10**12": (
        ["exact", "--preset", "identity", "--n", BIG],
        "n of the identity preset must be between 1 and 10,000",
    ),
    "singular n 2": (["exact", "--preset", "singular", "--n", "2"], "n of the singular preset must be between 3"),
    "n 2.5": (["exact", "--preset", "identity", "--n", "2.5"], "--n: invalid int value"),
    "cond nan": (["exact", "--preset", "random", "--cond", "nan"], "cond must be a finite number"),
    "cond inf": (["exact", "--preset", "random", "--cond", "inf"], "cond must be a finite number"),
    "cond 0.5": (["exact", "--preset", "random", "--cond", "0.5"], "cond must be a finite number in [1"),
    "angle inf": (["exact", "--preset", "rotation", "--angle", "inf"], "angle must be a finite number"),
    "angle nan": (["exact", "--preset", "rotation", "--angle", "nan"], "angle must be a finite number"),
    "seed-matrix -1": (["exact", "--preset", "random", "--seed-matrix=-1"], "seed must be between 0"),
    "seed-matrix 2**70": (["exact", "--preset", "random", "--seed-matrix", str(2**70)], "seed must be between 0"),
    "dtype float128": (["exact", "--dtype", "float128"], "--dtype: invalid choice"),
    "positional junk": (["exact", "junk"], "unrecognized arguments: junk"),
    # indicator
    "documents 10**9": (["indicator", "--documents", str(10**9)], "n_documents must be between 1 and 100,000"),
    "documents 0": (["indicator", "--documents", "0"], "n_documents must be between 1"),
    "words -1": (["indicator", "--words=-1"], "n_words must be between 1"),
    "words 10**30": (["indicator", "--words", HUGE], "n_words must be between 1"),
    "documents x words over 10**8": (["indicator", "--documents", "100000", "--words", "100000"], "over 10⁸ entries"),
    "p nan": (["indicator", "--p", "nan"], "p must be a finite number in [0, 1]"),
    "p inf": (["indicator", "--p", "inf"], "p must be a finite number in [0, 1]"),
    "p -0.1": (["indicator", "--p=-0.1"], "got -0.1"),
    "p word": (["indicator", "--p", "half"], "--p: invalid float value"),
    "indicator seed -1": (["indicator", "--seed=-1"], "seed must be between 0"),
    "indicator seed 2**80": (["indicator", "--seed", str(2**80)], "seed must be between 0"),
    "text empty path": (["indicator", "--text", ""], "cannot read ''"),
    "text in a missing directory": (["indicator", "--text", "/nonexistent/directory/docs.txt"], "cannot read"),
    "text /dev/null": (["indicator", "--text", "/dev/null"], "there are no documents"),
}


@pytest.mark.parametrize(("argv", "says"), BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_each_bad_argument_is_one_line_and_exit_2(capsys, argv, says):
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, out, err)
    assert says in err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (bytes(range(256)) * 4, "not UTF-8 text"),  # binary
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
        (b"the cat\n\x00\x00\n", "document 2"),  # UTF-8, but a line of NUL bytes has no words
        ("the cat\n\u200b\u200b\n".encode(), "document 2"),  # a line of zero-width spaces
        ("the cat\n😀 🎉\n".encode(), "document 2"),
        ("".join(f"w{i}\n" for i in range(10_001)).encode(), "over 10⁸ entries"),
    ],
    ids=["binary", "png", "NUL line", "zero-width line", "emoji line", "too many words"],
)
def test_bad_text_files(capsys, tmp_path, content, says):
    path = tmp_path / "documents.txt"
    path.write_bytes(content)
    code, out, err = run(capsys, "indicator", "--text", str(path))
    assert_one_line_error(code, out, err)
    assert says in err


def test_a_matrix_of_full_rank_beyond_float64_s_svd_gets_its_exact_kappa(capsys):
    """The random preset asked for κ = 1e300: its float64 values have full rank (decided exactly) and κ ≈ 3.9e18,
    which float64's SVD cannot resolve; the exact inverse gives it, and the output says so."""
    code, out, err = run(capsys, "exact", "--preset", "random", "--cond", "1e300", "--dtype", "float64")
    assert (code, err) == (0, "")
    assert "condition number 3.85e+18 (σ_max·‖M⁻¹‖₂ of M as entered, M⁻¹ computed exactly" in out.replace(":", "")
    assert "trusted digits: 0.0 of" in out
    assert "the bound guarantees no correct digit of this inverse. And it is not accurate" in out


def test_the_singular_preset_is_refused_in_both_precisions(capsys):
    for dtype in ("float32", "float64"):
        code, out, err = run(capsys, "exact", "--preset", "singular", "--dtype", dtype)
        assert_one_line_error(code, out, err)
        assert "matrix is singular: it has rank 2 of 4 (decided exactly" in err and "`gdinverse exact --pinv`" in err


def test_bad_matrices_on_stdin(capsys, monkeypatch):
    for text, says in (("[[[1]]]", "3-D"), ("1 2; 3 😀", "'😀'"), ("\n\n", "empty"), ("1e300", "beyond")):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))
        code, out, err = run(capsys, "descent", "--matrix", "-")
        assert_one_line_error(code, out, err)
        assert says in err


def test_a_byte_order_mark_on_stdin_is_dropped(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("\ufeff2 0\n0 4\n"))
    code, out, err = run(capsys, "exact", "--matrix", "-", "--json")
    assert (code, err) == (0, "")
    assert '"inverse": [[0.5, 0.0], [0.0, 0.25]]' in out


def test_unicode_documents_on_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("cafe\u0301 שלום\ncafé नमस्ते\n"))
    code, out, err = run(capsys, "indicator", "--text", "-")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "vocabulary (3 words, the columns): café שלום नमस्ते"


def test_python_m_has_no_traceback_for_an_extreme_float64_matrix():
    done = python_m("descent", "--matrix", "-", "--dtype", "float64", stdin="1e300 0\n0 1\n")
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "too large for gradient descent in float64" in done.stderr
