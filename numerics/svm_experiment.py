r"""The multiclass SVM experiment of the CS231n assignment as a function returning a record, and its figures.

:func:`run_svm_experiment` builds the same splits as the softmax experiment (mean image
subtracted, bias column appended; :func:`numerics.preprocess.softmax_splits`) and measures:
the initial loss beside :math:`C - 1`, the naive-vs-vectorised difference, the
gradient-check errors of both (probes that cross a kink flagged), an SGD run's loss curve,
the learning-rate × regularisation sweep, and the validation and test accuracy of the best
pair.  :func:`save_svm_figures` draws the loss curve, the sweep's heat map and the learned
weights as images.  ``gradproof svm``, the worked solutions and ``gradproof all`` call these;
the same ``seed`` gives the same record.

:func:`svm_workload` is a benchmark workload (``numerics.bench`` conventions): the vectorised
loss and subgradient on 49,000 × 3073 float64 as a ratio to one GEMM of that shape.

Default rates: the assignment's (learning rate 1e-7, regularisation 2.5e4) are for raw
CIFAR-10 pixels, :math:`\|x\|^2 \approx 10^7`.  Digits pixels (0..16 over 64 features,
:math:`\|x\|^2 \approx 10^3`) need a learning rate about 1e4 times larger and, since the
weights then scale like :math:`1/\|x\|`, a regularisation about 1e4 times smaller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from numerics.linear_plots import plot_loss_curve
from numerics.linear_svm import SVMSweep
from numerics.softmax_experiment import best_time

__all__ = ["SVMExperiment", "run_svm_experiment", "save_svm_figures", "svm_workload", "plot_svm_loss_curve",
           "plot_svm_sweep", "plot_svm_weights", "DEFAULT_SIZES", "DEFAULT_LEARNING_RATE", "DEFAULT_REG",
           "DEFAULT_SWEEP_LRS", "DEFAULT_SWEEP_REGS", "FIGURES", "WORKLOAD_SIZES", "DEV_W_STD", "svm_loss_bytes"]

#: (n_train, n_val, n_test, n_dev) when not given: the assignment's for CIFAR-10
DEFAULT_SIZES: dict[str, tuple[int, int, int, int]] = {
    "cifar10": (49000, 1000, 1000, 500),
    "digits": (1200, 300, 297, 200),
    "cifar10-subset": (3500, 500, 1000, 200),
}
#: learning rate and regularisation of the first SGD run
DEFAULT_LEARNING_RATE: dict[str, float] = {"cifar10": 1e-7, "digits": 1e-3, "cifar10-subset": 1e-7}
DEFAULT_REG: dict[str, float] = {"cifar10": 2.5e4, "digits": 2.5, "cifar10-subset": 2.5e4}
#: the sweep's grid
DEFAULT_SWEEP_LRS: dict[str, tuple[float, ...]] = {
    "cifar10": (5e-8, 1e-7, 5e-7), "digits": (1e-4, 1e-3, 1e-2), "cifar10-subset": (5e-8, 1e-7, 5e-7)}
DEFAULT_SWEEP_REGS: dict[str, tuple[float, ...]] = {
    "cifar10": (5e3, 2.5e4, 5e4), "digits": (0.5, 2.5, 5.0), "cifar10-subset": (5e3, 2.5e4, 5e4)}
#: the figures :func:`save_svm_figures` writes: the loss curve, the sweep's heat map, the weights
FIGURES: tuple[str, ...] = ("svm_loss_curve.png", "svm_sweep.png", "svm_weights.png")
#: gradient-check probes per implementation and their step
GRAD_CHECKS, GRAD_H = 10, 1e-5
#: standard deviation of the dev-set check's weights (the notebook's 1e-4)
DEV_W_STD = 1e-4
#: largest score gap of the near-zero weights: the dev-set weights shrunk until every margin is within this of Δ
#: (on raw CIFAR pixels the notebook's 1e-4 gives gaps above Δ = 1, so those weights are not "near zero")
NEAR_ZERO_GAP = 0.05


@dataclass(frozen=True)
class SVMExperiment:
    """What :func:`run_svm_experiment` measured.

    ``record`` holds every number as JSON-able data (what ``gradproof svm --json`` prints);
    ``sweep`` the sweep with its models, ``W`` the first run's weights (D, C), ``image_shape``
    and ``class_names`` for the weight images; ``timings`` the naive and vectorised times on
    the dev set (seconds, not part of the record, which depends only on the arguments).
    """

    record: dict[str, Any]
    sweep: SVMSweep = field(repr=False, compare=False)
    W: np.ndarray = field(repr=False, compare=False)
    image_shape: tuple[int, ...] = ()
    class_names: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able record (a copy)."""
        return dict(self.record)


def run_svm_experiment(
    dataset: str = "digits",
    *,
    data_dir: str | Path | None = None,
    download: bool = False,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
    n_dev: int | None = None,
    num_iters: int = 1500,
    batch_size: int = 200,
    learning_rate: float | None = None,
    reg: float | None = None,
    learning_rates: Sequence[float] | None = None,
    regs: Sequence[float] | None = None,
    seed: int = 0,
    progress: bool = False,
    time_dev: bool = False,
) -> SVMExperiment:
    """Run the assignment's SVM experiment on ``dataset``; the same arguments give the same record.

    Parameters
    ----------
    dataset : {"digits", "cifar10", "cifar10-subset"}
    data_dir : path, optional
        Where CIFAR-10 is (see :func:`numerics.data.load_dataset`).
    download : bool
        Download CIFAR-10 if missing.
    n_train, n_val, n_test, n_dev : int, optional
        Split sizes (default :data:`DEFAULT_SIZES`).
    num_iters, batch_size : int
        SGD settings of the first run and of every model of the sweep.
    learning_rate, reg : float, optional
        The first run's (default :data:`DEFAULT_LEARNING_RATE`, :data:`DEFAULT_REG`).
    learning_rates, regs : sequences of float, optional
        The sweep's grid (default :data:`DEFAULT_SWEEP_LRS` × :data:`DEFAULT_SWEEP_REGS`).
    seed : int
        Seed of the dev set, the weights and the batches.
    progress : bool
        Progress bars on stderr.
    time_dev : bool
        Time the naive and the vectorised loss on the dev set (``timings``).

    Returns
    -------
    SVMExperiment

    Raises
    ------
    ValueError, OSError
        Bad sizes or rates, missing or unreadable data.
    """
    from numerics.data import load_dataset
    from numerics.linear_svm import LinearSVM, svm_grad_check, svm_loss_naive, svm_loss_vectorized, svm_sweep
    from numerics.preprocess import softmax_splits
    from numerics.validation import check_int, check_positive_float

    if dataset not in DEFAULT_SIZES:
        raise ValueError(f"dataset: expected one of {', '.join(DEFAULT_SIZES)}, got {dataset!r}")
    n_train, n_val, n_test, n_dev = (d if v is None else v for v, d in zip(
        (n_train, n_val, n_test, n_dev), DEFAULT_SIZES[dataset]))
    lr = check_positive_float(DEFAULT_LEARNING_RATE[dataset] if learning_rate is None else learning_rate,
                              "--learning-rate")
    lam = check_positive_float(DEFAULT_REG[dataset] if reg is None else reg, "--reg", allow_zero=True)
    lrs = tuple(DEFAULT_SWEEP_LRS[dataset] if learning_rates is None else learning_rates)
    lams = tuple(DEFAULT_SWEEP_REGS[dataset] if regs is None else regs)
    check_int(num_iters, "--num-iters", low=1)
    check_int(batch_size, "--batch-size", low=1)
    split_rng, model_rng, check_rng, sweep_rng = np.random.default_rng(seed).spawn(4)

    ds = load_dataset(dataset, data_dir, download=download)
    sp = softmax_splits(ds, n_train=n_train, n_val=n_val, n_test=n_test, n_dev=n_dev, rng=split_rng)
    n_classes = len(ds.class_names)

    # the notebook's dev-set check: W ~ 1e-4 N(0, 1), every margin close to Δ = 1
    W0 = DEV_W_STD * check_rng.standard_normal((sp.X_train.shape[1], n_classes))
    S0 = sp.X_dev @ W0
    score_gap = float(np.max(np.abs(S0 - S0[np.arange(S0.shape[0]), sp.y_dev][:, None])))
    shrink = min(1.0, NEAR_ZERO_GAP / score_gap) if score_gap > 0 else 1.0
    near_zero_loss = svm_loss_vectorized(shrink * W0, sp.X_dev, sp.y_dev, 0.0)[0]
    naive_loss, naive_grad = svm_loss_naive(W0, sp.X_dev, sp.y_dev, lam)
    fast_loss, fast_grad = svm_loss_vectorized(W0, sp.X_dev, sp.y_dev, lam)
    unreg_loss = svm_loss_vectorized(W0, sp.X_dev, sp.y_dev, 0.0)[0]
    timings = {}
    if time_dev:
        timings = {"naive": best_time(lambda: svm_loss_naive(W0, sp.X_dev, sp.y_dev, lam)),
                   "vectorised": best_time(lambda: svm_loss_vectorized(W0, sp.X_dev, sp.y_dev, lam))}
    checks = {name: svm_grad_check(W0, sp.X_dev, sp.y_dev, lam, g, num_checks=GRAD_CHECKS, h=GRAD_H, rng=check_rng)
              for name, g in (("naive", naive_grad), ("vectorised", fast_grad))}

    model = LinearSVM(rng=model_rng)  # the assignment's initialisation, W ~ 0.001 N(0, 1), on the first step
    losses = model.train(sp.X_train, sp.y_train, learning_rate=lr, reg=lam, num_iters=num_iters,
                         batch_size=batch_size, verbose=False, n_classes=n_classes)
    tail = losses[-min(100, len(losses)):]
    sweep = svm_sweep(sp.X_train, sp.y_train, sp.X_val, sp.y_val, lrs, lams, num_iters=num_iters,
                      batch_size=batch_size, rng=sweep_rng, n_classes=n_classes, progress=progress)
    best = sweep.best
    test_acc = float(np.mean(best.model.predict(sp.X_test) == sp.y_test))
    record = {
        "dataset": dataset, "seed": seed,
        "sizes": {"train": n_train, "val": n_val, "test": n_test, "dev": n_dev},
        "n_features": int(sp.X_train.shape[1]), "n_classes": n_classes, "delta": 1.0,
        "initial_loss": fast_loss, "initial_data_loss": unreg_loss, "C_minus_1": float(n_classes - 1),
        "initial_w_std": DEV_W_STD, "initial_max_score_gap": score_gap,
        "near_zero": {"scale": shrink, "max_score_gap": score_gap * shrink, "data_loss": near_zero_loss},
        "grad_check": {"num_checks": GRAD_CHECKS, "h": GRAD_H, "reg": lam,
                       **{name: [float(e) for e in r.rel_errors] for name, r in checks.items()},
                       "kinks": {name: int(np.count_nonzero(r.kinks)) for name, r in checks.items()},
                       "kink_probes": {name: [bool(k) for k in r.kinks] for name, r in checks.items()},
                       "passed": {name: bool(r.passed) for name, r in checks.items()}},
        "naive_vs_vectorised": {"loss_difference": abs(naive_loss - fast_loss),
                                "grad_max_abs_difference": float(np.max(np.abs(naive_grad - fast_grad))),
                                "grad_max_abs": float(np.max(np.abs(fast_grad)))},
        "sgd": {"learning_rate": lr, "reg": lam, "num_iters": num_iters, "batch_size": batch_size,
                "first_loss": losses[0], "final_loss": losses[-1], "min_loss": min(losses),
                "mean_last_100": float(np.mean(tail)), "diverged": model.diverged,
                "train_accuracy": float(np.mean(model.predict(sp.X_train) == sp.y_train)),
                "val_accuracy": float(np.mean(model.predict(sp.X_val) == sp.y_val)), "losses": losses},
        "sweep": [{"learning_rate": c.learning_rate, "reg": c.reg, "final_loss": c.final_loss,
                   "train_accuracy": c.train_accuracy, "val_accuracy": c.val_accuracy, "diverged": c.diverged}
                  for c in sweep.cells],
        "best": {"learning_rate": best.learning_rate, "reg": best.reg, "val_accuracy": best.val_accuracy,
                 "test_accuracy": test_acc, "test_error": 1.0 - test_acc},
    }
    return SVMExperiment(record, sweep, np.asarray(model.W), tuple(ds.image_shape), tuple(ds.class_names), timings)


# -- figures ---------------------------------------------------------------------------------------

def plot_svm_loss_curve(losses: Sequence[float], *, c_minus_1: float, title: str) -> Figure:
    """Batch loss against iteration, its running mean, and the initial loss C − 1 as a reference line."""
    return plot_loss_curve(losses, title=title, reference=(c_minus_1, "C − 1 (loss at W = 0)"))


def plot_svm_sweep(sweep: SVMSweep) -> Figure:
    """Heat maps of the training and validation accuracy over (learning rate, regularisation); best marked."""
    if not isinstance(sweep, SVMSweep):
        raise ValueError(f"sweep: expected an SVMSweep from svm_sweep, got {type(sweep).__name__}")
    shape = (len(sweep.learning_rates), len(sweep.regs))
    grids = {"training accuracy": np.array([c.train_accuracy for c in sweep.cells]).reshape(shape),
             "validation accuracy": sweep.val_grid()}
    b = sweep.best_index
    fig = Figure(figsize=(9.0, 3.8), layout="constrained")
    for ax, (name, grid) in zip(fig.subplots(1, 2), grids.items(), strict=True):
        lo, hi = float(grid.min()), float(grid.max())
        im = ax.imshow(grid, cmap="viridis", vmin=lo, vmax=max(hi, lo + 1e-3), origin="lower")
        for r in range(shape[0]):
            for c in range(shape[1]):
                mark = "*" if name.startswith("validation") and r * shape[1] + c == b else ""
                ax.text(c, r, f"{grid[r, c]:.3f}{mark}", ha="center", va="center",
                        color="white" if grid[r, c] < (lo + hi) / 2 else "black", fontsize=9)
        ax.set_xticks(range(shape[1]), [f"{v:g}" for v in sweep.regs])
        ax.set_yticks(range(shape[0]), [f"{v:g}" for v in sweep.learning_rates])
        ax.set_xlabel("regularisation strength")
        ax.set_ylabel("learning rate")
        ax.set_title(name)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle("Learning rate × regularisation sweep (* = best on validation)")
    return fig


def plot_svm_weights(W: np.ndarray, image_shape: Sequence[int], class_names: Sequence[str]) -> Figure:
    """Each class's weights (bias row dropped) as an image, rescaled to [0, 1] over all classes."""
    h, w, ch = (int(v) for v in image_shape)
    Wc = np.asarray(W, dtype=np.float64)[:-1]  # drop the bias row
    if Wc.shape[0] != h * w * ch:
        raise ValueError(f"W: expected {h * w * ch} + 1 rows for images of shape {tuple(image_shape)}, got {Wc.shape[0] + 1}")
    lo, hi = float(Wc.min()), float(Wc.max())
    scaled = (Wc - lo) / (hi - lo) if hi > lo else np.zeros_like(Wc)
    n = Wc.shape[1]
    cols = min(n, 5)
    rows = -(-n // cols)
    fig = Figure(figsize=(1.8 * cols, 2.0 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for k, ax in enumerate(axes):
        ax.axis("off")
        if k >= n:
            continue
        img = scaled[:, k].reshape(ch, h, w).transpose(1, 2, 0)  # channel-planar rows (numerics.data)
        ax.imshow(img[:, :, 0] if ch == 1 else img, cmap="gray" if ch == 1 else None, interpolation="nearest")
        ax.set_title(str(class_names[k]) if k < len(class_names) else str(k), fontsize=9)
    fig.suptitle("Learned SVM weights per class")
    return fig


def save_svm_figures(result: SVMExperiment, out: str | Path) -> list[Path]:
    """Save the loss curve, the sweep's heat map and the weight images (:data:`FIGURES`) in ``out``."""
    r = result.record
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    title = f"SVM SGD loss ({r['dataset']}, learning rate {r['sgd']['learning_rate']:g}, reg {r['sgd']['reg']:g})"
    figs = (plot_svm_loss_curve(r["sgd"]["losses"], c_minus_1=r["C_minus_1"], title=title),
            plot_svm_sweep(result.sweep),
            plot_svm_weights(result.sweep.best.model.W, result.image_shape, result.class_names))
    paths = []
    for fig, name in zip(figs, FIGURES, strict=True):
        fig.savefig(folder / name, dpi=120, metadata={"Software": None})
        paths.append(folder / name)
    return paths


# -- benchmark -------------------------------------------------------------------------------------

#: per benchmark size: (N, D, C) of the vectorised loss and subgradient
WORKLOAD_SIZES: dict[str, tuple[int, int, int]] = {
    "full": (49000, 3073, 10), "quick": (10000, 3073, 10), "tiny": (300, 33, 10)}


def svm_loss_bytes(N: int, D: int, C: int) -> int:
    """Bytes the vectorised loss and subgradient must move at least (float64): its two GEMMs read X twice
    (``X @ W``, ``X.T @ M``); W is read and dW written; the scores and the mask (N, C) are written and read."""
    return 8 * (2 * N * D + 2 * D * C + 4 * N * C)


def svm_workload(ctx: Any) -> None:
    """Benchmark workload: :func:`numerics.linear_svm.svm_loss_vectorized` on N × D float64 against one GEMM.

    ``ctx`` is a :class:`numerics.bench.workloads.Context`; one row is appended to
    ``ctx.rows`` whose reference is one GEMM ``X @ W`` of the same shape (the vectorised
    loss does two: ``X @ W`` and ``X.T @ M``), so the ratio is about 2 when the GEMMs
    dominate.  Its notes give the bytes moved (:func:`svm_loss_bytes`), the rate achieved
    and the ratio to the memory-bound time at the machine's measured read rate, as the
    softmax workload does: with C = 10 both GEMMs are memory-bound.
    """
    from numerics.bench.timing import measure
    from numerics.bench.workloads import Row
    from numerics.linear_svm import svm_loss_vectorized

    N, D, C = WORKLOAD_SIZES[ctx.size]
    X = ctx.rng.integers(0, 256, size=(N, D)).astype(np.float64) - 127.5
    X[:, -1] = 1.0
    y = ctx.rng.integers(0, C, size=N)
    W = 1e-4 * ctx.rng.standard_normal((D, C))
    gemm = measure(lambda: X @ W, ctx.repeats)
    t = measure(lambda: svm_loss_vectorized(W, X, y, 2.5e4), ctx.repeats)
    row = Row(f"svm vectorised loss+grad {N}x{D}, C = {C}", "gradproof (numpy)", t, f"one GEMM X @ W ({N}x{D}x{C})",
              gemm.median)
    moved = svm_loss_bytes(N, D, C)
    bound = moved / (ctx.read_gbs * 1e9)  # seconds if moving the bytes were all it did
    row.notes.append(f"{moved / 1e6:.1f} MB moved, {moved / t.median / 1e9:.1f} GB/s; {t.median / bound:.1f}x the "
                     f"memory-bound time ({bound * 1e3:.2f} ms at {ctx.read_gbs:.1f} GB/s); the GEMM alone "
                     f"{8 * N * D / gemm.median / 1e9:.1f} GB/s reading X")
    row.target = "<= 3x one GEMM"
    row.met = t.median <= 3 * gemm.median
    ctx.rows.append(row)
