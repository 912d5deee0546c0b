"""The grader as a security boundary: a corpus of hostile submissions (tests/hostile_submissions).

Every submission attacks the grader in one way: forging results.json, escaping
through /proc, daemons, subclassing the project's reference, symbolic links, signals,
floods, forged protocol messages, huge or malformed arrays, hangs...  For each, graded
through the CLI with small limits:

* the grader returns normally (exit status 0) and prints a total;
* results.json is valid, matches the printed total, and still does after a pause
  (no daemon rewrote it), and names the isolation;
* the score is at most what the do-nothing stub (`_stub.py`) gets (speed-up checks
  aside: between two methods that do nothing, the ratio is noise);
* no process carrying the submission's marker is left, no file appeared outside
  the sandbox (the canary path, marker files), the grader's source is unchanged;
* and the attack's own expected outcome (below) is reported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from derive.cli import main

HOSTILE = Path(__file__).parent / "hostile_submissions"
PROJECT = Path(__file__).resolve().parent.parent
HELPERS = ("_stub.py", "_hostile.py")
CASES = sorted(p.stem for p in HOSTILE.glob("*.py") if not p.name.startswith("_") and p.name != "conftest.py")
#: grading options: small limits keep the corpus fast
OPTIONS = ["--timeout", "1.5", "--memory-mb", "1024", "--seed", "1"]
#: a secret in the grader's environment that no submission may read
SECRET = "gradproof-secret-" + uuid.uuid4().hex
#: cases whose attack acts after grading: results.json is read again after this pause
LATE = {"daemon_double_fork": 1.0, "daemon_subprocess_sleep": 0.3, "forge_results_via_proc_cmdline": 0.3, "fork_bomb": 0.3}

#: cases refused before grading (exit status 2) -> a phrase of the reason
USAGE_ERRORS = {"symlinked_submission": "symbolic link"}
VEC_SPEED = "KNN.compute_L2_distances_vectorized: speed-up"
#: case -> (check title or "section", phrase its message must contain; "a|b": either)
EXPECT: dict[str, list[tuple[str, str]]] = {
    "subclass_numerics_reference": [("section", "No module named 'numerics'")],
    "import_derive_grader": [("section", "No module named 'derive'")],
    "project_on_sys_path": [("section", "No module named 'numerics'")],
    "exec_project_source": [("section", "FileNotFoundError")],
    "symlinked_submission": [("section", "symbolic link")],  # refused before grading: exit status 2
    "symlinked_helper_folder": [("section", "No module named 'lib'")],
    "read_host_files": [("KNN.compute_distances: output (generated)", "LOOT: (at")],
    "network_access": [("KNN.compute_distances: output (generated)", "REACHED=[]")],
    "forge_fast_timing": [(VEC_SPEED, "")],
    "patch_clocks": [(VEC_SPEED, "")],
    "daemon_exec_in_method": [("KNN.compute_distances: other norms", "")],
    "memory_one_process": [("KNN.compute_distances: output (generated)", "MemoryError")],
    "multiprocessing_pool": [("KNN.compute_distances: output (generated)", "")],
    "forge_huge_array_header": [("KNN.compute_distances: other norms", "protocol")],
    "forge_object_dtype": [("KNN.compute_distances: other norms", "only boolean, integer and float arrays")],
    "forge_many_references": [("KNN.compute_distances: other norms", "more than the limit")],
    "many_references_big_array": [("KNN.compute_distances: other norms", "more than the limit"),
                                  ("KNN.compute_L2_distances_vectorized: output (generated)", "")],
    "forge_inconsistent_shape": [("KNN.compute_distances: other norms", "array shape")],
    "malformed_json": [("KNN.compute_distances: other norms", "not JSON")],
    "deep_json_nesting": [("KNN.compute_distances: other norms", "protocol")],
    "huge_line": [("KNN.compute_distances: other norms", "protocol")],
    # its "ready" and the real one: either it named a file outside the submission, or the two collided
    "forge_ready_event": [("KNN.compute_distances: output (generated)", "not found in the submission|protocol")],
    "forge_old_protocol_events": [("section", "protocol")],
    "sys_exit_at_import": [("section", "sys.exit(0)")],
    "os_exit_at_import": [("section", "exited with status 0")],
    "infinite_loop_at_import": [("section", "timed out")],
    "infinite_loop_in_method": [("KNN.predict_labels: output (generated)", "timed out")],
    "busy_signal_handlers": [("section", "timed out")],
    "raw_stderr_forever": [("KNN.predict_labels: output (generated)", "timed out")],
    "segfault_at_import": [("section", "SIGSEGV")],
    "recursion_and_hostile_exceptions": [("KNN.compute_distances: output (generated)", "RecursionError"),
                                         ("KNN.compute_L2_distances_vectorized: output (generated)", "Evil"),
                                         ("KNN.predict_labels: output (generated)", "ValueError: mmmm")],
    "hostile_return_values": [("KNN.compute_distances: output (generated)", "")],
    "close_protocol_fds": [("section", "could not be graded")],
    "redirect_protocol_fd": [("section", "closed its channel")],
    "kill_every_process": [("section", "SIGKILL")],
    "svm_ndarray_subclass": [("linear_svm.svm_loss_vectorized: output (generated)", "the loss: expected"),
                             ("LinearSVM.train: learns", "classifies only"), ("LinearSVM.predict: output", "expected")],
    "svm_odd_values": [("linear_svm.svm_loss_naive: output (generated)", "NaN"),
                       ("linear_svm.svm_loss_vectorized: output (generated)", "expected a float, got an array of shape (2,)"),
                       ("LinearSVM.train: learns", "generator")],
    "svm_fork_sleep_snoop": [("linear_svm.svm_loss_naive: output (generated)", "the output is all zeros"),
                             ("linear_svm.svm_loss_vectorized: output (generated)", "the loss: expected")],
    "softmax_hostile_outputs": [("Softmax.grad_check_sparse: tells a right gradient from a wrong one", "cannot tell a wrong gradient"),
                                ("Softmax.train: learns", "generator"), ("Softmax.__init__: W shape and scale", "std")],
}


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def _prepare(case: str, folder: Path, values: dict[str, str]) -> Path:
    """The case's submission in ``folder`` (with its helpers); the path to grade."""
    folder.mkdir()
    for helper in HELPERS:
        (folder / helper).write_text(_fill((HOSTILE / helper).read_text(), values))
    path = folder / f"{case}.py"
    path.write_text(_fill((HOSTILE / f"{case}.py").read_text(), values))
    if case == "symlinked_submission":
        path.unlink()
        path.symlink_to(PROJECT / "tests" / "submissions" / "reference.py")
    elif case == "symlinked_helper_folder":
        (folder / "lib").symlink_to(PROJECT / "tests" / "submissions", target_is_directory=True)
    elif case == "helper_module_shadowing":
        (folder / "json.py").write_text("def dumps(*a, **k):\n    return 'hijacked'\ndef loads(*a, **k):\n    return {}\n")
    return path


def _grade(path: Path, results: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["grade", str(path), "--results-json", str(results), *OPTIONS])
    return code, out.getvalue(), err.getvalue()


def _processes_with(marker: str) -> list[int]:
    found = []
    needle = marker.encode()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if needle in f.read():
                        found.append(int(name))
            except OSError:
                pass
    return found


def _source_digest() -> str:
    h = hashlib.sha256()
    for p in sorted((PROJECT / "derive" / "grade").glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()


def _messages(results: dict, title: str) -> str:
    if title == "section":
        return results["output"] + "\n" + "\n".join(t["output"] for t in results["tests"])
    return next(t["output"] for t in results["tests"] if t["name"] == title)


@pytest.fixture(scope="module", autouse=True)
def _probes_built_once() -> Iterator[None]:
    """Build each check's probe once per seed for the whole corpus (its reference values cost ~0.6 s a grading).

    Only the inputs' construction is shared; every submission is still run and judged afresh.
    """
    import derive.grade.grader as grader

    def cached(probe: Callable[[np.random.Generator], Any]) -> Callable[[np.random.Generator], Any]:
        built: dict[str, Any] = {}

        def build(rng: np.random.Generator) -> Any:
            key = json.dumps(rng.bit_generator.state, sort_keys=True, default=str)
            if key not in built:
                built[key] = probe(rng)
            return built[key]

        return build

    original = grader.CHECKS
    grader.CHECKS = [dataclasses.replace(c, probe=cached(c.probe)) if c.probe is not None else c for c in original]
    try:
        yield
    finally:
        grader.CHECKS = original


def _score(results: dict) -> float:
    """The score without the speed-up checks (for methods that do nothing, their ratio is noise)."""
    return sum(t["score"] for t in results["tests"] if not t["name"].endswith(": speed-up"))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, bubblewrap: None) -> float:
    """The score of the do-nothing stub (speed-up aside): no attack may score more."""
    folder = tmp_path_factory.mktemp("baseline")
    shutil.copy(HOSTILE / "_stub.py", folder / "_stub.py")
    (folder / "stub.py").write_text("from _stub import KNN\n")
    code, text, _ = _grade(folder / "stub.py", folder / "results.json")
    assert code == 0
    return _score(json.loads((folder / "results.json").read_text()))


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 45
    for case in CASES:  # each attack says what it does
        assert (HOSTILE / f"{case}.py").read_text().startswith('"""'), case


@dataclass
class Attack:
    """One hostile submission prepared and graded: what came out, and what to check afterwards."""

    case: str
    marker: str
    results: Path
    canary: Path
    path: Path
    before: str
    code: int = 0
    text: str = ""
    err: str = ""
    raw: bytes = b""

    @classmethod
    def run(cls, case: str, tmp_path: Path) -> Attack:
        marker = "gphostile" + uuid.uuid4().hex[:12]
        results, canary = tmp_path / "results.json", tmp_path / f"canary-{marker}"
        values = {"MARKER": marker, "RESULTS": str(results), "PROJECT": str(PROJECT), "CANARY": str(canary)}
        attack = cls(case, marker, results, canary, _prepare(case, tmp_path / "submission", values), _source_digest())
        attack.code, attack.text, attack.err = _grade(attack.path, results)
        attack.raw = results.read_bytes()
        return attack

    @property
    def data(self) -> dict:
        return json.loads(self.raw)

    def assert_nothing_left(self) -> None:
        """results.json unchanged after the attack's delay; no marked process, no file outside, the source intact."""
        time.sleep(LATE.get(self.case, 0.0))
        assert self.results.read_bytes() == self.raw, "results.json was changed after grading"
        assert _processes_with(self.marker) == []
        assert not self.canary.exists()
        for folder in ("/", "/tmp", "/var/tmp", "/dev/shm", "/usr", str(PROJECT), str(Path.home())):
            assert not (Path(folder) / f"hostile-{self.marker}").exists()
        assert _source_digest() == self.before, "the grader's source was modified"


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_submission_gains_nothing_and_leaves_nothing(case: str, tmp_path: Path, baseline: float,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADPROOF_TEST_SECRET", SECRET)
    attack = Attack.run(case, tmp_path)
    data = attack.data
    if case in USAGE_ERRORS:  # not graded at all: no score, the reason in results.json
        assert attack.code == 2 and data["score"] == 0 and USAGE_ERRORS[case] in data["output"], (attack.code, data)
        attack.assert_nothing_left()
        return
    assert attack.code == 0, attack.err
    printed = re.search(r"^Total: ([0-9.]+) / ", attack.text, re.MULTILINE)
    assert printed is not None, attack.text[-2000:]
    assert data["score"] == float(printed.group(1)) == sum(t["score"] for t in data["tests"])
    assert _score(data) <= baseline, f"{case} scored {_score(data)} > {baseline} (the stub's score)"
    assert "Sandbox: bubblewrap" in data["output"]
    assert SECRET not in attack.text and SECRET not in attack.raw.decode()
    attack.assert_nothing_left()
    assert not any(p.suffix == ".bin" for p in attack.path.parent.iterdir())  # the disk fillers wrote only in the sandbox
    for title, phrase in EXPECT.get(case, []):
        message = _messages(data, title)
        if title != "section":
            assert next(t for t in data["tests"] if t["name"] == title)["status"] == "failed"
        assert any(p in message for p in phrase.split("|")), f"{case}: expected {phrase!r} in {title!r}, got:\n{message[:1500]}"


#: attacks on the weaker isolation: it must still kill daemons and keep the results file
FALLBACK_CASES = ["daemon_double_fork", "daemon_subprocess_sleep", "fork_bomb", "memory_helpers", "signal_the_parent",
                  "write_grader_source", "forge_results_guessed_path", "forge_huge_array_header"]


@pytest.mark.parametrize("case", FALLBACK_CASES)
def test_the_unprivileged_user_fallback_contains_the_process_attacks(case: str, tmp_path: Path, baseline: float,
                                                                     unprivileged_user: None) -> None:
    attack = Attack.run(case, tmp_path)
    assert attack.code == 0, attack.err
    assert _score(attack.data) <= baseline and "Sandbox: unprivileged-user" in attack.data["output"]
    attack.assert_nothing_left()
