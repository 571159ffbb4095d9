"""gdinverse: find a matrix inverse exactly, and learn it by gradient descent.

Start with :func:`preset` or :func:`parse_matrix`, then :func:`exact_inverse`
and :func:`gd_inverse`; :mod:`gdinverse.plots` draws the results.
"""

from .descent import METHODS, SEED_LR, DescentResult, GradientDescent, gd_inverse
from .errors import GdInverseError, MatrixInputError, ParameterError, SingularMatrixError
from .exact import ExactInverse, best_inverse, condition_number, exact_inverse, pseudo_inverse
from .indicator import DocumentTermMatrix, IndicatorStats, document_term_matrix, indicator_matrix, indicator_stats
from .matrices import PRESET_PARAMETERS, PRESETS, as_matrix, format_matrix, parse_matrix, preset
from .race import RaceRow, race, race_table
from .sweep import LrSweep, lr_sweep
from .theory import LrBounds, lr_bounds, predicted_final_losses, predicted_losses, steps_to_tolerance

__version__ = "0.1.0"

__all__ = [
    "METHODS",
    "PRESETS",
    "PRESET_PARAMETERS",
    "SEED_LR",
    "DescentResult",
    "DocumentTermMatrix",
    "ExactInverse",
    "GdInverseError",
    "GradientDescent",
    "IndicatorStats",
    "LrBounds",
    "LrSweep",
    "MatrixInputError",
    "ParameterError",
    "RaceRow",
    "SingularMatrixError",
    "__version__",
    "as_matrix",
    "best_inverse",
    "condition_number",
    "document_term_matrix",
    "exact_inverse",
    "format_matrix",
    "gd_inverse",
    "indicator_matrix",
    "indicator_stats",
    "lr_bounds",
    "lr_sweep",
    "parse_matrix",
    "predicted_final_losses",
    "predicted_losses",
    "preset",
    "pseudo_inverse",
    "race",
    "race_table",
    "steps_to_tolerance",
]
