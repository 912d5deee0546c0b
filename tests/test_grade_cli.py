"""``gradproof grade``: the reference gets full marks; the Gradescope JSON; exit statuses."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from derive.cli import main
from derive.grade import CHECKS

SUBMISSIONS = Path(__file__).parent / "submissions"


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    """Grade a folder holding a copy of the reference submission, through the CLI."""
    folder = tmp_path_factory.mktemp("submission")
    shutil.copy(SUBMISSIONS / "reference.py", folder / "homework.py")
    results = folder.parent / "results.json"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["grade", str(folder), "--results-json", str(results), "--timeout", "10", "--memory-mb", "1024", "--seed", "3"])
    return code, out.getvalue(), json.loads(results.read_text())


def test_the_reference_gets_full_marks(reference_run: tuple[int, str, dict]) -> None:
    code, text, results = reference_run
    assert code == 0
    assert "Total: 150 / 150" in text and "✗" not in text
    assert results["score"] == 150


def test_results_json_is_gradescope_format(reference_run: tuple[int, str, dict]) -> None:
    _, _, results = reference_run
    assert set(results) == {"score", "visibility", "tests", "output"}
    assert [t["name"] for t in results["tests"]] == [c.title for c in CHECKS]
    for t, check in zip(results["tests"], CHECKS, strict=True):
        assert set(t) == {"name", "status", "score", "max_score", "output", "visibility"}
        assert t["status"] == "passed" and t["score"] == t["max_score"] == (0 if check.advisory else check.points)
    assert sum(t["max_score"] for t in results["tests"]) == 150
    assert "KNN: 50 / 50" in results["output"] and "Total: 150 / 150" in results["output"]
    assert "linear_svm: 34 / 34" in results["output"] and "LinearSVM: 16 / 16" in results["output"]


def test_terminal_report_lists_class_method_and_check(reference_run: tuple[int, str, dict]) -> None:
    _, text, _ = reference_run
    assert "KNN (found in homework.py)  50 / 50" in text
    assert "  compute_L2_distances_vectorized\n" in text
    assert "✓ no loops" in text


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["no/such/file.py"], "does not exist"),
        ([str(SUBMISSIONS / "conftest.py")], "found none of these names"),
        ([str(Path(__file__).parent.parent / "pyproject.toml")], "expected a .py file, got .toml"),
        ([str(SUBMISSIONS / "reference.py"), "--timeout", "0"], "timeout: expected a positive"),
    ],
)
def test_usage_errors_exit_2(args: list[str], phrase: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", *args]) == 2
    assert phrase in capsys.readouterr().err


def test_a_failing_submission_still_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "r.json"
    assert main(["grade", str(SUBMISSIONS / "crash_import.py"), "--results-json", str(results)]) == 0
    data = json.loads(results.read_text())
    assert data["score"] == 0 and all(t["status"] == "failed" for t in data["tests"])
    assert "✗" not in capsys.readouterr().out  # classes not graded are one line each, not a list of ✗


def test_an_interrupted_grading_still_writes_results(tmp_path: Path) -> None:
    """SIGTERM while a check hangs: exit 128 + 15, results.json says why, the sandbox is gone."""
    import os
    import signal
    import subprocess
    import sys
    import time

    marker = f"gpi{os.getpid() % 10**8}"
    (tmp_path / "hang.py").write_text(  # names its process (comm) with the marker, then hangs
        f"import ctypes\nctypes.CDLL(None).prctl(15, b'{marker}', 0, 0, 0)\n"
        "class KNN:\n    def train(self, X, y):\n        while True:\n            pass\n")
    results = tmp_path / "results.json"
    proc = subprocess.Popen([sys.executable, "-m", "derive.cli", "grade", str(tmp_path / "hang.py"),
                             "--results-json", str(results), "--timeout", "30"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    def named(pid: str) -> bool:
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip() == marker
        except OSError:
            return False

    deadline = time.monotonic() + 60
    while not any(p.isdigit() and named(p) for p in os.listdir("/proc")) and time.monotonic() < deadline:
        time.sleep(0.1)  # until the sandboxed child is running the student's code
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    data = json.loads(results.read_text())
    assert data["score"] == 0 and "interrupted (SIGTERM)" in data["output"]
    assert [p for p in os.listdir("/proc") if p.isdigit() and named(p)] == []


def test_an_internal_error_still_writes_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import derive.grade

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(derive.grade, "grade", broken)
    results = tmp_path / "r.json"
    assert main(["grade", str(SUBMISSIONS / "reference.py"), "--results-json", str(results)]) == 3
    data = json.loads(results.read_text())
    assert data["score"] == 0 and "internal error of the grader (RuntimeError: a bug of ours)" in data["output"]
    assert "internal error" in capsys.readouterr().err


def test_a_usage_error_still_writes_results(tmp_path: Path) -> None:
    results = tmp_path / "r.json"
    assert main(["grade", str(SUBMISSIONS / "conftest.py"), "--results-json", str(results)]) == 2
    data = json.loads(results.read_text())
    assert data["score"] == 0 and "found none of these names" in data["output"]
