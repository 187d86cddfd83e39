"""A spec's activation parameters: each belongs to a layer that uses it, and gelu's tanh form
is spelled as its parameter, not as the name derivations print (gelu_tanh)."""

from __future__ import annotations

import pytest

from symbp.core.spec import SpecError, spec_from_mapping

_BASE = {
    "layers": [2, 2, 1],
    "inputs": [0.5, -0.3],
    "targets": [0.4],
    "weights": [0.2, -0.4, 0.5, 0.6, 0.1, -0.5],
    "loss": "half_sse",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"activation": ["gelu", "silu"], "alpha": 0.5},
            "alpha is elu's parameter, but neither a layer nor the loss uses it "
            "(activation: gelu, silu; loss: half_sse)",
        ),
        (
            {"activation": "elu", "approximate": "tanh"},
            "approximate is gelu's parameter, but neither a layer nor the loss uses it "
            "(activation: elu; loss: half_sse)",
        ),
        (
            {"activation": ["gelu_tanh", "sigmoid"]},
            'activation \'gelu_tanh\' is written activation = "gelu" with approximate = "tanh"',
        ),
    ],
)
def test_a_parameter_without_its_activation_is_one_line(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(SpecError) as error:
        spec_from_mapping({**_BASE, **change}, source="spec")
    assert str(error.value) == f"spec: {message}"


def test_a_parameter_with_its_activation_is_taken() -> None:
    spec = spec_from_mapping(
        {**_BASE, "activation": ["elu", "gelu"], "alpha": 0.3, "approximate": "tanh"},
        source="spec",
    )
    assert spec.parameter("alpha") == 0.3
    assert spec.parameter("approximate") == "tanh"
