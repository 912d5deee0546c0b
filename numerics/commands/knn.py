"""``gradproof knn``: the homework's k-nearest-neighbour experiments (SPEC problem 2).

Loads a dataset (scikit-learn's bundled digits offline, or CIFAR-10), takes the first
``--n-train`` / ``--n-test`` images, and prints the homework's numbers: the k = 1 L2
test error, the cross-validation table over k and the norms, the best k, the error of
each norm at that k, the best (k, norm), its test error and the improvement over
k = 1 with L2. ``--out`` saves the figures, ``--json`` prints everything as JSON.
The same ``--seed`` gives the same output.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["configure", "run", "DEFAULT_SIZES"]

#: (n_train, n_test) when not given; None = everything the dataset has
DEFAULT_SIZES: dict[str, tuple[int | None, int | None]] = {
    "cifar10": (5000, 500),  # the homework's subsample
    "digits": (None, None),
    "cifar10-subset": (None, None),  # all of it (4000 / 1000 in the shared subset)
}

#: CV order: L2 first, so that a tie between norms keeps the homework's default
CV_NORMS: tuple[str, ...] = ("l2", "l1", "linf")
FIGURES: tuple[str, ...] = ("knn_samples.png", "knn_error_vs_k.png", "knn_error_vs_norm.png")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``knn`` arguments to ``parser``."""
    parser.add_argument("--dataset", choices=("digits", "cifar10", "cifar10-subset"), default="digits",
                        help="digits (offline, bundled with scikit-learn) or cifar10 (default: digits)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="where CIFAR-10 is (or is downloaded to); default: the per-user cache")
    parser.add_argument("--download", action="store_true", help="download CIFAR-10 if it is missing")
    parser.add_argument("--n-train", type=int, default=None, metavar="N",
                        help="first N training images (default: cifar10 5000, digits all)")
    parser.add_argument("--n-test", type=int, default=None, metavar="N",
                        help="first N test images (default: cifar10 500, digits all)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds and the sample grid (default: 0)")
    parser.add_argument("--ks", type=int, nargs="+", default=None, metavar="K",
                        help="the k values to cross-validate (default: 1 2 3 5 7 10 15 20 25 30)")
    parser.add_argument("--out", default=None, metavar="DIR", help="save the figures (PNG) in DIR")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _error(message: str) -> int:
    print(f"gradproof knn: error: {message}", file=sys.stderr)
    return 2


def _percent(e: float) -> str:
    return f"{e:.4f}"


def _report_text(r: dict[str, Any]) -> str:
    from numerics.knn.plots import NORM_LABELS

    lab = NORM_LABELS
    cv = r["cv"]
    lines = [
        f"gradproof knn - {r['dataset']}: {r['n_train']} training / {r['n_test']} test images, "
        f"{r['n_features']} features, {r['n_classes']} classes",
        f"k = 1, L2 distance: test error {_percent(r['k1_l2_test_error'])} "
        f"({r['k1_l2_test_wrong']} of {r['n_test']} wrong)",
        "",
        f"{cv['n_folds']}-fold cross-validation on the training images (seed {r['seed']}); "
        "validation error, mean ± std over folds:",
        ("    k  " + "".join(f"{lab[n]:<18}" for n in cv["norms"])).rstrip(),
    ]
    for b, k in enumerate(cv["ks"]):
        cells = "".join(f"{cv['mean'][a][b]:.4f} ± {cv['std'][a][b]:.4f}   " for a in range(len(cv["norms"])))
        lines.append(f"  {k:>3}  {cells.rstrip()}")
    k = r["best_k"]
    per_norm = " | ".join(f"{lab[n]} {v['mean']:.4f} ± {v['std']:.4f}" for n, v in r["error_per_norm_at_best_k"].items())
    best_k, best_norm = r["best"]["k"], r["best"]["norm"]
    imp = r["improvement_over_k1_l2"]
    lines += [
        "",
        f"best k (L2): {k}",
        f"error per norm at k = {k}: {per_norm}",
        f"best (k, norm): ({best_k}, {lab[best_norm]})",
        f"test error at k = {best_k}, {lab[best_norm]}: {_percent(r['best_test_error'])} "
        f"({r['best_test_wrong']} of {r['n_test']} wrong)",
        f"improvement over k = 1 with L2: {imp:+.4f} ({100 * imp:+.2f} percentage points)",
    ]
    if r["figures"]:
        lines.append("figures: " + ", ".join(r["figures"]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the experiments described by ``args``; return the exit status."""
    import json
    from pathlib import Path

    import numpy as np

    from numerics.data import load_dataset
    from numerics.knn import K_CHOICES, KNN, compute_distances, cross_validate
    from numerics.preprocess import first_n

    try:
        ds = load_dataset(args.dataset, args.data_dir, download=args.download)
    except (FileNotFoundError, ValueError, OSError) as exc:
        return _error(str(exc))
    default_train, default_test = DEFAULT_SIZES[args.dataset]
    n_train = args.n_train if args.n_train is not None else (default_train or ds.X_train.shape[0])
    n_test = args.n_test if args.n_test is not None else (default_test or ds.X_test.shape[0])
    try:
        X_train, y_train, X_test, y_test = first_n(ds, n_train, n_test)
    except ValueError as exc:
        return _error(str(exc))
    ks = tuple(args.ks) if args.ks else K_CHOICES
    progress = not args.quiet and sys.stderr.isatty()
    # independent streams: adding a figure never changes the folds
    fold_rng, grid_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(args.seed).spawn(2))

    model = KNN().train(X_train, y_train)
    d_l2 = model.compute_L2_distances_vectorized(X_test)
    wrong_k1 = int(np.count_nonzero(model.predict_labels(d_l2, k=1) != y_test))

    cv = cross_validate(X_train, y_train, ks=ks, norms=CV_NORMS, n_folds=args.folds, rng=fold_rng, progress=progress)
    best_k = cv.best_k("l2")
    best_norm = cv.best_norm(best_k)
    d_best = d_l2 if best_norm == "l2" else compute_distances(X_test, X_train, best_norm)
    wrong_best = int(np.count_nonzero(model.predict_labels(d_best, k=best_k) != y_test))

    err_k1, err_best = wrong_k1 / len(y_test), wrong_best / len(y_test)
    result: dict[str, Any] = {
        "dataset": ds.name,
        "n_train": int(X_train.shape[0]),
        "n_test": int(X_test.shape[0]),
        "n_features": int(X_train.shape[1]),
        "n_classes": len(ds.class_names),
        "seed": args.seed,
        "k1_l2_test_error": err_k1,
        "k1_l2_test_wrong": wrong_k1,
        "cv": cv.to_dict(),
        "best_k": best_k,
        "error_per_norm_at_best_k": {
            n: {"mean": float(cv.fold_errors(n, best_k).mean()), "std": float(cv.fold_errors(n, best_k).std())}
            for n in cv.norms
        },
        "best": {"k": best_k, "norm": best_norm},
        "best_test_error": err_best,
        "best_test_wrong": wrong_best,
        "improvement_over_k1_l2": err_k1 - err_best,
        "figures": [],
    }

    if args.out is not None:
        from numerics.knn.plots import plot_error_vs_k, plot_error_vs_norm, plot_sample_grid

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        figs = (
            plot_sample_grid(ds.images(X_train), y_train, ds.class_names, rng=grid_rng),
            plot_error_vs_k(cv, "l2"),
            plot_error_vs_norm(cv, best_k),
        )
        for fig, name in zip(figs, FIGURES, strict=True):
            fig.savefig(out / name, dpi=100)
            result["figures"].append(str(out / name))

    print(json.dumps(result, indent=2) if args.json else _report_text(result))
    return 0
