"""Where the compiled numba kernels are cached on disk, so that a new process does not compile them again.

numba (``cache=True``) writes next to the source, in ``numerics/accel/__pycache__``, when
that is writable, else in its own user-wide directory; when neither is writable -- a
read-only install and a read-only or missing home -- it refuses to define the kernel at
all (``RuntimeError: cannot cache function``). :func:`configure` picks the place first:

1. ``NUMBA_CACHE_DIR`` when the user set it and it is writable (numba's own setting);
2. the package's ``__pycache__`` when writable (numba's default);
3. else ``$XDG_CACHE_HOME/gradproof/numba`` (``~/.cache/gradproof/numba``), else a
   per-user folder in the temporary directory: the first writable one becomes numba's
   cache directory for this process;
4. else no disk cache: the kernels compile in every process (about 10 s on first use).

Imported only when numba is installed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence

__all__ = ["configure", "candidates", "writable"]


def writable(path: str) -> bool:
    """Whether a file can be created in ``path`` (created if missing)."""
    try:
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


def candidates() -> list[str]:
    """The fall-back cache folders, in order: the user's cache folder, then a per-user temporary one."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return [os.path.join(base, "gradproof", "numba"), os.path.join(tempfile.gettempdir(), f"gradproof-numba-{uid}")]


def configure(
    package_dir: str | None = None,
    fallbacks: Sequence[str] | None = None,
    is_writable: Callable[[str], bool] = writable,
) -> str | None:
    """Choose the kernels' cache folder (see the module's notes); return it, or None for no disk cache.

    Parameters
    ----------
    package_dir : str, optional
        The folder of the kernels' sources (default: this package).
    fallbacks : sequence of str, optional
        Default :func:`candidates`.
    is_writable : callable
        The test of a folder (default :func:`writable`; tests pass their own).
    """
    from numba.core import config

    if config.CACHE_DIR and is_writable(str(config.CACHE_DIR)):  # NUMBA_CACHE_DIR: the user's choice
        return str(config.CACHE_DIR)
    here = os.path.join(package_dir or os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    if is_writable(here):
        return here
    for folder in candidates() if fallbacks is None else fallbacks:
        if is_writable(folder):
            config.CACHE_DIR = folder  # read by numba when each kernel is defined
            return folder
    return None


#: the folder the kernels are cached in, or None (set at import)
CACHE_DIR: str | None = configure()
