"""Hostile input is refused with a clear message, and nothing of it ever runs."""

from __future__ import annotations

import builtins
import os
import subprocess
from pathlib import Path

import pytest

from derive.answers import AnswerError, RefusedInput, check_answer, get_question, parse_answer
from derive.answers.parser import MAX_LENGTH
from derive.cli import main


@pytest.fixture
def nothing_may_run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
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


#: answers that parse but would be expensive: refused or stopped while evaluating, never hanging
EXPENSIVE = {
    "allocation through a size": ("ones(N**30)", "entries (limit"),
    "nested sums": ("sum_j " * 12 + "sigma", "budget"),
}


@pytest.mark.parametrize("name", EXPENSIVE)
def test_expensive_answers_are_stopped(name: str, nothing_may_run: None) -> None:
    text, fragment = EXPENSIVE[name]
    result = check_answer("noisy.R", text)
    assert not result.equivalent
    assert fragment in result.diagnosis


def test_symbolic_expansion_is_capped() -> None:
    import sympy as sp

    from derive.answers.to_sympy import sympy_zero

    a, b, c = sp.symbols("a b c")
    assert sympy_zero((a + b + c) ** 60 - (a + b + c) ** 60 * 1) is True  # cancels before expanding
    assert sympy_zero((a + b + c) ** 80 - (a + b) ** 80) is None  # expanding: 3321 + 81 terms, over the cap
    assert sympy_zero((a + b) ** 2 - a**2 - b**2) is False  # a small non-zero polynomial is decided
