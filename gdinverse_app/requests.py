"""The settings objects pages pass to the cached computations: frozen and hashable, so they key the caches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import torch

import gdinverse as g

__all__ = ["SEED_SPEC", "DescentArgs", "MatrixSpec", "RaceArgs", "SweepArgs"]


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

    def build(self, dtype: str = "float32") -> torch.Tensor:
        """The matrix, in ``dtype``."""
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


SEED_SPEC = MatrixSpec()
"""The seed notebook's matrix, diag(1, 2, 3, 4)."""


DescentArgs: TypeAlias = tuple[MatrixSpec, float, int, int, int, str, str]
"""The arguments of ``cached.descent``: spec, lr, steps, seed, record_every, init, dtype."""
RaceArgs: TypeAlias = tuple[MatrixSpec, tuple[str, ...], int, int, str, str, float]
"""The arguments of ``cached.race``: spec, methods, steps, seed, init, dtype, adam_lr."""
SweepArgs: TypeAlias = tuple[MatrixSpec, int, int, int, str, str]
"""The arguments of ``cached.sweep``: spec, count, steps, seed, init, dtype."""
