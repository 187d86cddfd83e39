"""Recurrent networks' derivations read back (issue 22): every equation of the handout, in LaTeX,
Markdown and plain text, evaluated against values torch computes here (a plain loop with every
z, h, u, o kept and differentiated), en and zh; the .tex compiles (pdflatex, xelatex for zh)
without an overfull line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import symbp
from symbp import formats
from symbp.content.rnn import _Writer
from symbp.formats import latex_math as latex_format
from symbp.formats import text_math as text_format
from tests.conftest import require_module, require_tool
from tests.layout_tools import compile_latex
from tests.readback import latex_reader, text_reader
from tests.readback.harness import latex_sources, markdown_sources, read_and_check, text_sources
from tests.test_rnn import PRACHUB, _two_unit

CASES: dict[str, dict[str, Any]] = {"prachub": PRACHUB, "two_units": _two_unit()}


def _torch_values(data: dict[str, Any]) -> dict[str, float]:
    """Every node's value and ∂L/∂node by torch, keyed by symbp's plain node names (the test
    names nodes as the docs say: steps from 1, units from 0, "s2." for sequence 2)."""
    import torch

    def leaf(value: Any) -> Any:
        return torch.tensor(value, dtype=torch.float64, requires_grad=True)

    weights = {name: leaf(value) for name, value in data["weights"].items()}
    bias = data.get("bias", "none")
    biases = {} if bias == "none" else {name: leaf(v) for name, v in bias.items()}
    inputs = data["inputs"]
    several = isinstance(inputs[0][0], list)
    sequences = inputs if several else [inputs]
    targets = data["targets"] if several else [data["targets"]]
    states = data.get("initial_state")
    kept: dict[str, Any] = {}
    total = torch.zeros((), dtype=torch.float64)
    for s, sequence in enumerate(sequences):
        prefix = f"s{s + 1}." if several else ""
        h = torch.tensor(states[s] if several else states, dtype=torch.float64)
        kept[f"{prefix}h_0"] = h
        for t, row in enumerate(sequence, start=1):
            kept[f"{prefix}x_{t}"] = torch.tensor(row, dtype=torch.float64)
            z = weights["W_xh"] @ kept[f"{prefix}x_{t}"] + weights["W_hh"] @ h
            for name in ("b_ih", "b_hh"):
                if name in biases:
                    z = z + biases[name]
            h = torch.tanh(z)
            u = weights["W_hy"] @ h + biases.get("b_y", 0)
            y = torch.tensor(targets[s][t - 1], dtype=torch.float64)
            for name, tensor in (("z", z), ("h", h), ("u", u), ("o", u)):
                tensor.retain_grad()
                kept[f"{prefix}{name}_{t}"] = tensor
            kept[f"{prefix}y_{t}"] = y
            total = total + 0.5 * ((u - y) ** 2).sum()
    total.backward()
    found: dict[str, float] = {"L": float(total.detach())}
    for name, tensor in {**weights, **biases}.items():
        values, grads = tensor.detach().reshape(-1).tolist(), tensor.grad.reshape(-1).tolist()
        columns = tensor.shape[1] if tensor.dim() == 2 else 0
        for index, (value, grad) in enumerate(zip(values, grads, strict=True)):
            key = f"{name}[{index // columns},{index % columns}]" if columns else f"{name}[{index}]"
            found[key] = value
            found[f"∂L/∂{key}"] = grad
    for stem, tensor in kept.items():
        for unit, value in enumerate(tensor.detach().reshape(-1).tolist()):
            found[f"{stem}[{unit}]"] = value
        if tensor.grad is not None:
            for unit, grad in enumerate(tensor.grad.reshape(-1).tolist()):
                found[f"∂L/∂{stem}[{unit}]"] = grad
    return found


def _tables(result: Any) -> tuple[dict[str, float], dict[str, float]]:
    """torch's numbers keyed by each name's LaTeX and text spelling."""
    by_torch = _torch_values(result.derivation.spec and CASES_BY_TITLE[result.spec.title])
    writer = _Writer(result.derivation, "en", 4)
    model = result.derivation.model
    tables: tuple[dict[str, float], dict[str, float]] = ({}, {})
    for table, spell in zip(tables, (latex_format.name, text_format.name), strict=True):
        for symbol, plain in model.names.items():
            if plain in by_torch:
                table[spell(writer.names[symbol])] = by_torch[plain]
            gradient = by_torch.get(f"∂L/∂{plain}")
            if gradient is None:
                continue
            named = model.named.get(symbol)
            if named is not None:  # δ_t for z_t, δ_{o,t} for u_t
                table[spell(writer.names[named])] = gradient
            table[f"∂L/∂{spell(writer.names[symbol])}"] = gradient
        # the vanishing-gradient factor of one step back, ∂h_t/∂h_{t−1} = W_hh·(1 − h_t²)
        if result.spec.n_hidden == 1:
            for t in range(2, result.spec.n_steps + 1):
                h_now, h_before = model.h[0][t][0], model.h[0][t - 1][0]
                value = by_torch["W_hh[0,0]"] * (1 - by_torch[model.names[h_now]] ** 2)
                table[f"∂{spell(writer.names[h_now])}/∂{spell(writer.names[h_before])}"] = value
    return tables


CASES_BY_TITLE: dict[str, dict[str, Any]] = {}


def _rule(source: str) -> bool:
    """The δ recursion's general rule (transposes, no numbers): not a chain to evaluate."""
    return "mathsf{T}" in source or "ᵀ" in source


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_rnn_handout_equations_read_back(name: str, lang: str) -> None:
    require_module("torch")
    data = {**CASES[name], "title": f"readback {name}"}
    CASES_BY_TITLE[data["title"]] = data
    result = symbp.rnn(data, lang=lang, check=False)
    document = result.handout().document()
    latex_values, text_values = _tables(result)
    latex_text = formats.render(document, "latex")
    outcomes = {
        "latex": read_and_check(
            [s for s in latex_sources(latex_text) if not _rule(s)],
            latex_reader.read,
            latex_values,
            name,
        ),
        "markdown": read_and_check(
            [s for s in markdown_sources(formats.render(document, "markdown")) if not _rule(s)],
            latex_reader.read,
            latex_values,
            name,
        ),
        "text": read_and_check(
            [s for s in text_sources(document.blocks) if not _rule(s)],
            text_reader.read,
            text_values,
            name,
        ),
    }
    n_nodes = len(result.derivation.model.graph.nodes)
    for fmt, outcome in outcomes.items():
        assert not outcome.mismatches, "\n".join(str(m) for m in outcome.mismatches[:5])
        assert outcome.checked >= n_nodes, (fmt, outcome.checked)


@pytest.mark.parametrize(("name", "lang"), [("prachub", "en"), ("two_units", "en"),
                                            ("prachub", "zh")])  # fmt: skip
def test_rnn_handout_compiles(tmp_path: Path, name: str, lang: str) -> None:
    engine = require_tool("xelatex" if lang == "zh" else "pdflatex")
    result = symbp.rnn(CASES[name], lang=lang, check=False)
    tex = result.handout().write(tmp_path / f"{name}.tex")
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert compiled.widest <= 1.0, compiled.overfull
