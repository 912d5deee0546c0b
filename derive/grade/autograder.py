"""A Gradescope autograder: build the zip, and the code its ``run_autograder`` runs.

The zip holds

* ``setup.sh``: installs ``bubblewrap`` (the sandbox) and Python >= 3.11 with apt, makes a
  virtual environment in ``/opt/gradproof`` and installs gradproof from the wheel in the zip;
* ``run_autograder``: runs ``python -m derive.cli autograder run``, which grades
  ``/autograder/submission`` and writes ``/autograder/results/results.json``;
* ``rubric.toml``: the rubric the zip was built with;
* ``gradproof-<version>-py3-none-any.whl``: built at build time with ``pip wheel --no-deps``
  from a copy of the source (the checkout is left untouched).

The root ``/autograder`` is taken from ``$GRADPROOF_AUTOGRADER_ROOT`` when set (tests use
a fake tree) and the Python from ``$GRADPROOF_PYTHON``.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import derive

__all__ = ["ENV_ROOT", "build_zip", "run_autograder"]

ENV_ROOT = "GRADPROOF_AUTOGRADER_ROOT"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends bubblewrap
# gradproof needs Python >= 3.11: the system's if new enough, else the python3.11 package
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PY=python3.11
else
    apt-get install -y --no-install-recommends python3-venv
fi
"$PY" -m venv /opt/gradproof
/opt/gradproof/bin/python -m pip install --upgrade pip
/opt/gradproof/bin/python -m pip install ./gradproof-*.whl
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission, write /autograder/results/results.json.
ROOT="${GRADPROOF_AUTOGRADER_ROOT:-/autograder}"
PY="${GRADPROOF_PYTHON:-/opt/gradproof/bin/python}"
mkdir -p "$ROOT/results"
cd "$ROOT/source"  # not the submission's folder: nothing of the student's is importable by the grader
exec "$PY" -m derive.cli autograder run --root "$ROOT"
"""


def _project_root() -> Path:
    root = Path(derive.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file() or not (root / "numerics").is_dir():
        raise ValueError(f"autograder build: expected a source checkout of gradproof (pyproject.toml next to derive/), got {root}")
    return root


def _build_wheel(dest: Path) -> Path:
    """Build gradproof's wheel into ``dest`` from a copy of the sources; return its path."""
    root = _project_root()
    with tempfile.TemporaryDirectory(prefix="gradproof-wheel-") as tmp:
        src = Path(tmp) / "src"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for name in ("derive", "numerics"):
            shutil.copytree(root / name, src / name, ignore=ignore)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(root / name, src / name)
        base = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dest)]
        # offline first (the build tools already installed); else let pip fetch them
        for extra in (["--no-build-isolation"], []):
            done = subprocess.run([*base, *extra, str(src)], capture_output=True, text=True, check=False)
            if done.returncode == 0:
                break
        else:
            raise ValueError(f"autograder build: pip wheel failed:\n{(done.stderr or done.stdout)[-1500:]}")
    wheels = sorted(dest.glob("gradproof-*.whl"))
    if not wheels:
        raise ValueError("autograder build: pip wheel made no gradproof wheel")
    return wheels[-1]


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_zip(out: Path, rubric_text: str) -> list[str]:
    """Write the autograder zip to ``out`` with ``rubric_text`` as its rubric; return the names inside.

    Raises
    ------
    ValueError
        When not run from a source checkout, or the wheel cannot be built.
    """
    with tempfile.TemporaryDirectory(prefix="gradproof-autograder-") as tmp:
        wheel = _build_wheel(Path(tmp))
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w") as zf:
            _add(zf, "setup.sh", SETUP_SH.encode(), 0o755)
            _add(zf, "run_autograder", RUN_AUTOGRADER.encode(), 0o755)
            _add(zf, "rubric.toml", rubric_text.encode("utf-8"), 0o644)
            _add(zf, wheel.name, wheel.read_bytes(), 0o644)
            return zf.namelist()


def _write(results: Path, data: dict) -> None:
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def run_autograder(root: Path, *, timeout: float = 20.0, memory_mb: int = 2048, seed: int | None = None) -> dict:
    """Grade ``root/submission`` with ``root/source/rubric.toml`` (if any); write and return ``root/results/results.json``.

    The inputs are drawn with ``seed``, by default a new random one for each run (shown in the
    output), so that no submission can return answers precomputed for a known seed.

    Whatever happens (no Python file, a bad rubric, a broken submission), a results file
    is written: Gradescope shows its ``output`` to the student.
    """
    from derive.grade.grader import grade
    from derive.grade.report import gradescope
    from derive.grade.rubric_io import rubric_from
    from derive.grade.sandbox import Limits

    results = root / "results" / "results.json"
    rubric_path = root / "source" / "rubric.toml"
    try:
        rubric = rubric_from(rubric_path if rubric_path.is_file() else None)
    except ValueError as exc:
        data = {"score": 0.0, "tests": [], "output": f"The autograder's rubric is invalid (tell your instructor): {exc}"}
        _write(results, data)
        return data
    submission = root / "submission"
    # a fresh seed per submission: with a fixed one, a student could precompute every expected output at home
    # (the grader is public) and return them from a lookup table; the seed is shown, so the grade can be reproduced
    seed = secrets.randbelow(2**32) if seed is None else seed
    try:
        report = grade([submission], limits=Limits(timeout=timeout, memory_mb=memory_mb), seed=seed, rubric=rubric)
        data = gradescope(report, visibility=rubric.visibility)
        data["output"] = data["output"].replace(str(submission.resolve()) + "/", "") + f"\nInputs drawn with seed {seed}"
    except ValueError as exc:
        data = {"score": 0.0, "visibility": rubric.visibility, "tests": [],
                "output": f"Could not be graded: {str(exc).replace(str(submission) + '/', '')}"}
    except Exception as exc:  # noqa: BLE001 - Gradescope must always get a results file
        data = {"score": 0.0, "visibility": rubric.visibility, "tests": [],
                "output": f"The autograder failed on this submission (tell your instructor): {type(exc).__name__}: {exc}"}
    _write(results, data)
    return data
