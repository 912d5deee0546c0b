"""docs/walkthrough.ipynb runs from top to bottom (nbclient, kernel python3) and is committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "walkthrough.ipynb"
CELL_TIMEOUT = 120  # seconds per cell


def _load() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_committed_without_outputs() -> None:
    nb = _load()
    nbformat.validate(nb)
    stale = [n for n, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not stale, f"cells {stale} hold outputs: clear them (jupyter nbconvert --clear-output --inplace)"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    nb = _load()
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return nb


def _stdout(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o.output_type == "stream" and o.name == "stdout")


def test_runs_without_errors(executed: nbformat.NotebookNode) -> None:
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors


def test_shows_what_it_promises(executed: nbformat.NotebookNode) -> None:
    out = _stdout(executed)
    for expected in ("CORRECT: equivalent", "WRONG: not equivalent", "vectorised = naive loop: True",
                     "numerics gradient = derived gradient: True", "derived log C = 2.302585"):
        assert expected in out, expected
    rich = {k for c in executed.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})}
    assert {"text/markdown", "text/latex", "image/png"} <= rich  # a derivation and a figure rendered
