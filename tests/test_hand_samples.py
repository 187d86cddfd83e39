"""check-hand and the grading judge on a network with several samples.

The corpus files samples_*.txt (tests/hand_corpus/generate.py, plain Python) hold a right
calculation, each sample's own numbers named as the handouts name them (L⁽²⁾, ∂L⁽²⁾/∂w1),
sample 1 taken for the whole batch, and the samples summed instead of averaged.
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from symbp.core.spec import load_spec
from symbp.handcheck import check_hand, parse_plain
from symbp.handcheck.judge import HandJudge, Verdict

CORPUS = Path(__file__).resolve().parent / "hand_corpus"
SPEC = CORPUS / "mooc_3_samples.toml"


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def sample_loss(x: tuple[float, float], y: tuple[float, float]) -> float:
    """L⁽ⁿ⁾ of the MOOC 8.3 network (by-source numbering), worked by hand."""
    w = (0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8)
    h1 = sigmoid(w[0] * x[0] + w[2] * x[1])
    h2 = sigmoid(w[1] * x[0] + w[3] * x[1])
    o1 = sigmoid(w[4] * h1 + w[6] * h2)
    o2 = sigmoid(w[5] * h1 + w[7] * h2)
    return 0.5 * ((o1 - y[0]) ** 2 + (o2 - y[1]) ** 2)


def run(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symbp", "check-hand", str(CORPUS / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_loss_is_the_mean_of_the_samples_losses() -> None:
    samples = [((0.5, 0.3), (0.23, -0.07)), ((0.1, 0.9), (0.5, 0.2)), ((-0.4, 0.7), (0.9, 0.6))]
    mean = sum(sample_loss(x, y) for x, y in samples) / 3
    right = parse_plain(f"L = {mean:.4f}\nL(1) = {sample_loss(*samples[0]):.4f}\n")
    report = check_hand(right, load_spec(str(SPEC)))
    assert {j.key: j.verdict for j in report.judgements} == {
        "L(1)": Verdict.RIGHT,
        "L": Verdict.RIGHT,
    }
    # sample 1's loss written as L is wrong, and named
    first = parse_plain(f"L = {sample_loss(*samples[0]):.4f}\n")
    report = check_hand(first, load_spec(str(SPEC)))
    assert report.wrong and report.diagnoses[0].keys == ("first_sample_only",)


def test_check_hand_exits_0_on_the_right_file_and_1_on_sample_1_alone() -> None:
    right = run("samples_right.txt")
    assert right.returncode == 0, right.stdout + right.stderr
    assert right.stdout.rstrip().endswith("All right.")
    first = run("samples_first_only.txt")
    assert first.returncode == 1
    assert "only sample 1 is used" in first.stdout
    summed = run("samples_summed.txt")
    assert summed.returncode == 1
    assert "summed instead of averaged" in summed.stdout


def test_the_grading_judge_judges_a_variant_with_several_samples_as_check_hand_does() -> None:
    base = load_spec(str(SPEC))
    variant = replace(base, weights=tuple(round(w + 0.05, 2) for w in base.weights))
    judge = HandJudge(base)
    assert judge.accepts(variant)
    assert not judge.accepts(replace(base, all_samples=base.samples[:2]))
    hand = parse_plain((CORPUS / "samples_right.txt").read_text(encoding="utf-8"))
    graded = judge.check(hand, variant)
    alone = check_hand(hand, variant)
    assert [(j.key, j.verdict, j.true_value) for j in graded.judgements] == [
        (j.key, j.verdict, j.true_value) for j in alone.judgements
    ]
    assert any(j.verdict is Verdict.WRONG for j in graded.judgements)  # other weights


def sample_forward(x: tuple[float, float], y: tuple[float, float]) -> dict[str, float]:
    """h1, o2 and δ_o1 of one sample of the MOOC 8.3 network (by-source numbering), by hand."""
    w = (0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8)
    h1 = sigmoid(w[0] * x[0] + w[2] * x[1])
    h2 = sigmoid(w[1] * x[0] + w[3] * x[1])
    o1 = sigmoid(w[4] * h1 + w[6] * h2)
    o2 = sigmoid(w[5] * h1 + w[7] * h2)
    return {"h1": h1, "o2": o2, "delta_o1": (o1 - y[0]) * o1 * (1 - o1)}


def test_each_samples_own_forward_values_and_deltas_are_judged() -> None:
    """Issue 24 trial F5: h1(2), o2(3), delta_o1(2) were 'unknown quantity'. Each is judged
    against its own sample's value, worked by hand; h1(1) is h1; sample 1's h1 written as
    h1(2) is wrong."""
    spec = load_spec(SPEC)
    lines = []
    for n, (x, y) in enumerate(spec.samples, 1):
        for key, value in sample_forward(x, y).items():
            lines.append(f"{key}({n}) = {value:.4f}")
    report = check_hand(parse_plain("\n".join(lines) + "\n"), spec)
    assert len(report.judgements) == 3 * len(spec.samples)
    assert {j.verdict for j in report.judgements} == {Verdict.RIGHT}, report.judgements
    assert report.all_right
    (x1, y1), (x2, y2) = spec.samples[0], spec.samples[1]
    first = sample_forward(x1, y1)["h1"]
    assert abs(first - sample_forward(x2, y2)["h1"]) > 0.001
    wrong = check_hand(parse_plain(f"h1(2) = {first:.4f}\n"), spec)
    assert [j.verdict for j in wrong.judgements] == [Verdict.WRONG]
    assert [j.display for j in wrong.judgements] == ["h1⁽²⁾"]
