"""Reads every /proc/<pid>/cmdline for --results-json and overwrites that file with 100 points."""
import os
from _hostile import forged_results, try_write
from _stub import KNN

for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        for i, a in enumerate(args[:-1]):
            if a == b"--results-json":
                try_write(args[i + 1].decode(), forged_results())
