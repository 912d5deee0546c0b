"""Run every registered problem's experiment for the worked solutions (seeded, deterministic).

Each problem of :data:`derive.problems.PROBLEMS` runs its own experiment (kNN and the
softmax classifier through the same :mod:`numerics` functions as ``gradproof knn`` and
``gradproof softmax``, so the document shows what those commands print), saves its
figures and checks its numbers against its derivation; this module only loops.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:  # doctest: +SKIP
...     ex = run_experiments(tmp, dataset="digits", seed=0, progress=False)
>>> ex.results["distances"]["best"]  # doctest: +SKIP
{'k': 3, 'norm': 'l2'}
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from derive.registry import ExperimentContext
from derive.solutions.checking import timed_check
from derive.solutions.results import DATASET_DESCRIPTIONS, Check, Experiments

__all__ = ["run_experiments", "timed_check", "FIGURE_DIR"]

#: figures go to this folder inside the output folder
FIGURE_DIR = "figures"


def run_experiments(out_dir: str | Path, *, dataset: str = "digits", data_dir: str | Path | None = None,
                    seed: int = 0, progress: bool = True, download: bool = False) -> Experiments:
    """Run every problem's experiment and checks; save the figures in ``out_dir/figures``.

    Parameters
    ----------
    out_dir : path
        Output folder (created if needed).
    dataset : {"digits", "cifar10", "cifar10-subset"}
    data_dir : path, optional
        Where CIFAR-10 is (ignored for digits).
    seed : int
        Seed of every random choice (each problem draws from its own stream of it).
    progress : bool
        Show a progress bar over the problems.
    download : bool
        Download CIFAR-10 if it is missing (the official archive, checksum verified).

    Returns
    -------
    Experiments
        Each problem's record, figure paths relative to ``out_dir``, and the checks.

    Raises
    ------
    ValueError
        Unknown dataset or bad seed, or an experiment's own error (missing data, ...).
    FileNotFoundError
        A problem declared a figure its experiment did not write.
    """
    import numpy as np
    from tqdm import tqdm

    from derive.problems import PROBLEMS

    if dataset not in DATASET_DESCRIPTIONS:
        raise ValueError(f"dataset: expected one of {', '.join(DATASET_DESCRIPTIONS)}, got {dataset!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    out = Path(out_dir)
    figures = out / FIGURE_DIR
    figures.mkdir(parents=True, exist_ok=True)
    base = ExperimentContext(dataset, data_dir, int(seed), figures, progress=False, download=download)

    results: dict[str, object] = {}
    checks: list[Check] = []
    paths: dict[str, str] = {}
    bar = tqdm(PROBLEMS, desc="experiments", unit="problem", disable=not progress, leave=False)
    try:
        for problem in bar:
            bar.set_postfix_str(problem.key)
            ctx = dataclasses.replace(base, stream=problem.stream)
            results[problem.key] = problem.experiment(ctx)
            checks += problem.crosschecks(results[problem.key], ctx)
            for fig in problem.figures:
                if not (figures / fig.file).is_file():
                    raise FileNotFoundError(f"figure {fig.key!r} of problem {problem.key!r} was not written: "
                                            f"expected {figures / fig.file}")
                paths[fig.key] = f"{FIGURE_DIR}/{fig.file}"
    finally:
        bar.close()
    return Experiments(dataset, int(seed), results, paths, checks)
