"""Run a submission's code in an isolated child process and collect what it returned.

The grader never imports student code itself.  :func:`run_tasks`

* copies the submission's regular files (never a symbolic link, a FIFO or a device)
  and the standalone child script (:mod:`derive.grade.child`) into a private folder;
* starts the child under the strongest isolation available
  (:mod:`derive.grade.isolation`: bubblewrap, else a user of its own, else limits only);
* drives it one step at a time (:mod:`derive.grade.process`): each step is a command
  and a reply, timed by the parent, with the parent's wall-clock limit *per task*;
  a task that overruns, crashes the child or breaks the protocol fails, the child is
  killed with all it started, and the remaining tasks run in a fresh child;
* keeps what each step printed separately (:attr:`TaskOutcome.stdouts`);
* times a step against a reference run in the grader (:class:`Timed`): the two alternate,
  round by round, so a busy machine slows both alike, and a ratio below its bar is
  measured again (a fixed number of further rounds) before it is reported.

Arrays cross the boundary only as raw bytes with a validated dtype and shape (never
pickles, never files the child could swap).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from derive.grade.isolation import BOX, Isolation, detect
from derive.grade.process import DTYPES, Child, Gone, ProtocolError, Reply, Timeout, signal_text

#: the error of a task not run because a method it calls timed out in an earlier task
SKIPPED_AFTER_TIMEOUT = "not run: timed out in an earlier check"

__all__ = ["SKIPPED_AFTER_TIMEOUT", "REFERENCE_SUFFIX", "ROUNDS_SUFFIX", "Limits", "Task", "Timed", "Value", "TaskOutcome",
           "SandboxResult", "read_source", "run_tasks"]

#: ``times[key + REFERENCE_SUFFIX]``: the best time of a timed step's reference; ``times[key + ROUNDS_SUFFIX]``: rounds run
REFERENCE_SUFFIX = "@reference"
ROUNDS_SUFFIX = "@rounds"

#: largest submission file copied into the sandbox
MAX_SOURCE_BYTES = 4 << 20
#: a timed step's extra rounds stop once the student's runs have used this fraction of the task's time limit
TIMED_BUDGET = 0.5
#: seconds a child may take to start (bubblewrap, Python, numpy) before any student code runs
STARTUP_SECONDS = 60.0
#: most helper modules (``.py`` files beside the given ones) copied into the sandbox
MAX_HELPERS = 100
#: the child script, copied into the box and run by path
CHILD_SCRIPT = Path(__file__).with_name("child.py")


@dataclass(frozen=True)
class Limits:
    """Resource limits of the child process.

    Attributes
    ----------
    timeout : float
        Wall-clock seconds per task (and for importing the submission), measured by the grader.
    memory_mb : int
        Address-space limit (``RLIMIT_AS``) in MiB; the child may start no other process.
    max_output : int
        Characters of printed output kept per step.
    max_array_mb : int
        Largest array accepted from the child, in MiB (a reply may hold twice this in all).
    scratch_mb : int
        Size of the child's writable folder (a tmpfs under bubblewrap) and largest file it may write, in MiB.
    """

    timeout: float = 20.0
    memory_mb: int = 2048
    max_output: int = 4096
    max_array_mb: int = 32
    scratch_mb: int = 64

    def __post_init__(self) -> None:
        if not (isinstance(self.timeout, (int, float)) and math.isfinite(self.timeout) and self.timeout > 0):
            raise ValueError(f"timeout: expected a positive number of seconds, got {self.timeout!r}")
        if self.memory_mb < 256:
            raise ValueError(f"memory_mb: expected at least 256 (numpy needs it to start), got {self.memory_mb!r}")
        if self.max_array_mb < 1 or self.scratch_mb < 1:
            raise ValueError(f"max_array_mb, scratch_mb: expected at least 1, got {self.max_array_mb!r}, {self.scratch_mb!r}")


@dataclass(frozen=True)
class Timed:
    """A reference the grader runs in its own process, alternating with a step's call in the child.

    Attributes
    ----------
    reference : callable
        No arguments; the reference implementation on the step's arrays.
    min_ratio : float
        The bar of (best reference time) / (best student time).
    rounds : int
        Rounds (one student call, one reference run) always run.
    extra : int
        Further rounds, all of them, run when the ratio is below ``min_ratio`` after ``rounds``
        (noise only ever slows a run down, so the best of more runs is nearer the true time;
        they are not cut short at the first good ratio, which would let a slow method pass by luck).
    """

    reference: Callable[[], Any]
    min_ratio: float
    rounds: int = 5
    extra: int = 10


@dataclass(frozen=True)
class Task:
    """Steps to run in the child (see :mod:`derive.grade.child`) and the arrays they use.

    ``timed`` maps a step's ``save`` name to the reference it is timed against.
    """

    id: str
    cls: str
    steps: list[dict[str, Any]]
    arrays: dict[str, NDArray[Any]] = field(default_factory=dict)
    timed: dict[str, Timed] = field(default_factory=dict)


@dataclass(frozen=True)
class Value:
    """Something a student's method returned.

    ``kind`` is ``"array"`` (``value`` an ndarray), ``"scalar"`` (a float),
    ``"none"`` or ``"bad"`` (not numeric; ``value`` describes it).  ``type`` is the
    Python type name of what was returned.
    """

    kind: str
    value: Any
    type: str


@dataclass(frozen=True)
class TaskOutcome:
    """What happened to one task: ``status`` is ok, error, timeout, crash or import.

    ``times`` holds, per timed call (under its ``save`` name, else its method or function
    name), the best round-trip time in seconds measured by the grader; for a :class:`Timed`
    step also its reference's best time (``key + REFERENCE_SUFFIX``) and the rounds run
    (``key + ROUNDS_SUFFIX``).  ``stdouts`` holds
    what each step printed, one string per step run, in step order (a repeated call's
    runs together); ``stdout`` is all of it.
    """

    status: str
    error: str | None
    outputs: dict[str, Value]
    times: dict[str, float]
    stdout: str = ""
    stdouts: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class SandboxResult:
    """Classes found (with method locations), import errors, every task's outcome, and the isolation used."""

    classes: dict[str, Any]
    import_errors: dict[str, str]
    outcomes: dict[str, TaskOutcome]
    children: int
    isolation: str = ""


class _ChildFailed(Exception):
    """The child can go on no longer: (status, message)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _copy_submission(files: list[str], dest: Path, inside: str) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Copy the submission's regular files into ``dest``.

    The ``.py`` files beside each given file are copied too (the student's helper
    modules, importable but not imported by the grader), at most :data:`MAX_HELPERS`.
    Returns (sandbox path -> host path of every copy, sandbox paths of the given files,
    why each refused given file was refused).
    """
    mapping: dict[str, str] = {}
    given: list[str] = []
    refused: dict[str, str] = {}
    hosts = [os.path.abspath(f) for f in files]
    root = os.path.commonpath([os.path.dirname(h) for h in hosts]) if hosts else "/"
    helpers: list[str] = []
    for folder in dict.fromkeys(os.path.dirname(h) for h in hosts):
        try:
            helpers += sorted(e.path for e in os.scandir(folder) if e.name.endswith(".py") and e.path not in hosts)
        except OSError:
            pass
    for host in hosts + helpers[:MAX_HELPERS]:
        rel = os.path.relpath(host, root)
        why = _unsafe_parents(root, rel)
        data = b""
        if why is None:
            data, why = read_source(host)
        if why is not None:
            if host in hosts:
                refused[host] = f"not graded: {why} (only regular files of the submission are copied into the sandbox)"
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
        mapping[f"{inside}/{rel}"] = host
        if host in hosts:
            given.append(f"{inside}/{rel}")
    for d in [dest, *dest.rglob("*")]:
        if d.is_dir():
            d.chmod(0o755)
    return mapping, given, refused


def _unsafe_parents(root: str, rel: str) -> str | None:
    """Why a folder between the submission's root and the file is unsafe (a symbolic link), else None."""
    path = root
    for part in Path(rel).parts[:-1]:
        path = os.path.join(path, part)
        if os.path.islink(path):
            return f"{part}/ is a symbolic link"
    return None


def read_source(path: str) -> tuple[bytes, str | None]:
    """(content, None) for a regular file of at most MAX_SOURCE_BYTES, else (b"", why not); never follows a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return b"", "a symbolic link" if os.path.islink(path) else f"it cannot be opened ({exc.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return b"", "not a regular file"
        if st.st_size > MAX_SOURCE_BYTES:
            return b"", f"larger than {MAX_SOURCE_BYTES >> 20} MiB"
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(MAX_SOURCE_BYTES + 1)
        if len(data) > MAX_SOURCE_BYTES:
            return b"", f"larger than {MAX_SOURCE_BYTES >> 20} MiB"
        return data, None
    finally:
        os.close(fd)


def _clean_classes(raw: Any, wanted: dict[str, list[str]], mapping: dict[str, str]) -> dict[str, Any]:
    """The child's class report, reduced to the wanted classes and methods, paths mapped back to the host."""
    raw = raw if isinstance(raw, dict) else {}
    info: dict[str, Any] = {}
    for cls, methods in wanted.items():
        entry = raw.get(cls)
        file = mapping.get(entry.get("file")) if isinstance(entry, dict) and isinstance(entry.get("file"), str) else None
        if not (isinstance(entry, dict) and entry.get("found") is True and file is not None):
            info[cls] = {"found": False}
            continue
        where: dict[str, Any] = {}
        locations = entry.get("methods") if isinstance(entry.get("methods"), dict) else {}
        for m in methods:
            loc = locations.get(m)
            ok = (isinstance(loc, dict) and isinstance(loc.get("file"), str) and isinstance(loc.get("line"), int)
                  and not isinstance(loc.get("line"), bool))
            where[m] = {"file": mapping[loc["file"]], "line": loc["line"]} if ok and loc["file"] in mapping else None
        info[cls] = {"found": True, "file": file, "methods": where}
    return info


def _clean_errors(raw: Any, mapping: dict[str, str]) -> dict[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    return {mapping[k]: str(v)[:2000] for k, v in raw.items() if isinstance(k, str) and k in mapping}


def _text(value: Any, cap: int) -> str:
    return value[:cap] if isinstance(value, str) else ""


def _values(reply: Reply) -> tuple[dict[str, Value], str]:
    """The outputs of a step reply as Values, and a digest of them (to compare repeated runs)."""
    values: dict[str, Value] = {}
    digest = hashlib.sha256()
    arrays = iter(reply.arrays)
    for key, spec in reply.header["outputs"]:
        kind, type_name = spec.get("kind"), _text(spec.get("type"), 100)
        if kind == "array":
            arr = next(arrays)
            digest.update(f"{key}|{arr.dtype.str}|{arr.shape}|".encode())
            digest.update(memoryview(arr.reshape(-1).view(np.uint8)))
            if arr.dtype == np.bool_ and bool((arr.view(np.uint8) > 1).any()):
                values[key] = Value("bad", "a boolean array holding bytes other than 0 and 1", type_name)
            else:
                values[key] = Value("array", arr, type_name)
            continue
        digest.update(json.dumps([key, spec], sort_keys=True, default=str).encode())
        value = spec.get("value")
        if kind == "scalar" and isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                values[key] = Value("scalar", float(value), type_name)
            except OverflowError:
                values[key] = Value("bad", "a number too large for a float", type_name)
        elif kind == "none":
            values[key] = Value("none", None, "NoneType")
        else:
            values[key] = Value("bad", _text(spec.get("repr"), 300) or "?", type_name)
    return values, digest.hexdigest()


def _step_arrays(step: dict[str, Any]) -> list[str]:
    specs = list(step.get("args", [])) + list(step.get("kwargs", {}).values())
    return list(dict.fromkeys(s["npy"] for s in specs if isinstance(s, dict) and "npy" in s))


def _check_arrays(task: Task) -> None:
    for step in task.steps:
        for name in _step_arrays(step):
            if name not in task.arrays:
                raise ValueError(f"task {task.id}: step uses array {name!r}, not among {sorted(task.arrays)}")
    for name, arr in task.arrays.items():
        if np.asarray(arr).dtype.str not in DTYPES:
            raise ValueError(f"task {task.id}: array {name!r} has dtype {np.asarray(arr).dtype}; expected bool, integer or float")


class _Session:
    """One child and the tasks it runs."""

    def __init__(self, child: Child, limits: Limits, seed: int, inputs: Path, inside: str) -> None:
        self.child, self.limits, self.seed = child, limits, seed
        self.step: dict[str, Any] | None = None  # the step being run (a timeout blames its method)
        self.inputs, self.inside = inputs, inside  # the inputs folder, as the grader and as the child sees it

    def start(self) -> None:
        """Wait for the child to start (bwrap, Python, numpy: no student code yet) within :data:`STARTUP_SECONDS`."""
        self._guarded(lambda: self.child.hello(time.monotonic() + STARTUP_SECONDS), STARTUP_SECONDS)

    def call(self, command: dict[str, Any], deadline: float, event: str, array_key: str | None) -> Reply:
        cap = self.limits.max_array_mb << 20
        return self._guarded(lambda: self.child.exchange(command, deadline, event=event, array_key=array_key,
                                                         array_cap=cap, total_cap=2 * cap), self.limits.timeout)

    def _guarded(self, action: Callable[[], Any], limit: float) -> Any:
        """Run ``action``; a timeout, a vanished child or a protocol breach becomes _ChildFailed (the child killed)."""
        try:
            return action()
        except Timeout:
            self.child.stop()
            raise _ChildFailed("timeout", f"timed out: still running after {limit:g} s (the limit); killed") from None
        except Gone:
            natural = self.child.finished(0.5)  # let it finish exiting: its own status, not our SIGKILL
            self.child.stop()
            why = signal_text(natural) if natural is not None else "the process closed its channel to the grader; killed"
            last = self.child.output_tail()
            raise _ChildFailed("crash", why + (f"\nlast output:\n{last[-600:]}" if last else "")) from None
        except ProtocolError as exc:
            self.child.stop()
            raise _ChildFailed("crash", f"the submission broke the grader's protocol ({exc}); the process was killed") from None

    def _publish(self, task: Task, names: list[str], written: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """Write the step's input arrays (once per task) where the child reads them (read-only to it)."""
        for name in names:
            if name not in written:
                arr = np.ascontiguousarray(task.arrays[name])
                file = f"{len(written)}.bin"
                arr.tofile(self.inputs / file)
                (self.inputs / file).chmod(0o644)  # readable by the sandbox's user, whatever the grader's umask
                written[name] = {"name": name, "path": f"{self.inside}/{file}", "dtype": arr.dtype.str, "shape": list(arr.shape)}
        return [written[n] for n in names]

    def run(self, task: Task) -> TaskOutcome:
        """Run one task step by step; each call is timed by the grader from its command to its whole reply.

        A step's input arrays are written to the read-only inputs folder just before its
        command; the child reads them inside that round trip and passes a fresh copy to
        every call.  They are not visible before the task reaches that step.
        """
        deadline = time.monotonic() + self.limits.timeout
        written: dict[str, dict[str, Any]] = {}
        outputs: dict[str, Value] = {}
        times: dict[str, float] = {}
        stdouts: list[str] = []
        cap = self.limits.max_output + 200
        try:
            for step in task.steps:
                self.step = step
                calls = step.get("op") in ("call", "fn")
                key = str(step.get("save") or step.get("method") or step.get("name"))
                timed = task.timed.get(key) if calls else None
                reps = max(1, int(step.get("repeat", 1))) if calls else 1
                if timed is not None:
                    reps = max(1, timed.rounds)
                printed: list[str] = []
                best, best_ref, first, rounds, spent_student = math.inf, math.inf, None, 0, 0.0
                arrays = self._publish(task, _step_arrays(step), written)
                while True:
                    rounds += 1
                    command = {"cmd": "step", "task": task.id, "seed": self.seed, "cls": task.cls, "step": step, "arrays": arrays}
                    reply = self.call(command, deadline, "step", "outputs")
                    printed.append(_text(reply.header.get("stdout"), cap))
                    if reply.header.get("ok") is not True:
                        stdouts.append("".join(printed)[:cap])
                        error = _text(reply.header.get("error"), 3000) or "failed"
                        return TaskOutcome("error", error, {}, {}, "".join(stdouts), tuple(stdouts))
                    values, digest = _values(reply)
                    if first is None:
                        first, step_values = digest, values
                    if digest == first:  # a run that returned something else is not a timing of the same work
                        best = min(best, reply.seconds)
                    if timed is not None:
                        spent = _time_once(timed.reference)
                        best_ref = min(best_ref, spent)
                        deadline += spent  # the grader's own runs are not the student's time
                        # decided after ``reps`` rounds when the bar is met; else after all the extra rounds (never at
                        # the first lucky one: stopping early would let a loop pass by chance), or once the student's
                        # runs have used half the task's time limit (a slow method is slow: it need not time out)
                        spent_student += reply.seconds
                        if ((rounds == reps and best_ref >= timed.min_ratio * best) or rounds >= reps + max(0, timed.extra)
                                or (rounds >= reps and spent_student > TIMED_BUDGET * self.limits.timeout)):
                            break
                    elif rounds >= reps:
                        break
                outputs.update(step_values)
                if calls:
                    times[key] = best
                    if timed is not None:
                        times[key + REFERENCE_SUFFIX] = best_ref
                        times[key + ROUNDS_SUFFIX] = float(rounds)
                stdouts.append("".join(printed)[:cap])
            return TaskOutcome("ok", None, outputs, times, "".join(stdouts), tuple(stdouts))
        finally:
            for entry in self.inputs.iterdir():
                entry.unlink()


def _time_once(reference: Callable[[], Any]) -> float:
    """Wall-clock seconds of one run of ``reference()`` in the grader, with one BLAS thread (as in the child)."""
    with threadpool_limits(limits=1):
        t0 = time.perf_counter()
        reference()
        return time.perf_counter() - t0


def _called(step: dict[str, Any] | None, cls: str) -> str | None:
    """``<Class>.<method>`` of the student's method a step runs (``__init__`` for ``new``), or None."""
    if step is None:
        return None
    if step.get("op") == "new":
        return f"{step.get('cls')}.__init__"
    if step.get("op") == "fn":
        return f"{cls}.{step.get('name')}"
    return f"{cls}.{step.get('method')}" if step.get("op") == "call" else None


def run_tasks(
    files: list[str],
    classes: dict[str, list[str]],
    tasks: list[Task],
    limits: Limits,
    *,
    seed: int = 0,
    isolation: Isolation | None = None,
    functions: dict[str, list[str]] | None = None,
) -> SandboxResult:
    """Run ``tasks`` against the submission ``files`` in sandboxed child processes.

    Parameters
    ----------
    files : list of str
        The submission's ``.py`` files (symbolic links and non-regular files are refused).
    classes : dict
        Class name -> method names whose source location to report.
    tasks : list of Task
    limits : Limits
    seed : int, default 0
        Seeds numpy's and ``random``'s global generators in the child before each task.
    isolation : Isolation, optional
        Default: the strongest available (:func:`derive.grade.isolation.detect`).
    functions : dict, optional
        Unit name -> module-level function names (reported like a class's methods; a task
        whose ``cls`` is the unit calls them with ``fn`` steps).

    Returns
    -------
    SandboxResult
        An outcome for every task, whatever the student's code did.
    """
    for task in tasks:
        _check_arrays(task)
    isolation = isolation or detect()
    outcomes: dict[str, TaskOutcome] = {}
    class_info: dict[str, Any] | None = None
    import_errors: dict[str, str] = {}
    children = 0
    with tempfile.TemporaryDirectory(prefix="gradproof-grade-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o711)  # the sandbox's user may pass through, not list
        box = root / "box"
        box.mkdir()
        box.chmod(0o755)  # explicit modes throughout: the grader's umask must not lock the sandbox's user out
        shutil.copyfile(CHILD_SCRIPT, box / "child.py")
        (box / "child.py").chmod(0o644)
        inside_box = BOX if isolation.kind == "bubblewrap" else str(box)
        inside = f"{inside_box}/submission"
        (box / "inputs").mkdir()
        (box / "inputs").chmod(0o755)
        (box / "submission").mkdir()
        mapping, given, refused = _copy_submission(files, box / "submission", inside)
        remaining = list(tasks)
        while remaining:
            children += 1
            work = root / f"work{children}"
            work.mkdir(mode=0o700)
            cpu = int(limits.timeout * (len(remaining) + 1)) + 5
            child = Child(isolation, box, work, memory_mb=limits.memory_mb, cpu_seconds=cpu, scratch_mb=limits.scratch_mb)
            session = _Session(child, limits, seed, box / "inputs", f"{inside_box}/inputs")
            try:
                try:
                    session.start()
                    command = {"cmd": "import", "files": given, "classes": classes, "functions": functions or {},
                               "max_capture": limits.max_output}
                    ready = session.call(command, time.monotonic() + limits.timeout, "ready", None)
                except _ChildFailed as failed:
                    for t in remaining:
                        outcomes[t.id] = TaskOutcome("import", f"importing the submission failed: {failed.message}", {}, {})
                    break
                info = _clean_classes(ready.header.get("classes"), {**classes, **(functions or {})}, mapping)
                if class_info is None:
                    class_info = info
                    import_errors = {**refused, **_clean_errors(ready.header.get("import_errors"), mapping)}
                for task in remaining:
                    if not info.get(task.cls, {}).get("found"):
                        outcomes[task.id] = TaskOutcome("error", f"class {task.cls} not found", {}, {})
                        continue
                    try:
                        outcomes[task.id] = session.run(task)
                    except _ChildFailed as failed:
                        outcomes[task.id] = TaskOutcome(failed.status, failed.message, {}, {})
                        if failed.status == "timeout":  # the method's budget is spent: its later tasks are not run
                            hung = _called(session.step, task.cls)
                            for t in remaining:
                                if t.id not in outcomes and hung in {_called(s, t.cls) for s in t.steps}:
                                    outcomes[t.id] = TaskOutcome("timeout", SKIPPED_AFTER_TIMEOUT, {}, {})
                        break
            finally:
                child.stop()
            remaining = [t for t in remaining if t.id not in outcomes]
    return SandboxResult(class_info or {}, import_errors, outcomes, children, isolation.kind)
