"""The held-out-style derivation corpus (tests/data/derivations_heldout/): every file passes.

Each correct file follows on every line; each wrong one is flagged at exactly its expected first wrong line
with a diagnosis containing the expected keyword (tests/data/derivations_heldout/STATUS.md).
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

#: every file passes since branch derivcheck2 (the check-derivation engine took the failing ones over)
PASSING = tuple(sorted(EXPECTATIONS))


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
