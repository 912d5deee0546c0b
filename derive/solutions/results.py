"""Plain records of what the worked solutions measured and checked.

Nothing here computes anything: the experiments fill these in
(:mod:`derive.solutions.experiments`), the discussion and the document read them.
Every number is a Python ``float``/``int`` (JSON-able); figure paths are relative
to the output folder, so the LaTeX never holds an absolute path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Check", "NoisyNumbers", "HingeNumbers", "Experiments", "SolutionsResult", "DATASET_DESCRIPTIONS"]

#: how the document names each dataset (plain text, Unicode maths allowed)
DATASET_DESCRIPTIONS: dict[str, str] = {
    "digits": ("scikit-learn's bundled handwritten digits (8×8 grey images, pixel values 0–16, 10 classes), "
               "split into its first 1500 images for training and the remaining 297 for testing; "
               "an offline stand-in for CIFAR-10 of the same shape of problem"),
    "cifar10": "CIFAR-10 (32×32 colour images, 10 classes), the homework's dataset",
    "cifar10-subset": ("a bit-exact subset of real CIFAR-10 (32×32 colour images, 10 classes): the first "
                       "training and test images of the official batches, at reduced sizes"),
}


@dataclass(frozen=True)
class Check:
    """One experiment check: its name, whether it passed, a one-line detail and its time in seconds."""

    name: str
    passed: bool
    detail: str
    seconds: float

    def as_row(self) -> tuple[str, bool, str, float]:
        """``(name, passed, detail, seconds)``, the row ``gradproof all`` prints."""
        return (self.name, self.passed, self.detail, self.seconds)


@dataclass(frozen=True)
class NoisyNumbers:
    """Problem 1 on a synthetic regression problem: Monte Carlo against the closed form, shrinkage path.

    ``monte_carlo`` rows are ``(sigma, closed_form, mc_mean, mc_standard_error)``; the path
    is ``‖θ*(σ)‖`` at ``sigmas``.
    """

    n_samples: int
    n_features: int
    noise_std: float
    n_draws: int
    monte_carlo: tuple[tuple[float, float, float, float], ...]
    sigmas: tuple[float, ...]
    norms: tuple[float, ...]
    least_squares_norm: float
    asymptote_coefficient: float

    @property
    def small_sigma(self) -> tuple[float, float]:
        """``(σ_min, ‖θ*(σ_min)‖)``: the σ → 0 end of the path."""
        return self.sigmas[0], self.norms[0]

    @property
    def large_sigma(self) -> tuple[float, float]:
        """``(σ_max, σ_max² ‖θ*(σ_max)‖)``: the σ → ∞ end, to compare with ``‖Xᵀy‖ / N``."""
        return self.sigmas[-1], self.sigmas[-1] ** 2 * self.norms[-1]


@dataclass(frozen=True)
class HingeNumbers:
    """Problem 4 on two classes of the dataset: a subgradient-descent SVM and the kink."""

    classes: tuple[str, str]
    n_train: int
    n_test: int
    learning_rate: float
    num_iters: int
    first_loss: float
    final_loss: float
    train_accuracy: float
    test_accuracy: float
    n_margin_below_1: int


@dataclass(frozen=True)
class Experiments:
    """Everything measured: the kNN and softmax results (the ``--json`` records of ``gradproof knn``
    and ``gradproof softmax``), problems 1 and 4, figure paths and the checks."""

    dataset: str
    seed: int
    knn: dict[str, Any]
    softmax: dict[str, Any]
    noisy: NoisyNumbers
    hinge: HingeNumbers
    figures: dict[str, str]
    checks: list[Check] = field(default_factory=list)

    @property
    def description(self) -> str:
        """How the document names the dataset."""
        return DATASET_DESCRIPTIONS[self.dataset]


@dataclass(frozen=True)
class SolutionsResult:
    """What :func:`derive.solutions.write_solutions` wrote and checked.

    Attributes
    ----------
    tex : Path
        The LaTeX document.
    pdf : Path or None
        The compiled PDF (``pdf=True`` only).
    figures : list of Path
    experiments : Experiments
        Every number in the document.
    checks : list of Check
        The derivations' verification (one check per problem) and the experiment
        checks, in the order they ran; ``gradproof all`` prints them as rows.
    """

    tex: Path
    pdf: Path | None
    figures: list[Path]
    experiments: Experiments
    checks: list[Check]

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(c.passed for c in self.checks)
