"""The "no Python loops" check of the vectorised methods, on the source's syntax tree.

Nothing is executed: the file is parsed with :mod:`ast`.  The method's body is
searched for ``for`` / ``while`` statements, comprehensions and generator
expressions, and for the loop-hiding helpers ``np.vectorize``,
``np.apply_along_axis``, ``np.frompyfunc`` and ``map``.  Helpers the method calls
*in the same file* are searched too: ``self.name(...)`` / ``cls.name(...)`` methods of
the same class and plain ``name(...)`` functions defined at module level,
recursively.  Helpers imported from other modules are not followed.

Examples
--------
>>> src = '''
... class KNN:
...     def fast(self, X):
...         return self._norms(X)
...     def _norms(self, X):
...         return [x @ x for x in X]
... '''
>>> [str(f) for f in find_loops(src, "KNN", "fast")]
['list comprehension at line 6 (in helper _norms)']
>>> find_loops("class KNN:\\n    def fast(self, X):\\n        return X @ X.T\\n", "KNN", "fast")
[]
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["LoopFinding", "find_loops", "MAX_SOURCE_CHARS"]

#: larger files are not parsed (a hostile file could make the parser slow)
MAX_SOURCE_CHARS = 1_000_000

_LOOP_NODES: dict[type, str] = {
    ast.For: "Python for loop",
    ast.AsyncFor: "Python async for loop",
    ast.While: "Python while loop",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
}
_HIDDEN_LOOPS = {"vectorize", "apply_along_axis", "apply_over_axes", "frompyfunc", "map"}


@dataclass(frozen=True)
class LoopFinding:
    """One loop: what it is, its line, and the helper it sits in (None: the method itself)."""

    kind: str
    line: int
    helper: str | None = None

    def __str__(self) -> str:
        where = f" (in helper {self.helper})" if self.helper else ""
        return f"{self.kind} at line {self.line}{where}"


def _functions(tree: ast.Module, cls: str, line: int | None) -> tuple[dict[str, ast.AST], dict[str, ast.AST]]:
    """(methods of the class ``cls``, module-level functions)."""
    all_classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    classes = [c for c in all_classes if c.name == cls]
    if line is not None:  # the class holding the reported line (a base class may hold the method)
        holding = [c for c in all_classes if c.lineno <= line <= (c.end_lineno or c.lineno)]
        classes = holding or classes
    methods: dict[str, ast.AST] = {}
    for c in classes[-1:]:  # the last definition wins, as at run time
        for n in c.body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods[n.name] = n
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return methods, functions


def _callee(node: ast.Call) -> tuple[str, str] | None:
    """("method", name) for self.name(...) / cls.name(...), ("function", name) for name(...)."""
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"):
        return "method", f.attr
    if isinstance(f, ast.Name):
        return "function", f.id
    return None


def _hidden(node: ast.Call) -> str | None:
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    return name if name in _HIDDEN_LOOPS else None


def find_loops(source: str, cls: str | None, method: str, *, line: int | None = None) -> list[LoopFinding]:
    """Loops in ``cls.method`` (or, with ``cls`` None, the module-level function ``method``) of ``source``
    and in the same-file helpers it calls.

    Parameters
    ----------
    source : str
        The text of the file defining the class.
    cls : str or None
        Class name; None for a module-level function.
    method : str
        Method (or function) name.
    line : int, optional
        A line inside the method (from ``inspect``): the class holding it is searched,
        whatever its name (the method may be inherited from a base class).

    Returns
    -------
    list of LoopFinding
        Empty when the method and its helpers contain no loop.

    Raises
    ------
    ValueError
        When the file does not parse, is too large, or does not define the method.
    """
    if len(source) > MAX_SOURCE_CHARS:
        raise ValueError(f"source: expected at most {MAX_SOURCE_CHARS} characters, got {len(source)}")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"source: expected valid Python, got a syntax error at line {exc.lineno}: {exc.msg}") from None
    if cls is None:
        methods, functions = {}, _functions(tree, "", None)[1]
        if line is not None:  # the definition holding the reported line (the last one of that name wins at run time)
            holding = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and n.lineno <= line <= (n.end_lineno or n.lineno)]
            if holding:
                functions[method] = holding[-1]
        if method not in functions:
            raise ValueError(f"{method}: expected a module-level definition (def {method}(...)), found none")
    else:
        methods, functions = _functions(tree, cls, line)
        if method not in methods:
            raise ValueError(f"{cls}.{method}: expected a definition in the class body, found none")
    findings: list[LoopFinding] = []
    seen: set[tuple[str, str]] = set()
    todo: list[tuple[str, str, str | None]] = [("method" if cls is not None else "function", method, None)]
    while todo:
        kind, name, helper = todo.pop(0)
        if (kind, name) in seen:
            continue
        seen.add((kind, name))
        fn = (methods if kind == "method" else functions).get(name)
        if fn is None:
            continue  # imported or built-in: not followed
        for node in ast.walk(fn):
            for loop_type, text in _LOOP_NODES.items():
                if isinstance(node, loop_type):
                    findings.append(LoopFinding(text, node.lineno, helper))
            if isinstance(node, ast.Call):
                hidden = _hidden(node)
                if hidden:
                    findings.append(LoopFinding(f"{hidden}() (a Python loop in disguise)", node.lineno, helper))
                target = _callee(node)
                if target is not None:
                    todo.append((target[0], target[1], target[1]))
    return sorted(findings, key=lambda f: (f.line, f.kind))
