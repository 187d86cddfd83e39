"""The "Why the sign" section with an L2 penalty: ∂L/∂w = (data part) + λw.

Read back from the Markdown handout (en and zh, one sample and two): the sign each sentence
asserts must be the sign of the number or the sum it shows, the penalty's λ × w must be the
product shown, the sum must add up, and the concluded sign must be that of the gradient by
central differences (symbp's compiled loss, not its derivation).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symbp.cli import main
from symbp.content.labels import labels
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import load_spec

NUMBER = r"-?\d+(?:\.\d+)?"
ONE_SAMPLE = """
layers = [2, 2, 1]
activation = ["tanh", "sigmoid"]
loss = "bce"
inputs = [0.5, -0.3]
targets = [1.0]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5]
regularization = { l2 = 0.1 }
"""
TWO_SAMPLES = """
layers = [2, 2, 1]
activation = ["tanh", "sigmoid"]
loss = "bce"
inputs = [[0.5, -0.3], [0.9, 0.4]]
targets = [[1.0], [0.0]]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5]
regularization = { l2 = 0.3, l2_convention = "full" }
"""
HEADING_ZH = labels("zh")["sign"]
SIGNS = {"en": ("positive", "negative", "zero"), "zh": ("正", "负", "零")}


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("weight", ["w1", "w4", "w6"])
@pytest.mark.parametrize("text", [ONE_SAMPLE, TWO_SAMPLES], ids=["one sample", "two samples"])
def test_penalty_sign_read_back(tmp_path: Path, lang: str, weight: str, text: str) -> None:
    spec_path = tmp_path / "l2.toml"
    spec_path.write_text(text, encoding="utf-8")
    out = tmp_path / "h.md"
    assert main(["handout", "--spec", str(spec_path), "--lang", lang, "--focus", weight,
                 "--no-check", "-o", str(out)]) == 0  # fmt: skip
    written = out.read_text(encoding="utf-8")
    heading = "### Why the sign" if lang == "en" else "### " + HEADING_ZH
    section = written.split(heading, 1)[1].split("\n## ", 1)[0]
    words = dict(zip(("positive", "negative", "zero"), SIGNS[lang], strict=True))
    word_sign = {words["positive"]: 1, words["negative"]: -1, words["zero"]: 0}
    alternatives = "|".join(SIGNS[lang])
    # the data part: "… = v$, negative" and the penalty's "λ w = λ \times w = v$, positive"
    data = re.search(rf"= ({NUMBER})\$[,，] ?({alternatives})", section)
    assert data is not None
    penalty = re.search(
        rf"= ({NUMBER}) \\times \\left\(({NUMBER})\\right\) = ({NUMBER})\$[,，] ?({alternatives})"
        rf"|= ({NUMBER}) \\times ({NUMBER}) = ({NUMBER})\$[,，] ?({alternatives})",
        section,
    )
    assert penalty is not None
    groups = [g for g in penalty.groups() if g is not None]
    lam, w, product, said = float(groups[0]), float(groups[1]), float(groups[2]), groups[3]
    assert abs(lam * w - product) <= 0.5 * 10 ** (-3) * max(1.0, abs(product)) + 1e-12
    assert word_sign[said] == _sign(lam * w)
    assert word_sign[data.group(2)] == _sign(float(data.group(1)))
    # the conclusion: "= a + b = c$ is negative" (zh: "= a + b = c$ 为负")
    term = rf"(?:({NUMBER})|\\left\(({NUMBER})\\right\))"
    total = re.search(rf"= {term} \+ {term} = ({NUMBER})\$ (?:is |为)({alternatives})", section)
    assert total is not None, section[:2000]
    numbers = [g for g in total.groups()[:-1] if g is not None]
    first, second, shown = (float(v) for v in numbers)
    assert (first, second) == (float(data.group(1)), product)
    assert abs(first + second - shown) < 2e-3 * max(1.0, abs(shown))
    assert word_sign[total.groups()[-1]] == _sign(first + second) == _sign(shown)
    # independent of the derivation: the gradient by central differences has that sign
    compiled = CompiledNetwork(Network(load_spec(spec_path)))
    index = [p.name for p in compiled.network.parameters].index(weight)
    assert _sign(compiled.finite_differences()[index]) == word_sign[total.groups()[-1]]
