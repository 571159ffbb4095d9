"""CSV files the pages offer for download."""

from __future__ import annotations

import io

import numpy as np
import torch

import gdinverse as g


def losses_csv(result: g.DescentResult) -> str:
    """step,loss — one line per step."""
    steps = np.arange(result.losses.size)
    buffer = io.StringIO()
    np.savetxt(
        buffer,
        np.column_stack([steps, result.losses]),
        fmt=["%d", "%.9g"],
        delimiter=",",
        header="step,loss",
        comments="",
    )
    return buffer.getvalue()


def matrix_csv(M: torch.Tensor, *, rows: list[str] | None = None, columns: list[str] | None = None) -> str:
    """A matrix as CSV, with a header of column names and the row names first, if given."""
    values = M.detach().cpu().numpy()
    columns = columns or [str(j + 1) for j in range(values.shape[1])]
    lines = [",".join(([""] if rows else []) + columns)]
    for i, row in enumerate(values):
        cells = [repr(float(x)) if values.dtype.kind == "f" else str(int(x)) for x in row]
        lines.append(",".join(([rows[i]] if rows else []) + cells))
    return "\n".join(lines) + "\n"
