"""The quantities of a hand calculation: each number a student may write, its names, its inputs.

A hand calculation of a network is a list of named numbers: the forward pass (z_h1, h1, ... o2,
L), the backward pass (δ_o1, ... δ_h2), the gradients (∂L/∂w1 ...) and the updated weights
(w1_new ...). Each quantity has one canonical key, the aliases students use, the quantities it
is computed from (its parents) and its formula in their symbols, in dependency order.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import sympy as sp

from symbp.core.derive import Backprop
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork, Evaluation
from symbp.errors import HandInputError

from .floats import float_value
from .hand_input import LEARNING_RATE_NAMES, normalise_text


@dataclass(frozen=True)
class Quantity:
    """One number of a hand calculation and how it is computed from the ones before it."""

    key: str  # canonical: z_h1, h1, L, delta_o1, dL/dw1, w1_new; x1, y1, w1 are given
    display: str  # how reports show it: δ_o1, ∂L/∂w1
    symbol: sp.Symbol
    formula: sp.Expr  # in the parents' symbols; a given quantity's formula is its symbol
    parents: tuple[sp.Symbol, ...]
    #: "given", "forward", "loss", "upstream" (∂L/∂a), "delta", "gradient", "update" (w_new)
    #: or "change" (Δw = w_new − w); with several samples also "sample_loss" (L(n)) and
    #: "sample_gradient" (dL(n)/dw), and then "loss" and "gradient" are their mean or sum
    kind: str

    @property
    def is_given(self) -> bool:
        """Judged against its true value alone: a given number, or a sample's loss or gradient
        beyond sample 1 (whose forward pass the hand calculation does not hold)."""
        return self.kind == "given" or (not self.parents and self.formula == self.symbol)


class QuantityTable:
    """Every quantity of one network's hand calculation, in dependency order."""

    def __init__(self, network: Network, sweep: Backprop, learning_rate: float) -> None:
        self.network = network
        self.learning_rate = learning_rate
        quantities: list[Quantity] = []
        for unit in network.inputs:
            quantities.append(_given(unit.a))
        for y in network.targets:
            quantities.append(_given(y))
        # what gradient descent changes: the weights, then the trainable biases (a fixed bias
        # is no quantity: it holds its spec value)
        parameters = network.parameters
        for parameter in parameters:
            quantities.append(_given(parameter.symbol))
        #: with several samples the hand calculation works sample 1 (as the handouts do), names
        #: each sample's loss and gradients L(n), dL(n)/dw, and reduces them to L and dL/dw
        self.sample_count = len(network.spec.samples)
        several = self.sample_count > 1
        if self.sample_count > MAX_HAND_SAMPLES:
            raise HandInputError(
                f"check-hand judges hand calculations of at most {MAX_HAND_SAMPLES} samples, "
                f"not {self.sample_count}"
            )
        for symbol, definition in network.definitions.items():
            parents = network.parents[symbol]
            if symbol != network.loss:
                quantities.append(
                    Quantity(symbol.name, symbol.name, symbol, definition, parents, "forward")
                )
            elif not several:
                quantities.append(
                    Quantity(symbol.name, symbol.name, symbol, definition, parents, "loss")
                )
            else:
                # L itself is the reduction; sample 1's loss is L(1), defined as L is per sample
                losses = [_sample_symbol("L", n) for n in range(1, self.sample_count + 1)]
                display = sample_display("L", 1)
                quantities.append(
                    Quantity("L(1)", display, losses[0], definition, parents, "sample_loss")
                )
                quantities += [_sample_given(s, "L", n) for n, s in enumerate(losses[1:], 2)]
                formula = _reduced(losses, network.spec.reduction)
                quantities.append(Quantity("L", "L", symbol, formula, tuple(losses), "loss"))
        for symbol, delta in sweep.deltas.items():
            # ∂L/∂a_j, the sum δ_j multiplies by σ′: students often write it down first
            upstream = sp.Symbol(f"dL/d{delta.unit.name}", real=True)
            formula = delta.upstream_formula
            display = f"∂L/∂{delta.unit.name}"
            quantities.append(
                Quantity(
                    upstream.name,
                    sample_display(display, 1) if several else display,
                    upstream,
                    formula,
                    _symbols(formula),
                    "upstream",
                )
            )
            formula = upstream * delta.activation_derivative.formula
            quantities.append(
                Quantity(
                    symbol.name, "δ_" + delta.unit.name, symbol, formula, _symbols(formula), "delta"
                )
            )
        #: samples 2…'s own forward values and δs, h1(2), delta_o1(3): judged against their
        #: true values alone (h1(1) is h1 itself); the sample's symbol for each key
        self.sample_forward: dict[str, tuple[sp.Symbol, int]] = {}
        forward = [s for s in network.definitions if s != network.loss] + list(sweep.deltas)
        for n in range(2, self.sample_count + 1) if several else ():
            for symbol in forward:
                key = f"{symbol.name}({n})"
                self.sample_forward[key] = (symbol, n)
                own = sp.Symbol(key, real=True)
                shown = symbol.name.replace("delta_", "δ_", 1)
                display = f"{shown}⁽{str(n).translate(_SUPERSCRIPTS)}⁾"
                quantities.append(Quantity(key, display, own, own, (), "sample_forward"))
        self.gradient_symbols: dict[str, sp.Symbol] = {}
        self.update_symbols: dict[str, sp.Symbol] = {}
        for weight in parameters:
            gradient = sp.Symbol(f"dL/d{weight.name}", real=True)
            self.gradient_symbols[weight.name] = gradient
            formula = sweep.gradients[weight.name]
            if several:
                first = sp.Symbol(f"dL(1)/d{weight.name}", real=True)
                quantities.append(
                    Quantity(
                        first.name,
                        sample_display(f"∂L/∂{weight.name}", 1),
                        first,
                        formula,
                        _symbols(formula),
                        "sample_gradient",
                    )
                )
                others = [
                    _sample_symbol(f"dL/d{weight.name}", n) for n in range(2, self.sample_count + 1)
                ]
                quantities += [
                    _sample_given(s, f"∂L/∂{weight.name}", n) for n, s in enumerate(others, 2)
                ]
                formula = _reduced([first, *others], network.spec.reduction)
            quantities.append(
                Quantity(
                    gradient.name,
                    f"∂L/∂{weight.name}",
                    gradient,
                    formula,
                    _symbols(formula),
                    "gradient",
                )
            )
        step = sp.Float(-learning_rate)
        for weight in parameters:
            gradient = self.gradient_symbols[weight.name]
            updated = sp.Symbol(f"{weight.name}_new", real=True)
            self.update_symbols[weight.name] = updated
            formula = _update(weight.symbol, step, gradient)
            quantities.append(
                Quantity(
                    updated.name,
                    updated.name,
                    updated,
                    formula,
                    (weight.symbol, gradient),
                    "update",
                )
            )
        for weight in parameters:
            # Δw = w_new − w = −η·∂L/∂w, the change an update makes
            change = sp.Symbol(f"Δ{weight.name}", real=True)
            gradient = self.gradient_symbols[weight.name]
            quantities.append(
                Quantity(
                    change.name,
                    change.name,
                    change,
                    _scaled(step, gradient),
                    (gradient,),
                    "change",
                )
            )
        self.quantities: tuple[Quantity, ...] = tuple(quantities)
        self.by_key: dict[str, Quantity] = {q.key: q for q in quantities}
        self.by_symbol: dict[sp.Symbol, Quantity] = {q.symbol: q for q in quantities}
        self._folded: dict[str, list[str]] = {}
        for quantity in quantities:
            self._folded.setdefault(quantity.key.casefold(), []).append(quantity.key)
        self._weight_names = {p.name for p in parameters}

    def resolve(self, name: str) -> Quantity | None:
        """The quantity a student's name means (dL_dw1, grad_w1, δ_o1, w1', h1的梯度, ...), or None.

        Names are matched exactly first, so that weights named B and b stay apart; a name that
        matches no key exactly may match one key ignoring case (dL/dW1 is dL/dw1).
        """
        if self.sample_count > 1:
            sample = self._resolve_sample(name)
            if sample is not None:
                return sample
        compact = _compact(name)
        if compact in self.by_key:
            return self.by_key[compact]
        key = canonical_key(name)
        if key.startswith("delta_") and key[len("delta_") :] in self._weight_names:
            key = "Δ" + key[len("delta_") :]  # delta_w1, typed for Δw1
        if key in self.by_key:
            return self.by_key[key]
        folded = self._folded.get(key.casefold(), [])
        return self.by_key[folded[0]] if len(folded) == 1 else None

    def _resolve_sample(self, name: str) -> Quantity | None:
        """Sample n's own loss or gradient: L(2), L⁽²⁾, L^(2), dL(2)/dw1, ∂L⁽²⁾/∂w1."""
        text = "".join(normalise_text(name.translate(_FROM_SUPERSCRIPTS)).split())
        forward = _SAMPLE_FORWARD.match(text)
        if forward is not None and not _SAMPLE_NAME.match(text):
            own = self.resolve(forward.group("name"))
            if own is None or own.kind not in ("forward", "delta"):
                return None
            n = int(forward.group("n"))
            return own if n == 1 else self.by_key.get(f"{own.key}({n})")
        match = _SAMPLE_NAME.match(text)
        if match is None or (match.group("d") is None) != (match.group("wrt") is None):
            return None
        n = int(match.group("n"))
        if match.group("wrt") is None:
            return self.by_key.get(f"L({n})")
        gradient = self.resolve(f"dL/d{match.group('wrt')}")
        if gradient is not None and gradient.kind == "upstream" and n == 1:
            return gradient  # ∂L⁽¹⁾/∂o1: the worked sample's own, as the handouts write it
        if gradient is None or gradient.kind != "gradient":
            return None
        return self.by_key.get(sample_key(gradient.key, n))

    def suggest(self, name: str) -> str | None:
        """The known name nearest to an unknown one, if any is near."""
        key = canonical_key(name)
        keys = [q.key for q in self.quantities]
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
        if not close:
            by_fold = {k.casefold(): k for k in keys}
            close = difflib.get_close_matches(key.casefold(), list(by_fold), n=1, cutoff=0.6)
            close = [by_fold[c] for c in close]
        return close[0] if close else None

    def local_value(self, quantity: Quantity, parent_values: Mapping[sp.Symbol, float]) -> float:
        """The quantity's formula at its parents' values, in float64 (inf, nan where it is)."""
        return float_value(quantity.formula, parent_values)

    def values(
        self, evaluation: Evaluation, learning_rate: float | None = None, update_sign: float = 1.0
    ) -> dict[str, float]:
        """Every quantity's value in one evaluation (the true one, or a mistaken variant's)."""
        rate = self.learning_rate if learning_rate is None else learning_rate
        values = {s.name: v for s, v in evaluation.values.items()}
        for quantity in self.quantities:
            if quantity.kind == "upstream":
                values[quantity.key] = float_value(quantity.formula, evaluation.values)
        weights = evaluation.network.parameters  # the weights, then the trainable biases
        for weight, gradient in zip(weights, evaluation.gradients, strict=True):
            values[f"dL/d{weight.name}"] = gradient
            old = evaluation.values[weight.symbol]
            values[f"{weight.name}_new"] = old - update_sign * rate * gradient
            values[f"Δ{weight.name}"] = -update_sign * rate * gradient
        if self.sample_count > 1:
            samples = evaluation.per_sample
            if len(samples) != self.sample_count:
                raise ValueError(f"{len(samples)} samples evaluated, not {self.sample_count}")
            for key, (symbol, n) in self.sample_forward.items():
                values[key] = samples[n - 1].values[symbol]
            for n, sample in enumerate(samples, 1):
                values[f"L({n})"] = sample.loss
                for weight, gradient in zip(weights, sample.gradients, strict=False):
                    values[sample_key(f"dL/d{weight.name}", n)] = gradient
            values["L"] = evaluation.loss
        return {q.key: values[q.key] for q in self.quantities}


#: a hand calculation names each sample's loss and gradients: beyond this many samples nobody
#: works one by hand
MAX_HAND_SAMPLES = 20


def sample_key(key: str, n: int) -> str:
    """The key of sample n's own L or ∂L/∂w: L(2), dL(2)/dw1."""
    return f"L({n})" if key == "L" else f"dL({n})/d{key[len('dL/d') :]}"


def sample_display(display: str, n: int) -> str:
    """How reports show sample n's own quantity: L⁽²⁾, ∂L⁽²⁾/∂w1 (the handouts' names)."""
    sup = f"⁽{str(n).translate(_SUPERSCRIPTS)}⁾"
    return f"L{sup}" if display == "L" else f"∂L{sup}/{display[len('∂L/') :]}"


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_FROM_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾", "0123456789()")


def _sample_symbol(key: str, n: int) -> sp.Symbol:
    return sp.Symbol(sample_key(key, n), real=True)


def _sample_given(symbol: sp.Symbol, display: str, n: int) -> Quantity:
    """Sample n's own loss or gradient (n ≥ 2): judged against its true value alone."""
    kind = "sample_loss" if display == "L" else "sample_gradient"
    return Quantity(symbol.name, sample_display(display, n), symbol, symbol, (), kind)


def _reduced(symbols: list[sp.Symbol], reduction: str) -> sp.Expr:
    """The samples' mean or sum, as the spec reduces them."""
    total = sp.Add(*symbols)
    return total / len(symbols) if reduction == "mean" else total


def _scaled(factor: sp.Float, symbol: sp.Symbol) -> sp.Expr:
    """factor·symbol, as sympy's Mul builds it (number first), without its flattening: a wide
    network has 20,000 of them, and Mul and Add cost some 300 µs for each update formula."""
    if factor == 1:
        return symbol
    return sp.Mul._from_args((factor, symbol), is_commutative=True)


def _update(weight: sp.Symbol, step: sp.Float, gradient: sp.Symbol) -> sp.Expr:
    """w − η·g as sympy's Add builds it: the symbol before the product (its class order)."""
    if step == 0:
        return weight
    return sp.Add._from_args((weight, _scaled(step, gradient)), is_commutative=True)


def _given(symbol: sp.Symbol) -> Quantity:
    return Quantity(symbol.name, symbol.name, symbol, symbol, (), "given")


def _symbols(expr: sp.Expr) -> tuple[sp.Symbol, ...]:
    return tuple(sorted(expr.free_symbols, key=lambda s: s.name))


#: Chinese labels, matched on the name without spaces: w1的梯度, 梯度w1, h1的净输入, ...
_CHINESE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<x>.+?)的?(?:梯度|偏导数?|偏导)$"), "dL/d{x}"),
    (re.compile(r"^(?:梯度|偏导数?)(?P<x>.+)$"), "dL/d{x}"),
    (re.compile(r"^(?P<x>.+?)的?净输入$"), "z_{x}"),
    (re.compile(r"^净输入(?P<x>.+)$"), "z_{x}"),
    (re.compile(r"^(?P<x>.+?)的?(?:误差项|δ|delta)$"), "delta_{x}"),
    (re.compile(r"^误差项(?P<x>.+)$"), "delta_{x}"),
    (re.compile(r"^(?P<x>.+?)的?(?:输出|激活值?|输出值)$"), "{x}"),
    (re.compile(r"^输出(?P<x>.+)$"), "{x}"),
    (re.compile(r"^(?P<x>.+?)的?(?:新值|更新值)$"), "{x}_new"),
    (re.compile(r"^(?:更新后的?|新的?)(?P<x>.+)$"), "{x}_new"),
    (re.compile(r"^(?P<x>.+?)的?(?:变化量|改变量|更新量)$"), "Δ{x}"),
    (re.compile(r"^(?:总)?(?:损失|误差)(?:函数|值)?$"), "L"),
)
#: a sample's own loss or gradient, after NFKC (L⁽²⁾ is L(2)): L(2), L^(2), L^{(2)}, L_(2),
#: L[2], dL(2)/dw1, ∂L^(2)/∂w1
_SAMPLE_NAME = re.compile(
    r"^(?P<d>[d∂])?(?:L|E|loss|J)(?:\^\{|\^|_)?[(\[](?P<n>\d{1,3})[)\]]\}?(?:/[d∂](?P<wrt>.+))?$"
)
#: a forward value of sample n: h1(2), z_o1[3], o2^(2)
_SAMPLE_FORWARD = re.compile(r"^(?P<name>[^()\[\]]+?)(?:\^\{|\^|_)?[(\[](?P<n>\d{1,3})[)\]]\}?$")
_LOSS_NAMES = ("l", "loss", "e", "e_total", "etotal", "total_error", "cost", "j")
_CHANGE = re.compile(r"^Δ_?(?P<w>.+)$")
_UPDATED = re.compile(r"^(?P<w>.+?)(?:_new|'|\+|_updated|_next|new|\^\+)$", re.IGNORECASE)
_NEW = re.compile(r"^new_?(?P<w>.+)$", re.IGNORECASE)
_GRADIENT = re.compile(
    r"^(?:d(?:l|e|e_?total|loss|j|c)/d|d(?:l|e)_d|dld|grad(?:ient)?_?|g_|∇_?)"
    r"(?P<wrt>.+)$",
    re.IGNORECASE,
)
_DELTA = re.compile(r"^(?:delta_?|δ_?|d_)(?P<unit>.+)$", re.IGNORECASE)
_PRE_ACTIVATION = re.compile(r"^(?:z_?|net_?)(?P<unit>[a-z]\w*)$", re.IGNORECASE)
_ACTIVATION = re.compile(r"^(?:out_?|a_)(?P<unit>[a-z]\w*)$", re.IGNORECASE)


def _compact(name: str) -> str:
    """A name without spaces, quotes, brackets or backslashes; ∂ as d."""
    text = "".join(normalise_text(name).split())
    text = re.sub(r"[(){}\[\]\\\"]", "", text)
    return text.replace("∂", "d")


def canonical_key(name: str) -> str:
    """A student's name for a quantity as symbp's key (the unit or weight part keeps its case);
    a name symbp cannot place comes back as it is, compacted."""
    text = _compact(name)
    for pattern, template in _CHINESE:
        match = pattern.match(text)
        if match:
            text = template.format(x=match.group("x") if "x" in match.groupdict() else "")
            break
    if text.lower() in _LOSS_NAMES:
        return "L"
    match = _CHANGE.match(text)
    if match:
        return "Δ" + match.group("w")
    for pattern in (_UPDATED, _NEW):
        match = pattern.match(text)
        if match:
            return f"{match.group('w')}_new"
    match = _GRADIENT.match(text)
    if match:
        wrt = match.group("wrt")
        pre = _PRE_ACTIVATION.match(wrt)
        if pre:
            return f"delta_{pre.group('unit')}"  # δ = ∂L/∂z
        activation = _ACTIVATION.match(wrt)
        return f"dL/d{activation.group('unit') if activation else wrt}"
    match = _DELTA.match(text)
    if match:
        return f"delta_{match.group('unit')}"
    match = _PRE_ACTIVATION.match(text)
    if match:
        return f"z_{match.group('unit')}"
    match = _ACTIVATION.match(text)
    if match:
        return match.group("unit")
    return text


def known_names(table: QuantityTable) -> str:
    """The names a hand calculation may use, a few of each kind, whole names only."""
    shown: list[str] = []
    kinds = ("forward", "sample_loss", "loss", "upstream", "delta", "sample_gradient", "gradient")
    for kind in (*kinds, "update", "change"):
        keys = [q.key for q in table.quantities if q.kind == kind]
        shown += keys if len(keys) <= 4 else [*keys[:2], "…", keys[-1]]
    return ", ".join(shown)


def resolver(table: QuantityTable) -> Callable[[str], sp.Expr | None]:
    """The name resolver formulas use: quantities by any alias, and the learning rate η."""

    def resolve(name: str) -> sp.Expr | None:
        if name.lower() in LEARNING_RATE_NAMES:
            return sp.Float(table.learning_rate)
        quantity = table.resolve(name)
        return None if quantity is None else quantity.symbol

    return resolve


def evaluate_samples(
    compiled: CompiledNetwork,
    samples: Sequence[tuple[Sequence[float], Sequence[float]]],
    parameters: Sequence[float],
) -> Evaluation:
    """Every value at the given samples and parameters: one sample's own evaluation, or each
    sample's with the loss and gradients reduced as the network's spec reduces them."""
    # dropout: sample n keeps its own masks (the spec's, after its inputs)
    evaluations = tuple(
        compiled.evaluate(compiled.with_masks(x, n), y, parameters)
        for n, (x, y) in enumerate(samples)
    )
    if len(evaluations) == 1:
        return evaluations[0]
    count = len(evaluations) if compiled.network.spec.reduction == "mean" else 1

    def reduce(values: Sequence[float]) -> float:
        return math.fsum(values) / count

    first = evaluations[0]
    return replace(
        first,
        gradients=tuple(
            reduce([e.gradients[i] for e in evaluations]) for i in range(len(first.gradients))
        ),
        samples=evaluations,
        total_loss=reduce([e.loss for e in evaluations]),
        loss_terms={
            name: reduce([e.loss_terms[name] for e in evaluations]) for name in first.loss_terms
        },
    )


def evaluate_formula(expr: sp.Expr, values: Mapping[sp.Symbol, float]) -> float:
    """A formula's value in float64 with every symbol replaced by a number: inf where it
    overflows, nan where it is undefined."""
    return float_value(expr, values)
