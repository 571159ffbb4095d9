"""gdinverse: find a matrix inverse exactly, and learn it by gradient descent.

Start with :func:`preset` or :func:`parse_matrix`, then :func:`exact_inverse`
and :func:`gd_inverse`; :mod:`gdinverse.plots` draws the results.
"""

from .descent import METHODS, SEED_LR, DescentResult, GradientDescent, gd_inverse
from .directions import (
    ContractionFactors,
    DirectionView,
    Landscape,
    contraction_factors,
    direction_errors,
    direction_view,
    landscape,
    predicted_direction_errors,
)
from .errors import CostError, GdInverseError, MatrixInputError, ParameterError, SingularMatrixError
from .exact import (
    ExactInverse,
    OneSidedInverse,
    best_inverse,
    condition_number,
    exact_inverse,
    one_sided_inverse,
    pseudo_inverse,
)
from .indicator import DocumentTermMatrix, IndicatorStats, document_term_matrix, indicator_matrix, indicator_stats
from .limits import MAX_SEED
from .matrices import as_matrix, format_matrix, parse_matrix
from .presets import PRESET_PARAMETERS, PRESETS, SMALLEST_N, preset
from .race import Race, RaceRow, Timing, loss_and_error_disagree, race, race_table
from .spectrum import Decomposition, Spectrum
from .sweep import LrSweep, lr_sweep
from .theory import (
    LrBounds,
    condition_note,
    distinct,
    format_condition,
    lr_bounds,
    predicted_final_losses,
    predicted_losses,
    residual,
    steps_to_tolerance,
)
from .verdict import Verdict

__version__ = "0.1.0"

__all__ = [
    "MAX_SEED",
    "METHODS",
    "PRESETS",
    "PRESET_PARAMETERS",
    "SEED_LR",
    "SMALLEST_N",
    "ContractionFactors",
    "CostError",
    "Decomposition",
    "DescentResult",
    "DirectionView",
    "DocumentTermMatrix",
    "ExactInverse",
    "GdInverseError",
    "GradientDescent",
    "IndicatorStats",
    "Landscape",
    "LrBounds",
    "LrSweep",
    "MatrixInputError",
    "OneSidedInverse",
    "ParameterError",
    "Race",
    "RaceRow",
    "SingularMatrixError",
    "Spectrum",
    "Timing",
    "Verdict",
    "__version__",
    "as_matrix",
    "best_inverse",
    "condition_note",
    "condition_number",
    "contraction_factors",
    "direction_errors",
    "direction_view",
    "distinct",
    "document_term_matrix",
    "exact_inverse",
    "format_condition",
    "format_matrix",
    "gd_inverse",
    "indicator_matrix",
    "indicator_stats",
    "landscape",
    "loss_and_error_disagree",
    "lr_bounds",
    "lr_sweep",
    "one_sided_inverse",
    "parse_matrix",
    "predicted_direction_errors",
    "predicted_final_losses",
    "predicted_losses",
    "preset",
    "pseudo_inverse",
    "race",
    "race_table",
    "residual",
    "steps_to_tolerance",
]
