"""Published worked examples of a convolution's and a pooling layer's backward pass, reproduced
at their printed precision by symbp's sweep (no torch needed). Each expected number is the
source's, copied from it, never from symbp.
"""

from __future__ import annotations

import math

import pytest

import symbp


def _derive(data: dict[str, object]) -> symbp.ConvResult:
    return symbp.conv(data, check=False)


def test_lexailabs_conv2d_backward_example_1() -> None:
    # "Conv2D backward (dx, dW)", prof.lexailabs.com/practice/build-cnn-05-conv2d-backward,
    # Example 1: x = np.arange(16).reshape(1, 4, 4), W = [[[[1, 2], [3, 4]]]], grad_out zero but
    # grad_out[0, 0, 0] = 1 (an objective that is out[0, 0, 0] itself, o1 of the flattened map).
    # Printed: dW[0, 0] = [[0, 1], [4, 5]]; dx[0, 0:2, 0:2] = [[1, 2], [3, 4]], 0 elsewhere.
    result = _derive(
        {
            "layers": [
                [1, 4, 4],
                {"conv": 1, "kernel": 2, "activation": "identity", "bias": False},
            ],
            "inputs": [[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]],
            "weights": {"conv1": [[[[1, 2], [3, 4]]]]},
            "loss": "output",
            "output": "o1",
        }
    )
    kernel = [[result.gradients[f"conv1_w[0,0,{u},{v}]"] for v in range(2)] for u in range(2)]
    assert kernel == [[0, 1], [4, 5]]
    pixels = result.input_gradients()
    expected = {(0, 0): 1, (0, 1): 2, (1, 0): 3, (1, 1): 4}
    for i in range(4):
        for j in range(4):
            assert pixels[f"x[0,{i},{j}]"] == expected.get((i, j), 0)


def test_cross_validated_max_pool_gradient_with_two_channels() -> None:
    # "2D max pool gradient propagation", stats.stackexchange.com/questions/414301: a 2×2 input
    # of d = 2 channels, written per position as [[1, 2], [4, 6]; [3, 7], [2, 2]], pooled 2×2
    # to [4, 7]; upstream gradients g = [1, 2] give [[0, 0], [1, 0]; [0, 2], [0, 0]] (the
    # accepted answer: "Your understanding is correct"). Channel first: channel 0 is
    # [[1, 4], [3, 2]], channel 1 is [[2, 6], [7, 2]]; g enters as an identity dense layer's
    # weights [1, 2] under the objective "output".
    result = _derive(
        {
            "layers": [[2, 2, 2], {"pool": "max", "size": 2},
                       {"dense": 1, "activation": "identity", "bias": False}],
            "inputs": [[[1, 4], [3, 2]], [[2, 6], [7, 2]]],
            "weights": {"dense2": [[1, 2]]},
            "loss": "output",
        }
    )  # fmt: skip
    assert result.gradient("pool1[0,0,0]") == 1 and result.gradient("pool1[1,0,0]") == 2
    assert result.numbers.value(result.net.symbol("pool1[0,0,0]")) == 4
    assert result.numbers.value(result.net.symbol("pool1[1,0,0]")) == 7
    pixels = result.input_gradients()
    by_position = [
        [[pixels[f"x[{c},{i},{j}]"] for c in range(2)] for j in range(2)] for i in range(2)
    ]
    assert by_position == [[[0, 0], [1, 0]], [[0, 2], [0, 0]]]


def test_datascience_stackexchange_deltas_through_max_pooling() -> None:
    # "Back propagation in CNN", datascience.stackexchange.com/questions/27506: 2×2 max pooling,
    # then a logistic sigmoid (pooled activations 0.58, 0.57, 0.65, 0.55), then a fully
    # connected layer of 2 neurons with δH1 = 0.25, δH2 = -0.15 and weights from the pooled
    # units 0.61, 0.82, 0.96, -1.00 (to H1) and 0.02, -0.50, 0.23, 0.17 (to H2). Printed:
    # δ11 = 0.0364182, δ12 = 0.068628, δ21 = 0.04675125, δ22 = -0.06818625.
    # σ is monotonic, so σ after max pooling equals max pooling after σ: here the sigmoid is
    # the conv layer's (a 1×1 kernel of 1 over pre-activations logit(a)), each window's winner
    # at its top-left; δH enters as a last identity layer's weights under the objective "output".
    pooled = [0.58, 0.57, 0.65, 0.55]
    logits = [math.log(a / (1 - a)) for a in pooled]
    image = [[0.0] * 4 for _ in range(4)]
    for k, z in enumerate(logits):
        i, j = 2 * (k // 2), 2 * (k % 2)
        image[i][j] = z
        image[i][j + 1] = image[i + 1][j] = image[i + 1][j + 1] = z - 1.0
    result = _derive(
        {
            "layers": [
                [1, 4, 4],
                {"conv": 1, "kernel": 1, "activation": "sigmoid", "bias": False},
                {"pool": "max", "size": 2},
                {"dense": 2, "activation": "identity", "bias": False},
                {"dense": 1, "activation": "identity", "bias": False},
            ],
            "inputs": [image],
            "weights": {
                "conv1": [[[[1.0]]]],
                "dense3": [[0.61, 0.82, 0.96, -1.00], [0.02, -0.50, 0.23, 0.17]],
                "dense4": [[0.25, -0.15]],
            },
            "loss": "output",
        }
    )
    deltas = [result.gradient(f"conv1_z[0,{i},{j}]") for i, j in ((0, 0), (0, 2), (2, 0), (2, 2))]
    for value, printed in zip(deltas, (0.0364182, 0.068628, 0.04675125, -0.06818625), strict=True):
        assert value == pytest.approx(printed, abs=5e-13)
    # the losers of each window get nothing (the routing the question draws)
    assert result.gradient("conv1_z[0,0,1]") == 0 and result.gradient("conv1_z[0,1,1]") == 0


def test_d2l_cross_correlation_and_pooling_forward() -> None:
    # Dive into Deep Learning, 7.2 "Convolutions for Images": corr2d(X, K) with
    # X = [[0, 1, 2], [3, 4, 5], [6, 7, 8]], K = [[0, 1], [2, 3]] prints [[19, 25], [37, 43]];
    # 7.5 "Pooling": pool2d(X, (2, 2)) prints [[4, 5], [7, 8]] (max) and [[2, 3], [5, 6]] (avg).
    # Under L = the sum of the outputs, ∂L/∂K is the sum of each kernel offset's window:
    # [[0+1+3+4, 1+2+4+5], [3+4+6+7, 4+5+7+8]] = [[8, 12], [20, 24]], worked by hand here.
    image = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]
    conv = _derive(
        {
            "layers": [
                [1, 3, 3],
                {"conv": 1, "kernel": 2, "activation": "identity", "bias": False},
            ],
            "inputs": image,
            "weights": {"conv1": [[[[0, 1], [2, 3]]]]},
            "loss": "output",
            "output": ["o1", "o2", "o3", "o4"],
        }
    )
    z = [
        [conv.numbers.value(conv.net.symbol(f"conv1_z[0,{i},{j}]")) for j in range(2)]
        for i in range(2)
    ]
    assert z == [[19, 25], [37, 43]]
    kernel = [[conv.gradients[f"conv1_w[0,0,{u},{v}]"] for v in range(2)] for u in range(2)]
    assert kernel == [[8, 12], [20, 24]]
    for kind, printed in (("max", [[4, 5], [7, 8]]), ("avg", [[2, 3], [5, 6]])):
        pooled = _derive(
            {
                "layers": [[1, 3, 3], {"pool": kind, "size": 2, "stride": 1}],
                "inputs": image,
                "weights": {},
                "loss": "output",
                "output": ["o1", "o2", "o3", "o4"],
            }
        )
        values = [[pooled.numbers.value(pooled.net.symbol(f"pool1[0,{i},{j}]")) for j in range(2)]
                  for i in range(2)]  # fmt: skip
        assert values == printed
