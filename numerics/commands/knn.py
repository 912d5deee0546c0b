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

__all__ = ["configure", "run", "DEFAULT_SIZES", "FIGURES"]


def __getattr__(name: str) -> Any:
    """The experiment's defaults (DEFAULT_SIZES, FIGURES), from :mod:`numerics.knn.experiment` on first use."""
    if name in __all__ and name not in ("configure", "run"):
        import numerics.knn.experiment as experiment

        return getattr(experiment, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    """Run the experiment described by ``args`` (:func:`numerics.knn.experiment.run_knn_experiment`)."""
    import json

    from numerics.knn.experiment import run_knn_experiment, save_knn_figures

    try:
        result = run_knn_experiment(args.dataset, data_dir=args.data_dir, download=args.download,
                                    n_train=args.n_train, n_test=args.n_test, folds=args.folds, ks=args.ks,
                                    seed=args.seed, progress=not args.quiet and sys.stderr.isatty())
        figures = [] if args.out is None else [str(p) for p in save_knn_figures(result, args.out)]
    except (FileNotFoundError, ValueError, OSError) as exc:
        return _error(str(exc))
    record = {**result.to_dict(), "figures": figures}
    print(json.dumps(record, indent=2) if args.json else _report_text(record))
    return 0
