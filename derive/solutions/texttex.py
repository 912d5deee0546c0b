r"""Plain sentences with Unicode maths (``E[δδᵀ] = σ²I``) as pdfLaTeX-safe text.

The derivations' step sentences are written for a terminal: Greek letters,
superscript characters (``x⁽ʲ⁾ᵀ``), ``‖θ‖₂²``, ``_k`` subscripts.  pdfLaTeX cannot
typeset those characters, so :func:`text_to_latex` turns each run of maths
characters into one ``\ensuremath{...}`` group and escapes LaTeX's special
characters; the output is pure ASCII.  A character it does not know raises
:class:`ValueError` naming it (the document must never compile with a hole in it).

Examples
--------
>>> text_to_latex("E[δδᵀ] = σ²I")
'E[\\ensuremath{\\delta\\delta^{\\top}}] = \\ensuremath{\\sigma^{2}}I'
>>> text_to_latex("the loss on x⁽ʲ⁾ + δ⁽ʲ⁾_k")
'the loss on \\ensuremath{x^{(j)}} + \\ensuremath{\\delta^{(j)}_{k}}'
>>> text_to_latex("100% of L̃ — done")
'100\\% of \\ensuremath{\\tilde{L}} --- done'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["text_to_latex", "MATH", "SUPERSCRIPTS", "SUBSCRIPTS"]

#: maths characters -> LaTeX (typeset in maths mode)
MATH: dict[str, str] = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "η": r"\eta",
    "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau",
    "φ": r"\varphi", "ψ": r"\psi", "ω": r"\omega", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda",
    "Σ": r"\Sigma", "Φ": r"\Phi", "Ω": r"\Omega", "∂": r"\partial", "∇": r"\nabla", "‖": r"\|",
    "→": r"\to", "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "≈": r"\approx", "∞": r"\infty",
    "∘": r"\circ", "×": r"\times", "·": r"\cdot", "−": "-", "±": r"\pm", "∈": r"\in", "∉": r"\notin",
    "⊤": r"\top", "∑": r"\sum", "½": r"\tfrac{1}{2}", "𝓛": r"\mathcal{L}", "ℝ": r"\mathbb{R}",
    "⊆": r"\subseteq", "∀": r"\forall", "⇒": r"\Rightarrow", "≡": r"\equiv", "∝": r"\propto",
}
#: superscript characters -> what they raise
SUPERSCRIPTS: dict[str, str] = {
    "⁽": "(", "⁾": ")", "ᵀ": r"\top", "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁺": "+", "⁻": "-",
    "ᵃ": "a", "ᵇ": "b", "ᶜ": "c", "ᵈ": "d", "ⁱ": "i", "ʲ": "j", "ᵏ": "k", "ˡ": "l", "ᵐ": "m", "ⁿ": "n",
    "ᵗ": "t", "*": "*",
}
#: subscript characters -> what they lower
SUBSCRIPTS: dict[str, str] = {
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "ₖ": "k", "ₙ": "n", "ᵢ": "i", "ⱼ": "j", "ₘ": "m", "ₚ": "p",
}
#: text characters -> LaTeX (typeset in text mode)
_TEXT: dict[str, str] = {
    "\\": r"\textbackslash{}", "_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\ensuremath{<}", ">": r"\ensuremath{>}",
    "|": r"\ensuremath{|}", "—": "---", "–": "--", "…": r"\dots{}", "‘": "`", "’": "'", "“": "``", "”": "''",
    "\u00a0": "~",
}
_COMBINING = {"\u0303": r"\tilde", "\u0302": r"\hat", "\u0304": r"\bar"}
#: a short subscript after "_": one to three letters or digits (or one maths character), not a word
_SHORT_SCRIPT = re.compile("(?:[A-Za-z0-9]{1,3}|[" + "".join(MATH) + "])(?![A-Za-z0-9])")


def _braced(s: str, start: int) -> int:
    """Index just past the ``}`` matching the ``{`` at ``start``, or -1."""
    depth = 0
    for n in range(start, len(s)):
        depth += {"{": 1, "}": -1}.get(s[n], 0)
        if depth == 0:
            return n + 1
    return -1


def _paren_script(s: str, start: int) -> str:
    """The inside of a short ``(i,p)`` subscript starting at ``start``, or ``""``."""
    if s[start : start + 1] != "(":
        return ""
    end = s.find(")", start)
    inner = s[start + 1 : end] if end > 0 else ""
    return inner if 0 < len(inner) <= 8 and all(c.isalnum() or c in ", " for c in inner) else ""


def _carries_script(s: str, n: int) -> bool:
    """Is ``s[n]`` a one-letter name followed by a super- or subscript (``x⁽ʲ⁾``, ``w_k``)?"""
    if n > 0 and s[n - 1].isalpha():
        return False
    nxt = s[n + 1 : n + 2]
    after = s[n + 2 : n + 3]
    return (nxt in SUPERSCRIPTS and nxt != "*") or nxt in SUBSCRIPTS or (
        nxt == "_" and (after in "{(" and after != "" or _SHORT_SCRIPT.match(s, n + 2) is not None))


def _script_text(s: str) -> str:
    """The inside of an ASCII ``_{i,p}`` subscript, with any maths characters mapped."""
    return "".join(MATH.get(ch, SUBSCRIPTS.get(ch, ch)) + (" " if ch in MATH and MATH[ch][-1].isalpha() else "")
                   for ch in s).strip()


def _tokens(s: str) -> list[tuple[bool, str]]:
    """Split ``s`` into ``(is_maths, latex)`` pieces."""
    out: list[tuple[bool, str]] = []
    n = 0
    while n < len(s):
        ch = s[n]
        nxt = s[n + 1] if n + 1 < len(s) else ""
        if ch in SUPERSCRIPTS and (ch != "*" or (out and out[-1][0])):
            run = ""
            while n < len(s) and (s[n] in SUPERSCRIPTS or s[n] == "'" and s[n + 1 : n + 2] in SUPERSCRIPTS):
                run += SUPERSCRIPTS.get(s[n], "'") + (" " if s[n] == "ᵀ" else "")
                n += 1
            out.append((True, "^{" + run.strip() + "}"))
            continue
        if ch in SUBSCRIPTS:
            run = ""
            while n < len(s) and s[n] in SUBSCRIPTS:
                run += SUBSCRIPTS[s[n]]
                n += 1
            out.append((True, "_{" + run + "}"))
            continue
        if ch == "_" and out and (paren := _paren_script(s, n + 1)):
            out.append((True, "_{" + _script_text(paren) + "}"))  # w_(i,p) is w_{i,p}
            n += len(paren) + 3
            continue
        if ch == "_" and out and nxt == "{" and (end := _braced(s, n + 1)) > 0:
            out.append((True, "_{" + _script_text(s[n + 2 : end - 1]) + "}"))
            n = end
            continue
        if ch == "_" and out and (short := _SHORT_SCRIPT.match(s, n + 1)):
            out.append((True, "_{" + _script_text(short.group()) + "}"))  # x_p, Y_ji, δ_k; not snake_case
            n = short.end()
            continue
        if nxt in _COMBINING:
            base = MATH.get(ch, ch)
            out.append((True, f"{_COMBINING[nxt]}{{{base}}}"))
            n += 2
            continue
        if ch == "`" and nxt == "`":  # reStructuredText literal markers
            n += 2
            continue
        if ch in MATH:
            out.append((True, MATH[ch]))
        elif ch.isascii() and ch.isalpha() and nxt == "~":
            out.append((True, rf"\tilde{{{ch}}}"))  # x~ is x-tilde
            n += 1
        elif ch.isascii() and ch.isalpha() and _carries_script(s, n):
            out.append((True, ch))  # a one-letter name carrying a script is a maths letter
        elif ch in _TEXT:
            out.append((False, _TEXT[ch]))
        elif ch.isascii():
            out.append((False, ch))
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            if not plain:
                raise ValueError(f"text_to_latex: no LaTeX for the character {ch!r} "
                                 f"(U+{ord(ch):04X} {unicodedata.name(ch, '?')}) in {s!r}; add it to MATH or _TEXT")
            out.append((False, plain))
        n += 1
    return out


def text_to_latex(s: str) -> str:
    r"""``s`` as LaTeX text: maths runs in ``\ensuremath{}``, specials escaped, pure ASCII.

    Parameters
    ----------
    s : str
        A sentence, possibly with Unicode maths (Greek, super/subscripts, ``‖``, ``−``, ...).

    Returns
    -------
    str
        ASCII LaTeX for text mode.

    Raises
    ------
    ValueError
        If ``s`` holds a character with no LaTeX form here.
    """
    if not isinstance(s, str):
        raise ValueError(f"text_to_latex: expected a str, got {type(s).__name__}")
    pieces: list[str] = []
    maths: list[str] = []
    for is_maths, tex in _tokens(s):
        if is_maths:
            if maths and maths[-1][-1:].isalpha() and tex[:1].isalpha():
                maths.append(" ")  # \delta followed by a letter
            maths.append(tex)
            continue
        if maths:
            pieces.append(r"\ensuremath{" + "".join(maths) + "}")
            maths = []
        pieces.append(tex)
    if maths:
        pieces.append(r"\ensuremath{" + "".join(maths) + "}")
    return "".join(pieces)
