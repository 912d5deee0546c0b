"""The verdict on one answer, and how it is reported: what was checked, and how.

The wording follows what was done: "symbolically" only when SymPy decided the
difference for symbolic sizes; "exactly" for exact arithmetic (rationals, and powers
of e where a softmax is recomputed) on instances at the listed sizes; "to N digits"
for high-precision evaluation where other transcendental values remain; "numerically" for float64 on random instances at the listed sizes.
Counterexample data are shown rounded (the check itself used unrounded or exact data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CheckResult", "plain", "size_ranges"]

#: Digits shown for counterexample data (the check used unrounded data).
SHOWN_DIGITS = 4


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer (see :meth:`to_dict` for the JSON form).

    ``method`` is "symbolic" (SymPy, symbolic sizes), "exact" (exact arithmetic
    at ``exact_sizes``), "digits" (high-precision arithmetic at ``digit_sizes``) or
    "numeric" (float64 at ``sizes``); ``instances``, ``exact_instances`` and
    ``digit_instances`` count the instances of each kind.
    """

    question: str
    answer: str
    parsed: str
    equivalent: bool
    method: str
    diagnosis: str | None = None
    mistake: str | None = None
    counterexample: dict[str, Any] | None = None
    instances: int = 0
    notes: list[str] = field(default_factory=list)
    exact_instances: int = 0
    sizes: str = ""
    exact_sizes: str = ""
    digit_instances: int = 0
    digit_sizes: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return {"question": self.question, "answer": self.answer, "status": self.status,
                "equivalent": self.equivalent, "method": self.method, "evidence": self.evidence(),
                "diagnosis": self.diagnosis, "mistake": self.mistake, "counterexample": self.counterexample,
                "parsed": self.parsed, "instances": self.instances, "exact_instances": self.exact_instances,
                "sizes": self.sizes, "exact_sizes": self.exact_sizes, "digit_instances": self.digit_instances,
                "digit_sizes": self.digit_sizes, "notes": list(self.notes)}

    @property
    def status(self) -> str:
        """"equivalent" or "not_equivalent"."""
        return "equivalent" if self.equivalent else "not_equivalent"

    def evidence(self) -> str:
        """What the verdict rests on, in words that are literally true."""
        parts = []
        if self.method == "symbolic":
            parts.append("symbolically (SymPy, for symbolic sizes)")
        if self.exact_instances:
            parts.append(f"exactly (exact arithmetic, no rounding) on {self.exact_instances} instances "
                         f"({self.exact_sizes})")
        if self.digit_instances:
            from derive.answers.exact_zero import AGREE_DIGITS

            parts.append(f"to {AGREE_DIGITS} significant digits on {self.digit_instances} instances "
                         f"({self.digit_sizes})")
        if self.instances:
            parts.append(f"numerically on {self.instances} random instances ({self.sizes})")
        return "; ".join(parts) or "no instance"

    def _repr_html_(self) -> str:  # a notebook table (rendered by derive.answers.derivation.result)
        from derive.answers.derivation.result import answer_html

        return answer_html(self)

    def _repr_markdown_(self) -> str:
        from derive.answers.derivation.result import answer_markdown

        return answer_markdown(self)

    def report(self) -> str:
        """A readable verdict for the terminal."""
        lines = [f"question: {self.question}", f"parsed:   {self.parsed}"]
        if self.equivalent:
            lines.append(f"CORRECT: equivalent to the derived result, {self.evidence()}")
        else:
            how = {"symbolic": "symbolically (SymPy)", "exact": "by exact arithmetic (no rounding)",
                   "digits": "by high-precision arithmetic", "numeric": "numerically"}[self.method]
            lines.append(f"WRONG: not equivalent to the derived result (decided {how})")
            if self.diagnosis:
                lines.append(f"diagnosis: {self.diagnosis}")
            if self.counterexample:
                lines.append("smallest counterexample (data rounded for display):")
                lines.extend("  " + row for row in _format_counterexample(self.counterexample))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def plain(x: Any, digits: int = SHOWN_DIGITS) -> Any:
    """``x`` as JSON-able numbers (floats rounded to ``digits`` significant digits)."""
    a = np.asarray(x)
    if a.dtype.kind in "iub":
        return a.tolist()
    try:
        f = a.astype(float)
    except (TypeError, ValueError, OverflowError):
        return str(x)
    with np.errstate(all="ignore"):
        out = np.vectorize(lambda v: float(f"{v:.{digits}g}") if np.isfinite(v) else v, otypes=[float])(f) \
            if f.size else f
    return out.tolist()


def size_ranges(grid: Sequence[Mapping[str, int]]) -> str:
    """``N = 1..240, d = 1..181`` for the sizes of ``grid``."""
    if not grid:
        return ""
    names = list(grid[0])
    if not names:
        return "no sizes"
    spans = []
    for n in names:
        values = [int(g[n]) for g in grid]
        lo, hi = min(values), max(values)
        spans.append(f"{n} = {lo}" if lo == hi else f"{n} = {lo}..{hi}")
    return "sizes " + ", ".join(spans)


def _format_counterexample(ce: dict[str, Any]) -> list[str]:
    rows = ["sizes: " + ", ".join(f"{k}={v}" for k, v in ce["sizes"].items())]
    rows += [f"{k} = {v}" for k, v in ce["values"].items()]
    rows.append(f"expected: {ce['expected']}")
    rows.append(f"got:      {ce['got']}" if ce.get("error") is None else f"got:      error: {ce['error']}")
    if ce.get("difference") is not None:
        rows.append(f"exact difference (got − expected): {ce['difference']}")
    return rows
