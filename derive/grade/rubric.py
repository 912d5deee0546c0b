"""A grading rubric: points per check, checks switched off, advisory checks, Gradescope visibility.

A rubric is a TOML file read with the standard library's :mod:`tomllib`::

    [gradescope]
    visibility = "visible"            # of the whole result, in Gradescope's results.json

    [checks."Softmax.fast_loss_and_grad.speed-up"]
    points = 5                        # any finite number >= 0
    enabled = true                    # false: not run, not shown
    advisory = false                  # true: shown as advice, worth 0 points
    visibility = "visible"            # Gradescope: hidden, after_due_date, after_published, visible

A check the file does not mention keeps its defaults (the points written in the
check tables, so an empty rubric is the default 100-point one); a key the file
does not set keeps that check's default.  ``gradproof rubric --default`` prints
every check with its defaults, to start from.

Examples
--------
>>> r = parse_rubric('[checks."KNN.predict_labels.tie-breaking"]\\npoints = 7\\n', known={"KNN.predict_labels.tie-breaking"})
>>> r.entries["KNN.predict_labels.tie-breaking"].points
7.0
>>> parse_rubric('[checks."KNN.nope"]\\npoints = 1\\n', known={"KNN.predict_labels.tie-breaking"})
Traceback (most recent call last):
...
ValueError: rubric: unknown check 'KNN.nope'; expected one of the ids `gradproof rubric --default` lists
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = ["VISIBILITIES", "MAX_RUBRIC_BYTES", "Entry", "Rubric", "default_rubric", "load_rubric", "parse_rubric", "render_rubric"]

#: Gradescope's visibility values
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
#: a rubric file larger than this is refused before it is read
MAX_RUBRIC_BYTES = 256 << 10
#: largest number of points one check may be worth
MAX_POINTS = 1e6

_ENTRY_KEYS = {"points", "enabled", "advisory", "visibility"}


class _CheckLike(Protocol):
    id: str
    title: str
    points: float
    advisory: bool


@dataclass(frozen=True)
class Entry:
    """What the rubric says of one check; None keeps the check's default."""

    points: float | None = None
    enabled: bool | None = None
    advisory: bool | None = None
    visibility: str | None = None


@dataclass(frozen=True)
class Resolved:
    """One check's settings with every default filled in."""

    points: float
    enabled: bool
    advisory: bool
    visibility: str


@dataclass(frozen=True)
class Rubric:
    """Entries by check id, and the visibility of the whole result."""

    entries: dict[str, Entry] = field(default_factory=dict)
    visibility: str = "visible"
    source: str = "the default rubric"

    def entry(self, check: _CheckLike) -> Resolved:
        """``check``'s points, switch, advisory flag and visibility under this rubric."""
        e = self.entries.get(check.id, Entry())
        return Resolved(
            float(check.points) if e.points is None else e.points,
            True if e.enabled is None else e.enabled,
            bool(check.advisory) if e.advisory is None else e.advisory,
            self.visibility if e.visibility is None else e.visibility,
        )


def default_rubric() -> Rubric:
    """The rubric of the check tables: every check on, with its own points (100 in all)."""
    return Rubric()


def _visibility(value: Any, where: str) -> str:
    if value not in VISIBILITIES:
        raise ValueError(f"rubric: {where}: expected one of {', '.join(VISIBILITIES)}, got {value!r}")
    return str(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"rubric: {where}: expected true or false, got {value!r}")
    return value


def _entry(check: str, table: Any) -> Entry:
    if not isinstance(table, dict):
        raise ValueError(f"rubric: checks.{check!r}: expected a table of {', '.join(sorted(_ENTRY_KEYS))}, got {table!r}")
    unknown = set(table) - _ENTRY_KEYS
    if unknown:
        raise ValueError(f"rubric: checks.{check!r}: unknown key(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(_ENTRY_KEYS))}")
    points = table.get("points")
    if points is not None:
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or not 0 <= points <= MAX_POINTS:
            raise ValueError(f"rubric: checks.{check!r}.points: expected a finite number from 0 to {MAX_POINTS:g}, got {points!r}")
        points = float(points)
    return Entry(
        points,
        None if "enabled" not in table else _bool(table["enabled"], f"checks.{check!r}.enabled"),
        None if "advisory" not in table else _bool(table["advisory"], f"checks.{check!r}.advisory"),
        None if "visibility" not in table else _visibility(table["visibility"], f"checks.{check!r}.visibility"),
    )


def parse_rubric(text: str, *, known: Iterable[str], source: str = "rubric") -> Rubric:
    """Parse rubric TOML ``text``; ``known`` are the valid check ids.

    Raises
    ------
    ValueError
        On invalid TOML, an unknown table, check or key, or a value of the wrong type.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"rubric: expected valid TOML, got an error: {exc}") from None
    unknown = set(data) - {"checks", "gradescope"}
    if unknown:
        raise ValueError(f"rubric: unknown table(s) {', '.join(sorted(unknown))}; expected [gradescope] and [checks.\"<id>\"]")
    gs = data.get("gradescope", {})
    if not isinstance(gs, dict) or set(gs) - {"visibility"}:
        raise ValueError(f"rubric: [gradescope]: expected only the key visibility, got {gs!r}")
    visibility = _visibility(gs.get("visibility", "visible"), "gradescope.visibility")
    checks = data.get("checks", {})
    if not isinstance(checks, dict):
        raise ValueError(f"rubric: checks: expected tables [checks.\"<id>\"], got {checks!r}")
    ids = set(known)
    entries = {}
    for cid, table in checks.items():
        if cid not in ids:
            raise ValueError(f"rubric: unknown check {cid!r}; expected one of the ids `gradproof rubric --default` lists")
        entries[cid] = _entry(cid, table)
    return Rubric(entries, visibility, source)


def load_rubric(path: Path, *, known: Iterable[str]) -> Rubric:
    """Read and parse the rubric file ``path`` (at most :data:`MAX_RUBRIC_BYTES`).

    Raises
    ------
    ValueError
        When the file is missing, too large, not UTF-8 or not a valid rubric.
    """
    try:
        size = path.stat().st_size
        if size > MAX_RUBRIC_BYTES:
            raise ValueError(f"{path}: expected a rubric of at most {MAX_RUBRIC_BYTES} bytes, got {size}")
        with open(path, "rb") as f:
            raw = f.read(MAX_RUBRIC_BYTES + 1)
        text = raw.decode("utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: expected a readable rubric file, got {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: expected a UTF-8 TOML file, got bytes that are not UTF-8") from None
    try:
        return parse_rubric(text, known=known, source=str(path))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_rubric(rubric: Rubric, checks: Iterable[_CheckLike]) -> str:
    """The rubric as TOML with every check written out (what ``gradproof rubric --default`` prints)."""
    checks = list(checks)
    total = sum(rubric.entry(c).points for c in checks if rubric.entry(c).enabled and not rubric.entry(c).advisory)
    out = [
        f"# gradproof rubric: {total:g} points in all. Edit and pass with --rubric FILE.",
        "# Per check: points (>= 0), enabled (false: not run, not shown), advisory (true: shown as advice, 0 points),",
        f"# visibility in Gradescope ({', '.join(VISIBILITIES)}).",
        "",
        "[gradescope]",
        f"visibility = {_toml_str(rubric.visibility)}",
    ]
    for c in checks:
        e = rubric.entry(c)
        out += ["", f"# {c.title}", f"[checks.{_toml_str(c.id)}]", f"points = {e.points:g}",
                f"enabled = {str(e.enabled).lower()}", f"advisory = {str(e.advisory).lower()}", f"visibility = {_toml_str(e.visibility)}"]
    return "\n".join(out) + "\n"
