"""The homework's softmax-classifier experiment (SPEC problem 5) as a function returning a record.

:func:`run_softmax_experiment` builds the train / validation / test / dev splits (mean
image subtracted, bias column appended) and measures the homework's numbers: the
initial loss beside log C, the sparse gradient-check errors of the loop and the
vectorised gradients, the loop-vs-vectorised difference, an SGD run's loss curve, the
learning-rate sweep, and the validation and test accuracy of the best rate.
:func:`save_softmax_figures` draws its figures.  ``gradproof softmax``, the worked
solutions and ``gradproof all`` call these; the same ``seed`` gives the same record.

Default learning rates: the homework's (first run 1e-7, sweep 1e-5 .. 1e-3) are for
raw CIFAR-10 pixels, where ``|x|^2`` is about 1e7.  Digits pixels run 0..16 over 64
features, ``|x|^2`` about 1e3, so the same step needs a rate about 1e4 times larger:
digits uses 1e-3 for the first run and sweeps 1e-4 .. 1e-2.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from numerics.softmax_model import SweepResult

__all__ = ["SoftmaxExperiment", "run_softmax_experiment", "save_softmax_figures", "DEFAULT_SIZES",
           "DEFAULT_LEARNING_RATE", "DEFAULT_SWEEP", "FIGURES", "best_time"]

#: (n_train, n_val, n_test, n_dev) when not given: the homework's for CIFAR-10; digits has 1500 + 297 images.
DEFAULT_SIZES: dict[str, tuple[int, int, int, int]] = {
    "cifar10": (49000, 1000, 1000, 500),
    "digits": (1200, 300, 297, 200),
    "cifar10-subset": (3500, 500, 1000, 200),  # 4000 real training images: train + validation
}
#: learning rate of the first SGD run
DEFAULT_LEARNING_RATE: dict[str, float] = {"cifar10": 1e-7, "digits": 1e-3, "cifar10-subset": 1e-7}
#: learning rates of the sweep
DEFAULT_SWEEP: dict[str, tuple[float, ...]] = {
    "cifar10": (1e-5, 5e-5, 1e-4, 5e-4, 1e-3),
    "digits": (1e-4, 5e-4, 1e-3, 5e-3, 1e-2),
    "cifar10-subset": (1e-8, 5e-8, 1e-7, 5e-7, 1e-6),  # raw pixel scale, few images: smaller steps
}
#: the figures :func:`save_softmax_figures` writes: the SGD loss curve, the sweep
FIGURES: tuple[str, ...] = ("softmax_loss_curve.png", "softmax_lr_sweep.png")
_SGD_CHUNK = 100  # iterations per progress-bar step (chunked training is identical to one call)


@dataclass(frozen=True)
class SoftmaxExperiment:
    """What :func:`run_softmax_experiment` measured.

    ``record`` holds every number as JSON-able data (the keys ``gradproof softmax --json``
    prints: ``sizes``, ``initial_loss``, ``log_C``, ``grad_check``, ``loop_vs_fast``, ``sgd``,
    ``sweep``, ``best``, ...); ``sweep`` is the sweep itself (its trained models), for the figures;
    ``timings`` the loop and vectorised times on the dev set (seconds; not part of the record,
    which depends only on the arguments).
    """

    record: dict[str, Any]
    sweep: SweepResult = field(repr=False, compare=False)
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able record (a copy)."""
        return dict(self.record)


def best_time(fn: Callable[[], Any], repeats: int = 3) -> float:
    """The shortest of ``repeats`` wall-clock times of ``fn()``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run_softmax_experiment(dataset: str = "digits", *, data_dir: str | Path | None = None, download: bool = False,
                           n_train: int | None = None, n_val: int | None = None, n_test: int | None = None,
                           n_dev: int | None = None, num_iters: int = 1500, batch_size: int = 200,
                           learning_rate: float | None = None, learning_rates: Sequence[float] | None = None,
                           seed: int = 0, progress: bool = False, time_dev: bool = False) -> SoftmaxExperiment:
    """Run the homework's softmax-classifier experiment.

    Parameters
    ----------
    dataset : {"digits", "cifar10", "cifar10-subset"}
    data_dir : path, optional
        Where CIFAR-10 is.
    download : bool
        Download CIFAR-10 if it is missing.
    n_train, n_val, n_test, n_dev : int, optional
        Split sizes (default :data:`DEFAULT_SIZES`).
    num_iters, batch_size : int
        SGD iterations and batch size (batches drawn with replacement).
    learning_rate : float, optional
        Rate of the first SGD run (default :data:`DEFAULT_LEARNING_RATE`).
    learning_rates : sequence of float, optional
        Rates of the sweep (default :data:`DEFAULT_SWEEP`).
    seed : int
        Seed of the dev set, the weights and the batches.
    progress : bool
        Progress bars on stderr.
    time_dev : bool
        Also time the loop and vectorised loss on the dev set (``result.timings``).

    Returns
    -------
    SoftmaxExperiment

    Raises
    ------
    ValueError, FileNotFoundError, OSError
        Bad sizes or rates, missing or unreadable data.
    """
    from tqdm import tqdm

    from numerics.data import load_dataset
    from numerics.preprocess import softmax_splits
    from numerics.softmax import softmax_loss_and_grad, softmax_loss_and_grad_loop
    from numerics.softmax_model import Softmax, learning_rate_sweep
    from numerics.validation import check_positive_float

    if dataset not in DEFAULT_SIZES:
        raise ValueError(f"dataset: expected one of {', '.join(DEFAULT_SIZES)}, got {dataset!r}")
    n_train, n_val, n_test, n_dev = (d if v is None else v for v, d in zip(
        (n_train, n_val, n_test, n_dev), DEFAULT_SIZES[dataset]))
    lr = DEFAULT_LEARNING_RATE[dataset] if learning_rate is None else learning_rate
    sweep_lrs = DEFAULT_SWEEP[dataset] if learning_rates is None else tuple(learning_rates)
    for name, value in (("--num-iters", num_iters), ("--batch-size", batch_size)):
        if value < 1:
            raise ValueError(f"{name}: expected an integer >= 1, got {value}")
    for value in sweep_lrs:
        check_positive_float(value, "--learning-rates")
    check_positive_float(lr, "--learning-rate")
    split_rng, model_rng, sweep_rng = np.random.default_rng(seed).spawn(3)

    ds = load_dataset(dataset, data_dir, download=download)
    sp = softmax_splits(ds, n_train=n_train, n_val=n_val, n_test=n_test, n_dev=n_dev, rng=split_rng)
    n_classes = len(ds.class_names)
    dims = [n_classes, sp.X_train.shape[1]]

    model = Softmax(dims, rng=model_rng)
    loop_loss, loop_grad = softmax_loss_and_grad_loop(model.W, sp.X_dev, sp.y_dev)
    fast_loss, fast_grad = softmax_loss_and_grad(model.W, sp.X_dev, sp.y_dev)
    timings = {}
    if time_dev:
        timings = {"loop": best_time(lambda: softmax_loss_and_grad_loop(model.W, sp.X_dev, sp.y_dev)),
                   "vectorised": best_time(lambda: softmax_loss_and_grad(model.W, sp.X_dev, sp.y_dev))}
    err_loop = model.grad_check_sparse(sp.X_dev, sp.y_dev, loop_grad)
    err_fast = model.grad_check_sparse(sp.X_dev, sp.y_dev, fast_grad)

    losses: list[float] = []
    bar = tqdm(total=num_iters, desc=f"SGD lr={lr:g}", unit="it", disable=None if progress else True)
    for start in range(0, num_iters, _SGD_CHUNK):
        n = min(_SGD_CHUNK, num_iters - start)
        losses += model.train(sp.X_train, sp.y_train, learning_rate=lr, num_iters=n, batch_size=batch_size)
        bar.update(n)
    bar.close()
    tail = losses[-min(100, len(losses)):]

    sweep = learning_rate_sweep(sp.X_train, sp.y_train, sp.X_val, sp.y_val, sweep_lrs, num_iters=num_iters,
                                batch_size=batch_size, rng=sweep_rng, n_classes=n_classes, progress=progress)
    best = sweep.best
    test_acc = float(np.mean(best.model.predict(sp.X_test) == sp.y_test))
    record = {
        "dataset": dataset, "seed": seed,
        "sizes": {"train": n_train, "val": n_val, "test": n_test, "dev": n_dev},
        "n_features": int(sp.X_train.shape[1]), "n_classes": n_classes,
        "initial_loss": fast_loss, "log_C": float(np.log(n_classes)),
        "grad_check": {"num_checks": 10, "h": 1e-5, "loop": err_loop.tolist(), "fast": err_fast.tolist()},
        "loop_vs_fast": {"loss_difference": abs(loop_loss - fast_loss),
                         "grad_max_abs_difference": float(np.max(np.abs(loop_grad - fast_grad)))},
        "sgd": {"learning_rate": lr, "num_iters": num_iters, "batch_size": batch_size,
                "first_loss": losses[0], "final_loss": losses[-1], "min_loss": min(losses),
                "mean_last_100": float(np.mean(tail)),
                "train_accuracy": float(np.mean(model.predict(sp.X_train) == sp.y_train)),
                "val_accuracy": float(np.mean(model.predict(sp.X_val) == sp.y_val)), "losses": losses},
        "sweep": [{"learning_rate": e.learning_rate, "final_loss": e.final_loss, "train_accuracy": e.train_accuracy,
                   "val_accuracy": e.val_accuracy} for e in sweep.entries],
        "best": {"learning_rate": best.learning_rate, "val_accuracy": best.val_accuracy,
                 "test_accuracy": test_acc, "test_error": 1.0 - test_acc},
    }
    return SoftmaxExperiment(record, sweep, timings)


def save_softmax_figures(result: SoftmaxExperiment, out: str | Path) -> list[Path]:
    """Save the SGD loss curve and the learning-rate sweep (:data:`FIGURES`) in ``out``."""
    from numerics.linear_plots import plot_loss_curve, plot_lr_sweep

    r = result.record
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    title = f"SGD loss ({r['dataset']}, learning rate {r['sgd']['learning_rate']:g})"
    figs = (plot_loss_curve(r["sgd"]["losses"], log_c=r["log_C"], title=title), plot_lr_sweep(result.sweep))
    paths = []
    for fig, name in zip(figs, FIGURES, strict=True):
        fig.savefig(folder / name, dpi=120, metadata={"Software": None})
        paths.append(folder / name)
    return paths
