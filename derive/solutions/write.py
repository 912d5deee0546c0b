"""``write_solutions``: verify the derivations, run the experiments, write the document (and the PDF).

Output folder layout::

    OUT/solutions.tex
    OUT/figures/*.png
    OUT/solutions.pdf        (pdf=True)
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from derive.core import StepResult
from derive.solutions.results import Check, SolutionsResult

__all__ = ["write_solutions", "verify_derivations", "TEX_NAME"]

TEX_NAME = "solutions.tex"


def verify_derivations(seed: int = 0, keys: Sequence[str] | None = None
                       ) -> tuple[dict[str, list[StepResult]], list[Check]]:
    """Verify the derivations ``keys`` (default: every registered problem's); return the step results
    and one :class:`Check` per problem."""
    from derive.problems import get_derivation, problem_keys

    keys = problem_keys() if keys is None else keys

    results: dict[str, list[StepResult]] = {}
    checks = []
    for key in keys:
        t0 = time.perf_counter()
        try:
            results[key] = get_derivation(key).verify(seed=seed)
        except Exception as exc:  # a derivation that crashes is a failed check, reported
            checks.append(Check(f"derive {key}", False, f"error: {type(exc).__name__}: {exc}", time.perf_counter() - t0))
            continue
        bad = [r for r in results[key] if not r.ok]
        detail = (f"step {bad[0].index + 1} failed: {bad[0].detail}" if bad else
                  f"{sum(r.status == 'proved' for r in results[key])} steps proved, "
                  f"{sum(r.status == 'checked' for r in results[key])} checked at concrete sizes, "
                  f"{sum(r.status == 'definition' for r in results[key])} definitions")
        checks.append(Check(f"derive {key}", not bad, detail, time.perf_counter() - t0))
    return results, checks


def write_solutions(out_dir: str | Path, *, dataset: str = "digits", data_dir: str | Path | None = None,
                    seed: int = 0, pdf: bool = False, progress: bool = True,
                    step_results: Mapping[str, Sequence[StepResult]] | None = None,
                    engine: str | None = None, download: bool = False) -> SolutionsResult:
    """Write the worked solutions to ``out_dir`` (LaTeX, figures, and with ``pdf`` the PDF).

    Parameters
    ----------
    out_dir : path
        Output folder, created if needed.
    dataset : {"digits", "cifar10"}
        Dataset of the experiments (digits is offline).
    data_dir : path, optional
        Where CIFAR-10 is.
    seed : int
        Seed of every random choice; the same seed writes the same ``.tex``.
    pdf : bool
        Also compile the PDF (:func:`derive.solutions.compile.compile_pdf`).
    progress : bool
        Progress bars on stderr.
    step_results : mapping, optional
        Verification results already computed (problem key -> one StepResult per
        step), e.g. by ``gradproof all``'s derive jobs; default: verify here (the
        checks then start with one ``derive <key>`` row per problem).
    engine : str, optional
        TeX engine for ``pdf`` (default: the first installed).
    download : bool
        Download CIFAR-10 if it is missing.

    Returns
    -------
    SolutionsResult
        Paths, numbers and the checks (``result.checks``: name, passed, detail, seconds).

    Raises
    ------
    ValueError
        Unknown dataset, bad seed, or missing data (the message says how to get it).
    derive.solutions.compile.TexNotFoundError
        ``pdf=True`` and no TeX engine is installed (names the Debian packages).
    """
    from derive.problems import PROBLEMS, problem_keys
    from derive.solutions.document import build_document
    from derive.solutions.experiments import run_experiments

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if step_results is not None:
        missing = [k for k in problem_keys() if k not in step_results]
        if missing:
            raise ValueError(f"step_results: expected results for {', '.join(problem_keys())}, "
                             f"missing {', '.join(missing)}")
    # experiments first: missing data is reported before any time is spent on verification
    ex = run_experiments(out, dataset=dataset, data_dir=data_dir, seed=seed, progress=progress, download=download)
    checks: list[Check] = []
    if step_results is None:
        results, checks = verify_derivations(seed)
    else:
        results = {k: list(v) for k, v in step_results.items()}
    checks += ex.checks
    derivations = {p.key: p.derivation() for p in PROBLEMS}
    tex = out / TEX_NAME
    tex.write_text(build_document(PROBLEMS, derivations, results, ex, ex.checks), encoding="ascii")
    pdf_path = None
    if pdf:
        from derive.solutions.compile import compile_pdf

        t0 = time.perf_counter()
        pdf_path = compile_pdf(tex, engine)
        checks.append(Check("solutions: PDF compiles", True, pdf_path.name, time.perf_counter() - t0))
    figures = [out / rel for rel in ex.figures.values()]
    return SolutionsResult(tex, pdf_path, figures, ex, checks)
