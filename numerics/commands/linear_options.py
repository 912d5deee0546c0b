"""What ``gradproof softmax`` and ``gradproof svm`` share: their data, SGD and output options, and the run.

Both build the CS231n splits (train / validation / test / dev) of a dataset, train by SGD
and print a report; the options and the run around the experiment are written here once.
Nothing here imports numpy or SymPy at import time (``gradproof --help`` stays fast).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["add_split_options", "add_sgd_options", "add_output_options", "format_errors", "run_experiment"]

#: the splits' options: (name, what it is, index in the experiment's DEFAULT_SIZES tuples)
SPLITS: tuple[tuple[str, str, int], ...] = (
    ("train", "training rows", 0), ("val", "validation rows (after the training rows)", 1),
    ("test", "test rows", 2), ("dev", "dev rows sampled from the training rows", 3))


def add_split_options(parser: argparse.ArgumentParser, default_sizes: Mapping[str, Sequence[int | None]]) -> None:
    """``--dataset``, ``--data-dir``, ``--download`` and ``--n-train/val/test/dev`` (defaults per dataset)."""
    parser.add_argument("--dataset", choices=("digits", "cifar10", "cifar10-subset"), default="digits",
                        help="digits (offline, bundled with scikit-learn), cifar10 or cifar10-subset (a partial "
                             "CIFAR-10 folder: --data-dir or $GRADPROOF_CIFAR_SUBSET_DIR) (default: digits)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="where CIFAR-10 is (or is downloaded to); default: the per-user cache")
    parser.add_argument("--download", action="store_true", help="download CIFAR-10 if it is missing")
    for name, what, i in SPLITS:
        parser.add_argument(f"--n-{name}", type=int, default=None, metavar="N",
                            help=f"{what} (default: cifar10 {default_sizes['cifar10'][i]}, "
                                 f"digits {default_sizes['digits'][i]})")


def add_sgd_options(parser: argparse.ArgumentParser) -> None:
    """``--num-iters`` and ``--batch-size`` of every SGD run."""
    parser.add_argument("--num-iters", type=int, default=1500, help="SGD iterations (default: 1500)")
    parser.add_argument("--batch-size", type=int, default=200,
                        help="SGD batch size, drawn with replacement (default: 200)")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--seed``, ``--out``, ``--json`` and ``--quiet``."""
    parser.add_argument("--seed", type=int, default=0, help="seed of the dev set, weights and batches (default: 0)")
    parser.add_argument("--out", default=None, metavar="DIR", help="save the figures (PNG) in DIR")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or timings on stderr")


def format_errors(errors: Sequence[float]) -> str:
    """Gradient-check relative errors on one line, with their maximum."""
    return " ".join(f"{v:.1e}" for v in errors) + f"  (max {max(errors):.1e})"


def run_experiment(command: str, args: argparse.Namespace, experiment: Callable[[], Any],
                   save_figures: Callable[[Any, str], Sequence[Path]], report_text: Callable[[dict[str, Any]], str],
                   slow: str) -> int:
    """Run ``experiment()``, save its figures in ``args.out``, print its report; return the exit status.

    Parameters
    ----------
    command : str
        The sub-command's name, for error messages (``gradproof svm: error: ...``).
    args : argparse.Namespace
        Its parsed options (``out`` and ``json`` are read here).
    experiment : callable
        ``() -> result`` with ``to_dict()`` and ``timings`` (``{slow: s, "vectorised": s}`` or empty).
    save_figures : callable
        ``(result, folder) -> paths`` of the figures written.
    report_text : callable
        ``(record) -> str``: the plain-text report.
    slow : str
        Name of the slow implementation in ``timings`` (``"loop"``, ``"naive"``).

    Returns
    -------
    int
        0, or 2 on bad input, missing data or an unwritable ``--out`` (the message on stderr).
    """
    try:
        result = experiment()
        record = result.to_dict()
        if args.out is not None:
            record["figures"] = [str(p) for p in save_figures(result, args.out)]
    except (ValueError, OSError) as exc:  # bad sizes or rates, missing data, unwritable --out
        print(f"gradproof {command}: error: {exc}", file=sys.stderr)
        return 2
    if result.timings:
        t_slow, t_fast = result.timings[slow], result.timings["vectorised"]
        print(f"timing on the dev set (best of 3): {slow} {1e3 * t_slow:.2f} ms, vectorised {1e3 * t_fast:.3f} ms "
              f"({t_slow / max(t_fast, 1e-12):.0f}x faster)", file=sys.stderr)
    print(json.dumps(record, indent=2) if args.json else report_text(record))
    return 0
