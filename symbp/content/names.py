"""One naming of every quantity, shared by formulas, diagrams and tables in every format.

A weight is w₁ (w1) in the MOOC's and by-target numbering, w⁽¹⁾₂₁ (w1_2_1) when layered, its own
word when explicit; a unit's pre-activation is z with the unit's name as subscript, its δ the
same with δ. The `plain` spelling is what a person types on the command line or in a hand
calculation; LaTeX, MathML and SVG print the structured form.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from symbp.content.expr import Converter, Name, Num, Partial, Rank, Sym
from symbp.core.graph import Bias, Network, Unit, Weight

#: how a product orders its factors: numbers, δ, weights and biases, then units' values
KIND_DELTA, KIND_PARAMETER, KIND_VALUE = 1, 2, 3

_PER_LAYER_BIAS = re.compile(r"b(\d+)")
#: a source's own label: letters, then an index (w0, b1, theta4)
_INDEXED = re.compile(r"([A-Za-z]+)(\d+)")
#: Greek letters a source's labels spell out (theta4 is θ₄)
_GREEK_WORDS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "tau": "τ",
    "phi": "φ",
    "omega": "ω",
}


def source_name(name: str) -> Name:
    """A name the spec gives (weight_names, bias_names), written as its source writes it: a
    letter or spelled-out Greek letter and an index is subscripted (w0 is w₀, theta4 is θ₄);
    any other word stays as it is. It is typed (and printed in text) as given."""
    indexed = _INDEXED.fullmatch(name)
    if indexed:
        letters, index = indexed.groups()
        base = _GREEK_WORDS.get(letters, letters)
        if len(base) == 1:
            return Name(base, index, plain=name)
    return Name(name, plain=name)


def unit_name(unit: Unit, n_layers: int) -> Name:
    number = str(unit.index + 1)
    if unit.layer == 0:
        return Name("x", number, plain=unit.name)
    if unit.layer == n_layers - 1:
        return Name("o", number, plain=unit.name)
    if n_layers == 3:
        return Name("h", number, plain=unit.name)
    return Name("h", number, f"({unit.layer})", plain=unit.name)


def weight_name(weight: Weight, numbering: str) -> Name:
    if numbering == "layered":
        return Name(
            "w",
            f"{weight.target.index + 1}{weight.source.index + 1}",
            f"({weight.target.layer})",
            plain=weight.name,
        )
    if numbering == "explicit":
        return source_name(weight.name)
    return Name("w", str(weight.position + 1), plain=weight.name)


@dataclass(frozen=True)
class Names:
    """Every symbol's written name and its place in the network's order, for one network."""

    network: Network
    #: the loss as written: L, or L⁽¹⁾ while a derivation works one sample of several; under
    #: the objective "output" with one sample, the output itself (∂o1/∂w, as CS231n writes it)
    loss: Name = Name("L", plain="L")

    def __post_init__(self) -> None:
        objective = self.network.objective
        if (
            objective is not None
            and len(self.network.spec.samples) == 1
            and self.loss == Name("L", plain="L")
        ):
            object.__setattr__(self, "loss", unit_name(objective, len(self.network.layers)))

    @cached_property
    def of(self) -> dict[sp.Symbol, Name]:
        network = self.network
        n_layers = len(network.layers)
        names: dict[sp.Symbol, Name] = {network.loss: self.loss}
        for unit in network.units.values():
            name = unit_name(unit, n_layers)
            names[unit.a] = name
            if unit.z is not None and unit.delta is not None:
                names[unit.z] = Name("z", name, plain=unit.z.name)
                names[unit.delta] = Name("δ", name, plain=f"δ_{unit.name}")
        for weight in network.weights:
            names[weight.symbol] = weight_name(weight, network.spec.numbering)
        for bias in network.biases:
            names[bias.symbol] = self._bias(bias, n_layers)
        for k, y in enumerate(network.targets):
            names[y] = Name("y", str(k + 1), plain=y.name)
        if network.penalty is not None:  # regularization: L = … + R
            names[network.penalty] = Name("R", plain="R")
        for unit_of_mask, mask in network.masks.items():  # dropout: a = m·f(z)/p
            names[mask] = Name("m", names[network.units[unit_of_mask].a], plain=mask.name)
        for layer, keep in network.keep_symbols.items():
            uniform = len(network.keep_symbols) == 1 or keep.name == "p"
            names[keep] = Name("p", None if uniform else str(layer), plain=keep.name)
        return names

    def _bias(self, bias: Bias, n_layers: int) -> Name:
        layer = _PER_LAYER_BIAS.fullmatch(bias.name)
        if layer:
            return Name("b", layer.group(1), plain=bias.name)
        if len(bias.targets) == 1 and bias.name == f"b_{bias.targets[0].name}":
            return Name("b", unit_name(bias.targets[0], n_layers), plain=bias.name)
        return source_name(bias.name)

    @cached_property
    def rank(self) -> dict[sp.Symbol, Rank]:
        network = self.network
        ranks: dict[sp.Symbol, Rank] = {network.loss: (math.inf,)}
        if network.penalty is not None:  # the penalty after the outputs' terms: L = … + R
            ranks[network.penalty] = (float(len(network.layers)), 9.0, 0.0)
        for unit in network.units.values():
            place = (float(unit.layer), 2.0, float(unit.index))
            for symbol in (unit.a, unit.z, unit.delta):
                if symbol is not None:
                    ranks[symbol] = place
        for weight in network.weights:
            ranks[weight.symbol] = (
                float(weight.target.layer),
                1.0,
                float(weight.source.index),
                float(weight.target.index),
            )
        for index, bias in enumerate(network.biases):
            ranks[bias.symbol] = (float(bias.layer), 3.0, float(index))
        after = float(len(network.layers))
        for k, y in enumerate(network.targets):
            ranks[y] = (after, 4.0, float(k))
        for unit_of_mask, mask in network.masks.items():  # a mask before its unit's z
            unit = network.units[unit_of_mask]
            ranks[mask] = (float(unit.layer), 1.5, float(unit.index))
        for layer, keep in network.keep_symbols.items():
            ranks[keep] = (float(layer), 1.6, 0.0)
        return ranks

    @cached_property
    def kind(self) -> dict[sp.Symbol, int]:
        network = self.network
        kinds: dict[sp.Symbol, int] = {}
        for unit in network.units.values():
            if unit.delta is not None:
                kinds[unit.delta] = KIND_DELTA
        for weight in network.weights:
            kinds[weight.symbol] = KIND_PARAMETER
        for bias in network.biases:
            kinds[bias.symbol] = KIND_PARAMETER
        return kinds

    def converter(self, number: Callable[[float], Num]) -> Converter:
        """A sympy-to-display converter with these names; `number` shows a constant."""
        return Converter(self.of, self.rank, self.kind, number)

    def sym(self, symbol: sp.Symbol) -> Sym:
        return Sym(self.of[symbol], symbol)

    def partial(self, of: sp.Symbol, wrt: sp.Symbol) -> Partial:
        """∂of/∂wrt as a Leibniz symbol, keyed by the pair."""
        return Partial(self.of[of], self.of[wrt], (of, wrt))


def constant(value: float) -> Num:
    """A constant of a formula (½ aside, which is a fraction): 0.01, 2."""
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return Num(float(value), text)
