"""The vanishing/exploding section's sentences say what its own factors do (issue 22's trial).

The trial found the old sentence judged the product alone and said of it what it said of every
factor: on s9 (factors 0.01896 and 2.000) "below 1, each factor shrinks the gradient"; on s7
(product −8.000) "The product is 8.000"; with two sequences only sequence 1's factors. Here the
factors are worked with numpy from the spec (the recursion ∂h_t/∂h_(t−1) = diag(f′(z_t)) W_hh
written out, not symbp's), and every claim of the rendered text is read back and compared: each
factor named below 1 is below 1 in size, each named 1 or more is, the product is printed with its
sign, and every sequence gets its sentence.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import symbp

S9 = {  # tanh, factors 2(1 − h_3²) ≈ 0.019 and 2(1 − h_2²) ≈ 2.0
    "layers": [1, {"rnn": 1, "activation": "tanh"}, {"dense": 1}],
    "inputs": [[0.0], [0.01], [3.0]],
    "targets": [[0.1], [0.2], [0.3]],
    "weights": {"W_xh": [[1.0]], "W_hh": [[2.0]], "W_hy": [[1.0]]},
    "loss": "half_sse",
}
S7 = {  # identity cell, W_hh = −2: factors −2, product −8
    "layers": [1, {"rnn": 1, "activation": "identity"}, {"dense": 1}],
    "inputs": [[0.1], [0.2], [-0.1], [0.3]],
    "targets": [0.5],
    "target_steps": "last",
    "weights": {"W_xh": [[1.0]], "W_hh": [[-2.0]], "W_hy": [[1.0]]},
    "loss": "half_sse",
}
S3 = {  # relu, 3 units, two sequences: sequence 2's factor at step 2 is above 1
    "layers": [1, {"rnn": 3, "activation": "relu"}, {"dense": 1, "activation": "identity"}],
    "inputs": [[[1.0], [0.5], [-0.5], [2.0]], [[-1.0], [0.3], [0.8], [0.6]]],
    "targets": [[[0.5], [1.0], [0.0], [1.5]], [[0.2], [-0.4], [0.6], [0.1]]],
    "weights": {
        "W_xh": [[0.6], [-0.4], [0.9]],
        "W_hh": [[0.3, -0.2, 0.5], [0.4, 0.6, -0.3], [-0.5, 0.2, 0.7]],
        "W_hy": [[0.7, -0.8, 0.4]],
    },
    "bias": "none",
    "loss": "sse",
}

ACTIVATIONS = {
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
}


def factors(data: dict) -> list[list[tuple[int, float, bool]]]:
    """Per sequence, per step t = T…2: (t, the factor ∂h_t/∂h_(t−1) — a number with one unit,
    its largest singular value with several — and whether it is a signed number)."""
    activation = data["layers"][1]["activation"]
    f, slope = ACTIVATIONS[activation]
    w_xh, w_hh = (np.array(data["weights"][k], float) for k in ("W_xh", "W_hh"))
    inputs = np.array(data["inputs"], float)
    sequences = inputs if inputs.ndim == 3 else inputs[None]
    found = []
    for xs in sequences:
        h = np.zeros(w_hh.shape[0])
        zs = []
        for x in xs:
            z = w_xh @ x + w_hh @ h
            zs.append(z)
            h = f(z)
        per = []
        for t in range(len(xs), 1, -1):
            factor = np.diag(slope(zs[t - 1])) @ w_hh
            scalar = factor.shape == (1, 1)
            per.append((t, float(factor[0, 0]) if scalar else np.linalg.norm(factor, 2), scalar))
        found.append(per)
    return found


NUMBER = r"-?\d+(?:\.\d+)?"


def claims(paragraph: str) -> tuple[list[float], list[float], str]:
    """The factors a sentence calls below 1 and 1 or more, and the product as printed."""
    small: list[float] = []
    large: list[float] = []
    for kind, values in re.findall(r"(below 1|1 or more) in size \(([^)]*)\)", paragraph):
        numbers = [float(v) for v in re.findall(NUMBER, values)]
        (small if kind == "below 1" else large).extend(numbers)
    product = re.search(rf"(?:product is|product's size is) ({NUMBER})", paragraph)
    assert product, paragraph
    return small, large, product.group(1)


def section(data: dict) -> list[str]:
    text = symbp.rnn(data, check=False).render("markdown")
    part = text.split("Vanishing and exploding gradients", 1)[1].split("Check", 1)[0]
    paragraphs = [" ".join(p.split()) for p in part.split("\n\n")]
    return [p for p in paragraphs if "in size (" in p]


@pytest.mark.parametrize("data", [S9, S7, S3], ids=["s9", "s7", "s3"])
def test_each_claim_matches_its_factors(data) -> None:
    worked = factors(data)
    said = section(data)
    assert len(said) == len(worked)  # a sentence for every sequence
    for number, (paragraph, per) in enumerate(zip(said, worked, strict=True), 1):
        if len(worked) > 1:
            assert paragraph.startswith(f"Sequence {number}:")
        small, large, product = claims(paragraph)
        assert len(small) + len(large) == len(per)
        for value in small:
            assert abs(value) < 1
        for value in large:
            assert abs(value) >= 1
        expected_small = sorted(round(v, 3) for _, v, _ in per if abs(v) < 1)
        assert sorted(round(v, 3) for v in small) == pytest.approx(expected_small, abs=2e-3)
        total = np.prod([v for _, v, _ in per]) if per[0][2] else None
        if total is not None:  # a signed number: printed with its sign
            assert float(product) == pytest.approx(total, rel=1e-3)
            assert (float(product) < 0) == (total < 0)
            if abs(total) < 1:
                assert "below 1): less of the gradient" in paragraph
            else:
                assert "1 or more): none of the gradient" in paragraph


def test_the_trials_numbers() -> None:
    """The trial's cases, by hand: s9 mixes a shrinking and a growing factor; s7's product is
    −8; sequence 2 of s3 has a factor above 1 (1.033)."""
    s9 = section(S9)[0]
    assert "below 1 in size (0.01896)" in s9 and "1 or more in size (2.000)" in s9
    assert "product is 0.03792" in s9
    s7 = section(S7)[0]
    assert "product is -8.000 (size 8.000" in s7 or "product is −8.000 (size 8.000" in s7
    s3 = section(S3)
    assert "1 or more in size (1.033)" in s3[1]
