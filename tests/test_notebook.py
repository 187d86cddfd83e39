"""The example notebook runs headless (nbclient, a real Python kernel) and shows mathematics."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from .conftest import MOOC_GRADIENTS, require_module

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOK = EXAMPLES / "mooc_8_3.ipynb"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate", EXAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def executed():  # type: ignore[no-untyped-def]
    require_module("nbclient")
    require_module("ipykernel")
    require_module("torch")
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    root = str(EXAMPLES.parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()
    return notebook


def outputs_of(notebook, source_start: str) -> list[dict]:  # type: ignore[no-untyped-def]
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith(source_start):
            return list(cell.outputs)
    raise AssertionError(f"no cell starts with {source_start!r}")


def test_the_stored_notebook_is_what_the_generator_writes() -> None:
    import nbformat

    stored = nbformat.read(NOTEBOOK, as_version=4)
    built = _generator().build()
    assert [c.source for c in stored.cells] == [c.source for c in built.cells]


@pytest.mark.slow
def test_notebook_runs_without_errors(executed) -> None:  # type: ignore[no-untyped-def]
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output


@pytest.mark.slow
def test_derivation_cell_shows_mathml(executed) -> None:  # type: ignore[no-untyped-def]
    import xml.etree.ElementTree as ET

    (result,) = outputs_of(executed, 'problem.derive("w1")')
    html = result["data"]["text/html"]
    assert "<math" in html
    first = html[html.index("<math") : html.index("</math>") + len("</math>")]
    ET.fromstring(first)  # well-formed MathML
    assert f"{abs(MOOC_GRADIENTS[0]):.10f}" in html  # the sign is its own <mo>


@pytest.mark.slow
def test_check_cell_says_torch_agrees(executed) -> None:  # type: ignore[no-untyped-def]
    (result,) = outputs_of(executed, "try:\n    report = problem.check()")
    assert "text/html" in result["data"]
    assert "CheckReport" in result["data"]["text/plain"]
    assert "all agree" in result["data"]["text/plain"]


@pytest.mark.slow
def test_hand_calculation_cell_names_the_mistake(executed) -> None:  # type: ignore[no-untyped-def]
    (result,) = outputs_of(executed, "problem.check_hand(")
    html = result["data"]["text/html"]
    assert "gradients are added instead of δ·w" in html
    assert "HandCheck 2 wrong" in result["data"]["text/plain"]


def test_check_cell_without_torch_says_how_to_add_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the notebook opened in the environment of the README's first command (no torch): its
    # check cell, run as the kernel runs it, prints the API's advice instead of stopping
    import nbformat

    import symbp
    from symbp.torchcheck import worker

    monkeypatch.setattr(worker, "torch_installed", lambda: False)
    (cell,) = [
        c
        for c in nbformat.read(NOTEBOOK, as_version=4).cells
        if c.cell_type == "code" and "problem.check()" in c.source
    ]
    namespace = {"symbp": symbp, "problem": symbp.problem()}
    exec(compile(cell.source, "check cell", "exec"), namespace)  # the notebook's own code
    assert namespace["report"] is None
    said = capsys.readouterr().out
    assert said.startswith("torch is not installed")
    assert "-m pip install torch" in said and "check=False" in said
    assert "--no-check" not in said  # no command-line advice in Python
