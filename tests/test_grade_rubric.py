"""The rubric: TOML parsing with clear errors, the default's 150 points, and its effect on a grade."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from grade_submissions import CS231N

from derive.cli import main
from derive.grade import Limits, grade
from derive.grade.grader import CHECKS
from derive.grade.rubric import MAX_RUBRIC_BYTES, load_rubric, parse_rubric, render_rubric
from derive.grade.rubric_io import default_rubric_text, rubric_from

SUBMISSIONS = Path(__file__).parent / "submissions"
IDS = [c.id for c in CHECKS]


def test_check_ids_are_unique_and_the_default_is_150_points() -> None:
    assert len(set(IDS)) == len(IDS)
    rubric = rubric_from(None)
    assert sum(rubric.entry(c).points for c in CHECKS if not rubric.entry(c).advisory) == 150
    assert [c.name for c in CHECKS if rubric.entry(c).advisory] == ["underflow of P[y] (advice)"] * 3


def test_the_printed_default_parses_back_to_the_default() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["rubric", "--default"]) == 0
    text = out.getvalue()
    assert text == default_rubric_text() and text.startswith("# gradproof rubric: 150 points in all.")
    parsed = parse_rubric(text, known=IDS)
    default = rubric_from(None)
    assert all(parsed.entry(c) == default.entry(c) for c in CHECKS)
    assert render_rubric(parsed, CHECKS) == text


@pytest.mark.parametrize(("text", "phrase"), [
    ('[checks."KNN.nope"]\npoints = 1\n', "unknown check 'KNN.nope'"),
    (f'[checks."{IDS[0]}"]\npoints = -1\n', "expected a finite number from 0"),
    (f'[checks."{IDS[0]}"]\npoints = nan\n', "expected a finite number from 0"),
    (f'[checks."{IDS[0]}"]\npoints = true\n', "expected a finite number from 0"),
    (f'[checks."{IDS[0]}"]\nenabled = "no"\n', "expected true or false"),
    (f'[checks."{IDS[0]}"]\nvisibility = "public"\n', "expected one of hidden, after_due_date"),
    (f'[checks."{IDS[0]}"]\npoint = 3\n', "unknown key(s) point"),
    ("[grading]\n", "unknown table(s) grading"),
    ('[gradescope]\nvisibility = "sometimes"\n', "expected one of hidden"),
    ("points = [", "expected valid TOML"),
])
def test_bad_rubrics_are_refused_with_what_was_expected(text: str, phrase: str) -> None:
    with pytest.raises(ValueError, match="rubric") as err:
        parse_rubric(text, known=IDS)
    assert phrase in str(err.value)


def test_rubric_files_are_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("#" * (MAX_RUBRIC_BYTES + 1))
    with pytest.raises(ValueError, match="at most"):
        load_rubric(big, known=IDS)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="not UTF-8"):
        load_rubric(tmp_path / "bin.toml", known=IDS)
    with pytest.raises(ValueError, match="readable"):
        load_rubric(tmp_path / "missing.toml", known=IDS)


def test_a_rubric_changes_points_switches_checks_off_and_makes_advice(tmp_path: Path) -> None:
    keep = {"KNN.predict_labels.output-generated", "KNN.predict_labels.tie-breaking", "Softmax.loss.underflow-of-p-y-advice",
            "Softmax.predict.output"}
    lines = [f'[checks."{i}"]\nenabled = false\n' for i in IDS if i not in keep]
    lines += ['[checks."KNN.predict_labels.tie-breaking"]\npoints = 10\nvisibility = "after_published"\n',
              '[checks."Softmax.loss.underflow-of-p-y-advice"]\npoints = 2\nadvisory = false\n',
              '[checks."Softmax.predict.output"]\nadvisory = true\n', '[gradescope]\nvisibility = "hidden"\n']
    path = tmp_path / "r.toml"
    path.write_text("".join(lines))
    results = tmp_path / "results.json"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["grade", str(CS231N), "--rubric", str(path), "--results-json", str(results),
                     "--timeout", "10", "--memory-mb", "1024"])
    assert code == 0
    data = json.loads(results.read_text())
    assert data["visibility"] == "hidden"
    tests = {t["name"]: t for t in data["tests"]}
    assert set(tests) == {"KNN.predict_labels: output (generated)", "KNN.predict_labels: tie-breaking",
                          "Softmax.loss: underflow of P[y] (advice)", "Softmax.predict: output"}
    assert tests["KNN.predict_labels: tie-breaking"]["max_score"] == 10
    assert tests["KNN.predict_labels: tie-breaking"]["visibility"] == "after_published"
    underflow = tests["Softmax.loss: underflow of P[y] (advice)"]  # now scored: the CS231n loss loses it
    assert underflow["max_score"] == 2 and underflow["score"] == 0 and underflow["status"] == "failed"
    assert tests["Softmax.predict: output"]["max_score"] == 0
    assert data["score"] == 15
    assert "Total: 15 / 17" in out.getvalue()


def test_required_checks_run_even_when_switched_off() -> None:
    off = "".join(f'[checks."{c.id}"]\nenabled = false\n' for c in CHECKS
                  if c.cls == "KNN" and c.name in ("output (generated)", "output (CIFAR-shaped)"))
    rubric = parse_rubric(off, known=IDS)
    report = grade([SUBMISSIONS / "all_zeros.py"], limits=Limits(timeout=10, memory_mb=1024), rubric=rubric)
    titles = {r.title: r for r in report.results}
    assert "KNN.compute_L2_distances_vectorized: output (generated)" not in titles
    assert titles["KNN.compute_L2_distances_vectorized: no loops"].message.startswith("no credit:")
    assert main(["rubric", "--check", "/no/such/rubric.toml"]) == 2
