"""The frozen requests the pages send their models: every setting that changes what a page computes or shows.

A request is built from the page's widgets (``gdinverse_app.state`` keeps them in the link and the session) and
keys the model's cache, so two sessions asking the same thing share one answer. ``style`` is the figures' style
("desk" or "projector", :data:`gdinverse.style.STYLES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

import gdinverse as g

__all__ = [
    "SEED_SPEC",
    "ExactRequest",
    "IndicatorRequest",
    "LectureRequest",
    "MatrixSpec",
    "RaceRequest",
    "RunRequest",
    "SheetRequest",
    "SweepRequest",
]


@dataclass(frozen=True)
class MatrixSpec:
    """Which matrix a page shows: a preset with its parameters, or pasted text, with optional row and column labels.

    Only the parameters the preset uses matter (``g.PRESET_PARAMETERS``); ``text`` is used when ``source`` is "text".
    """

    source: str = "preset"
    """"preset" or "text"."""
    preset: str = "diag1234"
    n: int = 4
    cond: float = 10.0
    seed: int = 0
    angle: float = 30.0
    text: str = ""
    row_labels: tuple[str, ...] = ()
    """Names of the rows (e.g. an indicator matrix's documents); empty for none."""
    column_labels: tuple[str, ...] = ()
    """Names of the columns (e.g. an indicator matrix's words); empty for none."""

    def build(self, dtype: str = "float64") -> torch.Tensor:
        """The matrix, in ``dtype`` (float64: the values as entered)."""
        if self.source == "preset":
            return g.preset(self.preset, n=self.n, cond=self.cond, seed=self.seed, angle=self.angle, dtype=dtype)
        return g.parse_matrix(self.text, dtype=dtype)

    @property
    def is_seed(self) -> bool:
        """True for the seed notebook's diag(1, 2, 3, 4)."""
        return self.source == "preset" and self.preset == "diag1234"

    @property
    def preset_arguments(self) -> dict[str, object]:
        """The keyword arguments of ``g.preset`` this preset uses."""
        given: dict[str, object] = {"n": self.n, "cond": self.cond, "seed": self.seed, "angle": self.angle}
        return {key: given[key] for key in g.PRESET_PARAMETERS[self.preset]}

    def without_labels(self) -> MatrixSpec:
        return MatrixSpec(self.source, self.preset, self.n, self.cond, self.seed, self.angle, self.text)


SEED_SPEC = MatrixSpec()
"""The seed notebook's matrix, diag(1, 2, 3, 4)."""


@dataclass(frozen=True)
class ExactRequest:
    """The Exact inverse page: a matrix, inverted in float32 and float64."""

    matrix: MatrixSpec
    style: str = "desk"


@dataclass(frozen=True)
class RunRequest:
    """One gradient-descent run of the Gradient descent page (and of the lecture's steps)."""

    matrix: MatrixSpec
    lr: float
    steps: int = 100
    seed: int = 314
    every: int = 20
    init: str = "rand"
    dtype: str = "float32"
    style: str = "desk"

    def run_arguments(self) -> dict[str, object]:
        """The keyword arguments of ``g.gd_inverse`` for this run."""
        return {"lr": self.lr, "steps": self.steps, "seed": self.seed, "record_every": self.every,
                "init": self.init, "dtype": self.dtype}  # fmt: skip


@dataclass(frozen=True)
class RaceRequest:
    """Compare's optimizer race."""

    matrix: MatrixSpec
    methods: tuple[str, ...] = tuple(g.METHODS)
    steps: int = 500
    seed: int = 314
    init: str = "rand"
    dtype: str = "float32"
    adam_lr: float = 0.1
    tol: float = 1e-6
    lesson: str | None = None
    """The Compare lesson whose settings these are (its commentary is shown), or None."""
    style: str = "desk"


@dataclass(frozen=True)
class SweepRequest:
    """Compare's learning-rate sweep."""

    matrix: MatrixSpec
    count: int = 40
    steps: int = 100
    seed: int = 314
    init: str = "rand"
    dtype: str = "float32"
    style: str = "desk"


@dataclass(frozen=True)
class IndicatorRequest:
    """The Indicator matrix page: a random matrix (the notebook's 17×3) or the document-term matrix of a text."""

    source: str = "random"
    """"random" or "text"."""
    documents: int = 17
    words: int = 3
    p: float = 0.2
    seed: int = 123
    text: str = ""
    style: str = "desk"


@dataclass(frozen=True)
class SheetRequest:
    """The Exercises page: a seeded sheet."""

    sheet: int = 1
    questions: int = 7
    style: str = "desk"


@dataclass(frozen=True)
class LectureRequest:
    """One step of the lecture."""

    step: int = 1
    style: str = "desk"
