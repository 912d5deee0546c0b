"""Plain records of what the worked solutions measured and checked.

Nothing here computes anything: the experiments fill these in
(:mod:`derive.solutions.experiments`), the problems' sections and the document read them.
Every number is a Python ``float``/``int`` (JSON-able); figure paths are relative
to the output folder, so the LaTeX never holds an absolute path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Check", "Experiments", "SolutionsResult", "DATASET_DESCRIPTIONS"]

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
class Experiments:
    """Everything measured: each problem's experiment record (``results[key]``, as that problem's
    ``experiment.run`` returns it), figure paths (figure key -> path relative to the output folder)
    and the checks."""

    dataset: str
    seed: int
    results: dict[str, Any]
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
