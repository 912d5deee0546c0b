"""docs/solutions/ is what the generator writes today, and the document says what the numbers say.

The regeneration here skips the derivations' verification (``tests/test_derive_*`` prove every
step; ``gradproof all`` and ``gradproof solutions`` verify before writing) and passes results
that say "verified": the document renders each step's declared check method, so the text is
the same as after a real verification.  To refresh docs/ after a change:
``gradproof solutions --out docs/solutions --pdf``.
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

import numpy as np
import pytest

from derive.core import StepResult
from derive.distances.solution import knn_answers
from derive.problems import PROBLEMS, get_derivation, problem_keys
from derive.softmax.solution import softmax_answers
from derive.solutions import SolutionsResult, write_solutions
from derive.solutions.document import build_document
from derive.solutions.steps_tex import equation_latex
from derive.solutions.write import TEX_NAME

PROBLEM_KEYS = problem_keys()

DOCS = Path(__file__).resolve().parents[1] / "docs" / "solutions"
REFRESH = "regenerate with: gradproof solutions --out docs/solutions --pdf"


def declared_results(key: str) -> list[StepResult]:
    """'Verified' results with each step's declared method (the real verification is tested elsewhere)."""
    d = get_derivation(key)
    return [StepResult(n, s, True, s.check, "verified in tests/test_derive_*", 0.0) for n, s in enumerate(d.steps)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> SolutionsResult:
    out = tmp_path_factory.mktemp("solutions")
    return write_solutions(out, dataset="digits", seed=0, progress=False,
                           step_results={k: declared_results(k) for k in PROBLEM_KEYS})


def test_docs_are_current(generated: SolutionsResult) -> None:
    committed = DOCS / TEX_NAME
    assert committed.is_file(), f"{committed} is missing; {REFRESH}"
    new, old = generated.tex.read_text(), committed.read_text()
    if new != old:
        diff = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "committed", "generated", n=1))
        pytest.fail(f"docs/solutions/{TEX_NAME} is stale; {REFRESH}\n{diff[:4000]}")
    for rel in generated.experiments.figures.values():  # figures: present (their bytes may vary)
        assert (DOCS / rel).is_file(), f"docs/solutions/{rel} is missing; {REFRESH}"


def test_every_check_passes_and_every_figure_is_a_png(generated: SolutionsResult) -> None:
    failed = [c for c in generated.checks if not c.passed]
    assert not failed, failed
    assert len(generated.figures) == sum(len(p.figures) for p in PROBLEMS)
    for path in generated.figures:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path


def test_the_text_is_portable_and_names_the_dataset(generated: SolutionsResult) -> None:
    tex = generated.tex.read_text()
    assert tex.isascii()
    assert str(generated.tex.parent) not in tex and "/tmp" not in tex and "/home" not in tex
    assert "dataset \\textbf{digits}" in tex and "scikit-learn's bundled handwritten digits" in tex
    for key in ("samples", "error_vs_k", "error_vs_norm", "loss_curve", "lr_sweep", "shrinkage", "hinge"):
        assert f"\\includegraphics[width=" in tex and generated.experiments.figures[key] in tex


@pytest.mark.parametrize("key", PROBLEM_KEYS)
def test_every_step_is_rendered_from_derive(generated: SolutionsResult, key: str) -> None:
    tex = generated.tex.read_text()
    d = get_derivation(key)
    for s in d.steps:
        assert f"\\fiteq{{{equation_latex(d, s.lhs, s.rhs)}}}" in tex, s.text


def test_a_failed_step_is_marked_in_the_document(generated: SolutionsResult) -> None:
    results = {k: declared_results(k) for k in PROBLEM_KEYS}
    results["hinge"][3] = dataclasses.replace(results["hinge"][3], ok=False, detail="difference is x")
    derivations = {k: get_derivation(k) for k in PROBLEM_KEYS}
    tex = build_document(PROBLEMS, derivations, results, generated.experiments, generated.checks)
    assert "Some steps FAILED their check" in tex and tex.count(r"\textbf{FAILED}: difference is x") == 1


# -- answers follow the numbers ---------------------------------------------------------------
def _knn(generated: SolutionsResult, **changes: object) -> dict:
    r = {**generated.experiments.results["distances"], **changes}
    return r


def test_knn_answer_follows_the_numbers(generated: SolutionsResult) -> None:
    ex = generated.experiments
    knn = ex.results["distances"]
    base = knn_answers(knn)
    cv = knn["cv"]
    assert f"lowest at $k = {knn['best_k']}$" in base
    # a clear winner: the runner-up is further behind than the spread over folds
    flat = np.array(cv["mean"], dtype=float)
    a = cv["norms"].index("l2")
    b = cv["ks"].index(knn["best_k"])
    flat[a] += 0.5
    flat[a, b] -= 0.5
    std = np.zeros_like(flat)
    clear = _knn(generated, cv={**cv, "mean": flat.tolist(), "std": std.tolist()}, improvement_over_k1_l2=-0.01)
    text = knn_answers(clear)
    assert "more than the spread over folds" in text and "only" not in text.split("runner-up")[1][:20]
    assert "higher than\n$k = 1$" in text or "higher than $k = 1$" in text.replace("\n", " ")
    # an error that does not rise at large k
    falling = np.array(cv["mean"], dtype=float)
    falling[a, -1] = 0.0
    assert "does not rise at large $k$" in knn_answers(_knn(generated, cv={**cv, "mean": falling.tolist()}))


def test_softmax_answer_follows_the_sweep(generated: SolutionsResult) -> None:
    ex = generated.experiments
    sm = ex.results["softmax"]
    d = get_derivation("softmax")
    top = sm["sweep"][-1]
    below = [*sm["sweep"][:-1], {**top, "val_accuracy": sm["best"]["val_accuracy"] - 0.01}]
    tie = [*sm["sweep"][:-1], {**top, "val_accuracy": sm["best"]["val_accuracy"]}]
    assert "below the best" in softmax_answers(d, {**sm, "sweep": below})
    assert "ties with the best" in softmax_answers(d, {**sm, "sweep": tie})
    best_is_largest = {**sm, "best": {**sm["best"], "learning_rate": top["learning_rate"]}}
    text = softmax_answers(d, best_is_largest)
    assert "could be extended upwards" in text
