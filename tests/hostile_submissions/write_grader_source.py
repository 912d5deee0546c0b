"""Appends to the grader's own (editable) source so that the next submission graded scores 100."""
from _hostile import PROJECT, try_write
from _stub import KNN

for rel in ("derive/grade/checks_knn.py", "derive/grade/grader.py", "derive/grade/sandbox.py"):
    try:
        with open(f"{PROJECT}/{rel}", "a") as f:
            f.write("\nraise SystemExit('pwned')\n")
    except OSError:
        pass
