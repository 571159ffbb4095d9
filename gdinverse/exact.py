"""The exact inverse (``torch.linalg.inv``), the pseudo-inverse, and the condition number that limits both."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from .errors import MatrixInputError, SingularMatrixError
from .matrices import as_matrix
from .theory import singular_values

__all__ = ["ExactInverse", "best_inverse", "condition_number", "exact_inverse", "pseudo_inverse"]


@dataclass(frozen=True)
class ExactInverse:
    """The inverse of a square matrix and how well it checks out."""

    matrix: torch.Tensor = field(repr=False)
    inverse: torch.Tensor = field(repr=False)
    product: torch.Tensor = field(repr=False)
    """inverse @ matrix, the identity up to rounding."""
    max_error: float
    """max |inverse @ matrix − I|."""
    determinant: float
    condition_number: float
    """σ_max/σ_min of the matrix (2-norm), computed in float64."""

    @property
    def residual(self) -> torch.Tensor:
        """inverse @ matrix − I: what rounding left."""
        return self.product - torch.eye(self.product.shape[0], dtype=self.product.dtype, device=self.product.device)


def condition_number(A: Any) -> float:
    """The 2-norm condition number σ_max/σ_min of ``A``, computed in float64 (inf if singular)."""
    sigma = singular_values(as_matrix(A))
    return math.inf if sigma[-1] == 0 else float(sigma[0] / sigma[-1])


def exact_inverse(M: Any, *, dtype: Any = None, device: Any = None) -> ExactInverse:
    """Invert a square matrix with ``torch.linalg.inv`` in ``dtype`` (float32 by default).

    Raises :class:`SingularMatrixError` when the matrix is singular, or so close to
    singular that the dtype cannot resolve it: a condition number κ ≥ 1/eps
    (8.4e6 in float32, 4.5e15 in float64) means rounding errors of relative size
    eps are magnified past 100%, and the "inverse" would be noise. This is the
    lesson of numpy.linalg.inv's warning on ill-conditioned matrices; the
    pseudo-inverse (:func:`pseudo_inverse`) is the remedy.
    """
    M = as_matrix(M, dtype=dtype, device=device)
    rows, cols = M.shape
    if rows != cols:
        raise MatrixInputError(
            f"the exact inverse needs a square matrix, got {rows}×{cols}; "
            "use pseudo_inverse for the least-squares inverse of a non-square matrix"
        )
    kappa = condition_number(M)
    eps = torch.finfo(M.dtype).eps
    if kappa * torch.finfo(torch.float64).eps >= 1:
        raise SingularMatrixError(
            f"matrix is singular (condition number {kappa:.3g}); use the pseudo-inverse", condition_number=kappa
        )
    if kappa * eps >= 1:
        raise SingularMatrixError(
            f"matrix is numerically singular in {str(M.dtype).removeprefix('torch.')} (condition number {kappa:.3g}"
            f" ≥ 1/eps = {1 / eps:.2g}); use float64 or the pseudo-inverse",
            condition_number=kappa,
        )
    try:
        inverse = torch.linalg.inv(M)
    except torch.linalg.LinAlgError:
        raise SingularMatrixError(
            f"matrix is singular (condition number {kappa:.3g}); use the pseudo-inverse", condition_number=kappa
        ) from None
    product = inverse @ M
    eye = torch.eye(rows, dtype=M.dtype, device=M.device)
    return ExactInverse(
        matrix=M,
        inverse=inverse,
        product=product,
        max_error=float((product - eye).abs().max()),
        determinant=float(torch.linalg.det(M.double())),
        condition_number=kappa,
    )


def pseudo_inverse(A: Any, *, dtype: Any = None, device: Any = None) -> torch.Tensor:
    """The Moore–Penrose pseudo-inverse A⁺ (``torch.linalg.pinv``): k×m for an m×k matrix.

    It exists for every matrix: the inverse when there is one, otherwise the
    least-squares solution with the smallest norm.
    """
    return torch.linalg.pinv(as_matrix(A, dtype=dtype, device=device))


def best_inverse(A: Any, *, dtype: Any = None, device: Any = None) -> tuple[str, torch.Tensor]:
    """What a learned X should be compared with: ("exact inverse", A⁻¹) when ``exact_inverse`` succeeds in
    ``dtype``, else ("pseudo-inverse", A⁺) for a singular, numerically singular or non-square matrix."""
    try:
        return "exact inverse", exact_inverse(A, dtype=dtype, device=device).inverse
    except (SingularMatrixError, MatrixInputError):
        A = as_matrix(A, dtype=dtype, device=device)
        return "pseudo-inverse", pseudo_inverse(A)
