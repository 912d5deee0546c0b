"""``gradproof softmax``: the homework's softmax-classifier experiments (SPEC problem 5).

Builds the train / validation / test / dev splits (mean image subtracted, bias
column appended), then prints the homework's numbers: the initial loss beside
log C, the sparse gradient-check errors of the loop and the vectorised
gradients, the loop-vs-vectorised difference, an SGD run's loss curve, the
learning-rate sweep, and the validation and test accuracy of the best rate.
``--out`` saves the figures, ``--json`` prints everything as JSON.

stdout depends only on the arguments: the same ``--seed`` gives the same
output.  Timings (loop vs vectorised) and progress bars go to stderr.

Default learning rates: the homework's (first run 1e-7, sweep 1e-5 .. 1e-3)
are for raw CIFAR-10 pixels, where ``|x|^2`` is about 1e7.  Digits pixels run
0..16 over 64 features, ``|x|^2`` about 1e3, so the same step needs a rate about
1e4 times larger: digits uses 1e-3 for the first run and sweeps 1e-4 .. 1e-2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["DEFAULT_LEARNING_RATE", "DEFAULT_SIZES", "DEFAULT_SWEEP", "FIGURES", "configure", "run"]

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
FIGURES: tuple[str, ...] = ("softmax_loss_curve.png", "softmax_lr_sweep.png")
_SGD_CHUNK = 100  # iterations per progress-bar step (chunked training is identical to one call)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``softmax`` arguments to ``parser``."""
    parser.add_argument("--dataset", choices=("digits", "cifar10", "cifar10-subset"), default="digits",
                        help="digits (offline, bundled with scikit-learn) or cifar10 (default: digits)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="where CIFAR-10 is (or is downloaded to); default: the per-user cache")
    parser.add_argument("--download", action="store_true", help="download CIFAR-10 if it is missing")
    for name, what, i in (("train", "training rows", 0), ("val", "validation rows (after the training rows)", 1),
                          ("test", "test rows", 2), ("dev", "dev rows sampled from the training rows", 3)):
        parser.add_argument(f"--n-{name}", type=int, default=None, metavar="N",
                            help=f"{what} (default: cifar10 {DEFAULT_SIZES['cifar10'][i]}, digits {DEFAULT_SIZES['digits'][i]})")
    parser.add_argument("--num-iters", type=int, default=1500, help="SGD iterations (default: 1500)")
    parser.add_argument("--batch-size", type=int, default=200, help="SGD batch size, drawn with replacement (default: 200)")
    parser.add_argument("--learning-rate", type=float, default=None, metavar="LR",
                        help="learning rate of the first SGD run (default: cifar10 1e-7, digits 1e-3)")
    parser.add_argument("--learning-rates", type=float, nargs="+", default=None, metavar="LR",
                        help="learning rates of the sweep (default: cifar10 1e-5 5e-5 1e-4 5e-4 1e-3, "
                             "digits 1e-4 5e-4 1e-3 5e-3 1e-2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the dev set, weights and batches (default: 0)")
    parser.add_argument("--out", default=None, metavar="DIR", help="save the figures (PNG) in DIR")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or timings on stderr")


def _error(message: str) -> int:
    print(f"gradproof softmax: error: {message}", file=sys.stderr)
    return 2


def _best_time(fn: Any, repeats: int = 3) -> float:
    import time

    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _experiment(args: argparse.Namespace) -> dict[str, Any]:
    """Run everything; return the results (deterministic) and print timings to stderr."""
    import numpy as np
    from tqdm import tqdm

    from numerics.data import load_dataset
    from numerics.preprocess import softmax_splits
    from numerics.softmax import softmax_loss_and_grad, softmax_loss_and_grad_loop
    from numerics.softmax_model import Softmax, learning_rate_sweep
    from numerics.validation import check_positive_float

    n_train, n_val, n_test, n_dev = (d if v is None else v for v, d in zip(
        (args.n_train, args.n_val, args.n_test, args.n_dev), DEFAULT_SIZES[args.dataset]))
    lr = DEFAULT_LEARNING_RATE[args.dataset] if args.learning_rate is None else args.learning_rate
    sweep_lrs = DEFAULT_SWEEP[args.dataset] if args.learning_rates is None else tuple(args.learning_rates)
    for name, value in (("--num-iters", args.num_iters), ("--batch-size", args.batch_size)):
        if value < 1:
            raise ValueError(f"{name}: expected an integer >= 1, got {value}")
    for value in sweep_lrs:
        check_positive_float(value, "--learning-rates")
    check_positive_float(lr, "--learning-rate")
    split_rng, model_rng, sweep_rng = np.random.default_rng(args.seed).spawn(3)

    ds = load_dataset(args.dataset, args.data_dir, download=args.download)
    sp = softmax_splits(ds, n_train=n_train, n_val=n_val, n_test=n_test, n_dev=n_dev, rng=split_rng)
    n_classes = len(ds.class_names)
    dims = [n_classes, sp.X_train.shape[1]]
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))

    model = Softmax(dims, rng=model_rng)
    loop_loss, loop_grad = softmax_loss_and_grad_loop(model.W, sp.X_dev, sp.y_dev)
    fast_loss, fast_grad = softmax_loss_and_grad(model.W, sp.X_dev, sp.y_dev)
    if not args.quiet:
        t_loop = _best_time(lambda: softmax_loss_and_grad_loop(model.W, sp.X_dev, sp.y_dev))
        t_fast = _best_time(lambda: softmax_loss_and_grad(model.W, sp.X_dev, sp.y_dev))
        log(f"timing on the dev set (best of 3): loop {1e3 * t_loop:.2f} ms, vectorised {1e3 * t_fast:.3f} ms "
            f"({t_loop / max(t_fast, 1e-12):.0f}x faster)")
    err_loop = model.grad_check_sparse(sp.X_dev, sp.y_dev, loop_grad)
    err_fast = model.grad_check_sparse(sp.X_dev, sp.y_dev, fast_grad)

    losses: list[float] = []
    bar = tqdm(total=args.num_iters, desc=f"SGD lr={lr:g}", unit="it", disable=True if args.quiet else None)
    for start in range(0, args.num_iters, _SGD_CHUNK):
        n = min(_SGD_CHUNK, args.num_iters - start)
        losses += model.train(sp.X_train, sp.y_train, learning_rate=lr, num_iters=n, batch_size=args.batch_size)
        bar.update(n)
    bar.close()
    tail = losses[-min(100, len(losses)):]

    sweep = learning_rate_sweep(sp.X_train, sp.y_train, sp.X_val, sp.y_val, sweep_lrs, num_iters=args.num_iters,
                                batch_size=args.batch_size, rng=sweep_rng, n_classes=n_classes, progress=not args.quiet)
    best = sweep.best
    test_acc = float(np.mean(best.model.predict(sp.X_test) == sp.y_test))
    return {
        "dataset": args.dataset, "seed": args.seed,
        "sizes": {"train": n_train, "val": n_val, "test": n_test, "dev": n_dev},
        "n_features": int(sp.X_train.shape[1]), "n_classes": n_classes,
        "initial_loss": fast_loss, "log_C": float(np.log(n_classes)),
        "grad_check": {"num_checks": 10, "h": 1e-5, "loop": err_loop.tolist(), "fast": err_fast.tolist()},
        "loop_vs_fast": {"loss_difference": abs(loop_loss - fast_loss),
                         "grad_max_abs_difference": float(np.max(np.abs(loop_grad - fast_grad)))},
        "sgd": {"learning_rate": lr, "num_iters": args.num_iters, "batch_size": args.batch_size,
                "first_loss": losses[0], "final_loss": losses[-1], "min_loss": min(losses),
                "mean_last_100": float(np.mean(tail)),
                "train_accuracy": float(np.mean(model.predict(sp.X_train) == sp.y_train)),
                "val_accuracy": float(np.mean(model.predict(sp.X_val) == sp.y_val)), "losses": losses},
        "sweep": [{"learning_rate": e.learning_rate, "final_loss": e.final_loss, "train_accuracy": e.train_accuracy,
                   "val_accuracy": e.val_accuracy} for e in sweep.entries],
        "best": {"learning_rate": best.learning_rate, "val_accuracy": best.val_accuracy,
                 "test_accuracy": test_acc, "test_error": 1.0 - test_acc},
        "_sweep": sweep,
    }


def _report_text(r: dict[str, Any]) -> str:
    s, g, lf, sgd, b = r["sizes"], r["grad_check"], r["loop_vs_fast"], r["sgd"], r["best"]

    def errs(e: list[float]) -> str:
        return " ".join(f"{v:.1e}" for v in e) + f"  (max {max(e):.1e})"

    lines = [
        f"gradproof softmax - {r['dataset']}: train {s['train']}, validation {s['val']}, test {s['test']}, "
        f"dev {s['dev']}; D = {r['n_features']} (bias included), C = {r['n_classes']}; seed {r['seed']}",
        f"initial loss (dev set, W ~ N(0, 1)·1e-4): {r['initial_loss']:.6f}   log C = log {r['n_classes']} = {r['log_C']:.6f}",
        f"gradient check ({g['num_checks']} random entries, h = {g['h']:g}), relative errors |n - a| / (|n| + |a|):",
        f"  loop:       {errs(g['loop'])}",
        f"  vectorised: {errs(g['fast'])}",
        f"loop vs vectorised (dev set): |loss difference| {lf['loss_difference']:.1e}, "
        f"max |gradient difference| {lf['grad_max_abs_difference']:.1e}",
        f"SGD (learning rate {sgd['learning_rate']:g}, {sgd['num_iters']} iterations, batch {sgd['batch_size']}): "
        f"loss {sgd['first_loss']:.4f} -> {sgd['final_loss']:.4f} (min {sgd['min_loss']:.4f}, "
        f"mean of the last 100 {sgd['mean_last_100']:.4f})",
        f"  train accuracy {sgd['train_accuracy']:.4f}, validation accuracy {sgd['val_accuracy']:.4f}",
        "",
        f"learning-rate sweep ({sgd['num_iters']} iterations, batch {sgd['batch_size']}):",
        "  learning rate  final loss  train acc  val acc",
    ]
    for e in r["sweep"]:
        mark = "  <- best" if e["learning_rate"] == b["learning_rate"] else ""
        lines.append(f"  {e['learning_rate']:>13g}  {e['final_loss']:>10.4f}  {e['train_accuracy']:>9.4f}  "
                     f"{e['val_accuracy']:>7.4f}{mark}")
    lines += ["", f"best learning rate {b['learning_rate']:g}: validation accuracy {b['val_accuracy']:.4f}, "
                  f"test accuracy {b['test_accuracy']:.4f} (test error {b['test_error']:.4f})"]
    if r.get("figures"):
        lines.append("figures: " + ", ".join(r["figures"]))
    return "\n".join(lines)


def _save_figures(r: dict[str, Any], out: str) -> list[str]:
    from pathlib import Path

    from numerics.linear_plots import plot_loss_curve, plot_lr_sweep

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    title = f"SGD loss ({r['dataset']}, learning rate {r['sgd']['learning_rate']:g})"
    figs = (plot_loss_curve(r["sgd"]["losses"], log_c=r["log_C"], title=title), plot_lr_sweep(r["_sweep"]))
    paths = []
    for fig, name in zip(figs, FIGURES):
        fig.savefig(folder / name, dpi=120, metadata={"Software": None})
        paths.append(str(folder / name))
    return paths


def run(args: argparse.Namespace) -> int:
    """Run the experiments of problem 5; return the exit status (2 on bad input or missing data)."""
    import json

    try:
        results = _experiment(args)
        if args.out is not None:
            results["figures"] = _save_figures(results, args.out)
    except (ValueError, OSError) as exc:  # bad sizes or rates, missing data, unwritable --out
        return _error(str(exc))
    del results["_sweep"]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(_report_text(results))
    return 0
