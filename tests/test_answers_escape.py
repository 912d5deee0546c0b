"""A tiny term times a size polynomial that vanishes at every size the exact stage draws.

``1e-50 · (N − 1)…(N − 6)`` is zero at N ≤ 6 (the exact instances) and far below float64's
resolution at any other size, so neither stage alone sees it. The exact stage adds sizes past
the zeros of every size-only part of the answer (:func:`derive.answers.switches.escape_sizes`).
"""

from __future__ import annotations

import pytest

from derive.answers.catalogue import get_question
from derive.answers.parser import parse_expression
from derive.answers.switches import escape_sizes
from derive.cli import main

WRONG = [
    ("noisy.R", "sigma**2 * theta @ theta + 1e-50*(N-1)*(N-2)*(N-3)*(N-4)*(N-5)*(N-6)"),
    ("noisy.R", "sigma**2 * theta @ theta * (1 + 1e-40*(N-1)*(N-2)*(N-3)*(N-4)*(N-5)*(N-6)*(N-7))"),
    ("noisy.R", "sigma**2 * theta @ theta + 1e-50*(N-1)*(N-2)*(N-3)*(N-2*3)*(N-7)*(d-1)*(d-2)*(d-3)*(d-4)*(d-5)*(d-6)*(d-7)"),
    ("noisy.ridge_gradient", "2/N * X.T @ (X @ theta - y) + 2*sigma**2*theta + 1e-45*(d-1)*(d-2)*(d-3)*(d-4)*(d-5)*(d-6)*(d-7)*(d-8)"),
    ("noisy.expected_loss", "mean((y - X @ theta)**2) + sigma**2 * theta @ theta + 2**-60*(N-1)*(N-2)*(N-3)*(N-4)*(N-5)*(N-6)*(N-7)*(N-8)*(N-9)"),
]

RIGHT = [
    ("noisy.R", "sigma**2 * theta @ theta * (N - 1 + 1) / N"),
    ("noisy.R", "sigma**2 * theta @ theta + 0*(N-1)*(N-2)*(N-3)*(N-4)*(N-5)*(N-6)*(N-7)"),
]


@pytest.mark.parametrize(("qid", "answer"), WRONG)
def test_tiny_term_behind_a_vanishing_size_polynomial_is_wrong(qid: str, answer: str, capsys) -> None:
    assert main(["check-answer", qid, answer]) == 1
    assert "WRONG" in capsys.readouterr().out


@pytest.mark.parametrize(("qid", "answer"), RIGHT)
def test_a_harmless_size_factor_stays_correct(qid: str, answer: str, capsys) -> None:
    assert main(["check-answer", qid, answer]) == 0
    assert "CORRECT" in capsys.readouterr().out


def test_escape_sizes_reach_past_the_zeros() -> None:
    q = get_question("noisy.R")
    tree = parse_expression("1e-50*(N-1)*(N-2)*(N-3)*(N-4)*(N-5)*(N-6)*(N-7)*(d-1)*(d-2)*(d-3)*(d-4)*(d-5)*(d-6)*(d-7)",
                            q.vocabulary())
    points = escape_sizes(tree, q)
    low = {n: lo for n, (lo, _) in q.sizes.items()}
    assert {**low, "N": 9} in points and {**low, "d": 9} in points and {**low, "N": 9, "d": 9} in points
    assert escape_sizes(parse_expression("sigma**2 * theta @ theta / N", q.vocabulary()), q) == []
