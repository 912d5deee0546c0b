r"""The benchmark report: a Markdown table (the README's) and a JSON document.

Examples
--------
>>> from numerics.bench.timing import Timing
>>> from numerics.bench.workloads import Row
>>> print(markdown_table([Row("w", "gradproof (numpy)", Timing((0.5, 0.25, 0.75)), "GEMM", 0.25, "<= 2x", True)]))
| workload | implementation | median s | best s | vs reference | target | met | notes |
| --- | --- | ---: | ---: | --- | --- | --- | --- |
| w | gradproof (numpy) | 0.500 | 0.250 | 2.00x GEMM | <= 2x | yes |  |
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from numerics.bench.workloads import Row

__all__ = ["markdown_table", "to_json", "header_lines"]


def _yes(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: ""}[met]


def markdown_table(rows: Sequence[Row]) -> str:
    """One line per (workload, implementation): medians, best runs, the reference ratio, the target."""
    lines = [
        "| workload | implementation | median s | best s | vs reference | target | met | notes |",
        "| --- | --- | ---: | ---: | --- | --- | --- | --- |",
    ]
    for r in rows:
        ref = f"{r.vs_reference:.2f}x {r.reference}" if r.vs_reference is not None else ""
        lines.append(
            f"| {r.workload} | {r.impl} | {r.timing.median:.3f} | {r.timing.best:.3f} | {ref} | "
            f"{r.target} | {_yes(r.met)} | {'; '.join(r.notes)} |"
        )
    return "\n".join(lines)


def header_lines(machine: dict[str, Any]) -> list[str]:
    """The machine's figures as Markdown bullet lines."""
    env = machine["environment"]
    blas = ", ".join(f"{b['internal_api']} {b['version']} ({b['architecture']}, {b['num_threads']} threads)" for b in env["blas"])
    load = machine.get("load", {})
    others = load.get("others_cores")
    lines = [
        f"- machine: {env['cpu']}, {env['cores']} cores; Python {env['python']}, numpy {env['numpy']}, BLAS {blas}",
        f"- accelerator: numba {env['numba'] or 'not installed'}; default path: {env['accel_backend']}",
        f"- GEMM float64 {machine['gemm64_gflops']:.1f} GFLOP/s, float32 {machine['gemm32_gflops']:.1f} GFLOP/s "
        f"(shape {machine['gemm_shape']}); memory read {machine['read_gbs']:.1f} GB/s (float64 GEMV)",
        f"- peers: {', '.join(f'{k} {v}' for k, v in machine['peers'].items() if v) or 'none'}"
        f" (not installed: {', '.join(k for k, v in machine['peers'].items() if not v) or 'none'})",
        f"- load: other processes used {others:.2f} of {env['cores']} cores on average during the run; "
        f"1-min load average at the end {load.get('loadavg_1min', float('nan')):.2f}"
        if others is not None
        else "- load: not measurable here (no /proc)",
    ]
    if env["env"]:
        lines.append(f"- WARNING: {', '.join(f'{k}={v}' for k, v in env['env'].items())} set: BLAS may run a slower kernel")
    return lines


def to_json(rows: Sequence[Row], machine: dict[str, Any], size: str) -> dict[str, Any]:
    """Everything, JSON-ready."""
    return {
        "size": size,
        "machine": machine,
        "rows": [
            {
                "workload": r.workload,
                "implementation": r.impl,
                "samples_s": list(r.timing.samples),
                "median_s": r.timing.median,
                "best_s": r.timing.best,
                "reference": r.reference or None,
                "reference_s": r.reference_s,
                "vs_reference": r.vs_reference,
                "target": r.target or None,
                "met": r.met,
                "notes": r.notes,
            }
            for r in rows
        ],
    }
