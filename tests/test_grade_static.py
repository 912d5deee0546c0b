"""The AST "no loops" check: finds every kind of Python loop, follows same-file helpers, executes nothing."""

from __future__ import annotations

import textwrap

import pytest

from derive.grade.static import MAX_SOURCE_CHARS, find_loops

LOOPS = {
    "for": "for row in X:\n    pass",
    "while": "i = 0\nwhile i < 3:\n    i += 1",
    "list": "_ = [x for x in X]",
    "set": "_ = {x for x in X}",
    "dict": "_ = {i: x for i, x in enumerate(X)}",
    "generator": "_ = sum(x for x in X)",
    "vectorize": "_ = np.vectorize(abs)(X)",
    "apply": "_ = np.apply_along_axis(sum, 1, X)",
    "map": "_ = list(map(abs, X))",
}
KINDS = {
    "for": "Python for loop",
    "while": "Python while loop",
    "list": "list comprehension",
    "set": "set comprehension",
    "dict": "dict comprehension",
    "generator": "generator expression",
    "vectorize": "vectorize()",
    "apply": "apply_along_axis()",
    "map": "map()",
}


def _method(body: str) -> str:
    return "import numpy as np\n\nclass KNN:\n    def fast(self, X):\n" + textwrap.indent(body, " " * 8) + "\n        return X\n"


@pytest.mark.parametrize("kind", sorted(LOOPS))
def test_every_kind_of_loop_is_found(kind: str) -> None:
    findings = find_loops(_method(LOOPS[kind]), "KNN", "fast")
    assert findings and KINDS[kind] in str(findings[0])


def test_vectorised_code_passes() -> None:
    src = _method("sq = np.einsum('ij,ij->i', X, X)\nd2 = sq[:, None] + sq[None, :] - 2 * X @ X.T")
    assert find_loops(src, "KNN", "fast") == []


def test_helpers_in_the_same_file_are_followed_recursively() -> None:
    src = textwrap.dedent(
        """
        def outer(X):
            return inner(X)

        def inner(X):
            while False:
                pass
            return X

        class KNN:
            def fast(self, X):
                return self._helper(X)

            def _helper(self, X):
                return outer(X)

            def slow(self, X):
                for x in X:
                    pass
        """
    )
    findings = find_loops(src, "KNN", "fast")
    assert [str(f) for f in findings] == ["Python while loop at line 6 (in helper inner)"]  # slow is not called


def test_the_class_holding_the_reported_line_is_searched() -> None:
    src = "class Base:\n    def fast(self, X):\n        return [x for x in X]\n\nclass KNN(Base):\n    pass\n"
    assert find_loops(src, "KNN", "fast", line=2)[0].line == 3


def test_nothing_is_executed() -> None:
    src = "raise SystemExit('executed!')\nclass KNN:\n    def fast(self, X):\n        return X\n"
    assert find_loops(src, "KNN", "fast") == []


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ("class KNN:\n    def fast(self X):\n", "expected valid Python, got a syntax error at line 2"),
        ("class KNN:\n    pass\n", r"KNN.fast: expected a definition in the class body, found none"),
        ("x = 1\n" * (MAX_SOURCE_CHARS // 6 + 1), "source: expected at most"),
    ],
)
def test_bad_sources_raise(source: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        find_loops(source, "KNN", "fast")


def test_loops_in_a_helper_imported_from_another_file_of_the_submission_are_found(tmp_path: Path) -> None:
    from derive.grade.common import no_loops_judge
    from derive.grade.check import Evidence

    (tmp_path / "helpers.py").write_text("import numpy as np\n\ndef slow(W, X):\n    return [x @ W for x in X]\n")
    (tmp_path / "tools.py").write_text("def fine(W):\n    return W\n")
    main = tmp_path / "linear_svm.py"
    main.write_text("from helpers import slow as fast\nimport tools\n\n"
                    "def svm_loss_vectorized(W, X, y, reg):\n    tools.fine(W)\n    return fast(W, X)\n")
    judge = no_loops_judge("linear_svm", "svm_loss_vectorized", function=True)
    verdict = judge(Evidence(None, {}, {"file": str(main), "line": 4}, (tmp_path,)))
    assert not verdict.passed and "list comprehension at line 4 (in helper helpers.slow)" in verdict.message
    clean = tmp_path / "clean.py"
    clean.write_text("import numpy as np\nimport tools\n\ndef svm_loss_vectorized(W, X, y, reg):\n    return np.dot(X, tools.fine(W))\n")
    assert judge(Evidence(None, {}, {"file": str(clean), "line": 4}, (tmp_path,))).passed
    # a module outside the submission's folders is never read
    outside = tmp_path.parent / f"{tmp_path.name}_outside"
    outside.mkdir()
    (outside / "far.py").write_text("def slow(X):\n    return [x for x in X]\n")
    (tmp_path / "uses_far.py").write_text("from far import slow\n\ndef svm_loss_vectorized(W, X, y, reg):\n    return slow(X)\n")
    assert judge(Evidence(None, {}, {"file": str(tmp_path / "uses_far.py"), "line": 3}, (tmp_path,))).passed
