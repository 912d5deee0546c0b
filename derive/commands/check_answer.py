"""``gradproof check-answer QUESTION ANSWER``: check a hand-derived result.

Exit status: 0 the answer is equivalent to the derived result, 1 it is not,
2 usage error, unknown question, parse error or refused input, 3 the answer is too
expensive to check (over its time, memory or work budget), 4 an internal error of
the checker (never reported as "not equivalent").
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["configure", "run", "list_questions"]

EXIT_EQUIVALENT, EXIT_NOT_EQUIVALENT, EXIT_ERROR, EXIT_TOO_EXPENSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``gradproof check-answer`` (no heavy imports here)."""
    parser.description = ("Check a hand-derived result against the derivation. Answers use the numpy-like "
                          "syntax (2/N * X.T @ (X @ theta - y)), the index form (sum_j (1{y_j = i} - P[j, i]) * x_j) "
                          "or a LaTeX subset. Put '--' before an answer that starts with '-'.")
    parser.add_argument("question", nargs="?", metavar="QUESTION", help="question id (see --list)")
    parser.add_argument("answer", nargs="?", metavar="ANSWER", help="the answer, quoted")
    parser.add_argument("--list", action="store_true", help="list the questions, their symbols and example answers")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--syntax", choices=["auto", "numpy", "index", "latex"], default="auto",
                        help="answer syntax (default: auto — LaTeX if it has a backslash command)")
    parser.add_argument("--instances", type=int, default=24, help="number of random instances (default 24)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random instances (default 0)")


def list_questions() -> list[dict[str, Any]]:
    """Every question as a JSON-able dict (what ``--list --json`` prints)."""
    from derive.answers import QUESTIONS

    return [{"id": q.id, "prompt": q.prompt, "shape": q.shape_text(),
             "symbols": [{"name": s.name, "kind": s.kind, "shape": list(s.shape), "text": s.describe()}
                         for s in q.symbols],
             "examples": dict(q.examples)} for q in QUESTIONS]


def _print_list(as_json: bool) -> None:
    questions = list_questions()
    if as_json:
        print(json.dumps(questions, indent=2, ensure_ascii=False))
        return
    for q in questions:
        print(f"{q['id']}: {q['prompt']}")
        print(f"  result shape: {q['shape']}")
        print("  symbols:")
        for s in q["symbols"]:
            print(f"    {s['text']}")
        print("  example answers:")
        for syntax, text in q["examples"].items():
            print(f"    {syntax:6s} {text}")
        print()


def _fail(message: str, args: argparse.Namespace, kind: str, status: int = EXIT_ERROR) -> int:
    if args.json:
        print(json.dumps({"question": args.question, "answer": args.answer, "status": kind, "error": message,
                          "kind": kind}, indent=2, ensure_ascii=False))
    else:
        print(f"gradproof check-answer: {message}", file=sys.stderr)
    return status


def run(args: argparse.Namespace) -> int:
    """Run ``gradproof check-answer``; return the exit status."""
    if args.list:
        _print_list(args.json)
        return EXIT_EQUIVALENT
    if args.question is None or args.answer is None:
        return _fail("expected QUESTION and ANSWER (or --list); e.g. gradproof check-answer noisy.R "
                     "'sigma**2 * theta @ theta'", args, "usage")
    if not 1 <= args.instances <= 500:
        return _fail(f"--instances: expected 1..500, got {args.instances}", args, "usage")

    import numpy as np

    from derive.answers import AnswerError, TooExpensive, check_answer, question_ids

    if args.question not in question_ids():
        return _fail(f"unknown question {args.question!r}; known questions: {', '.join(question_ids())}",
                     args, "usage")
    try:
        result = check_answer(args.question, args.answer, syntax=args.syntax,
                              rng=np.random.default_rng(args.seed), n_instances=args.instances)
    except AnswerError as exc:
        return _fail(str(exc), args, "refused" if exc.kind == "refused" else "parse")
    except TooExpensive as exc:
        return _fail(f"too expensive to check: {exc} (no verdict)", args, "too_expensive", EXIT_TOO_EXPENSIVE)
    except Exception as exc:  # noqa: BLE001 - a bug of ours must never read as "not equivalent"
        return _fail(f"internal error of the checker, no verdict: {type(exc).__name__}: {exc}", args,
                     "internal_error", EXIT_INTERNAL)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(result.report())
    return EXIT_EQUIVALENT if result.equivalent else EXIT_NOT_EQUIVALENT
