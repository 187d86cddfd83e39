"""check-hand for a small convolution layer (issue 21 item 4): homework files as students write
them (grids typed in rows, Python lists, one cell at a time, full-width digits, a BOM), judged
against the network's own derivation, wrong grids named by the catalogue. The expected numbers
and verdicts are worked here with the test's own loops (and by hand in tests/conv_hand/*.txt's
comments), never with symbp; the mechanics of the wrong ways agree with torch where a right
way is meant."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symbp.api.conv_hand import check_hand_conv
from symbp.core.conv import ConvNet
from symbp.core.conv_spec import conv_spec_from_mapping, load_conv_spec
from symbp.errors import HandInputError
from symbp.handcheck import conv as H
from tests.conftest import require_module

HERE = Path(__file__).parent / "conv_hand"
PROBLEM = HERE / "problem.toml"

# -- the homework problem, worked with the test's own loops ----------------------------------------

X = np.array(
    [[1, 0, 2, 1, 0], [0, 1, 3, 0, 1], [2, 1, 0, 1, 2], [1, 0, 1, 2, 0], [0, 2, 1, 0, 1]], float
)
W = np.array([[1, -1], [2, 0.5]])
B = -1.0
UPSTREAM = np.array([[0.5, -1], [2, 0.25]])  # ∂L/∂(pooled) = the dense weights (o − y = 1)


def _worked() -> dict[str, np.ndarray]:
    z = np.array([[np.sum(X[i : i + 2, j : j + 2] * W) + B for j in range(4)] for i in range(4)])
    a = np.maximum(z, 0)
    delta_a = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            window = a[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            u, v = np.unravel_index(np.argmax(window), window.shape)  # no ties in this image
            delta_a[2 * i + u, 2 * j + v] = UPSTREAM[i, j]
    delta = delta_a * (z > 0)
    grad_w = np.array(
        [[sum(delta[p, q] * X[p + u, q + v] for p in range(4) for q in range(4)) for v in range(2)]
         for u in range(2)]
    )  # fmt: skip
    grad_x = np.zeros((5, 5))
    unrotated = np.zeros((5, 5))
    for p in range(4):
        for q in range(4):
            grad_x[p : p + 2, q : q + 2] += delta[p, q] * W
            unrotated[p : p + 2, q : q + 2] += delta[p, q] * W[::-1, ::-1]
    to_all = np.kron(UPSTREAM, np.ones((2, 2)))
    return {"z": z, "delta_a": delta_a, "delta": delta, "grad_w": grad_w,
            "grad_b": np.array(delta.sum()), "grad_x": grad_x, "unrotated": unrotated,
            "to_all": to_all}  # fmt: skip


WORKED = _worked()


def _read_grid(path: Path, name: str) -> np.ndarray:
    """The rows of numbers under `name =` in a plain homework file (ASCII files only)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.split("=")[0].strip() == name)
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip() or "=" in line or line.startswith("#"):
            break
        rows.append([float(t) for t in line.split()])
    return np.array(rows)


def test_the_worked_numbers_are_the_ones_in_the_right_homework() -> None:
    """The hand-worked comments of tests/conv_hand agree with the test's own loops."""
    assert np.array_equal(WORKED["grad_w"], [[-1.75, 2], [2.5, 2.5]])
    assert WORKED["grad_b"] == 1.75
    assert np.array_equal(_read_grid(HERE / "right.txt", "dL/dX"), WORKED["grad_x"])
    assert np.array_equal(_read_grid(HERE / "right.txt", "delta"), WORKED["delta"])
    assert np.array_equal(_read_grid(HERE / "not_rotated.txt", "dL/dX"), WORKED["unrotated"])
    assert np.array_equal(_read_grid(HERE / "pool_to_all.txt", "dL/da"), WORKED["to_all"])


def test_the_core_derivation_gives_the_worked_numbers() -> None:
    net = ConvNet(load_conv_spec(PROBLEM))
    layer = H.first_conv_layer(net, net.evaluate())
    assert np.allclose(layer.z[0], WORKED["z"])
    assert np.allclose(layer.delta_z[0], WORKED["delta"])
    assert np.allclose(layer.grad_kernels[0, 0], WORKED["grad_w"])
    assert np.allclose(layer.grad_input[0], WORKED["grad_x"])
    assert np.allclose(layer.pool.upstream[0], UPSTREAM)


def _count_equal(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.sum(np.isclose(a, b)))


#: per homework file, per grid as written: (right cells, cells, verdicts, mistake named)
EXPECTED = {
    "right.txt": {
        "delta": (16, 16, {"right"}, ""),
        "dL/dW": (4, 4, {"right"}, ""),
        "dL/db": (1, 1, {"right"}, ""),
        "dL/dX": (25, 25, {"right"}, ""),
    },
    "not_rotated.txt": {
        "delta": (16, 16, {"right"}, ""),
        "dL/dW": (4, 4, {"right"}, ""),
        "dL/db": (1, 1, {"right"}, ""),
        # the cells where the unrotated kernel happens to land the same number (zeros); row 2,
        # column 4's -1 is not -0.5: a whole number states no rounding (precision.py rule 2)
        "dL/dX": (
            _count_equal(WORKED["unrotated"], WORKED["grad_x"]),
            25,
            {"right", "wrong"},
            "kernel_not_rotated",
        ),  # fmt: skip
    },
    "pool_to_all.txt": {
        # right where the true ∂L/∂a agrees: the four winners
        "dL/da": (4, 16, {"right", "wrong"}, "pool_to_all"),
        # their δ = their ∂L/∂a × relu′(z): carried; right at the winners and where z ≤ 0
        "dL/dz": (6, 16, {"right", "carried"}, ""),
        "dL/dW": (0, 4, {"carried"}, ""),
        "dL/db": (0, 1, {"carried"}, ""),
    },
    "one_position.txt": {
        "delta": (16, 16, {"right"}, ""),
        # -1 × x[0:2, 2:4] = [[-2, -1], [-3, 0]], the one position's terms: -2 is not -1.75
        # (a whole number states no rounding, precision.py rule 2)
        "dW": (0, 4, {"wrong"}, "one_position"),
        "db": (0, 1, {"wrong"}, "one_position"),
    },
    "chinese_fullwidth.txt": {
        "δ": (16, 16, {"right"}, ""),
        "∂L/∂W1": (4, 4, {"right"}, ""),
        "∂L/∂b1": (1, 1, {"right"}, ""),
    },
    "slips.txt": {
        "dL/dW": (4, 4, {"right"}, ""),
        "dL/dX[1,3]": (1, 1, {"right"}, ""),
        "dL/dX[2,3]": (1, 1, {"right"}, ""),
        "dL/dX[4,2]": (1, 1, {"right"}, ""),
        "dL/dX[5,2]": (0, 1, {"wrong"}, ""),  # 3.00 for 4: no mistake of the catalogue
        "dL/dX[4,5]": (1, 1, {"right"}, ""),  # 0.13 for 0.125, at two decimals
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_homework_file_gets_the_worked_verdicts(name: str) -> None:
    judged = check_hand_conv(PROBLEM, (HERE / name).read_text(encoding="utf-8"))
    found = {}
    for grid, _, cells in judged.report.grids():
        mistakes = {c.mistake for c in cells if c.mistake}
        found[grid] = (
            sum(c.verdict == "right" for c in cells),
            len(cells),
            {c.verdict for c in cells},
            mistakes.pop() if mistakes else "",
        )
    assert found == EXPECTED[name]
    assert judged.all_right == (name in ("right.txt", "chinese_fullwidth.txt"))


def test_there_are_at_least_six_homework_files() -> None:
    assert len(list(HERE.glob("*.txt"))) >= 6 == len(EXPECTED)


# -- the rest of the catalogue, on layers that show it --------------------------------------------


def _net(activation: str, pool: str, channels: int = 1, filters: int = 1, stride: int = 1,
         padding: int = 0, seed: int = 0) -> tuple[dict, H.C.ConvLayer]:  # fmt: skip
    rng = np.random.default_rng(seed)
    data = {
        "layers": [[channels, 6, 6],
                   {"conv": filters, "kernel": 3, "stride": stride, "padding": padding,
                    "activation": activation},
                   {"pool": pool, "size": 2}, {"dense": 2, "activation": "sigmoid"}],
        "inputs": [rng.uniform(-1, 1, size=(channels, 6, 6)).round(2).tolist()],
        "targets": [1.0, 0.0],
        "weights": {"random": "uniform", "seed": seed},
    }  # fmt: skip
    spec = conv_spec_from_mapping(data)
    net = ConvNet(spec)
    return data, H.first_conv_layer(net, net.evaluate())


def _grid_text(name: str, grid: np.ndarray) -> str:
    return f"{name} =\n" + "\n".join("  ".join(f"{v:.6f}" for v in row) for row in grid) + "\n"


def _mistakes(layer: H.C.ConvLayer, text: str) -> set[str]:
    report = H.judge(layer, text)
    return {c.mistake for c in report.cells if c.mistake}


def test_average_pooling_not_divided_is_named() -> None:
    _, layer = _net("identity", "avg")
    # the test's own routing: each input of a 2 × 2 window gets the window's whole gradient
    undivided = np.kron(layer.pool.upstream[0], np.ones((2, 2)))
    assert _mistakes(layer, _grid_text("dL/da", undivided)) == {"pool_not_divided"}
    right = np.kron(layer.pool.upstream[0], np.ones((2, 2))) / 4
    assert H.judge(layer, _grid_text("dL/da", right)).all_right


def test_a_missing_activation_derivative_is_named() -> None:
    _, layer = _net("tanh", "max", seed=1)
    assert _mistakes(layer, _grid_text("delta", layer.delta_a[0])) == {
        "activation_derivative_missing"
    }


def test_a_rotated_kernel_gradient_is_named() -> None:
    _, layer = _net("relu", "max", seed=2)
    rotated = layer.grad_kernels[0, 0][::-1, ::-1]
    assert _mistakes(layer, _grid_text("dL/dW", rotated)) == {"kernel_gradient_rotated"}


def test_pool_to_all_is_named_in_the_delta_map_too() -> None:
    _, layer = _net("relu", "max", seed=4)
    to_all = np.kron(layer.pool.upstream[0], np.ones((2, 2))) * (layer.z[0] > 0)
    assert _mistakes(layer, _grid_text("dL/dz", to_all)) == {"pool_to_all"}


def test_several_filters_and_channels_with_stride_and_padding_are_named_per_grid() -> None:
    data, layer = _net("relu", "max", channels=2, filters=2, stride=1, padding=1, seed=5)
    text = _grid_text("dL/dW2_1", layer.grad_kernels[1, 0]) + _grid_text(
        "dL/dX2", layer.grad_input[1]
    )
    assert H.judge(layer, text).all_right
    with pytest.raises(HandInputError, match="which channel"):
        H.judge(layer, "dL/dW1 = 1\n")
    with pytest.raises(HandInputError, match="2 filter"):
        H.judge(layer, "delta3[1,1] = 0.5\n")


def test_the_layer_numbers_agree_with_torch() -> None:
    """The adapter's grids (the core's sweep) and the numpy mechanics both equal torch
    autograd's on a layer with 2 channels, 2 filters, stride 2 and padding 1."""
    require_module("torch")
    import torch

    data, layer = _net("tanh", "max", channels=2, filters=2, stride=1, padding=1, seed=6)
    x = torch.tensor(layer.x, dtype=torch.float64, requires_grad=True)
    kernels = torch.tensor(layer.kernels, dtype=torch.float64, requires_grad=True)
    bias = torch.tensor(layer.bias, dtype=torch.float64, requires_grad=True)
    z = torch.nn.functional.conv2d(x[None], kernels, bias, stride=1, padding=1)
    z.retain_grad()
    pooled = torch.nn.functional.max_pool2d(torch.tanh(z), 2)
    pooled.backward(torch.tensor(layer.pool.upstream[None]))
    assert np.allclose(z.grad[0].numpy(), layer.delta_z, atol=1e-12)
    assert np.allclose(kernels.grad.numpy(), layer.grad_kernels, atol=1e-12)
    assert np.allclose(x.grad.numpy(), layer.grad_input, atol=1e-12)
    assert np.allclose(bias.grad.numpy(), layer.grad_bias, atol=1e-12)
    # the numpy mechanics the catalogue is built on, the right way, agree too
    mechanics = H.C.input_gradient(layer.delta_z, layer.kernels, layer.x.shape, 1, 1)
    assert np.allclose(mechanics, layer.grad_input, atol=1e-12)
    grad_w = H.C.kernel_gradient(layer.x, layer.delta_z, 3, 1, 1)
    assert np.allclose(grad_w, layer.grad_kernels, atol=1e-12)
    assert np.allclose(H.C.routed(layer.a, layer.pool), layer.delta_a, atol=1e-12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dL/dW = 1 2\n3\n", "should be 2 rows of 2 numbers"),
        ("dL/dQ = 1\n", "is not a grid check-hand reads"),
        ("0.5 0.5\n", "follows no 'name =' line"),
        ("dL/dW = 1 two\n3 4\n", "is not a row of numbers"),
        ("dL/dX[6,1] = 0\n", "the grid is 5×5"),
    ],
)
def test_bad_homework_is_one_line_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    homework = tmp_path / "hw.txt"
    homework.write_text(text, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "symbp", "check-hand", str(homework), "--spec", str(PROBLEM)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and message in run.stderr, run.stderr


def test_the_cli_judges_a_conv_homework_in_json(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "symbp", "check-hand", str(HERE / "not_rotated.txt"),
         "--spec", str(PROBLEM), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    grid = next(g for g in data["grids"] if g["name"] == "dL/dX")
    assert {c["mistake"] for c in grid["cells"] if c["verdict"] == "wrong"} == {
        "kernel_not_rotated"
    }
    cell = next(c for c in grid["cells"] if c["row"] == 5 and c["column"] == 2)
    assert cell["correct"] == 4.0 and cell["written"] == -2.0


def test_more_samples_than_check_hand_judges_are_refused_in_one_line() -> None:
    """Several samples are judged (tests/test_conv_hand_samples.py); more than 20 refused, and
    a sample mark beyond the spec's samples names the line."""
    data, _ = _net("relu", "max")
    one = data["inputs"]
    data["inputs"] = one * 21
    data["targets"] = [[1.0, 0.0]] * 21
    with pytest.raises(HandInputError, match="up to 20 samples"):
        check_hand_conv(conv_spec_from_mapping(data), "dL/db = 0\n")
    data["inputs"], data["targets"] = one * 2, [[1.0, 0.0]] * 2
    with pytest.raises(HandInputError, match="line 1: .*2 sample"):
        check_hand_conv(conv_spec_from_mapping(data), "dL(3)/db = 0\n")
