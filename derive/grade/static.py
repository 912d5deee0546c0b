"""The "no Python loops" check of the vectorised methods, on the source's syntax tree.

Nothing is executed: the file is parsed with :mod:`ast`.  The method's body is
searched for ``for`` / ``while`` statements, comprehensions and generator
expressions, and for the loop-hiding helpers ``np.vectorize``,
``np.apply_along_axis``, ``np.frompyfunc`` and ``map``.  Helpers the method calls
*in the same file* are searched too: ``self.name(...)`` / ``cls.name(...)`` methods of
the same class and plain ``name(...)`` functions defined at module level,
recursively.  With a ``resolve`` function (module name -> its source, or None), functions
imported from the submission's other files (``from helpers import f`` then ``f(...)``,
``import helpers`` then ``helpers.f(...)``) are followed too, at most
:data:`MAX_MODULES` files.

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
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LoopFinding", "find_loops", "MAX_SOURCE_CHARS", "MAX_MODULES"]

#: larger files are not parsed (a hostile file could make the parser slow)
MAX_SOURCE_CHARS = 1_000_000
#: most other files of the submission followed through imports
MAX_MODULES = 20

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
    """("method", name) for self.name(...) / cls.name(...), ("function", name) for name(...),
    ("attribute", "mod.name") for mod.name(...)."""
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"):
        return "method", f.attr
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        return "attribute", f"{f.value.id}.{f.attr}"
    if isinstance(f, ast.Name):
        return "function", f.id
    return None


Scope = tuple[dict[str, ast.AST], dict[str, tuple[str, str]], dict[str, str]]


def _imports(tree: ast.Module) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(name -> (module, its name there) of ``from module import name``, alias -> module of ``import module``)."""
    names: dict[str, tuple[str, str]] = {}
    modules: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                if a.name != "*":
                    names[a.asname or a.name] = (node.module, a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                modules[a.asname or a.name] = a.name
    return names, modules


class _Modules:
    """The submission's other files, parsed on demand through ``resolve`` (at most MAX_MODULES)."""

    def __init__(self, resolve: Callable[[str], str | None] | None) -> None:
        self.resolve = resolve
        self.parsed: dict[str, Scope | None] = {}

    def get(self, module: str) -> Scope | None:
        if module not in self.parsed:
            source = self.resolve(module) if self.resolve is not None and len(self.parsed) < MAX_MODULES else None
            entry = None
            if source is not None and len(source) <= MAX_SOURCE_CHARS:
                try:
                    tree = ast.parse(source)
                except (SyntaxError, ValueError, RecursionError):
                    tree = None
                if tree is not None:
                    entry = (_functions(tree, "", None)[1], *_imports(tree))
            self.parsed[module] = entry
        return self.parsed[module]


def _hidden(node: ast.Call) -> str | None:
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    return name if name in _HIDDEN_LOOPS else None


def find_loops(source: str, cls: str | None, method: str, *, line: int | None = None,
               resolve: Callable[[str], str | None] | None = None) -> list[LoopFinding]:
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
    resolve : callable, optional
        Module name -> source text of that module *of the submission* (None for anything
        else, e.g. numpy): imported helpers are followed into it.

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
    others = _Modules(resolve)
    here: Scope = (functions, *_imports(tree))
    seen: set[tuple[str, str, str]] = set()
    # (module ("" = this file), kind, name, helper's label)
    todo: list[tuple[str, str, str, str | None]] = [("", "method" if cls is not None else "function", method, None)]
    while todo:
        module, kind, name, helper = todo.pop(0)
        if (module, kind, name) in seen:
            continue
        seen.add((module, kind, name))
        scope = here if module == "" else others.get(module)
        if scope is None:
            continue  # not a file of the submission: not followed
        fns, imported, aliases = scope
        if kind == "attribute":  # mod.name(...): a function of an imported module of the submission
            alias, _, attr = name.partition(".")
            if alias in aliases:
                todo.append((aliases[alias], "function", attr, f"{aliases[alias]}.{attr}"))
            continue
        fn = methods.get(name) if kind == "method" and module == "" else fns.get(name) if kind == "function" else None
        if fn is None:
            if kind == "function" and name in imported:
                source_module, original = imported[name]
                todo.append((source_module, "function", original, f"{source_module}.{original}"))
            continue  # built-in or not the submission's: not followed
        for node in ast.walk(fn):
            for loop_type, text in _LOOP_NODES.items():
                if isinstance(node, loop_type):
                    findings.append(LoopFinding(text, node.lineno, helper))
            if isinstance(node, ast.Call):
                hidden = _hidden(node)
                if hidden:
                    findings.append(LoopFinding(f"{hidden}() (a Python loop in disguise)", node.lineno, helper))
                target = _callee(node)
                if target is not None and not (target[0] == "method" and module != ""):
                    label = target[1] if module == "" else f"{module}.{target[1]}"
                    todo.append((module, target[0], target[1], label))
    return sorted(findings, key=lambda f: (f.line, f.kind))
