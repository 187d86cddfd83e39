"""Issue 26's wording of the handout, checked on the words a reader sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import symbp
from symbp.core.spec import load_spec

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def handout(tmp_path: Path, text: str, **options: object) -> str:
    path = tmp_path / "net.toml"
    path.write_text(text, encoding="utf-8")
    return symbp.problem(load_spec(path)).handout(check=False, **options).render("markdown")  # type: ignore[arg-type]


COURSE = """
layers = [4, 5, 5, 3]
activation = "sigmoid"
loss = "half_sse"
learning_rate = 0.5
inputs = [0.5, -0.3, 0.8, 0.1]
targets = [0.2, 0.9, 0.4]
weights = { random = "uniform", seed = 2026 }
"""


def test_paths_go_through_one_unit_of_each_later_layer(tmp_path: Path) -> None:
    text = handout(tmp_path, COURSE)
    # w1 → h1_1, then one of 5 units of hidden layer 2, then one of 3 outputs: 5 × 3 = 15
    assert "along 15 paths (5 × 3), each through one unit of every later layer" in text
    assert "one through each unit" not in text


def test_why_delta_is_said_once_per_role(tmp_path: Path) -> None:
    text = handout(tmp_path, COURSE)
    assert text.count("Backpropagation names it") == 1
    assert text.count("A hidden unit's activation reaches the loss only through") == 1
    assert "for a hidden unit" not in text


def test_mse_mean_is_called_a_mean_and_factors_two_thirds(tmp_path: Path) -> None:
    text = handout(tmp_path, COURSE.replace("half_sse", "mse_mean"))
    assert "L is the mean of the squared errors of the 3 outputs" in text
    # ∂L/∂o1 of (1/3)Σ(o_k − y_k)² is (2/3)(o1 − y1)
    assert r"\frac{2}{3} \left(o_{1} - y_{1}\right)" in text
    assert r"\frac{2}{3} o_{1} - \frac{2}{3} y_{1}" not in text


def test_cross_entropy_names_the_class_and_drops_zero_terms(tmp_path: Path) -> None:
    net = """
layers = [2, 3, 3]
activation = ["relu", "softmax"]
loss = "cross_entropy"
learning_rate = 0.5
inputs = [0.5, -0.3]
targets = 2
weights = { random = "uniform", seed = 11 }
"""
    text = handout(tmp_path, net)
    assert "The target is class 2 (0-based, as torch counts): one-hot $y_{3} = 1$" in text
    assert r"-0 \log" not in text
    # w1 → h1 → z_o1, z_o2, z_o3 → each of o1, o2, o3 through the softmax: 3 × 3 paths
    assert "along 9 paths (the softmax sends every output's z to every output)" in text
    # δ is never number → formula → number: no line of only a number before "= o_k − y_k"
    assert not re.search(r"&= -?[\d.]+ \\\\\n&= o_{\d} - y_{\d}", text)


def test_dead_relu_note_covers_the_weights_out(tmp_path: Path) -> None:
    text = symbp.problem(EXAMPLES / "relu.toml").handout(check=False).render("markdown")
    note = next(line for line in text.splitlines() if "is dead on this sample" in line)
    assert "the weights out of" in note and "get zero gradient as well" in note


def test_chinese_initial_weights_and_headings(tmp_path: Path) -> None:
    text = handout(tmp_path, COURSE, lang="zh")
    assert "random: each weight" not in text
    assert "初始权重：随机生成，每个权重独立地取自均匀分布 U(−r, r)" in text
    assert "default\\_rng(2026)" in text
    assert "### 梯度的符号从何而来：$" in text
    assert "为什么是这个符号" not in text and "会不改变" not in text


TWO_SAMPLES = COURSE.replace(
    "inputs = [0.5, -0.3, 0.8, 0.1]\ntargets = [0.2, 0.9, 0.4]",
    "inputs = [[0.5, -0.3, 0.8, 0.1], [0.2, 0.7, -0.4, 0.9]]\n"
    'targets = [[0.2, 0.9, 0.4], [0.8, 0.1, 0.3]]\nreduction = "mean"',
)


def test_no_ten_digit_values_in_four_digit_text(tmp_path: Path) -> None:
    text = handout(tmp_path, TWO_SAMPLES)
    assert "2 training samples" in text
    body = text.split("## 5.")[0]
    # a value's significant digits (0.0000007614 has four), never the check's ten
    digits = [len(n.replace(".", "").lstrip("0")) for n in re.findall(r"\d+\.\d+", body)]
    assert digits and max(digits) < 10


def test_a_change_below_the_digits_shown_is_written_as_old_plus_change(tmp_path: Path) -> None:

    from .conftest import require_module

    require_module("torch")
    from symbp.torchcheck.check import torch_loss_and_gradients

    path = tmp_path / "net.toml"
    path.write_text(TWO_SAMPLES, encoding="utf-8")
    spec = load_spec(path)
    _, gradients, _ = torch_loss_and_gradients(spec)
    change = -0.5 * gradients[0]  # w1's Δ = −η ∂L/∂w1, independently of symbp
    assert abs(change) < 5e-5  # below the 4 digits of w1 = −0.3211…
    text = symbp.problem(spec).handout(check=False).render("markdown")
    row = next(line for line in text.splitlines() if line.startswith(r"w_{1} &\leftarrow"))
    old, sign, shown = re.search(r"= (-?[\d.]+) ([-+]) ([\d.]+)", row.split(r"\times")[-1]).groups()  # type: ignore[union-attr]
    assert old == f"{spec.weights[0]:.4f}"
    assert float(sign + shown) == pytest.approx(change, rel=1e-3)
    assert "the new value is written as the old one plus its change" in text
    assert r"\Delta p = -\eta" in text  # the table's Δp column
