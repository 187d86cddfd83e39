"""The matrix form (`--form matrix`): its numbers against the scalar derivation and torch, and
its printed equations read back from the LaTeX and checked.

The read-back harness of the scalar form does not understand matrices, so these tests parse the
matrix equations themselves: every matrix or vector a result prints is compared, entry by entry,
with the scalar derivation's value at the precision printed, and every member that is plain
matrix arithmetic on printed numbers (W a + b, Wᵀδ ⊙ f′, δaᵀ, W − ηG) is recomputed with numpy
and must give the printed result.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symbp
from symbp.cli import main
from symbp.content import expr as E
from symbp.content.blocks import Equations, Row
from symbp.core.matrices import MatrixForm
from symbp.core.spec import DEFAULT_SPEC_DATA, spec_from_mapping
from symbp.errors import SymbpError
from symbp.formats import text

from .conftest import MOOC_GRADIENTS, require_module, require_tool

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

#: a softmax output with several samples, a shared (per-layer) bias and a summed loss: the
#: batch form's own cases (Δ⁽ᴸ⁾ column by column, 𝟏ᵀΔ𝟏, no 1/N)
SOFTMAX_BATCH = {
    "title": "softmax batch",
    "layers": [2, 2, 3],
    "activation": ["tanh", "softmax"],
    "loss": "cross_entropy",
    "inputs": [[0.5, 0.3], [0.1, -0.4], [1.0, 0.2]],
    "targets": [0, 2, 1],
    "weights": [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8, 0.3, 0.1],
    "bias": "per-layer",
    "bias_values": [0.1, -0.2],
    "reduction": "sum",
}
#: one sample, leaky relu hidden units and a sigmoid output with BCE: (a − y)/K simplifies δ
BCE = {
    "title": "bce",
    "layers": [3, 2, 2],
    "activation": ["leaky_relu", "sigmoid"],
    "loss": "bce",
    "inputs": [0.5, -1.0, 0.25],
    "targets": [1.0, 0.0],
    "weights": [0.3, -0.2, 0.1, 0.4, -0.5, 0.2, 0.7, -0.6, 0.2, 0.3],
    "bias": "per-unit",
    "bias_values": [0.1, -0.1, 0.0, 0.2],
}
NETWORKS: dict[str, Callable[[], symbp.Problem]] = {
    "default": lambda: symbp.problem(),
    "two_hidden_layers": lambda: symbp.problem(ROOT / "examples" / "two_hidden_layers.toml"),
    "softmax": lambda: symbp.problem(ROOT / "examples" / "cross_entropy.toml"),
    "softmax_batch": lambda: symbp.problem(spec_from_mapping(SOFTMAX_BATCH)),
    "bce": lambda: symbp.problem(spec_from_mapping(BCE)),
}


# -- the numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(NETWORKS))
def test_every_matrix_entry_equals_the_scalar_derivation_and_torch(name: str) -> None:
    require_module("torch")
    from symbp.torchcheck.model import torch_loss_and_gradients

    problem = NETWORKS[name]()
    network, evaluation = problem.network, problem.evaluation
    form = MatrixForm(evaluation)
    samples = evaluation.samples or (evaluation,)
    assert len(form.samples) == len(samples)
    for matrices, scalar in zip(form.samples, samples, strict=True):
        for layer in form.layers:
            n = layer.number
            for j, unit in enumerate(layer.units):
                assert unit.z is not None and unit.delta is not None
                assert matrices.z[n][j] == pytest.approx(scalar.values[unit.z], abs=1e-12)
                assert matrices.a[n][j] == pytest.approx(scalar.values[unit.a], abs=1e-12)
                assert matrices.delta[n][j] == pytest.approx(scalar.values[unit.delta], abs=1e-12)
        assert matrices.loss == pytest.approx(scalar.loss, abs=1e-12)
    loss, torch_gradients, _ = torch_loss_and_gradients(network.spec)
    assert form.loss == pytest.approx(loss, abs=1e-12)
    for parameter, reference in zip(network.parameters, torch_gradients, strict=True):
        assert form.gradients[parameter.name] == pytest.approx(reference, abs=1e-12)
        assert form.gradients[parameter.name] == pytest.approx(
            evaluation.gradient(parameter.name), abs=1e-12
        )


def test_default_network_matrices_worked_by_hand() -> None:
    # W⁽¹⁾ = [w1 w3; w2 w4] (rows: h1, h2): z⁽¹⁾ = [0.2·0.5 + 0.5·0.3; −0.4·0.5 + 0.6·0.3]
    form = symbp.problem().matrices
    first = form.layers[0]
    assert [[w.name for w in line] for line in first.weights] == [["w1", "w3"], ["w2", "w4"]]
    assert form.samples[0].z[1] == pytest.approx((0.25, -0.02), abs=1e-15)
    # ∂L/∂W⁽¹⁾ = δ⁽¹⁾(a⁽⁰⁾)ᵀ holds the course's gradients in the same places as W⁽¹⁾'s names
    gradients = form.weight_gradients(first)
    assert gradients[0] == pytest.approx((MOOC_GRADIENTS[0], MOOC_GRADIENTS[2]), abs=1e-10)
    assert gradients[1] == pytest.approx((MOOC_GRADIENTS[1], MOOC_GRADIENTS[3]), abs=1e-10)


def test_batch_gradients_are_the_mean_over_the_columns() -> None:
    problem = symbp.problem(ROOT / "examples" / "two_hidden_layers.toml")
    form = problem.matrices
    batch = form.batch
    assert batch is not None and batch.scale == 0.5
    for layer in form.layers:
        n = layer.number
        per_sample = [s.weight_gradients[n] for s in form.samples]
        mean = np.mean(np.array(per_sample), axis=0)
        assert np.allclose(np.array(batch.weight_gradients[n]), mean, atol=1e-15)
        assert np.allclose(np.array(batch.bias_gradients[n]), np.array(batch.delta[n]).mean(1))


# -- the printed equations, read back ------------------------------------------------------------

#: a matrix written out, and its ᵀ if it has one ({[⋯]}ᵀ: a column written as a row)
BMATRIX = re.compile(r"\{?\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}(\}\^\{\\mathsf\{T\}\})?")
NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(?: \\times 10\^\{(-?\d+)\})?$")


def parse_number(text: str) -> tuple[float, float]:
    """A printed number and half a unit of its last printed digit."""
    found = NUMBER.match(text.strip())
    assert found, f"not a number: {text!r}"
    mantissa, exponent = found.group(1), int(found.group(2) or 0)
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return float(mantissa) * 10.0**exponent, 0.5 * 10.0 ** (exponent - decimals)


def parse_matrix(body: str, transposed: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
    """A bmatrix of numbers and the half-unit of each entry (None if an entry is a name);
    `transposed`: the bmatrix carries a ᵀ ([0.4 −0.7 0.9]ᵀ, a column written as a row)."""
    rows = [line.split(" & ") for line in body.strip().split(r" \\ ")]
    try:
        parsed = [[parse_number(entry) for entry in row] for row in rows]
    except AssertionError:
        return None
    values = np.array([[v for v, _ in r] for r in parsed])
    halves = np.array([[h for _, h in r] for r in parsed])
    return (values.T, halves.T) if transposed else (values, halves)


def parse_printed(found: re.Match[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """A matched bmatrix (BMATRIX), with its ᵀ if it has one."""
    return parse_matrix(found.group(1), transposed=found.group(2) is not None)


#: a relation between the members of a chain, as the LaTeX printer spaces it
RELATION = re.compile(r" (=|\\leftarrow|\\approx) ")
#: a line that continues a member broken at an operator (formats/equations.py)
CONTINUED = "\\quad "


def _split_members(text: str) -> list[tuple[str, str]]:
    """(relation, member) of a line's text after its alignment point, split at the relations
    outside braces: `= A = B` gives ("=", "A"), ("=", "B")."""
    padded = " " + text
    cuts = [
        m
        for m in RELATION.finditer(padded)
        if padded[: m.start()].count("{") == padded[: m.start()].count("}")
    ]
    found = []
    for index, cut in enumerate(cuts):
        end = cuts[index + 1].start() if index + 1 < len(cuts) else len(padded)
        found.append((cut.group(1), padded[cut.end() : end].strip()))
    return found


def chains(latex: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every displayed equation: its left side and its (relation, member) steps, several
    members a line where they fit, a member broken over lines joined again."""
    found: list[tuple[str, list[tuple[str, str]]]] = []
    for body in re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", latex, re.DOTALL):
        for line in re.split(r" \\\\\*?\n", body):  # \\* where no page may break
            head, _, rest = line.partition("&")
            if rest.startswith(CONTINUED):
                relation, member = found[-1][1][-1]
                found[-1][1][-1] = (relation, member + " " + rest[len(CONTINUED) :])
                continue
            if head.strip():
                found.append((head.strip(), []))
            found[-1][1].extend(_split_members(rest))
    return found


#: the pieces of a member that is matrix arithmetic on printed numbers: matrices, numbers, 1/N,
#: + − ⊙ ×
TOKEN = re.compile(
    r"\{?\\begin\{bmatrix\}.*?\\end\{bmatrix\}(?:\}\^\{\\mathsf\{T\}\})?|\\frac\{1\}\{\d+\}|\\odot"
    r"|\\times|\\cdot|-?\d+(?:\.\d+)?|[+-]"
)


def evaluate(member: str) -> tuple[np.ndarray, np.ndarray] | None:
    """A member of printed matrix arithmetic, computed with numpy (None if it is not one):
    its value, and the same with every entry's absolute value (to bound rounding)."""
    tokens = TOKEN.findall(member)
    if TOKEN.sub("", member).strip() or not any("bmatrix" in t for t in tokens):
        return None
    matrices = [parse_printed(BMATRIX.match(t)) for t in tokens if "bmatrix" in t]  # type: ignore[arg-type]
    if any(m is None for m in matrices):
        return None  # names, not numbers
    terms: list[tuple[int, list[list[np.ndarray]]]] = [(1, [[]])]  # sign, ⊙ groups of factors
    for token in tokens:
        if token in "+-":
            terms.append((1 if token == "+" else -1, [[]]))
        elif token == r"\odot":
            terms[-1][1].append([])
        elif token in (r"\times", r"\cdot"):
            continue
        elif token.startswith(r"\frac"):
            terms[-1][1][-1].append(np.array(1.0 / int(re.findall(r"\d+", token)[-1])))
        elif "bmatrix" in token:
            parsed = matrices.pop(0)
            assert parsed is not None
            terms[-1][1][-1].append(parsed[0])
        else:
            terms[-1][1][-1].append(np.array(float(token)))

    def product(factors: list[np.ndarray], absolute: bool) -> np.ndarray:
        result = np.array(1.0)
        for factor in factors:
            factor = np.abs(factor) if absolute else factor
            result = result @ factor if result.ndim and factor.ndim else result * factor
        return result

    def total(absolute: bool) -> np.ndarray:
        value = np.array(0.0)
        for sign, groups in terms:
            term = product(groups[0], absolute)
            for group in groups[1:]:
                term = term * product(group, absolute)
            value = value + (1 if absolute else sign) * term
        return value

    return total(False), total(True)


def expected_values(problem: symbp.Problem) -> dict[str, np.ndarray]:
    """What each printed result must be, from the scalar derivation (and sympy for the
    Jacobian), keyed by the LaTeX of the result's left side."""
    network, evaluation = problem.network, problem.evaluation
    samples = evaluation.samples or (evaluation,)
    sweep = problem.sweep
    batch = len(samples) > 1
    count = len(network.layers) - 1
    expected: dict[str, np.ndarray] = {}

    def stack(values: Callable[[symbp.core.numeric.Evaluation], list[float]]) -> np.ndarray:
        columns = [values(s) for s in samples]
        return np.array(columns).T if batch else np.array(columns[0])[:, None]

    function = {
        "sigmoid": r"\sigma'",
        "tanh": r"\tanh'",
        "relu": r"\operatorname{relu}'",
        "leaky_relu": r"\operatorname{leaky\_relu}'",
        "identity": r"\operatorname{identity}'",
    }
    for layer in range(1, count + 1):
        units = network.layers[layer]
        z, a, d = ("Z", "A", r"\Delta") if batch else ("z", "a", r"\delta")
        expected[f"{z}^{{({layer})}}"] = stack(lambda s, u=units: [s.values[x.z] for x in u])
        expected[f"{a}^{{({layer})}}"] = stack(lambda s, u=units: [s.values[x.a] for x in u])
        expected[f"{d}^{{({layer})}}"] = stack(lambda s, u=units: [s.values[x.delta] for x in u])
        deltas = [sweep.deltas[u.delta] for u in units]
        name = network.spec.activations[layer - 1]
        if name != "softmax":
            expected[rf"{function[name]}\left({z}^{{({layer})}}\right)"] = stack(
                lambda s, ds=deltas: [s.value(d.activation_derivative.formula) for d in ds]
            )
        gradient = np.array(
            [[evaluation.gradient(w.name) for w in network.weights if w.target is u] for u in units]
        )
        order = [[w.source.index for w in network.weights if w.target is u] for u in units]
        gradient = np.array([row[np.argsort(o)] for row, o in zip(gradient, order, strict=True)])
        expected[rf"\frac{{\partial L}}{{\partial W^{{({layer})}}}}"] = gradient
        if network.spec.bias == "per-unit" and network.spec.bias_trainable:
            expected[rf"\frac{{\partial L}}{{\partial b^{{({layer})}}}}"] = np.array(
                [[evaluation.gradient(f"b_{u.name}")] for u in units]
            )
        if network.spec.bias == "per-layer" and network.spec.bias_trainable:
            expected[rf"\frac{{\partial L}}{{\partial b_{{{layer}}}}}"] = np.array(
                [[evaluation.gradient(f"b{layer}")]]
            )
    outputs = network.layers[-1]
    upstream = stack(lambda s: [s.value(sweep.deltas[u.delta].upstream_formula) for u in outputs])
    if batch:
        expected[f"G^{{({count})}}"] = upstream
    else:
        expected[rf"\nabla_{{a^{{({count})}}}} L"] = upstream
        if network.spec.activations[-1] == "softmax":
            first = samples[0]
            jacobian = [
                [
                    float(
                        sp.diff(network.definitions[i.a], j.z)
                        .xreplace({s: sp.Float(v, 30) for s, v in first.values.items()})
                        .rewrite(sp.exp)
                        .evalf(20)
                    )
                    for j in outputs
                ]
                for i in outputs
            ]
            expected[f"J^{{({count})}}"] = np.array(jacobian)
    return expected


def expected_updates(problem: symbp.Problem) -> dict[str, np.ndarray]:
    """What each gradient-descent step must give, W⁽ˡ⁾ − η∂L/∂W⁽ˡ⁾ (and b⁽ˡ⁾ for per-unit
    biases), from the spec's values and the scalar derivation's gradients, keyed by the LaTeX
    of the parameter's name."""
    network, evaluation = problem.network, problem.evaluation
    rate = network.spec.learning_rate
    updated: dict[str, np.ndarray] = {}
    for layer in range(1, len(network.layers)):
        units = network.layers[layer]
        rows = []
        for unit in units:
            into = sorted(
                (w for w in network.weights if w.target is unit), key=lambda w: w.source.index
            )
            rows.append([w.value - rate * evaluation.gradient(w.name) for w in into])
        updated[f"W^{{({layer})}}"] = np.array(rows)
        if network.spec.bias == "per-unit" and network.spec.bias_trainable:
            biases = {b.targets[0]: b for b in network.biases}
            updated[f"b^{{({layer})}}"] = np.array(
                [[biases[u].value - rate * evaluation.gradient(biases[u].name)] for u in units]
            )
    return updated


def check_latex(problem: symbp.Problem, latex: str) -> tuple[int, int]:
    """Every printed result (and new parameter matrix) equals the scalar value at its printed
    precision, and every member of printed matrix arithmetic gives the printed result; returns
    how many of each."""
    expected = expected_values(problem)
    updates = expected_updates(problem) if problem.network.spec.optimizer.is_plain_sgd else {}
    results = arithmetic = 0
    for lhs, steps in chains(latex):
        final = steps[-1][1]
        whole = BMATRIX.fullmatch(final)
        parsed = parse_printed(whole) if whole else parse_matrix(final)  # a number is 1×1
        wanted = {"=": expected, "\\leftarrow": updates}.get(steps[0][0], {})
        if lhs in wanted and parsed is not None:
            printed, half_unit = parsed
            assert printed.shape == wanted[lhs].shape, lhs
            assert np.all(np.abs(printed - wanted[lhs]) <= half_unit * (1 + 1e-9) + 1e-15), lhs
            results += 1
        if parsed is None:
            continue
        for _, member in steps[1:-1]:
            computed = evaluate(member)
            if computed is None:
                continue
            value, scale = computed
            # rounding of 4-digit operands: a few units of 1e-4 relative to the terms' sizes
            tolerance = 3e-3 * scale + parsed[1] * 1.0001
            assert value.shape == parsed[0].shape, (lhs, member)
            assert np.all(np.abs(value - parsed[0]) <= tolerance), (lhs, member, value, parsed[0])
            arithmetic += 1
    return results, arithmetic


@pytest.mark.parametrize("name", list(NETWORKS))
def test_printed_matrix_equations_read_back(name: str) -> None:
    problem = NETWORKS[name]()
    latex = problem.derivations(form="matrix").render("latex")
    results, arithmetic = check_latex(problem, latex)
    layers = len(problem.network.layers) - 1
    # z, a, δ and ∂L/∂W per layer at least, and the arithmetic of most of them
    assert results >= 4 * layers
    assert arithmetic >= 3 * layers


@pytest.mark.parametrize("name", ["default", "two_hidden_layers", "softmax"])
def test_handout_matrix_equations_read_back(name: str) -> None:
    problem = NETWORKS[name]()
    latex = problem.handout(form="matrix", check=False, lang="zh").render("latex")
    results, arithmetic = check_latex(problem, latex)
    assert results >= 4 * (len(problem.network.layers) - 1) and arithmetic > 0


def test_read_back_catches_a_wrong_entry() -> None:
    # the check above can fail: one printed entry of ∂L/∂W⁽¹⁾ off by a digit is caught
    problem = symbp.problem()
    latex = problem.derivations(form="matrix").render("latex")
    wrong = latex.replace("-0.008421 & -0.005053", "-0.008431 & -0.005053")
    assert wrong != latex
    with pytest.raises(AssertionError):
        check_latex(problem, wrong)
    transposed = latex.replace(
        r"\begin{bmatrix} 0.1 & -0.5 \\ -0.3 & 0.8 \end{bmatrix}",
        r"\begin{bmatrix} 0.1 & -0.3 \\ -0.5 & 0.8 \end{bmatrix}",
    )
    assert transposed != latex
    with pytest.raises(AssertionError):
        check_latex(problem, transposed)
    # the new W⁽¹⁾ after the step, held to W − η∂L/∂W of the scalar derivation
    stepped = latex.replace("0.2084 & 0.5051", "0.2084 & 0.5061")
    assert stepped != latex
    with pytest.raises(AssertionError):
        check_latex(problem, stepped)
    # a column written as a row, [⋯]ᵀ, is read as the column it is: δ⁽²⁾'s entries swapped
    swapped = latex.replace("0.06161 & 0.1492", "0.1492 & 0.06161")
    assert swapped != latex
    with pytest.raises(AssertionError):
        check_latex(problem, swapped)


# -- formats ------------------------------------------------------------------------------------


def test_text_lays_matrices_out_in_rows_and_columns() -> None:
    n = lambda value: E.Num(float(value), value)  # noqa: E731
    weights = E.Matrix(((n("0.2"), n("0.5")), (E.Neg(n("0.4")), n("0.6"))))
    inputs = E.Matrix(((n("0.5"),), (n("0.3"),)))
    result = E.Matrix(((n("0.25"),), (n("-0.02"),)))
    z = E.Sym(E.Name("z", sup="(1)"))
    row = Row(E.equals(z, E.Mul((weights, inputs)), result))
    assert text.render_blocks([Equations((row,))]).splitlines() == [
        "  z⁽¹⁾ = ⎡  0.2  0.5 ⎤ ⎡ 0.5 ⎤",
        "         ⎣ -0.4  0.6 ⎦ ⎣ 0.3 ⎦",
        "       = ⎡  0.25 ⎤",
        "         ⎣ -0.02 ⎦",
    ]


def test_derive_text_shows_the_default_network_by_hand() -> None:
    out = symbp.problem().derivations(form="matrix").render("text")
    # z⁽¹⁾ = W⁽¹⁾a⁽⁰⁾ = [0.2·0.5 + 0.5·0.3; −0.4·0.5 + 0.6·0.3] = [0.25; −0.02]
    assert "= W⁽¹⁾·a⁽⁰⁾" in out
    assert "⎡   0.2500 ⎤\n         ⎣ -0.02000 ⎦" in out
    assert "δ⁽¹⁾ = [ δ_h1  δ_h2 ]ᵀ" in out  # names take part in no arithmetic: a row
    assert "(W⁽²⁾)ᵀ·δ⁽²⁾ ⊙ σ′(z⁽¹⁾)" in out


@pytest.mark.parametrize("fmt", ["mathml", "html", "markdown", "latex", "text"])
def test_every_format_renders_and_mathml_is_well_formed(fmt: str) -> None:
    problem = NETWORKS["softmax_batch"]()
    out = problem.derivations(form="matrix").render(fmt)
    assert "bmatrix" in out or "mtable" in out or "⎡" in out
    for fragment in re.findall(r"<math\b.*?</math>", out, re.DOTALL):
        ET.fromstring(fragment)


def test_json_holds_every_layer_and_equation() -> None:
    require_module("torch")
    problem = NETWORKS["two_hidden_layers"]()
    document = json.loads(problem.derivations(form="matrix", check=True).render("json"))
    assert document["form"] == "matrix" and document["samples"] == 2
    assert [layer["units"] for layer in document["layers"]][0] == ["h1_1", "h1_2", "h1_3"]
    for name, value in document["gradients"].items():
        assert value == pytest.approx(document["check"]["torch"][name], abs=1e-12)
    assert document["check"]["passed"] is True
    for equation in document["equations"]:
        assert equation["latex"] and equation["text"]
        ET.fromstring(equation["mathml"])


SPEC_ARGUMENTS = {
    "default": [],
    "two_hidden_layers": ["--spec", str(ROOT / "examples" / "two_hidden_layers.toml")],
    "softmax": ["--spec", str(ROOT / "examples" / "cross_entropy.toml")],
}


@pytest.mark.parametrize("name", list(SPEC_ARGUMENTS))
def test_cli_derive_and_handout_agree_with_torch(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_module("torch")
    from symbp.torchcheck.model import torch_loss_and_gradients

    spec = SPEC_ARGUMENTS[name]
    assert main(["derive", "--form", "matrix", "--format", "json", *spec]) == 0
    document = json.loads(capsys.readouterr().out)
    network = NETWORKS[name]().network
    _, reference, _ = torch_loss_and_gradients(network.spec)
    for parameter, torch_value in zip(network.parameters, reference, strict=True):
        assert document["gradients"][parameter.name] == pytest.approx(torch_value, abs=1e-12)
    page = tmp_path / "matrix.html"
    assert main(["handout", "--form", "matrix", "-o", str(page), *spec]) == 0  # 1 on mismatch
    assert "against the scalar derivation (the next section): agrees." in page.read_text("utf-8")


def test_saturated_softmax_stays_finite_as_torch() -> None:
    # o rounds to exactly 0 or 1: ∂L/∂o = −y/o is 0/0, the simplified δ = o − y is not
    require_module("torch")
    from symbp.torchcheck.model import torch_loss_and_gradients

    data = dict(DEFAULT_SPEC_DATA, activation=["sigmoid", "softmax"], loss="cross_entropy")
    data.update(targets=1, weights=[1000.0, -1000.0, 1000.0, 1000.0, 1000.0, -1000.0, -1.0, 1.0])
    spec = spec_from_mapping(data)
    form = symbp.problem(spec).matrices
    loss, reference, _ = torch_loss_and_gradients(spec)
    assert form.loss == pytest.approx(loss, rel=1e-12)
    for parameter, torch_value in zip(form.network.parameters, reference, strict=True):
        assert form.gradients[parameter.name] == pytest.approx(torch_value, abs=1e-9)


def test_same_input_same_bytes() -> None:
    first = symbp.problem().handout(form="matrix", check=False).render("html")
    assert first == symbp.problem().handout(form="matrix", check=False).render("html")


def test_large_matrices_are_left_out_and_said_so() -> None:
    data = dict(DEFAULT_SPEC_DATA, layers=[2, 10, 2], weights={"random": "uniform", "seed": 1})
    out = symbp.problem(spec_from_mapping(data)).derivations(form="matrix").render("text")
    assert "not written out" in " ".join(out.split())
    assert "W⁽¹⁾" in out  # the rule is still given


# -- the command line and the API ------------------------------------------------------------------


def test_cli_derive_form_matrix_needs_no_weight(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--form", "matrix", "--no-check"]) == 0
    assert "backpropagation in matrix form" in capsys.readouterr().out
    assert main(["derive", "--form", "matrix", "--all", "--no-check"]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["derive", "--form", "matrix", "--weight", "w1", "--no-check"],
        ["handout", "--form", "matrix", "--focus", "w1", "-o", "x.html"],
    ],
)
def test_cli_refuses_what_the_matrix_form_cannot_do(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [a if a != "x.html" else str(tmp_path / a) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("symbp: error: ") and err.count("\n") == 1
    assert not (tmp_path / "x.html").exists()


def test_api_form_is_validated() -> None:
    with pytest.raises(SymbpError):
        symbp.problem().derivations(["w1"], form="matrix")
    with pytest.raises(SymbpError):
        symbp.problem().derivations(form="vector")
    with pytest.raises(SymbpError):
        symbp.problem().handout(form="vector", check=False)


# -- the real tools ----------------------------------------------------------------------------


def _compile(engine: str, tex: Path) -> str:
    result = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=tex.parent,
        capture_output=True,
        text=True,
        timeout=240,
    )
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log[-3000:]
    assert not re.search(r"^! ", log, re.MULTILINE)
    return log


@pytest.mark.parametrize("name", ["default", "two_hidden_layers", "softmax", "softmax_batch"])
def test_derive_latex_compiles_without_overfull_boxes(tmp_path: Path, name: str) -> None:
    pdflatex = require_tool("pdflatex")
    tex = tmp_path / f"{name}.tex"
    tex.write_text(NETWORKS[name]().derivations(form="matrix").render("latex"), encoding="utf-8")
    log = _compile(pdflatex, tex)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    assert max(widths, default=0.0) <= 1.0


@pytest.mark.parametrize(("lang", "engine"), [("en", "pdflatex"), ("zh", "xelatex")])
def test_handout_latex_compiles(tmp_path: Path, lang: str, engine: str) -> None:
    require_module("torch")
    binary = require_tool(engine)
    tex = tmp_path / f"matrix-{lang}.tex"
    spec = ROOT / "examples" / "two_hidden_layers.toml"
    argv = ["handout", "--form", "matrix", "--spec", str(spec), "--lang", lang, "-o", str(tex)]
    assert main(argv) == 0
    _compile(binary, tex)
    assert tex.with_suffix(".pdf").stat().st_size > 10_000


@pytest.mark.slow
def test_handout_html_lays_out_in_chromium(tmp_path: Path) -> None:
    require_module("torch")
    from .test_handout import chromium

    require_tool("chromium")
    page = tmp_path / "matrix.html"
    assert main(["handout", "--form", "matrix", "-o", str(page)]) == 0
    source = page.read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    measure = """<script>
const boxes = [...document.querySelectorAll('math[display="block"] mtable mtable')]
  .map(t => t.getBoundingClientRect());
const page = document.body.getBoundingClientRect();
const out = document.createElement("pre"); out.id = "m";
out.textContent = JSON.stringify({count: boxes.length,
  outside: boxes.filter(b => b.right > page.right + 1 || b.width <= 0).length});
document.body.appendChild(out);
</script>"""
    probe.write_text(source.replace("</body>", measure + "</body>"), encoding="utf-8")
    result = chromium(tmp_path, "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="m">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, result.stderr[-2000:]
    report = json.loads(found.group(1))
    assert report["count"] >= 20  # the matrices, each an mtable inside an equation's
    assert report["outside"] == 0
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "handout-matrix-en.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,2400", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_output_layer_is_named_by_its_number_never_by_the_loss_s_letter(lang: str) -> None:
    # issue 26 item 5: L is the loss (∂L/∂W⁽ˡ⁾); the rules name the output layer by its number
    problem = symbp.problem()  # one sample: the rules' δ, not the batch's G
    latex = problem.handout(form="matrix", check=False, lang=lang).render("latex")
    assert "^{(L)}" not in latex
    layers = len(problem.network.layers) - 1  # the output layer's number
    assert rf"\delta^{{({layers})}} = \nabla_{{a^{{({layers})}}}} L" in latex
