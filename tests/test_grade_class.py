"""``gradproof grade-class``: a small class in Gradescope's export layout with known mistakes.

One correct submission, one missing 1/N, one with a wrong sign, one whose ``Softmax.loss``
hangs, one with a syntax error, one empty folder; two submissions under the same name
(one of them hostile HTML).  The CSV, the summary and the report are checked exactly.
The rubric switches the CIFAR-sized checks off (105 of 150 points remain), which keeps the test fast.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from derive.cli import main
from derive.grade.grader import CHECKS
from derive.grade.roster import discover, read_metadata

SUBMISSIONS = Path(__file__).parent / "submissions"
#: the CIFAR-sized checks are off (a fast test; they are tested one submission at a time elsewhere)
OFF = ("output (CIFAR-shaped)", "no loops", "speed-up")
RUBRIC = "".join(f'[checks."{c.id}"]\nenabled = false\n' for c in CHECKS if c.name in OFF)
HOSTILE = "<script>alert(1)</script>"
METADATA = f"""\
submission_1001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2024-01-01 10:00:00.000000000 -08:00
  :score: 0.0
submission_1002:
  :submitters:
  - :name: Alan Turing
    :email: alan@example.edu
  - :name: Grace Hopper
    :email: grace@example.edu
submission_1003:
  :submitters:
  - :name: "{HOSTILE}"
    :email: kurt@example.edu
submission_1004:
  :submitters:
  - :name: Emmy Noether
    :email: emmy@example.edu
submission_1005:
  :submitters:
  - :name: "{HOSTILE}"
    :email: john@example.edu
submission_1006:
  :submitters:
  - :name: alan turing
    :email: alan.turing@example.edu
"""
FAST = "Softmax.fast_loss_and_grad"
LOSS = "Softmax.loss"
#: id -> the scored checks that fail (every other check gets its points)
FAILING: dict[str, set[str]] = {
    "1001": set(),
    "1002": {f"{FAST}: output (generated)", f"{FAST}: stability (large scores)"},
    "1003": {f"{LOSS}: output (generated)", f"{LOSS}: stability (large scores)"},
    "1006": {f"{FAST}: output (generated)", f"{FAST}: stability (large scores)", "Softmax.train: learns"},
}
SCORED = [c for c in CHECKS if not c.advisory and c.name not in OFF]


def _export(root: Path) -> Path:
    folder = root / "export"
    folder.mkdir()
    (folder / "submission_metadata.yml").write_text(METADATA, encoding="utf-8")
    layout = {"1001": ["reference"], "1002": ["softmax_missing_n", "reference"], "1003": ["softmax_hang_loss", "reference"],
              "1006": ["softmax_sign", "reference"]}
    for sid, names in layout.items():
        sub = folder / f"submission_{sid}"
        sub.mkdir()
        for i, name in enumerate(names):  # the student's file first (files are graded in name order)
            shutil.copy(SUBMISSIONS / f"{name}.py", sub / ("homework.py" if i == 0 else f"{name}.py"))
    (folder / "submission_1004").mkdir()
    (folder / "submission_1004" / "homework.py").write_text("class KNN:\n    def train(self, X, y)\n        pass\n")
    (folder / "submission_1005").mkdir()
    return folder


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("class")
    export = _export(root)
    (root / "rubric.toml").write_text(RUBRIC)
    out = root / "out"
    code = main(["grade-class", str(export), "--out", str(out), "--jobs", "2", "--timeout", "3", "--memory-mb", "1024",
                 "--rubric", str(root / "rubric.toml")])
    assert code == 0
    return out


def _score(sid: str) -> float:
    if sid in ("1004", "1005"):
        return 0.0
    return float(sum(c.points for c in SCORED if c.title not in FAILING[sid]))


def test_grades_csv_is_exact(graded_class: Path) -> None:
    rows = list(csv.reader((graded_class / "grades.csv").open(encoding="utf-8")))
    assert rows[0] == ["id", "names", "emails", "score", "max_score", *(c.title for c in SCORED)]
    who = {"1001": ("Ada Lovelace", "ada@example.edu"), "1002": ("Alan Turing; Grace Hopper", "alan@example.edu; grace@example.edu"),
           "1003": (HOSTILE, "kurt@example.edu"), "1004": ("Emmy Noether", "emmy@example.edu"),
           "1005": (HOSTILE, "john@example.edu"), "1006": ("alan turing", "alan.turing@example.edu")}
    expected = []
    for sid, (names, emails) in who.items():
        points = [0.0 if sid in ("1004", "1005") or c.title in FAILING[sid] else c.points for c in SCORED]
        expected.append([sid, names, emails, f"{_score(sid):g}", f"{sum(c.points for c in SCORED):g}", *(f"{p:g}" for p in points)])
    assert rows[1:] == expected


def test_summary_json_is_exact(graded_class: Path) -> None:
    summary = json.loads((graded_class / "summary.json").read_text())
    mean = sum(_score(s) for s in ("1001", "1002", "1003", "1004", "1005", "1006")) / 6
    assert summary["submissions"] == 6 and summary["mean"] == round(mean, 4) == 65.5
    checks = {c["name"]: c for c in summary["checks"]}
    assert list(checks) == [c.title for c in CHECKS if c.name not in OFF]
    for c in SCORED:
        failed = 2 + sum(c.title in FAILING[s] for s in FAILING)  # 1004 and 1005 fail everything
        assert checks[c.title]["failed"] == failed, c.title
    assert checks[f"{FAST}: output (generated)"]["diagnoses"] == {
        "missing 1/N": 1, "the gradient is the reference times −1 (wrong sign)": 1}
    assert summary["diagnoses"] == [
        {"text": "missing 1/N", "count": 1, "submissions": ["1002"]},
        {"text": "the gradient is the reference times −1 (wrong sign)", "count": 1, "submissions": ["1006"]},
    ]


def test_per_submission_results_and_feedback(graded_class: Path) -> None:
    for sid in ("1001", "1002", "1003", "1004", "1005", "1006"):
        results = json.loads((graded_class / sid / "results.json").read_text())
        assert results["score"] == _score(sid)
        assert (graded_class / sid / "feedback.txt").read_text().startswith(f"Submission {sid} (")
    hang = json.loads((graded_class / "1003" / "results.json").read_text())
    loss = [t["output"] for t in hang["tests"] if t["name"].startswith(f"{LOSS}:")]
    assert loss[0].startswith("timed out: still running")
    assert {o.removeprefix("advice (no points): ") for o in loss[1:]} == {"not run: timed out in an earlier check"}
    empty = json.loads((graded_class / "1005" / "results.json").read_text())
    assert empty["tests"] == [] and "the folder is empty" in empty["output"]
    feedback = (graded_class / "1001" / "feedback.txt").read_text()
    assert "Total: 105 / 105" in feedback and str(graded_class.parent) not in feedback


def test_report_names_mistakes_duplicates_and_ungradeable(graded_class: Path) -> None:
    md = (graded_class / "report.md").read_text()
    assert "6 submissions; mean score 65.5 / 105." in md
    assert "### 1 × missing 1/N\n\nSubmissions: 1002.\n\nExample: submission 1002, Softmax.fast_loss_and_grad: output (generated):" in md
    assert "### 1 × the gradient is the reference times −1 (wrong sign)" in md
    assert f"| {FAST}: output (generated) | 4 | 67 % |" in md
    assert "## Names on more than one submission\n\n" f"- {HOSTILE}: submissions 1003, 1005\n- Alan Turing: submissions 1002, 1006\n" in md
    ungradeable = md.split("## Submissions that could not be graded\n\n")[1].splitlines()
    assert len(ungradeable) == 2
    assert ungradeable[0].startswith("- 1004: homework.py could not be imported:") and "SyntaxError: expected ':'" in ungradeable[0]
    assert ungradeable[1] == "- 1005: the submission has no .py file (the folder is empty)"
    page = (graded_class / "report.html").read_text()
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('src="data:image/png;base64,') == 2
    for png in ("score_histogram.png", "failure_rate.png"):
        assert (graded_class / png).read_bytes().startswith(b"\x89PNG")


def test_plain_folders_and_bad_metadata(tmp_path: Path) -> None:
    (tmp_path / "plain" / "bob").mkdir(parents=True)
    (tmp_path / "plain" / ".hidden").mkdir()
    (tmp_path / "plain" / "alice").mkdir()
    layout, subs = discover(tmp_path / "plain")
    assert layout == "folders" and [(s.id, s.names) for s in subs] == [("alice", ("alice",)), ("bob", ("bob",))]
    bad = tmp_path / "bad.yml"
    bad.write_text("submission_1: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ValueError, match="expected Gradescope's submission metadata"):
        read_metadata(bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ValueError, match="expected a mapping"):
        read_metadata(bad)
    with pytest.raises(ValueError, match="got a path that does not exist"):
        discover(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    assert main(["grade-class", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2


def test_a_metadata_entry_without_folder_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "submission_metadata.yml").write_text("submission_7:\n  :submitters:\n  - :name: Ghost\n")
    layout, subs = discover(tmp_path)
    assert layout == "gradescope" and subs[0].id == "7" and subs[0].names == ("Ghost",)
    assert subs[0].missing == "the metadata lists submission_7 but the export has no such folder"


def test_ungradeable_reads_typed_fields_not_section_text(tmp_path: Path) -> None:
    """Why a submission could not be graded comes from UnitStatus fields; a section text that merely
    looks like one ("found…", "could not…") changes nothing."""
    from derive.grade.classgrade import Graded
    from derive.grade.grader import CheckResult, GradeReport, UnitStatus
    from derive.grade.roster import Submission

    sub = Submission("s1", tmp_path, names=("Ada",), emails=("a@x",))

    def graded(units: dict[str, UnitStatus], sections: dict[str, str] | None = None, results: tuple = ()) -> Graded:
        return Graded(sub, GradeReport(("h.py",), sections or {u: s.text for u, s in units.items()}, results, units=units), None, 0.0)

    found = graded({"KNN": UnitStatus(True, "/x/h.py"), "Softmax": UnitStatus(False)}, {"KNN": "not found", "Softmax": "not found"})
    assert found.ungradeable is None
    lying = graded({"KNN": UnitStatus(False)}, {"KNN": "found in h.py (could not be imported: x)"})
    assert lying.ungradeable == "defines none of the graded classes and functions (KNN)"
    broken = graded({"KNN": UnitStatus(False, import_errors=("h.py could not be imported: SyntaxError",))})
    assert broken.ungradeable == "h.py could not be imported: SyntaxError"
    not_run = graded({"KNN": UnitStatus(False, not_run=True), "Softmax": UnitStatus(False, not_run=True)})
    assert not_run.ungradeable == "could not be graded: the submission could not be run"
    fatal = CheckResult("KNN", "train", "x", 0.0, 5.0, False, "importing the submission failed: timed out", failure="import")
    assert graded({"KNN": UnitStatus(False)}, results=(fatal,)).ungradeable == "importing the submission failed: timed out"
