"""CSV files the pages offer for download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import numpy as np
import torch

import gdinverse as g


def _csv(rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def losses_csv(result: g.DescentResult) -> str:
    """step,loss — one line per step."""
    return _csv([["step", "loss"], *([t, f"{loss:.9g}"] for t, loss in enumerate(result.losses))])


def matrix_csv(M: torch.Tensor, *, rows: list[str] | None = None, columns: list[str] | None = None) -> str:
    """A matrix as CSV, with a header of column names and the row names first, if given."""
    values = M.detach().cpu().numpy()
    columns = columns or [str(j + 1) for j in range(values.shape[1])]
    cells = values.tolist() if values.dtype.kind == "f" else values.astype(np.int64).tolist()
    header = ([""] if rows else []) + columns
    return _csv([header, *(([rows[i]] if rows else []) + line for i, line in enumerate(cells))])
