"""A fork bomb (bounded here so that a broken sandbox does not take the machine down)."""
import os
from _stub import KNN

children = []
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        import time
        time.sleep(30)
        os._exit(0)
    children.append(pid)
