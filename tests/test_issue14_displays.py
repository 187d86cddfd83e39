"""The displays of optimizers, ∂L/∂a, the objective "output", loss terms, samples and named
biases, against independent numbers: torch.optim's own state, torch autograd, published values.

The equations themselves are read back and evaluated in tests/test_readback.py; here the numbers
a reader is shown are compared with what torch computes for a network written out by hand.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

import symbp
from symbp.cli import main
from symbp.core.spec import parse_toml
from tests.conftest import require_module

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
X, Y = (0.5, 0.3), (0.23, -0.07)
W = (0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8)


def _torch_mooc(optimizer: str, rate: float, rounds: int) -> list[dict[str, list[float]]]:
    """The MOOC 8.3 network written out in torch by hand (by-source numbering: w1 x1→h1,
    w2 x1→h2, w3 x2→h1, …), trained by torch.optim; after each round its parameters and state
    in symbp's weight order."""
    import torch

    w = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    make = {
        "adam": lambda: torch.optim.Adam([w], lr=rate),
        "momentum": lambda: torch.optim.SGD([w], lr=rate, momentum=0.9, nesterov=True),
        "adamw": lambda: torch.optim.AdamW([w], lr=rate, betas=(0.8, 0.99), amsgrad=True),
    }
    opt = make[optimizer]()
    found = []
    for _ in range(rounds):
        opt.zero_grad()
        h1 = torch.sigmoid(w[0] * x[0] + w[2] * x[1])
        h2 = torch.sigmoid(w[1] * x[0] + w[3] * x[1])
        o1 = torch.sigmoid(w[4] * h1 + w[6] * h2)
        o2 = torch.sigmoid(w[5] * h1 + w[7] * h2)
        loss = 0.5 * ((o1 - y[0]) ** 2 + (o2 - y[1]) ** 2)
        loss.backward()
        opt.step()
        state = {k: v.tolist() for k, v in opt.state[w].items() if torch.is_tensor(v) and v.ndim}
        found.append({"p": w.detach().tolist(), **state})
    return found


@pytest.mark.parametrize(
    ("optimizer", "table", "keys"),
    [
        ("adam", '{ name = "adam" }', {"m": "exp_avg", "v": "exp_avg_sq"}),
        (
            "momentum",
            '{ name = "sgd", momentum = 0.9, nesterov = true }',
            {"b": "momentum_buffer"},
        ),
        (
            "adamw",
            '{ name = "adamw", betas = [0.8, 0.99], amsgrad = true }',
            {"m": "exp_avg", "v": "exp_avg_sq", "vmax": "max_exp_avg_sq"},
        ),
    ],
)
def test_step_shows_torch_optims_state_and_new_values(
    optimizer: str, table: str, keys: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """symbp step --optimizer: every shown state value and new weight is torch.optim's."""
    require_module("torch")
    by_torch = _torch_mooc(optimizer, 0.1, 1)[0]
    assert main(["step", "--lr", "0.1", "--optimizer", table, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    for index, entry in enumerate(document["weights"]):
        assert entry["updated"] == pytest.approx(by_torch["p"][index], abs=1e-15)
        for key, torch_key in keys.items():
            assert entry["state_after"][key] == pytest.approx(by_torch[torch_key][index], abs=1e-15)
        # the last equation's value is the new parameter, as the text shows it
        assert entry["equations"][-1]["value"] == entry["updated"]
    assert main(["step", "--lr", "0.1", "--optimizer", table]) == 0
    text = capsys.readouterr().out
    # the table row of w5: value, gradient, the state after, the new value to 10 decimals
    row = next(line.split() for line in text.splitlines() if re.match(r"\s+w5\s+-?\d", line))
    assert float(row[-1]) == pytest.approx(by_torch["p"][4], abs=5e-11)
    first_state = next(iter(keys.values()))
    assert float(row[3]) == pytest.approx(by_torch[first_state][4], abs=5e-11)


def test_training_state_tables_are_torch_optims(capsys: pytest.CaptureFixture[str]) -> None:
    """train --optimizer adam: the m and v tables hold torch's exp_avg, exp_avg_sq per round."""
    require_module("torch")
    rounds = _torch_mooc("adam", 0.1, 3)
    assert main(["train", "--steps", "3", "--lr", "0.1", "--optimizer", "adam"]) == 0
    text = capsys.readouterr().out
    assert "3 updates by torch.optim.Adam(lr=0.1" in text
    tables = text.split("The optimizer's state ")[1:]
    assert [t.split()[0] for t in tables] == ["m", "v"]
    for table, torch_key in zip(tables, ("exp_avg", "exp_avg_sq"), strict=True):
        rows = [line.split() for line in table.splitlines() if re.match(r"\s+\d+\s", line)]
        assert [r[0] for r in rows] == ["0", "1", "2", "3"]
        assert all(float(v) == 0 for v in rows[0][1:])  # before the first update
        for number in (1, 2, 3):  # row k: after update k
            shown = [float(v) for v in rows[number][1:]]
            assert shown == pytest.approx(rounds[number - 1][torch_key], abs=5e-11)


def test_handout_of_an_adam_spec_works_adams_update() -> None:
    """The handout's update section is Adam's, not p ← p − η·∂L/∂p, and its new w1 is torch's."""
    require_module("torch")
    problem = symbp.problem(EXAMPLES / "adam.toml")
    text = problem.handout(check=False).render("text")
    update = text.split("4. Update step")[1].split("5. Verification")[0]
    assert "p ← p - η·∂L/∂p" not in update
    assert "m̂ = m/(1 - β1^t)" in update and "v ← β2·v + (1 - β2)·g²" in update
    w1 = _torch_mooc("adam", 0.1, 1)[0]["p"][0]
    line = next(line for line in update.splitlines() if line.strip().startswith("w1 "))
    # the handout gives it to its 4 significant digits (symbp step keeps 10 decimals)
    assert line.endswith(f"= {w1:.4f}")
    latex = problem.handout(check=False).render("latex")
    assert r"\hat{m}^{(1)}_{w_{1}}" in latex


def test_derivation_of_an_adam_spec_updates_by_adam() -> None:
    problem = symbp.problem(EXAMPLES / "adam.toml")
    text = problem.derive("w5").render("text")
    assert "Value and update (torch.optim.Adam(lr=0.1" in text
    assert re.search(r"w5\s+← w5 - η·m̂_w5⁽¹⁾/\(sqrt\(v̂_w5⁽¹⁾\) \+ ε\) = ", text)
    document = json.loads(problem.derive("w5").render("json"))
    assert document["derivations"][0]["updated_value"] == pytest.approx(
        problem.step().new_weights[4], abs=0
    )


def test_mazur_hidden_unit_gradient_in_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    """Mazur's published ∂E_total/∂out_h1 = 0.036350306, as derive --wrt h1 shows it."""
    spec = str(EXAMPLES / "mazur_2_2_2.toml")
    assert main(["derive", "--wrt", "h1", "--spec", spec, "--no-check"]) == 0
    text = capsys.readouterr().out
    value = re.search(r"^  ∂L/∂h1 = (-?\d\.\d+)$", text, re.M)
    assert value is not None and round(float(value.group(1)), 9) == 0.036350306
    assert "∂L/∂h1 = δ_o1·w5 + δ_o2·w7" in text
    expected = {
        "latex": r"\frac{\partial L}{\partial h_{1}} &= 0.0363503064",
        "markdown": r"\frac{\partial L}{\partial h_{1}} &= 0.0363503064",
        "html": "<mn>0.0363503064</mn>",
        "mathml": "<mn>0.0363503064</mn>",
    }
    for fmt, piece in expected.items():
        assert main(["derive", "--wrt", "h1", "--spec", spec, "--no-check", "--format", fmt]) == 0
        assert piece in capsys.readouterr().out, fmt


def test_cs231n_neuron_without_a_loss(capsys: pytest.CaptureFixture[str]) -> None:
    """CS231n's neuron: dx = [0.39, −0.59], dw = [−0.2, −0.39, 0.2] as published, written
    ∂o1/∂x and ∂o1/∂w with no factor ∂L/∂o1 = 1, and a sign explanation about o1 itself."""
    spec = str(EXAMPLES / "cs231n_neuron.toml")
    assert main(["derive", "--wrt", "x1", "--wrt", "x2", "--spec", spec, "--no-check"]) == 0
    text = capsys.readouterr().out
    dx = [float(v) for v in re.findall(r"^  ∂o1/∂x\d = (-?[\d.]+)$", text, re.M)]
    assert [round(v, 2) for v in dx] == [0.39, -0.59]
    assert main(["derive", "--all", "--spec", spec, "--no-check"]) == 0
    text = capsys.readouterr().out
    dw = [float(v) for v in re.findall(r"^  ∂o1/∂w\d\s+= (-?[\d.]+)$", text, re.M)]
    assert [round(v, 2) for v in dw] == [-0.2, -0.39, 0.2]
    assert "∂L/∂o1" not in text and "∂o1/∂o1" not in text
    assert "∂o1/∂w0 = ∂o1/∂z_o1·∂z_o1/∂w0" in text
    assert "a small increase of w0 lowers the output o1" in " ".join(text.split())
    latex = symbp.problem(spec).handout(check=False).render("latex")
    assert "no targets: the objective is the output" in latex
    assert r"\frac{\partial o_{1}}{\partial w_{2}}" in latex  # the bias keeps the course's name


def test_loss_terms_in_the_forward_pass_are_mazurs() -> None:
    """Mazur's E_o1 = 0.274811083 and E_o2 = 0.023560026, as the forward pass shows them: a
    step of L's own display, each term in the order the formula writes it (written once)."""
    text = symbp.problem(EXAMPLES / "mazur_2_2_2.toml").forward().render("text")
    assert re.search(
        r"L = \(1/2\)·\(o1 - y1\)² \+ \(1/2\)·\(o2 - y2\)²\n"
        r" +=.*\n +  = 0\.2748 \+ 0\.02356\n +  = 0\.2984",
        text,
    ), text
    assert "L_o1" not in text


MANY = """
title = "30 samples, a source's bias names, one of them fixed"
layers = [2, 2, 1]
activation = "sigmoid"
inputs = [{inputs}]
targets = [{targets}]
weights = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
bias = "per-layer"
bias_names = ["theta3", "theta4"]
bias_values = [0.1, 0.2]
bias_trainable = [true, false]
"""


def _many() -> symbp.Problem:
    inputs = ", ".join(f"[{0.1 * n:.1f}, 0.2]" for n in range(30))
    targets = ", ".join("[0.5]" for _ in range(30))
    return symbp.problem(parse_toml(MANY.format(inputs=inputs, targets=targets), source="many"))


def test_many_samples_show_sample_one_and_a_capped_table_of_the_rest() -> None:
    """30 samples: the reduction is written Σ_n, samples 2 to 21 are a table, each value the
    torch gradient of that sample's own loss; JSON has all 30."""
    require_module("torch")
    import torch

    problem = _many()
    text = problem.derive("w1").render("text")
    assert "∂L/∂w1 = (1/30)·Σ_n ∂L⁽ⁿ⁾/∂w1 = " in text
    assert "Samples 2 to 21 of 30 (sample 1 is worked above" in text
    rows = re.findall(r"^\s+(\d+)\s+(-?\d\.\d{10})$", text, re.M)
    assert [int(n) for n, _ in rows] == list(range(2, 22))
    for number, shown in rows:
        x1 = 0.1 * (int(number) - 1)
        w = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], dtype=torch.float64, requires_grad=True)
        h1 = torch.sigmoid(w[0] * x1 + w[2] * 0.2 + 0.1)
        h2 = torch.sigmoid(w[1] * x1 + w[3] * 0.2 + 0.1)
        o1 = torch.sigmoid(w[4] * h1 + w[5] * h2 + 0.2)
        (0.5 * (o1 - 0.5) ** 2).backward()
        assert float(shown) == pytest.approx(float(w.grad[0]), abs=5e-11)
    document = json.loads(problem.derive("w1").render("json"))
    assert len(document["per_sample"]) == 30


def test_named_and_fixed_biases_are_displayed_as_named() -> None:
    problem = _many()
    handout = problem.handout(check=False)
    latex = handout.render("latex")
    assert r"Biases: \(\theta_{3} = 0.1\)." in latex
    assert r"Biases (fixed): \(\theta_{4} = 0.2\)." in latex
    text = handout.render("text")
    assert "theta3 ← 0.1 - 1 × 0.01110" in text and "theta4 ←" not in text
    assert math.isclose(problem.step().new_weights[-1], 0.1 - problem.gradients["theta3"])
