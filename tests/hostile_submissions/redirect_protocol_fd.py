"""Points the grader's reply channel at /dev/null, so replies vanish."""
import os
from _hostile import reply_fd
from _stub import KNN

os.dup2(os.open("/dev/null", os.O_WRONLY), reply_fd())
