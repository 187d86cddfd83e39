"""Computational graphs of expressions (issue 20): published circuits reproduced at their
printed precision, each checked against torch autograd and central differences; bad input as one
line with exit status 2; every format, en and zh.
"""

from __future__ import annotations

import json

import pytest

import symbp
from symbp.cli import main
from symbp.core.circuit import CALLABLE, CircuitError, derive_circuit, parse_at, read_circuit
from symbp.core.operations import ABS, MIN, NEGATE, operation_info
from tests.conftest import require_module

# CS231n, "Backpropagation, Intuitions" (https://cs231n.github.io/optimization-2/, section
# "Simple expressions and interpretation of the gradient" / "Compound expressions with chain
# rule"): f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4 gives f = -12, and the circuit shows
# df/dx = df/dy = -4, df/dz = 3 (and df/dq = -4 for q = x + y).
CS231N = ("q = x + y\nf = q * z", {"x": -2.0, "y": 5.0, "z": -4.0})

# CS231n, same page, section "Sigmoid example": f(w, x) = 1 / (1 + e^-(w0 x0 + w1 x1 + w2))
# with w = [2, -3, -3], x = [-1, -2]; the circuit figure prints the gradients to two decimals:
# w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20.
SIGMOID_NEURON = (
    "f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
    {"w0": 2.0, "w1": -3.0, "w2": -3.0, "x0": -1.0, "x1": -2.0},
)

# micrograd's README (https://github.com/karpathy/micrograd, section "Example usage"):
# prints g.data 24.7041, a.grad 138.8338, b.grad 645.5773 (%.4f). `.relu()` is written relu().
MICROGRAD = (
    """
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + relu(b + a)
    d += 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    """,
    {"a": -4.0, "b": 2.0},
)

# Karpathy, "The spelled-out intro to neural networks and backpropagation: building micrograd"
# (https://www.youtube.com/watch?v=VMj-3S1tku0, the first manual backpropagation, about 0:50):
# e = a*b, d = e + c, L = d*f at a = 2, b = -3, c = 10, f = -2 gives L = -8.
LECTURE = ("e = a * b\nd = e + c\nL = d * f", {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0})


def _agrees(value: float, published: float, decimals: int) -> bool:
    return abs(value - published) <= 0.5 * 10.0**-decimals + 1e-12


@pytest.mark.parametrize(
    ("case", "objective", "gradients", "decimals"),
    [
        (CS231N, -12.0, {"x": -4.0, "y": -4.0, "z": 3.0, "q": -4.0}, 0),
        (SIGMOID_NEURON, None, {"x0": 0.39, "x1": -0.59, "w0": -0.2, "w1": -0.39, "w2": 0.2}, 2),
        (MICROGRAD, 24.7041, {"a": 138.8338, "b": 645.5773}, 4),
        # worked by hand: dL/dd = f = -2, dL/df = d = 4, dL/dc = dL/de = -2 (add distributes),
        # dL/da = dL/de * b = 6, dL/db = dL/de * a = -4 (multiply swaps)
        (LECTURE, -8.0, {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0, "d": -2.0, "e": -2.0}, 0),
    ],
    ids=["cs231n", "cs231n-sigmoid", "micrograd", "lecture"],
)
def test_published_circuits_are_reproduced_and_agree_with_torch(
    case, objective, gradients, decimals
) -> None:
    require_module("torch")
    text, values = case
    wrt = [name for name in gradients if name not in values]
    result = symbp.expression(text, values, wrt=wrt)
    if objective is not None:
        assert _agrees(result.value, objective, decimals)
    for name, published in gradients.items():
        assert _agrees(result.gradient(name), published, decimals), name
    check = result.check
    assert check is not None and result.passed
    for symbol, value in check.torch.items():  # torch autograd on the same gates
        assert value == pytest.approx(check.symbolic[symbol], rel=1e-9, abs=1e-12)
    for symbol, value in check.differences.items():
        assert value == pytest.approx(check.symbolic[symbol], rel=1e-5, abs=1e-6)


def test_torch_by_hand_on_the_cs231n_sigmoid_neuron() -> None:
    """torch written out directly (not through symbp's gates) gives the same gradients."""
    require_module("torch")
    import torch

    w = torch.tensor([2.0, -3.0, -3.0], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([-1.0, -2.0], dtype=torch.float64, requires_grad=True)
    f = 1 / (1 + torch.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    f.backward()
    text, values = SIGMOID_NEURON
    result = symbp.expression(text, values, check=False)
    for index, name in enumerate(("w0", "w1", "w2")):
        assert result.gradient(name) == pytest.approx(w.grad[index].item(), rel=1e-12)
    for index, name in enumerate(("x0", "x1")):
        assert result.gradient(name) == pytest.approx(x.grad[index].item(), rel=1e-12)


def test_reassignment_makes_versions_and_both_spellings_agree() -> None:
    text, values = MICROGRAD
    spelled = text.replace("c += c + 1", "c = c + c + 1").replace(
        "g += 10.0 / f", "g = g + 10.0 / f"
    )
    first = symbp.expression(text, values, check=False)
    second = symbp.expression(spelled, values, check=False)
    assert first.gradient("a") == pytest.approx(second.gradient("a"), rel=1e-12)
    names = first.circuit.names.values()
    assert {"c", "c_2", "c_3", "d_3", "g_2"} <= set(names)
    assert first.circuit.names[first.circuit.root] == "g_2"  # the last name assigned
    assert "c_2" in first.render("text") or "c₂" in first.render("text")
    assert "c_{2}" in first.render("latex")


def test_gate_patterns_and_fan_out_are_named() -> None:
    text = symbp.expression("f = max(x, y) * z + x", {"x": 3.0, "y": 1.0, "z": 2.0}, check=False)
    words = " ".join(text.render("text").split())
    assert "is a max gate: it routes" in words
    assert "is a multiply gate: it swaps" in words
    assert "is an add gate: it distributes" in words
    assert "x is used in 2 places, so its gradients add" in words
    # by hand: df/dx = z·1[x > y] + 1 = 3, df/dy = 0 (routed away), df/dz = max = 3
    assert text.gradient("x") == 3.0 and text.gradient("y") == 0.0 and text.gradient("z") == 3.0


def test_every_callable_operation_matches_torch_and_central_differences() -> None:
    require_module("torch")
    calls = ", ".join(sorted(CALLABLE))
    for name in ("exp", "log", "tanh", "sigmoid", "relu", "max", "min", "abs"):
        assert name in CALLABLE, calls
    result = symbp.expression(
        "p = max(x, y) * min(x, z) - abs(y) / exp(-x)\n"
        "q = log(z) + tanh(x) ** 2 + sigmoid(y) * relu(z) - softplus(x)\n"
        "r = silu(y) + gelu(x) + elu(-z) + leaky_relu(-y)\n"
        "f = p * q + r / 2",
        {"x": 0.7, "y": -1.3, "z": 2.1},
    )
    assert result.passed
    assert set(result.check.torch) == set(result.circuit.inputs)


def test_min_abs_negate_are_table_entries() -> None:
    for entry in (MIN, ABS, NEGATE):
        assert operation_info(entry.name) is entry
        assert entry.torch_function.startswith("torch.")
    # by hand: f = -min(x, y) + abs(y) at x = 2, y = -3: f = 3 + 3 = 6; df/dx = 0 (y is the
    # smaller), df/dy = -1 + sign(-3) = -2
    result = symbp.expression("f = -min(x, y) + abs(y)", {"x": 2.0, "y": -3.0}, check=False)
    assert result.value == 6.0
    assert result.gradient("x") == 0.0 and result.gradient("y") == -2.0


def test_every_format_in_both_languages() -> None:
    text, values = CS231N
    for lang in ("en", "zh"):
        result = symbp.expression(text, values, lang=lang, check=False)
        for fmt in ("text", "latex", "mathml", "markdown", "html"):
            assert result.render(fmt)
        assert "<math" in result._repr_html_() or "\\(" in result._repr_html_()
    data = json.loads(symbp.expression(text, values, check=False).to_json())
    by_name = {node["name"]: node for node in data["nodes"]}
    assert by_name["q"]["value"] == 3.0 and by_name["q"]["gradient"] == -4.0
    assert by_name["f"]["gradient"] == 1.0 and data["gradients"] == {
        "x": -4.0,
        "y": -4.0,
        "z": 3.0,
    }


def test_cli_expression_and_spec(tmp_path, capsys) -> None:
    require_module("torch")
    status = main(
        ["derive", "--expr", "f = (x + y) * z", "--at", "x=-2,y=5,z=-4", "--all", "--format",
         "json"]
    )  # fmt: skip
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    assert data["value"] == -12.0 and data["check"]["passed"]
    spec = tmp_path / "circuit.toml"
    spec.write_text(
        'title = "CS231n: f = (x + y) z"\nexpression = """\nq = x + y\nf = q * z\n"""\n'
        "values = { x = -2.0, y = 5.0, z = -4.0 }\n",
        encoding="utf-8",
    )
    assert main(["derive", "--spec", str(spec), "--wrt", "q", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["wrt"] == {"q": -4.0} and data["title"] == "CS231n: f = (x + y) z"


@pytest.mark.parametrize(
    ("expr", "at", "message"),
    [
        ("f = foo(x)", "x=1", "unknown function 'foo'"),
        ("f = x + y", "x=1", "y has no value"),
        ("f = q + x; q = x", "x=1", "q is used before it is assigned"),
        ("f = x / y", "x=1,y=0", "division by zero"),
        ("f = log(x)", "x=-1", "logarithm of a number that is not positive"),
        ("f = log(x - x)", "x=1", "logarithm"),
        ("f = x ** 100", "x=1", "exponent"),
        ("f = " + "(" * 40 + "x" + ")" * 40, "x=1", "nesting deeper"),
        ("f = " + "+".join(["x"] * 150), "x=1", "tokens"),
        ("f = __import__('os').system('true')", "x=1", "unexpected character"),
        ("f = x.real", "x=1", "unexpected character"),
        ("f = x +", "x=1", "ends too early"),
        ("f = 3", "x=1", "value is given for x"),
        ("f = x", "x=1e99", "out of range"),
        ("f = x", "x=1e20", "too large"),
        ("exp = x", "x=1", "function's name"),
        ("f = x + 1", "x=1,w=2", "never uses"),
        ("f = x + 1", "x=nan", "not name=number"),
        ("f = max(x)", "x=1", "max takes 2 arguments"),
        ("f == x", "x=1", "not an assignment"),
        # d(x^0.5)/dx = 0.5·x^(−0.5) is infinite at x = 0 (the trial of issue 20)
        ("f = x ** 0.5 + 1", "x=0", "infinite or undefined at the given values (x = 0)"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(expr, at, message, capsys) -> None:
    assert main(["derive", "--expr", expr, "--at", at, "--no-check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize("command", ["derive", "handout"])
def test_an_infinite_local_derivative_is_one_line(command, capsys, tmp_path) -> None:
    argv = [command, "--expr", "f = x ** 0.5 + 1", "--at", "x=0"]
    if command == "handout":
        argv += ["-o", str(tmp_path / "h.html")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "derivative of" in err and "with respect to x" in err, err


def test_limits_are_the_formula_readers() -> None:
    from symbp.handcheck import formula

    with pytest.raises(CircuitError, match=str(formula.MAX_FORMULA_CHARS)):
        read_circuit("f = " + "x+" * 300 + "x", {"x": 1.0})
    with pytest.raises(CircuitError, match="gates"):
        read_circuit(
            "\n".join(f"{n} = {m}" + f" + {m}" * 90 for n, m in ("ax", "ba", "cb")),
            {"x": 1.0},
        )
    assert parse_at("x=-2, y=5") == {"x": -2.0, "y": 5.0}


def test_export_torch_script_reproduces_micrograd(tmp_path, capsys) -> None:
    require_module("torch")
    import subprocess
    import sys

    spec = tmp_path / "micrograd.toml"
    spec.write_text(
        f'expression = """{MICROGRAD[0]}"""\nvalues = {{ a = -4.0, b = 2.0 }}\n', encoding="utf-8"
    )
    script = tmp_path / "micrograd.py"
    assert main(["export", "--torch", "--spec", str(spec), "-o", str(script)]) == 0
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=120
    )
    printed = dict(line.split(" = ") for line in run.stdout.splitlines())
    # micrograd's README prints 24.7041, 138.8338, 645.5773 (%.4f)
    assert _agrees(float(printed["g_2"]), 24.7041, 4)
    assert _agrees(float(printed["dg_2/da"]), 138.8338, 4)
    assert _agrees(float(printed["dg_2/db"]), 645.5773, 4)


def test_python_api_shows_in_jupyter() -> None:
    result = symbp.expression("f = (x + y) * z", x=-2, y=5, z=-4, check=False)
    assert repr(result) == "<CircuitResult f = -12>"
    assert "<svg" in result._repr_html_() and "<math" in result._repr_html_()
    assert "\\frac{\\partial f}{\\partial x}" in (result._repr_latex_() or "")
    assert result.gradients["x"] == -4.0 and result.values["t1"] == 3.0
    with pytest.raises(symbp.SymbpError, match="given twice"):
        symbp.expression("f = x", {"x": 1.0}, x=2.0)


def test_a_tie_of_max_is_shown_as_torch_splits_it(capsys) -> None:
    """max(x, y)·3 at x = y = 2 (the trial of issue 20): torch.maximum splits the gradient at a
    tie, ½ each, so ∂f/∂x = ∂f/∂y = 1.5; 1[2 − 2 > 0] would read 0 and is not printed."""
    require_module("torch")
    import torch

    x, y = (torch.tensor(2.0, dtype=torch.float64, requires_grad=True) for _ in "xy")
    (torch.maximum(x, y) * 3).backward()
    assert x.grad is not None and y.grad is not None
    assert (float(x.grad), float(y.grad)) == (1.5, 1.5)
    for lang, said in (("en", "½ to each"), ("zh", "各得 ½")):
        assert (
            main(["derive", "--expr", "f = max(x, y) * 3", "--at", "x=2,y=2", "--lang", lang]) == 0
        )
        out = capsys.readouterr().out
        assert "[2 - 2 > 0]" not in out and said in out
        assert "∂t1/∂x = 0.5000" in out and "3.000 × 0.5000 = 1.500" in out


def test_a_value_used_twice_by_one_gate_is_two_uses(capsys) -> None:
    """c + c and c·c (micrograd's example, the trial of issue 20) are an add gate and a multiply
    gate with two uses each, not 2c and c²: each use's term shown, the fan-out counted, and
    the gradients torch's."""
    require_module("torch")
    import torch

    expr = "a = x * y; c = a + x; c = c + c + 1; d = c * c; f = d / (y + 3)"
    x, y = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (1.5, -0.5))
    a = x * y
    c = a + x
    c = c + c + 1
    d = c * c
    (d / (y + 3)).backward()
    assert x.grad is not None and y.grad is not None
    derivation = derive_circuit(read_circuit(expr, {"x": 1.5, "y": -0.5}))
    circuit = derivation.circuit
    assert derivation.gradients[circuit.symbol("x")] == pytest.approx(float(x.grad), abs=1e-12)
    assert derivation.gradients[circuit.symbol("y")] == pytest.approx(float(y.grad), abs=1e-12)
    # c_2 = 2.5 feeds d = c_2·c_2 twice: each use's local gradient is the other input, 2.5
    uses = derivation.contributions[circuit.symbol("c_2")]
    assert [(u.position, u.local_value) for u in uses] == [(0, 2.5), (1, 2.5)]
    assert [u.local_value for u in derivation.contributions[circuit.symbol("c")]] == [1, 1]
    assert main(["derive", "--expr", expr, "--at", "x=1.5,y=-0.5", "--no-check"]) == 0
    out = capsys.readouterr().out
    assert "d   = c_2·c_2" in out and "t1  = c + c" in out and "c_2²" not in out
    assert "through d, input 2" in out and "c_2 is used in 2 places" in out
    assert main(["derive", "--expr", "f = x*x*x + y*x - exp(x*y)", "--at", "x=0.7,y=-1.3"]) == 0
    assert "x is used in 5 places" in capsys.readouterr().out  # x·x (2), ·x, y·x, x·y


def test_a_term_of_a_squared_value_left_out_is_fan_out_not_added() -> None:
    """q = x·x, f = q + x at x = 1.5: df/dx = 1·x + 1·x + 1 = 4; 2.5 = 1.5 + 1 leaves one of
    the product's two uses out."""
    from symbp.api.circuit import check_hand

    circuit = read_circuit("q = x * x; f = q + x", {"x": 1.5})
    report = check_hand(circuit, "q = 2.25\ndf/dq = 1\ndf/dx = 2.5").report
    assert [(v.verdict, v.mistake) for v in report.verdicts] == [
        ("right", ""),
        ("right", ""),
        ("wrong", "fan_out_not_added"),
    ]


def test_the_trials_wording(capsys) -> None:
    """Written as a reader writes them (trial of issue 20): z - x in its order, an exponential
    gate, -1 once, a root's term through a fan-out in the product form; ';' alone is empty."""
    assert main(["derive", "--expr", "f = exp(x) * (z - x)", "--at", "x=1,z=2", "--no-check"]) == 0
    out = capsys.readouterr().out
    assert "t2 = z - x" in out and "-x + z =" not in out
    assert "is an exponential gate" in out and "= -1 = -1" not in out
    assert main(["derive", "--expr", "q = x * y; f = q + x", "--at", "x=1,y=2", "--no-check"]) == 0
    # f = q + x: the use of x through f is 1 (upstream ∂f/∂f = 1 times local 1)
    assert "through f  ∂f/∂f·∂f/∂x = 1 × 1 = 1" in capsys.readouterr().out
    assert main(["derive", "--expr", ";", "--at", "x=1"]) == 2
    assert "the expression is empty" in capsys.readouterr().err
