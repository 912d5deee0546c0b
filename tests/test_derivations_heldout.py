"""The held-out-style derivation corpus (tests/data/derivations_heldout/): the files that pass today keep passing.

Only the files listed in PASSING are asserted; the others fail today and are described, with their exact
symptom, in tests/data/derivations_heldout/STATUS.md (the check-derivation owner takes them over).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.answers.derivation import check_derivation, guess_problem
from derive.answers.derivation.reader import read_rows

CORPUS = Path(__file__).parent / "data" / "derivations_heldout"
EXPECTATIONS = {e["file"]: e for e in json.loads((CORPUS / "expectations.json").read_text(encoding="utf-8"))}
#: the generic verdict that names no mistake: a wrong file's diagnosis must not be this
GENERIC = "none of the known mistakes"
OK = ("follows", "definition")

PASSING = (
    "noisy_01_align_i.tex",
    "noisy_02_unicode_zero_based.tex",
    "noisy_03_dfrac_md.md",
    "noisy_04_gradient_equation.tex",
    "noisy_05_sign_last_brackets.tex",
    "noisy_06_sigma_power.md",
    "noisy_08_dropped_1_over_n.ipynb",
    "noisy_11_ridge_lambda.tex",
    "noisy_12_norm_not_squared.md",
    "noisy_13_minimiser_factor.tex",
    "distances_01_align.tex",
    "distances_02_prime_transpose.md",
    "distances_03_matrix_entries.tex",
    "distances_04_sign.tex",
    "distances_07_unicode_sum.tex",
    "distances_08_matrix_form.tex",
    "softmax_01_align_text.tex",
    "softmax_02_ln_indicator_I.md",
    "softmax_03_Softmax_y.tex",
    "softmax_04_matrix.ipynb",
    "softmax_05_sign_flipped.tex",
    "softmax_06_bias_missing_term.md",
    "softmax_07_missing_x.tex",
    "softmax_09_mean_loss_factor.tex",
    "softmax_10_sigma_zero_based.tex",
    "hinge_01_align_bracket.tex",
    "hinge_02_subscript_indicator.md",
    "hinge_03_kink_zero_based.tex",
    "hinge_04_missing_1_over_k.tex",
    "hinge_05_sign.md",
    "hinge_08_bias_sign.tex",
    "svm_02_indicator_form.md",
    "softmax_12_sigma_times_exp.tex",
    "hinge_09_big_missing_1_over_k.tex",
)


@pytest.mark.parametrize("name", PASSING)
def test_passing_file_keeps_passing(name: str) -> None:
    e = EXPECTATIONS[name]
    text = (CORPUS / name).read_text(encoding="utf-8")
    assert guess_problem(read_rows(text)) == e["problem"]  # without --problem the same problem is checked
    result = check_derivation(text, e["problem"])
    bad = [s for s in result.steps if s.status not in OK]
    if e["first_wrong_line"] is None:
        assert not bad, result.report()
        assert result.first_wrong_line is None
    else:
        first = bad[0]
        assert (first.status, first.line) == ("wrong", e["first_wrong_line"]), result.report()
        assert result.first_wrong_line == e["first_wrong_line"]
        assert e["diagnosis"] in (first.diagnosis or "") and GENERIC not in (first.diagnosis or ""), first.diagnosis
        assert first.counterexample is not None


def test_expectations_describe_every_file_and_the_corpus_is_balanced() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".tex", ".md", ".ipynb") and p.name != "STATUS.md"}
    assert files == set(EXPECTATIONS)
    assert set(PASSING) <= files
    wrong = [e for e in EXPECTATIONS.values() if e["first_wrong_line"] is not None]
    assert len(EXPECTATIONS) >= 40 and 0.4 <= len(wrong) / len(EXPECTATIONS) <= 0.6
    assert all(e["diagnosis"] for e in wrong)
    assert {e["problem"] for e in EXPECTATIONS.values()} == {"noisy", "distances", "softmax", "hinge", "svm"}
    assert sum(name.endswith(".ipynb") for name in files) >= 2
    for e in wrong:  # the expected line exists and holds an equation
        lines = _lines(CORPUS / e["file"])
        assert "=" in lines[e["first_wrong_line"] - 1], e["file"]


def _lines(path: Path) -> list[str]:
    """The lines as check-derivation numbers them (a notebook: its markdown cells joined by blank lines)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        text = "\n\n".join("".join(c["source"]).rstrip("\n") for c in cells if c["cell_type"] == "markdown")
    return text.splitlines()
