r"""First-call time of the numba kernels in a fresh process: compiled, then loaded from the disk cache.

A new Python process runs :data:`PROBE`: it imports :mod:`numerics.accel` and calls every
kernel once on tiny arrays (``backend="numba"``), timing the import and each first call.
It runs twice with the same empty ``NUMBA_CACHE_DIR``: the first process compiles and
writes the cache, the second loads it -- what a second ``gradproof knn`` sees.

Examples
--------
>>> import sys
>>> run_probe(sys.executable, None, 30.0, code="print('{}')")["error"]   # no "kernels" printed
'no output'
>>> run_probe(sys.executable, None, 30.0, code="import json; print(json.dumps({'kernels': {'import': 0.5}}))")
{'error': None, 'kernels': {'import': 0.5}, 'compiled': None}
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

__all__ = ["PROBE", "run_probe", "cold_start"]

#: the script of the fresh process: prints one JSON object, seconds per step
PROBE = r"""
import json, time
t0 = time.perf_counter()
import numpy as np
from numerics import accel
out = {"import": time.perf_counter() - t0}
if not accel.HAVE_NUMBA:
    print(json.dumps({"error": "numba not installed"})); raise SystemExit
rng = np.random.default_rng(0)
A8, B8 = rng.integers(0, 256, (8, 40), dtype=np.uint8), rng.integers(0, 256, (9, 40), dtype=np.uint8)
A, B = A8.astype(np.float64) - 0.5, B8.astype(np.float64) - 0.5
W, X, y = np.zeros((3, 40)), A, np.arange(8) % 3
steps = {
    "l1 uint8": lambda: accel.pairwise_u8(A8, B8, "l1", backend="numba"),
    "linf uint8": lambda: accel.pairwise_u8(A8, B8, "linf", backend="numba"),
    "l1 float64": lambda: accel.pairwise_float(A, B, "l1", backend="numba"),
    "linf float64": lambda: accel.pairwise_float(A, B, "linf", backend="numba"),
    "l1 float32": lambda: accel.pairwise_float(A.astype(np.float32), B.astype(np.float32), "l1", backend="numba"),
    "pixel scan": lambda: (accel.int_span(A, backend="numba"), accel.to_u8(A + 0.5, 0, backend="numba")),
    "top-k": lambda: accel.nearest_k(A, 3, backend="numba"),
    "l2 top-k": lambda: accel.l2_nearest_chunks(np.ones((1, 8, 9), np.float32), np.ones(9), 3, backend="numba"),
    "shift to float32": lambda: accel.shift_f32(A8, 128, 1024, backend="numba"),
    "softmax": lambda: accel.softmax_loss_grad(W, X, y, backend="numba"),
    "softmax serial": lambda: accel.softmax_loss_grad(W, X, y, backend="numba", serial=True),
}
for name, fn in steps.items():
    t0 = time.perf_counter(); fn(); out[name] = time.perf_counter() - t0
from numba.core.registry import CPUDispatcher
from numerics.accel import _nb, _nb_softmax
kernels = [k for m in (_nb, _nb_softmax) for k in vars(m).values() if isinstance(k, CPUDispatcher)]
compiled = sum(sum(k.stats.cache_misses.values()) for k in kernels)
print(json.dumps({"kernels": out, "compiled": compiled}))
"""


def run_probe(python: str, cache_dir: str | None, timeout: float, code: str = PROBE) -> dict[str, Any]:
    """Run ``code`` (default :data:`PROBE`) in a new process.

    Returns ``{"error": None, "kernels": {step: seconds}, "compiled": n}`` (``n``: kernels
    compiled rather than loaded from the disk cache, by numba's own count; None when the code
    does not say), or ``{"error": message, "kernels": {}, "compiled": None}`` when the process
    failed, printed no such object or outlived ``timeout`` seconds.
    ``cache_dir`` becomes ``NUMBA_CACHE_DIR`` (None: numba's default place).
    """
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    try:
        done = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s", "kernels": {}, "compiled": None}
    except OSError as exc:
        return {"error": f"could not start {python}: {exc}", "kernels": {}, "compiled": None}
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        result = {}
    if not isinstance(result, dict) or "kernels" not in result:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": result.get("error", tail) if isinstance(result, dict) else tail, "kernels": {}, "compiled": None}
    return {"error": None, "kernels": result["kernels"], "compiled": result.get("compiled")}


def cold_start(timeout: float = 300.0) -> dict[str, Any]:
    """The probe with an empty on-disk cache (compiles), then again with the cache it wrote.

    Returns ``{"compile": probe, "cached": probe}`` (see :func:`run_probe`).
    """
    with tempfile.TemporaryDirectory(prefix="gradproof-numba-probe-") as tmp:
        first = run_probe(sys.executable, tmp, timeout)
        second = run_probe(sys.executable, tmp, timeout)
    return {"compile": first, "cached": second}
