r"""Problem 4's numbers: a linear SVM trained by subgradient descent on two classes, and the kink.

:func:`run` trains :class:`numerics.svm.LinearSVM` on the mean hinge loss with the
homework's kink value 0 and saves the figure of the loss and its subgradient;
:func:`checks` compares numerics with the derived subgradient, tests the kink value
against the subdifferential (and a wrong one), and that the SVM learns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from derive.registry import ExperimentContext
from derive.solutions.checking import PNG_SAVE, rel_difference, timed_check
from derive.solutions.results import Check

__all__ = ["HingeNumbers", "run", "checks", "hinge_experiment", "svm_data", "save_hinge_figure", "SVM_CLASSES",
           "SVM_STEP", "SVM_ITERS", "FIGURE_FILE"]

#: the two classes of the SVM experiment, per dataset (digits: 3 vs 8; CIFAR-10: airplane vs frog —
#: cat vs dog is near chance for any linear model on raw pixels)
SVM_CLASSES: dict[str, tuple[int, int]] = {"digits": (3, 8), "cifar10": (0, 6), "cifar10-subset": (0, 6)}
#: step size in units of 1 / mean ‖x‖²: a subgradient step then moves each margin by O(1) whatever
#: the dimension (64 digit pixels or 3072 CIFAR ones); 1.5 gives ≈ 0.1 on digits
SVM_STEP, SVM_ITERS = 1.5, 300
#: the file of the hinge figure
FIGURE_FILE = "hinge.png"


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


def save_hinge_figure(path: Path, kink_value: float = 0.0) -> Path:
    """Save the hinge loss and its subgradient (kink value ``kink_value``) to ``path``; return ``path``."""
    from numerics.linear_plots import plot_hinge

    plot_hinge(kink_value=kink_value).savefig(path, **PNG_SAVE)
    return path


def svm_data(dataset: str, data_dir: str | Path | None) -> tuple[tuple[str, str], np.ndarray, np.ndarray,
                                                                  np.ndarray, np.ndarray]:
    """The two classes of :data:`SVM_CLASSES` as ±1 problems, pixels scaled to [0, 1].

    Returns
    -------
    names : (str, str)
        Class names of the labels −1 and +1.
    X_train, y_train, X_test, y_test : ndarrays
        Rows of the two classes only; labels in {−1, +1}.
    """
    from numerics.data import load_dataset
    from numerics.validation import as_float

    ds = load_dataset(dataset, data_dir)
    neg, pos = SVM_CLASSES[dataset]
    scale = float(max(int(ds.X_train.max()), 1))

    def pick(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = (y == neg) | (y == pos)
        return as_float(X[keep]) / scale, np.where(y[keep] == pos, 1, -1)

    Xtr, ytr = pick(ds.X_train, ds.y_train)
    Xte, yte = pick(ds.X_test, ds.y_test)
    return (ds.class_names[neg], ds.class_names[pos]), Xtr, ytr, Xte, yte


def hinge_experiment(dataset: str, data_dir: str | Path | None, rng: np.random.Generator) -> HingeNumbers:
    """Train :class:`numerics.svm.LinearSVM` (kink value 0, full batch) on two classes of ``dataset``."""
    from numerics.svm import LinearSVM, margins

    names, Xtr, ytr, Xte, yte = svm_data(dataset, data_dir)
    learning_rate = float(round(SVM_STEP / np.mean(np.sum(Xtr * Xtr, axis=1)), 6))
    svm = LinearSVM(kink_value=0.0).fit(Xtr, ytr, learning_rate=learning_rate, num_iters=SVM_ITERS, rng=rng)
    below = int(np.count_nonzero(margins(svm.coef_, svm.intercept_, Xtr, ytr) < 1))
    return HingeNumbers(
        classes=names, n_train=int(Xtr.shape[0]), n_test=int(Xte.shape[0]),
        learning_rate=learning_rate, num_iters=SVM_ITERS,
        first_loss=float(svm.loss_history_[0]), final_loss=float(svm.loss_history_[-1]),
        train_accuracy=float(np.mean(svm.predict(Xtr) == ytr)), test_accuracy=float(np.mean(svm.predict(Xte) == yte)),
        n_margin_below_1=below,
    )


def hinge_checks(hinge: HingeNumbers, dataset: str, data_dir: str | Path | None,
                 rng: np.random.Generator) -> list[Check]:
    """Numerics = derived off the kink; the kink value 0 is a subgradient (and a wrong one is not); SVM learns."""
    _, X, y, _, _ = svm_data(dataset, data_dir)

    def derived() -> tuple[bool, str]:
        from derive.hinge.maths import hinge_grad_b, hinge_grad_w
        from numerics.svm import hinge_subgradient

        w, b = 0.1 * rng.standard_normal(X.shape[1]), 0.05
        gw, gb = hinge_subgradient(w, b, X, y)
        e = max(rel_difference(gw, hinge_grad_w(w, b, X, y)), rel_difference(gb, hinge_grad_b(w, b, X, y)))
        return e < 1e-12, f"relative difference {e:.0e} at a random (w, b)"

    def kink() -> tuple[bool, str]:
        from derive.hinge.maths import subgradient_in_subdifferential
        from numerics.svm import hinge_subgradient

        w = 0.1 * rng.standard_normal(X.shape[1])
        b = float(1.0 / y[0] - w @ X[0])  # puts sample 0 exactly on the kink
        gw, gb = hinge_subgradient(w, b, X, y, kink_value=0.0)
        ok = subgradient_in_subdifferential(gw, gb, w, b, X, y, atol=1e-9)
        shifted = subgradient_in_subdifferential(gw + 1e-3, gb, w, b, X, y, atol=1e-9)
        return ok and not shifted, f"kink value 0 accepted: {ok}; a shifted candidate rejected: {not shifted}"

    def learns() -> tuple[bool, str]:
        ok = hinge.final_loss < hinge.first_loss and hinge.test_accuracy > 0.5
        return ok, (f"hinge loss {hinge.first_loss:.3f} -> {hinge.final_loss:.3f}, "
                    f"test accuracy {hinge.test_accuracy:.3f}")

    return [timed_check("hinge: numerics = derived subgradient", derived),
            timed_check("hinge: kink value 0 is a subgradient", kink),
            timed_check("hinge: SVM learns", learns)]


def run(ctx: ExperimentContext) -> HingeNumbers:
    """Problem 4's experiment on the problem's random stream; saves the hinge figure."""
    hinge = hinge_experiment(ctx.dataset, ctx.data_dir, ctx.rng())
    save_hinge_figure(ctx.figures_dir / FIGURE_FILE)
    return hinge


def checks(hinge: HingeNumbers, ctx: ExperimentContext) -> list[Check]:
    """The checks of :func:`hinge_checks` on the problem's check stream."""
    return hinge_checks(hinge, ctx.dataset, ctx.data_dir, ctx.check_rng())
