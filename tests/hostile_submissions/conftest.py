"""Hostile student submissions for the grader's security tests (tests/test_grade_hostile.py), not test modules.

Each file attacks the grader in one way.  ``@@NAME@@`` placeholders are filled in by
the test before grading: ``@@MARKER@@`` (a unique string the test searches for in
leftover processes and files), ``@@RESULTS@@`` (the results.json path — an attacker
who guessed it), ``@@PROJECT@@`` (the project's folder — an attacker who knows it)
and ``@@CANARY@@`` (a path outside the sandbox that must never be created).
Never collect or import them here.
"""

collect_ignore_glob = ["*.py"]
