"""The problem registry: every registered problem has every part, and the engines loop over it.

Also the module structure the registry relies on: no import cycles among the project's modules
at import time, no module importing another's private names, and ``numerics`` never importing
``derive`` or SymPy.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from derive.core import Derivation
from derive.problems import PROBLEMS, get_problem, problem_keys
from derive.registry import PARTS, Problem

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.key)
def test_every_problem_has_every_part(problem: Problem) -> None:
    package = ROOT / "derive" / problem.key
    for part in PARTS:
        assert (package / f"{part}.py").is_file(), f"derive/{problem.key}/{part}.py is missing ({PARTS[part]})"
    d = problem.derivation()
    assert isinstance(d, Derivation) and d.steps and d.result_steps()
    questions = problem.questions()
    assert questions, f"problem {problem.key} has no check-answer questions"
    assert all(q.id.startswith(f"{problem.key}.") for q in questions)
    assert problem.title and problem.numbers
    for name in ("experiment", "crosschecks", "sections"):
        assert callable(getattr(problem, name))
    assert len({f.key for f in problem.figures}) == len(problem.figures)
    assert (TESTS / "battery" / f"{problem.key}.py").is_file(), f"tests/battery/{problem.key}.py is missing"


def test_registry_keys_numbers_streams_figures_are_unique() -> None:
    keys = problem_keys()
    assert len(set(keys)) == len(keys)
    numbers = [n for p in PROBLEMS for n in p.numbers]
    assert len(set(numbers)) == len(numbers)
    assert len({p.stream for p in PROBLEMS}) == len(PROBLEMS)
    figures = [f.key for p in PROBLEMS for f in p.figures]
    files = [f.file for p in PROBLEMS for f in p.figures]
    assert len(set(figures)) == len(figures) and len(set(files)) == len(files)


def test_engines_loop_over_the_registry() -> None:
    from battery import BATTERIES

    from derive.answers.catalogue import QUESTIONS

    assert {q.id.split(".")[0] for q in QUESTIONS} == set(problem_keys())
    assert set(problem_keys()) <= set(BATTERIES)
    with pytest.raises(ValueError, match="known problems: " + ", ".join(problem_keys())):
        get_problem("logistic")


def test_no_other_file_lists_the_problems() -> None:
    """No three registered keys stand side by side as a quoted list outside derive/problems.py, and no
    file outside the problem packages names a problem's command module (the CLI reads the registry)."""
    keys = problem_keys()
    pairs = [f'"{a}", "{b}", "{c}"' for a in keys for b in keys for c in keys if len({a, b, c}) == 3]
    modules = [f'"{c.module}"' for p in PROBLEMS for c in p.commands]
    offenders = []
    for path in [*ROOT.joinpath("derive").rglob("*.py"), *ROOT.joinpath("numerics").rglob("*.py")]:
        rel = path.relative_to(ROOT)
        if rel.parts[:2] in {("derive", k) for k in keys} or rel == Path("derive/problems.py"):
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{rel}: {x}" for x in pairs + modules if x in text]
    assert offenders == []


def test_the_command_line_comes_from_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every problem's commands are sub-commands; a problem registered later gets its command with no
    other edit; two commands of one name are refused."""
    import dataclasses

    from derive import cli
    from derive.registry import Command

    names = list(cli.commands())
    assert all(c.name in names for p in PROBLEMS for c in p.commands)
    assert names.index("all") < min(names.index(c.name) for p in PROBLEMS for c in p.commands)
    fake = dataclasses.replace(PROBLEMS[0], key="fake", commands=(Command("fake", "numerics.commands.knn", "a fake"),))
    monkeypatch.setattr("derive.problems.PROBLEMS", (*PROBLEMS, fake))
    args = cli.build_parser().parse_args(["fake", "--n-train", "7"])
    assert args._module.__name__ == "numerics.commands.knn" and args.n_train == 7
    clash = dataclasses.replace(fake, commands=(Command("grade", "numerics.commands.knn", "a clash"),))
    monkeypatch.setattr("derive.problems.PROBLEMS", (*PROBLEMS, clash))
    with pytest.raises(ValueError, match="expected distinct names, got grade twice"):
        cli.commands()


def test_registry_imports_without_sympy_or_numpy() -> None:
    code = ("import sys, derive.problems as p; [x.key for x in p.PROBLEMS]; "
            "print('sympy' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split() == ["False", "False"]


def test_user_import_paths_keep_working() -> None:
    import derive.noisy
    import derive.softmax

    from derive.hinge import hinge_grad_w, subgradient_in_subdifferential  # noqa: F401
    from derive.softmax import grad_W, initial_loss

    assert callable(grad_W) and round(float(initial_loss(10)), 6) == 2.302585
    assert derive.noisy.derivation().title
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        derive.softmax.nosuch  # noqa: B018


# -- module structure -----------------------------------------------------------------------

def _modules() -> dict[str, Path]:
    out = {}
    for top in ("derive", "numerics"):
        for path in ROOT.joinpath(top).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _import_time_imports(path: Path, module: str, known: set[str]) -> list[tuple[str, list[str]]]:
    """(module imported, names imported from it) for every import executed when ``module`` is imported:
    top-level statements only, skipping ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: list[tuple[str, list[str]]] = []

    def visit(stmts: list[ast.stmt]) -> None:
        for node in stmts:
            if isinstance(node, ast.If):
                if "TYPE_CHECKING" in ast.unparse(node.test):
                    continue
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
            elif isinstance(node, ast.Import):
                found.extend((a.name, []) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                names = [a.name for a in node.names]
                submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
                found.append((target, [n for n in names if f"{target}.{n}" not in known]))
                found.extend((s, []) for s in submodules)

    visit(tree.body)
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private: list[str] = []
    for mod, path in modules.items():
        for target, names in _import_time_imports(path, mod, known):
            if target in known and target != mod and not (mod.startswith(target + ".") and not names):
                # (``from pkg import submodule`` inside pkg is not a cycle; a name from pkg's __init__ is)
                graph[mod].add(target)
                # importing a.b.c runs a and a.b first
                parent = target.rsplit(".", 1)[0] if "." in target else None
                while parent and parent in known and parent != mod and not mod.startswith(parent + "."):
                    graph[mod].add(parent)
                    parent = parent.rsplit(".", 1)[0] if "." in parent else None
            if target in known and target != mod:
                private += [f"{mod} imports {target}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    return graph, private


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in graph:
        if v not in index:
            strong(v)
    return out


def test_no_import_cycles() -> None:
    graph, _ = _graph()
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_names() -> None:
    _, private = _graph()
    assert private == []


def test_numerics_never_imports_derive_or_sympy() -> None:
    offenders = []
    for path in ROOT.joinpath("numerics").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("derive", "sympy")]
    assert offenders == []


def test_every_module_imports() -> None:
    for name in _modules():
        if name.endswith("__main__"):
            continue
        importlib.import_module(name)
