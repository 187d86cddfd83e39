from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbp.core.spec import (
    DEFAULT_SPEC_DATA,
    MAX_WEIGHTS,
    Edge,
    default_spec,
    edge_order,
    load_spec,
    parse_json,
    parse_toml,
)
from symbp.errors import SpecError

from .conftest import MOOC_WEIGHTS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_default_is_the_mooc_example() -> None:
    spec = default_spec()
    assert spec.layers == (2, 2, 2)
    assert spec.inputs == (0.5, 0.3)
    assert spec.targets == (0.23, -0.07)
    assert spec.weights == MOOC_WEIGHTS
    assert spec.learning_rate == 1.0
    assert spec.activations == ("sigmoid", "sigmoid")


def test_example_file_is_the_default_written_out() -> None:
    assert load_spec(EXAMPLES / "mooc_8_3.toml") == default_spec()


def test_json_and_toml_agree(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(DEFAULT_SPEC_DATA))
    assert load_spec(path) == default_spec()


def test_by_source_numbering_matches_the_course() -> None:
    # w1: x1→h1, w2: x1→h2, w3: x2→h1, w4: x2→h2, w5: h1→o1, w6: h1→o2, w7: h2→o1, w8: h2→o2
    assert edge_order((2, 2, 2), "by-source") == (
        Edge(1, 0, 0), Edge(1, 0, 1), Edge(1, 1, 0), Edge(1, 1, 1),
        Edge(2, 0, 0), Edge(2, 0, 1), Edge(2, 1, 0), Edge(2, 1, 1),
    )  # fmt: skip


def test_by_target_numbering() -> None:
    assert edge_order((2, 2), "by-target") == (
        Edge(1, 0, 0), Edge(1, 1, 0), Edge(1, 0, 1), Edge(1, 1, 1),
    )  # fmt: skip


GOOD = """
layers = [2, 2, 2]
inputs = [0.5, 0.3]
targets = [0.23, -0.07]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("layers = [2, 2", "not valid TOML"),
        (GOOD + "colour = 'red'", "unknown key 'colour'"),
        (GOOD.replace("[0.5, 0.3]", "[0.5]"), "inputs has 1 values but the layers need 2"),
        (GOOD.replace("[0.23, -0.07]", "[0.23, -0.07, 1]"), "targets has 3 values"),
        (GOOD.replace("0.8]", "0.8, 0.9]"), "weights has 9 values but the layers need 8"),
        (GOOD.replace("0.5, 0.3", "'a', 0.3"), "inputs[0] must be a number, not the string 'a'"),
        (GOOD.replace("0.5, 0.3", "nan, 0.3"), "inputs[0] must be a finite number"),
        (GOOD.replace("0.5, 0.3", "inf, 0.3"), "inputs[0] must be a finite number"),
        (GOOD.replace("0.5, 0.3", "true, 0.3"), "inputs[0] must be a number, not bool"),
        (GOOD + "learning_rate = -inf", "learning_rate must be a finite number"),
        (GOOD.replace("[2, 2, 2]", "[2, 0, 2]"), "outside 1..128"),
        (GOOD.replace("[2, 2, 2]", "[2, 129, 2]"), "outside 1..128"),
        (GOOD.replace("[2, 2, 2]", "[2]"), "layers must list 2 to 8 layers"),
        (GOOD.replace("[2, 2, 2]", "[2, 2.5, 2]"), "layers must be a list of whole numbers"),
        (GOOD.replace("[2, 2, 2]", "[128, 128, 128, 2]"), f"more than the limit {MAX_WEIGHTS}"),
        (GOOD + "activation = 'swish'", "unknown activation 'swish'"),
        (GOOD + "activation = ['sigmoid']", "activation lists 1 names but the network has 2"),
        (GOOD + "loss = 'focal'", "unknown loss 'focal'"),
        (GOOD + "numbering = 'random'", "unknown numbering 'random'"),
        (GOOD + "title = 3", "title must be a string"),
        (GOOD.replace("weights", "weightz"), "unknown key 'weightz'"),
        ("layers = [2, 2]", "missing key 'inputs'"),
    ],
)
def test_bad_toml_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_toml(text, source="net.toml")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "top level must be an object"),
        (
            '{"layers": [2, 2], "inputs": [NaN, 1], "targets": [1, 1], "weights": [1, 1, 1, 1]}',  # noqa: E501
            "NaN is not a finite number",
        ),
        (
            '{"layers": [2, 2], "inputs": [Infinity, 1], "targets": [1, 1], "weights": [1, 1, 1, 1]}',  # noqa: E501
            "Infinity is not a finite number",
        ),
        (
            '{"layers": [2, 2], "inputs": [1e999, 1], "targets": [1, 1], "weights": [1, 1, 1, 1]}',  # noqa: E501
            "inputs[0] must be a finite number",
        ),
    ],
)
def test_bad_json_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_json(text, source="net.json")
    assert message in str(caught.value)


def test_missing_file_and_wrong_extension(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read spec file"):
        load_spec(tmp_path / "absent.toml")
    other = tmp_path / "net.yaml"
    other.write_text("layers: [2, 2]")
    with pytest.raises(SpecError, match="must end in .toml or .json"):
        load_spec(other)


CE = GOOD.replace("[0.23, -0.07]", "[0.5, 0.5]") + "activation = ['sigmoid', 'softmax']\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD + "activation = 'softmax'", "'softmax' is allowed on the output layer only"),
        (GOOD + "activation = ['tanh', 'swish']", "unknown activation 'swish'"),
        (GOOD + "loss = 'cross_entropy'", "loss 'cross_entropy' needs activation 'softmax'"),
        (GOOD + "loss = 'bce'\nactivation = 'relu'", "loss 'bce' needs activation 'sigmoid'"),
        (GOOD + "loss = 'bce'", "bce targets must lie in [0, 1]"),
        (CE.replace("[0.5, 0.5]", "[0.5, 0.6]") + "loss = 'cross_entropy'", "probability"),
        (CE.replace("[0.5, 0.5]", "[1.5, -0.5]") + "loss = 'cross_entropy'", "probability"),
        (CE.replace("[0.5, 0.5]", "2") + "loss = 'cross_entropy'", "class index 2 is not a valid"),
        (CE.replace("[0.5, 0.5]", "-1") + "loss = 'cross_entropy'", "class index -1"),
        (GOOD + "bias = 'per-layer'\nbias_values = [1]", "bias_values has 1 values"),
        (GOOD + "bias = 'sometimes'", "unknown bias 'sometimes'"),
        (GOOD + "bias_values = [1, 2]", "bias_values needs bias"),
        (GOOD + "bias = 'per-unit'\nbias_trainable = 'yes'", "bias_trainable must be true"),
        (GOOD + "reduction = 'max'", "unknown reduction 'max'"),
        (GOOD + "steps = -1", "steps must be a whole number"),
        (GOOD + "negative_slope = 'a'", "negative_slope must be a number"),
        (GOOD + "numbering = 'explicit'", "numbering 'explicit' needs weight_names"),
        (GOOD + "weight_names = ['a']", "weight_names needs numbering = 'explicit'"),
        (
            GOOD + "numbering = 'explicit'\nweight_names = ['a', 'b']",
            "weight_names has 2 names but the layers need 8",
        ),
        (
            GOOD
            + "numbering = 'explicit'\n"
            + "weight_names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', '__import__(\"os\")']",
            "weight_names[7]",
        ),
        (
            GOOD
            + "numbering = 'explicit'\nweight_names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h1']",
            "'h1' is already the name of a unit",
        ),
        (
            GOOD
            + "numbering = 'explicit'\nweight_names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'a']",
            "'a' is used twice",
        ),
        (GOOD.replace("[0.2, -0.4", "'ones'#"), "weights must be a list of numbers, 'zero'"),
        (
            GOOD.replace(
                "weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]",
                "weights = { random = 'normal', seed = 1 }",
            ),
            "random must be 'uniform'",
        ),
        (
            GOOD.replace(
                "weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]",
                "weights = { random = 'uniform' }",
            ),
            "seed must be a whole number",
        ),
        (
            GOOD.replace("inputs = [0.5, 0.3]", "inputs = [[0.5, 0.3], [1, 2], [0, 0]]"),
            "targets must list one entry per sample (3 samples)",
        ),
        (
            GOOD.replace("inputs = [0.5, 0.3]", "inputs = [[0.5, 0.3], [1]]").replace(
                "targets = [0.23, -0.07]", "targets = [[0, 0], [1, 1]]"
            ),
            "inputs[1] has 1 values but the layers need 2",
        ),
    ],
)
def test_bad_network_fields_are_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_toml(text, source="net.toml")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_random_weights_are_seeded_uniform_within_the_fan_in_bound() -> None:
    text = GOOD.replace(
        "weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]",
        "weights = { random = 'uniform', seed = 7 }",
    )
    first, second = parse_toml(text), parse_toml(text)
    assert first.weights == second.weights
    assert len(set(first.weights)) == 8
    assert all(abs(w) <= 1 / 2**0.5 for w in first.weights)
    assert "U(−1/√fan-in, 1/√fan-in)" in first.weight_init and "default_rng(7)" in first.weight_init
    other = parse_toml(text.replace("seed = 7", "seed = 8"))
    assert other.weights != first.weights


def test_numbering_names() -> None:
    spec = parse_toml(GOOD + "numbering = 'layered'")
    # w^{(l)}_{jk}: layer l, target j, source k (by-target order)
    assert spec.weight_names[:4] == ("w1_1_1", "w1_1_2", "w1_2_1", "w1_2_2")
    assert spec.edges[1] == Edge(1, 1, 0)
    spec = parse_toml(GOOD + "bias = 'per-unit'\nbias_values = [1, 2, 3, 4]")
    assert spec.bias_names == ("b_h1", "b_h2", "b_o1", "b_o2")
    assert spec.parameter_names[-4:] == spec.bias_names


def test_samples_and_class_targets() -> None:
    spec = parse_toml(
        CE.replace("inputs = [0.5, 0.3]", "inputs = [[0.5, 0.3], [1, 2]]").replace(
            "targets = [0.5, 0.5]", "targets = [1, 0]"
        )
        + "loss = 'cross_entropy'"
    )
    assert spec.samples == (((0.5, 0.3), (0.0, 1.0)), ((1.0, 2.0), (1.0, 0.0)))
    assert spec.target_classes == (1, 0)
