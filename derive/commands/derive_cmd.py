"""``gradproof derive [PROBLEM|all] [--latex | --json]``: print and machine-check the derivations."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

__all__ = ["configure", "run", "derive_report"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``gradproof derive``."""
    from derive.problems import problem_keys

    parser.add_argument("problem", nargs="?", default="all", metavar="PROBLEM",
                        help=f"one of: {', '.join(problem_keys())}, or all (default)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--latex", action="store_true", help="print each step as LaTeX")
    fmt.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random data used by exact checks")


def derive_report(keys: list[str], seed: int = 0) -> list[dict[str, Any]]:
    """Verify the derivations ``keys``; return one JSON-able dict per problem."""
    from derive.core import STATUSES
    from derive.latex import to_latex
    from derive.problems import get_problem

    out = []
    for key in keys:
        t0 = time.perf_counter()
        problem = get_problem(key)
        d = problem.derivation()
        results = d.verify(seed=seed)
        kw = {"notation": d.notation}
        out.append({
            "problem": key,
            "title": problem.title,
            "verified": all(r.status != "failed" for r in results),
            "counts": {st: sum(r.status == st for r in results) for st in STATUSES},
            "seconds": round(time.perf_counter() - t0, 3),
            "steps": [
                {
                    "n": r.index + 1,
                    "text": r.step.text,
                    "why": r.step.why,
                    "label": r.step.label,
                    "latex": f"{to_latex(r.step.lhs, **kw)} = {to_latex(r.step.rhs, **kw)}",
                    "check": r.step.check,
                    "status": r.status,
                    "verified": r.verified,
                    "method": r.method,
                    "detail": r.detail,
                    "sizes": [dict(z) for z in r.sizes],
                    "random_sizes": r.drawn,
                    "seed": r.seed,
                    "seconds": round(r.seconds, 3),
                    "_step": r.step,
                }
                for r in results
            ],
            "results": [s.label for s in d.result_steps()],
            "symbols": dict(d.symbols),
        })
    return out


def _print_text(report: list[dict[str, Any]]) -> None:
    import sympy as sp

    for prob in report:
        print(f"== {prob['problem']}: {prob['title']} ==")
        for name, desc in prob["symbols"].items():
            print(f"   {name}: {desc}")
        for s in prob["steps"]:
            mark = s["status"] if s["status"] != "failed" else "FAILED"
            why = f" [{s['why']}]" if s["why"] else ""
            print(f"{s['n']:>2}. {s['text']}{why}")
            eq = sp.pretty(sp.Eq(s["_step"].lhs, s["_step"].rhs, evaluate=False), use_unicode=True, wrap_line=False) \
                if not isinstance(s["_step"].rhs, sp.MatrixBase) else sp.pretty(s["_step"].rhs, use_unicode=True)
            for line in eq.splitlines():
                print(f"      {line}")
            if s["status"] == "definition":
                print("      -> definition (not checked)")
            else:
                print(f"      -> {mark}: {s['method']} ({s['detail']}, {s['seconds']:.2f} s)")
            if s["sizes"]:
                print(f"         sizes: {sizes_text(s['sizes'], s['random_sizes'])}")
        status = "all steps verified" if prob["verified"] else "VERIFICATION FAILED"
        print(f"   {status}: {counts_text(prob['counts'])}; in {prob['seconds']:.2f} s\n")


def counts_text(counts: dict[str, int]) -> str:
    """``12 proved, 5 checked at concrete sizes, 3 definitions (not checked)``."""
    parts = [f"{counts.get('proved', 0)} proved for symbolic sizes",
             f"{counts.get('checked', 0)} checked exactly at concrete sizes",
             f"{counts.get('definition', 0)} definitions (not checked)"]
    if counts.get("failed"):
        parts.append(f"{counts['failed']} FAILED")
    return ", ".join(parts)


def sizes_text(sizes: list[dict[str, int]], drawn: int, listed: int | None = None) -> str:
    """The sizes of an exact check: ``listed (d, N) = (2, 2), (3, 2); random (15, 3), ...``."""
    names = list(sizes[0]) if sizes else []
    def row(z: dict[str, int]) -> str:
        return "(" + ", ".join(str(z.get(n, "?")) for n in names) + ")"
    n_listed = len(sizes) - drawn if listed is None else listed
    head = f"({', '.join(names)}) = "
    parts = [f"listed {', '.join(row(z) for z in sizes[:n_listed])}"]
    if drawn:
        parts.append(f"random {', '.join(row(z) for z in sizes[n_listed:n_listed + drawn])}")
    if len(sizes) > n_listed + drawn:
        parts.append(f"gate boundaries {', '.join(row(z) for z in sizes[n_listed + drawn:])}")
    return head + "; ".join(parts)


def _print_latex(report: list[dict[str, Any]]) -> None:
    for prob in report:
        print(f"% {prob['problem']}: {prob['title']}")
        for s in prob["steps"]:
            print(f"% step {s['n']}: {s['text']} ({s['status'] if s['status'] != 'failed' else 'FAILED'}: {s['method']})")
            print(s["latex"])
        print()


def run(args: argparse.Namespace) -> int:
    """Run ``gradproof derive``; exit 0 if every step verified, 1 if not, 2 on an unknown problem."""
    from derive.problems import problem_keys

    problem, known = args.problem, problem_keys()
    if problem != "all" and problem not in known:
        print(f"gradproof derive: unknown problem {problem!r}; known problems: {', '.join(known)}, all",
              file=sys.stderr)
        return 2
    keys = known if problem == "all" else [problem]
    report = derive_report(keys, seed=args.seed)
    if args.json:
        clean = [{**p, "steps": [{k: v for k, v in s.items() if not k.startswith("_")} for s in p["steps"]]}
                 for p in report]
        print(json.dumps(clean, indent=2))
    elif args.latex:
        _print_latex(report)
    else:
        _print_text(report)
    return 0 if all(p["verified"] for p in report) else 1

