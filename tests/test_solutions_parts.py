"""The pieces of the worked solutions that need no experiment run: steps, checks, engine, CLI errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.cli import main
from derive.core import Derivation, Step
from derive.latex import to_latex
from derive.solutions import compile as tex_compile
from derive.distances.experiment import knn_checks
from derive.hinge.experiment import HingeNumbers, hinge_checks
from derive.noisy.experiment import NoisyNumbers, noisy_checks
from derive.softmax.experiment import softmax_checks
from derive.solutions.discussion import fmt, pct, sci
from derive.solutions.experiments import run_experiments, timed_check
from derive.solutions.results import Check
from derive.solutions.steps_tex import PRINTER_SETTINGS, check_phrase, derivation_steps_latex
from derive.solutions.write import write_solutions

x = sp.Symbol("x")
N = sp.Symbol("N", integer=True, positive=True)
TOY = Derivation("toy", "A square", [
    Step("Definition.", sp.Symbol("f"), (x + 1) ** 2, check="definition"),
    Step("Expand the square.", sp.Symbol("f"), x**2 + 2 * x + 1),
    Step("Exactly at sizes.", sp.Symbol("f"), x**2 + 2 * x + 1, check="exact", sizes=[{N: 2}, {N: 3}]),
])


# -- steps --------------------------------------------------------------------------------------
def test_check_phrases() -> None:
    results = TOY.verify()
    phrases = [check_phrase(s, r, i) for i, (s, r) in enumerate(zip(TOY.steps, results, strict=True))]
    assert phrases[:2] == ["definition (not checked)", "proved for symbolic sizes"]
    assert phrases[2].startswith("checked exactly at $N = 2, 3$ and at random sizes $N = ")
    assert phrases[2].endswith("(seed 3)") and phrases[2] == check_phrase(TOY.steps[2], None, 2)


def test_a_wrong_step_is_marked_failed() -> None:
    bad = TOY.replace_step(1, Step("Expand (wrongly).", sp.Symbol("f"), x**2 + 1))
    tex = derivation_steps_latex(bad, bad.verify())
    assert tex.count(r"\textbf{FAILED}") == 2  # the wrong step, and the exact step that follows it
    assert "FAILED" not in derivation_steps_latex(TOY, TOY.verify())


def test_every_step_is_rendered_with_its_equation() -> None:
    tex = derivation_steps_latex(TOY, TOY.verify())
    assert tex.count(r"\gpstep{") == 3 and tex.count(r"\fiteq{") == 3
    for step in TOY.steps:  # printed by derive's printer, not typed
        assert f"\\fiteq{{f = {to_latex(step.rhs, **PRINTER_SETTINGS)}}}" in tex


def test_results_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match=r"expected one StepResult per step of 'toy' \(3\), got 1"):
        derivation_steps_latex(TOY, TOY.verify()[:1])


@pytest.mark.parametrize(("value", "expected"), [(1e-5, "10^{-5}"), (2e-5, r"2 \cdot 10^{-5}"), (0.5, "0.5"),
                                                 (5e-4, r"5 \cdot 10^{-4}"), (100.0, "100")])
def test_sci(value: float, expected: str) -> None:
    assert sci(value) == expected


def test_fmt_and_pct() -> None:
    assert fmt(1 / 3) == "0.3333" and fmt(2.0, 1) == "2.0"
    assert pct(0.0404) == r"4.04\,\%"


# -- checks -------------------------------------------------------------------------------------
def test_a_crashing_check_fails_with_the_error() -> None:
    def boom() -> tuple[bool, str]:
        raise RuntimeError("no luck")

    c = timed_check("boom", boom)
    assert not c.passed and c.detail == "error: RuntimeError: no luck" and c.seconds >= 0
    assert c.as_row()[:3] == ("boom", False, "error: RuntimeError: no luck")


def _softmax_record(**changes: object) -> dict:
    rec = {"n_classes": 10, "initial_loss": math.log(10) + 1e-5,
           "grad_check": {"loop": [1e-10] * 10, "fast": [2e-10] * 10},
           "loop_vs_fast": {"loss_difference": 0.0, "grad_max_abs_difference": 1e-16},
           "sgd": {"first_loss": 2.3, "mean_last_100": 0.2}, "best": {"val_accuracy": 0.9}}
    rec.update(changes)
    return rec


def _by_name(checks: list[Check]) -> dict[str, bool]:
    return {c.name: c.passed for c in checks}


def test_softmax_checks_pass_and_fail() -> None:
    rng = np.random.default_rng(0)
    good = _by_name(softmax_checks(_softmax_record(), "digits", None, rng))
    assert all(good.values()), good
    bad = _by_name(softmax_checks(_softmax_record(
        initial_loss=2.0, grad_check={"loop": [1e-3], "fast": [1e-10]},
        loop_vs_fast={"loss_difference": 1e-6, "grad_max_abs_difference": 0.0},
        sgd={"first_loss": 2.3, "mean_last_100": 2.4}), "digits", None, rng))
    assert bad == {"softmax: initial loss = log C": False, "softmax: sparse gradient check": False,
                   "softmax: loop = vectorised": False, "softmax: numerics = derived gradient": True,
                   "softmax: SGD learns": False}


def _noisy(**changes: object) -> NoisyNumbers:
    fields = {"n_samples": 10, "n_features": 2, "noise_std": 0.5, "n_draws": 100,
              "monte_carlo": ((0.5, 1.0, 1.001, 0.01),), "sigmas": (0.001, 1.0, 100.0),
              "norms": (2.0, 1.0, 3e-4), "least_squares_norm": 2.0, "asymptote_coefficient": 3.0}
    fields.update(changes)
    return NoisyNumbers(**fields)  # type: ignore[arg-type]


def test_noisy_checks_pass_and_fail() -> None:
    rng = np.random.default_rng(0)
    assert all(_by_name(noisy_checks(_noisy(), rng)).values())
    bad = _by_name(noisy_checks(_noisy(monte_carlo=((0.5, 1.0, 1.1, 0.01),), norms=(1.9, 2.0, 3e-4)), rng))
    assert bad == {"noisy: Monte Carlo = L + σ²‖θ‖²": False, "noisy: numerics = derived": True,
                   "noisy: limits σ → 0, σ → ∞": False, "noisy: ‖θ*(σ)‖ decreases": False}


def test_knn_choice_check_fails_when_the_choice_is_not_the_minimum() -> None:
    cv = {"ks": [1, 3], "norms": ["l2", "l1"], "mean": [[0.2, 0.1], [0.3, 0.05]]}
    rng = np.random.default_rng(0)
    good = _by_name(knn_checks({"cv": cv, "best_k": 3, "best": {"norm": "l1"}}, "digits", None, rng))
    bad = _by_name(knn_checks({"cv": cv, "best_k": 1, "best": {"norm": "l2"}}, "digits", None, rng))
    assert all(good.values()), good
    assert bad["kNN: CV picks the minimum"] is False and bad["kNN: vectorised = naive distances"] is True


def test_hinge_learning_check_fails_when_the_loss_rises() -> None:
    h = HingeNumbers(("3", "8"), 10, 5, 0.1, 10, first_loss=1.0, final_loss=1.2, train_accuracy=0.5,
                     test_accuracy=0.4, n_margin_below_1=10)
    checks = _by_name(hinge_checks(h, "digits", None, np.random.default_rng(0)))
    assert checks == {"hinge: numerics = derived subgradient": True, "hinge: kink value 0 is a subgradient": True,
                      "hinge: SVM learns": False}


# -- entry points: bad input ------------------------------------------------------------------
def test_run_experiments_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dataset: expected one of digits, cifar10, cifar10-subset, got .mnist."):
        run_experiments(tmp_path, dataset="mnist", progress=False)
    with pytest.raises(ValueError, match="seed: expected a non-negative integer, got -1"):
        run_experiments(tmp_path, seed=-1, progress=False)


def test_write_solutions_needs_every_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="step_results: expected results for noisy, distances, softmax, hinge, "
                                         "missing distances, softmax, hinge"):
        write_solutions(tmp_path, step_results={"noisy": []}, progress=False)


def test_cli_bad_seed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["solutions", "--seed", "-1", "--out", str(tmp_path)]) == 2
    assert "--seed: expected a non-negative integer, got -1" in capsys.readouterr().err


def test_cli_missing_cifar_says_how_to_get_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status = main(["solutions", "--dataset", "cifar10", "--data-dir", str(tmp_path / "none"),
                   "--out", str(tmp_path / "out"), "--no-progress"])
    assert status == 2
    err = capsys.readouterr().err
    assert "gradproof solutions: error:" in err and "CIFAR-10 not found" in err


# -- the TeX engine -----------------------------------------------------------------------------
def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="engine: expected one of pdflatex, lualatex, xelatex, latexmk, got 'word'"):
        tex_compile.find_engine("word")


def test_no_engine_names_the_debian_packages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tex_compile.shutil, "which", lambda name: None)
    with pytest.raises(tex_compile.TexNotFoundError, match="apt-get install texlive-latex-base"):
        tex_compile.find_engine()
    doc = tmp_path / "doc.tex"
    doc.write_text("\\documentclass{article}\\begin{document}x\\end{document}\n")
    with pytest.raises(tex_compile.TexNotFoundError, match="texlive-latex-extra"):
        tex_compile.compile_pdf(doc)


def test_cli_pdf_without_engine(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                tmp_path: Path) -> None:
    import derive.solutions

    def no_engine(*args: object, **kwargs: object) -> None:
        raise tex_compile.TexNotFoundError(tex_compile.INSTALL_HINT)

    monkeypatch.setattr(derive.solutions, "write_solutions", no_engine)
    assert main(["solutions", "--pdf", "--out", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "sudo apt-get install texlive-latex-base" in err and "the LaTeX source and figures were written" in err


def test_compile_rejects_a_non_tex_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected an existing .tex file"):
        tex_compile.compile_pdf(tmp_path / "missing.tex")
