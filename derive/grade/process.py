"""The child process of the sandbox: how it is started, limited, read from and killed.

* a sanitised environment: no user site, no bytecode writing, one BLAS (and numba) thread,
  ``PYTHONPATH`` only for :mod:`derive.grade.child`;
* its own session (process group), a fresh working folder, ``stdin`` closed,
  ``stdout``/``stderr`` to a file of which only the tail is ever read;
* ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_FSIZE`` and no core files, set
  between fork and exec;
* protocol lines on an inherited pipe, read with a deadline (``select``).
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import derive

__all__ = ["MAX_FILE_BYTES", "MAX_PROTOCOL_BYTES", "Child", "signal_text", "tail"]

#: bytes of protocol text accepted from one child (a flood beyond this kills it)
MAX_PROTOCOL_BYTES = 16 << 20
#: largest file the child may write (npy outputs, its raw stdout)
MAX_FILE_BYTES = 512 << 20


def _preexec(memory_mb: int, cpu_seconds: int) -> Any:
    mem = memory_mb << 20

    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _environment(home: Path) -> dict[str, str]:
    root = str(Path(derive.__file__).resolve().parent.parent)
    return {
        "PATH": os.defpath,
        "PYTHONPATH": root,  # the child imports derive.grade.child and nothing else of ours
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1",  # numerics' numba kernels too: one thread, so timings do not stall on a busy core
        "MPLBACKEND": "Agg",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
    }


def signal_text(returncode: int | None) -> str:
    if returncode is None:
        return "the process did not finish"
    if returncode < 0:
        sig = -returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        extra = {
            "SIGSEGV": " (segmentation fault)",
            "SIGABRT": " (aborted, e.g. os.abort())",
            "SIGXCPU": " (CPU time limit exceeded)",
            "SIGXFSZ": " (wrote a file larger than the limit)",
            "SIGKILL": " (killed: out of memory or time)",
        }.get(name, "")
        return f"the process crashed with signal {name}{extra}"
    return f"the process exited with status {returncode} (os._exit or a fatal error) instead of returning"


def tail(path: Path, n: int = 600) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - n))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


class Child:
    """One child process and the protocol lines it sends."""

    def __init__(self, job: Path, run_dir: Path, *, timeout: float, memory_mb: int, n_tasks: int) -> None:
        self.run_dir = run_dir
        cwd = run_dir / "cwd"
        cwd.mkdir()
        self.log = run_dir / "stdout.txt"
        rfd, wfd = os.pipe()
        cpu = int(timeout * (n_tasks + 1)) + 5
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-s", "-P", "-m", "derive.grade.child", str(job), str(wfd)],
                cwd=cwd,
                env=_environment(cwd),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(wfd,),
                preexec_fn=_preexec(memory_mb, cpu),
                start_new_session=True,
            )
        os.close(wfd)
        self.rfd = rfd
        self.buffer = b""
        self.received = 0

    def events(self, deadline: float) -> tuple[list[dict[str, Any]], str]:
        """Events available before ``deadline``; state is "more", "eof" or "timeout"."""
        left = deadline - time.monotonic()
        if left <= 0:
            return [], "timeout"
        ready, _, _ = select.select([self.rfd], [], [], left)
        if not ready:
            return [], "timeout"
        chunk = os.read(self.rfd, 1 << 16)
        if not chunk:
            return [], "eof"
        self.received += len(chunk)
        if self.received > MAX_PROTOCOL_BYTES:
            return [], "flood"
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        out = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # not ours: ignore
            if isinstance(event, dict):
                out.append(event)
        return out, "more"

    def stop(self) -> int | None:
        """Kill the whole process group (if still running) and reap the child."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - unkillable child
            code = None
        os.close(self.rfd)
        return code
