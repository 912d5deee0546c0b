"""A setsid double-fork daemon that rewrites results.json after the grader has finished."""
import os
import time
from _hostile import CANARY, MARKER, RESULTS, forged_results, try_write
from _stub import KNN

try:
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(0.5)
            try_write(RESULTS, forged_results())
            try_write(CANARY, MARKER)
            time.sleep(30)
        os._exit(0)
except OSError:
    pass
