"""Named limits on what gdinverse accepts: seeds, steps, runs and the size of the residual; and the sizes at which
the analysis of a matrix changes method (:data:`FULL_SVD_UP_TO`, :data:`LANCZOS_STEPS`), shared by
:mod:`gdinverse.spectrum`, which analyses, and :mod:`gdinverse.cost`, which estimates what that costs.

A request beyond a limit fails at once, with a message that names the limit:

>>> import gdinverse as g
>>> MAX_STEPS
10000000
>>> g.gd_inverse(g.preset("diag1234"), steps=MAX_STEPS + 1)
Traceback (most recent call last):
    ...
gdinverse.errors.ParameterError: steps must be between 1 and 10,000,000, got 10,000,001
>>> MAX_SEED == 2**63 - 1
True
"""

from __future__ import annotations

__all__ = ["FULL_SVD_UP_TO", "LANCZOS_STEPS", "MAX_ENTRIES", "MAX_RUNS", "MAX_SEED", "MAX_STEPS"]

MAX_SEED = 2**63 - 1
"""Largest seed for ``torch.Generator().manual_seed`` that gdinverse accepts (a signed 64-bit integer)."""

MAX_STEPS = 10_000_000
"""Most steps one gradient-descent run (or a sweep, or the theory's loss curve) may take."""

MAX_RUNS = 10_000
"""Most learning rates one :func:`gdinverse.lr_sweep` runs at once."""

MAX_ENTRIES = 10**8
"""Most entries gradient descent's k×k residual X @ A − I may have (summed over the runs of a sweep)."""

FULL_SVD_UP_TO = 128
"""Largest number of rows or columns for which a :class:`gdinverse.Decomposition` makes one full SVD at once (the
app's sizes); beyond, each piece is computed when first asked for (see :mod:`gdinverse.spectrum`)."""

LANCZOS_STEPS = 150
"""Most Lanczos steps one estimate of σ_max or σ_min takes (a few dozen suffice in practice)."""
