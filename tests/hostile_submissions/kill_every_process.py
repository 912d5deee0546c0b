"""kill(-1, SIGKILL): every process it is allowed to signal."""
import os
import signal
from _stub import KNN

os.kill(-1, signal.SIGKILL)
