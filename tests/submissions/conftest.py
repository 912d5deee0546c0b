"""The files here are student submissions for the grader's tests, not test modules.

Some of them crash, hang or raise at import on purpose: never collect them
(``--doctest-modules`` would import every one).
"""

collect_ignore_glob = ["*.py"]
