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
from typing import Any

from numerics.commands.linear_options import (add_output_options, add_sgd_options, add_split_options,
                                              format_errors, run_experiment)

__all__ = ["DEFAULT_LEARNING_RATE", "DEFAULT_SIZES", "DEFAULT_SWEEP", "FIGURES", "configure", "run"]


def __getattr__(name: str) -> Any:
    """The experiment's defaults (DEFAULT_LEARNING_RATE, DEFAULT_SIZES, DEFAULT_SWEEP, FIGURES), from :mod:`numerics.softmax_experiment` on first use."""
    if name in __all__ and name not in ("configure", "run"):
        import numerics.softmax_experiment as experiment

        return getattr(experiment, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``softmax`` arguments to ``parser``."""
    from numerics.softmax_experiment import DEFAULT_SIZES

    add_split_options(parser, DEFAULT_SIZES)
    add_sgd_options(parser)
    parser.add_argument("--learning-rate", type=float, default=None, metavar="LR",
                        help="learning rate of the first SGD run (default: cifar10 1e-7, digits 1e-3)")
    parser.add_argument("--learning-rates", type=float, nargs="+", default=None, metavar="LR",
                        help="learning rates of the sweep (default: cifar10 1e-5 5e-5 1e-4 5e-4 1e-3, "
                             "digits 1e-4 5e-4 1e-3 5e-3 1e-2)")
    add_output_options(parser)


def _report_text(r: dict[str, Any]) -> str:
    s, g, lf, sgd, b = r["sizes"], r["grad_check"], r["loop_vs_fast"], r["sgd"], r["best"]

    lines = [
        f"gradproof softmax - {r['dataset']}: train {s['train']}, validation {s['val']}, test {s['test']}, "
        f"dev {s['dev']}; D = {r['n_features']} (bias included), C = {r['n_classes']}; seed {r['seed']}",
        f"initial loss (dev set, W ~ N(0, 1)·1e-4): {r['initial_loss']:.6f}   log C = log {r['n_classes']} = {r['log_C']:.6f}",
        f"gradient check ({g['num_checks']} random entries, h = {g['h']:g}), relative errors |n - a| / (|n| + |a|):",
        f"  loop:       {format_errors(g['loop'])}",
        f"  vectorised: {format_errors(g['fast'])}",
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


def run(args: argparse.Namespace) -> int:
    """Run the experiments of problem 5; return the exit status (2 on bad input or missing data)."""
    from numerics.softmax_experiment import run_softmax_experiment, save_softmax_figures

    return run_experiment("softmax", args, lambda: run_softmax_experiment(
        args.dataset, data_dir=args.data_dir, download=args.download, n_train=args.n_train, n_val=args.n_val,
        n_test=args.n_test, n_dev=args.n_dev, num_iters=args.num_iters, batch_size=args.batch_size,
        learning_rate=args.learning_rate, learning_rates=args.learning_rates, seed=args.seed,
        progress=not args.quiet, time_dev=not args.quiet), save_softmax_figures, _report_text, "loop")
