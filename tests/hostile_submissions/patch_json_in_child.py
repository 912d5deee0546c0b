"""Replaces json.dumps (which the grader's child uses) with a function returning garbage."""
import json
from _stub import KNN

json.dumps = lambda *a, **k: '{"event": "done", "score": 100'
