"""Ignores SIGTERM/SIGINT, busy-waits inside SIGALRM/SIGTERM handlers, and hangs."""
import signal
from _stub import KNN as Stub


def busy(signum, frame):
    while True:
        pass


for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, busy)
signal.signal(signal.SIGALRM, busy)
signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)


class KNN(Stub):
    pass
