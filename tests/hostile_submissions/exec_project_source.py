"""Reads the project's reference source by path and executes it (no import machinery needed)."""
from _hostile import PROJECT

ns = {}
exec(compile(open(PROJECT + "/tests/submissions/reference.py").read(), "reference.py", "exec"), ns)
KNN = ns["KNN"]
