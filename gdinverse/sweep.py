"""Learning-rate sweep: many plain gradient-descent runs at once, one per learning rate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .descent import MAX_STEPS, GradientDescent, _diverged
from .errors import ParameterError, check_float, check_int

__all__ = ["LrSweep", "lr_sweep"]

MAX_RUNS = 10_000


@dataclass(frozen=True)
class LrSweep:
    """Final losses of plain gradient descent for each learning rate of a sweep."""

    lrs: np.ndarray = field(repr=False)
    final_losses: np.ndarray = field(repr=False)
    """Loss after ``steps`` steps (or at divergence), one per lr."""
    diverged: np.ndarray = field(repr=False)
    """True where the run's loss became non-finite or grew a millionfold."""
    steps: int


def lr_sweep(
    A: Any,
    lrs: Sequence[float],
    *,
    steps: int = 100,
    seed: int = 314,
    init: str = "rand",
    dtype: Any = None,
    device: Any = None,
) -> LrSweep:
    """Run plain gradient descent for every lr in ``lrs`` at once and report each final loss.

    All runs start from the same X and advance together as one batched tensor
    computation, through the same step as :func:`gd_inverse`: each entry equals
    what ``gd_inverse(A, lr=lr, steps=steps, ...)`` gives. A diverged run keeps
    the loss at which it was caught.
    """
    values = np.asarray(lrs, dtype=np.float64).ravel() if not isinstance(lrs, str) else None
    if values is None or values.size == 0:
        raise ParameterError(f"lrs must be a non-empty list of learning rates, got {lrs!r}")
    if values.size > MAX_RUNS:
        raise ParameterError(f"{values.size:,} learning rates is more than {MAX_RUNS:,}; sweep fewer")
    for lr in values:
        check_float("every lr", float(lr), low=0.0, low_open=True)
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    engine = GradientDescent(A, lr=float(values[0]), seed=seed, init=init, dtype=dtype, device=device)
    engine._use_batch(values.tolist())
    start = engine._norms_now()
    norms = torch.empty(steps, values.size, **engine._like)
    engine._advance(steps, norms)
    bad = _diverged(norms, start).cpu().numpy()
    norms = norms.double().cpu().numpy()
    first_bad = np.where(bad.any(axis=0), bad.argmax(axis=0), steps - 1)
    final = norms[first_bad, np.arange(values.size)] ** 2 / engine.A.shape[1] ** 2
    return LrSweep(lrs=values, final_losses=final, diverged=bad.any(axis=0), steps=steps)
