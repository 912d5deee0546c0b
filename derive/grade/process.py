"""One child process of the sandbox: started isolated, spoken to with deadlines, killed with all it started.

The parent trusts nothing the child sends (student code runs in it and can write
anything on its channel):

* every read and write has the parent's wall-clock deadline (``select`` on
  non-blocking pipes); a child that stops reading or stops answering times out;
* a reply's JSON line is at most :data:`MAX_LINE_BYTES`, its arrays are described
  (dtype from a short list, shape, byte count) and size-capped *before* a byte of
  them is read, then read once into a buffer of exactly that size;
* the child's raw ``stdout``/``stderr`` is drained continuously and only its tail
  is kept, so a flood neither blocks the child nor fills the grader's memory;
* :meth:`Child.stop` kills the whole sandbox (and, when the grader is root, every
  process of the sandbox's user), so nothing the child started outlives it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.grade.isolation import Isolation, plan, reap_user

__all__ = ["DTYPES", "MAX_LINE_BYTES", "Child", "ProtocolError", "Reply", "signal_text", "stop_all"]

#: longest JSON line accepted from the child
MAX_LINE_BYTES = 1 << 20
#: the only array dtypes accepted from the child
DTYPES = frozenset({"|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8"})
#: bytes of the child's raw stdout/stderr kept (its tail)
TAIL_BYTES = 2000
#: capacity asked for the two channels' pipes (Linux allows 1 MiB without privileges)
PIPE_BYTES = 1 << 20
#: most dimensions of an array accepted from the child
MAX_NDIM = 8


class ProtocolError(Exception):
    """The child sent something that is not a well-formed reply to the last command."""


class Timeout(Exception):
    """The parent's deadline passed while waiting on the child."""


class Gone(Exception):
    """The child closed its end (exited, crashed, or closed the channel)."""


@dataclass(frozen=True)
class Reply:
    """A validated reply: its JSON header, its arrays, and the round trip's duration measured by the parent."""

    header: dict[str, Any]
    arrays: list[NDArray[Any]]
    seconds: float


def signal_text(returncode: int | None) -> str:
    """How a child ended, in words."""
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
    if returncode > 128 and returncode - 128 in signal.Signals._value2member_map_:
        return signal_text(128 - returncode)  # bwrap reports a signal death as 128 + signal
    return f"the process exited with status {returncode} (os._exit or a fatal error) instead of returning"


def array_spec(spec: Any, cap: int) -> tuple[np.dtype[Any], tuple[int, ...], int]:
    """Validate an array description from the child: (dtype, shape, nbytes), or ProtocolError."""
    if not isinstance(spec, dict):
        raise ProtocolError("an array description that is not an object")
    dtype, shape, nbytes = spec.get("dtype"), spec.get("shape"), spec.get("nbytes")
    if dtype not in DTYPES:
        raise ProtocolError(f"an array of dtype {str(dtype)[:40]!r}; only boolean, integer and float arrays are accepted")
    if (not isinstance(shape, list) or len(shape) > MAX_NDIM
            or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= cap for n in shape)):
        raise ProtocolError(f"an array shape that is not a list of at most {MAX_NDIM} sizes: {str(shape)[:80]}")
    dt = np.dtype(dtype)
    size = math.prod(shape) * dt.itemsize
    if not isinstance(nbytes, int) or nbytes != size:
        raise ProtocolError(f"an array whose byte count {str(nbytes)[:40]} is not its shape times its item size ({size})")
    if size > cap:
        raise ProtocolError(f"an array of {size} bytes, more than the limit of {cap}")
    return dt, tuple(shape), size


#: children started and not yet stopped (so that an interrupted grader can stop them all)
_LIVE: set[Child] = set()


def stop_all() -> None:
    """Stop every child still running (after an interrupt or an internal error)."""
    for child in list(_LIVE):
        child.stop()


class Child:
    """One sandboxed child process and its two channels."""

    def __init__(self, isolation: Isolation, box: Path, work: Path, *, memory_mb: int, cpu_seconds: int, scratch_mb: int) -> None:
        cmd_r, cmd_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        for fd in (cmd_w, rep_w):  # fewer wake-ups per array: part of every timed round trip
            try:
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
            except OSError:
                pass
        config = {"cmd_fd": cmd_r, "reply_fd": rep_w}
        p = plan(isolation, box, work, config, memory_mb=memory_mb, cpu_seconds=cpu_seconds, scratch_mb=scratch_mb)
        self.uid = p.uid
        self.sweep = isolation.kind == "unprivileged-user"
        try:
            self.proc = subprocess.Popen(
                p.argv, cwd=p.cwd, env=p.env, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
                pass_fds=(cmd_r, rep_w), preexec_fn=p.preexec, start_new_session=True,
            )
        finally:
            for fd in (cmd_r, rep_w, out_w):
                os.close(fd)
        self.cmd, self.rep, self.out = cmd_w, rep_r, out_r
        for fd in (cmd_w, rep_r, out_r):
            os.set_blocking(fd, False)
        self.buffer = bytearray()  # reply bytes received but not yet consumed
        self.tail = b""
        self.closed = False
        _LIVE.add(self)

    # -- low-level I/O with a deadline -------------------------------------------------
    def _wait(self, deadline: float, *, write: bool) -> bool:
        """Wait until the reply channel is readable (or the command channel writable); drain stdout meanwhile."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout
            readers = [self.rep] + ([self.out] if self.out >= 0 else [])
            r, w, _ = select.select(readers, [self.cmd] if write else [], [], left)
            if self.out in r:
                self._drain()
            if (write and w) or self.rep in r:
                return True

    def _drain(self) -> None:
        try:
            chunk = os.read(self.out, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            os.close(self.out)
            self.out = -1
            return
        self.tail = (self.tail + chunk)[-TAIL_BYTES:]

    def _fill(self, deadline: float) -> None:
        """Read what the reply channel has into the buffer (at most 64 KiB)."""
        self._wait(deadline, write=False)
        try:
            chunk = os.read(self.rep, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            raise Gone
        self.buffer += chunk

    def _pump_while_sending(self, deadline: float, data: bytes | memoryview) -> None:
        """Send ``data``; replies arriving meanwhile are buffered (capped)."""
        view = memoryview(data).cast("B")
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout
            readers = [self.rep] + ([self.out] if self.out >= 0 else [])
            r, w, _ = select.select(readers, [self.cmd], [], left)
            if self.out in r:
                self._drain()
            if self.rep in r:
                chunk = os.read(self.rep, 1 << 16)
                if not chunk:
                    raise Gone
                self.buffer += chunk
                if len(self.buffer) > MAX_LINE_BYTES:
                    raise ProtocolError("more than 1 MiB sent on the channel before the command was read")
            if w:
                try:
                    view = view[os.write(self.cmd, view):]
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError) as exc:
                    raise Gone from exc

    def _line(self, deadline: float) -> dict[str, Any]:
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                break
            if len(self.buffer) > MAX_LINE_BYTES:
                raise ProtocolError(f"a line of more than {MAX_LINE_BYTES} bytes")
            self._fill(deadline)
        if end > MAX_LINE_BYTES:
            raise ProtocolError(f"a line of more than {MAX_LINE_BYTES} bytes")
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise ProtocolError(f"a line that is not JSON ({type(exc).__name__})") from exc
        if not isinstance(obj, dict):
            raise ProtocolError("a JSON line that is not an object")
        return obj

    def _read_array(self, dtype: np.dtype[Any], shape: tuple[int, ...], nbytes: int, deadline: float) -> NDArray[Any]:
        out = np.empty(shape, dtype=dtype)
        view = memoryview(out.reshape(-1).view(np.uint8)) if nbytes else memoryview(b"")
        take = min(nbytes, len(self.buffer))
        view[:take] = self.buffer[:take]
        del self.buffer[:take]
        pos = take
        while pos < nbytes:
            self._wait(deadline, write=False)
            try:
                got = os.readv(self.rep, [view[pos:]])
            except BlockingIOError:
                continue
            if got == 0:
                raise Gone
            pos += got
        return out

    # -- the protocol ------------------------------------------------------------------
    def exchange(self, command: dict[str, Any], deadline: float, *,
                 event: str, array_key: str | None, array_cap: int, total_cap: int) -> Reply:
        """Send ``command``, read and validate the reply (arrays included), time the round trip.

        Raises Timeout, Gone or ProtocolError; any of them leaves the child unusable.
        """
        nonce = os.urandom(8).hex()
        data = (json.dumps({**command, "nonce": nonce}) + "\n").encode()
        if self.buffer:
            raise ProtocolError("unrequested bytes on the channel before the command")
        t0 = time.perf_counter()
        self._pump_while_sending(deadline, data)
        header = self._line(deadline)
        if header.get("event") != event or header.get("nonce") != nonce:
            raise ProtocolError(f"a message that is not the reply to the last command (event {str(header.get('event'))[:40]!r})")
        arrays = []
        if array_key is not None:
            outputs = header.get(array_key)
            if not isinstance(outputs, list):
                raise ProtocolError(f"{array_key!r} is not a list")
            specs = []
            for item in outputs:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], dict)):
                    raise ProtocolError(f"an entry of {array_key!r} that is not a [name, value] pair")
                if item[1].get("kind") == "array":
                    specs.append(array_spec(item[1], array_cap))
            if sum(s[2] for s in specs) > total_cap:
                raise ProtocolError(f"arrays of {sum(s[2] for s in specs)} bytes in one reply, more than the limit of {total_cap}")
            arrays = [self._read_array(*s, deadline) for s in specs]
        seconds = time.perf_counter() - t0
        if self.buffer:
            raise ProtocolError("bytes after the reply")
        return Reply(header, arrays, seconds)

    def hello(self, deadline: float) -> None:
        """Wait for the child's start-up message (sent before any student code runs, so it can be trusted)."""
        if self._line(deadline).get("event") != "hello":
            raise ProtocolError("a first message that is not the child's hello")

    def output_tail(self) -> str:
        """The end of what the child wrote to its raw stdout/stderr."""
        return self.tail.decode("utf-8", "replace").strip()

    def stop(self) -> int | None:
        """Kill the sandbox and everything in it, reap it, close the channels; return the exit status."""
        if self.closed:
            return self.proc.returncode
        self.closed = True
        _LIVE.discard(self)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - unkillable child
            code = None
        if self.uid is not None:
            reap_user(self.uid, sweep=self.sweep)
        if self.out >= 0:
            try:
                while True:
                    chunk = os.read(self.out, 1 << 16)
                    if not chunk:
                        break
                    self.tail = (self.tail + chunk)[-TAIL_BYTES:]
            except OSError:
                pass
        for fd in (self.cmd, self.rep, self.out):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError as exc:
                    if exc.errno != errno.EBADF:
                        raise
        return code

    def finished(self, grace: float) -> int | None:
        """The exit status once the child has exited of its own accord (waiting at most ``grace`` s), else None."""
        try:
            return self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return None
