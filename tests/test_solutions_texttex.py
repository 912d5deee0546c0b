"""Unicode sentences as pdfLaTeX-safe text (derive.solutions.texttex)."""

from __future__ import annotations

import pytest

from derive.problems import get_derivation, problem_keys
from derive.solutions.texttex import text_to_latex

#: input -> expected LaTeX
CASES: dict[str, str] = {
    "plain text": "plain text",
    "E[δδᵀ] = σ²I": r"E[\ensuremath{\delta\delta^{\top}}] = \ensuremath{\sigma^{2}}I",
    "x⁽ʲ⁾ᵀθ": r"\ensuremath{x^{(j)\top}\theta}",
    "δ⁽ʲ⁾_k": r"\ensuremath{\delta^{(j)}_{k}}",
    "‖θ‖₂²": r"\ensuremath{\|\theta\|_{2}^{2}}",
    "L̃(θ)": r"\ensuremath{\tilde{L}}(\ensuremath{\theta})",
    "w_(i,p) and w_{i,p}": r"\ensuremath{w_{i,p}} and \ensuremath{w_{i,p}}",
    "Y_ji - P_ji": r"\ensuremath{Y_{ji}} - \ensuremath{P_{ji}}",
    "snake_case": r"snake\_case",
    "θ*(σ)": r"\ensuremath{\theta^{*}}(\ensuremath{\sigma})",
    "a * b": "a * b",
    "x~ = [x; 1]": r"\ensuremath{\tilde{x}} = [x; 1]",
    "E[δ⁽ʲ'⁾]": r"E[\ensuremath{\delta^{(j')}}]",
    "100% & #1 {set} $5": r"100\% \& \#1 \{set\} \$5",
    "a — b – c …": r"a --- b -- c \dots{}",
    "``(1/K) Σ_i f_i``": r"(1/K) \ensuremath{\Sigma_{i}} \ensuremath{f_{i}}",
    "1{p < 1}": r"1\{p \ensuremath{<} 1\}",
    "café": "cafe",
}


@pytest.mark.parametrize(("text", "expected"), list(CASES.items()))
def test_cases(text: str, expected: str) -> None:
    assert text_to_latex(text) == expected


@pytest.mark.parametrize("key", problem_keys())
def test_every_derivation_sentence_becomes_ascii(key: str) -> None:
    d = get_derivation(key)
    for s in d.steps:
        for text in (s.text, s.why):
            out = text_to_latex(text)
            assert out.isascii(), (text, out)
            assert out.count("{") - out.count(r"\{") == out.count("}") - out.count(r"\}"), out
    assert text_to_latex(d.title).isascii()


def test_unknown_character_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"no LaTeX for the character '☃' \(U\+2603 SNOWMAN\)"):
        text_to_latex("a snowman ☃")


def test_not_a_string() -> None:
    with pytest.raises(ValueError, match="expected a str, got int"):
        text_to_latex(3)  # type: ignore[arg-type]
