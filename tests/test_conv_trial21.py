"""The findings of the independent trial of issue 21 (a lecturer and a student), each on the
trial's own inputs, with expected values worked without symbp (by hand or numpy in the test,
or torch autograd)."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from symbp import formats
from symbp.api.conv_handout import conv_handout
from symbp.cli import main
from symbp.core.conv_spec import ConvSpec, conv_spec_from_mapping, load_conv_spec
from tests.conftest import require_module, require_tool
from tests.layout_tools import compile_latex
from tests.readback import latex_reader
from tests.readback.harness import latex_sources, read_and_check
from tests.test_conv_handout import _torch_values

#: the classic exam question: a 3 × 3 input, one 2 × 2 kernel, the conv layer's output the
#: network's output (t21's classic.toml)
CLASSIC = {
    "layers": [[1, 3, 3], {"conv": 1, "kernel": 2, "activation": "identity"}],
    "inputs": [[[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [1.0, 2.0, -1.0]]],
    "loss": "half_sse",
    "targets": [[[1.0, 0.0], [0.0, 1.0]]],
    "bias_values": {"conv1": [0.05]},
    "weights": {"conv1": [[[[0.3, -0.2], [0.4, 0.1]]]]},
}


def _classic_by_hand() -> dict[str, float]:
    """L, ∂L/∂w₁₁, ∂L/∂b, ∂L/∂x₂₂ (1-based) of CLASSIC, by the definitions, loop by loop."""
    x = np.array(CLASSIC["inputs"][0])
    w = np.array([[0.3, -0.2], [0.4, 0.1]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    z = np.array([[np.sum(x[i : i + 2, j : j + 2] * w) + 0.05 for j in range(2)] for i in range(2)])
    delta = z - y  # ½Σ(z − y)² with the identity
    dx = np.zeros_like(x)
    for i in range(2):
        for j in range(2):
            dx[i : i + 2, j : j + 2] += delta[i, j] * w
    return {
        "L": 0.5 * float(np.sum((z - y) ** 2)),
        "dw11": float(np.sum(delta * x[:2, :2])),
        "db": float(np.sum(delta)),
        "dx22": float(dx[1, 1]),
    }


def test_the_hand_values_are_the_trials() -> None:
    worked = _classic_by_hand()
    assert worked["L"] == pytest.approx(0.86125)
    assert worked["dw11"] == pytest.approx(2.35)
    assert worked["db"] == pytest.approx(0.25)
    assert worked["dx22"] == pytest.approx(-0.545)


@pytest.mark.parametrize("suffix", ["tex", "html", "md"])
def test_a_net_ending_in_its_convolution_has_a_handout(tmp_path: Path, suffix: str) -> None:
    # finding 1: `ValueError: max() arg is an empty sequence` for every such net
    spec = tmp_path / "classic.toml"
    spec.write_text(
        'layers = [[1, 3, 3], { conv = 1, kernel = 2, activation = "identity" }]\n'
        "inputs = [[[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [1.0, 2.0, -1.0]]]\n"
        'loss = "half_sse"\ntargets = [[[1.0, 0.0], [0.0, 1.0]]]\n'
        "bias_values = { conv1 = [0.05] }\n[weights]\nconv1 = [[[[0.3, -0.2], [0.4, 0.1]]]]\n",
        encoding="utf-8",
    )
    out = tmp_path / f"h.{suffix}"
    assert main(["handout", "--spec", str(spec), "-o", str(out), "--no-check"]) == 0
    written = out.read_text(encoding="utf-8")
    worked = _classic_by_hand()
    for value in worked.values():
        assert f"{value:.4g}" in written.replace("−", "-"), value


def test_the_classic_handout_reads_back_against_torch() -> None:
    spec = conv_spec_from_mapping(CLASSIC)
    document = conv_handout(spec, check=False).document()
    latex_values, _ = _torch_values(spec)
    worked = _classic_by_hand()
    assert latex_values["L"] == pytest.approx(worked["L"])
    outcome = read_and_check(
        latex_sources(formats.render(document, "latex")), latex_reader.read, latex_values, "classic"
    )
    assert not outcome.mismatches, outcome.report(5)
    assert outcome.checked >= 15, outcome  # every equation of the handout


def test_the_classic_handout_compiles(tmp_path: Path) -> None:
    engine = require_tool("pdflatex")
    tex = conv_handout(conv_spec_from_mapping(CLASSIC), check=False).write(tmp_path / "c.tex")
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert not compiled.overfull, compiled.overfull


# -- finding 2: the tensor form's index rules, read back and evaluated as printed -------------

TRIAL = Path(__file__).resolve().parent / "conv_trial21"


def _index_value(written: str, names: dict[str, int]) -> int:
    """An index expression as the handout prints it (i+u−2, 2·(i−1)+u−1), evaluated by a
    walk of its syntax tree: only integers, the named indices, +, − and ·."""
    tree = ast.parse(written.replace("·", "*").replace("−", "-"), mode="eval")

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            return names[node.id]
        if isinstance(node, ast.BinOp):
            left, right = value(node.left), value(node.right)
            operations = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}
            return operations[type(node.op)]
        raise AssertionError(f"unexpected {ast.dump(node)} in {written!r}")

    return value(tree)


def _torch_conv_grads(spec: ConvSpec) -> tuple[np.ndarray, ...]:
    """x, w, δ = ∂L/∂z, ∂L/∂W and ∂L/∂X of the first convolution, by torch autograd on the
    spec's numbers (only the layers pad1s2 and multich use)."""
    require_module("torch")
    import torch

    layer = spec.layers[0]
    x = torch.tensor(spec.inputs[0], dtype=torch.float64).reshape(spec.input_shape)
    x = x.requires_grad_()
    params = {
        key: torch.tensor(spec.values(key), dtype=torch.float64).reshape(shape).requires_grad_()
        for key, shape in spec.tensors
    }
    z = torch.nn.functional.conv2d(
        x[None], params["conv1_w"], params.get("conv1_b"), layer.stride, layer.padding
    )
    z.retain_grad()
    value = z
    activations = {"relu": torch.relu, "sigmoid": torch.sigmoid}
    for later in spec.layers:
        name = getattr(later, "activation", None)
        if later is layer:
            value = activations[name](value)
        elif getattr(later, "kind", None) == "avg":
            value = torch.nn.functional.avg_pool2d(value, later.size, later.stride)
        elif hasattr(later, "outputs"):
            value = value.reshape(1, -1) @ params[f"{later.name}_w"].T + params[f"{later.name}_b"]
            if name != "softmax":
                value = activations[name](value)
    targets = spec.targets[0]
    if spec.loss == "cross_entropy":
        loss = -torch.log_softmax(value, 1)[0, targets.index(1.0)]
    else:  # mse_mean
        loss = ((value[0] - torch.tensor(targets, dtype=torch.float64)) ** 2).mean()
    loss.backward()
    weights = params["conv1_w"]
    assert weights.grad is not None and x.grad is not None and z.grad is not None
    return (x.detach().numpy(), weights.detach().numpy(), z.grad[0].numpy(),
            weights.grad.numpy(), x.grad.numpy())  # fmt: skip


@pytest.mark.parametrize(("name", "first"), [("pad1s2", 0.0150), ("multich", -0.0199)])
def test_the_printed_tensor_rules_give_torchs_gradients(name: str, first: float) -> None:
    spec = load_conv_spec(TRIAL / f"{name}.toml")
    handout = " ".join(conv_handout(spec, check=False).render("text").split())  # unwrapped
    rule_w = re.search(r"∂L/∂w\[f,c,u,v\] = .*?· x\[c, ([^,\]]+), ([^,\]]+)\]", handout)
    rule_x = re.search(r"∂L/∂x\[c,m,n\] = .*?· w\[f, c, ([^,\]]+), ([^,\]]+)\]", handout)
    assert rule_w is not None and rule_x is not None, handout[-1500:]
    x, w, delta, grad_w, grad_x = _torch_conv_grads(spec)
    assert grad_w[0, 0, 0, 0] == pytest.approx(first, abs=5e-5)  # the trial's value
    filters, channels, k, _ = w.shape
    _, out_h, out_w = delta.shape
    height, width = x.shape[1:]
    printed_w = np.zeros_like(w)
    printed_x = np.zeros_like(x)
    # every index 1-based, as the handout says; x and w are 0 outside their grids
    for f, c, i, j in itertools.product(
        range(filters), range(channels), range(out_h), range(out_w)
    ):
        for u, v in itertools.product(range(1, k + 1), repeat=2):
            at = {"i": i + 1, "j": j + 1, "u": u, "v": v}
            row, col = _index_value(rule_w[1], at), _index_value(rule_w[2], at)
            if 1 <= row <= height and 1 <= col <= width:
                printed_w[f, c, u - 1, v - 1] += delta[f, i, j] * x[c, row - 1, col - 1]
        for m, n in itertools.product(range(1, height + 1), range(1, width + 1)):
            at = {"m": m, "n": n, "i": i + 1, "j": j + 1}
            u, v = _index_value(rule_x[1], at), _index_value(rule_x[2], at)
            if 1 <= u <= k and 1 <= v <= k:
                printed_x[c, m - 1, n - 1] += delta[f, i, j] * w[f, c, u - 1, v - 1]
    np.testing.assert_allclose(printed_w, grad_w, atol=1e-12)
    np.testing.assert_allclose(printed_x, grad_x, atol=1e-12)
    if spec.layers[0].stride > 1:  # δ must be dilated before the full convolution
        assert "dilated by the stride s = 2 (1 zero(s) inserted" in handout
    assert "padded by p = 1" in handout


# -- finding 3: ±1e6 inputs and weights, where a central difference's step is lost -----------


def test_a_step_below_the_losss_resolution_is_not_a_disagreement() -> None:
    import json

    from symbp.api.conv import derive

    require_module("torch")
    result = derive(TRIAL / "big_but_allowed.toml", table=True)
    # by hand: z = x ⋆ w (no bias), o = v·z, L = ½(o − 1)²; ∂L/∂b = (o − 1)·Σv, ∂L/∂c = o − 1
    x = np.array([[1e6, -1e6, 1e6], [1e6, 1e6, -1e6], [1e6, 1e6, 1e6]])
    w = np.array([[1e6, 1e6], [1e6, -1e6]])
    z = np.array([[np.sum(x[i : i + 2, j : j + 2] * w) for j in range(2)] for i in range(2)])
    o = 1e6 * z.sum()
    assert result.gradient("conv1_b[0]") == pytest.approx((o - 1) * 4e6, rel=1e-12)
    assert result.gradient("dense2_b[0]") == pytest.approx(o - 1, rel=1e-12)
    assert result.passed  # symbp == torch; the two biases' differences are rounding
    check = json.loads(result.to_json())["check"]
    assert check["passed"]
    lost = check["fd_not_applicable_below_resolution"]
    assert lost == ["conv1_b[0]", "dense2_b[0]"]
    assert all(check["central_differences"][name] == 0.0 for name in lost)  # the lost step
    shown = result.render("text")
    assert "FD not applicable for conv1_b[0], dense2_b[0]" in " ".join(shown.split())
    assert "DISAGREE" not in shown


def test_a_small_loss_keeps_every_central_difference_compared() -> None:
    import json

    from symbp.api.conv import derive

    require_module("torch")
    check = json.loads(derive(CLASSIC).to_json())["check"]
    assert check["passed"] and "fd_not_applicable_below_resolution" not in check


# -- finding 4: check-hand on an empty or comment-only file ----------------------------------


@pytest.mark.parametrize("written", ["", "# my answers\n\n   # none yet\n", "\ufeff\n"])
def test_check_hand_refuses_a_file_with_nothing_to_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str
) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text(written, encoding="utf-8")
    status = main(["check-hand", str(answers), "--spec", str(TRIAL / "classic.toml")])
    assert status == 2
    error = capsys.readouterr().err
    assert "nothing to check" in error and len(error.strip().splitlines()) == 1


# -- finding 5: what was given where a tensor belongs, said as the user wrote it --------------

_NET = "layers = [[1, 3, 3], { conv = 1, kernel = 2 }, 1]\ntargets = [1.0]\n"
_IMAGE = "inputs = [[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]]\n"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (_IMAGE + 'weights = { conv1 = "zero", dense2 = [[1, 1, 1, 1]] }',
         "weights.conv1 is a string ('zero') but needs a nested list of shape [1, 1, 2, 2]"),
        (_IMAGE + "weights = { conv1 = 5, dense2 = [[1, 1, 1, 1]] }",
         "weights.conv1 is a number but needs a nested list of shape [1, 1, 2, 2]"),
        (_IMAGE + 'weights = { conv1 = { random = "uniform", seed = 3 }, dense2 = [[1, 1, 1, 1]] }',
         'random weights are given for every layer at once (weights = { random = "uniform", '
         "seed = N }); one layer's weights are a nested list of shape [1, 1, 2, 2]"),
        ('inputs = "abc"\nweights = "zero"', "not a string ('abc')"),
        ('inputs = { a = 1 }\nweights = "zero"', "or a list of such samples, not a table"),
        ('inputs = [[0.1, 0.2, 0.3]]\nweights = "zero"', "not a list of shape [1, 3]"),
    ],
)  # fmt: skip
def test_a_wrong_tensor_says_what_was_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, said: str
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(_NET + body + "\n", encoding="utf-8")
    assert main(["derive", "--spec", str(spec), "--no-check"]) == 2
    error = capsys.readouterr().err
    assert said in error and len(error.strip().splitlines()) == 1, error
    assert "has shape a number" not in error


# -- finding 6: the worksheet's dense weights as a matrix with its shape and column order ----


def test_the_worksheet_shows_the_dense_weights_as_a_matrix_in_flatten_order(
    tmp_path: Path,
) -> None:
    import tomllib

    from symbp.api.conv_homework import conv_exercises
    from symbp.content.blocks import GridFigure, Paragraph

    exercises = conv_exercises(TRIAL / "multich.toml", count=1).write(tmp_path / "ex")
    problem = tomllib.loads((tmp_path / "ex" / "s001" / "problem.toml").read_text("utf-8"))
    from symbp.content.conv_exercise import worksheet_document

    document = worksheet_document(exercises.variants[0], "en", 4)
    said = " ".join(
        "".join(getattr(piece, "text", "") for piece in block.parts)
        for block in document.blocks
        if isinstance(block, Paragraph)
    )
    assert "The biases and the dense layer's weights:" in said
    assert "dense3_w (3×8)" in said
    panels = [p for b in document.blocks if isinstance(b, GridFigure) for p in b.panels]
    matrix = next(p for p in panels if p.title == "dense3_w")
    np.testing.assert_array_equal(np.array(matrix.values), np.array(problem["weights"]["dense3"]))
    # the printed column rule, evaluated, is numpy's (= torch's nn.Flatten) C order of 2×2×2
    rule = re.search(r"m = (.+?)(?::|$)", said)
    assert rule is not None, said
    order = np.arange(1, 9).reshape(2, 2, 2)
    for c, i, j in itertools.product(range(2), repeat=3):
        at = {"c": c + 1, "i": i + 1, "j": j + 1}
        assert _index_value(rule[1].replace(" ", ""), at) == order[c, i, j]


def test_a_conv_only_worksheet_names_only_the_biases(tmp_path: Path) -> None:
    from symbp.api.conv_homework import conv_exercises
    from symbp.content.conv_exercise import worksheet_document

    exercises = conv_exercises(TRIAL / "classic.toml", count=1)
    shown = formats.render(worksheet_document(exercises.variants[0], "en", 4), "markdown")
    assert "The biases:" in shown and "dense layer" not in shown


# -- finding 7: check-hand judges at the written precision; a tie routed to another maximum --


def _hw_truth() -> tuple[float, float]:
    """∂L/∂W[1,1] and ∂L/∂b of the trial's homework problem, by torch autograd."""
    require_module("torch")
    import torch
    import torch.nn.functional as F

    x = torch.tensor([[[[1, 0, 2, 1, 0], [0, 1, -1, 2, 1], [2, 1, 0, 1, -1], [1, -2, 1, 0, 2],
                        [0, 1, 2, -1, 1]]]], dtype=torch.float64)  # fmt: skip
    w = torch.tensor([[[[0.5, -0.5], [1.0, 0.25]]]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.1], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([[1.0, -2.0, 0.5, 3.0]], dtype=torch.float64)
    pooled = F.max_pool2d(torch.relu(F.conv2d(x, w, b)), 2)
    loss = 0.5 * ((pooled.reshape(1, -1) @ v.T) ** 2).sum()
    loss.backward()
    assert w.grad is not None and b.grad is not None
    return float(w.grad[0, 0, 0, 0]), float(b.grad[0])


@pytest.mark.parametrize("written", ["11.02", "10.94", "10.9", "11", "10.8"])
def test_a_written_number_is_judged_at_its_own_precision(written: str) -> None:
    from symbp.api.conv_hand import check_hand_conv

    truth, _ = _hw_truth()
    assert truth == pytest.approx(10.9375)  # the trial's value
    report = check_hand_conv(TRIAL / "hw_problem.toml", f"dL/dW[1,1] = {written}\n").report
    decimals = len(written.partition(".")[2])
    half = 0.5 * 10.0**-decimals if decimals else 0.0  # a whole number states no rounding
    right = abs(float(written) - truth) <= half
    assert (report.cells[0].verdict == "right") == right, (written, report.cells[0])
    if written == "11":  # rounds to the truth, but states no rounding: a matter of precision
        assert report.cells[0].verdict == "too few decimals"


def test_the_trials_one_percent_slip_is_wrong() -> None:
    from symbp.api.conv_hand import check_hand_conv

    grad_w, grad_b = _hw_truth()
    report = check_hand_conv(
        TRIAL / "hw_problem.toml", "dL/db = 10.99\ndL/dW[1,1] = 11.02\n"
    ).report
    assert abs(11.02 - grad_w) > 0.005 and abs(10.99 - grad_b) > 0.005  # both beyond ±0.005
    assert [c.verdict for c in report.cells] == ["wrong", "wrong"]


def test_a_tie_routed_to_another_maximum_is_named() -> None:
    require_module("torch")
    import torch
    import torch.nn.functional as F

    from symbp.api.conv_hand import check_hand_conv

    spec = load_conv_spec(TRIAL / "maxtie.toml")
    # torch routes each max window's gradient to its first maximum in reading order
    a = torch.tensor(spec.inputs[0], dtype=torch.float64).reshape(1, 1, 4, 4).requires_grad_()
    upstream = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], dtype=torch.float64)
    (F.max_pool2d(a, 2) * upstream).sum().backward()
    assert a.grad is not None
    firsts = {(int(r), int(c)) for r, c in torch.nonzero(a.grad[0, 0])}
    # by hand: the windows' maxima 2, 3, 1.5, 4 first reached at these cells (0-based)
    assert firsts == {(0, 0), (0, 3), (2, 1), (2, 2)}
    result = check_hand_conv(spec, (TRIAL / "tie_last.txt").read_text("utf-8"))
    mistakes = {c.mistake for c in result.report.cells if c.verdict == "wrong"}
    assert mistakes == {"tie_routed_elsewhere"}
    assert "first maximum in reading order, as torch does" in " ".join(
        result.render("text").split()
    )
    # the student gave three tied windows' gradients to a later maximum
    student = {(c.row, c.col) for c in result.report.cells if c.written != 0.0}
    assert student == {(0, 1), (1, 3), (2, 2), (3, 1)}


# -- finding 8: the handout's title, the loss read as (a − y)² -------------------------------


def test_the_conv_handout_has_its_title_and_reads_the_loss_as_textbooks_do() -> None:
    handout = conv_handout(load_conv_spec(TRIAL / "classic.toml"), check=False)
    assert "<h1>Classic 3x3 input, 2x2 kernel</h1>" in handout.render("html")
    latex = handout.render("latex")
    assert r"\left(a_{1,1,1} - y_{1}\right)^{2}" in latex
    assert "-y_{" not in latex and not re.search(r"\(-0 \+", latex), "(−y + a) or (−0 + …)"
    # the targets 1, 0, 0, 1 subtracted from the outputs: (1 − 1)², (−0.7000 − 0)², …
    assert r"\left(-0.7000 - 0\right)^{2}" in latex


def test_a_short_row_is_reported_at_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text("# my grid\ndL/dW =\n1.0 2.0\n3.0\n", encoding="utf-8")
    assert main(["check-hand", str(answers), "--spec", str(TRIAL / "hw_problem.toml")]) == 2
    error = capsys.readouterr().err
    assert "line 4: 'dL/dW' should be 2 rows of 2 numbers: its row 2 has 1" in error, error


def test_one_positions_bias_is_said_of_a_bias() -> None:
    from symbp.api.conv_hand import check_hand_conv

    # the trial's student: ∂L/∂b = one position's δ (-8.75) instead of Σ δ
    _, truth_b = _hw_truth()
    assert truth_b != pytest.approx(-8.75)
    written = (TRIAL / "one_position.txt").read_text("utf-8")
    result = check_hand_conv(TRIAL / "hw_problem.toml", written)
    bias = next(c for c in result.report.cells if c.quantity.kind == "grad_b")
    assert bias.verdict == "wrong" and bias.mistake == "one_position"
    shown = " ".join(result.render("text").split())
    assert "a filter's bias is added at every position" in shown
    assert shown.count("kernel weight is shared") == 1  # the kernel's grid, not the bias's


def test_from_torch_names_the_linear_that_follows_a_conv_without_flatten() -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp import from_torch
    from symbp.errors import SymbpError

    # the trial's model: Conv2d(1→2, 2×2) on 3×3 gives 2×2×2 maps; Linear(2, 4) then acts on
    # each map row's last dimension (torch runs it: output (1, 2, 2, 4)), not on 8 flat values
    model = nn.Sequential(nn.Conv2d(1, 2, 2), nn.Linear(2, 4)).double()
    x = torch.zeros(1, 1, 3, 3, dtype=torch.float64)
    assert model(x).shape == (1, 2, 2, 4)
    with pytest.raises(SymbpError) as refused:
        from_torch(model, x, torch.zeros(1, 4, dtype=torch.float64), nn.MSELoss())
    said = str(refused.value)
    assert "module 1 (Linear) follows a Conv2d without nn.Flatten" in said
    assert "has shape" not in said


def test_derive_wrt_x_shows_the_grids_its_tensor_form_is_computed_from() -> None:
    from symbp.api.conv import derive

    shown = derive(CLASSIC, wrt=["x"], check=False).render("text")
    after_delta = shown.split("δ[f] for filter 0")[1].split("rot180")[0]
    after_rotated = shown.split("the kernel rotated 180°:")[1].split("Computing")[0]

    def rows(block: str) -> list[list[float]]:
        lines = [line.split() for line in block.splitlines() if line.strip()]
        header = lines.index(["0", "1"])  # the column numbers, then one line a row
        return [[float(v) for v in line[1:]] for line in lines[header + 1 :]]

    z = np.array([[1.0, -0.7], [1.1, 0.85]])  # by hand: the windows ⋆ w + 0.05
    delta = z - np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(rows(after_delta), delta, atol=5e-5)
    w = np.array([[0.3, -0.2], [0.4, 0.1]])
    np.testing.assert_allclose(rows(after_rotated), w[::-1, ::-1])


# -- finding 9: one kernel weight's terms without the whole graph's sweep ---------------------


@pytest.mark.parametrize("name", ["classic", "pad1s2", "multich", "maxtie"])
def test_a_nodes_uses_are_the_sweeps(name: str) -> None:
    from symbp.core.conv import ConvNet

    fresh = ConvNet(load_conv_spec(TRIAL / f"{name}.toml"))
    swept = ConvNet(load_conv_spec(TRIAL / f"{name}.toml"))
    for symbol, node in swept.graph.nodes.items():
        if node.op == "constant" or symbol == swept.root:
            continue
        assert fresh.uses(symbol) == swept.sweep.gradient(symbol).uses, symbol
    assert "sweep" not in fresh.__dict__  # never swept
