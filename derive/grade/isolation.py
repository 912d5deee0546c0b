"""How the grader's child is isolated: which mechanism, and the command line that starts it.

Three levels, the strongest available is used (:func:`detect`):

``bubblewrap``
    `bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``, the sandbox
    Flatpak uses) starts the child in new PID, network, IPC, UTS and cgroup namespaces
    (plus a user namespace when the grader is not root), with ``--die-with-parent``
    and ``--new-session``.  Its file system is a fresh tmpfs holding read-only binds
    of ``/usr``, the Python runtime, numpy's own folder and the private ``/box``
    folder (the child script and a *copy* of the submission), a size-capped writable
    ``/tmp``, its own ``/proc`` and a minimal ``/dev``.  The project, the venv's other
    packages, the runtime's ``site-packages``, ``/home``, ``/root``, ``/etc`` and the
    grader's ``/proc`` are not there.  When the grader runs as root the child drops to
    a user id of its own (:func:`sandbox_uid`) before any student code runs.
``unprivileged-user``
    No usable ``bwrap`` but the grader is root: the child runs as its own user id in
    its own session, with the same resource limits; afterwards every process of that
    user is killed and its files in the world-writable folders are removed.
``rlimits-only``
    Neither: resource limits and a process-group kill only (a developer's machine).

In every mode: ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_FSIZE``, no core
files, no new privileges (``PR_SET_NO_NEW_PRIVS``), a cleared environment, and (in
the first two) ``RLIMIT_NPROC`` set by the child to the processes it has, so that
student code can start no process or thread.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KINDS", "Isolation", "Plan", "detect", "plan", "reap_user", "sandbox_uid"]

#: the isolation levels, strongest first
KINDS = ("bubblewrap", "unprivileged-user", "rlimits-only")
#: the environment variable that selects a weaker level (for tests and for debugging)
ENV_OVERRIDE = "GRADPROOF_SANDBOX"
#: the environment variable naming the child's interpreter in the fallback modes
PYTHON_OVERRIDE = "GRADPROOF_SANDBOX_PYTHON"
#: where the box (child script, submission copy) appears inside the bubblewrap sandbox
BOX = "/box"
#: where numpy (alone) appears inside the bubblewrap sandbox
SITE = "/site"
#: the sandbox's own user ids are taken from here up (far from any real account)
UID_BASE = 1_500_000_000
#: folders any user may write to, swept for the sandbox user's files in the fallback mode
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")


@dataclass(frozen=True)
class Isolation:
    """The isolation in use and why (``kind`` is one of :data:`KINDS`)."""

    kind: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """How to start one child: its argv, environment, working folder and pre-exec function."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    preexec: Callable[[], None]
    uid: int | None


def sandbox_uid() -> int | None:
    """The user id of this grader's children when the grader is root (unique per grader process), else None."""
    return UID_BASE + os.getpid() if os.geteuid() == 0 else None


def _bwrap_namespaces() -> list[str]:
    if os.geteuid() == 0:  # privileged: no user namespace, so that the child can become a real, unprivileged user
        return ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return ["--unshare-all", "--unshare-user", "--disable-userns"]


@functools.lru_cache(maxsize=1)
def _bwrap_works() -> str | None:
    """None when ``bwrap`` can build a sandbox here, else why not."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = [exe, *_bwrap_namespaces(), "--die-with-parent", "--new-session", "--ro-bind", "/", "/",
             "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not be run ({exc})"
    if done.returncode != 0:
        return f"bwrap cannot create namespaces here: {done.stderr.decode(errors='replace').strip()[:300]}"
    return None


def detect() -> Isolation:
    """The strongest isolation available (or the one named by ``$GRADPROOF_SANDBOX``, if weaker)."""
    wanted = os.environ.get(ENV_OVERRIDE)
    if wanted is not None and wanted not in KINDS:
        raise ValueError(f"${ENV_OVERRIDE}: expected one of {', '.join(KINDS)}, got {wanted!r}")
    why_not = _bwrap_works() if wanted in (None, "bubblewrap") else f"${ENV_OVERRIDE}={wanted}"
    if why_not is None:
        return Isolation("bubblewrap", "bwrap namespaces" + (" + a user of its own" if os.geteuid() == 0 else ""))
    if os.geteuid() == 0 and wanted != "rlimits-only":
        hidden = [p for p in _runtime_paths() if not _readable_by_others(p)]
        if not hidden:
            return Isolation("unprivileged-user", why_not)
        why_not += f"; another user cannot read the Python runtime ({hidden[0]})"
    return Isolation("rlimits-only", why_not + ("" if os.geteuid() == 0 else "; the grader is not root, so no user of its own either"))


@functools.lru_cache(maxsize=4)
def _fallback_python(override: str | None) -> tuple[str, str]:
    """(interpreter, its standard library) for the child in the fallback modes.

    ``$GRADPROOF_SANDBOX_PYTHON`` may name another interpreter of the same version,
    for a grader whose own Python lives where other users cannot read (e.g. under ``/root``).
    """
    if override is None:
        return os.path.realpath(sys.executable), os.path.realpath(sysconfig.get_path("stdlib"))
    probe = "import sys, sysconfig; print(sys.version_info[0], sys.version_info[1], sysconfig.get_path('stdlib'))"
    try:
        out = subprocess.run([override, "-I", "-c", probe], capture_output=True, text=True, timeout=30, check=True).stdout.split()
    except (OSError, subprocess.SubprocessError) as exc:
        raise ValueError(f"${PYTHON_OVERRIDE}: expected a Python interpreter, got {override!r} ({exc})") from exc
    if (int(out[0]), int(out[1])) != sys.version_info[:2]:
        raise ValueError(f"${PYTHON_OVERRIDE}: expected Python {sys.version_info[0]}.{sys.version_info[1]} "
                         f"(numpy's build), got {out[0]}.{out[1]} at {override}")
    return os.path.realpath(override), os.path.realpath(out[2])


def _runtime_paths() -> list[str]:
    """What the child's interpreter reads in the fallback modes: its binary, its standard library, numpy."""
    return [*_fallback_python(os.environ.get(PYTHON_OVERRIDE)), *(str(d) for d in _numpy_dirs())]


def _readable_by_others(path: str) -> bool:
    """Whether a user with no rights of its own can reach and read ``path`` (every folder above it searchable)."""
    import stat

    try:
        parts = Path(path).parts
        for i in range(1, len(parts)):
            if not os.stat(Path(*parts[:i])).st_mode & stat.S_IXOTH:
                return False
        return bool(os.stat(path).st_mode & stat.S_IROTH)
    except OSError:
        return False


def _libc_prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None


_PRCTL = _libc_prctl()
_PR_SET_NO_NEW_PRIVS = 38


def _preexec(memory_mb: int, cpu_seconds: int, file_bytes: int) -> Callable[[], None]:
    mem = memory_mb << 20

    def apply() -> None:  # runs in the forked child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if _PRCTL is not None:
            _PRCTL(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)

    return apply


def _environment(home: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",  # set and dict orders reproducible across runs
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "OPENBLAS_NUM_THREADS": "1",  # no BLAS threads: the child may not start any
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _numpy_dirs() -> list[Path]:
    """numpy's package folder and, for wheels, its bundled libraries (``numpy.libs``)."""
    import numpy

    pkg = Path(numpy.__file__).resolve().parent
    return [d for d in (pkg, pkg.with_name("numpy.libs")) if d.is_dir()]


def _hidden(bound: list[str]) -> list[str]:
    """Folders inside the bound trees that hold other Python packages (or the project): covered by empty tmpfs."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = {
        sysconfig.get_path("purelib", vars={"base": sys.base_prefix, "platbase": sys.base_prefix}),
        sysconfig.get_path("platlib", vars={"base": sys.base_prefix, "platbase": sys.base_prefix}),
        "/usr/lib/python3/dist-packages",
        f"/usr/lib/{version}/dist-packages",
        f"/usr/local/lib/{version}/dist-packages",
        f"/usr/local/lib/{version}/site-packages",
        str(Path(__file__).resolve().parents[2]),  # the project itself, should it live under a bound tree
    }
    return sorted(os.path.realpath(p) for p in candidates if p and os.path.isdir(p) and _under(os.path.realpath(p), bound))


def _with_parents(dest: str, made: set[str]) -> list[str]:
    """bwrap arguments creating ``dest``'s missing parent folders world-readable (bwrap would make them 0700)."""
    args: list[str] = []
    parts = Path(dest).parts
    for i in range(2, len(parts)):  # parts[0] is "/"
        d = str(Path(*parts[:i]))
        if d not in made:
            made.add(d)
            args += ["--perms", "0755", "--dir", d]
    return args


def _bwrap_argv(box: Path, python: str, config: str, scratch_bytes: int) -> list[str]:
    runtime = os.path.realpath(sys.base_prefix)
    bound = ["/usr"] + ([] if _under(runtime, ["/usr"]) else [runtime])
    argv = [shutil.which("bwrap") or "bwrap", *_bwrap_namespaces(), "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = f"/{name}"
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    made: set[str] = set()
    if runtime not in ("/usr",) and not _under(runtime, ["/usr"]):
        argv += _with_parents(runtime, made) + ["--ro-bind", runtime, runtime]
    for hidden in _hidden(bound):
        argv += ["--size", str(1 << 16), "--tmpfs", hidden]
    argv += _with_parents(f"{BOX}/x", made) + ["--ro-bind", str(box), BOX]
    argv += _with_parents(f"{SITE}/x", made)
    for d in _numpy_dirs():
        argv += ["--ro-bind", str(d), f"{SITE}/{d.name}"]
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(scratch_bytes), "--tmpfs", "/tmp",
             "--chdir", "/tmp", "--clearenv"]
    for k, v in _environment("/tmp").items():
        argv += ["--setenv", k, v]
    return [*argv, "--", python, "-S", "-s", "-P", f"{BOX}/child.py", config]


def plan(isolation: Isolation, box: Path, work: Path, config: dict[str, object], *,
         memory_mb: int, cpu_seconds: int, scratch_mb: int) -> Plan:
    """The command line for one child; ``config`` is completed with the uid, ``site`` and ``nproc``.

    ``box`` holds ``child.py`` and the submission's copy (read-only to the child);
    ``work`` is the writable folder of the fallback modes (bubblewrap uses a tmpfs).
    """
    python = os.path.realpath(sys.executable)
    uid = sandbox_uid() if isolation.kind != "rlimits-only" else None
    scratch = scratch_mb << 20
    preexec = _preexec(memory_mb, cpu_seconds, scratch)
    config = {**config, "uid": uid, "gid": uid, "nproc": isolation.kind != "rlimits-only"}
    if isolation.kind == "bubblewrap":
        config["site"] = SITE
        import json

        argv = _bwrap_argv(box, python, json.dumps(config), scratch)
        return Plan(argv, {"PATH": os.defpath}, "/", preexec, uid)
    site = box / "site"
    site.mkdir(exist_ok=True)
    for d in _numpy_dirs():  # numpy alone on the child's path, not the rest of site-packages
        if not (site / d.name).is_symlink():
            (site / d.name).symlink_to(d)
    config["site"] = str(site)
    if uid is not None:
        os.chown(work, uid, uid)
        os.chmod(work, 0o700)
    import json

    python = _fallback_python(os.environ.get(PYTHON_OVERRIDE))[0]
    argv = [python, "-S", "-s", "-P", str(box / "child.py"), json.dumps(config)]
    return Plan(argv, _environment(str(work)), str(work), preexec, uid)


def _user_pids(uid: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    pids.append(int(name))
            except OSError:
                pass
    return pids


def reap_user(uid: int, *, sweep: bool) -> list[int]:
    """Kill every process of ``uid`` (the sandbox's own user); with ``sweep``, remove its files in shared temp folders.

    Returns the processes still alive afterwards (none, unless the kernel is slow to reap).
    ``kill(-1, SIGKILL)`` from a process running as ``uid`` reaches exactly that user's
    processes, including daemons that left their session and process group.
    """
    for _ in range(50):
        if not _user_pids(uid):
            break
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the forked helper
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.02)
    if sweep:
        for folder in SHARED_TMP:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.stat(follow_symlinks=False).st_uid != uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)
                except OSError:
                    pass
    return _user_pids(uid)
