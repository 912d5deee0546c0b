"""gradproof check-derivation: the corpus (correct and wrong derivations), formats, statuses, safety, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.answers.derivation import DerivationResult, ReadError, check_derivation
from derive.answers.derivation.reader import MAX_INPUT, read_rows
from derive.cli import main

CORPUS = Path(__file__).parent / "derivations"

#: file -> (problem, first wrong line or None, a phrase of the diagnosis, statuses in order)
EXPECTED: dict[str, tuple[str, int | None, str | None, list[str]]] = {
    "noisy_correct_lines.tex": ("noisy", None, None, ["follows"] * 6 + ["definition", "follows"]),
    "noisy_correct.ipynb": ("noisy", None, None, ["follows"] * 3),
    "noisy_sign_slip.tex": ("noisy", 5, "the sign of σ² * sum_k θ[k]² is flipped", ["follows"] * 3 + ["wrong"]),
    "noisy_dropped_1_over_n.md": ("noisy", 10, "missing 1/N", ["follows", "wrong", "follows"]),
    "noisy_norm_not_squared.tex": ("noisy", 3, "‖θ‖ where ‖θ‖² is expected", ["follows", "follows", "wrong"]),
    "softmax_correct_align.tex": ("softmax", None, None, ["follows"] * 5),
    "softmax_sign_flipped.md": ("softmax", 5, "sign flip", ["follows", "wrong"]),
    "softmax_bias_missing_term.tex": ("softmax", 2, "missing term: −Σ_j softmax_i(x^{(j)})", ["follows", "wrong"]),
    "hinge_correct.tex": ("hinge", None, None, ["follows"] * 4),
    "hinge_missing_1_over_k.tex": ("hinge", 2, "missing 1/K", ["follows", "wrong"]),
    "distances_correct.md": ("distances", None, None, ["follows"] * 4),
    "noisy_student_aligned.md": ("noisy", None, None, ["follows"] * 6 + ["definition"]),
    "softmax_student_align.tex": ("softmax", None, None, ["follows"] * 3),
    "hinge_cases_missing_1_over_k.tex": ("hinge", 2, "missing 1/K", ["follows", "wrong"]),
    "svm_correct.tex": ("svm", None, None, ["follows"] * 2),
    "svm_sign_flipped.tex": ("svm", 2, "sign flip", ["follows", "wrong"]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name: str) -> None:
    problem, first_wrong, phrase, statuses = EXPECTED[name]
    text = (CORPUS / name).read_text(encoding="utf-8")
    for given in (problem, None):  # with --problem, and guessed
        result = check_derivation(text, given)
        assert result.problem == problem
        assert [s.status for s in result.steps] == statuses, result.report()
        assert result.first_wrong_line == first_wrong
        if phrase is not None:
            wrong = next(s for s in result.steps if s.status == "wrong")
            assert phrase in (wrong.diagnosis or ""), wrong.diagnosis
            assert wrong.counterexample is not None and wrong.counterexample["sizes"]
        for s in result.steps:
            if s.status == "follows":
                assert s.method.startswith(("numerically on ", "checked exactly at sizes", "proved symbolically"))
                assert "sizes" in s.method or "symbolic" in s.method
        if given is not None:
            break  # the guessed run is the same code path; once is enough for the corpus' cost


def test_corpus_covers_every_problem_and_format() -> None:
    from derive.answers.derivation.context import context_keys
    from derive.problems import problem_keys

    assert {v[0] for v in EXPECTED.values()} == set(context_keys()) == set(problem_keys())
    assert {Path(n).suffix for n in EXPECTED} == {".tex", ".md", ".ipynb"}
    assert set(EXPECTED) == {p.name for p in CORPUS.iterdir()}


def test_a_wrong_line_that_agrees_at_small_sizes_is_caught() -> None:
    # zero at N = 1, 2, 3 and d = 1, 2: only the wide sizes show the difference
    text = r"L(\theta) = L(\theta) + (N - 1)(N - 2)(N - 3)(d - 1)(d - 2)"
    step = check_derivation(text, "noisy").steps[0]
    assert step.status == "wrong"
    assert step.counterexample["sizes"]["N"] > 3 and step.counterexample["sizes"]["d"] > 2


def test_indices_are_scoped_and_bounds_may_start_at_zero() -> None:
    text = "\n".join([
        r"\sum_{i=0}^{N-1} y_i = \sum_{j=1}^{N} y^{(j)}",
        r"\sum_{i=1}^{d} \theta_i^2 = \theta^\top\theta",  # i is now a feature index
        r"\|\theta\|^2 = \theta^T\theta",
    ])
    result = check_derivation(text, "noisy")
    assert [s.status for s in result.steps] == ["follows"] * 3, result.report()


def test_free_index_is_checked_for_its_values() -> None:
    good = r"\frac{\partial}{\partial \theta_p} \sigma^2\|\theta\|^2 = 2\sigma^2\theta_p"
    bad = r"\frac{\partial}{\partial \theta_p} \sigma^2\|\theta\|^2 = 2\sigma^2\theta_1"
    assert check_derivation(good, "noisy").steps[0].status == "follows"
    step = check_derivation(bad, "noisy").steps[0]
    assert step.status == "wrong" and "indices" in step.counterexample


def test_sum_bound_diagnosis() -> None:
    step = check_derivation(r"\sum_{j=1}^{N} y_j = \sum_{j=1}^{N-1} y_j", "noisy").steps[0]
    assert step.status == "wrong" and step.diagnosis.startswith("sum bound"), step.diagnosis


def test_notation_variants_read_the_same() -> None:
    lines = [
        r"\mathcal{L} = \sum_{j=1}^{m} \log \text{softmax}_{y^{(j)}}(x^{(j)})",
        r"\mathcal{L} = \sum_{j=1}^{m} \ln \operatorname{Softmax}_{y^{(j)}}(x^{(j)})",
        r"𝓛 = ∑_{j=1}^{m} \log σ_{y^{(j)}}(x^{(j)})",
        r"\mathcal{L} = \sum_{j=1}^{m} \left(b_{y_j} + w_{y_j}^\top x_j - \log\sum_{k=1}^{C} e^{b_k + w_k \cdot x_j}\right)",
        r"\mathcal{L} = \sum_{j=1}^{m} \log \dfrac{\exp(w_{y^{(j)}}^T x^{(j)} + b_{y^{(j)}})}{\sum_{k=1}^{c} \exp(w_k^T x^{(j)} + b_k)}",
    ]
    result = check_derivation("\n".join(lines), "softmax")
    assert [s.status for s in result.steps] == ["follows"] * len(lines), result.report()


def test_hinge_kink_is_said() -> None:
    step = check_derivation(r"\frac{\partial L}{\partial b} = -\frac{1}{K}\sum_{i=1}^{K} \mathbb{1}\{y^{(i)}"
                            r"(w^\top x^{(i)} + b) < 1\} y^{(i)}", "hinge").steps[0]
    assert step.status == "follows" and "kink" in step.method and "subgradient" in step.method


def test_unreadable_marks_the_position_and_says_what_was_expected() -> None:
    result = check_derivation("a = b\n" + r"L(\theta) = \frac{1}{N} \foo", "noisy")
    first, second = result.steps
    assert first.status == "unreadable" and "unknown symbol 'b'" in first.diagnosis  # a = ... would define a
    assert second.status == "unreadable" and "\\foo" in second.diagnosis and "^" in second.diagnosis
    assert result.exit_code == 1 and result.first_wrong_line is None
    no_claim = check_derivation("\\theta^\\top\\theta\nL = L", "noisy").steps[0]
    assert no_claim.status == "unreadable" and "expected a claim A = B" in no_claim.diagnosis


def test_undecided_over_budget_and_outside_the_rules() -> None:
    slow = check_derivation(r"\sum_{j=1}^{N} y_j = \sum_{j=1}^{N} y_j", "noisy", line_seconds=0.0).steps[0]
    assert slow.status == "undecided"
    quartic = check_derivation(r"\mathbb{E}[(\delta^\top\theta)^4] = 3\sigma^4\|\theta\|^4", "noisy").steps[0]
    assert quartic.status == "undecided" and "degree 4" in quartic.diagnosis
    huge = check_derivation(r"\sum_{j=1}^{1000000} y_1 = y_1", "noisy").steps[0]
    assert huge.status == "undecided"


def test_expectation_rule_catches_a_wrong_moment() -> None:
    good = r"\mathbb{E}[\delta^{(j)}_k \delta^{(j)}_l] = \sigma^2 \mathbb{1}\{k = l\}"
    bad = r"\mathbb{E}[\delta^{(j)}_k \delta^{(j)}_l] = \sigma^2"
    assert check_derivation(good, "noisy").steps[0].status == "follows"
    assert check_derivation(bad, "noisy").steps[0].status == "wrong"


def test_definitions_apply_to_later_lines_only() -> None:
    result = check_derivation("R = \\sigma^2\\|\\theta\\|^2\nR = \\sigma^2\\theta^\\top\\theta\nR = 2\\sigma^2", "noisy")
    assert [s.status for s in result.steps] == ["definition", "follows", "wrong"]
    assert result.first_wrong_line == 3


def test_reader_formats() -> None:
    rows = read_rows("\\[\n a = b\n\\]\nprose $c = d$ prose\n\\begin{equation}\ne = f \\label{x}\n\\end{equation}\n")
    assert [(r.line, r.text) for r in rows] == [(2, "a = b"), (4, "c = d"), (6, "e = f")]
    rows = read_rows("$$ a = b \\\\ = c $$")
    assert [r.text for r in rows] == ["a = b", "= c"]
    assert [r.line for r in read_rows("x = 1\n\n% comment\n= 2\n")] == [1, 4]


@pytest.mark.parametrize("text", [
    "", "just prose, no equals", '{"cells": 3}', '{"cells": [', "x" * (MAX_INPUT + 1), "a = b\x00",
    json.dumps({"cells": [{"cell_type": "markdown", "source": [1, 2]}]}),
])
def test_unreadable_input_raises_read_error(text: str) -> None:
    with pytest.raises(ReadError):
        check_derivation(text, "noisy")


@pytest.mark.parametrize("text", [
    "x^{" * 200 + "=1", r"\theta^{99999} = 1", "(" * 500 + "= 1", r"\frac{1}{0} = 1", r"y_{10^{30}} = 1",
    r"\sum_{j=1}^{N}\sum_{k=1}^{N}\sum_{l=1}^{N}\sum_{p=1}^{N}\sum_{q=1}^{N} y_j = 1",
    "__import__('os') = 1", r"\exp(\exp(\exp(\exp(\theta^\top\theta)))) = 1",
])
def test_hostile_lines_get_a_status_never_a_traceback(text: str) -> None:
    result = check_derivation(text, "noisy", line_seconds=2.0)
    assert result.steps and all(s.status in ("unreadable", "undecided", "wrong") for s in result.steps)


def test_cli_json_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = CORPUS / "hinge_missing_1_over_k.tex"
    assert main(["check-derivation", str(wrong), "--problem", "hinge", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"steps", "first_wrong_line"} and out["first_wrong_line"] == 2
    assert all(set(s) == {"line", "source", "status", "method", "diagnosis", "counterexample"} for s in out["steps"])
    good = CORPUS / "hinge_correct.tex"
    assert main(["check-derivation", str(good), "--problem", "hinge"]) == 0
    assert "every line follows" in capsys.readouterr().out
    assert main(["check-derivation", str(tmp_path / "missing.tex")]) == 2
    bad = tmp_path / "bad.tex"
    bad.write_bytes(b"\xff\xfe = 1")
    assert main(["check-derivation", str(bad)]) == 2
    assert main(["check-derivation", str(good), "--problem", "nope"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_notebook_rendering() -> None:
    from derive.answers import check_derivation as exported

    result = exported((CORPUS / "softmax_sign_flipped.md").read_text(encoding="utf-8"), "softmax")
    assert isinstance(result, DerivationResult)
    html, md = result._repr_html_(), result._repr_markdown_()
    assert "✓" in html and "✗" in html and "counterexample" in html and "\\(" in html
    assert "| line |" in md and "first wrong line: 5" in md and "$" in md


def test_more_ways_of_writing() -> None:
    softmax = "\n".join([
        r"P_{ji} = \text{softmax}_i(x^{(j)})",
        r"\mathcal{L} := \sum_{j=1}^{m} \log P(y = y^{(j)} \mid x^{(j)}, \theta)",
        r"\Rightarrow \nabla_{b} \mathcal{L} = (Y - P)^T \mathbf{1}",
        r"\nabla_{\tilde{W}} L(\theta) = \frac{1}{m}(P - Y)^\top \tilde{X}",  # the bias trick
        r"\nabla_{\tilde{w}_{i,n}} \mathcal{L} = \sum_{j=1}^{m} (\mathbb{1}\{y^{(j)} = i\} - P_{j,i})",
    ])
    result = check_derivation(softmax, "softmax")
    assert [s.status for s in result.steps] == ["follows"] * 5, result.report()
    hinge = r"L(w,b) = \frac{1}{K}\sum_{i=1}^{K}\max\{0, 1 - y_i(w^Tx_i + b)\}"
    assert check_derivation(hinge, "hinge").steps[0].status == "follows"
    noisy = r"$$ E[||\delta^T\theta||^2] = \sigma^2 ||\theta||^2 $$"
    assert check_derivation(noisy, "noisy").steps[0].status == "follows"


def test_svm_context() -> None:
    loss = (r"L(W) = \frac{1}{N}\sum_{i=1}^{N}\sum_{j=1}^{C} \mathbb{1}\{j \neq y_i\}\max(0, x_i^T w_j - x_i^T w_{y_i}"
            r" + \Delta) + \lambda \|W\|^2")
    assert check_derivation(loss, "svm").steps[0].status == "follows"
    no_mean = loss.replace(r"\frac{1}{N}", "")
    assert check_derivation(no_mean, "svm").steps[0].status == "wrong"
    grad_reg = r"\nabla_W \lambda\|W\|^2 = 2\lambda W"
    assert check_derivation(grad_reg, "svm").steps[0].status == "follows"
