"""Run the homework's numerical experiments for the worked solutions (seeded, deterministic).

kNN (problem 2) and the softmax classifier (problem 5) are run through the
``gradproof knn`` and ``gradproof softmax`` commands themselves (their ``--json``
record is the single source of those numbers and they save their own figures),
so the document always shows what those commands print.  Problems 1 and 4 and
the derive-against-numerics cross-checks live in :mod:`derive.solutions.linear`
and :mod:`derive.solutions.crosschecks`.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:  # doctest: +SKIP
...     ex = run_experiments(tmp, dataset="digits", seed=0, progress=False)
>>> ex.knn["best"]  # doctest: +SKIP
{'k': 3, 'norm': 'l2'}
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from derive.solutions.results import DATASET_DESCRIPTIONS, Check, Experiments

__all__ = ["run_experiments", "run_command_json", "timed_check", "FIGURE_DIR"]

#: figures go to this folder inside the output folder
FIGURE_DIR = "figures"


def run_command_json(module: ModuleType, argv: Sequence[str]) -> dict[str, Any]:
    """Run a ``gradproof`` sub-command module with ``argv`` + ``--json``; return its JSON record.

    Parameters
    ----------
    module : module
        A sub-command module (``configure(parser)``, ``run(args) -> int``).
    argv : sequence of str
        Its arguments.

    Raises
    ------
    ValueError
        If the command exits non-zero (its error message is included: missing data,
        bad sizes, ...).
    """
    parser = argparse.ArgumentParser(prog=f"gradproof {module.__name__.rsplit('.', 1)[-1]}")
    module.configure(parser)
    args = parser.parse_args([*argv, "--json"])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = module.run(args)
    if status != 0:
        raise ValueError(f"{parser.prog} {' '.join(argv)} failed (exit {status}): {err.getvalue().strip()}")
    return json.loads(out.getvalue())


def timed_check(name: str, fn: Callable[[], tuple[bool, str]]) -> Check:
    """Run ``fn() -> (passed, detail)`` and time it; an exception is a failed check, not a crash."""
    t0 = time.perf_counter()
    try:
        passed, detail = fn()
    except Exception as exc:  # a check that crashes has failed; say why
        passed, detail = False, f"error: {type(exc).__name__}: {exc}"
    return Check(name, bool(passed), detail, time.perf_counter() - t0)


def _common_args(dataset: str, data_dir: str | Path | None, seed: int, figures: Path, download: bool) -> list[str]:
    argv = ["--dataset", dataset, "--seed", str(seed), "--out", str(figures), "--quiet"]
    return argv + (["--data-dir", str(data_dir)] if data_dir is not None else []) + (["--download"] if download else [])


def run_experiments(out_dir: str | Path, *, dataset: str = "digits", data_dir: str | Path | None = None,
                    seed: int = 0, progress: bool = True, download: bool = False) -> Experiments:
    """Run every experiment; save the figures in ``out_dir/figures``.

    Parameters
    ----------
    out_dir : path
        Output folder (created if needed).
    dataset : {"digits", "cifar10"}
    data_dir : path, optional
        Where CIFAR-10 is (ignored for digits).
    seed : int
        Seed of every random choice (folds, dev set, weights, batches, noise).
    progress : bool
        Show a progress bar over the experiments.
    download : bool
        Download CIFAR-10 if it is missing (the official archive, checksum verified).

    Returns
    -------
    Experiments
        Numbers, figure paths relative to ``out_dir``, and the checks.
    """
    import numpy as np
    from tqdm import tqdm

    from derive.solutions import crosschecks, linear
    from numerics.commands import knn as knn_cmd
    from numerics.commands import softmax as softmax_cmd

    if dataset not in DATASET_DESCRIPTIONS:
        raise ValueError(f"dataset: expected one of {', '.join(DATASET_DESCRIPTIONS)}, got {dataset!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    out = Path(out_dir)
    figures = out / FIGURE_DIR
    figures.mkdir(parents=True, exist_ok=True)
    noisy_rng, hinge_rng, check_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    argv = _common_args(dataset, data_dir, int(seed), figures, download)

    stages = ["kNN", "softmax", "noisy regression", "hinge", "cross-checks"]
    bar = tqdm(total=len(stages), desc="experiments", unit="stage", disable=not progress, leave=False)

    def stage(name: str) -> None:
        bar.set_postfix_str(name)

    try:
        stage(stages[0])
        knn = run_command_json(knn_cmd, argv)
        bar.update()
        stage(stages[1])
        softmax = run_command_json(softmax_cmd, argv)
        bar.update()
        stage(stages[2])
        noisy = linear.noisy_experiment(noisy_rng)
        fig_noisy = linear.save_shrinkage_figure(noisy, figures / "shrinkage_path.png")
        bar.update()
        stage(stages[3])
        hinge = linear.hinge_experiment(dataset, data_dir, hinge_rng)
        fig_hinge = linear.save_hinge_figure(figures / "hinge.png")
        bar.update()
        stage(stages[4])
        checks = [
            *crosschecks.knn_checks(knn, dataset, data_dir, check_rng),
            *crosschecks.softmax_checks(softmax, dataset, data_dir, check_rng),
            *crosschecks.noisy_checks(noisy, check_rng),
            *crosschecks.hinge_checks(hinge, dataset, data_dir, check_rng),
        ]
        bar.update()
    finally:
        bar.close()

    names = dict(zip(("samples", "error_vs_k", "error_vs_norm"), knn_cmd.FIGURES, strict=True))
    names.update(zip(("loss_curve", "lr_sweep"), softmax_cmd.FIGURES, strict=True))
    paths = {key: f"{FIGURE_DIR}/{name}" for key, name in names.items()}
    paths.update(shrinkage=f"{FIGURE_DIR}/{fig_noisy.name}", hinge=f"{FIGURE_DIR}/{fig_hinge.name}")
    for key, rel in paths.items():
        if not (out / rel).is_file():
            raise FileNotFoundError(f"figure {key!r} was not written: expected {out / rel}")
    knn = {k: v for k, v in knn.items() if k != "figures"}  # absolute paths: never in the document
    softmax = {k: v for k, v in softmax.items() if k != "figures"}
    return Experiments(dataset, int(seed), knn, softmax, noisy, hinge, paths, checks)
