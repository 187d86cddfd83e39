"""Small things an independent trial of issue 22 found in RNN handouts and messages: the title
heads the page as a dense handout's does; softmax's k counts from 0 as the RNN's units do; W_hy's
paths are said to go through each step's own output (not "through every later h"); a zero term
is 0, not −0; one state is "1 state"."""

from __future__ import annotations

import json
import math

import pytest

import symbp
from symbp.content.blocks import Heading, Text
from symbp.errors import SpecError, SymbpError

SOFTMAX_HEAD = {  # the trial's s2 without biases: 2 in, 2 hidden, 3 classes, the last step
    "title": "three classes",
    "layers": [2, {"rnn": 2, "activation": "tanh"}, {"dense": 3, "activation": "softmax"}],
    "inputs": [[0.5, -0.3], [1.0, 0.2], [-0.4, 0.9]],
    "targets": 2,
    "target_steps": "last",
    "weights": {
        "W_xh": [[0.4, -0.7], [0.3, 0.9]],
        "W_hh": [[0.5, -0.4], [0.8, 0.2]],
        "W_hy": [[1.0, -0.5], [0.3, 0.7], [-0.6, 1.2]],
    },
    "loss": "cross_entropy",
}
#: relu with a dead unit: h_1,1 = relu(−0.4) = 0, so its local derivative is 0 and a term of a
#: negative upstream times 0 is −0.0 in floats
DEAD_RELU = {
    "layers": [1, {"rnn": 2, "activation": "relu"}, {"dense": 1}],
    "inputs": [[1.0], [1.0]],
    "targets": [[2.0], [2.0]],
    "weights": {"W_xh": [[0.5], [-0.4]], "W_hh": [[0.1, 0.0], [0.0, 0.1]], "W_hy": [[1.0, 1.0]]},
    "loss": "half_sse",
}


def test_the_title_heads_the_handout() -> None:
    document = symbp.rnn(SOFTMAX_HEAD, check=False).handout().document()
    first = document.blocks[0]
    assert isinstance(first, Heading) and first.level == 1
    assert first.parts == (Text("three classes"),)
    assert symbp.rnn(SOFTMAX_HEAD, check=False).handout().document().title == "three classes"


def test_softmax_counts_from_zero_as_the_units_do() -> None:
    text = symbp.rnn(SOFTMAX_HEAD, check=False).render("text")
    # o_3_0 is unit 0's softmax: the index under softmax is its unit's, 0
    for k in range(3):
        assert f"o_3_{k} = softmax_{k}(u_3_0, u_3_1, u_3_2)" in text
    assert "softmax_3(" not in text


def test_the_output_weights_paths_go_through_each_steps_output() -> None:
    text = " ".join(symbp.rnn(DEAD_RELU, check=False).render("text").split())
    # W_hy[0,0] reaches L once per step, through u_t and o_t: 2 paths, no h on the way
    assert (
        "W_hy_0_0 is used at 2 steps (as is every other entry); 2 paths lead from it to L, one "
        in text
    )
    assert "through each step's own output, none through a later h" in text
    assert "W_xh_0_0 is used at 2 steps" in text and "(through every later h)" in text


def test_a_zero_term_is_zero_not_negative_zero() -> None:
    # h_1 = (relu(0.5), relu(−0.4)) = (0.5, 0): unit 1 is dead at both steps
    result = symbp.rnn(DEAD_RELU, check=False)
    terms = result.step_terms("W_xh[1,0]")
    assert [value for _, _, value in terms] == [0.0, 0.0]
    assert all(math.copysign(1.0, value) == 1.0 for _, _, value in terms)
    assert "-0.0" not in json.dumps(json.loads(result.to_json())["step_terms"])


def test_one_state_is_one_state() -> None:
    data = {**DEAD_RELU, "inputs": [[[1.0], [1.0]], [[0.5], [0.2]]],
            "targets": [[[2.0], [2.0]], [[1.0], [1.0]]], "initial_state": [[0.0, 0.0]]}  # fmt: skip
    with pytest.raises(SpecError, match=r"gives 1 state for 2 sequences"):
        symbp.rnn(data, check=False)


def test_a_saturated_softmax_is_refused_saying_what() -> None:
    """The trial's big_softmax: W_hy = ±9e5 saturates softmax to exactly 0 and 1 in float64;
    L is finite (torch's CrossEntropyLoss gives 1586033.33), ∂L/∂o is not. The refusal says so
    and gives L, worked here with log-sum-exp, instead of "overflow float64"."""
    data = {
        "layers": [1, {"rnn": 1}, {"dense": 2, "activation": "softmax"}],
        "loss": "cross_entropy",
        "inputs": [[1.0], [1.0]],
        "targets": [0, 1],
        "weights": {"W_xh": [[1.0]], "W_hh": [[0.5]], "W_hy": [[900000.0], [-900000.0]]},
    }
    h1 = math.tanh(1.0)
    h2 = math.tanh(1.0 + 0.5 * h1)
    loss = 0.0
    for h, target in ((h1, 0), (h2, 1)):
        scores = (9e5 * h, -9e5 * h)
        top = max(scores)
        loss += top + math.log(sum(math.exp(s - top) for s in scores)) - scores[target]
    assert f"{loss:.9g}".startswith("1586033.33")
    with pytest.raises(SymbpError) as refused:
        symbp.rnn(data, check=False)
    said = str(refused.value)
    assert "is 0 in float64 (saturated)" in said and "not a finite number" in said
    assert f"L = {loss:.10g}" in said and "overflow" not in said
