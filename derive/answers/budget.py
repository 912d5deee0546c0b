"""Run one answer's check under a time and memory budget, in a forked child process.

The child (``os.fork``: it shares the loaded modules, so starting it costs
milliseconds) lowers its address-space limit (``RLIMIT_AS``) to its current size
plus ``memory`` bytes and its CPU-time limit (``RLIMIT_CPU``) to ``seconds``, and
runs the check; the parent waits at most :data:`WALL_FACTOR` × ``seconds`` of wall
time (a loaded machine slows the child down without changing the verdict) and
kills it after.  A check that runs out of time or memory — SymPy's step included,
which cannot be interrupted from inside — ends as :class:`TooExpensive`, never as
a verdict; anything else the child raises is raised again in the parent.  Where
``fork`` is not available the check runs in-process with only the work budgets of
:mod:`derive.answers.evaluate`.

Examples
--------
>>> run_bounded(lambda: 6 * 7, seconds=10, memory=2**28)
42
>>> run_bounded(lambda: sum(range(10**12)), seconds=1, memory=2**28)
Traceback (most recent call last):
...
derive.answers.errors.TooExpensive: checking the answer took more than ...
"""

from __future__ import annotations

import math
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

from derive.answers.errors import TooExpensive

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX
    resource = None  # type: ignore[assignment]

__all__ = ["run_bounded", "DEFAULT_SECONDS", "DEFAULT_MEMORY", "WALL_FACTOR", "CheckCrashed"]

T = TypeVar("T")

#: CPU seconds one answer's check may take (SymPy's step included).
DEFAULT_SECONDS = 20.0
#: The wall-clock limit is this many times the CPU limit.
WALL_FACTOR = 3.0
#: Bytes of address space one answer's check may add.
DEFAULT_MEMORY = 1 << 30


class CheckCrashed(RuntimeError):
    """The child checking an answer died without a result (an internal error, never a verdict)."""


def _address_space() -> int:
    """This process's current virtual memory size in bytes (0 when unknown)."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _child(fn: Callable[[], T], seconds: float, memory: int, w: int) -> None:
    try:
        try:
            current = _address_space()
            if current and resource is not None:
                _, hard = resource.getrlimit(resource.RLIMIT_AS)
                limit = current + memory
                resource.setrlimit(resource.RLIMIT_AS, (limit if hard < 0 else min(limit, hard), hard))
            if resource is not None:
                cpu = max(1, math.ceil(seconds))
                resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            payload: tuple[str, object] = ("ok", fn())
        except MemoryError:
            payload = ("raise", TooExpensive("checking the answer needs more memory than its budget",
                                             budget="memory"))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which re-raises it
            payload = ("raise", exc)
        try:
            data = pickle.dumps(payload)
        except Exception as exc:  # noqa: BLE001
            data = pickle.dumps(("raise", CheckCrashed(f"unpicklable result: {type(exc).__name__}: {exc}")))
        view = memoryview(data)
        while view:
            view = view[os.write(w, view):]
    finally:
        os._exit(0)


def run_bounded(fn: Callable[[], T], *, seconds: float = DEFAULT_SECONDS, memory: int = DEFAULT_MEMORY) -> T:
    """``fn()`` run in a child process with ``seconds`` of CPU time and ``memory`` more bytes.

    Raises
    ------
    TooExpensive
        Out of time (the child is killed) or out of memory.
    CheckCrashed
        The child died without a result.
    Exception
        Whatever ``fn`` raised.
    """
    if not hasattr(os, "fork"):
        return fn()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(r)
        _child(fn, seconds, memory, w)
    os.close(w)
    chunks: list[bytes] = []
    deadline = time.monotonic() + WALL_FACTOR * seconds
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                continue
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise TooExpensive(f"checking the answer took more than {WALL_FACTOR * seconds:g} s", budget="time")
    if not chunks:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            raise TooExpensive(f"checking the answer took more than {seconds:g} s of CPU time", budget="time")
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            raise TooExpensive("checking the answer was stopped (memory)", budget="memory")
        raise CheckCrashed(f"the check ended without a result (status {status})")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "raise":
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
