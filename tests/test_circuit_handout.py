"""Handouts of circuits (issue 20 item 5): every equation read back by the harness against values
computed here (the forward pass and each gate's local derivative evaluated by sympy, each node's
gradient by torch autograd), the .tex compiles (pdflatex en, xelatex zh) without an overfull
line, and the HTML prints within the page in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

import symbp
from symbp import formats
from symbp.content.circuit import node_names
from symbp.formats import latex_math as latex_format
from symbp.formats import text_math as text_format
from symbp.torchcheck.circuit_check import torch_gradients
from tests.conftest import require_module, require_tool
from tests.layout_tools import compile_latex, print_html
from tests.readback import latex_reader, text_reader
from tests.readback.harness import latex_sources, markdown_sources, read_and_check, text_sources
from tests.test_circuit import CS231N, LECTURE, MICROGRAD, SIGMOID_NEURON

#: micrograd's e is renamed k here: a reader takes e^{2} for Euler's number squared
MICROGRAD_K = (MICROGRAD[0].replace("e = c - d", "k = c - d").replace("f = e**2", "f = k**2"),
               MICROGRAD[1])  # fmt: skip
CASES = {"cs231n": CS231N, "sigmoid": SIGMOID_NEURON, "micrograd": MICROGRAD_K, "lecture": LECTURE}


def _tables(result) -> tuple[dict[str, float], dict[str, float]]:
    """Each name's value, ∂root/∂node (by torch) and each gate's local derivative, keyed by the
    names' LaTeX and text spellings."""
    circuit = result.circuit
    names = node_names(result.derivation)
    every = tuple(circuit.graph.nodes)
    by_torch = torch_gradients(circuit, every)
    exact = {s: sp.Float(v, 30) for s, v in circuit.values.items()}
    tables: tuple[dict[str, float], dict[str, float]] = ({}, {})
    for table, spell in zip(tables, (latex_format.name, text_format.name), strict=True):
        for symbol, value in circuit.values.items():
            table[spell(names[symbol])] = value
        root = spell(names[circuit.root])
        for symbol, value in by_torch.items():
            table[f"∂{root}/∂{spell(names[symbol])}"] = value
        for symbol, node in circuit.graph.nodes.items():
            for parent in node.inputs:
                local = float(sp.diff(node.definition, parent).xreplace(exact).evalf(30))
                if symbol != circuit.root:
                    table[f"∂{spell(names[symbol])}/∂{spell(names[parent])}"] = local
    return tables


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_circuit_handout_equations_read_back(name: str, lang: str) -> None:
    require_module("torch")
    result = symbp.expression(*CASES[name], lang=lang)
    document = result.handout().document()
    latex_values, text_values = _tables(result)
    outcomes = {
        "latex": read_and_check(
            latex_sources(formats.render(document, "latex")), latex_reader.read, latex_values, name
        ),
        "markdown": read_and_check(
            markdown_sources(formats.render(document, "markdown")),
            latex_reader.read,
            latex_values,
            name,
        ),
        "text": read_and_check(text_sources(document.blocks), text_reader.read, text_values, name),
    }
    for fmt, outcome in outcomes.items():
        assert not outcome.mismatches, "\n".join(str(m) for m in outcome.mismatches[:5])
        assert outcome.checked >= 2 * len(result.circuit.gates), (fmt, outcome)


@pytest.mark.parametrize(("name", "lang"), [("sigmoid", "en"), ("micrograd", "en"),
                                            ("micrograd", "zh")])  # fmt: skip
def test_circuit_handout_compiles(tmp_path: Path, name: str, lang: str) -> None:
    engine = require_tool("xelatex" if lang == "zh" else "pdflatex")
    result = symbp.expression(*CASES[name], lang=lang, check=False)
    tex = result.handout().write(tmp_path / f"{name}.tex")
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert compiled.widest <= 1.0, compiled.overfull


@pytest.mark.parametrize("name", ["sigmoid", "micrograd"])
def test_circuit_handout_prints_within_the_page_in_chromium(tmp_path: Path, name: str) -> None:
    browser = require_tool("chromium")
    require_tool("pdftotext")
    result = symbp.expression(*CASES[name], check=False)
    page = result.handout().write(tmp_path / f"{name}.html")
    printed = print_html(browser, page)
    assert printed.outside == ()
    assert printed.shrink == pytest.approx(1.0, abs=0.005)
