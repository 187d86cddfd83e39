"""The end of a handout (issue 26 item 11): the check-your-understanding questions, each answer
recomputed here with torch autograd or by walking the network's paths; no answer printed in
the body before the answers; the student table of every gradient and update at 4 digits
against torch; the 10-digit torch check as the last section, an appendix."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

import symbp
from symbp.content.blocks import Heading, Paragraph, Table, Text
from symbp.content.derivation import worked
from symbp.content.numbers import significant
from symbp.content.questions import Question, questions
from symbp.core.derive import backward_sweep
from symbp.core.graph import Network
from symbp.formats import text_math

from .conftest import require_module
from .test_network_figure import NETS, _problem

CASES = [*sorted(NETS), "example-mooc_8_3", "example-mazur_2_2_2", "example-relu"]


def _torch_gradients(
    network: Network,
    *,
    inputs: list[list[float]] | None = None,
    targets: list[list[float]] | None = None,
) -> dict[str, float]:
    """∂L/∂w of every weight by torch autograd, L reduced over the samples as the spec says."""
    require_module("torch")
    import torch

    spec = network.spec
    xs = inputs or [list(x) for x, _ in spec.samples]
    ys = targets or [list(y) for _, y in spec.samples]
    leaves = {
        w.name: torch.tensor(w.value, dtype=torch.float64, requires_grad=True)
        for w in network.weights
    }
    bias: dict[str, float] = {}
    for b in network.biases:
        for unit in b.targets:
            bias[unit.name] = bias.get(unit.name, 0.0) + b.value
    functions: dict[str, Any] = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "identity": lambda z: z,
        "softmax": lambda z: torch.softmax(z, dim=0),
    }
    losses = []
    for x, y in zip(xs, ys, strict=True):
        a = {
            u.name: torch.tensor(float(v), dtype=torch.float64)
            for u, v in zip(network.inputs, x, strict=True)
        }
        for layer in network.layers[1:]:
            z = torch.stack(
                [
                    sum(
                        (
                            leaves[w.name] * a[w.source.name]
                            for w in network.weights
                            if w.target.name == t.name
                        ),
                        torch.tensor(bias.get(t.name, 0.0), dtype=torch.float64),
                    )
                    for t in layer
                ]
            )
            activation = layer[0].activation
            assert activation is not None
            out = functions[activation.name](z)
            for k, t in enumerate(layer):
                a[t.name] = out[k]
        o = torch.stack([a[u.name] for u in network.outputs])
        target = torch.tensor(y, dtype=torch.float64)
        if spec.loss == "cross_entropy":
            losses.append(-(target * torch.log(o)).sum())
        elif spec.loss == "mse_mean":
            losses.append(((o - target) ** 2).mean())
        else:
            assert spec.loss == "half_sse", spec.loss
            losses.append(0.5 * ((o - target) ** 2).sum())
    total = torch.stack(losses).sum()
    if spec.reduction == "mean":
        total = total / len(losses)
    total.backward()
    return {name: float(leaf.grad) for name, leaf in leaves.items()}  # type: ignore[arg-type]


def _count_paths(network: Network, weight: str) -> int:
    """Paths from a weight to the loss, walked unit by unit; a softmax output layer's z reaches
    the loss through every output (its Jacobian)."""
    out: dict[str, list[str]] = {}
    for w in network.weights:
        out.setdefault(w.source.name, []).append(w.target.name)
    last = network.layers[-1]
    activation = last[0].activation
    softmax = activation is not None and not activation.elementwise

    def walk(unit: str) -> int:
        if unit in {u.name for u in last}:
            return len(last) if softmax else 1
        return sum(walk(n) for n in out.get(unit, []))

    target = network.weight(weight).target.name
    return walk(target)


def _asked(name: str, lang: str = "en") -> tuple[list[Question], Network, Any]:
    problem, focus, sample = _problem(name)
    network = problem.network
    sweep = backward_sweep(network)
    from symbp.core.numeric import CompiledNetwork

    evaluation = CompiledNetwork(network, sweep).evaluate()
    context = worked(evaluation, 4, lang, sample=sample)
    return questions(context, sweep, focus or network.weights[0].name), network, problem


def _plain(parts: Any) -> str:
    return text_math.inline(parts)


@pytest.mark.parametrize("name", CASES)
def test_every_answer_recomputed_with_torch_or_by_walking_the_paths(name: str) -> None:
    asked, network, _ = _asked(name)
    kinds = [q.kind for q in asked]
    assert len(asked) >= 3 and len(set(kinds)) == len(kinds)
    base = _torch_gradients(network)
    for q in asked:
        if q.kind == "paths":
            assert q.value == _count_paths(network, q.weight)
            assert str(q.value) in _plain(q.answer)
        elif q.kind == "rate":
            new = network.weight(q.weight).value - q.rate * base[q.weight]
            assert math.isclose(float(q.value), new, rel_tol=1e-9, abs_tol=1e-15)
            assert significant(new, 4) in _plain(q.answer)
        elif q.kind == "zero":
            k = [u.name for u in network.inputs].index(q.about)
            xs = [[0.0 if i == k else v for i, v in enumerate(x)] for x, _ in network.spec.samples]
            assert _torch_gradients(network, inputs=xs)[q.weight] == 0.0
            assert q.value == 0.0
        elif q.kind == "flip":
            # with every δ held, ∂L/∂w(i→j) = R Σₙ δⱼ⁽ⁿ⁾ xᵢ⁽ⁿ⁾; flipping x_k flips δ·x_k only:
            # δ recovered per weight from torch as ∂L/∂w / x (one sample) or by the sum's
            # linearity: the flipped gradient is the old one with x_k's terms negated
            k = [u.name for u in network.inputs].index(q.about)
            first = [w for w in network.weights if w.target.layer == 1]
            turned = {
                w.name
                for w in first
                if w.source.name == network.inputs[k].name and base[w.name] != 0
            }
            # every other first-layer gradient is unchanged, so it cannot turn
            assert set(q.value) == turned  # type: ignore[arg-type]
            for w in first:
                if w.name in turned:
                    assert math.copysign(1, -base[w.name]) != math.copysign(1, base[w.name])
        elif q.kind == "target":
            j = [y.name for y in network.targets].index(q.about)
            step = 1e-5
            ys = [
                [v + step if i == j else v for i, v in enumerate(y)]
                for _, y in network.spec.samples
            ]
            moved = _torch_gradients(network, targets=ys)[q.weight]
            slope = (moved - base[q.weight]) / step
            direction = "increase" if slope > 1e-12 else "decrease" if slope < -1e-12 else "same"
            assert q.value == direction
            shown = re.findall(r"(-?\d+\.\d+(?:e[+-]\d+)?)", _plain(q.answer))[-1]
            assert math.isclose(float(shown), slope, rel_tol=1e-3)
        else:  # pragma: no cover
            raise AssertionError(q.kind)


def _sections(handout: Any) -> tuple[list[Any], list[Any]]:
    """The handout's blocks before its questions' heading, and from it on."""
    blocks = list(handout.blocks())
    start = next(
        i
        for i, b in enumerate(blocks)
        if isinstance(b, Heading)
        and any(
            "understanding" in p.text or "自测" in p.text for p in b.parts if isinstance(p, Text)
        )
    )
    return blocks[:start], blocks[start:]


def _block_text(block: Any) -> str:
    from symbp.formats import text as text_format

    return text_format.render_blocks([block])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", CASES)
def test_no_answer_is_printed_in_the_body_before_it(name: str, lang: str) -> None:
    problem, focus, sample = _problem(name)
    handout = problem.handout(check=False, lang=lang, focus=focus, sample=sample)
    body, end = _sections(handout)
    text = "\n".join(_block_text(b) for b in body)
    asked, _, _ = _asked(name, lang)
    assert len([b for b in end if isinstance(b, Paragraph)]) == 2  # questions, answers
    for q in asked:
        answer = _plain(q.answer)
        assert answer not in text, (q.kind, answer)
        if q.kind == "rate":  # the number itself appears nowhere above
            assert significant(float(q.value), 4) not in text, q


def test_questions_in_chinese_match_the_english_ones() -> None:
    en, _, _ = _asked("example-mooc_8_3", "en")
    zh, _, _ = _asked("example-mooc_8_3", "zh")
    assert [(q.kind, q.value) for q in en] == [(q.kind, q.value) for q in zh]
    assert all(re.search(r"[\u4e00-\u9fff]", _plain(q.question)) for q in zh)


def test_no_student_table_repeats_updates_worked_in_section_4() -> None:
    # MOOC 8.3: every update is a worked equation of section 4; a table of them would say it
    # again (trial t26b: XOR's section 5 repeated section 4's 9 updates). The appendix, with
    # no table before it to say so, keeps its verdict.
    handout = symbp.problem().handout(lang="en")
    headings = [_block_text(b) for b in handout.blocks() if isinstance(b, Heading)]
    assert not any("Every gradient and update" in h for h in headings)
    text = " ".join(_block_text(b) for b in handout.blocks() if isinstance(b, Paragraph))
    assert text.count("All values agree within the tolerances.") == 1


def test_student_table_and_the_appendix_against_torch() -> None:
    problem = symbp.problem()  # MOOC 8.3, one update worked, the others in the table
    network = problem.network
    handout = problem.handout(lang="en", show=["w1"])
    blocks = list(handout.blocks())
    headings = [
        "".join(p.text for p in b.parts if isinstance(p, Text))
        for b in blocks
        if isinstance(b, Heading)
    ]
    # the 10-digit check comes last in the body; the answers follow on a page of their own
    assert headings[-2].startswith("Appendix")
    assert headings[-1].startswith("Answers to the questions of section")
    assert any(h.startswith("5. Every gradient and update") for h in headings)
    index = next(
        i
        for i, b in enumerate(blocks)
        if isinstance(b, Heading) and "Every gradient" in _block_text(b)
    )
    table = next(b for b in blocks[index:] if isinstance(b, Table))
    base = _torch_gradients(network)
    rate = network.spec.learning_rate
    assert len(table.rows) == len(network.parameters)
    for row, weight in zip(table.rows, network.weights, strict=True):
        name, value, gradient, new = (text_math.inline(cell) for cell in row)
        assert name == weight.name
        assert value == str(weight.value)
        assert gradient == significant(base[weight.name], 4)
        assert new == significant(weight.value - rate * base[weight.name], 4)
    # the update section works one update; the table has the rest
    update = next(i for i, h in enumerate(headings) if h.startswith("4."))
    assert update < headings.index(next(h for h in headings if h.startswith("5.")))
    tables_before_appendix = [
        b
        for b in blocks[
            : blocks.index(
                next(b for b in blocks if isinstance(b, Heading) and "Appendix" in _block_text(b))
            )
        ]
        if isinstance(b, Table) and any("torch" in text_math.inline(c) for c in b.header)
    ]
    assert tables_before_appendix == []  # no 10-digit table in the body


def test_a_long_list_of_turning_weights_is_named_by_its_ends() -> None:
    # [2, 8, 2]: eight weights leave x2, too many to list in one formula (an overfull line);
    # the answer counts them and names the first and the last, and torch agrees they turn
    from symbp.core.spec import spec_from_mapping

    spec = spec_from_mapping(
        {
            "layers": [2, 8, 2],
            "inputs": [0.5, -0.3],
            "targets": [0.2, 0.9],
            "weights": {"random": "uniform", "seed": 5},
        },
        source="wide",
    )
    problem = symbp.Problem(spec)
    network = problem.network
    sweep = backward_sweep(network)
    from symbp.core.numeric import CompiledNetwork

    context = worked(CompiledNetwork(network, sweep).evaluate(), 4, "en")
    flip = next(q for q in questions(context, sweep, network.weights[0].name) if q.kind == "flip")
    base = _torch_gradients(network)
    out_of_x2 = [w.name for w in network.weights if w.source.name == "x2" and base[w.name] != 0]
    assert list(flip.value) == out_of_x2 and len(out_of_x2) == 8  # type: ignore[arg-type]
    answer = _plain(flip.answer)
    assert answer.startswith("The 8 weights leaving x2 whose gradient is not 0")
    assert f"{out_of_x2[0]} to {out_of_x2[-1]}" in answer
