"""The sandboxed child: imports a submission and runs the grader's probes in it.

Run as ``python -m derive.grade.child JOB_JSON FD`` by :mod:`derive.grade.sandbox`,
never in the grader's own process.  It only *runs* student code; every judgement
is made by the parent.  Protocol (one JSON object per line on file descriptor
``FD``):

* ``{"event": "ready", "classes": {...}, "import_errors": {...}}`` after importing;
* ``{"event": "start", "id": ...}`` before a task and
  ``{"event": "done", "id": ..., "ok": ..., "error": ..., "outputs": ..., "times": ..., "stdout": ...}``
  after it;
* ``{"event": "end"}``.

Arrays come in and go out only as ``.npy`` files (``allow_pickle=False`` on both
sides); everything else is JSON.  A task is a list of steps: ``new`` (instantiate a
class), ``set`` / ``get`` (an attribute) and ``call`` (a method, optionally timed).
"""

from __future__ import annotations

import importlib.util
import inspect
import io
import json
import os
import random
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

#: characters of printed output kept per task (the rest is counted, then dropped)
MAX_CAPTURE = 4096

_NORMS = {
    "l1": lambda v: float(np.abs(v).sum()),
    "l2": lambda v: float(np.sqrt((v * v).sum())),
    "linf": lambda v: float(np.abs(v).max()),
}


class CappedText(io.TextIOBase):
    """A text stream that keeps the first ``cap`` characters and counts the rest."""

    def __init__(self, cap: int = MAX_CAPTURE) -> None:
        self.cap = cap
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, s: Any) -> int:
        s = str(s)
        room = self.cap - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def take(self) -> str:
        """Return what was kept (with a note of what was dropped) and reset."""
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} more characters of output dropped]"
        self.parts, self.kept, self.dropped = [], 0, 0
        return text


class Channel:
    """JSON lines to the parent over an inherited pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, obj: dict[str, Any]) -> None:
        data = (json.dumps(obj) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data):]


def describe_exception(exc: BaseException, files: set[str]) -> str:
    """One readable line (plus the student's innermost frame) for an exception."""
    if isinstance(exc, SystemExit):
        return f"the code called sys.exit({exc.code!r}); a method must return, not exit"
    if isinstance(exc, MemoryError):
        return "ran out of memory (MemoryError): the allocation exceeded the memory limit"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    folders = {str(Path(f).parent) for f in files}
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if str(Path(f.filename).parent) in folders]
    if frames:
        f = frames[-1]
        text += f" (at {Path(f.filename).name}:{f.lineno} in {f.name}: {(f.line or '').strip()})"
    return text[:2000]


def encode(value: Any, key: str, out_dir: Path, task: str) -> dict[str, Any]:
    """Describe a returned value as JSON; arrays are saved as ``.npy``."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return {"kind": "scalar", "value": float(value), "type": type(value).__name__}
    type_name = type(value).__name__
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(value)
            if arr.dtype == object:
                arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            return {"kind": "bad", "type": type_name, "repr": _safe_repr(value)}
        if arr.dtype.kind not in "biuf":
            return {"kind": "bad", "type": type_name, "repr": f"an array of dtype {arr.dtype}"}
        name = f"{task}__{key}.npy"
        np.save(out_dir / name, np.ascontiguousarray(arr), allow_pickle=False)
        return {"kind": "array", "file": name, "type": type_name}
    return {"kind": "bad", "type": type_name, "repr": _safe_repr(value)}


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)[:200]
    except BaseException:  # a student's __repr__ may raise anything
        return f"<{type(value).__name__}>"


def load_submission(paths: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Import every file; return (module by path, import error by path)."""
    modules: dict[str, Any] = {}
    errors: dict[str, str] = {}
    files = set(paths)
    for i, path in enumerate(paths):
        folder = str(Path(path).parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # the student's own helper modules
        name = f"_gradproof_submission_{i}"
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            modules[path] = module
        except BaseException as exc:  # SystemExit and friends included: report, go on
            errors[path] = describe_exception(exc, files)
    return modules, errors


def locate(modules: dict[str, Any], classes: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Find each wanted class and where its methods are defined."""
    found: dict[str, Any] = {}
    info: dict[str, Any] = {}
    for cls_name, methods in classes.items():
        for path, module in modules.items():
            cls = getattr(module, cls_name, None)
            if isinstance(cls, type):
                found[cls_name] = cls
                where: dict[str, Any] = {}
                for m in methods:
                    fn = inspect.getattr_static(cls, m, None)
                    fn = getattr(fn, "__func__", fn)
                    try:
                        where[m] = {"file": inspect.getsourcefile(fn), "line": inspect.getsourcelines(fn)[1]}
                    except (TypeError, OSError):
                        where[m] = None
                info[cls_name] = {"found": True, "file": path, "methods": where}
                break
        else:
            info[cls_name] = {"found": False}
    return found, info


def run_task(task: dict[str, Any], classes: dict[str, Any], in_dir: Path, out_dir: Path,
             stdouts: list[str] | None = None, capture: CappedText | None = None) -> tuple[dict[str, Any], dict[str, float]]:
    """Execute one task's steps; return (outputs, times). Student exceptions propagate.

    With ``capture`` and ``stdouts``, what each step printed is appended to ``stdouts`` (one entry per step).
    """
    outputs: dict[str, Any] = {}
    times: dict[str, float] = {}
    arrays: dict[str, Any] = {}

    def arg(spec: Any) -> Any:
        if isinstance(spec, dict) and "npy" in spec:
            if spec["npy"] not in arrays:
                arrays[spec["npy"]] = np.load(in_dir / f"{spec['npy']}.npy", allow_pickle=False)
            return arrays[spec["npy"]].copy()  # a fresh copy per call: the student may write into it
        if isinstance(spec, dict) and "norm" in spec:
            return _NORMS[spec["norm"]]
        return spec

    obj: Any = None
    for step in task["steps"]:
        if capture is not None and stdouts is not None and stdouts:
            stdouts[-1] += capture.take()
        if stdouts is not None:
            stdouts.append("")
        op = step["op"]
        args = [arg(a) for a in step.get("args", [])]
        kwargs = {k: arg(v) for k, v in step.get("kwargs", {}).items()}
        if op == "new":
            obj = classes[step["cls"]](*args, **kwargs)
            continue
        if op == "set":
            setattr(obj, step["name"], args[0])
            continue
        if op == "get":
            value = getattr(obj, step["name"])
        else:  # call
            method = getattr(obj, step["method"])
            best = float("inf")
            for _ in range(int(step.get("repeat", 1))):
                t0 = time.perf_counter()
                value = method(*[a.copy() if isinstance(a, np.ndarray) else a for a in args], **kwargs)
                best = min(best, time.perf_counter() - t0)
            times[step.get("save") or step["method"]] = best
        key = step.get("save")
        if key is None:
            continue
        n = step.get("unpack")
        if n is not None:
            if not isinstance(value, (tuple, list)) or len(value) != n:
                outputs[key] = {"kind": "bad", "type": type(value).__name__, "repr": f"expected a tuple of {n} values, got {_safe_repr(value)}"}
                continue
            for i, v in enumerate(value):
                outputs[f"{key}.{i}"] = encode(v, f"{key}.{i}", out_dir, task["id"])
        else:
            outputs[key] = encode(value, key, out_dir, task["id"])
    return outputs, times


def main(argv: list[str]) -> int:
    job_path, fd = Path(argv[0]), int(argv[1])
    channel = Channel(fd)
    job = json.loads(job_path.read_text())
    in_dir, out_dir = Path(job["inputs"]), Path(job["outputs"])
    sys.dont_write_bytecode = True
    capture = CappedText(job.get("max_capture", MAX_CAPTURE))
    sys.stdout = sys.stderr = capture
    warnings.simplefilter("default")
    files = set(job["files"])
    modules, errors = load_submission(job["files"])
    classes, info = locate(modules, job["classes"])
    channel.send({"event": "ready", "classes": info, "import_errors": errors, "stdout": capture.take()})
    for task in job["tasks"]:
        channel.send({"event": "start", "id": task["id"]})
        result: dict[str, Any] = {"event": "done", "id": task["id"], "ok": True, "error": None, "outputs": {}, "times": {}}
        stdouts: list[str] = []  # what each step printed
        if task["cls"] not in classes:
            result.update(ok=False, error=f"class {task['cls']} not found")
        else:
            # the sandbox's own process: seed the student's global RNGs for reproducible grading
            np.random.seed(job["seed"])
            random.seed(job["seed"])
            try:
                result["outputs"], result["times"] = run_task(task, classes, in_dir, out_dir, stdouts, capture)
            except BaseException as exc:  # noqa: BLE001 - every student failure is a report
                result.update(ok=False, error=describe_exception(exc, files))
        last = capture.take()
        if stdouts:
            stdouts[-1] += last
        result["stdouts"] = stdouts
        result["stdout"] = "".join(stdouts) or last
        sys.stdout = sys.stderr = capture  # in case the student replaced them
        channel.send(result)
    channel.send({"event": "end"})
    return 0


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
