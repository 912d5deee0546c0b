"""``gradproof autograder build``: the zip is built, unpacked into a fake /autograder tree and run.

``run_autograder`` runs with the gradproof *from the wheel in the zip* (on ``PYTHONPATH``,
ahead of the checkout) and the test's Python for the dependencies; the root comes from
``$GRADPROOF_AUTOGRADER_ROOT``.  ``setup.sh`` (apt-get, a venv) is not run here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from derive.cli import main
from derive.grade.grader import CHECKS

SUBMISSIONS = Path(__file__).parent / "submissions"
KEEP = {"KNN.predict_labels.output-generated", "Softmax.fast_loss_and_grad.output-generated", "Softmax.predict.output"}


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake /autograder: source/ unpacked from the built zip; the wheel unpacked in site/."""
    tmp = tmp_path_factory.mktemp("autograder")
    rubric = tmp / "rubric.toml"
    rubric.write_text("".join(f'[checks."{c.id}"]\nenabled = false\n' for c in CHECKS if c.id not in KEEP))
    zip_path = tmp / "autograder.zip"
    assert main(["autograder", "build", "--out", str(zip_path), "--rubric", str(rubric)]) == 0
    root = tmp / "root"
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        assert names[:3] == ["setup.sh", "run_autograder", "rubric.toml"] and names[3].startswith("gradproof-")
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        zf.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)
    with zipfile.ZipFile(root / "source" / names[3]) as wheel:
        wheel.extractall(tmp / "site")
    return root


def _run(root: Path, files: dict[str, str]) -> dict:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    for name, src in files.items():
        shutil.copy(SUBMISSIONS / src, root / "submission" / name)
    site = root.parent / "site"
    env = {**os.environ, "GRADPROOF_AUTOGRADER_ROOT": str(root), "GRADPROOF_PYTHON": sys.executable, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import derive; print(derive.__file__)"], env=env, cwd=root, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(site))  # the wheel's gradproof, not the checkout's
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, cwd=root, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_grades_a_submission_with_its_rubric(autograder: Path) -> None:
    """One test (the zip is built once per worker): a graded submission, then an empty one."""
    results = _run(autograder, {"hw.py": "softmax_sign.py", "reference.py": "reference.py"})
    assert [t["name"] for t in results["tests"]] == ["KNN.predict_labels: output (generated)",
                                                      "Softmax.fast_loss_and_grad: output (generated)", "Softmax.predict: output"]
    assert results["score"] == 9 and [t["status"] for t in results["tests"]] == ["passed", "failed", "passed"]
    assert "wrong sign" in results["tests"][1]["output"]
    results = _run(autograder, {})  # an empty submission still gets a results file
    assert results["score"] == 0 and results["tests"] == [] and "Could not be graded" in results["output"]


def test_each_autograder_run_draws_its_own_seed_and_shows_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed seed would let a student precompute every expected output at home and return it from a table."""
    import derive.grade.grader as grader
    from derive.grade.autograder import run_autograder

    seeds: list[int] = []

    def fake_grade(paths, *, limits, seed, rubric):  # noqa: ANN001, ANN202 - records the seed, grades nothing
        seeds.append(seed)
        return grader.GradeReport(("x.py",), {}, ())

    monkeypatch.setattr(grader, "grade", fake_grade)
    (tmp_path / "submission").mkdir()
    outputs = [run_autograder(tmp_path)["output"] for _ in range(3)]
    assert len(set(seeds)) == 3
    assert all(f"Inputs drawn with seed {s}" in out for s, out in zip(seeds, outputs, strict=True))
    assert run_autograder(tmp_path, seed=7) and seeds[-1] == 7
