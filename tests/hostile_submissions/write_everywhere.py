"""Tries to write into every folder it can see (the box, /usr, the runtime, /, HOME, /dev/shm)."""
import os
from _hostile import MARKER, try_write
from _stub import KNN

for folder in ["/", "/box", "/box/submission", "/usr", "/usr/lib", "/site", "/dev", "/dev/shm", "/proc",
               os.path.dirname(os.__file__), os.path.dirname(__file__), "/var/tmp"]:
    try_write(os.path.join(folder, f"hostile-{MARKER}"), MARKER)
