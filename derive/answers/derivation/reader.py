r"""Read a derivation as written into rows of maths, each with the input line it ends on.

Accepted: LaTeX with one equation per line (a line starting with ``=`` continues
the previous right-hand side), the blocks ``align``/``align*``/``equation``/
``gather``/``multline`` (with ``&`` and ``\\``), ``\[ ... \]`` and ``$$ ... $$``,
inline ``$...$`` in prose, Markdown (only the maths is read; prose is left alone),
and a Jupyter notebook ``.ipynb`` (its markdown cells, parsed with :mod:`json`
after a size check; lines are numbered through the markdown cells in order).

When the text has any maths delimiters, only the maths inside them is read;
otherwise every non-empty line that is not a ``%`` comment is maths.

Examples
--------
>>> rows = read_rows("\\begin{align}\na &= b \\\\\n  &= c\n\\end{align}\n")
>>> [(r.line, r.text.strip()) for r in rows]
[(2, 'a = b'), (3, '= c')]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

__all__ = ["Row", "read_rows", "ReadError", "MAX_INPUT", "MAX_ROWS", "notebook_markdown"]

#: largest input read (characters), and most rows checked
MAX_INPUT = 200_000
MAX_ROWS = 200
_MAX_CELLS = 2_000


class ReadError(ValueError):
    """The input cannot be read at all (exit status 2)."""


@dataclass(frozen=True)
class Row:
    """One row of maths: its text (delimiters, ``&``, labels and trailing punctuation removed) and its line."""

    line: int
    text: str
    source: str
    near: str | None = None  # a parameter the line is stated for near 0 only ("W near 0"), from its remark


_ENVS = r"(?:align|align\*|aligned|equation|equation\*|gather|gather\*|multline|multline\*|eqnarray|eqnarray\*|split|flalign|flalign\*)"
_BLOCK = re.compile(r"\\begin\{" + _ENVS + r"\}(.*?)\\end\{" + _ENVS + r"\}|\$\$(.*?)\$\$|\\\[(.*?)\\\]", re.S)
_MATRIX = re.compile(r"\\begin\{([pbvV]?matrix|cases|array|smallmatrix)\}.*?\\end\{\1\}", re.S)
_INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)")
_NOISE = re.compile(r"\\(?:label|tag\*?|eqref|ref)\s*\{[^{}]*\}|\\(?:nonumber|notag)\b|\\begin\{(?:aligned|split)\}"
                    r"|\\end\{(?:aligned|split)\}")
_REMARK = re.compile(r"\\q?quad\s*(?:\\text(?:rm|it)?\s*\{[^{}]*\}|\([^()]*\))\s*$|\\text\s*\{\s*\([^{}]*\)\s*\}\s*$")


def notebook_markdown(text: str) -> str:
    """The markdown cells of a notebook, joined by blank lines (bounded JSON parse)."""
    try:
        nb = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ReadError(f"the notebook is not valid JSON ({exc})") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ReadError("the notebook has no list of cells")
    if len(cells) > _MAX_CELLS:
        raise ReadError(f"the notebook has {len(cells)} cells (limit {_MAX_CELLS})")
    parts = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        src = cell.get("source", "")
        if isinstance(src, list):
            if not all(isinstance(s, str) for s in src):
                raise ReadError("a markdown cell's source is not text")
            src = "".join(src)
        if not isinstance(src, str):
            raise ReadError("a markdown cell's source is not text")
        parts.append(src.rstrip("\n"))
    return "\n\n".join(parts) + "\n"


_DEFINES = re.compile(r":=|\\coloneqq|\\triangleq|\\equiv|\\stackrel\{[^{}]*\}\{=\}|\\overset\{[^{}]*\}\{=\}"
                      r"|\\doteq|\\eqqcolon")
_LEADING = re.compile(r"^\s*(?:\\Rightarrow|\\implies|\\therefore|\\Longrightarrow|\\iff|\\hence|\\text\{\s*"
                      r"(?:so|thus|hence|then|and)\s*\})\s*")


def _clean(row: str) -> str:
    row = _NOISE.sub(" ", row)
    row = _DEFINES.sub("=", row)
    row = _LEADING.sub("", row)
    row = _REMARK.sub("", row.rstrip())
    row = row.replace("&", " ")
    row = " ".join(row.split())
    while row and row[-1] in ",.;":
        row = row[:-1].rstrip()
    if row.endswith("\\,") or row.endswith("\\;"):
        row = row[:-2].rstrip()
    return row


def _rows_of_lines(lines: list[tuple[int, str]], block: bool) -> list[Row]:
    """Rows from numbered physical lines: in a block, rows end at ``\\\\``; a line starting with ``=``
    (or a second equation) starts a new row; outside blocks every line is a row."""
    rows: list[Row] = []
    parts: list[str] = []
    sources: list[str] = []
    last = 0

    def flush() -> None:
        text = " ".join(p for p in parts if p).strip()
        if text:
            rows.append(Row(last, text, " ".join(sources).strip()))
        parts.clear()
        sources.clear()

    for lineno, raw in lines:
        pieces = re.split(r"\\\\(?:\[[^\]]*\])?", raw)
        for k, piece in enumerate(pieces):
            s = piece.strip()
            if s.startswith("%") or not s:
                if k < len(pieces) - 1:
                    flush()
                continue
            s = re.sub(r"(?<!\\)%.*$", "", s).strip()
            cleaned = _clean(s)
            if not cleaned:
                if k < len(pieces) - 1:
                    flush()
                continue
            starts_eq = cleaned.startswith("=")
            if parts and (not block or starts_eq or ("=" in cleaned and any("=" in p for p in parts))):
                flush()
            parts.append(cleaned)
            sources.append(s)
            last = lineno
            if k < len(pieces) - 1:
                flush()
        if not block:
            flush()
    flush()
    return rows


def _numbered(text: str, start: int, end: int) -> list[tuple[int, str]]:
    first = text.count("\n", 0, start) + 1
    return [(first + k, ln) for k, ln in enumerate(text[start:end].split("\n"))]


#: a condition written in words with a line: "W near 0", "near W = 0", "W \approx 0"
_NEAR = re.compile(r"\b([A-Za-z])\s+near\s+0\b|\bnear\s+\$?([A-Za-z])\s*=\s*0|\b([A-Za-z])\s*(?:\\approx|≈)\s*0")


def _conditions(rows: list[Row], lines: list[str]) -> list[Row]:
    """Each row with the parameter its remark (a trailing remark, or a ``%`` comment or prose just above) says
    it holds near 0 for."""
    out = []
    for r in rows:
        above = lines[r.line - 2] if r.line >= 2 else ""
        above = above if above.lstrip().startswith("%") or "=" not in above else ""
        found = _NEAR.search(r.source) or _NEAR.search(above)
        near = next((g for g in found.groups() if g), None) if found else None
        out.append(Row(r.line, r.text, r.source, near) if near else r)
    return out


def read_rows(text: str) -> list[Row]:
    """The rows of maths in ``text`` (see the module docstring).

    Raises
    ------
    ReadError
        Not text, too long, an unreadable notebook, or no maths at all.
    """
    if not isinstance(text, str):
        raise ReadError(f"expected the derivation as text, got {type(text).__name__}")
    if len(text) > MAX_INPUT:
        raise ReadError(f"the input is {len(text)} characters long; the limit is {MAX_INPUT}")
    if "\x00" in text:
        raise ReadError("the input contains a NUL character")
    stripped = text.lstrip()
    if stripped.startswith("{") and '"cells"' in text[:MAX_INPUT]:
        text = notebook_markdown(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _MATRIX.sub(lambda m: m.group(0).replace("\\\\", "\\cr "), text)  # a matrix's rows are not claims
    rows: list[Row] = []
    blocks = list(_BLOCK.finditer(text))
    for m in blocks:
        group = next(k for k, g in enumerate(m.groups(), start=1) if g is not None)
        rows.extend(_rows_of_lines(_numbered(text, m.start(group), m.end(group)), True))
    covered = [(m.start(), m.end()) for m in blocks]
    inline = [m for m in _INLINE.finditer(text) if not any(a <= m.start() < b for a, b in covered)]
    for m in inline:
        if "=" in m.group(1):
            rows.append(Row(text.count("\n", 0, m.start()) + 1, _clean(m.group(1)), m.group(1)))
    if not blocks and not inline:
        plain = [(n, "" if ln.lstrip().startswith(("%", "#")) else ln) for n, ln in _numbered(text, 0, len(text))]
        rows = _rows_of_lines(plain, False)
    rows.sort(key=lambda r: r.line)
    rows = _conditions(rows, text.split("\n"))
    if not any("=" in r.text for r in rows):
        raise ReadError("no claims found: expected lines such as  a = b  (or $$ ... $$ / align blocks)")
    if len(rows) > MAX_ROWS:
        raise ReadError(f"the derivation has {len(rows)} rows; the limit is {MAX_ROWS}")
    return rows
