"""Tries to lift its limits, change user, create namespaces and trace its parent."""
import ctypes
import os
import resource
from _stub import KNN

for r in (resource.RLIMIT_AS, resource.RLIMIT_NPROC, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE):
    try:
        resource.setrlimit(r, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass
for fn in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.setgroups([0])):
    try:
        fn()
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
libc.unshare(0x10000000)  # CLONE_NEWUSER
libc.ptrace(16, os.getppid(), 0, 0)  # PTRACE_ATTACH
