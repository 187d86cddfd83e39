"""The derivation is proved symbolically equal to sympy.diff of the loss, for every weight."""

from __future__ import annotations

import pytest
import sympy as sp

from symbp.core.derive import backward_sweep, closed_form_of, derive, derive_all
from symbp.core.functions import ACTIVATIONS, sigmoid
from symbp.core.graph import Network
from symbp.core.spec import spec_from_mapping


def network_of(layers: list[int], **fields: object) -> Network:
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    data = {
        "layers": layers,
        "inputs": [0.1 * (i + 1) for i in range(layers[0])],
        "targets": [0.2] * layers[-1],
        "weights": [0.3] * n_weights,
    }
    data.update(fields)
    return Network(spec_from_mapping(data))


#: networks beyond the default whose derivations are proved too (cheap: 2-2-2)
PROVED_VARIANTS: list[dict[str, object]] = [
    {"activation": ["tanh", "identity"], "loss": "sse", "bias": "per-unit",
     "bias_values": [0.1, 0.2, 0.3, 0.4]},
    {"activation": ["identity", "sigmoid"], "loss": "mse_mean", "bias": "per-layer",
     "bias_values": [0.35, 0.6], "numbering": "by-target"},
    {"activation": ["identity", "softmax"], "loss": "cross_entropy", "targets": [0.25, 0.75],
     "bias": "per-layer", "bias_values": [0.1, -0.2], "bias_trainable": False},
]  # fmt: skip


@pytest.mark.parametrize("fields", PROVED_VARIANTS)
def test_variant_derivations_equal_sympy_diff(fields: dict[str, object]) -> None:
    network = network_of([2, 2, 2], **fields)
    truth_loss = loss_written_with_exp(network)
    sweep = backward_sweep(network)
    for parameter in network.parameters:
        truth = sp.diff(truth_loss, parameter.symbol)
        delta_form = closed_form_of(network, sweep, sweep.gradients[parameter.name])
        assert proved_equal(delta_form.rewrite(sp.exp), truth), parameter.name
        if parameter in network.weights:
            derivation = derive(network, parameter.name, sweep=sweep, closed_form=False)
            paths = network.closed_form(derivation.chain_rule).rewrite(sp.exp)
            assert proved_equal(paths, truth), parameter.name


@pytest.mark.parametrize("name", ["tanh", "identity", "relu", "leaky_relu"])
def test_activation_local_derivatives_are_derivatives_of_their_definitions(name: str) -> None:
    from symbp.core.functions import activation

    z = sp.Symbol("z", real=True)
    act = activation(name, 0.2)
    claimed = act.derivative(z, act.apply(z)).rewrite(sp.exp)
    for value in (-1.5, -0.25, 0.5, 2.0):  # away from relu's kink, where sympy has no derivative
        written = act.apply(z)
        truth = sp.diff(written.rewrite(sp.exp), z) if name != "relu" else sp.Heaviside(z, 0)
        if name == "leaky_relu":
            truth = sp.Piecewise((1, z > 0), (sp.Float(0.2), True))
        assert float(claimed.subs(z, value)) == pytest.approx(float(truth.subs(z, value)))


def exp_atoms_to_symbols(expr: sp.Expr) -> sp.Expr:
    """Replace every exp(u) by a fresh symbol E, and exp(−u) by 1/E, outermost first.

    If two expressions agree as rational functions of these independent symbols, they agree
    for every value of the exponentials too: a proof, not a sample.
    """
    symbols: dict[sp.Expr, sp.Symbol] = {}
    while atoms := sorted(expr.atoms(sp.exp), key=sp.default_sort_key):
        outermost = [a for a in atoms if not any(a != b and b.has(a) for b in atoms)]
        mapping: dict[sp.Expr, sp.Expr] = {}
        for atom in outermost:
            exponent = atom.args[0]
            # sympy merges e^a·e^b into e^(a+b): a polynomial exponent is split back into
            # e^(monomial) factors, so that merged and unmerged products meet
            terms = (
                sp.Add.make_args(sp.expand(exponent)) if exponent.is_polynomial() else [exponent]
            )
            factors = []
            for term in terms:
                coefficient, monomial = term.as_coeff_Mul()
                if not coefficient.is_Integer:
                    coefficient, monomial = sp.S.One, term
                negative = monomial.could_extract_minus_sign()
                key = -monomial if negative else monomial
                if key not in symbols:
                    symbols[key] = sp.Symbol(f"E{len(symbols)}", positive=True)
                factors.append(symbols[key] ** (-coefficient if negative else coefficient))
            mapping[atom] = sp.Mul(*factors)
        expr = expr.xreplace(mapping)
    return expr


def proved_equal(left: sp.Expr, right: sp.Expr) -> bool:
    return sp.cancel(exp_atoms_to_symbols(left - right)) == 0


def loss_written_with_exp(network: Network) -> sp.Expr:
    # σ written out as 1/(1 + e^(−z)), so that sympy.diff knows nothing of symbp's σ′ = a(1−a)
    return network.closed_form(network.loss).rewrite(sp.exp)


@pytest.mark.parametrize("layers", [[2, 2, 2], [3, 4, 2]])
def test_chain_rule_paths_equal_sympy_diff(layers: list[int]) -> None:
    network = network_of(layers)
    truth_loss = loss_written_with_exp(network)
    sweep = backward_sweep(network)
    for weight in network.weights:
        derivation = derive(network, weight.name, sweep=sweep, closed_form=False)
        truth = sp.diff(truth_loss, weight.symbol)
        paths = network.closed_form(derivation.chain_rule).rewrite(sp.exp)
        assert proved_equal(paths, truth), weight.name


@pytest.mark.parametrize("layers", [[2, 2, 2], [3, 4, 2]])
def test_delta_form_and_closed_form_equal_sympy_diff(layers: list[int]) -> None:
    network = network_of(layers)
    truth_loss = loss_written_with_exp(network)
    sweep = backward_sweep(network)
    for weight in network.weights:
        derivation = derive(network, weight.name, sweep=sweep, closed_form=True)
        truth = sp.diff(truth_loss, weight.symbol)
        delta_form = closed_form_of(network, sweep, derivation.delta_form).rewrite(sp.exp)
        assert proved_equal(delta_form, truth), weight.name
        assert derivation.closed_form is not None
        assert proved_equal(derivation.closed_form.rewrite(sp.exp), truth), weight.name
        assert derivation.closed_form.free_symbols <= (
            {u.a for u in network.inputs}
            | set(network.targets)
            | {w.symbol for w in network.weights}
        )


def test_the_proof_rejects_a_wrong_derivative(mooc: Network) -> None:
    # the classic "missing σ′" mistake must not pass the same proof
    truth = sp.diff(loss_written_with_exp(mooc), mooc.weight("w5").symbol)
    o1, h1, y1 = sp.symbols("o1 h1 y1", real=True)
    wrong = mooc.closed_form((o1 - y1) * h1).rewrite(sp.exp)
    assert not proved_equal(wrong, truth)


def test_sigmoid_local_derivative_is_the_derivative_of_its_definition() -> None:
    z = sp.Symbol("z", real=True)
    a = sp.Symbol("a", real=True)
    written_out = 1 / (1 + sp.exp(-z))
    claimed = ACTIVATIONS["sigmoid"].derivative(z, a).subs(a, written_out)
    assert sp.simplify(sp.diff(written_out, z) - claimed) == 0
    assert sp.simplify(sigmoid(z).rewrite(sp.exp) - written_out) == 0


def test_w1_structure_matches_the_textbook(mooc: Network) -> None:
    derivation = derive(mooc, "w1")
    # two routes: through o1 and through o2
    assert derivation.path_count == 2
    names = [[(f.of.name, f.wrt.name) for f in p.factors] for p in derivation.paths]
    assert names[0] == [("L", "o1"), ("o1", "z_o1"), ("z_o1", "h1"), ("h1", "z_h1"), ("z_h1", "w1")]
    assert names[1][0] == ("L", "o2")
    h1, x1 = sp.symbols("h1 x1", real=True)
    d_o1, d_o2, d_h1 = sp.symbols("delta_o1 delta_o2 delta_h1", real=True)
    w5, w6 = sp.symbols("w5 w6", real=True)
    assert sp.expand(derivation.delta_form - d_h1 * x1) == 0
    delta_h1 = next(d for d in derivation.deltas if d.unit.name == "h1")
    assert sp.expand(delta_h1.formula - (d_o1 * w5 + d_o2 * w6) * h1 * (1 - h1)) == 0
    # δs run output layer first
    assert [d.unit.name for d in derivation.deltas] == ["o1", "o2", "h1"]


def test_path_count_is_the_product_of_widths_in_between() -> None:
    network = network_of([2, 3, 4, 2])
    derivation = derive(network, "w1", closed_form=False)
    assert derivation.path_count == 4 * 2
    assert len(derivation.paths) == derivation.path_count


def test_derive_all_in_numbering_order(mooc: Network) -> None:
    assert [d.weight.name for d in derive_all(mooc)] == [f"w{i}" for i in range(1, 9)]


@pytest.mark.parametrize("name", ["half_sse", "sse", "mse_mean", "bce", "cross_entropy"])
def test_loss_local_derivatives_are_derivatives_of_the_loss(name: str) -> None:
    from symbp.core.functions import LOSSES

    loss = LOSSES[name]
    outputs = sp.symbols("o1:4", positive=True)
    targets = sp.symbols("y1:4", positive=True)
    assert loss.derivative is not None
    written = loss.apply(outputs, targets)
    for k in range(3):
        claimed = loss.derivative(k, outputs, targets)
        assert sp.simplify(sp.diff(written, outputs[k]) - claimed) == 0, k


@pytest.mark.parametrize("name", ["bce", "cross_entropy"])
def test_logit_forms_equal_the_loss_of_the_activations(name: str) -> None:
    from symbp.core.functions import LOSSES, softmax

    loss = LOSSES[name]
    pre = sp.symbols("z1:3", real=True)
    targets = (sp.Rational(1, 4), sp.Rational(3, 4))
    if name == "bce":
        outputs = [sigmoid(z) for z in pre]
    else:
        outputs = [softmax(sp.Integer(k), *pre) for k in range(2)]
    assert loss.logit_form is not None
    difference = (loss.apply(outputs, targets) - loss.logit_form(pre, targets)).rewrite(sp.exp)
    for point in [(0.3, -1.2), (2.0, 0.5), (-3.0, -0.1)]:
        value = difference.subs(dict(zip(pre, point, strict=True)))
        assert abs(float(value)) < 1e-14
