"""The ``gdinverse`` command line: the exact inverse, gradient descent and indicator matrices in a terminal.

Three subcommands that compute, each with ``--json`` for one machine-readable JSON object, one that writes an
exercise sheet (Markdown, or a Moodle XML quiz to import), and one that starts the app::

    gdinverse exact [--preset NAME | --matrix TEXT] [--pinv]
    gdinverse descent --lr seed          # replays the seed notebook
    gdinverse indicator [--documents 17 --words 3 --p 0.2 --seed 123 | --text FILE]
    gdinverse exercises --sheet 42 [--questions 7] [--format markdown [--answers] | --format moodle] [--output FILE]
    gdinverse app [--port 8501 --address localhost] [streamlit run's options]

The CLI only parses, calls :mod:`gdinverse` and prints. Bad input ends with one
line on stderr (``gdinverse: error: ...``) and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, NoReturn

import numpy as np
import torch

from . import (
    METHODS,
    PRESETS,
    GdInverseError,
    OneSidedInverse,
    SingularMatrixError,
    __version__,
    condition_number,
    document_term_matrix,
    exact_inverse,
    format_condition,
    gd_inverse,
    indicator_matrix,
    one_sided_inverse,
    parse_matrix,
    preset,
    pseudo_inverse,
)
from .descent import GRADIENTS, INITS
from .errors import check_int
from .exercises import KINDS, MAX_QUESTIONS, sheet, sheet_markdown
from .limits import MAX_SEED
from .moodle import sheet_moodle_xml
from .presets import PRESET_PARAMETERS, SEED_INDICATOR
from .theory import condition_note

__all__ = ["format_loss", "main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2

PRESET_OPTIONS = {"n": "--n", "cond": "--cond", "seed": "--seed-matrix", "angle": "--angle"}
"""gdinverse.preset's keyword arguments and the options that set them."""


class UsageError(Exception):
    """A mistake on the command line or in the input files: reported in one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised as UsageError), not the usage block."""

    def error(self, message: str) -> NoReturn:
        if message.endswith("expected one argument"):
            message += " (write --option=VALUE for a value that starts with '-')"
        raise UsageError(f"{message} (see {self.prog} --help)")


# ---------------------------------------------------------------------------- formatting


def format_loss(value: float) -> str:
    """A loss as torch prints a 0-d float tensor: ``1.6650``, but ``4.7337e-05`` below 1e-4 and from 1e8 up."""
    if not math.isfinite(value):
        return str(value)
    if value != 0 and not 1e-4 <= abs(value) < 1e8:
        return f"{value:.4e}"
    return f"{value:.4f}"


def seed_text(M: torch.Tensor) -> str:
    """A matrix at 2 decimals, as the seed notebook printed its ``Diff``."""
    # the seed notebook's np.set_printoptions(formatter=...), applied locally
    return np.array2string(M.detach().cpu().numpy(), formatter={"float": lambda x: f"{x:0.2f}"})


def matrix_text(M: torch.Tensor) -> str:
    """A float matrix at 4 decimals, tiny entries shown as 0 (gdinverse.parse_matrix reads it back unless elided)."""
    values = M.detach().cpu().numpy()
    return np.array2string(values, precision=4, floatmode="fixed", suppress_small=True, max_line_width=120)


def int_matrix_text(M: torch.Tensor) -> str:
    """A 0/1 matrix, comma separated as torch printed the seed's indicator."""
    return np.array2string(M.detach().cpu().numpy(), separator=", ", max_line_width=120)


def finite_or_none(value: Any) -> Any:
    """``value`` with every NaN or infinity (in nested lists too) replaced by None, for strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [finite_or_none(v) for v in value]
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    return value


def print_json(fields: dict[str, Any]) -> None:
    """Print ``fields`` as one strict JSON object (non-finite numbers as null)."""
    print(json.dumps(finite_or_none(fields), allow_nan=False))


def one_line(error: Exception) -> str:
    """An error's message on one line."""
    return " ".join(str(error).split())


# ---------------------------------------------------------------------------- input


def read_text(source: str, what: str) -> str:
    """The text of file ``source``, or of standard input for ``-``."""
    try:
        if source == "-":
            text = sys.stdin.read()
            if not text.strip():
                raise UsageError(f"standard input is empty; pipe in the {what}")
            return text
        with open(source, encoding="utf-8") as file:
            return file.read()
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {source!r}: it is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read {source!r}: {exc.strerror or exc}") from None


def matrix_from(args: argparse.Namespace) -> torch.Tensor:
    """The matrix named by --matrix or --preset (and its parameters)."""
    values = {key: getattr(args, option.lstrip("-").replace("-", "_")) for key, option in PRESET_OPTIONS.items()}
    given = {key: value for key, value in values.items() if value is not None}
    if args.matrix is not None:
        if given:
            options = ", ".join(PRESET_OPTIONS[key] for key in given)
            raise UsageError(f"--matrix takes no preset parameters; drop {options}")
        text = read_text("-", "matrix text") if args.matrix == "-" else args.matrix
        return parse_matrix(text, dtype=args.dtype)
    name = "diag1234" if args.preset is None else args.preset
    unused = [PRESET_OPTIONS[key] for key in given if key not in PRESET_PARAMETERS.get(name, PRESET_OPTIONS)]
    if unused:
        takes = ", ".join(PRESET_OPTIONS[key] for key in PRESET_PARAMETERS[name]) or "no parameters"
        raise UsageError(f"preset {name!r} does not use {', '.join(unused)} (it takes {takes})")
    return preset(name, **given, dtype=args.dtype)


def learning_rate(text: str) -> float | str:
    """--lr: a number, or a word ('optimal', 'seed') that gdinverse.gd_inverse checks."""
    try:
        return float(text)
    except ValueError:
        return text


# ---------------------------------------------------------------------------- subcommands


def run_exact(args: argparse.Namespace) -> int:
    """``gdinverse exact``: a square matrix's inverse and what κ guarantees; a non-square one's one-sided inverse."""
    # the matrix as entered, in float64: κ is computed from it, the inverse in --dtype
    M = matrix_from(argparse.Namespace(**{**vars(args), "dtype": "float64"}))
    if args.pinv:
        return show_pinv(M, args.json, args.dtype)
    rows, cols = M.shape
    if rows != cols:
        return show_one_sided(one_sided_inverse(M, dtype=args.dtype), condition_number(M, dtype=args.dtype), args.json)
    try:
        result = exact_inverse(M, dtype=args.dtype)
    except SingularMatrixError as exc:
        raise UsageError(f"{exc} (`gdinverse exact --pinv`)") from None
    if args.json:
        print_json(
            {
                "matrix": result.matrix.tolist(),
                "inverse": result.inverse.tolist(),
                "product": result.product.tolist(),
                "max_error": result.max_error,
                "determinant": result.determinant,
                "condition_number": result.condition_number,
                "condition_resolved": result.condition_resolved,
                "condition_source": result.kappa_source,
                "dtype": result.dtype,
                "eps": result.eps,
                "error_bound": result.error_bound,
                "trusted_digits": result.trusted_digits,
                "ill_conditioned": result.ill_conditioned,
                "warning": result.warning,
            }
        )
        return EXIT_OK
    print(f"matrix ({rows}x{cols}, {result.dtype}):")
    print(matrix_text(result.matrix))
    print("inverse:")
    print(matrix_text(result.inverse))
    print("inverse @ matrix:")
    print(matrix_text(result.product))
    print(f"max error |inverse @ matrix - I|: {result.max_error:.3g}")
    print(f"determinant: {result.determinant:.6g}")
    note = condition_note(result.kappa_source, rank_exact=result.rank_exact)
    print(f"condition number: {format_condition(result.condition_number)} ({note})")
    most = -math.log10(result.eps)
    print(
        f"trusted digits: {result.trusted_digits:.1f} of {result.dtype}'s {most:.1f} "
        f"(guaranteed by the bound -log10(eps*kappa), eps = {result.eps:.3g}; the inverse may be more accurate)"
    )
    if result.warning is not None:
        print(f"ill-conditioned: {result.warning}")
    return EXIT_OK


def show_one_sided(result: OneSidedInverse, kappa: float, as_json: bool) -> int:
    """A non-square matrix: which one-sided inverse it has (gdinverse.one_sided_inverse), and that inverse."""
    if as_json:
        print_json(
            {
                "matrix": result.matrix.tolist(),
                "kind": result.kind,
                "rank": result.rank,
                "inverse": result.inverse.tolist(),
                "product": result.product.tolist(),
                "max_error": result.max_error,
                "condition_number": kappa,
                "dtype": result.dtype,
                "description": result.description,
            }
        )
        return EXIT_OK
    rows, cols = result.matrix.shape
    name = {"left": "left inverse X (M⁺", "right": "right inverse X (M⁺", "pseudo": "pseudo-inverse X (M⁺"}
    product = "matrix @ X" if result.kind == "right" else "X @ matrix"
    print(f"matrix ({rows}x{cols}, {result.dtype}):")
    print(matrix_text(result.matrix))
    print(result.description)
    print(f"{name[result.kind]}, {cols}x{rows}):")
    print(matrix_text(result.inverse))
    print(f"{product}:")
    print(matrix_text(result.product))
    if result.kind != "pseudo":
        print(f"max error |{product} - I|: {result.max_error:.3g}")
    print(f"condition number: {format_condition(kappa)}")
    return EXIT_OK


def show_pinv(M: torch.Tensor, as_json: bool, dtype: str = "float32") -> int:
    """``--pinv``: the pseudo-inverse of ``M`` (as entered, float64) computed in ``dtype``."""
    kappa = condition_number(M, dtype=dtype)
    inverse = pseudo_inverse(M, dtype=dtype)
    M = M.to(inverse.dtype)
    product = inverse @ M
    if as_json:
        print_json(
            {
                "matrix": M.tolist(),
                "pseudo_inverse": inverse.tolist(),
                "product": product.tolist(),
                "condition_number": kappa,
            }
        )
        return EXIT_OK
    print(f"matrix ({M.shape[0]}x{M.shape[1]}, {str(M.dtype).removeprefix('torch.')}):")
    print(matrix_text(M))
    print("pseudo-inverse:")
    print(matrix_text(inverse))
    print("pseudo-inverse @ matrix:")
    print(matrix_text(product))
    print(f"condition number: {format_condition(kappa)}")
    return EXIT_OK


def run_descent(args: argparse.Namespace) -> int:
    # the matrix as entered, in float64: the verdict's κ is computed from it, the run is in --dtype
    A = matrix_from(argparse.Namespace(**{**vars(args), "dtype": "float64"}))
    result = gd_inverse(
        A,
        dtype=args.dtype,
        lr=args.lr,
        steps=args.steps,
        seed=args.seed,
        record_every=args.record_every,
        init=args.init,
        method=args.method,
        momentum=args.momentum,
        gradient=args.gradient,
    )
    if args.json:
        print_json(
            {
                "losses": result.losses.tolist(),
                "inverse": result.inverse.tolist(),
                "lr": result.lr,
                "momentum": result.momentum,
                "method": result.method,
                "steps": result.steps,
                "final_loss": result.final_loss,
                "diverged": result.diverged,
                "stopped_at": result.stopped_at,
                "stalled": result.stalled,
                "recorded_steps": list(result.snapshots),
                "message": result.message,
                "verdict": {
                    "status": result.verdict.status,
                    "message": result.verdict.message,
                    "steps_more": result.verdict.steps_more,
                },
            }
        )
        return EXIT_OK
    for t in result.snapshots:
        print(f"{t} : {format_loss(float(result.losses[t]))}")
        print(seed_text(result.residual(t)))
    lr = "none" if math.isnan(result.lr) else f"{result.lr:.6g}"
    print(f"verdict: {result.verdict.status}")
    print(f"{result.message} Final loss {format_loss(result.final_loss)}, method {result.method}, lr {lr}.")
    return EXIT_OK


def run_indicator(args: argparse.Namespace) -> int:
    random_options = {"--documents": args.documents, "--words": args.words, "--p": args.p, "--seed": args.seed}
    if args.text is not None:
        given = [option for option, value in random_options.items() if value is not None]
        if given:
            raise UsageError(f"--text builds the matrix from text; drop {', '.join(given)} (for the random matrix)")
        dtm = document_term_matrix(read_text(args.text, "documents, one per line"))
        if args.json:
            print_json(
                {"matrix": dtm.matrix.tolist(), "vocabulary": list(dtm.vocabulary), "documents": list(dtm.documents)}
            )
            return EXIT_OK
        print(f"vocabulary ({len(dtm.vocabulary)} words, the columns): {' '.join(dtm.vocabulary)}")
        print(f"documents x words ({len(dtm.documents)}x{len(dtm.vocabulary)}):")
        print(int_matrix_text(dtm.matrix))
        return EXIT_OK
    documents, words, p, seed = SEED_INDICATOR
    matrix = indicator_matrix(
        documents if args.documents is None else args.documents,
        words if args.words is None else args.words,
        p if args.p is None else args.p,
        seed if args.seed is None else args.seed,
    )
    if args.json:
        print_json({"matrix": matrix.tolist()})
    else:
        print(int_matrix_text(matrix))
    return EXIT_OK


def run_exercises(args: argparse.Namespace) -> int:
    """``gdinverse exercises``: a seeded sheet as Markdown (with the answers for the teacher) or a Moodle XML quiz."""
    if args.format == "moodle" and args.answers:
        raise UsageError("--answers is for --format markdown; a Moodle quiz always holds the answers (drop --answers)")
    # checked here so that the message names the options, not sheet()'s arguments
    seed = check_int("--sheet", args.sheet, low=0, high=MAX_SEED)
    questions = sheet(seed, check_int("--questions", args.questions, low=1, high=MAX_QUESTIONS))
    if args.format == "moodle":
        text = sheet_moodle_xml(questions, name=f"gdinverse exercises, sheet {args.sheet}")
    else:
        title = f"Gradient descent and the inverse: exercises, sheet {args.sheet}"
        text = sheet_markdown(questions, answers=args.answers, title=title)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output!r}: {exc.strerror or exc}") from None
    print(f"wrote sheet {args.sheet} ({len(questions)} questions, {args.format}) to {args.output}")
    return EXIT_OK


# ---------------------------------------------------------------------------- the parser


def run_app(argv: list[str]) -> int:
    """Start the Streamlit app with ``gdinverse app ARGV``'s options (its own parser: Streamlit's pass through).

    The launcher is loaded only here, so the library never imports streamlit.
    """
    from gdinverse_app.launch import main as launch

    return launch(argv)


def add_matrix_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME", help=f"an example matrix: {', '.join(PRESETS)} (default diag1234)")
    source.add_argument(
        "--matrix",
        metavar="TEXT",
        help="the matrix as text, rows split by ';' or newlines, e.g. '1 2; 3 4' ('-' reads stdin; "
        "write --matrix=TEXT if the text starts with '-')",
    )
    parser.add_argument("--n", type=int, help="size of the identity, hilbert, rotation, singular and random presets")
    parser.add_argument("--cond", type=float, help="condition number of the random preset (default 10)")
    parser.add_argument("--seed-matrix", type=int, metavar="SEED", help="seed of the random preset (default 0)")
    parser.add_argument("--angle", type=float, help="angle in degrees of the rotation preset (default 30)")
    parser.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32", help="working precision (default float32)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")


def build_parser() -> Parser:
    parser = Parser(
        prog="gdinverse",
        description="Find a matrix inverse exactly, and learn it by gradient descent.",
    )
    parser.add_argument("--version", action="version", version=f"gdinverse {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{exact,descent,indicator,exercises,app}")

    exact = commands.add_parser(
        "exact",
        help="the exact inverse, how well it checks out, and what the condition number guarantees "
        "(a left or right inverse for a non-square matrix)",
    )
    add_matrix_options(exact)
    exact.add_argument("--pinv", action="store_true", help="print the pseudo-inverse (any matrix, singular too)")
    exact.set_defaults(run=run_exact)

    descent = commands.add_parser(
        "descent", help="learn the inverse by gradient descent ('--lr seed' replays the seed)"
    )
    add_matrix_options(descent)
    descent.add_argument(
        "--lr",
        type=learning_rate,
        default="optimal",
        help="learning rate: a positive number, 'optimal' (default) or 'seed' (0.2·ln 10)",
    )
    descent.add_argument("--steps", type=int, default=100, help="number of steps (default 100)")
    descent.add_argument("--seed", type=int, default=314, help="seed of the random start (default 314)")
    descent.add_argument(
        "--record-every", type=int, default=20, help="print X @ A - I every this many steps (default 20)"
    )
    descent.add_argument("--init", choices=INITS, default="rand", help="start from torch.rand or zeros")
    descent.add_argument("--method", choices=list(METHODS), default="gd", help="update rule (default gd)")
    descent.add_argument("--momentum", type=float, help="β of the momentum methods (default: theory's)")
    descent.add_argument(
        "--gradient",
        choices=GRADIENTS,
        default="auto",
        help="autograd as the seed, or analytic (fast); auto: autograd for --lr seed, else analytic",
    )
    descent.set_defaults(run=run_descent)

    indicator = commands.add_parser("indicator", help="a random 0/1 documents x words matrix, or one from text")
    indicator.add_argument("--documents", type=int, help="number of documents, the rows (default 17)")
    indicator.add_argument("--words", type=int, help="number of words, the columns (default 3)")
    indicator.add_argument("--p", type=float, help="probability of a word in a document (default 0.2)")
    indicator.add_argument("--seed", type=int, help="random seed (default 123)")
    indicator.add_argument(
        "--text", metavar="FILE", help="build the matrix from a text file, a document a line ('-': stdin)"
    )
    indicator.add_argument("--json", action="store_true", help="print one JSON object instead")
    indicator.set_defaults(run=run_indicator)

    exercises = commands.add_parser(
        "exercises", help="a seeded exercise sheet: Markdown (--answers for the teacher) or a Moodle XML quiz"
    )
    exercises.add_argument(
        "--sheet", type=int, required=True, metavar="SEED", help="the sheet's number (the app's ?sheet=SEED)"
    )
    exercises.add_argument(
        "--questions",
        type=int,
        default=len(KINDS),
        help=f"how many questions, 1 to {MAX_QUESTIONS} (default {len(KINDS)}, one of each kind)",
    )
    exercises.add_argument(
        "--format",
        choices=("markdown", "moodle"),
        default="markdown",
        help="markdown (default) or moodle (Moodle XML: import it under Question bank > Import)",
    )
    exercises.add_argument(
        "--answers", action="store_true", help="markdown: add each hint, answer and explanation (the teacher's copy)"
    )
    exercises.add_argument("--output", metavar="FILE", help="write the sheet to FILE instead of printing it")
    exercises.set_defaults(run=run_exercises)

    app = commands.add_parser(
        "app", help="start the app (pip install 'gdinverse[app]'); see gdinverse app --help", add_help=False
    )
    app.set_defaults(run=lambda args: run_app([]))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status: 0 ok, 2 bad input."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["app"]:
        return run_app(argv[1:])
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        return args.run(args)
    except (UsageError, GdInverseError) as exc:
        print(f"gdinverse: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `gdinverse descent | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
