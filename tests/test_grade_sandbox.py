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


# --- isolation ----------------------------------------------------------------------------

FACTS = textwrap.dedent(
    """
    import errno, os, socket, sys

    class Probe:
        def facts(self):
            try:
                import derive  # noqa: F401
                project = 1
            except ImportError:
                project = 0
            try:
                import numerics  # noqa: F401
                project += 1
            except ImportError:
                pass
            ours = sum(m.split(".")[0] in ("derive", "numerics", "numba", "sympy", "scipy") for m in sys.modules)
            try:
                pid = os.fork()
                if pid == 0:
                    os._exit(0)
                os.waitpid(pid, 0)
                forked = 1
            except OSError:
                forked = 0
            try:
                socket.create_connection(("1.1.1.1", 80), timeout=1).close()
                network = 1
            except OSError:
                network = 0
            try:
                open("/box/x", "w")
                box_writable = 1
            except OSError:
                box_writable = 0
            visible = sum(p.isdigit() for p in os.listdir("/proc"))
            import numpy
            return [project, ours, forked, network, box_writable, visible, os.getuid(),
                    int(numpy.__file__.startswith("/site/")), int(any("site-packages" in p for p in sys.path))]
    """
)


def test_bubblewrap_isolates_the_child(tmp_path: Path, bubblewrap: None) -> None:
    path = tmp_path / "probe.py"
    path.write_text(FACTS)
    result = run_tasks([str(path)], {"Probe": []}, [Task("f", "Probe", [new("Probe"), call("facts", save="f")])], Limits(timeout=10))
    assert result.isolation == "bubblewrap"
    out = result.outcomes["f"]
    assert out.ok, out.error
    project, ours, forked, network, box_writable, visible, uid, numpy_alone, site_packages = out.outputs["f"].value.tolist()
    assert project == 0 and ours == 0  # neither importable nor imported: the child is standalone
    assert forked == 0  # no process (nor thread) beyond the child itself
    assert network == 0 and box_writable == 0
    assert visible <= 3  # its own PID namespace: bwrap's init and the child, not the grader
    assert (uid != 0) == (os.geteuid() == 0)  # a root grader's child runs as a user of its own
    assert numpy_alone == 1 and site_packages == 0


def test_the_child_script_imports_only_the_standard_library_and_numpy() -> None:
    import ast

    from derive.grade.sandbox import CHILD_SCRIPT

    tree = ast.parse(CHILD_SCRIPT.read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == {"numpy"}


@pytest.mark.parametrize("kind", ["unprivileged-user", "rlimits-only"])
def test_the_fallback_isolations_report_failures_the_same_way(kind: str, student: Path, request: pytest.FixtureRequest) -> None:
    from derive.grade.isolation import Isolation

    if kind == "unprivileged-user":
        request.getfixturevalue("unprivileged_user")
    tasks = [_task("double", "double", npy("x"), x=np.arange(3.0)), _task("hang", "hang"), _task("segfault", "segfault"),
             _task("after", "double", npy("x"), x=np.ones(2))]
    tasks[0].steps[1]["unpack"] = tasks[-1].steps[1]["unpack"] = 2
    result = run_tasks([str(student)], {"A": ["double"]}, tasks, Limits(timeout=2.0, memory_mb=1024), isolation=Isolation(kind, "test"))
    assert result.isolation == kind
    assert result.outcomes["double"].ok and result.outcomes["after"].ok
    assert result.outcomes["hang"].status == "timeout"
    assert "SIGSEGV" in (result.outcomes["segfault"].error or "")
    assert result.classes["A"]["methods"]["double"]["file"] == str(student)


# --- the protocol ---------------------------------------------------------------------------

def test_each_step_printed_output_is_kept_apart(tmp_path: Path) -> None:
    path = tmp_path / "talk.py"
    path.write_text("class A:\n    def __init__(self):\n        print('built')\n"
                    "    def f(self, x):\n        print('f', x)\n        return x\n    def g(self):\n        return 1\n")
    steps = [new("A"), call("f", 1, save="a"), call("g", save="b"), call("f", 2, save="c", repeat=2)]
    out = run_tasks([str(path)], {"A": []}, [Task("t", "A", steps)], Limits(timeout=10)).outcomes["t"]
    assert out.ok
    assert out.stdouts == ("built\n", "f 1\n", "", "f 2\nf 2\n")
    assert out.stdout == "".join(out.stdouts)


def test_timings_are_measured_by_the_grader(tmp_path: Path) -> None:
    path = tmp_path / "liar.py"
    path.write_text("import time\n_sleep = time.sleep\ntime.perf_counter = time.monotonic = time.time = lambda: 0.0\n"
                    "class A:\n    def slow(self):\n        _sleep(0.2)\n        return 1.0\n")
    out = run_tasks([str(path)], {"A": []}, [Task("t", "A", [new("A"), call("slow", save="s", repeat=2)])], Limits(timeout=10)).outcomes["t"]
    assert out.ok and out.times["s"] >= 0.2


@pytest.mark.parametrize(
    ("spec", "phrase"),
    [
        ({"dtype": "|O", "shape": [2], "nbytes": 16}, "only boolean, integer and float"),
        ({"dtype": "<f8", "shape": [-1], "nbytes": 8}, "array shape"),
        ({"dtype": "<f8", "shape": [True], "nbytes": 8}, "array shape"),
        ({"dtype": "<f8", "shape": [2, 2], "nbytes": 8}, "byte count"),
        ({"dtype": "<f8", "shape": [1 << 20, 1 << 20], "nbytes": 8 << 40}, "more than the limit"),
        ({"dtype": "<f8", "shape": [1] * 9, "nbytes": 8}, "array shape"),
        ("not an object", "not an object"),
    ],
)
def test_array_descriptions_are_checked_before_anything_is_read(spec: object, phrase: str) -> None:
    from derive.grade.process import ProtocolError, array_spec

    with pytest.raises(ProtocolError, match=phrase):
        array_spec(spec, 1 << 20)


def test_a_valid_array_description_is_accepted() -> None:
    from derive.grade.process import array_spec

    dtype, shape, nbytes = array_spec({"dtype": "<f8", "shape": [2, 3], "nbytes": 48}, 1 << 20)
    assert (dtype, shape, nbytes) == (np.dtype("<f8"), (2, 3), 48)


# --- what is copied into the sandbox ----------------------------------------------------------

def test_only_regular_files_are_copied(tmp_path: Path) -> None:
    folder = tmp_path / "hw"
    folder.mkdir()
    (folder / "main.py").write_text("class A:\n    def f(self):\n        return 1.0\n")
    os.mkfifo(folder / "fifo.py")
    (folder / "zero.py").symlink_to("/dev/zero")
    (folder / "link.py").symlink_to(folder / "main.py")
    files = [str(folder / n) for n in ("fifo.py", "zero.py", "link.py", "main.py")]
    result = run_tasks(files, {"A": []}, [Task("t", "A", [new("A"), call("f", save="r")])], Limits(timeout=10))
    assert result.outcomes["t"].ok
    refused = {Path(p).name: why for p, why in result.import_errors.items()}
    assert "not a regular file" in refused["fifo.py"]
    assert "symbolic link" in refused["zero.py"] and "symbolic link" in refused["link.py"]
    assert result.classes["A"]["file"] == str(folder / "main.py")


def test_reaping_the_sandbox_user_kills_detached_daemons() -> None:
    import signal
    import time

    from derive.grade.isolation import UID_BASE, reap_user

    if os.geteuid() != 0:
        pytest.skip("needs root (the sandbox's own user exists only for a root grader)")
    uid = UID_BASE + 7_000_000 + os.getpid() % 1000
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a daemon of the sandbox's user: own session, parent gone
        try:
            os.close(r)
            os.setsid()
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            if os.fork() == 0:
                os.write(w, str(os.getpid()).encode())
                os.close(w)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                time.sleep(60)
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    daemon = int(os.read(r, 32))
    os.close(r)
    assert os.path.exists(f"/proc/{daemon}")
    assert reap_user(uid, sweep=False) == []
    time.sleep(0.05)
    status = Path(f"/proc/{daemon}/status")
    assert not status.exists() or "State:\tZ" in status.read_text()
