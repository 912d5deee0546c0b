r"""The numerical companions of problems 1 and 4 for the worked solutions.

* Problem 1 on a synthetic regression problem (stated in the document):
  a Monte-Carlo estimate of :math:`\mathbb{E}_\delta[\tilde L(\theta)]` beside the
  closed form :math:`L(\theta) + \sigma^2\|\theta\|^2`, and the shrinkage path
  :math:`\|\theta^*(\sigma)\|` with its two limits.
* Problem 4 on two classes of the dataset: a linear SVM trained by subgradient
  descent on the mean hinge loss, with the homework's kink value 0.

Both are seeded through the ``rng`` they are given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from derive.solutions.results import HingeNumbers, NoisyNumbers

__all__ = ["noisy_experiment", "hinge_experiment", "save_shrinkage_figure", "save_hinge_figure",
           "NOISY_SIZES", "MC_SIGMAS", "PATH_SIGMAS", "SVM_CLASSES"]

#: (N, d, standard deviation of the targets' noise) of the synthetic regression problem
NOISY_SIZES: tuple[int, int, float] = (40, 5, 0.5)
#: noise levels of the Monte-Carlo comparison, and draws per level
MC_SIGMAS: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0)
MC_DRAWS = 20000
#: noise levels of the shrinkage path (log-spaced)
PATH_SIGMAS: tuple[float, ...] = tuple(float(s) for s in np.logspace(-3, 2, 51))
#: the two classes of the SVM experiment, per dataset (digits: 3 vs 8; CIFAR-10: airplane vs frog —
#: cat vs dog is near chance for any linear model on raw pixels)
SVM_CLASSES: dict[str, tuple[int, int]] = {"digits": (3, 8), "cifar10": (0, 6), "cifar10-subset": (0, 6)}
#: step size in units of 1 / mean ‖x‖²: a subgradient step then moves each margin by O(1) whatever
#: the dimension (64 digit pixels or 3072 CIFAR ones); 1.5 gives ≈ 0.1 on digits
SVM_STEP, SVM_ITERS = 1.5, 300
#: PNG settings: no software-version metadata, fixed resolution
_SAVE = {"dpi": 120, "metadata": {"Software": None}}


def regression_problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The synthetic problem: :math:`X \sim \mathcal N(0, 1)^{N\times d}`, :math:`y = X\theta_0 + 0.5\,\varepsilon`.

    Returns
    -------
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)
    theta0 : ndarray of shape (d,)
        The parameters that generated ``y`` (where the Monte-Carlo loss is evaluated).
    """
    n, d, noise = NOISY_SIZES
    X = rng.standard_normal((n, d))
    theta0 = rng.standard_normal(d)
    y = X @ theta0 + noise * rng.standard_normal(n)
    return X, y, theta0


def noisy_experiment(rng: np.random.Generator) -> NoisyNumbers:
    """Monte Carlo against the closed form at :data:`MC_SIGMAS`, and the shrinkage path.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the problem, then the Monte-Carlo noise.
    """
    from numerics.noisy import expected_noisy_loss, noisy_loss_monte_carlo, shrinkage_limits, shrinkage_path

    X, y, theta0 = regression_problem(rng)
    rows = []
    for s in MC_SIGMAS:
        mean, se = noisy_loss_monte_carlo(theta0, X, y, s, n_draws=MC_DRAWS, rng=rng)
        rows.append((s, expected_noisy_loss(theta0, X, y, s), mean, se))
    norms = shrinkage_path(X, y, np.array(PATH_SIGMAS))
    ls, coef = shrinkage_limits(X, y)
    n, d, noise = NOISY_SIZES
    return NoisyNumbers(n, d, noise, MC_DRAWS, tuple(rows), PATH_SIGMAS, tuple(float(v) for v in norms), ls, coef)


def save_shrinkage_figure(noisy: NoisyNumbers, path: Path) -> Path:
    """Save the shrinkage-path figure to ``path``; return ``path``."""
    from numerics.linear_plots import plot_shrinkage_path

    fig = plot_shrinkage_path(noisy.sigmas, noisy.norms, least_squares_norm=noisy.least_squares_norm,
                              asymptote_coefficient=noisy.asymptote_coefficient)
    fig.savefig(path, **_SAVE)
    return path


def save_hinge_figure(path: Path, kink_value: float = 0.0) -> Path:
    """Save the hinge loss and its subgradient (kink value ``kink_value``) to ``path``; return ``path``."""
    from numerics.linear_plots import plot_hinge

    plot_hinge(kink_value=kink_value).savefig(path, **_SAVE)
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
