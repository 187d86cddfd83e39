"""elu (torch.nn.ELU, alpha) added by its table entry alone: its float forms are torch's, its
textbook derivative is sympy's derivative, networks using it agree with torch autograd and
central differences (at the kink too, with torch's elu′(0) = α), from_torch reads nn.ELU, its
handouts read back and compile, and an exercise's key is torch's and passes check-hand."""

from __future__ import annotations

import csv
import math
import subprocess
import tomllib
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

GRID = (0.0, -0.0, 1e-8, -1e-8, 0.3, -0.3, 1.0, -1.0, 5.0, -5.0, 40.0, -40.0, 800.0, -800.0)

NETWORK = """
title = "elu hidden layer, sigmoid output, a bias per unit"
layers = [2, 3, 2]
activation = ["elu", "sigmoid"]
alpha = {alpha}
loss = "half_sse"
learning_rate = 0.5
inputs = [0.5, -0.8]
targets = [0.2, 0.9]
weights = [0.3, -0.2, 0.4, 0.1, -0.5, 0.35, 0.6, -0.35, 0.15, 0.2, -0.1, 0.45]
bias = "per-unit"
bias_values = [0.05, -0.1, 0.02, 0.1, -0.2]
"""


def _torch_elu(values: list[float], alpha: float) -> list[float]:
    require_module("torch")
    import torch

    tensor = torch.tensor(values, dtype=torch.float64)
    return [float(v) for v in torch.nn.ELU(alpha=alpha)(tensor)]


@pytest.mark.parametrize("alpha", [1.0, 0.7, 2.5])
def test_float_forms_are_torchs(alpha: float) -> None:
    import numpy as np

    entry = activation("elu", alpha)
    assert entry.evaluate is not None and entry.evaluate_array is not None
    want = _torch_elu(list(GRID), alpha)
    arrays = entry.evaluate_array(np.array(GRID), alpha)
    for z, expected, array_value in zip(GRID, want, arrays, strict=True):
        assert entry.evaluate(z, alpha) == pytest.approx(expected, rel=1e-15, abs=1e-300), z
        assert float(array_value) == pytest.approx(expected, rel=1e-15, abs=1e-300), z


def test_torch_takes_alpha_at_the_kink() -> None:
    # torch's ELU backward at z = 0 is α·e⁰ = α (the z ≤ 0 side); symbp's textbook form says so
    require_module("torch")
    import torch

    z = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.nn.ELU(alpha=0.7)(z).sum().backward()
    assert z.grad is not None
    symbol_z, symbol_a = sp.symbols("z a", real=True)
    textbook = activation("elu", 0.7).derivative(symbol_z, symbol_a)
    at_zero = textbook.subs({symbol_z: 0, symbol_a: 0})
    assert float(at_zero) == pytest.approx(float(z.grad[0]), rel=1e-15)


def test_textbook_derivative_is_sympys_on_each_side() -> None:
    z, a, alpha = sp.Symbol("z", real=True), sp.Symbol("a", real=True), sp.Rational(7, 10)
    textbook = activation("elu", 0.7).derivative(z, a)
    negative = alpha * (sp.exp(z) - 1)  # elu for z < 0, written out
    for point in (sp.Rational(-3, 2), sp.Rational(-1, 10)):
        claimed = textbook.subs(a, negative).subs(z, point)
        assert sp.N(claimed - sp.diff(negative, z).subs(z, point), 30) == pytest.approx(
            0, abs=1e-15
        )
    for point in (sp.Rational(1, 10), sp.Integer(3)):
        assert float(textbook.subs(a, point).subs(z, point)) == 1.0


def _network(alpha: float, **changes: Any) -> Network:
    data = tomllib.loads(NETWORK.format(alpha=alpha))
    data.update(changes)
    return Network(spec_from_mapping(data))


@pytest.mark.parametrize(
    ("alpha", "changes"),
    [
        (1.0, {}),
        (0.7, {}),
        (2.5, {"activation": ["tanh", "elu"], "loss": "mse_mean"}),
        (
            0.7,
            {
                "activation": "elu",
                "targets": [[0.2, 0.9], [1.5, -0.4]],
                "inputs": [[0.5, -0.8], [-1, 2]],
            },
        ),
    ],
)
def test_networks_agree_with_torch_and_central_differences(
    alpha: float, changes: dict[str, Any]
) -> None:
    require_module("torch")
    network = _network(alpha, **changes)
    compiled = CompiledNetwork(network)
    result = check(compiled.evaluate(), compiled.finite_differences())
    assert result.passed, result
    assert max(abs(r.symbolic - r.torch) for r in result.weights) <= 1e-12
    assert abs(result.loss_symbolic - result.loss_torch) <= 1e-12


def test_a_unit_exactly_at_the_kink_gets_torchs_gradient() -> None:
    # z_h3 = 0.4·0.5 + 0.25·(−0.8) = 0 exactly: torch takes elu′(0) = α (central differences
    # would average the two sides, so only torch is the reference here)
    require_module("torch")
    network = _network(
        0.7,
        weights=[0.3, -0.2, 0.4, 0.1, -0.5, 0.25, 0.6, -0.35, 0.15, 0.2, -0.1, 0.45],
        bias="none",
        bias_values=None,
    )
    compiled = CompiledNetwork(network)
    result = check(compiled.evaluate(), compiled.finite_differences())
    assert max(abs(r.symbolic - r.torch) for r in result.weights) <= 1e-12
    assert any(abs(r.symbolic - r.finite_difference) > 1e-4 for r in result.weights)


def test_from_torch_reads_nn_elu_and_its_alpha() -> None:
    require_module("torch")
    import torch
    from torch import nn

    import symbp

    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(2, 3), nn.ELU(alpha=0.4), nn.Linear(3, 1)).double()
    x = torch.tensor([[0.5, -1.5], [2.0, 0.3]], dtype=torch.float64)
    y = torch.tensor([[0.25], [-1.0]], dtype=torch.float64)
    spec = symbp.from_torch(model, x, y, loss_fn=nn.MSELoss())
    assert spec.activations[0] == "elu"
    assert spec.parameter("alpha") == pytest.approx(0.4)
    nn.MSELoss()(model(x), y).backward()
    first = model[0].weight.grad
    assert first is not None
    compiled = CompiledNetwork(Network(spec))
    gradients = dict(zip(spec.weight_names, compiled.evaluate().gradients, strict=False))
    assert gradients["w1_1_1"] == pytest.approx(float(first[0, 0]), rel=1e-10, abs=1e-14)
    assert gradients["w1_3_2"] == pytest.approx(float(first[2, 1]), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_handouts_read_back(lang: str) -> None:
    problem = Problem(parse_toml(NETWORK.format(alpha=0.7), source="elu"))
    results = handout_results(problem, lang, "elu")
    assert not results.mismatches() and not results.mathml_problems, results.report()
    for fmt, outcome in results.outcomes.items():
        assert outcome.checked >= 20, fmt
    text = problem.handout(lang=lang, check=False).document()
    assert "elu" in str(text.blocks)


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "engine"), [("en", "pdflatex"), ("zh", "xelatex")])
def test_handouts_compile(tmp_path: Path, lang: str, engine: str) -> None:
    require_module("torch")
    tool = require_tool(engine)
    spec = tmp_path / "elu.toml"
    spec.write_text(NETWORK.format(alpha=0.7), encoding="utf-8")
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
    assert (tmp_path / "h.pdf").exists()


EXERCISE = """
title = "elu exercise"
layers = [2, 2, 2]
activation = ["elu", "sigmoid"]
alpha = 0.5
loss = "half_sse"
learning_rate = 0.5
inputs = [0.5, -0.3]
targets = [0.2, 0.7]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]
"""


def test_an_exercise_key_is_torchs_and_passes_check_hand(tmp_path: Path) -> None:
    require_module("torch")
    import torch

    spec = tmp_path / "elu.toml"
    spec.write_text(EXERCISE, encoding="utf-8")
    folder = tmp_path / "ex"
    argv = ["exercise", "--count", "4", "--seed", "5", "--spec", str(spec), "--out", str(folder)]
    assert main(argv) == 0
    rows = list(csv.DictReader((folder / "key.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 4
    for row in rows:
        student = tomllib.loads((folder / row["id"] / "spec.toml").read_text(encoding="utf-8"))
        assert student["alpha"] == 0.5
        w = torch.tensor(student["weights"], dtype=torch.float64, requires_grad=True)
        x = torch.tensor(student["inputs"], dtype=torch.float64)
        y = torch.tensor(student["targets"], dtype=torch.float64)
        # by-source numbering: w1 x1→h1, w2 x1→h2, w3 x2→h1, w4 x2→h2, w5 h1→o1, …
        z_hidden = torch.stack([w[0] * x[0] + w[2] * x[1], w[1] * x[0] + w[3] * x[1]])
        hidden = torch.nn.functional.elu(z_hidden, alpha=0.5)
        z = torch.stack([w[4] * hidden[0] + w[6] * hidden[1], w[5] * hidden[0] + w[7] * hidden[1]])
        loss = 0.5 * ((torch.sigmoid(z) - y) ** 2).sum()
        loss.backward()
        assert w.grad is not None
        want = {"L": loss.item(), "h1": hidden[0].item(), "h2": hidden[1].item()}
        want |= {f"dL/dw{i + 1}": g for i, g in enumerate(w.grad.tolist())}
        for key, value in want.items():
            if key in row:
                assert abs(float(row[key]) - value) <= 0.5e-4 + 1e-12, (row["id"], key)
        # the key itself, handed in as a student's file, is right in every line
        asked = [k for k in row if k not in ("id", "name")]
        hand = tmp_path / f"{row['id']}.txt"
        hand.write_text("".join(f"{k} = {row[k]}\n" for k in asked), encoding="utf-8")
        report = check_hand_file(str(hand), str(folder / row["id"] / "spec.toml"))
        verdicts = [j.verdict for j in report.judgements]
        assert verdicts and all(v is Verdict.RIGHT for v in verdicts), report
        # and a wrong gradient is found wrong
        wrong = next(k for k in asked if k.startswith("dL/dw"))
        text = hand.read_text(encoding="utf-8").replace(
            f"{wrong} = {row[wrong]}", f"{wrong} = {float(row[wrong]) + 0.25:.4f}"
        )
        hand.write_text(text, encoding="utf-8")
        report = check_hand_file(str(hand), str(folder / row["id"] / "spec.toml"))
        assert not all(j.verdict is Verdict.RIGHT for j in report.judgements)
    assert math.isfinite(float(rows[0]["L"]))


_KINK_SPEC = """title = "kink"
layers = [2, 2, 2]
activation = "{activation}"
{key} = {value}
loss = "half_sse"
learning_rate = 1.0
inputs = [1.0, 1.0]
targets = [0.5, -0.5]
weights = [0.5, 0.25, -0.5, -0.25, 1.0, 0.5, -1.0, 0.5]
"""


@pytest.mark.parametrize(
    ("activation", "key", "value", "fmt", "words"),
    [
        # w1 + w3 = 0.5 − 0.5 = 0 exactly: z_h1 sits at the kink, f′(0) is the parameter
        ("elu", "alpha", 0.3, "text", "is taken as α = 0.3 (the z ≤ 0"),
        ("elu", "alpha", 0.3, "latex", r"is taken as \(\alpha\) = \(0.3\) (the z"),
        ("elu", "alpha", 0.3, "html", 'taken as α = <math xmlns="http://www.w3.org/1998'),
        ("leaky_relu", "negative_slope", 0.2, "text", "is taken as the slope 0.2,"),
    ],
)
def test_the_kink_note_gives_the_parameters_value(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    activation: str,
    key: str,
    value: float,
    fmt: str,
    words: str,
) -> None:
    path = tmp_path / "kink.toml"
    path.write_text(_KINK_SPEC.format(activation=activation, key=key, value=value))
    main(["derive", "--weight", "w1", "--spec", str(path), "--no-check", "--format", fmt])
    out = " ".join(capsys.readouterr().out.split())
    assert words in out
    if fmt == "html":
        assert "<mn>0.3</mn></mrow></math> (the z ≤ 0 side" in out


def test_the_chinese_kink_note_gives_alpha(tmp_path: Path) -> None:
    spec = tmp_path / "kink.toml"
    spec.write_text(_KINK_SPEC.format(activation="elu", key="alpha", value=0.3))
    out = tmp_path / "h.md"
    main(["handout", "--spec", str(spec), "--no-check", "--lang", "zh", "-o", str(out)])
    assert "elu′(0) 取 α = $0.3$（z ≤ 0 一侧）" in out.read_text()
