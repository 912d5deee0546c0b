"""svm_loss_vectorized forks, sleeps inside the timed call, and snoops: the grader's environment and files, the
sandbox's input folder (looking for the expected answers among the arrays), /proc; it prints all it found."""
import os
import time

import numpy as np
from _stub import KNN  # noqa: F401


def _snoop():
    found = []
    for path in ("/proc/1/environ", "/proc/self/environ", "@@PROJECT@@/derive/grade/checks_svm.py", "/etc/shadow"):
        try:
            with open(path, "rb") as f:
                found.append((path, f.read(200)))
        except OSError as exc:
            found.append((path, type(exc).__name__))
    for folder in ("/box", "/box/inputs", "/tmp", os.getcwd()):
        try:
            found.append((folder, sorted(os.listdir(folder))[:20]))
        except OSError as exc:
            found.append((folder, type(exc).__name__))
    print("SNOOP:", found)


def svm_loss_naive(W, X, y, reg):
    _snoop()
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
    except OSError as exc:
        print("fork refused:", exc)
    return 0.0, np.zeros_like(W)


def svm_loss_vectorized(W, X, y, reg):
    time.sleep(0.3)
    # the expected dW has W's shape: return the first input array of that shape found in the box
    for name in sorted(os.listdir("/box/inputs")) if os.path.isdir("/box/inputs") else []:
        try:
            arr = np.fromfile(os.path.join("/box/inputs", name))
            if arr.size == W.size:
                return 0.0, arr.reshape(W.shape)
        except (OSError, ValueError):
            pass
    return 0.0, W
