"""``gradproof svm``: the multiclass SVM experiments of the CS231n assignment (problem 6).

Builds the train / validation / test / dev splits (mean image subtracted, bias column
appended), then prints: the initial loss beside C − 1, the naive-vs-vectorised difference,
the gradient-check errors of both, an SGD run's loss, the learning-rate × regularisation
sweep, and the validation and test accuracy of the best pair.  ``--out`` saves the figures
(loss curve, the sweep's heat map, the weights as images), ``--json`` prints everything as JSON.

stdout depends only on the arguments: the same ``--seed`` gives the same output.  Timings
(naive vs vectorised) and progress bars go to stderr.
"""

from __future__ import annotations

import argparse
from typing import Any

from numerics.commands.linear_options import (add_output_options, add_sgd_options, add_split_options,
                                              format_errors, run_experiment)

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``svm`` arguments to ``parser``."""
    from numerics.svm_experiment import (DEFAULT_LEARNING_RATE, DEFAULT_REG, DEFAULT_SIZES, DEFAULT_SWEEP_LRS,
                                         DEFAULT_SWEEP_REGS)

    def per_dataset(table: dict[str, Any]) -> str:
        return ", ".join(f"{k} {' '.join(f'{x:g}' for x in v) if isinstance(v, tuple) else f'{v:g}'}"
                         for k, v in table.items() if k != "cifar10-subset")

    add_split_options(parser, DEFAULT_SIZES)
    add_sgd_options(parser)
    parser.add_argument("--learning-rate", type=float, default=None, metavar="LR",
                        help=f"learning rate of the first SGD run (default: {per_dataset(DEFAULT_LEARNING_RATE)})")
    parser.add_argument("--reg", type=float, default=None, metavar="REG",
                        help=f"regularisation strength of the first run (default: {per_dataset(DEFAULT_REG)})")
    parser.add_argument("--learning-rates", type=float, nargs="+", default=None, metavar="LR",
                        help=f"learning rates of the sweep (default: {per_dataset(DEFAULT_SWEEP_LRS)})")
    parser.add_argument("--regs", type=float, nargs="+", default=None, metavar="REG",
                        help=f"regularisation strengths of the sweep (default: {per_dataset(DEFAULT_SWEEP_REGS)})")
    add_output_options(parser)


def _report_text(r: dict[str, Any]) -> str:
    s, g, nf, sgd, b = r["sizes"], r["grad_check"], r["naive_vs_vectorised"], r["sgd"], r["best"]

    lines = [
        f"gradproof svm - {r['dataset']}: train {s['train']}, validation {s['val']}, test {s['test']}, "
        f"dev {s['dev']}; D = {r['n_features']} (bias included), C = {r['n_classes']}; Δ = {r['delta']:g}; "
        f"seed {r['seed']}",
        f"initial loss (dev set, W ~ N(0, 1)·{r['initial_w_std']:g}, reg {g['reg']:g}): {r['initial_loss']:.6f}; "
        f"without the regulariser {r['initial_data_loss']:.6f}   C - 1 = {r['C_minus_1']:g}",
        f"gradient check ({g['num_checks']} random entries, h = {g['h']:g}), relative errors |n - a| / (|n| + |a|):",
        f"  naive:      {format_errors(g['naive'])}  probes across a kink: {g['kinks']['naive']}",
        f"  vectorised: {format_errors(g['vectorised'])}  probes across a kink: {g['kinks']['vectorised']}",
        f"naive vs vectorised (dev set): |loss difference| {nf['loss_difference']:.1e}, "
        f"max |gradient difference| {nf['grad_max_abs_difference']:.1e}",
        f"SGD (learning rate {sgd['learning_rate']:g}, reg {sgd['reg']:g}, {sgd['num_iters']} iterations, batch "
        f"{sgd['batch_size']}): loss {sgd['first_loss']:.4f} -> {sgd['final_loss']:.4f} (min {sgd['min_loss']:.4f}, "
        f"mean of the last 100 {sgd['mean_last_100']:.4f}){'  DIVERGED' if sgd['diverged'] else ''}",
        f"  train accuracy {sgd['train_accuracy']:.4f}, validation accuracy {sgd['val_accuracy']:.4f}",
        "",
        f"learning rate x regularisation ({sgd['num_iters']} iterations, batch {sgd['batch_size']}):",
        "  learning rate          reg  final loss  train acc  val acc",
    ]
    for c in r["sweep"]:
        mark = "  <- best" if (c["learning_rate"], c["reg"]) == (b["learning_rate"], b["reg"]) else ""
        mark += "  (diverged)" if c["diverged"] else ""
        lines.append(f"  {c['learning_rate']:>13g}  {c['reg']:>11g}  {c['final_loss']:>10.4f}  "
                     f"{c['train_accuracy']:>9.4f}  {c['val_accuracy']:>7.4f}{mark}")
    lines += ["", f"best: learning rate {b['learning_rate']:g}, reg {b['reg']:g}: validation accuracy "
                  f"{b['val_accuracy']:.4f}, test accuracy {b['test_accuracy']:.4f} (test error {b['test_error']:.4f})"]
    if r.get("figures"):
        lines.append("figures: " + ", ".join(r["figures"]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the SVM experiments; return the exit status (2 on bad input or missing data)."""
    from numerics.svm_experiment import run_svm_experiment, save_svm_figures

    return run_experiment("svm", args, lambda: run_svm_experiment(
        args.dataset, data_dir=args.data_dir, download=args.download, n_train=args.n_train, n_val=args.n_val,
        n_test=args.n_test, n_dev=args.n_dev, num_iters=args.num_iters, batch_size=args.batch_size,
        learning_rate=args.learning_rate, reg=args.reg, learning_rates=args.learning_rates, regs=args.regs,
        seed=args.seed, progress=not args.quiet, time_dev=not args.quiet), save_svm_figures, _report_text, "naive")
