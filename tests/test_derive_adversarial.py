"""An adversarial corpus: wrong steps built to pass a checker that samples a few small sizes.

Each wrong step is planted into a copy of a real derivation (``Derivation.replace_step``) and
must be rejected: size-gated terms, polynomial factors that vanish at small sizes, tiny
constants, a factor 1.0000000001, a term wrong only above size 12, a term wrong only for some
range of sigma.  Only the planted step is checked (``check_step``), so the corpus stays fast.
Which symbol gates the planted terms comes from the problem's battery
(``Battery.derivation_size`` / ``derivation_parameter`` in ``tests/battery/<key>.py``), so a new
problem needs no line here.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import sympy as sp

from battery import BATTERIES
from derive.cli import main
from derive.core import Derivation, Step, StepResult
from derive.problems import get_derivation, get_problem, problem_keys

def _size(d: Derivation, key: str) -> sp.Symbol:
    """The size symbol whose value gates or scales each planted term (the battery's ``derivation_size``)."""
    name = BATTERIES[key].derivation_size
    for s in d.steps:
        for sym in getattr(s.rhs, "free_symbols", set()) | getattr(s.lhs, "free_symbols", set()):
            if isinstance(sym, sp.Symbol) and sym.name == name and sym.is_integer:
                return sym
    if name is not None:
        raise AssertionError(f"{key}: the battery names the size symbol {name!r}, which no step has")
    for s in d.steps:  # a battery that names none: the derivation's first positive integer symbol
        for sym in sorted(getattr(s.rhs, "free_symbols", set()), key=str):
            if isinstance(sym, sp.Symbol) and sym.is_integer and sym.is_positive:
                return sym
    raise AssertionError(f"{key}: no size symbol")


def _added(rhs: sp.Basic, term: sp.Expr) -> sp.Basic:
    """``rhs + term`` for a scalar, ``rhs + term * ones`` for a matrix."""
    if isinstance(rhs, sp.MatrixBase):
        return rhs + term * sp.ones(*rhs.shape)
    if getattr(rhs, "is_Matrix", False):
        return sp.MatAdd(rhs, term * sp.OneMatrix(*rhs.shape))
    return rhs + term


def _scaled(rhs: sp.Basic, factor: sp.Expr) -> sp.Basic:
    return factor * rhs


def wrong_versions(rhs: sp.Basic, s: sp.Symbol, sigma: sp.Symbol | None) -> dict[str, sp.Basic]:
    """The corpus: every way of being wrong only where a sampling checker does not look."""
    out = {
        "factor (s-1)(s-2)(s-3)": _added(rhs, (s - 1) * (s - 2) * (s - 3)),
        "times 1 + (s-2)(s-3)": _scaled(rhs, 1 + (s - 2) * (s - 3)) if not _is_zero(rhs)
        else _added(rhs, (s - 2) * (s - 3)),
        "plus 1e-50 (rational)": _added(rhs, sp.Rational(1, 10**50)),
        "plus 1e-50 (float)": _added(rhs, sp.Float("1e-50")),
        "times 1.0000000001": _scaled(rhs, sp.Float(1.0000000001)) if not _is_zero(rhs)
        else _added(rhs, sp.Float(1e-10)),
        "gated on s > 12": _added(rhs, sp.Piecewise((1, s > 12), (0, True))),
        "gated on s == 15": _added(rhs, sp.KroneckerDelta(s, 15)),
        "vanishes on 1..6": _added(rhs, sp.Mul(*[s - q for q in range(1, 7)])),
    }
    if sigma is not None:
        out["gated on 0.8 < sigma < 1.3"] = _added(rhs, sp.Piecewise((1, (sigma > sp.Rational(4, 5))
                                                                        & (sigma < sp.Rational(13, 10))), (0, True)))
        out["gated on sigma > 1000"] = _added(rhs, sp.Heaviside(sigma - 1000))
    return out


def _is_zero(rhs: sp.Basic) -> bool:
    return isinstance(rhs, sp.ZeroMatrix) or (isinstance(rhs, sp.MatrixBase) and rhs.is_zero_matrix) or rhs == 0


def _targets(key: str) -> list[int]:
    """Every exact step, and the first two checked symbolic steps, of a derivation."""
    d = get_derivation(key)
    exact = [i for i, s in enumerate(d.steps) if s.check == "exact"]
    symbolic = [i for i, s in enumerate(d.steps)
                if s.check == "symbolic" and not isinstance(s.rhs, sp.ImageSet)][:2]
    return exact + symbolic


def _sigma(d: Derivation, key: str) -> sp.Symbol | None:
    """The real parameter planted terms are gated on too (the battery's ``derivation_parameter``), if any."""
    name = BATTERIES[key].derivation_parameter
    if name is None:
        return None
    found = next((x for s in d.steps for x in getattr(s.rhs, "free_symbols", set())
                  if isinstance(x, sp.Symbol) and x.name == name), None)
    assert found is not None, f"{key}: the battery names the parameter {name!r}, which no step has"
    return found


CASES = [(key, i, name) for key in problem_keys() for i in _targets(key)
         for name in wrong_versions(sp.Integer(1), sp.Symbol("s"),
                                    sp.Symbol("sigma") if BATTERIES[key].derivation_parameter else None)]


@pytest.mark.parametrize(("key", "index", "kind"), CASES, ids=[f"{k}-{i + 1}-{n}" for k, i, n in CASES])
def test_planted_wrong_step_is_rejected(key: str, index: int, kind: str) -> None:
    d = get_derivation(key)
    s = d.steps[index]
    wrong = wrong_versions(s.rhs, _size(d, key), _sigma(d, key))[kind]
    bad = d.replace_step(index, dataclasses.replace(s, rhs=wrong))
    r = bad.check_step(index, seed=0)
    assert not r.ok and r.status == "failed" and not r.verified, (kind, s.label, r.method, r.detail)


def test_the_real_steps_pass_the_same_checks() -> None:
    """The corpus's targets pass unmodified (the rejections above are the planted terms' doing)."""
    for key in problem_keys():
        d = get_derivation(key)
        for i in _targets(key):
            assert d.check_step(i, seed=0).verified, (key, i)


def test_wrong_minimiser_is_caught_by_stationarity() -> None:
    """The minimiser with (N + (N-1)(N-2)(N-3)) sigma^2 I: right at N = 1, 2, 3 only."""
    d = get_derivation("noisy")
    i = [s.label for s in d.steps].index("minimiser")
    s = d.steps[i]
    N = _size(d, "noisy")
    wrong = s.rhs.xreplace({N: N + (N - 1) * (N - 2) * (N - 3)})
    assert wrong != s.rhs
    bad = d.replace_step(i, dataclasses.replace(s, rhs=wrong))
    j = [t.label for t in d.steps].index("stationary")
    r = bad.check_step(j, seed=0)
    assert r.status == "failed" and "non-zero" in r.detail


@pytest.mark.parametrize("factor", ["2", "N", "(N-1)(N-2)(N-3)"])
def test_wrong_hessian_is_not_proved_positive_definite(factor: str) -> None:
    d = get_derivation("noisy")
    i = [s.label for s in d.steps].index("hessian_pd")
    s = d.steps[i]
    N = _size(d, "noisy")
    f = {"2": 2, "N": N, "(N-1)(N-2)(N-3)": (N - 1) * (N - 2) * (N - 3)}[factor]
    v = s.nonzero
    wrong = s.rhs + f * v.T * v  # a different right-hand side: the identity fails
    r = d.replace_step(i, dataclasses.replace(s, rhs=wrong)).check_step(i, seed=0)
    assert r.status == "failed"


def test_an_indefinite_right_hand_side_is_not_certified() -> None:
    """Even a true identity is refused as 'positive' when the right-hand side is not certified positive."""
    n = sp.Symbol("n", integer=True, positive=True)
    A, v = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("v", n, 1)
    q = v.T * A * v
    d = Derivation("t", "t", [Step("Q.", sp.Symbol("Q"), q, check="definition"),
                              Step("Positive?", sp.Symbol("Q"), q, check="positive", nonzero=v)])
    r = d.verify()[1]
    assert r.status == "failed" and "could not show" in r.detail


@pytest.mark.parametrize("key", problem_keys())
def test_cli_exits_1_naming_the_planted_step(key: str, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    d = get_derivation(key)
    i = _targets(key)[0]
    s = d.steps[i]
    bad = d.replace_step(i, dataclasses.replace(s, rhs=wrong_versions(s.rhs, _size(d, key), _sigma(d, key))
                                                ["gated on s > 12"]))
    real = get_problem(key)
    monkeypatch.setattr("derive.problems.get_problem", lambda k: dataclasses.replace(real, derivation=lambda: bad))
    assert main(["derive", key]) == 1
    out = capsys.readouterr().out
    assert f"{i + 1:>2}. {s.text}" in out and "FAILED" in out and "VERIFICATION FAILED" in out


def test_status_and_verified_semantics_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "noisy", "--json", "--seed", "3"]) == 0
    report = json.loads(capsys.readouterr().out)[0]
    d = get_derivation("noisy")
    statuses = {s["label"]: s["status"] for s in report["steps"]}
    for step, s in zip(d.steps, report["steps"], strict=True):
        assert s["status"] in ("definition", "proved", "checked")
        assert s["verified"] is (s["status"] in ("proved", "checked"))
        assert s["status"] == {"definition": "definition", "symbolic": "proved", "positive": "proved",
                               "exact": "checked"}[step.check]
        if s["status"] == "checked":
            assert s["seed"] == 3000 + s["n"] and s["random_sizes"] >= 2
            assert len(s["sizes"]) >= len(step.sizes) + s["random_sizes"]
            assert max(max(z.values()) for z in s["sizes"]) >= 13
        else:
            assert s["sizes"] == [] and s["seed"] is None
    assert statuses["minimiser"] == "definition" and statuses["hessian_pd"] == "proved"
    assert report["counts"]["failed"] == 0 and report["verified"] is True


def test_output_is_deterministic_for_a_seed(capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for seed in ("5", "5", "6"):
        assert main(["derive", "softmax", "--json", "--seed", seed]) == 0
        outs.append([(s["sizes"], s["seed"]) for s in json.loads(capsys.readouterr().out)[0]["steps"]])
    assert outs[0] == outs[1] and outs[0] != outs[2]


def test_legacy_step_result_status() -> None:
    s = Step("x", 1, 1, check="definition")
    assert StepResult(0, s, True, "definition", "", 0.0).status == "definition"
    assert not StepResult(0, s, True, "definition", "", 0.0).verified
    assert StepResult(0, s, True, "exact", "", 0.0).status == "checked"
    assert StepResult(0, s, True, "symbolic", "", 0.0).status == "proved"
    assert StepResult(0, s, False, "symbolic", "", 0.0).status == "failed"
    with pytest.raises(ValueError, match="status"):
        StepResult(0, s, True, "symbolic", "", 0.0, status="probably")
