"""Find a class's submissions: a Gradescope "Export Submissions" folder or one folder per student.

Gradescope's export holds ``submission_metadata.yml`` and one ``submission_<id>/``
folder per submission; the metadata maps each folder name to its submitters::

    submission_123:
      :submitters:
      - :name: Ada Lovelace
        :sid: '1815'
        :email: ada@example.edu
      :created_at: 2024-01-01 10:00:00.000000000 -08:00

The metadata is read with PyYAML's ``safe_load`` (plain data only, never objects),
after checking the file's size; only the submitters' names and emails are used, with
the number of submissions, of submitters and the length of each string bounded.
Any other folder is a plain class: one sub-folder per student, named after them.

>>> safe_id("submission_12 3/..")
'submission_12_3_..'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MAX_METADATA_BYTES", "MAX_SUBMISSIONS", "METADATA", "Submission", "discover", "safe_id"]

METADATA = "submission_metadata.yml"
#: a metadata file larger than this is refused before it is read
MAX_METADATA_BYTES = 32 << 20
#: at most this many submissions in one class
MAX_SUBMISSIONS = 5000
#: at most this many submitters per submission (a group), and characters per name or email
MAX_SUBMITTERS, MAX_TEXT = 20, 200


@dataclass(frozen=True)
class Submission:
    """One submission: its id (a safe folder name), where its files are, who submitted it."""

    id: str
    folder: Path
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    missing: str | None = None  # why there is nothing to grade (the metadata names a folder that is not there)


#: names of the class outputs: no submission folder may take one
RESERVED = frozenset({"grades.csv", "summary.json", "report.md", "report.html", "score_histogram.png", "failure_rate.png"})


def safe_id(name: str) -> str:
    """``name`` with every character but letters, digits, ``.``, ``_`` and ``-`` replaced by ``_``.

    Never ``.``, ``..`` nor the name of a class output (those get a leading ``_``).

    >>> safe_id("report.html"), safe_id("..")
    ('_report.html', '_..')
    """
    out = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100] or "_"
    return "_" + out if set(out) <= {"."} or out.lower() in RESERVED else out


def _text(value: Any) -> str:
    text = "" if value is None else str(value) if isinstance(value, (str, int, float)) else ""
    return " ".join(text.split())[:MAX_TEXT]


def _field(person: dict[Any, Any], key: str) -> str:
    return _text(person.get(f":{key}", person.get(key)))


def _submitters(entry: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(entry, dict):
        return (), ()
    people = entry.get(":submitters", entry.get("submitters"))
    if not isinstance(people, list):
        return (), ()
    people = [p for p in people[:MAX_SUBMITTERS] if isinstance(p, dict)]
    return tuple(_field(p, "name") for p in people), tuple(_field(p, "email") for p in people)


def read_metadata(path: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Folder name -> (names, emails) from a Gradescope ``submission_metadata.yml``.

    Raises
    ------
    ValueError
        When the file is too large, not YAML, or not a mapping of submissions.
    """
    import yaml  # PyYAML: see the README's dependencies

    size = path.stat().st_size
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"{path}: expected at most {MAX_METADATA_BYTES >> 20} MiB of metadata, got {size} bytes")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path, "rb") as f:
            data = yaml.load(f.read(MAX_METADATA_BYTES + 1), Loader=loader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: expected Gradescope's submission metadata (YAML), got an error: {str(exc)[:300]}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of submission folders to their submitters, got {type(data).__name__}")
    if len(data) > MAX_SUBMISSIONS:
        raise ValueError(f"{path}: expected at most {MAX_SUBMISSIONS} submissions, got {len(data)}")
    return {str(k): _submitters(v) for k, v in data.items() if isinstance(k, (str, int))}


def _folders(root: Path) -> list[Path]:
    out = []
    for p in sorted(root.iterdir()):
        if p.name.startswith(".") or p.name == "__pycache__" or p.is_symlink() or not p.is_dir():
            continue
        out.append(p)
        if len(out) > MAX_SUBMISSIONS:
            raise ValueError(f"{root}: expected at most {MAX_SUBMISSIONS} submission folders, found more")
    return out


def discover(root: Path) -> tuple[str, list[Submission]]:
    """The layout (``"gradescope"`` or ``"folders"``) and the submissions under ``root``, in id order.

    Raises
    ------
    ValueError
        When ``root`` is not a folder, its metadata cannot be read, or it holds no submission.
    """
    if not root.is_dir():
        raise ValueError(f"{root}: expected a folder of submissions (a Gradescope export or one folder per student), got "
                         + ("a file" if root.exists() else "a path that does not exist"))
    folders = _folders(root)
    ids: set[str] = set()

    def unique(name: str) -> str:
        base, n = safe_id(name), 1
        out = base
        while out in ids:
            n += 1
            out = f"{base}-{n}"
        ids.add(out)
        return out

    if (root / METADATA).is_file():
        meta = read_metadata(root / METADATA)
        by_name = {f.name: f for f in folders}
        subs = []
        for name in sorted(set(by_name) | set(meta)):
            names, emails = meta.get(name, ((), ()))
            sid = unique(name.removeprefix("submission_"))
            missing = None if name in by_name else f"the metadata lists {name} but the export has no such folder"
            subs.append(Submission(sid, by_name.get(name, root / name), names, emails, missing))
        layout = "gradescope"
    else:
        subs = [Submission(unique(f.name), f, (f.name,), ()) for f in folders]
        layout = "folders"
    if not subs:
        raise ValueError(f"{root}: expected one sub-folder per submission (or a Gradescope export), found none")
    return layout, sorted(subs, key=lambda s: s.id)
