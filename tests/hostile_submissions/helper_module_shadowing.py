"""Ships a helper named like a standard module (json.py) to hijack the grader's child."""
from _stub import KNN
