"""Starts a detached shell (start_new_session) that outlives the check, marked for the test's process search."""
import subprocess
from _hostile import MARKER
from _stub import KNN

try:
    subprocess.Popen(["/bin/sh", "-c", f"sleep 30; echo {MARKER}"], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
except OSError:
    pass
