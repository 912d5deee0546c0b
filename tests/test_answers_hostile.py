"""Hostile input is refused with a clear message, and nothing of it ever runs."""

from __future__ import annotations

import builtins
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from derive.answers import AnswerError, RefusedInput, TooExpensive, check_answer, get_question, parse_answer
from derive.answers.parser import MAX_LENGTH
from derive.cli import main


@pytest.fixture(scope="module")
def warmed_up() -> None:
    """Every question checked once, right and wrong, so that everything is imported and compiled."""
    from derive.answers.catalogue import all_questions
    from derive.answers.equivalence import check

    for q in all_questions():  # the references, built in this process (the checks' children inherit them)
        check(q, parse_answer(q.examples["numpy"], q), "", np.random.default_rng(0), 1, n_exact=1)
    for qid, text in [("softmax.initial_loss", "exp(exp(c))"), ("noisy.R", "sigma * theta @ theta"),
                      ("softmax.grad_W", "(Y - softmax(X @ W.T + b, axis=1)).T @ X")]:
        check_answer(qid, text)


@pytest.fixture
def nothing_may_run(warmed_up: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Make every way of running code or commands raise (the answer must never reach them).

    Imports and the derived functions' one-off ``lambdify`` use ``exec`` legitimately,
    so everything is warmed up (imported, compiled) before the primitives are patched.
    """
    assert main(["check-answer", "noisy.R", "sigma**2 * theta @ theta"]) == 0
    capsys.readouterr()

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("user text reached an execution primitive")

    for name in ("system", "popen", "execv", "execve", "remove", "unlink"):
        monkeypatch.setattr(os, name, forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)


def _hostile(marker: Path) -> dict[str, tuple[str, str]]:
    """name -> (answer, fragment of the refusal message)."""
    m = str(marker)
    return {
        "import os.system": (f"__import__('os').system('touch {m}')", "dunder names"),
        "import pathlib": (f"__import__('pathlib').Path('{m}').touch()", "dunder names"),
        "subclasses walk": ("().__class__.__bases__[0].__subclasses__()", "not allowed"),
        "dunder attribute": ("theta.__class__", "attribute '__class__'"),
        "private attribute": ("theta._data", "attribute '_data'"),
        "method call": (f"theta.tofile('{m}')", "not allowed"),
        "lambda": ("(lambda: theta)()", "lambda"),
        "list comprehension": ("[t for t in theta]", "comprehensions"),
        "dict comprehension": ("{t: 1 for t in theta}", "comprehensions"),
        "generator": ("sum(t for t in theta)", "generator"),
        "walrus": ("(t := theta)", "assignment"),
        "f-string": ("f'{theta}'", "f-strings"),
        "string literal": (f"'{m}'", "only numbers"),
        "huge power tower": ("2**10**10", "exponent"),
        "huge exponent": ("theta**999999", "exponent"),
        "overflowing constant": ("(10**12)**60", "too large"),
        "huge literal": ("10" * 30, "too large"),
        "huge allocation": ("ones(10**9)", "allocate"),
        "huge eye": ("eye(100000)", "allocate"),
        "megabyte string": ("theta + " * 200_000 + "theta", "characters long"),
        "deep parentheses": ("(" * 900 + "theta" + ")" * 900, "nested"),
        "deep unary minus": ("-" * 1900 + "theta", "parts"),
        "latex huge exponent": (r"\theta^{99999}", "exponent"),
        "latex tower": (r"\sigma^{2^{2^{2^{2}}}}", "exponent"),
        "latex deep braces": ("{" * 500 + r"\theta" + "}" * 500, "nested"),
        "NUL byte": ("theta\x00", "NUL"),
    }


HOSTILE_NAMES = list(_hostile(Path("m")))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_input_is_refused_and_nothing_runs(name: str, tmp_path: Path, nothing_may_run: None) -> None:
    marker = tmp_path / "marker"
    text, fragment = _hostile(marker)[name]
    with pytest.raises(AnswerError) as info:
        check_answer("noisy.R", text)
    assert fragment in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["import os.system", "lambda", "huge allocation", "megabyte string"])
def test_hostile_input_exits_2_from_the_cli(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            nothing_may_run: None) -> None:
    marker = tmp_path / "marker"
    text, fragment = _hostile(marker)[name]
    assert main(["check-answer", "noisy.R", text]) == 2
    err = capsys.readouterr().err
    assert "refused" in err and fragment in err
    assert not marker.exists()


def test_the_refusals_are_refusals_not_parse_errors() -> None:
    with pytest.raises(RefusedInput, match="dunder"):
        parse_answer("__import__('os')", get_question("noisy.R"))
    with pytest.raises(RefusedInput, match=f"limit is {MAX_LENGTH}"):
        parse_answer("theta+" * MAX_LENGTH, get_question("noisy.R"))


def test_the_guard_fixture_itself_catches_execution(nothing_may_run: None) -> None:
    # the fixture must be able to fail: calling a patched primitive raises
    with pytest.raises(AssertionError, match="execution primitive"):
        os.system("true")


EQUIVALENT, NOT_EQUIVALENT, BAD_INPUT, TOO_EXPENSIVE = 0, 1, 2, 3

#: answers built to exhaust time or memory, crash or mislead the checker: (question, answer, exit status).
#: Sizes are checked before anything is built; every answer has a time, memory and work budget (the
#: SymPy step included); over budget is "too expensive to check" (3), never "not equivalent" (1), and
#: nothing ends in a traceback.
EXPENSIVE_CORPUS = {
    "outer of two 20000-vectors": ("noisy.R", "outer(ones(20000), ones(20000))", TOO_EXPENSIVE),
    "outer of outers": ("noisy.R", "sum(outer(outer(theta, theta), outer(theta, theta)))", TOO_EXPENSIVE),
    "eye of a size product": ("noisy.R", "sum(eye(N * d * 300))", TOO_EXPENSIVE),
    "eye of 5000": ("noisy.R", "sum(eye(5000))", BAD_INPUT),
    "allocation through a size": ("noisy.R", "sum(ones(N**30))", TOO_EXPENSIVE),
    "allocation through sizes": ("noisy.ridge_gradient", "ones(N * d * N * d * 1000) @ ones(N * d * N * d * 1000)"
                                 " * theta", TOO_EXPENSIVE),
    "twelve nested sums": ("noisy.R", "sum_j " * 12 + "sigma", TOO_EXPENSIVE),
    "112-character nested sums": ("noisy.R", "sum_j sum_k sum_j sum_k sum_j sum_k sum_j sum_k sum_j sum_k sum_j sum_k X[j, k] * theta[k] * y[j] * sigma", TOO_EXPENSIVE),
    "nested sums of outer products": ("noisy.R", "sum_j sum_j sum_j sum(outer(X[j], X[j]) @ outer(X[j], X[j]))",
                                      TOO_EXPENSIVE),
    "stacked outer products": ("distances.expansion", "sum(outer(outer(X[a], Z[b]), outer(X[a], Z[b])))",
                               TOO_EXPENSIVE),
    "softmax of a huge matrix": ("softmax.grad_W", "softmax(outer(ones(2000), ones(2000)))[0:c, 0:n]",
                                 TOO_EXPENSIVE),
    "tower of exponentials of a size": ("softmax.initial_loss", "exp(exp(exp(exp(exp(c)))))", NOT_EQUIVALENT),
    "tower of exponentials of sigma": ("noisy.R", "exp(exp(exp(exp(exp(sigma))))) * theta @ theta", NOT_EQUIVALENT),
    "high power of a sum": ("noisy.R", "(sigma + theta @ theta + y @ y)**64", NOT_EQUIVALENT),
    "exp of the largest constant": ("noisy.R", "exp(1e12) * sigma", NOT_EQUIVALENT),
    "log of zero": ("noisy.R", "log(0 * sigma) + sigma**2 * theta @ theta", NOT_EQUIVALENT),
    "division by zero": ("noisy.ridge_gradient", "theta / 0", NOT_EQUIVALENT),
    "singular inverse": ("noisy.ridge_minimiser", "inv(outer(theta, theta)) @ theta", NOT_EQUIVALENT),
    "mismatched solve": ("noisy.ridge_minimiser", "solve(eye(d), ones(N))", NOT_EQUIVALENT),
    "largest allowed allocation": ("noisy.R", "sum(ones(100000)) * sigma", NOT_EQUIVALENT),
    "index out of range": ("noisy.R", "theta[d] * sigma", NOT_EQUIVALENT),
    "sum bound past the end": ("noisy.R", r"\sigma^2 \sum_{k=1}^{d+5} \theta_k^2", NOT_EQUIVALENT),
    "dead huge term": ("noisy.R", "sigma**2 * theta @ theta + 0 * (sigma + theta @ theta)**64", EQUIVALENT),
    "constant allocation over the cap": ("noisy.R", "sum(zeros(10**6))", BAD_INPUT),
    "power tower": ("noisy.R", "2**10**10", BAD_INPUT),
    "deep nesting": ("noisy.R", "(" * 60 + "sigma" + ")" * 60, BAD_INPUT),
    "size gate": ("noisy.R", "sigma**2 * theta @ theta * (N < 1000)", BAD_INPUT),
}


@pytest.mark.parametrize("name", EXPENSIVE_CORPUS)
def test_expensive_and_crashing_answers_get_their_exit_status(name: str, capsys: pytest.CaptureFixture[str],
                                                             nothing_may_run: None) -> None:
    qid, text, status = EXPENSIVE_CORPUS[name]
    assert main(["check-answer", qid, "--", text]) == status
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    if status == TOO_EXPENSIVE:
        assert "too expensive to check" in err and "no verdict" in err


def test_too_expensive_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-answer", "--json", "noisy.R", "outer(ones(20000), ones(20000))"]) == TOO_EXPENSIVE
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "too_expensive" and "400,000,000 entries" in doc["error"]


def test_sizes_are_checked_before_anything_is_built_on_both_paths() -> None:
    import numpy as np

    from derive.answers.evaluate import evaluate
    from derive.answers.to_sympy import to_sympy

    q = get_question("noisy.R")
    tree = parse_answer("outer(ones(20000), ones(20000))", q)
    with pytest.raises(TooExpensive, match="400,000,000 entries"):
        evaluate(tree, {"N": 1, "d": 1}, ranges=q.ranges)
    with pytest.raises(TooExpensive, match="400,000,000 entries"):
        to_sympy(tree, {"N": 1, "d": 1}, ranges=q.ranges)
    tree = parse_answer("sum(outer(outer(theta, theta), outer(theta, theta)))", q)
    theta = np.ones(40)
    with pytest.raises(TooExpensive, match="2,560,000 entries"):
        evaluate(tree, {"theta": theta}, ranges=q.ranges)


def test_the_time_budget_stops_a_slow_check() -> None:
    from derive.answers.budget import run_bounded

    with pytest.raises(TooExpensive, match="took more than"):  # 1 s of CPU time, or 3 s on a loaded machine
        run_bounded(lambda: sum(range(10**12)), seconds=1)


def test_the_memory_budget_stops_a_greedy_check() -> None:
    from derive.answers.budget import run_bounded

    with pytest.raises(TooExpensive, match="memory"):
        run_bounded(lambda: bytearray(1 << 31), seconds=20, memory=1 << 28)


def test_an_internal_error_is_never_not_equivalent(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import derive.answers.equivalence as equivalence

    def broken(*args: object) -> None:
        raise KeyError("a bug of ours")

    monkeypatch.setattr(equivalence, "_numeric_stage", broken)
    assert main(["check-answer", "noisy.R", "sigma**2 * theta @ theta"]) == 4
    err = capsys.readouterr().err
    assert "internal error of the checker, no verdict: KeyError" in err


def test_symbolic_expansion_is_capped() -> None:
    import sympy as sp

    from derive.answers.to_sympy import sympy_zero

    a, b, c = sp.symbols("a b c")
    assert sympy_zero((a + b + c) ** 60 - (a + b + c) ** 60 * 1) is True  # cancels before expanding
    assert sympy_zero((a + b + c) ** 80 - (a + b) ** 80) is None  # expanding: 3321 + 81 terms, over the cap
    assert sympy_zero((a + b) ** 2 - a**2 - b**2) is False  # a small non-zero polynomial is decided
