"""Run a submission's code in a separate, limited process and collect what it returned.

The grader never imports student code itself.  :func:`run_tasks` starts
``python -m derive.grade.child`` with

* a sanitised environment (no user site, no bytecode writing, one BLAS thread),
* its own process group, a fresh temporary working folder and ``stdin`` closed,
* ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_FSIZE`` and no core files,
* a wall-clock limit *per task*: a task that overruns is killed with its whole
  process group, reported as timed out, and the remaining tasks re-run in a fresh child.

A crash (a signal, ``os._exit``) fails the task that was running; the next child
carries on with the rest.  Arrays come back only as ``.npy`` files read with
``allow_pickle=False``; printed output is capped.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.grade.process import Child, signal_text, tail

#: the error of a task not run because an earlier task of its group timed out
SKIPPED_AFTER_TIMEOUT = "not run: timed out in an earlier check"

__all__ = ["SKIPPED_AFTER_TIMEOUT", "Limits", "Task", "Value", "TaskOutcome", "SandboxResult", "run_tasks"]

@dataclass(frozen=True)
class Limits:
    """Resource limits of the child process.

    Attributes
    ----------
    timeout : float
        Wall-clock seconds per task (and for importing the submission).
    memory_mb : int
        Address-space limit (``RLIMIT_AS``) in MiB.
    max_output : int
        Characters of printed output kept per task.
    """

    timeout: float = 20.0
    memory_mb: int = 2048
    max_output: int = 4096

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"timeout: expected a positive number of seconds, got {self.timeout!r}")
        if self.memory_mb < 256:
            raise ValueError(f"memory_mb: expected at least 256 (numpy needs it to start), got {self.memory_mb!r}")


@dataclass(frozen=True)
class Task:
    """Steps to run in the child (see :mod:`derive.grade.child`) and the arrays they use."""

    id: str
    cls: str
    steps: list[dict[str, Any]]
    arrays: dict[str, NDArray[Any]] = field(default_factory=dict)
    #: tasks of one group share a time budget: after one times out, the group's later tasks are not run
    group: str = ""


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
    """What happened to one task: ``status`` is ok, error, timeout, crash or import."""

    status: str
    error: str | None
    outputs: dict[str, Value]
    times: dict[str, float]
    stdout: str = ""
    stdouts: tuple[str, ...] = ()  # what each step printed, in step order

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class SandboxResult:
    """Classes found (with method locations), import errors and every task's outcome."""

    classes: dict[str, Any]
    import_errors: dict[str, str]
    outcomes: dict[str, TaskOutcome]
    children: int


def _values(raw: Any, out_dir: Path) -> dict[str, Value]:
    values: dict[str, Value] = {}
    if not isinstance(raw, dict):
        return values
    for key, spec in raw.items():
        if not isinstance(spec, dict):
            continue
        kind, type_name = spec.get("kind"), str(spec.get("type", ""))
        if kind == "array":
            name = Path(str(spec.get("file", ""))).name  # never a path outside out_dir
            try:
                values[key] = Value("array", np.load(out_dir / name, allow_pickle=False), type_name)
            except (OSError, ValueError) as exc:
                values[key] = Value("bad", f"an unreadable array ({exc})", type_name)
        elif kind == "scalar":
            values[key] = Value("scalar", float(spec.get("value", float("nan"))), type_name)
        elif kind == "none":
            values[key] = Value("none", None, "NoneType")
        else:
            values[key] = Value("bad", str(spec.get("repr", "?"))[:300], type_name)
    return values


def run_tasks(
    files: list[str],
    classes: dict[str, list[str]],
    tasks: list[Task],
    limits: Limits,
    *,
    seed: int = 0,
) -> SandboxResult:
    """Run ``tasks`` against the submission ``files`` in sandboxed child processes.

    Parameters
    ----------
    files : list of str
        The submission's ``.py`` files (absolute paths).
    classes : dict
        Class name -> method names whose source location to report.
    tasks : list of Task
    limits : Limits
    seed : int, default 0
        Seeds numpy's and ``random``'s global generators in the child before each task.

    Returns
    -------
    SandboxResult
        An outcome for every task, whatever the student's code did.
    """
    outcomes: dict[str, TaskOutcome] = {}
    class_info: dict[str, Any] = {}
    import_errors: dict[str, str] = {}
    children = 0
    with tempfile.TemporaryDirectory(prefix="gradproof-grade-") as tmp:
        root = Path(tmp)
        in_dir = root / "inputs"
        in_dir.mkdir()
        for task in tasks:
            for name, arr in task.arrays.items():
                np.save(in_dir / f"{task.id}__{name}.npy", arr, allow_pickle=False)
        remaining = list(tasks)
        while remaining:
            children += 1
            run_dir = root / f"run{children}"
            out_dir = run_dir / "out"
            out_dir.mkdir(parents=True)
            job = {
                "files": files,
                "classes": classes,
                "inputs": str(in_dir),
                "outputs": str(out_dir),
                "seed": seed,
                "max_capture": limits.max_output,
                "tasks": [
                    {"id": t.id, "cls": t.cls, "steps": _prefixed(t)} for t in remaining
                ],
            }
            job_path = run_dir / "job.json"
            job_path.write_text(json.dumps(job))
            child = Child(job_path, run_dir, timeout=limits.timeout, memory_mb=limits.memory_mb, n_tasks=len(remaining))
            ready, current, state = False, None, "more"
            started = time.monotonic()
            deadline = started + limits.timeout
            while state == "more":
                events, state = child.events(deadline)
                for ev in events:
                    kind = ev.get("event")
                    if kind == "ready" and not ready:
                        ready = True
                        class_info = ev.get("classes") if isinstance(ev.get("classes"), dict) else {}
                        import_errors = ev.get("import_errors") if isinstance(ev.get("import_errors"), dict) else {}
                    elif kind == "start" and ready:
                        current, started = ev.get("id"), time.monotonic()
                    elif kind == "done" and ready and ev.get("id") == current:
                        outcomes[current] = TaskOutcome(
                            "ok" if ev.get("ok") else "error",
                            None if ev.get("ok") else str(ev.get("error"))[:3000],
                            _values(ev.get("outputs"), out_dir),
                            {k: float(v) for k, v in (ev.get("times") or {}).items() if isinstance(v, (int, float))},
                            str(ev.get("stdout") or "")[: limits.max_output + 200],
                            tuple(str(x)[: limits.max_output + 200] for x in (ev.get("stdouts") or [])[:1000]
                                  if isinstance(x, str)) if isinstance(ev.get("stdouts"), list) else (),
                        )
                        current = None
                    elif kind == "end":
                        state = "end"
                    if kind in ("ready", "start", "done"):
                        deadline = time.monotonic() + limits.timeout
            code = child.stop()
            elapsed = time.monotonic() - started
            if state == "timeout":
                why = f"timed out: still running after {elapsed:.1f} s (limit {limits.timeout:g} s); killed"
            elif state == "flood":
                why = "sent more than 16 MB of output on the grader's channel; killed"
            else:
                why = signal_text(code)
            last = tail(child.log)
            if last and state != "timeout":
                why += f"\nlast output:\n{last}"
            if not ready:  # the import itself hung or crashed: nothing else can run
                for t in remaining:
                    outcomes[t.id] = TaskOutcome("import", f"importing the submission failed: {why}", {}, {})
                break
            if current is not None:
                outcomes[current] = TaskOutcome("timeout" if state == "timeout" else "crash", why, {}, {})
                group = next((t.group for t in remaining if t.id == current), "")
                if state == "timeout" and group:
                    for t in remaining:
                        if t.group == group and t.id not in outcomes:
                            outcomes[t.id] = TaskOutcome("timeout", SKIPPED_AFTER_TIMEOUT, {}, {})
            elif state != "end":
                # died between tasks: charge the next task so that every child makes progress
                pending = [t for t in remaining if t.id not in outcomes]
                if pending:
                    outcomes[pending[0].id] = TaskOutcome("crash", why, {}, {})
            remaining = [t for t in remaining if t.id not in outcomes]
    return SandboxResult(class_info, import_errors, outcomes, children)


def _prefixed(task: Task) -> list[dict[str, Any]]:
    """Steps with array names made unique per task (``{"npy": "X"}`` -> ``{"npy": "<id>__X"}``)."""

    def fix(spec: Any) -> Any:
        if isinstance(spec, dict) and "npy" in spec:
            if spec["npy"] not in task.arrays:
                raise ValueError(f"task {task.id}: step uses array {spec['npy']!r}, not among {sorted(task.arrays)}")
            return {"npy": f"{task.id}__{spec['npy']}"}
        return spec

    steps = []
    for step in task.steps:
        s = dict(step)
        s["args"] = [fix(a) for a in step.get("args", [])]
        s["kwargs"] = {k: fix(v) for k, v in step.get("kwargs", {}).items()}
        steps.append(s)
    return steps
