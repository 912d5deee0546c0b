"""The grader's child: a standalone script that imports a submission and runs the grader's steps in it.

It is **not** imported by the grader.  :mod:`derive.grade.process` copies this file
into the sandbox's private folder and runs it by path
(``python -I -S /box/child.py CONFIG_JSON``); it imports only the standard library
and numpy, and the project is never on its ``sys.path``.  It only *runs* student
code: every judgement, every time measurement and every limit is the parent's.
Nothing it sends is trusted — student code runs in this interpreter and can rewrite
any of it.

Start-up, before any student code runs: drop to the sandbox's user (``uid``/``gid``
in the config, when the grader is root), allow no more processes or threads than
this user has now (``RLIMIT_NPROC``), close every other file descriptor, capture
``sys.stdout``/``sys.stderr``, import numpy from the read-only ``site`` folder.

Protocol
--------
Commands arrive on ``cmd_fd``, replies leave on ``reply_fd``; each message is one
JSON line.  A reply is followed by the raw bytes of its ``outputs`` of kind
``array``, in order, C-contiguous, little endian, each described as
``{"dtype": "<f8", "shape": [2, 3], "nbytes": 48}``; only boolean, integer and float
dtypes cross.  Input arrays are raw files the grader writes, just before the step
that uses them, into the read-only box (``{"name", "path", "dtype", "shape"}``).  Every command carries a ``nonce``
which the reply repeats; the parent sends one command and waits for its reply, and
times the round trip itself.

Once started (confined, numpy imported, no student code run yet) the child sends
``{"event": "hello"}``; the grader waits for it with a generous start-up deadline,
then applies its per-check limit to everything after.

Commands (parent -> child):

* ``{"cmd": "import", "nonce", "files": [...], "classes": {name: [method, ...]}, "functions": {unit: [function, ...]},
  "max_capture": n}``
  -> ``{"event": "ready", "nonce", "classes": {name: {"found": bool, "file", "methods": {m: {"file", "line"} | null}}},
  "import_errors": {file: text}, "stdout": text}``; a *unit* of ``functions`` (e.g. ``linear_svm``:
  ``svm_loss_naive``, ``svm_loss_vectorized``) is reported like a class whose methods are module-level
  functions, found when one of them is;
* ``{"cmd": "step", "nonce", "task": id, "seed": n, "cls": name, "step": {...}, "arrays": [{"name", "path", ...}, ...]}``
  -> ``{"event": "step", "nonce", "ok": bool, "error": text | null,
  "stdout": text, "outputs": [[key, value], ...]}`` followed by the output arrays' bytes.
  A new ``task`` id starts afresh (no object, no arrays) and seeds numpy's and
  ``random``'s global generators with ``seed``.  A step is ``new`` (instantiate
  ``cls``), ``set``/``get`` (an attribute), ``call`` (a method) or ``fn`` (the module-level function
  ``name`` of the unit ``cls``); ``save`` names its
  output, ``unpack`` splits a returned tuple.  Arguments ``{"npy": name}`` are a
  fresh copy, for every call, of the named input (read from its file when first needed), ``{"norm": "l1" | "l2" | "linf"}`` a norm
  function.  A value is ``{"kind": "array", "dtype", "shape", "nbytes", "type"}``,
  ``{"kind": "scalar", "value", "type"}``, ``{"kind": "none"}`` or ``{"kind": "bad",
  "type", "repr"}``.  ``stdout`` is what *this* step printed (capped), so the parent
  can attribute every printed line to the call that printed it;
* ``{"cmd": "end"}``: exit.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any

#: characters of printed output kept per step (the rest is counted, then dropped)
MAX_CAPTURE = 4096
#: the only dtypes that cross the boundary
DTYPES = frozenset({"|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8"})
#: longest command line the child accepts from the parent
MAX_COMMAND_LINE = 16 << 20


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


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Channel:
    """Framed messages: a JSON line, then raw array bytes."""

    def __init__(self, cmd_fd: int, reply_fd: int) -> None:
        self.cmd_fd, self.reply_fd = cmd_fd, reply_fd
        self.buffer = b""

    def receive(self) -> dict[str, Any] | None:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_COMMAND_LINE:
                return None
            chunk = os.read(self.cmd_fd, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def send(self, obj: dict[str, Any], blobs: list[Any] = ()) -> None:
        _write_all(self.reply_fd, (json.dumps(obj) + "\n").encode())
        for blob in blobs:
            _write_all(self.reply_fd, memoryview(blob).cast("B"))


def describe_exception(exc: BaseException, files: set[str]) -> str:
    """One readable line (plus the student's innermost frame) for an exception."""
    import traceback

    if isinstance(exc, SystemExit):
        return f"the code called sys.exit({_safe_repr(exc.code)}); a method must return, not exit"
    if isinstance(exc, MemoryError):
        return "ran out of memory (MemoryError): the allocation exceeded the memory limit"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    try:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        text = f"{type(exc).__name__} (its message could not be printed)"
    folders = {os.path.dirname(f) for f in files}
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.dirname(f.filename) in folders]
    except BaseException:  # noqa: BLE001
        frames = []
    if frames:
        f = frames[-1]
        text += f" (at {os.path.basename(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()})"
    return text[:2000]


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)[:200]
    except BaseException:  # noqa: BLE001 - a student's __repr__ may raise anything
        return f"<{type(value).__name__}>"


def encode(np: Any, value: Any) -> tuple[dict[str, Any], Any]:
    """(JSON description, array to send or None) of a returned value."""
    if value is None:
        return {"kind": "none"}, None
    type_name = type(value).__name__
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        try:
            return {"kind": "scalar", "value": float(value), "type": type_name}, None
        except (OverflowError, ValueError, TypeError):
            return {"kind": "bad", "type": type_name, "repr": _safe_repr(value)}, None
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(value)
            if arr.dtype == object:
                arr = arr.astype(np.float64)
            arr = np.ascontiguousarray(arr)
            if arr.dtype.byteorder == ">":
                arr = arr.astype(arr.dtype.newbyteorder("<"))
        except BaseException:  # noqa: BLE001 - a ragged list, an element that is not a number...
            return {"kind": "bad", "type": type_name, "repr": _safe_repr(value)}, None
        if arr.dtype.str not in DTYPES:
            return {"kind": "bad", "type": type_name, "repr": f"an array of dtype {arr.dtype}"}, None
        spec = {"kind": "array", "dtype": arr.dtype.str, "shape": list(arr.shape), "nbytes": int(arr.nbytes), "type": type_name}
        return spec, arr
    return {"kind": "bad", "type": type_name, "repr": _safe_repr(value)}, None


#: the assignment's package layout: ``from cs231n.classifiers.linear_svm import *`` in a submitted
#: ``linear_classifier.py`` names the submitted ``linear_svm.py``
LAYOUT_PACKAGES = frozenset({"cs231n", "cs231n.classifiers"})


class LayoutFinder:
    """Resolve the assignment's package imports to the submitted files (consulted after every other finder).

    ``cs231n`` and ``cs231n.classifiers`` become empty packages, and a module under them is the submitted
    file of the same name (``cs231n.classifiers.linear_svm`` -> ``linear_svm.py``); a module under them that
    was not submitted stays an ImportError.
    """

    def __init__(self, paths: list[str]) -> None:
        self.by_stem = {os.path.splitext(os.path.basename(p))[0]: p for p in paths}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        import importlib.machinery
        import importlib.util

        if fullname in LAYOUT_PACKAGES:
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = []
            return spec
        parent, _, stem = fullname.rpartition(".")
        if parent in LAYOUT_PACKAGES and stem in self.by_stem:
            return importlib.util.spec_from_file_location(fullname, self.by_stem[stem])
        return None


def import_submission(paths: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Import every file; return (module by path, import error by path)."""
    import importlib.util

    modules: dict[str, Any] = {}
    errors: dict[str, str] = {}
    files = set(paths)
    sys.meta_path.append(LayoutFinder(paths))
    for i, path in enumerate(paths):
        folder = os.path.dirname(path)
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
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends included: report, go on
            errors[path] = describe_exception(exc, files)
    return modules, errors


def locate(modules: dict[str, Any], classes: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Find each wanted class and where its methods are defined."""
    import inspect

    found: dict[str, Any] = {}
    info: dict[str, Any] = {}
    for cls_name, methods in classes.items():
        for path, module in modules.items():
            cls = getattr(module, cls_name, None)
            if isinstance(cls, type):
                found[cls_name] = cls
                where: dict[str, Any] = {}
                for m in methods:
                    try:
                        fn = inspect.getattr_static(cls, m, None)
                        fn = getattr(fn, "__func__", fn)
                        where[m] = {"file": inspect.getsourcefile(fn), "line": inspect.getsourcelines(fn)[1]}
                    except BaseException:  # noqa: BLE001 - not Python source, or a hostile descriptor
                        where[m] = None
                info[cls_name] = {"found": True, "file": path, "methods": where}
                break
        else:
            info[cls_name] = {"found": False}
    return found, info


def locate_functions(modules: dict[str, Any], functions: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Find each wanted module-level function (the first module defining it wins) and where it is defined."""
    import inspect

    found: dict[str, Any] = {}
    info: dict[str, Any] = {}
    for unit, names in functions.items():
        fns: dict[str, Any] = {}
        where: dict[str, Any] = {}
        file = None
        for name in names:
            for path, module in modules.items():
                fn = module.__dict__.get(name) if isinstance(getattr(module, "__dict__", None), dict) else None
                if callable(fn) and not isinstance(fn, type):
                    fns[name] = fn
                    file = file or path
                    try:
                        where[name] = {"file": inspect.getsourcefile(fn), "line": inspect.getsourcelines(fn)[1]}
                    except BaseException:  # noqa: BLE001 - not Python source, or a hostile object
                        where[name] = None
                    break
            else:
                where[name] = None
        found[unit] = fns
        info[unit] = {"found": True, "file": file, "methods": where} if fns else {"found": False}
    return found, info


class Runner:
    """The state of the task being run: its object and its arrays."""

    def __init__(self, np: Any, classes: dict[str, Any], functions: dict[str, dict[str, Any]] | None = None) -> None:
        self.np = np
        self.classes = classes
        self.functions = functions or {}
        self.task: Any = None
        self.obj: Any = None
        self.arrays: dict[str, Any] = {}
        self.loaded: dict[str, Any] = {}
        self.norms = {
            "l1": lambda v: float(np.abs(v).sum()),
            "l2": lambda v: float(np.sqrt((v * v).sum())),
            "linf": lambda v: float(np.abs(v).max()),
        }

    def begin(self, task: Any, seed: int) -> None:
        import random

        if task != self.task:
            self.task, self.obj, self.arrays, self.loaded = task, None, {}, {}
            self.np.random.seed(seed)
            random.seed(seed)

    def arg(self, spec: Any) -> Any:
        if isinstance(spec, dict) and "npy" in spec:
            name = spec["npy"]
            if name not in self.loaded:  # read once per task, when first needed
                path, dtype, shape = self.arrays[name]
                self.loaded[name] = self.np.fromfile(path, dtype=self.np.dtype(dtype)).reshape(shape)
            return self.loaded[name].copy()  # a fresh copy per call: the student may write into it
        if isinstance(spec, dict) and "norm" in spec:
            return self.norms[spec["norm"]]
        return spec

    def run(self, cls: str, step: dict[str, Any]) -> list[list[Any]]:
        """Run one step; return its outputs as [key, value] pairs. Student exceptions propagate."""
        args = [self.arg(a) for a in step.get("args", [])]
        kwargs = {k: self.arg(v) for k, v in step.get("kwargs", {}).items()}
        op = step["op"]
        if op == "new":
            self.obj = self.classes[cls](*args, **kwargs)
            return []
        if op == "set":
            setattr(self.obj, step["name"], args[0])
            return []
        if op == "fn":
            fn = self.functions.get(cls, {}).get(step["name"])
            if fn is None:
                raise NameError(f"{step['name']} is not defined at module level in the submission")
            value = fn(*args, **kwargs)
        else:
            value = getattr(self.obj, step["name"]) if op == "get" else getattr(self.obj, step["method"])(*args, **kwargs)
        key = step.get("save")
        if key is None:
            return []
        n = step.get("unpack")
        if n is None:
            return [[key, value]]
        if not isinstance(value, (tuple, list)) or len(value) != n:
            return [[key, BadValue(type(value).__name__, f"expected a tuple of {n} values, got {_safe_repr(value)}")]]
        return [[f"{key}.{i}", v] for i, v in enumerate(value)]


class BadValue:
    """A value already known not to be usable (e.g. a tuple of the wrong length)."""

    def __init__(self, type_name: str, text: str) -> None:
        self.type_name, self.text = type_name, text


def serve(channel: Channel, capture: CappedText, np: Any) -> None:
    """Answer commands until ``end`` (or the grader goes away)."""
    runner: Runner | None = None
    files: set[str] = set()
    while True:
        cmd = channel.receive()
        if cmd is None or cmd.get("cmd") == "end":
            return
        nonce = cmd.get("nonce")
        if cmd["cmd"] == "import":
            capture.cap = int(cmd.get("max_capture", MAX_CAPTURE))
            files = set(cmd["files"])
            modules, errors = import_submission(cmd["files"])
            found, info = locate(modules, cmd["classes"])
            functions, function_info = locate_functions(modules, cmd.get("functions") or {})
            runner = Runner(np, found, functions)
            info.update(function_info)
            _restore_streams(capture)
            channel.send({"event": "ready", "nonce": nonce, "classes": info, "import_errors": errors, "stdout": capture.take()})
            continue
        assert runner is not None, "a step before the import"
        runner.begin(cmd["task"], int(cmd["seed"]))
        for spec in cmd.get("arrays", []):
            runner.arrays[spec["name"]] = (spec["path"], spec["dtype"], spec["shape"])
        reply: dict[str, Any] = {"event": "step", "nonce": nonce, "ok": True, "error": None, "outputs": []}
        blobs: list[Any] = []
        try:
            for key, value in runner.run(cmd["cls"], cmd["step"]):
                if isinstance(value, BadValue):
                    reply["outputs"].append([key, {"kind": "bad", "type": value.type_name, "repr": value.text}])
                    continue
                spec, arr = encode(np, value)
                reply["outputs"].append([key, spec])
                if arr is not None:
                    blobs.append(arr)
        except BaseException as exc:  # noqa: BLE001 - every student failure is a report
            reply.update(ok=False, error=describe_exception(exc, files), outputs=[])
            blobs = []
        _restore_streams(capture)
        reply["stdout"] = capture.take()
        channel.send(reply, blobs)


def _restore_streams(capture: CappedText) -> None:
    sys.stdout = sys.stderr = capture  # in case the student replaced them


def _confine(config: dict[str, Any]) -> None:
    """Drop privileges, cap the processes, close inherited descriptors: before any student code."""
    import resource

    uid, gid = config.get("uid"), config.get("gid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    if config.get("nproc"):
        me, tasks = os.getuid(), 0
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == me:
                    tasks += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                pass
        limit = max(tasks, 1)
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
    keep = sorted({0, 1, 2, config["cmd_fd"], config["reply_fd"]})
    for low, high in zip(keep, keep[1:] + [1 << 16]):
        os.closerange(low + 1, high)


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    _confine(config)
    sys.dont_write_bytecode = True
    sys.path[:] = [p for p in sys.path if p and os.path.isdir(p)] + [config["site"]]
    import warnings

    import numpy as np

    channel = Channel(config["cmd_fd"], config["reply_fd"])
    channel.send({"event": "hello"})  # started: no student code has run yet
    capture = CappedText()
    _restore_streams(capture)
    warnings.simplefilter("default")
    serve(channel, capture, np)
    return 0


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
