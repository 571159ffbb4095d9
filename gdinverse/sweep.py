"""Learning-rate sweep: many plain gradient-descent runs at once, one per learning rate."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .cost import require
from .descent import GradientDescent
from .errors import ParameterError, check_float, check_int
from .limits import MAX_RUNS, MAX_STEPS
from .matrices import as_matrix
from .spectrum import Spectrum
from .theory import check_size, predicted_final_losses, predicted_loss_table

__all__ = ["LrSweep", "lr_sweep"]


@dataclass(frozen=True)
class LrSweep:
    """Final losses of plain gradient descent for each learning rate of a sweep."""

    lrs: np.ndarray = field(repr=False)
    final_losses: np.ndarray = field(repr=False)
    """Loss after ``steps`` steps (or at divergence), one per lr."""
    diverged: np.ndarray = field(repr=False)
    """True where the run's loss became non-finite or grew a millionfold."""
    predicted: np.ndarray = field(repr=False)
    """What the theory says the final loss is, for the same start (exact arithmetic; inf past overflow)."""
    steps: int
    losses: np.ndarray = field(repr=False)
    """The loss of every run at every step: (steps + 1) × lrs, row t after t steps; NaN after a run diverged."""
    predicted_losses: np.ndarray = field(repr=False)
    """The theory's loss at every step, the same shape (float64: exact arithmetic from the same start)."""

    @property
    def best_lr(self) -> float:
        """The learning rate with the lowest final loss among the runs that did not diverge (nan if all did)."""
        finals = np.where(self.diverged, np.inf, self.final_losses)
        return float(self.lrs[np.argmin(finals)]) if np.isfinite(finals).any() else float("nan")


def lr_sweep(
    A: Any,
    lrs: Sequence[float],
    *,
    steps: int = 100,
    seed: int = 314,
    init: str = "rand",
    dtype: Any = None,
    device: Any = None,
    spectrum: Spectrum | None = None,
) -> LrSweep:
    """Run plain gradient descent for every lr in ``lrs`` at once and report each final loss.

    All runs start from the same X and advance together as one batched tensor
    computation, through the same step as :func:`gd_inverse`: each entry equals
    what ``gd_inverse(A, lr=lr, steps=steps, ...)`` gives. A diverged run keeps
    the loss at which it was caught. ``spectrum`` is :class:`gdinverse.Spectrum`
    ``.of(A, dtype=dtype)`` when the caller has it (the theory's curve reads it).

    Its time and memory are estimated before anything is allocated (:func:`gdinverse.cost.require`): a sweep
    over the limits (10 s and 2 GB a call by default, less if the process or the machine has less) is refused
    with a :class:`gdinverse.CostError` saying how many learning rates or steps would fit.
    """
    values = _learning_rates(lrs)
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    M = as_matrix(A, dtype=dtype, device=device)
    check_size(M, runs=values.size)
    require("lr_sweep", (M.shape[0], M.shape[1]), dtype=M.dtype, steps=steps, runs=values.size)
    engine = GradientDescent.batched(
        A, values.tolist(), seed=seed, init=init, dtype=dtype, device=device, spectrum=spectrum
    )
    X0 = engine.X
    norms = torch.empty(steps + 1, engine.runs, **engine.options)
    norms[0] = engine.norms()
    engine.advance(steps, norms[1:])
    bad = engine.divergence(norms[1:]).cpu().numpy()
    diverged = np.asarray(bad.any(axis=0))
    first_bad = np.where(diverged, bad.argmax(axis=0), steps - 1)
    k = engine.A.shape[1]
    losses = norms.double().cpu().numpy() ** 2 / k**2
    final = losses[1:][first_bad, np.arange(values.size)]
    after = np.arange(steps + 1)[:, None] > (first_bad + 1)[None, :]  # past the step a run was caught at
    losses[after & diverged[None, :]] = np.nan
    theory = predicted_final_losses(engine.spectrum, values, steps=steps, X0=X0)
    curves = predicted_loss_table(engine.spectrum, values, steps=steps, X0=X0)
    for array in (losses, curves):
        array.flags.writeable = False
    return LrSweep(
        lrs=values, final_losses=final, diverged=diverged, predicted=theory, steps=steps, losses=losses,
        predicted_losses=curves,
    )  # fmt: skip


def _learning_rates(lrs: Any) -> np.ndarray:
    """``lrs`` (a list, tuple, numpy array or tensor of positive numbers) as a float64 array, each one checked."""
    if isinstance(lrs, torch.Tensor):
        lrs = lrs.detach().flatten().tolist()
    elif isinstance(lrs, np.ndarray):
        lrs = lrs.ravel().tolist()
    if isinstance(lrs, str | bytes | Mapping | Set) or not isinstance(lrs, Iterable):  # sets have no order
        raise ParameterError(f"lrs must be a non-empty list of learning rates such as [0.1, 0.5], got {lrs!r:.60}")
    values = list(itertools.islice(lrs, MAX_RUNS + 1))
    if not values:
        raise ParameterError("lrs must be a non-empty list of learning rates such as [0.1, 0.5], got none")
    if len(values) > MAX_RUNS:
        raise ParameterError(f"there are more than {MAX_RUNS:,} learning rates; sweep fewer")
    return np.array([check_float("every lr", lr, low=0.0, low_open=True) for lr in values])
