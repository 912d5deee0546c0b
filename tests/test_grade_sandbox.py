"""The sandbox: student code runs in a limited child process, and nothing it does takes the grader down."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from derive.grade.check import call, new, npy
from derive.grade.sandbox import Limits, Task, run_tasks

STUDENT = textwrap.dedent(
    """
    import ctypes, os, sys
    import numpy as np

    with open("written-at-import.txt", "w") as f:  # lands in the sandbox's working folder
        f.write("hello")

    class A:
        def double(self, x):
            return 2 * x, float(x.sum())
        def hang(self):
            while True:
                pass
        def abort(self):
            os.abort()
        def segfault(self):
            return ctypes.string_at(0)
        def leave(self):
            sys.exit(3)
        def vanish(self):
            os._exit(4)
        def hog(self):
            blocks = []
            while True:
                blocks.append(np.empty(10**8))
        def chatter(self):
            for _ in range(5000):
                print("x" * 1000)
            os.write(1, b"y" * 3_000_000)
            return 1.0
        def strange(self):
            return object()
        def mutate(self, x):
            x[:] = 0
            return x
        def raise_(self):
            raise ZeroDivisionError("oops")
    """
)


def _task(tid: str, method: str, *args: object, **arrays: np.ndarray) -> Task:
    return Task(tid, "A", [new("A"), call(method, *args, save="out")], dict(arrays))


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("student") / "student.py"
    path.write_text(STUDENT)
    return path


@pytest.fixture(scope="module")
def outcomes(student: Path) -> dict:
    tasks = [
        _task("double", "double", npy("x"), x=np.arange(3.0)),
        _task("hang", "hang"),
        _task("abort", "abort"),
        _task("segfault", "segfault"),
        _task("leave", "leave"),
        _task("vanish", "vanish"),
        _task("hog", "hog"),
        _task("chatter", "chatter"),
        _task("strange", "strange"),
        _task("raise", "raise_"),
        Task("missing", "B", [new("B")]),
        _task("after", "double", npy("x"), x=np.ones(2)),
    ]
    tasks[0].steps[1]["unpack"] = 2
    tasks[-1].steps[1]["unpack"] = 2
    result = run_tasks([str(student)], {"A": ["double"], "B": []}, tasks, Limits(timeout=2.0, memory_mb=1024))
    return {"result": result, **result.outcomes}


def test_arrays_and_numbers_come_back(outcomes: dict) -> None:
    out = outcomes["double"]
    assert out.ok
    np.testing.assert_array_equal(out.outputs["out.0"].value, [0.0, 2.0, 4.0])
    assert out.outputs["out.1"].kind == "scalar" and out.outputs["out.1"].value == 3.0
    assert outcomes["after"].ok  # the last task ran in a fresh child after all the trouble


@pytest.mark.parametrize(
    ("tid", "status", "phrase"),
    [
        ("hang", "timeout", "timed out"),
        ("abort", "crash", "SIGABRT"),
        ("segfault", "crash", "SIGSEGV"),
        ("leave", "error", "sys.exit(3)"),
        ("vanish", "crash", "exited with status 4"),
        ("hog", "error", "MemoryError"),
        ("raise", "error", "ZeroDivisionError: oops"),
        ("missing", "error", "class B not found"),
    ],
)
def test_each_failure_is_a_report(outcomes: dict, tid: str, status: str, phrase: str) -> None:
    out = outcomes[tid]
    assert out.status == status
    assert phrase in (out.error or "")


def test_exception_message_points_at_the_student_line(outcomes: dict) -> None:
    line = STUDENT.splitlines().index('        raise ZeroDivisionError("oops")') + 1
    assert f"student.py:{line} in raise_" in outcomes["raise"].error


def test_printed_output_is_capped(outcomes: dict) -> None:
    out = outcomes["chatter"]
    assert out.ok and out.outputs["out"].value == 1.0
    assert len(out.stdout) < 5000 and "more characters of output dropped" in out.stdout


def test_non_numeric_results_are_described_not_unpickled(outcomes: dict) -> None:
    value = outcomes["strange"].outputs["out"]
    assert value.kind == "bad" and value.type == "object"


def test_method_locations_and_isolation(outcomes: dict, student: Path) -> None:
    result = outcomes["result"]
    line = STUDENT.splitlines().index("    def double(self, x):") + 1
    assert result.classes["A"]["methods"]["double"] == {"file": str(student), "line": line}
    assert result.classes["B"] == {"found": False}
    assert not (Path.cwd() / "written-at-import.txt").exists()
    assert not (student.parent / "written-at-import.txt").exists()
    assert not any(name.startswith("_gradproof_submission") for name in sys.modules)


def test_hanging_at_import_fails_every_task(tmp_path: Path) -> None:
    path = tmp_path / "stuck.py"
    path.write_text("while True:\n    pass\n")
    result = run_tasks([str(path)], {"A": []}, [_task("a", "double"), _task("b", "double")], Limits(timeout=1.0))
    assert {o.status for o in result.outcomes.values()} == {"import"}
    assert "timed out" in result.outcomes["b"].error and result.children == 1


def test_aborting_at_import_fails_every_task(tmp_path: Path) -> None:
    path = tmp_path / "boom.py"
    path.write_text("import os\nos.abort()\n")
    result = run_tasks([str(path)], {"A": []}, [_task("a", "double")], Limits(timeout=5.0))
    assert result.outcomes["a"].status == "import" and "SIGABRT" in result.outcomes["a"].error


def test_the_student_cannot_change_our_input_files(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("class A:\n    def mutate(self, x):\n        x[:] = 0\n        return x\n    def read(self, x):\n        return x\n")
    x = np.arange(1.0, 4.0)
    task = Task("t", "A", [new("A"), call("mutate", npy("x"), save="m"), call("read", npy("x"), save="r")], {"x": x})
    out = run_tasks([str(path)], {"A": []}, [task], Limits(timeout=5.0)).outcomes["t"]
    np.testing.assert_array_equal(out.outputs["r"].value, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"timeout": 0}, "timeout: expected a positive"), ({"memory_mb": 10}, "memory_mb: expected at least 256")],
)
def test_limits_are_validated(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Limits(**kwargs)


def test_a_step_naming_an_unknown_array_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="step uses array 'y', not among"):
        run_tasks([os.devnull], {}, [Task("t", "A", [call("f", npy("y"))], {})], Limits())
