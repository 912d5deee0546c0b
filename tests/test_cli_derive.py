"""``gradproof derive`` and the ``gradproof all`` runner, as a user calls them."""

from __future__ import annotations

import argparse
import json

import pytest

from derive.cli import build_parser, main
from derive.commands import all_cmd
from derive.problems import get_derivation, get_problem, problem_keys


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in ("derive", "all", "knn", "softmax", "check-answer", "grade"):
        assert name in out


def test_unknown_problem_exits_2_with_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "unknown problem 'nosuch'" in err
    for key in problem_keys():
        assert key in err


def test_get_problem_refuses_unknown_keys() -> None:
    with pytest.raises(ValueError, match="known problems: noisy"):
        get_problem("logistic")


@pytest.mark.parametrize("key", problem_keys())
def test_derive_json_per_step(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", key, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [p["problem"] for p in report] == [key]
    steps = report[0]["steps"]
    assert len(steps) == len(get_derivation(key).steps)
    assert report[0]["verified"] is True
    for s in steps:
        assert set(s) >= {"text", "latex", "status", "verified", "method", "sizes", "seed"}
        assert s["status"] in ("definition", "proved", "checked")
        assert s["verified"] is (s["status"] != "definition")
        assert s["latex"] and "=" in s["latex"]
        assert s["method"] in ("definition", "symbolic", "symbolic and positivity", "exact", "exact and numeric")


def test_derive_text_and_latex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "distances"]) == 0
    out = capsys.readouterr().out
    assert "== distances" in out and "proved: symbolic" in out and "all steps verified" in out
    assert "checked: exact" in out and "random (" in out and "definition (not checked)" in out
    assert main(["derive", "distances", "--latex"]) == 0
    tex = capsys.readouterr().out
    assert "% step 1" in tex and "\\|" in tex


def test_derive_exit_status_reports_a_failed_step(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A derivation whose step no longer follows makes ``gradproof derive`` exit 1, naming it."""
    import sympy as sp

    from derive.core import Step

    good = get_derivation("distances")
    i = next(n for n, s in enumerate(good.steps) if s.check != "definition")
    s = good.steps[i]
    bad = good.replace_step(i, Step(s.text, s.lhs, 2 * s.rhs if not isinstance(s.rhs, sp.MatrixBase) else 2 * s.rhs,
                                    why=s.why, rule=s.rule, check=s.check, sizes=s.sizes, follows=s.follows,
                                    label=s.label, assume=s.assume, simplify=s.simplify))
    import dataclasses

    import derive.problems

    real = derive.problems.get_problem("distances")
    monkeypatch.setattr("derive.problems.get_problem", lambda key: dataclasses.replace(real, derivation=lambda: bad))
    assert main(["derive", "distances", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report[0]["verified"] is False
    assert report[0]["steps"][i]["verified"] is False


def _args(**kw: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    all_cmd.configure(parser)
    return parser.parse_args(["--no-progress", *[f"--{k}={v}" for k, v in kw.items()]])


def test_all_summary_table_and_exit_status(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def crash() -> tuple[bool, str]:
        raise RuntimeError("boom")

    jobs = [all_cmd.Job("fine", lambda: (True, "ok")), all_cmd.Job("wrong", lambda: (False, "mismatch")),
            all_cmd.Job("crash", crash)]
    monkeypatch.setattr(all_cmd, "jobs_for", lambda args: jobs)
    assert all_cmd.run(_args()) == 1
    out = capsys.readouterr().out
    assert "fine" in out and "passed" in out
    assert "wrong" in out and "FAILED" in out and "mismatch" in out
    assert "RuntimeError: boom" in out
    assert "1 passed, 2 failed" in out

    monkeypatch.setattr(all_cmd, "jobs_for", lambda args: jobs[:1])
    assert all_cmd.run(_args()) == 0


def test_parser_builds_without_importing_sympy_for_numerics_commands() -> None:
    parser = build_parser()
    args = parser.parse_args(["knn", "--dataset", "digits"])
    assert args.command == "knn"
