"""The class summary (``summary.json``) and report (``report.md``, ``report.html``) of a graded class.

A *diagnosis* is a ``diagnosis: …`` line of a failed check's message (the named
mistake, e.g. "missing 1/N"); it is counted once per submission.  The report shows
the score histogram, the failure rate of each check, the most common diagnoses with
counts and an example, names found on more than one submission, and the
submissions that could not be graded, with the reason.  Figures are drawn with
matplotlib's object-oriented API, saved as PNG next to the report and embedded in
the HTML as base64, so that ``report.html`` is one self-contained file.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from derive.grade.classgrade import Graded
from derive.grade.grader import CHECKS
from derive.grade.rubric import Rubric, default_rubric

__all__ = ["diagnoses_of", "summarize", "write_report"]

#: diagnoses listed in the report (the summary has all of them)
TOP_DIAGNOSES = 15


def diagnoses_of(message: str) -> list[str]:
    """The mistakes named in a check's message: each ``diagnosis: …`` line up to its first ": ".

    The part after it holds the instance's details (sizes, shapes), so that the same
    mistake made on different inputs is counted as one.

    >>> diagnoses_of("expected 1, got 2\\ndiagnosis: missing 1/N: the gradient is N = 8 times the reference\\nminimal failing example:")
    ['missing 1/N']
    """
    return [line[len("diagnosis: "):].split(": ", 1)[0].strip() for line in message.splitlines() if line.startswith("diagnosis: ")]


def _checks(rubric: Rubric) -> list[tuple[str, bool]]:
    """(title, advisory) of the switched-on checks, in report order."""
    return [(c.title, rubric.entry(c).advisory) for c in CHECKS if rubric.entry(c).enabled]


def summarize(graded: list[Graded], rubric: Rubric | None = None) -> dict[str, Any]:
    """The ``summary.json`` object.

    ``{"submissions": N, "mean": …, "checks": [{"name", "failed", "diagnoses": {text: count}}],
    "diagnoses": [{"text", "count", "submissions": [ids]}]}``: a check a submission could not
    be graded on counts as failed; diagnoses are sorted by count, then text.
    """
    rubric = rubric or default_rubric()
    checks = _checks(rubric)
    failed: Counter[str] = Counter()
    per_check: dict[str, Counter[str]] = defaultdict(Counter)
    who: dict[str, set[str]] = defaultdict(set)
    for g in graded:
        results = {r.title: r for r in g.report.results} if g.report is not None else {}
        for title, _ in checks:
            r = results.get(title)
            if r is not None and r.passed:
                continue
            failed[title] += 1
            for text in dict.fromkeys(diagnoses_of(r.message) if r is not None else []):
                per_check[title][text] += 1
                who[text].add(g.submission.id)
    mean = sum(g.score for g in graded) / len(graded) if graded else 0.0
    ranked = sorted(who.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return {
        "submissions": len(graded),
        "mean": round(mean, 4),
        "checks": [{"name": t, "failed": failed[t], "diagnoses": dict(sorted(per_check[t].items(), key=lambda kv: (-kv[1], kv[0])))}
                   for t, _ in checks],
        "diagnoses": [{"text": text, "count": len(ids), "submissions": sorted(ids)} for text, ids in ranked],
    }


def _example(graded: list[Graded], text: str) -> tuple[str, str, str]:
    """(submission id, check title, message) of the first submission showing the diagnosis ``text``."""
    for g in graded:
        for r in g.report.results if g.report is not None else ():
            if not r.passed and text in diagnoses_of(r.message) and "minimal failing example" in r.message:
                return g.submission.id, r.title, r.message
    for g in graded:
        for r in g.report.results if g.report is not None else ():
            if not r.passed and text in diagnoses_of(r.message):
                return g.submission.id, r.title, r.message
    return "", "", ""


def _duplicates(graded: list[Graded]) -> list[tuple[str, list[str]]]:
    ids: dict[str, list[str]] = defaultdict(list)
    for g in graded:
        for name in dict.fromkeys(n.casefold() for n in g.submission.names if n):
            ids[name].append(g.submission.id)
    names: dict[str, str] = {}
    for g in graded:
        for n in g.submission.names:
            names.setdefault(n.casefold(), n)  # the first spelling met
    return [(names[k], v) for k, v in sorted(ids.items()) if len(v) > 1]


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def _histogram(scores: list[float], max_score: float) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.subplots()
    top = max(max_score, max(scores, default=0.0), 1.0)
    bins = [top * i / 20 for i in range(21)]
    ax.hist(scores, bins=bins, color="#4477aa", edgecolor="white")
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("submissions")
    ax.set_title("Score histogram")
    fig.tight_layout()
    return _png(fig)


def _failure_chart(rates: list[tuple[str, float]]) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 0.28 * len(rates) + 1.2))
    ax = fig.subplots()
    ax.barh([t for t, _ in rates][::-1], [100 * r for _, r in rates][::-1], color="#cc6677")
    ax.set_xlim(0, 100)
    ax.set_xlabel("failed (% of submissions)")
    ax.set_title("Failure rate per check")
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return _png(fig)


def _max_score(rubric: Rubric) -> float:
    return sum(rubric.entry(c).points for c in CHECKS if rubric.entry(c).enabled and not rubric.entry(c).advisory)


def _markdown(graded: list[Graded], summary: dict[str, Any], rubric: Rubric, images: dict[str, str]) -> str:
    n = summary["submissions"]
    max_score = _max_score(rubric)
    lines = [
        "# Class report",
        "",
        f"{n} submissions; mean score {summary['mean']:g} / {max_score:g}.",
        "",
        "## Score histogram",
        "",
        f"![score histogram]({images['histogram']})",
        "",
        "## Failure rate per check",
        "",
        f"![failure rate per check]({images['failures']})",
        "",
        "| check | failed | rate |",
        "|---|---:|---:|",
    ]
    lines += [f"| {c['name']} | {c['failed']} | {100 * c['failed'] / max(n, 1):.0f} % |" for c in summary["checks"]]
    lines += ["", "## Most common diagnoses", ""]
    if not summary["diagnoses"]:
        lines.append("No diagnosed mistakes.")
    for d in summary["diagnoses"][:TOP_DIAGNOSES]:
        sid, title, message = _example(graded, d["text"])
        lines += [f"### {d['count']} × {d['text']}", "",
                  f"Submissions: {', '.join(d['submissions'])}.", "", f"Example: submission {sid}, {title}:", "", "```"]
        lines += [line.replace("`", "'") for line in message.splitlines()[:12]]  # no fence can be closed early
        lines += ["```", ""]
    dups = _duplicates(graded)
    if dups:
        lines += ["## Names on more than one submission", ""]
        lines += [f"- {name}: submissions {', '.join(ids)}" for name, ids in dups]
        lines.append("")
    lines += ["## Submissions that could not be graded", ""]
    bad = [(g.submission.id, g.ungradeable) for g in graded if g.ungradeable]
    if not bad:
        lines.append("None.")
    lines += [f"- {sid}: {' '.join(str(why).split())}" for sid, why in bad]
    return "\n".join(lines).rstrip() + "\n"


def _html(markdown: str, pngs: dict[str, bytes], images: dict[str, str]) -> str:
    """A small, escaped HTML rendering of the Markdown report, with the figures embedded."""
    e = html.escape
    src = {images[k]: "data:image/png;base64," + base64.b64encode(v).decode("ascii") for k, v in pngs.items()}
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8"><title>Class report</title>',
           "<style>body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:2px 6px}pre{background:#f4f4f4;padding:6px;overflow-x:auto}</style>",
           "</head><body>"]
    in_code, in_table, in_list = False, False, False
    for line in markdown.splitlines():
        if line.startswith("```"):
            out.append("<pre>" if not in_code else "</pre>")
            in_code = not in_code
            continue
        if in_code:
            out.append(e(line))
            continue
        if in_table and not line.startswith("|"):
            out.append("</table>")
            in_table = False
        if in_list and not line.startswith("- "):
            out.append("</ul>")
            in_list = False
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-:"):
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                out.append("<table>")
                in_table = True
            out.append("<tr>" + "".join(f"<{tag}>{e(c)}</{tag}>" for c in cells) + "</tr>")
        elif line.startswith("!["):
            alt, path = line[2:].split("](", 1)
            out.append(f'<p><img alt="{e(alt)}" src="{src[path.rstrip(")")]}"></p>')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{e(line[level:].strip())}</h{level}>")
        elif line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{e(line[2:])}</li>")
        elif line.strip():
            out.append(f"<p>{e(line)}</p>")
    out += ["</table>"] if in_table else []
    out += ["</ul>"] if in_list else []
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(graded: list[Graded], out: Path, rubric: Rubric | None = None) -> dict[str, Any]:
    """Write ``summary.json``, ``report.md``, ``report.html`` and the two PNG figures under ``out``; return the summary."""
    rubric = rubric or default_rubric()
    summary = summarize(graded, rubric)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    n = max(summary["submissions"], 1)
    pngs = {
        "histogram": _histogram([g.score for g in graded], _max_score(rubric)),
        "failures": _failure_chart([(c["name"], c["failed"] / n) for c in summary["checks"]]),
    }
    images = {"histogram": "score_histogram.png", "failures": "failure_rate.png"}
    for key, data in pngs.items():
        (out / images[key]).write_bytes(data)
    markdown = _markdown(graded, summary, rubric, images)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(_html(markdown, pngs, images), encoding="utf-8")
    return summary
