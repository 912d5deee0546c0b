"""Sends its own "ready" (with the right nonce) claiming a class found in a file of the project."""
from _hostile import PROJECT, nonce, send
from _stub import KNN

send({"event": "ready", "nonce": nonce(), "stdout": "",
      "classes": {"KNN": {"found": True, "file": PROJECT + "/tests/submissions/reference.py",
                          "methods": {"compute_L2_distances_vectorized": {"file": PROJECT + "/tests/submissions/reference.py", "line": 1}}}},
      "import_errors": {}})
