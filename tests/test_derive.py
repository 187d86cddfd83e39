"""The derivation is proved symbolically equal to sympy.diff of the loss, for every weight."""

from __future__ import annotations

import pytest
import sympy as sp

from symbp.derive import backward_sweep, closed_form_of, derive, derive_all
from symbp.functions import ACTIVATIONS, sigmoid
from symbp.graph import Network
from symbp.spec import spec_from_mapping


def network_of(layers: list[int]) -> Network:
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    return Network(
        spec_from_mapping(
            {
                "layers": layers,
                "inputs": [0.1 * (i + 1) for i in range(layers[0])],
                "targets": [0.2] * layers[-1],
                "weights": [0.3] * n_weights,
            }
        )
    )


def exp_atoms_to_symbols(expr: sp.Expr) -> sp.Expr:
    """Replace every exp(...) by a fresh symbol, outermost first.

    If two expressions agree as rational functions of these independent symbols, they agree
    for every value of the exponentials too: a proof, not a sample.
    """
    mapping: dict[sp.Expr, sp.Symbol] = {}
    while atoms := sorted(expr.atoms(sp.exp), key=sp.default_sort_key):
        outermost = [a for a in atoms if not any(a != b and b.has(a) for b in atoms)]
        for atom in outermost:
            mapping[atom] = sp.Symbol(f"E{len(mapping)}", positive=True)
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
