r"""The machine's own figures, measured in the same run as the workloads.

* GEMM throughput, float64 and float32, at a given shape (``2 m n k`` flops per product);
* memory read bandwidth: a float64 matrix-vector product reads the matrix once and does
  two flops per 8 bytes, far below the GEMM rate, so its time is the time to read;
* the BLAS library and kernel (threadpoolctl), numba, the CPU, and the environment
  variables that change the BLAS kernel.

Examples
--------
>>> rate = gemm_gflops(np.float64, 64, 64, 64, repeats=1)
>>> rate.gflops > 0
True
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from typing import Any

import numpy as np

from numerics.bench.timing import Timing, measure

__all__ = ["GemmRate", "gemm_gflops", "read_bandwidth", "environment", "BLAS_ENV_VARS"]

#: variables that select (and here slow down) OpenBLAS's kernel
BLAS_ENV_VARS: tuple[str, ...] = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


@dataclass(frozen=True)
class GemmRate:
    """Time and rate of ``A @ B.T`` with A (m, k), B (n, k)."""

    dtype: str
    shape: tuple[int, int, int]
    timing: Timing

    @property
    def gflops(self) -> float:
        """Billions of floating-point operations per second (median run)."""
        m, n, k = self.shape
        return 2.0 * m * n * k / self.timing.median / 1e9


def gemm_gflops(dtype: Any, m: int, n: int, k: int, *, repeats: int = 3, rng: np.random.Generator | None = None) -> GemmRate:
    """Measure one GEMM of shape (m, k) x (k, n) in ``dtype``."""
    rng = np.random.default_rng(0) if rng is None else rng
    A = rng.standard_normal((m, k)).astype(dtype)
    B = rng.standard_normal((n, k)).astype(dtype)
    out = np.empty((m, n), dtype=dtype)
    t = measure(lambda: np.matmul(A, B.T, out=out), repeats)
    return GemmRate(np.dtype(dtype).name, (m, n, k), Timing(t.samples))


def read_bandwidth(n_bytes: int, *, repeats: int = 3, rng: np.random.Generator | None = None) -> tuple[float, Timing]:
    """Read bandwidth (GB/s) from ``X @ v`` over a float64 matrix of about ``n_bytes``.

    Returns ``(gb_per_s, timing)``.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    cols = 3072
    rows = max(1, n_bytes // (8 * cols))
    X = rng.standard_normal((rows, cols))
    v = rng.standard_normal(cols)
    t = measure(lambda: X @ v, repeats)
    return X.nbytes / t.median / 1e9, t


def environment() -> dict[str, Any]:
    """CPU, cores, BLAS (library, kernel, threads), numba, and the BLAS environment variables."""
    from threadpoolctl import threadpool_info

    from numerics import accel

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer")}
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    try:
        import numba

        numba_version: str | None = numba.__version__
    except ImportError:
        numba_version = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "numba": numba_version,
        "accel_backend": accel.resolve_backend(),
        "env": {k: os.environ[k] for k in BLAS_ENV_VARS if k in os.environ},
    }
