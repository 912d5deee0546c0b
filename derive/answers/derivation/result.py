r"""The verdict on a derivation: one :class:`Step` per claim, and how it prints, serialises and renders.

:class:`DerivationResult` prints for the terminal (:meth:`~DerivationResult.report`),
serialises for ``--json`` (:meth:`~DerivationResult.to_dict`) and renders in a
notebook as a table of lines with ✓/✗, the LaTeX typeset by the notebook's MathJax,
and the counterexample (``_repr_html_``/``_repr_markdown_``).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Step", "DerivationResult", "STATUSES", "answer_html", "answer_markdown"]

#: every status a line can get
STATUSES = ("definition", "follows", "conditional", "wrong", "unreadable", "undecided")
_MARK = {"definition": "≔", "follows": "✓", "conditional": "≈", "wrong": "✗", "unreadable": "?", "undecided": "…"}


@dataclass(frozen=True)
class Step:
    """One claim: the input ``line`` it ends on, its ``source``, and the verdict."""

    line: int
    source: str
    status: str
    method: str | None = None
    diagnosis: str | None = None
    counterexample: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    claim: str = ""  # the claim as checked (a continuation shows its left-hand side)

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "source": self.source, "status": self.status, "method": self.method,
                "diagnosis": self.diagnosis, "counterexample": self.counterexample}


@dataclass(frozen=True)
class DerivationResult:
    """The verdict on every claim of a derivation (see the module docstring)."""

    problem: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def first_wrong_line(self) -> int | None:
        return next((s.line for s in self.steps if s.status == "wrong"), None)

    @property
    def exit_code(self) -> int:
        """0: nothing wrong or unreadable; 1: a line is wrong or unreadable."""
        return 1 if any(s.status in ("wrong", "unreadable") for s in self.steps) else 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form: ``{"steps": [...], "first_wrong_line": N or null}``."""
        return {"steps": [s.to_dict() for s in self.steps], "first_wrong_line": self.first_wrong_line}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def report(self) -> str:
        """Each line with its verdict, for the terminal."""
        out = [f"problem: {self.problem}"]
        for s in self.steps:
            out.append(f"line {s.line:>3}  {_MARK[s.status]} {s.status.upper():<10} {s.claim or s.source}")
            if s.method:
                out.append(f"           {s.method}")
            if s.diagnosis:
                out.append(f"           {'why' if s.status == 'wrong' else 'note'}: {s.diagnosis}")
            for n in s.notes:
                out.append(f"           note: {n}")
            if s.counterexample:
                out.extend("           " + row for row in _counterexample_rows(s.counterexample))
        wrong = self.first_wrong_line
        if wrong is not None:
            out.append(f"first wrong line: {wrong}")
        elif any(s.status == "unreadable" for s in self.steps):
            out.append("no line is wrong, but some could not be read")
        elif any(s.status == "undecided" for s in self.steps):
            out.append("no line is wrong; some lines were not decided")
        elif any(s.status == "conditional" for s in self.steps):
            out.append("no line is wrong; some hold only under the condition stated with them")
        else:
            out.append("every line follows")
        out.extend(f"note: {n}" for n in self.notes)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.report()

    def _repr_markdown_(self) -> str:
        rows = ["| line | | claim | verdict |", "|---:|:-:|:--|:--|"]
        for s in self.steps:
            verdict = s.status + (f" — {s.method}" if s.method else "")
            if s.diagnosis:
                verdict += f"<br>{_md(s.diagnosis)}"
            if s.counterexample:
                verdict += "<br>" + "<br>".join(_md(r) for r in _counterexample_rows(s.counterexample))
            rows.append(f"| {s.line} | {_MARK[s.status]} | ${_math_md(s.claim or s.source)}$ | {verdict} |")
        summary = (f"**first wrong line: {self.first_wrong_line}**" if self.first_wrong_line is not None
                   else "**every line follows**" if self.ok and not any(s.status in ("undecided", "conditional")
                                                                           for s in self.steps)
                   else "**no line is wrong**")
        return "\n".join(rows) + "\n\n" + summary

    def _repr_html_(self) -> str:
        rows = []
        for s in self.steps:
            color = {"wrong": "#b00020", "unreadable": "#8a6d00", "follows": "#1b5e20"}.get(s.status, "#333")
            details = [html.escape(s.method)] if s.method else []
            if s.diagnosis:
                details.append(f"<b>{html.escape(s.diagnosis)}</b>")
            details.extend(html.escape(n) for n in s.notes)
            if s.counterexample:
                details.append("<br>".join(html.escape(r) for r in _counterexample_rows(s.counterexample)))
            rows.append(f"<tr><td>{s.line}</td><td style='color:{color}'>{_MARK[s.status]} {s.status}</td>"
                        f"<td>\\({html.escape(s.claim or s.source)}\\)</td><td>{'<br>'.join(details)}</td></tr>")
        head = "<tr><th>line</th><th>verdict</th><th>claim</th><th>how / why</th></tr>"
        summary = (f"first wrong line: {self.first_wrong_line}" if self.first_wrong_line is not None
                   else "every line follows" if self.ok else "no line is wrong")
        return (f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p><b>{html.escape(summary)}</b></p>")


def _math_md(tex: str) -> str:
    """LaTeX inside a Markdown table cell: no bare pipes."""
    return " ".join(tex.replace("\\|", "\\Vert ").replace("|", "\\vert ").split())


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _counterexample_rows(ce: dict[str, Any]) -> list[str]:
    rows = ["counterexample at " + ", ".join(f"{k}={v}" for k, v in ce.get("sizes", {}).items())]
    rows += [f"  {k} = {v}" for k, v in ce.get("values", {}).items()]
    if ce.get("indices"):
        rows.append("  at " + ", ".join(f"{k}={v}" for k, v in ce["indices"].items()))
    rows.append(f"  left-hand side:  {ce.get('left')}")
    rows.append(f"  right-hand side: {ce.get('right')}" if not ce.get("error") else f"  error: {ce['error']}")
    return rows


def _answer_rows(result: Any) -> tuple[str, str, list[str]]:
    mark = "✓" if result.equivalent else "✗"
    how = result.evidence() if hasattr(result, "evidence") else f"{result.method}, {result.instances} instances"
    verdict = ("equivalent" if result.equivalent else "not equivalent") + f" ({how})"
    details = [result.diagnosis] if result.diagnosis else []
    if result.counterexample:
        ce = result.counterexample
        details.append("counterexample at " + ", ".join(f"{k}={v}" for k, v in ce.get("sizes", {}).items()))
        details += [f"  {k} = {v}" for k, v in ce.get("values", {}).items()]
        details.append(f"  expected: {ce.get('expected')}")
        details.append(f"  got: {ce.get('got')}" if ce.get("error") is None else f"  error: {ce['error']}")
    details += [f"note: {n}" for n in result.notes]
    return mark, verdict, details


def answer_html(result: Any) -> str:
    """A check-answer result (:class:`derive.answers.equivalence.CheckResult`) as an HTML table row."""
    mark, verdict, details = _answer_rows(result)
    math = f"\\({html.escape(result.answer)}\\)" if "\\" in result.answer else f"<code>{html.escape(result.parsed)}</code>"
    color = "#1b5e20" if result.equivalent else "#b00020"
    return (f"<table><thead><tr><th>question</th><th>verdict</th><th>answer</th><th>why</th></tr></thead>"
            f"<tbody><tr><td>{html.escape(result.question)}</td><td style='color:{color}'>{mark} "
            f"{html.escape(verdict)}</td><td>{math}</td>"
            f"<td>{'<br>'.join(html.escape(d) for d in details)}</td></tr></tbody></table>")


def answer_markdown(result: Any) -> str:
    """A check-answer result as a Markdown table."""
    mark, verdict, details = _answer_rows(result)
    shown = f"${_math_md(result.answer)}$" if "\\" in result.answer else f"`{result.parsed.replace('|', '¦')}`"
    return ("| question | | answer | verdict |\n|:--|:-:|:--|:--|\n"
            f"| {result.question} | {mark} | {shown} | {_md(verdict)}"
            + "".join(f"<br>{_md(d)}" for d in details) + " |")
