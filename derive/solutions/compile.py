"""Compile the worked solutions with the installed TeX engine, or say what to install.

Engines are tried in the order of :data:`ENGINES` (``latexmk`` drives pdfLaTeX
and reruns as often as needed); a plain engine is run twice (the second run resolves the figure and
section references).  ``SOURCE_DATE_EPOCH`` is fixed so that the PDF does not
carry the time it was built.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

__all__ = ["ENGINES", "INSTALL_HINT", "TexNotFoundError", "TexError", "find_engine", "compile_pdf"]

#: engines, most preferred first (the document is pure ASCII and needs no engine-specific package)
ENGINES: tuple[str, ...] = ("pdflatex", "lualatex", "xelatex", "latexmk")
#: what to install on Debian/Ubuntu when no engine is found
INSTALL_HINT = ("no TeX engine found (tried pdflatex, lualatex, xelatex, latexmk). Install one, on Debian or "
                "Ubuntu: sudo apt-get install texlive-latex-base texlive-latex-recommended texlive-latex-extra")


#: LaTeX's warning for a reference or citation it could not resolve
_UNRESOLVED = re.compile(r"(?:Reference|Citation) `([^']*)' on page \d+ undefined")
#: files the engines leave beside the PDF, removed after a successful build
_AUXILIARY: tuple[str, ...] = (".aux", ".log", ".out", ".toc", ".fls", ".fdb_latexmk")


class TexNotFoundError(FileNotFoundError):
    """No TeX engine is installed; the message says which Debian packages to install."""


class TexError(RuntimeError):
    """The engine ran but the document did not compile; the message holds the log's first errors."""


def find_engine(preferred: str | None = None) -> tuple[str, str]:
    """``(name, path)`` of the first installed engine (or of ``preferred``).

    Raises
    ------
    ValueError
        If ``preferred`` is not one of :data:`ENGINES`.
    TexNotFoundError
        If no engine (or not ``preferred``) is installed.
    """
    if preferred is not None and preferred not in ENGINES:
        raise ValueError(f"engine: expected one of {', '.join(ENGINES)}, got {preferred!r}")
    for name in (preferred,) if preferred else ENGINES:
        path = shutil.which(name)
        if path is not None and (name != "latexmk" or shutil.which("pdflatex")):
            return name, path
    raise TexNotFoundError(INSTALL_HINT if preferred is None else f"{preferred} not found. {INSTALL_HINT}")


def _errors(log: Path) -> str:
    """The first error lines of a TeX log (``! ...`` or ``file.tex:LINE: ...``, and the two lines after)."""
    if not log.is_file():
        return "(no log written)"
    lines = log.read_text(encoding="latin-1").splitlines()
    picked = [" | ".join(lines[i : i + 3]) for i, line in enumerate(lines)
              if line.startswith("!") or re.match(r"^\S+\.tex:\d+: ", line)]
    return "\n".join(picked[:3]) or "(no error line in the log; see " + log.name + ")"


def compile_pdf(tex: str | Path, engine: str | None = None, *, timeout: float = 300.0) -> Path:
    """Compile ``tex`` in its own folder; return the PDF's path.

    Parameters
    ----------
    tex : path
        The ``.tex`` file (figures are found relative to its folder).
    engine : str, optional
        One of :data:`ENGINES`; default: the first installed.
    timeout : float
        Seconds per engine run.

    Raises
    ------
    TexNotFoundError
        No engine installed (names the Debian packages to install).
    TexError
        The document did not compile (with the log's first errors), or a reference is
        still unresolved after the last run (it would print as "??").
    """
    tex = Path(tex)
    if tex.suffix != ".tex" or not tex.is_file():
        raise ValueError(f"tex: expected an existing .tex file, got {str(tex)!r}")
    name, path = find_engine(engine)
    folder = tex.parent.resolve()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
    base = ["-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
    if name == "latexmk":
        runs = [[path, "-pdf", "-quiet", *(f"-latexoption={o}" for o in base), tex.name]]
    else:
        runs = [[path, *base, tex.name]] * 2
    for cmd in runs:
        try:
            proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise TexError(f"{name} did not finish within {timeout:g} s on {tex.name}") from exc
        if proc.returncode != 0:
            raise TexError(f"{name} failed on {tex.name} (exit {proc.returncode}):\n{_errors(folder / (tex.stem + '.log'))}")
    pdf = tex.parent / (tex.stem + ".pdf")
    if not pdf.is_file():
        raise TexError(f"{name} ran but wrote no {pdf.name}")
    log = folder / (tex.stem + ".log")
    unresolved = _UNRESOLVED.findall(log.read_text(encoding="latin-1")) if log.is_file() else []
    if unresolved:  # a reader would see "??"
        raise TexError(f"{tex.name}: unresolved references after the last run: {', '.join(sorted(set(unresolved)))}")
    for ext in _AUXILIARY:  # keep the folder clean; on failure the log stays for reading
        (folder / (tex.stem + ext)).unlink(missing_ok=True)
    return pdf
