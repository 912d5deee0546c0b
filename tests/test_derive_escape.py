"""Wrong terms hidden where the sizes a sampling checker draws never reach.

Each is planted into every exact step of every registered derivation and must be rejected:
a factor vanishing at every size up to 20 (found by its integer roots, then checked past
them), a binomial and an index-sum that vanish below 16, and gates that switch beyond
the sizes that can be evaluated exactly (then the step is *not verified*, never passed).
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from derive.problems import get_derivation, problem_keys
from derive.zero import check_exactly, escape_sizes, out_of_reach


def _plus(rhs: sp.Basic, term: sp.Expr) -> sp.Basic:
    if isinstance(rhs, sp.MatrixBase):
        return rhs + term * sp.ones(*rhs.shape)
    if getattr(rhs, "is_Matrix", False):
        return sp.MatAdd(rhs, term * sp.OneMatrix(*rhs.shape))
    return rhs + term


def _is_zero(rhs: sp.Basic) -> bool:
    return isinstance(rhs, sp.ZeroMatrix) or (isinstance(rhs, sp.MatrixBase) and rhs.is_zero_matrix) or rhs == 0


def hidden_terms(s: sp.Symbol) -> dict[str, sp.Expr]:
    j = sp.Symbol("j_hidden", integer=True)
    return {
        "vanishes on 1..20": sp.Mul(*[s - q for q in range(1, 21)]),
        "binomial(s, 16)": sp.binomial(s, 16),
        "index sum vanishing below 16": sp.Sum(sp.Mul(*[j - q for q in range(16)]), (j, 0, s - 1)),
        "gated on s > 100": sp.Piecewise((1, s > 100), (0, True)),
        "gated on s >= 10**6": sp.Heaviside(s - 10**6),
        "vanishes on 1..45": sp.Mul(*[s - q for q in range(1, 46)]),
    }


def _exact_steps() -> list[tuple[str, int]]:
    return [(key, i) for key in problem_keys() for i, st in enumerate(get_derivation(key).steps)
            if st.check == "exact"]


def _size(step) -> sp.Symbol:
    for size in step.sizes:
        for k in size:
            if isinstance(k, sp.Symbol) and k.is_integer and k.is_positive:
                return k
    raise AssertionError(f"step {step.label}: no positive size symbol")


KINDS = [*hidden_terms(sp.Symbol("s")), "times 1 + a product vanishing on 1..18"]
CASES = [(key, i, kind) for key, i in _exact_steps() for kind in KINDS]


@pytest.mark.parametrize(("key", "index", "kind"), CASES, ids=[f"{k}-{i + 1}-{n}" for k, i, n in CASES])
def test_hidden_term_is_rejected(key: str, index: int, kind: str) -> None:
    d = get_derivation(key)
    st = d.steps[index]
    s = _size(st)
    if kind.startswith("times") and not _is_zero(st.rhs):
        wrong = (1 + sp.Mul(*[s - q for q in range(1, 19)])) * st.rhs
    elif kind.startswith("times"):  # a zero right-hand side: scaling it is no mistake, add instead
        wrong = _plus(st.rhs, sp.Mul(*[s - q for q in range(1, 19)]))
    else:
        wrong = _plus(st.rhs, hidden_terms(s)[kind])
    r = d.replace_step(index, dataclasses.replace(st, rhs=wrong)).check_step(index, seed=0)
    assert not r.ok and r.status == "failed" and not r.verified, (kind, st.label, r.detail)


def test_escape_sizes_go_past_the_largest_zero() -> None:
    n, d = sp.symbols("n d", integer=True, positive=True)
    term = sp.Mul(*[n - q for q in range(1, 21)])
    sizes = escape_sizes(term, [{n: 2, d: 3}])
    assert {n: 22, d: 3} in sizes and {n: 2, d: 22} in sizes
    assert escape_sizes(n - 1, [{n: 2, d: 3}]) == []  # an ordinary bound: nothing added


def test_a_gate_out_of_reach_is_not_verified() -> None:
    n = sp.Symbol("n", integer=True, positive=True)
    assert "beyond" in out_of_reach(sp.Piecewise((1, n > 1000), (0, True)), [{n: 2}])
    assert out_of_reach(sp.Piecewise((1, n > 12), (0, True)), [{n: 2}]) is None
    r = check_exactly(sp.Piecewise((1, n > 1000), (0, True)), [{n: 2}], seed=0)
    assert not r.ok and r.detail.startswith("not verified")


def test_an_identity_on_the_integers_is_not_a_gate() -> None:
    """sin(πn) is 0 at every integer n: a true identity, checked, not refused."""
    n = sp.Symbol("n", integer=True, positive=True)
    assert out_of_reach(sp.sin(sp.pi * n), [{n: 2}]) is None
    assert check_exactly(sp.sin(sp.pi * n), [{n: 2}], seed=0).ok
