"""The smooth activations added by their table entries alone (softplus, silu, gelu): each one's
float forms are its torch module's, its textbook derivative is sympy's derivative of the
written-out function, networks using it agree with torch autograd and central differences,
from_torch reads its module, its handouts read back (and compile), and an exercise's key is
torch's and passes check-hand. One row per activation (and per form of it)."""

from __future__ import annotations

import csv
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from symbp.api.problem import Problem
from symbp.cli import main
from symbp.core.functions import activation
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import parse_toml, spec_from_mapping
from symbp.handcheck import check_hand_file
from symbp.handcheck.judge import Verdict
from symbp.torchcheck.check import check

from .conftest import require_module, require_tool
from .readback.harness import handout_results

GRID = (0.0, -0.0, 1e-8, -1e-8, 0.3, -0.3, 1.0, -1.0, 5.0, -5.0, 19.0, -19.0, 40.0, -40.0)


@dataclass(frozen=True)
class Case:
    """One activation as a spec names it and as torch computes it, written out for sympy."""

    id: str
    name: str
    spec_lines: str  # extra spec keys (its parameter)
    parameter: float | str | None
    torch_module: Callable[[], Any]  # the nn module, built after torch is imported
    torch_function: Callable[[Any], Any]  # the same on a tensor (for the exercise key)
    written_out: Callable[[sp.Symbol], sp.Expr]  # f(z) in exp, log, erf, tanh
    #: z beyond which torch's module switches form (Softplus's threshold): outside the grid
    grid: tuple[float, ...] = GRID
    float_tolerance: float = 1e-15
    float_absolute: float = 1e-300
    extra: dict[str, Any] = field(default_factory=dict)


def _nn(name: str, **arguments: Any) -> Callable[[], Any]:
    def build() -> Any:
        from torch import nn

        return getattr(nn, name)(**arguments)

    return build


def _functional(name: str, **arguments: Any) -> Callable[[Any], Any]:
    def apply(tensor: Any) -> Any:
        import torch

        return getattr(torch.nn.functional, name)(tensor, **arguments)

    return apply


CASES = [
    Case(
        "softplus",
        "softplus",
        "",
        None,
        _nn("Softplus"),
        _functional("softplus"),
        lambda z: sp.log(1 + sp.exp(z)),
        # torch's Softplus returns z itself above its threshold 20 (beta = 1)
        grid=tuple(z for z in GRID if z <= 20),
    ),
    Case(
        "silu",
        "silu",
        "",
        None,
        _nn("SiLU"),
        _functional("silu"),
        lambda z: z / (1 + sp.exp(-z)),
    ),
    Case(
        "gelu",
        "gelu",
        "",
        "none",
        _nn("GELU"),
        _functional("gelu"),
        lambda z: z * (1 + sp.erf(z / sp.sqrt(2))) / 2,
        # torch writes z·(1 + erf(z/√2))/2, which cancels for z ≪ 0; symbp's erfc does not
        float_tolerance=1e-9,
        float_absolute=1e-15,
    ),
    Case(
        "gelu_tanh",
        "gelu",
        'approximate = "tanh"',
        "tanh",
        _nn("GELU", approximate="tanh"),
        _functional("gelu", approximate="tanh"),
        lambda z: z * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (z + sp.Float(0.044715) * z**3))) / 2,
    ),
]


def _case(name: str) -> Case:
    return next(case for case in CASES if case.id == name)


NAMES = [case.id for case in CASES]

NETWORK = """
title = "{name} hidden layer, sigmoid output, a bias per unit"
layers = [2, 3, 2]
activation = ["{name}", "sigmoid"]
{extra}
loss = "half_sse"
learning_rate = 0.5
inputs = [0.5, -0.8]
targets = [0.2, 0.9]
weights = [0.3, -0.2, 0.4, 0.1, -0.5, 0.35, 0.6, -0.35, 0.15, 0.2, -0.1, 0.45]
bias = "per-unit"
bias_values = [0.05, -0.1, 0.02, 0.1, -0.2]
"""


def _source(case: Case) -> str:
    return NETWORK.format(name=case.name, extra=case.spec_lines)


def _entry(case: Case) -> Any:
    return activation(case.name, case.parameter)


@pytest.mark.parametrize("name", NAMES)
def test_float_forms_are_torchs(name: str) -> None:
    require_module("torch")
    import numpy as np
    import torch

    case = _case(name)
    entry = _entry(case)
    assert entry.evaluate is not None
    tensor = torch.tensor(case.grid, dtype=torch.float64)
    want = [float(v) for v in case.torch_module()(tensor)]
    parameter = float("nan")
    for z, expected in zip(case.grid, want, strict=True):
        got = entry.evaluate(z, parameter)
        assert got == pytest.approx(expected, rel=case.float_tolerance, abs=case.float_absolute), z
    if entry.evaluate_array is not None:
        arrays = entry.evaluate_array(np.array(case.grid), parameter)
        for z, expected, got in zip(case.grid, want, arrays, strict=True):
            assert float(got) == pytest.approx(
                expected, rel=case.float_tolerance, abs=case.float_absolute
            ), z


@pytest.mark.parametrize("name", NAMES)
def test_textbook_derivative_is_sympys(name: str) -> None:
    case = _case(name)
    z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)
    textbook = _entry(case).derivative(z, a)
    written = case.written_out(z)
    exact = sp.diff(written, z)
    for point in (sp.Rational(-5, 2), sp.Rational(-1, 10), sp.Rational(1, 3), sp.Integer(2)):
        value = textbook.subs(a, written).subs(z, point).rewrite(sp.exp)
        assert float(sp.N(value - exact.subs(z, point), 30)) == pytest.approx(0, abs=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_torch_gradient_at_zero_is_the_textbook_value(name: str) -> None:
    require_module("torch")
    import torch

    case = _case(name)
    at = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    case.torch_module()(at).sum().backward()
    assert at.grad is not None
    z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)
    textbook = _entry(case).derivative(z, a)
    value = textbook.subs(a, case.written_out(sp.Integer(0))).subs(z, 0)
    assert float(sp.N(value, 30)) == pytest.approx(float(at.grad[0]), rel=1e-15)


def _network(case: Case, **changes: Any) -> Network:
    data = tomllib.loads(_source(case))
    data.update(changes)
    return Network(spec_from_mapping(data))


SHAPES: list[dict[str, Any]] = [
    {},
    {"loss": "mse_mean"},
    {
        "activation": "{name}",
        "inputs": [[0.5, -0.8], [-1, 2]],
        "targets": [[0.2, 0.9], [1.5, -0.4]],
    },
]


@pytest.mark.parametrize("shape", range(len(SHAPES)))
@pytest.mark.parametrize("name", NAMES)
def test_networks_agree_with_torch_and_central_differences(name: str, shape: int) -> None:
    require_module("torch")
    case = _case(name)
    changes = {
        k: (v.format(name=case.name) if isinstance(v, str) else v) for k, v in SHAPES[shape].items()
    }
    compiled = CompiledNetwork(_network(case, **changes))
    result = check(compiled.evaluate(), compiled.finite_differences())
    assert result.passed, result
    assert max(abs(r.symbolic - r.torch) for r in result.weights) <= 1e-12
    assert abs(result.loss_symbolic - result.loss_torch) <= 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_from_torch_reads_the_module(name: str) -> None:
    require_module("torch")
    import torch
    from torch import nn

    import symbp

    case = _case(name)
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(2, 3), case.torch_module(), nn.Linear(3, 1)).double()
    x = torch.tensor([[0.5, -1.5], [2.0, 0.3]], dtype=torch.float64)
    y = torch.tensor([[0.25], [-1.0]], dtype=torch.float64)
    spec = symbp.from_torch(model, x, y, loss_fn=nn.MSELoss())
    assert spec.activations[0] == case.name
    assert spec.activation_parameter(case.name) == case.parameter
    nn.MSELoss()(model(x), y).backward()
    first = model[0].weight.grad
    assert first is not None
    compiled = CompiledNetwork(Network(spec))
    gradients = dict(zip(spec.weight_names, compiled.evaluate().gradients, strict=False))
    assert gradients["w1_1_1"] == pytest.approx(float(first[0, 0]), rel=1e-10, abs=1e-14)
    assert gradients["w1_3_2"] == pytest.approx(float(first[2, 1]), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", NAMES)
def test_handouts_read_back(name: str, lang: str) -> None:
    problem = Problem(parse_toml(_source(_case(name)), source=name))
    results = handout_results(problem, lang, name)
    assert not results.mismatches() and not results.mathml_problems, results.report()
    for fmt, outcome in results.outcomes.items():
        assert outcome.checked >= 20, fmt


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "engine"), [("en", "pdflatex"), ("zh", "xelatex")])
@pytest.mark.parametrize("name", NAMES)
def test_handouts_compile(tmp_path: Path, name: str, lang: str, engine: str) -> None:
    require_module("torch")
    tool = require_tool(engine)
    spec = tmp_path / "spec.toml"
    spec.write_text(_source(_case(name)), encoding="utf-8")
    assert (
        main(["handout", "--spec", str(spec), "--lang", lang, "-o", str(tmp_path / "h.tex")]) == 0
    )
    done = subprocess.run(
        [tool, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "h.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (tmp_path / "h.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]


EXERCISE = """
title = "{name} exercise"
layers = [2, 2, 2]
activation = ["{name}", "sigmoid"]
{extra}
loss = "half_sse"
learning_rate = 0.5
inputs = [0.5, -0.3]
targets = [0.2, 0.7]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]
"""


@pytest.mark.parametrize("name", NAMES)
def test_an_exercise_key_is_torchs_and_passes_check_hand(name: str, tmp_path: Path) -> None:
    require_module("torch")
    import torch

    case = _case(name)
    spec = tmp_path / "spec.toml"
    spec.write_text(EXERCISE.format(name=case.name, extra=case.spec_lines), encoding="utf-8")
    folder = tmp_path / "ex"
    argv = ["exercise", "--count", "3", "--seed", "5", "--spec", str(spec), "--out", str(folder)]
    assert main(argv) == 0
    rows = list(csv.DictReader((folder / "key.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 3
    for row in rows:
        student = tomllib.loads((folder / row["id"] / "spec.toml").read_text(encoding="utf-8"))
        w = torch.tensor(student["weights"], dtype=torch.float64, requires_grad=True)
        x = torch.tensor(student["inputs"], dtype=torch.float64)
        y = torch.tensor(student["targets"], dtype=torch.float64)
        # by-source numbering: w1 x1→h1, w2 x1→h2, w3 x2→h1, w4 x2→h2, w5 h1→o1, …
        z_hidden = torch.stack([w[0] * x[0] + w[2] * x[1], w[1] * x[0] + w[3] * x[1]])
        hidden = case.torch_function(z_hidden)
        z = torch.stack([w[4] * hidden[0] + w[6] * hidden[1], w[5] * hidden[0] + w[7] * hidden[1]])
        loss = 0.5 * ((torch.sigmoid(z) - y) ** 2).sum()
        loss.backward()
        assert w.grad is not None
        want = {"L": loss.item(), "h1": hidden[0].item(), "h2": hidden[1].item()}
        want |= {f"dL/dw{i + 1}": g for i, g in enumerate(w.grad.tolist())}
        for key, value in want.items():
            if key in row:
                assert abs(float(row[key]) - value) <= 0.5e-4 + 1e-12, (row["id"], key)
        asked = [k for k in row if k not in ("id", "name")]
        hand = tmp_path / f"{row['id']}.txt"
        hand.write_text("".join(f"{k} = {row[k]}\n" for k in asked), encoding="utf-8")
        report = check_hand_file(str(hand), str(folder / row["id"] / "spec.toml"))
        verdicts = [j.verdict for j in report.judgements]
        assert verdicts and all(v is Verdict.RIGHT for v in verdicts), report
        wrong = next(k for k in asked if k.startswith("dL/dw"))
        text = hand.read_text(encoding="utf-8").replace(
            f"{wrong} = {row[wrong]}", f"{wrong} = {float(row[wrong]) + 0.25:.4f}"
        )
        hand.write_text(text, encoding="utf-8")
        report = check_hand_file(str(hand), str(folder / row["id"] / "spec.toml"))
        assert any(j.verdict is Verdict.WRONG for j in report.judgements)


@pytest.mark.slow
def test_a_silu_self_check_page_judges_as_check_hand(tmp_path: Path) -> None:
    """The page of a silu exercise, typed into in real Chromium: every verdict and diagnosis
    equals check-hand's of the same numbers (its silu is the one printed from the table)."""
    from .test_selfcheck_page import drive

    spec = tmp_path / "spec.toml"
    spec.write_text(EXERCISE.format(name="silu", extra=""), encoding="utf-8")
    folder = tmp_path / "ex"
    argv = ["exercise", "--count", "2", "--seed", "8", "--spec", str(spec), "--out", str(folder)]
    assert main([*argv, "--interactive"]) == 0
    page = (folder / "s001" / "selfcheck.html").read_text(encoding="utf-8")
    assert "silu: (a) =>" in page and '["silu"' in page
    rows = list(csv.DictReader((folder / "key.csv").read_text(encoding="utf-8").splitlines()))
    cases: list[tuple[str, dict[str, str]]] = []
    for row in rows:
        asked = {k: v for k, v in row.items() if k not in ("id", "name")}
        cases.append((row["id"], asked))  # right, at 4 decimals
        cases.append((row["id"], {k: f"{float(v):.2f}" for k, v in asked.items()}))
        gradients = {k: v for k, v in asked.items() if k.startswith("dL/dw")}
        cases.append((row["id"], gradients))  # a partial answer
        for slipped in ("h1", "z_o1", next(iter(gradients))):
            if slipped in asked:
                wrong = dict(asked)
                wrong[slipped] = f"{float(asked[slipped]) + 0.1:.4f}"
                cases.append((row["id"], wrong))
    disagreements, kinds = drive(folder, cases, tmp_path)
    assert disagreements == []
    assert {"right", "wrong"} <= kinds
