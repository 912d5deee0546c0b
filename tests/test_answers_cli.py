"""``gradproof check-answer``: output, ``--list``, ``--json`` and the exit codes."""

from __future__ import annotations

import json

import pytest

from derive.answers import QUESTIONS
from derive.cli import main


def test_right_answer_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "noisy.ridge_gradient", "2/N * X.T @ (X @ theta - y) + 2 * sigma**2 * theta"]) == 0
    out = capsys.readouterr().out
    assert "CORRECT" in out and "parsed:   2 / N * X.T @ (X @ theta - y)" in out


def test_wrong_answer_exits_1_with_diagnosis_and_counterexample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "softmax.grad_w_i", "sum_j 1{y_j = i} * x_j"]) == 1
    out = capsys.readouterr().out
    assert "WRONG" in out and "missing term: the −softmax term" in out
    assert "smallest counterexample (data rounded for display):" in out and "sizes: m=1" in out
    assert "expected:" in out and "got:" in out


def test_answer_starting_with_minus_after_double_dash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "hinge.grad_b", "--", "-sum(y * (y * (X @ w + b) < 1)) / K"]) == 0


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "--json", "noisy.R", "sigma * theta @ theta"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"question", "answer", "equivalent", "method", "diagnosis", "counterexample", "parsed"}
    assert doc["equivalent"] is False and doc["method"] == "numeric"
    assert doc["mistake"] == "sigma_power" and "σ^1 where σ^2" in doc["diagnosis"]
    assert doc["parsed"] == "sigma * theta @ theta"
    assert set(doc["counterexample"]) >= {"sizes", "values", "expected", "got"}


def test_json_right_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "--json", "softmax.grad_W", r"(Y - P)^\top X"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["equivalent"] is True and doc["method"] == "exact" and doc["counterexample"] is None
    assert doc["parsed"] == "(Y - P).T @ X"


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "--list"]) == 0
    out = capsys.readouterr().out
    for q in QUESTIONS:
        assert f"{q.id}: " in out
    assert "X: (N, d) inputs" in out and "sigma: scalar > 0" in out
    assert "y: (m,) labels in 0..c-1" in out and "P: (m, c) softmax probabilities" in out
    assert "i: class index" in out and "j: sample index, bound in sums" in out
    assert "numpy  (Y - P).T @ X" in out


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "--list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [q["id"] for q in doc] == [q.id for q in QUESTIONS]
    first = doc[0]
    assert set(first) == {"id", "prompt", "shape", "symbols", "examples"}
    assert set(first["examples"]) == {"numpy", "index", "latex"}


#: argv -> fragment of the error message (exit 2 for each)
ERRORS = {
    ("check-answer", "noisy.R"): "expected QUESTION and ANSWER",
    ("check-answer", "no.such", "1"): "unknown question 'no.such'",
    ("check-answer", "noisy.R", "theta +"): "parse error at column",
    ("check-answer", "noisy.R", r"\sigma^2 \foo"): r"unsupported LaTeX command \foo",
    ("check-answer", "noisy.R", "(lambda: 0)()"): "refused",
    ("check-answer", "--instances", "0", "noisy.R", "1"): "--instances: expected 1..500",
}


@pytest.mark.parametrize("argv", ERRORS, ids=lambda a: " ".join(a[1:]))
def test_errors_exit_2(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(list(argv)) == 2
    assert ERRORS[argv] in capsys.readouterr().err


def test_parse_error_in_json_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "--json", "noisy.R", "theta +"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "parse" and "column" in doc["error"]


def test_syntax_option_forces_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    # "sigma" is a name in the numpy syntax but not LaTeX (there it would be s·i·g·m·a)
    assert main(["check-answer", "--syntax", "latex", "noisy.R", "sigma^2"]) == 2
    assert "unknown symbol 's'" in capsys.readouterr().err
    assert main(["check-answer", "--syntax", "numpy", "noisy.R", "sigma**2 * theta @ theta"]) == 0
