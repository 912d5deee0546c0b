r"""Open data files safely: regular files only, no symbolic links, size capped before reading.

A data folder may hold anything a hostile user put there: a FIFO (reading it
blocks forever), a symbolic link to ``/dev/zero`` or to a file outside the
folder, a device, a folder, or a file far larger than any dataset.
:func:`read_regular_file` reads a file only when it is a regular file that is
not a symbolic link, and only when its size is within the caller's cap, so the
memory it allocates is known before it is allocated.

Examples
--------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> with open(os.path.join(folder, "a"), "wb") as f:
...     _ = f.write(b"abc")
>>> read_regular_file(os.path.join(folder, "a"), max_bytes=10, what="test file")
b'abc'
>>> os.symlink("/dev/zero", os.path.join(folder, "zero"))
>>> read_regular_file(os.path.join(folder, "zero"), max_bytes=10, what="test file")
Traceback (most recent call last):
...
numerics.data.errors.DataFormatError: .../zero: is a symbolic link; only regular files inside the data folder are read ...
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from numerics.data.errors import DataFormatError, DataNotFoundError

__all__ = ["read_regular_file", "describe_mode"]

_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
_CHUNK = 1 << 30  # os.read returns at most about 2 GiB at a time


def describe_mode(mode: int) -> str:
    """What kind of file ``mode`` (from ``os.stat``) says it is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "a regular file" if stat.S_ISREG(mode) else "a special file")


def _refuse(path: str | Path, mode: int) -> DataFormatError:
    kind = describe_mode(mode)
    if stat.S_ISLNK(mode):
        return DataFormatError(f"{path}: is a symbolic link; only regular files inside the data folder are read "
                               f"(put the file itself there)")
    return DataFormatError(f"{path}: is {kind}, not a regular file; only regular files are read")


def read_regular_file(path: str | Path, *, max_bytes: int, what: str) -> bytes:
    """The whole content of ``path``, which must be a regular file of at most ``max_bytes`` bytes.

    Parameters
    ----------
    path : str or Path
    max_bytes : int
        The largest size a legitimate ``what`` can have; a larger file is refused
        before anything is read.
    what : str
        What the file should be, for the error message (e.g. ``"CIFAR-10 python batch"``).

    Returns
    -------
    bytes
        Exactly ``os.fstat(fd).st_size`` bytes.

    Raises
    ------
    DataNotFoundError
        No such file.
    DataFormatError
        A symbolic link, FIFO, device, socket or folder (checked with ``lstat``
        before opening, and with ``fstat`` on the descriptor opened with
        ``O_NOFOLLOW | O_NONBLOCK``, so swapping the file in between does not help);
        a file larger than ``max_bytes``; a file that changed size while being read;
        or one that cannot be opened.

    Notes
    -----
    Memory used is at most ``max_bytes`` plus a constant, whatever the file is.
    """
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        raise DataNotFoundError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot inspect the file ({exc.strerror})") from None
    if not stat.S_ISREG(before.st_mode):
        raise _refuse(path, before.st_mode)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise DataNotFoundError(f"{path}: no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a symbolic link after the lstat
            raise _refuse(path, stat.S_IFLNK) from None
        raise DataFormatError(f"{path}: cannot open the file ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, st.st_mode)
        if st.st_size > max_bytes:
            raise DataFormatError(f"{path}: {st.st_size} bytes, more than the {max_bytes} bytes a {what} can have; "
                                  f"refused before reading")
        chunks: list[bytes] = []
        got = 0
        while got < st.st_size:
            chunk = os.read(fd, min(st.st_size - got, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got != st.st_size or os.read(fd, 1):
            raise DataFormatError(f"{path}: the file changed size while being read (expected {st.st_size} bytes); "
                                  f"read it again when nothing is writing to it")
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot read the file ({exc.strerror})") from None
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
