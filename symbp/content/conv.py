"""What a convolutional network's derivation says: the network, a kernel weight's gradient as
the sum over the positions it touched (each term formula = numbers = value, summarised beyond
MAX_TERMS), the δ map and the input it slides over as grids, where each δ comes from (an
activation's derivative, max pooling's routing to the first maximum, average pooling's
division), the tensor form with its shapes (∂L/∂W = X ⋆ δ, ∂L/∂X = δ full-convolved with the
kernel rotated 180°, each computed from the grids and compared), ∂L/∂x with `--wrt`, and the
check against torch autograd and central differences.

Every number shown comes from the sweep's result (symbp.core.conv); the tensor forms are
computed here from the displayed grids only to show that they give the same numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Equations,
    Heading,
    Inlines,
    Items,
    Math,
    Paragraph,
    Row,
    Table,
    sentence,
    text,
)
from symbp.content.conv_words import conv_words
from symbp.content.numbers import computed_num, difference, given_num, result_num
from symbp.core.conv import WEIGHTED_SUM, ConvNet, ConvNumbers
from symbp.core.conv_spec import ConvLayer, DenseLayer, FlattenLayer, PoolLayer
from symbp.core.operations import MAX, loss_info
from symbp.core.opgraph import CONSTANT
from symbp.torchcheck.conv_check import BELOW_RESOLUTION, DIFFERENCE_TOLERANCE, ConvCheck

#: terms of a sum shown one by one; beyond, the first ones and a summary
MAX_TERMS = 16
#: a grid wider or taller than this is left to the figures (and the JSON)
MAX_GRID = 12
#: pooling windows listed with their winner
MAX_WINDOWS = 16
#: `symbp check` lists every parameter of a network of up to this many (beyond: the summary)
MAX_CHECK_ROWS = 200

_NAME = re.compile(r"(conv|dense|pool)(\d+)(?:_([wbza]))?(\d*)\[([\d,]+)\]")
_PIXEL = re.compile(r"([xy])(\d*)\[([\d,]+)\]")
_STEMS = {"pool": "p"}


def reading_order(net: ConvNet) -> dict[sp.Symbol, tuple[float, ...]]:
    """Each node's place in a sum's terms: the network's order, with the targets (leaves,
    placed before the outputs in the graph) after every output, so a loss reads (o − y)² as
    textbooks write it, not (−y + o)²."""
    last = float(len(net.graph.nodes))
    return {
        symbol: (last + i if node.op == CONSTANT else float(i),)
        for i, (symbol, node) in enumerate(net.graph.nodes.items())
    }


def conv_names(net: ConvNet) -> dict[sp.Symbol, E.Name]:
    """How each node is written: w⁽¹⁾₀,₀,₁,₂ (plain conv1_w[0,0,1,2]), x₀,₁,₂, z⁽¹⁾, p⁽²⁾, L."""
    found: dict[sp.Symbol, E.Name] = {}
    for symbol, plain in net.names.items():
        found[symbol] = _name(plain)
    return found


def _name(plain: str) -> E.Name:
    match = _NAME.fullmatch(plain)
    if match:
        kind, layer, part, sample, index = match.groups()
        base = _STEMS.get(kind, part or kind)
        sup = f"({layer})" + (f"[{sample}]" if sample else "")
        return E.Name(base, index, sup, plain=plain)
    match = _PIXEL.fullmatch(plain)
    if match:
        base, sample, index = match.groups()
        return E.Name(base, index, f"[{sample}]" if sample else None, plain=plain)
    return E.Name(plain, plain=plain)


def delta_name(name: E.Name) -> E.Name:
    """δ of a pre-activation z: δ⁽¹⁾₀,₁,₁ (plain δ_conv1_z[0,1,1])."""
    return E.Name("δ", name.sub, name.sup, plain=f"δ_{name.plain}")


class _Writer:
    def __init__(
        self, net: ConvNet, numbers: ConvNumbers, lang: str, digits: int, check: ConvCheck | None
    ) -> None:
        self.net = net
        self.numbers = numbers
        self.words = conv_words(lang)
        self.lang = lang
        self.digits = digits
        self.check = check
        self.names = conv_names(net)
        self.loss = E.Name("L", plain="L")
        self.convert = E.Converter(
            self.names, reading_order(net), {}, lambda v: computed_num(v, digits)
        )
        self.period = "." if lang == "en" else "。"

    # -- small pieces ---------------------------------------------------------------------------

    def sym(self, symbol: sp.Symbol) -> E.Sym:
        return E.Sym(self.names[symbol], symbol)

    def gradient_of(self, symbol: sp.Symbol) -> E.Node:
        """δ for a pre-activation z, else ∂L/∂node."""
        if self.net.graph.nodes[symbol].op == WEIGHTED_SUM:
            return E.Sym(delta_name(self.names[symbol]))
        return E.Partial(self.loss, self.names[symbol])

    def value(self, symbol: sp.Symbol) -> E.Num:
        number = self.numbers.value(symbol)
        if self.net.graph.nodes[symbol].is_leaf:
            return given_num(number, self.digits)
        return computed_num(number, self.digits)

    def number(self, value: float) -> E.Num:
        return computed_num(value, self.digits)

    def shape(self, shape: Sequence[int]) -> str:
        return "[" + ", ".join(str(n) for n in shape) + "]"

    # -- the network ----------------------------------------------------------------------------

    def network(self) -> list[Block]:
        spec = self.net.spec
        words = self.words
        items: list[Inlines] = [sentence(words["input"], self.shape(spec.input_shape))]
        for layer in spec.layers:
            if isinstance(layer, ConvLayer):
                items.append(
                    sentence(
                        words["conv"],
                        layer.name,
                        str(layer.filters),
                        str(layer.kernel),
                        str(layer.kernel),
                        str(layer.stride),
                        str(layer.padding),
                        self._activation(layer.activation),
                        self.shape(layer.out_shape),
                    )
                )
            elif isinstance(layer, PoolLayer):
                kind = self._pool_word(layer)
                items.append(
                    sentence(
                        words["pool"],
                        layer.name,
                        kind,
                        str(layer.size),
                        str(layer.size),
                        str(layer.stride),
                        self.shape(layer.out_shape),
                    )
                )
            elif isinstance(layer, FlattenLayer):
                items.append(sentence(words["flatten"], layer.name, str(layer.size)))
            else:
                items.append(
                    sentence(
                        words["dense"],
                        layer.name,
                        str(layer.outputs),
                        self._activation(layer.activation),
                    )
                )
        info = loss_info(spec.loss)
        loss_words = info.chinese if self.lang == "zh" else info.english
        samples = len(spec.inputs)
        over = (
            sentence(words["samples_many"], str(samples), words[spec.reduction])
            if samples > 1
            else words["samples_one"]
        )
        return [
            Paragraph(text(words["network"])),
            Items(tuple(items)),
            Paragraph(sentence(words["loss"], spec.loss, loss_words, over)),
        ]

    def _activation(self, name: str) -> str:
        return name

    def _pool_word(self, layer: PoolLayer) -> str:
        if layer.kind == MAX.name:
            return "最大" if self.lang == "zh" else "max"
        return "平均" if self.lang == "zh" else "average"

    # -- one parameter's gradient -----------------------------------------------------------------

    def parameter(self, symbol: sp.Symbol) -> list[Block]:
        words = self.words
        net = self.net
        name = net.names[symbol]
        blocks: list[Block] = [Heading(sentence(words["weight_heading"], self.sym(symbol)), 3)]
        uses = net.uses(symbol)
        layer = self._layer_of(name)
        kernel = isinstance(layer, ConvLayer) and "_w[" in name
        if kernel:
            assert isinstance(layer, ConvLayer)
            blocks += self._sharing(symbol, layer, len(uses))
        elif len(uses) == 1:
            use = uses[0]
            blocks.append(
                Paragraph(
                    sentence(words["one_use"], self.sym(symbol), self._term(use.user, use.local))
                )
            )
        else:
            blocks.append(
                Paragraph(sentence(words["uses"], self.sym(symbol), str(len(uses)), str(len(uses))))
            )
        blocks += self._terms(symbol, kernel)
        if kernel:
            assert isinstance(layer, ConvLayer)
            f, c, _, _ = (int(i) for i in name[name.index("[") + 1 : -1].split(","))
            blocks += self._grids(layer, f, c)
            blocks += self._deltas(layer)
            blocks += self._tensor_form(layer, f, c)
        return blocks

    def _layer_of(self, name: str) -> ConvLayer | DenseLayer | None:
        for layer in self.net.spec.layers:
            if isinstance(layer, ConvLayer | DenseLayer) and name.startswith(layer.name + "_"):
                return layer
        return None

    def _sharing(self, symbol: sp.Symbol, layer: ConvLayer, count: int) -> list[Block]:
        name = self.net.names[symbol]
        f, c, u, v = (int(i) for i in name[name.index("[") + 1 : -1].split(","))
        s, p = layer.stride, layer.padding
        reads = self._input_word(layer)
        index = f"{c},{_index('i', s, u - p)},{_index('j', s, v - p)}"
        stem = "x" if reads == "x" else _name(f"{reads}[0]").base
        sup = None if reads == "x" else _name(f"{reads}[0]").sup
        pixel = E.Name(stem, index, sup, plain=f"{reads}[{index}]")
        _, out_h, out_w = layer.out_shape
        skipped = (
            self.words["padding_skipped"]
            if count < out_h * out_w * len(self.net.spec.inputs)
            else ""
        )
        general = E.equals(
            E.Partial(self.loss, self.names[symbol]),
            E.Sum(
                "ij",
                E.product(
                    E.Sym(
                        E.Name(
                            "δ", f"{f},i,j", f"({layer.number})", plain=f"δ_{layer.name}_z[{f},i,j]"
                        )
                    ),
                    E.Sym(pixel),
                ),
            ),
        )
        return [
            Paragraph(
                sentence(
                    self.words["shared"],
                    self.sym(symbol),
                    str(f),
                    layer.name,
                    E.Sym(pixel),
                    str(count),
                    skipped,
                )
            ),
            Paragraph(text(self.words["general"])),
            Equations((Row(general),)),
        ]

    def _term(self, user: sp.Symbol, local: sp.Expr) -> E.Node:
        return E.product(self.gradient_of(user), self.convert(local))

    def _terms(self, symbol: sp.Symbol, kernel: bool) -> list[Block]:
        words = self.words
        uses = self.net.uses(symbol)
        rows: list[Row] = []
        values: list[float] = []
        for use in uses:
            upstream = self.numbers.gradient(use.user)
            local = self._local_value(use.local)
            values.append(upstream * local)
            if len(rows) >= MAX_TERMS:
                continue
            formula = self._term(use.user, use.local)
            numbers = E.Mul((self.number(upstream), self._local_shown(use.local, local)))
            rows.append(
                Row(
                    E.equals(formula, numbers, self.number(upstream * local)),
                    self._tag(use.user, kernel),
                )
            )
        blocks: list[Block] = [Paragraph(text(words["terms"]))] if kernel else []
        blocks.append(Equations(tuple(rows)))
        total = self.numbers.gradient(symbol)
        if len(uses) > MAX_TERMS:
            rest = math.fsum(values[MAX_TERMS:])
            blocks.append(
                Paragraph(
                    sentence(words["more_terms"], str(len(uses) - MAX_TERMS), self.number(rest))
                )
            )
            shown: list[E.Node] = [self.number(v) for v in values[:MAX_TERMS]]
            shown.append(self.number(rest))
        else:
            shown = [self.number(v) for v in values]
        if len(uses) > 1:
            blocks.append(Paragraph(text(words["total"])))
            chain = E.equals(
                E.Partial(self.loss, self.names[symbol]), E.Add(tuple(shown)), result_num(total)
            )
        else:
            chain = E.equals(E.Partial(self.loss, self.names[symbol]), result_num(total))
        blocks.append(Equations((Row(chain),)))
        return blocks

    def _local_value(self, local: sp.Expr) -> float:
        return self.numbers.at(local)

    def _local_shown(self, local: sp.Expr, value: float) -> E.Num:
        if isinstance(local, sp.Symbol):
            return self.value(local)
        return self.number(value)

    def _tag(self, user: sp.Symbol, kernel: bool) -> Inlines:
        """A term's position: (i, j) for a kernel weight's (its filter is fixed), else the node
        it goes through."""
        plain = self.net.names[user]
        match = _NAME.fullmatch(plain)
        if kernel and match and match.group(1) == "conv":
            index = [int(i) for i in match.group(5).split(",")]
            sample = match.group(4)
            if sample:
                return sentence(self.words["sample_position"], sample, str(index[1]), str(index[2]))
            return sentence(self.words["position"], str(index[1]), str(index[2]))
        return sentence(self.words["through"], self.sym(user))

    # -- grids --------------------------------------------------------------------------------

    def grid(self, values: Sequence[Sequence[float]], computed: bool = True) -> Table:
        width = len(values[0]) if values else 0
        header = (text(""), *(text(f"{j}") for j in range(width)))
        rows = tuple(
            (
                text(f"{i}"),
                *(
                    text(
                        (
                            computed_num(v, self.digits) if computed else given_num(v, self.digits)
                        ).text
                    )
                    for v in row
                ),
            )
            for i, row in enumerate(values)
        )
        return Table(header, rows, align="r" * (width + 1))

    def _map(self, sample: int, layer: int, channel: int) -> list[list[sp.Symbol]]:
        symbols = self.net.maps[(sample, layer)].symbols[channel]
        return [list(row) for row in symbols]

    def _grids(self, layer: ConvLayer, f: int, c: int) -> list[Block]:
        words = self.words
        blocks: list[Block] = []
        deltas = self._map(0, -layer.number, f)
        one = words["sample_one"] if len(self.net.spec.inputs) > 1 else ""
        if len(deltas) <= MAX_GRID and len(deltas[0]) <= MAX_GRID:
            blocks.append(Paragraph(sentence(words["delta_map"], str(f), layer.name, one)))
            blocks.append(self.grid([[self.numbers.gradient(z) for z in row] for row in deltas]))
        inputs = self._input_map(layer, c)
        if len(inputs) <= MAX_GRID and len(inputs[0]) <= MAX_GRID:
            blocks.append(
                Paragraph(sentence(words["input_map"], self._input_word(layer), str(c), one))
            )
            blocks.append(self.grid(inputs, computed=layer.number > 1))
        return blocks

    def _input_word(self, layer: ConvLayer) -> str:
        previous = self._previous(layer)
        return "x" if previous == 0 else f"{self._layer_name(previous)}"

    def _layer_name(self, number: int) -> str:
        for layer in self.net.spec.layers:
            if layer.number == number:
                return layer.name
        return "x"

    def _previous(self, layer: ConvLayer) -> int:
        """The number of the layer whose values this conv layer reads (0: the input)."""
        previous = 0
        for other in self.net.spec.layers:
            if other.number == layer.number:
                return previous
            if isinstance(other, ConvLayer | PoolLayer):
                previous = other.number
        return previous

    def _input_map(self, layer: ConvLayer, channel: int) -> list[list[float]]:
        symbols = self._map(0, self._previous(layer), channel)
        return [[self.numbers.value(s) for s in row] for row in symbols]

    def _deltas(self, layer: ConvLayer) -> list[Block]:
        """Where δ comes from: f′ at the first position, and the pooling layer after it."""
        words = self.words
        blocks: list[Block] = [Heading(text(words["delta_heading"]), 3)]
        # the position whose δ is largest: an example that is not a dead relu's 0
        zs = self.net.maps[(0, -layer.number)].flat
        position = max(range(len(zs)), key=lambda k: abs(self.numbers.gradient(zs[k])))
        z, a = zs[position], self.net.maps[(0, layer.number)].flat[position]
        local = self.net.graph.local_derivative(a, z)
        local_value = _float_local(self, local)
        upstream = self.numbers.gradient(a)
        chain = E.equals(
            self.gradient_of(z),
            E.product(self.gradient_of(a), self.convert(local)),
            E.Mul((self.number(upstream), self.number(local_value))),
            self.number(self.numbers.gradient(z)),
        )
        blocks += [Paragraph(text(words["delta_rule"])), Equations((Row(chain),))]
        following = self._following(layer)
        if isinstance(following, PoolLayer):
            blocks += self._routing(following)
        return blocks

    def _following(
        self, layer: ConvLayer
    ) -> ConvLayer | PoolLayer | FlattenLayer | DenseLayer | None:
        layers = self.net.spec.layers
        for index, other in enumerate(layers):
            if other.number == layer.number and index + 1 < len(layers):
                return layers[index + 1]
        return None

    def _routing(self, layer: PoolLayer) -> list[Block]:
        words = self.words
        if layer.kind != MAX.name:
            return [Paragraph(sentence(words["avg_routing"], layer.name, str(layer.size**2)))]
        pooled = self.net.maps[(0, layer.number)].flat
        count = len(pooled)
        more = (
            sentence(words["more_windows"], str(MAX_WINDOWS), str(count))
            if count > MAX_WINDOWS
            else ()
        )
        rows = []
        for p in pooled[:MAX_WINDOWS]:
            window = self.net.windows[p]
            winner = next(
                s
                for s in window
                if _float_local(self, self.net.graph.local_derivative(p, s)) == 1.0
            )
            rows.append(
                (
                    (Math(self.sym(p)),),
                    (Math(self.sym(winner)),),
                    text(self.value(winner).text),
                    text(self.number(self.numbers.gradient(p)).text),
                )
            )
        header = tuple(text(word) for word in words["routing_columns"].split("|"))
        return [
            Paragraph(sentence(words["max_routing"], layer.name, more or "")),
            Table(header, tuple(rows), align="llrr"),
        ]

    # -- the tensor form ------------------------------------------------------------------------

    def _tensor_form(self, layer: ConvLayer, f: int, c: int) -> list[Block]:
        import numpy as np

        words = self.words
        k, s, p = layer.kernel, layer.stride, layer.padding
        channels, height, width = layer.in_shape
        filters, out_h, out_w = layer.out_shape
        dilated = sentence(words["dilated"], str(s - 1)) if s > 1 else ()
        blocks: list[Block] = [
            Heading(text(words["tensor_heading"]), 3),
            Paragraph(
                sentence(
                    words["shapes"],
                    self.shape(layer.in_shape),
                    self.shape(layer.weight_shape),
                    self.shape(layer.out_shape),
                    str(p),
                    str(s),
                )
            ),
            Paragraph(sentence(words["tensor_weight"], dilated or "", str(k), str(k))),
            Paragraph(sentence(words["tensor_input"], dilated, str(height), str(width))),
        ]
        kernel = [
            [
                self.numbers.gradient(self.net.parameters[f"{layer.name}_w[{f},{c},{u},{v}]"])
                for v in range(k)
            ]
            for u in range(k)
        ]
        blocks.append(Paragraph(sentence(words["kernel_grid"], str(f), str(c))))
        blocks.append(self.grid(kernel))
        x = np.array(self._input_map(layer, c))
        delta = np.array(
            [[self.numbers.gradient(z) for z in row] for row in self._map(0, -layer.number, f)]
        )
        by_tensor = cross_correlation(x, delta, k, s, p)
        if len(self.net.spec.inputs) == 1:
            gap = float(np.max(np.abs(by_tensor - np.array(kernel))))
            blocks.append(
                Paragraph(sentence(words["tensor_agrees"], str(k), str(k), difference(gap)))
            )
        return blocks

    # -- ∂L/∂x ------------------------------------------------------------------------------------

    def inputs(self) -> list[Block]:
        import numpy as np

        words = self.words
        net = self.net
        channels, height, width = net.spec.input_shape
        blocks: list[Block] = [Heading(text(words["input_heading"]), 3)]
        if height > MAX_GRID or width > MAX_GRID:
            return blocks
        for channel in range(channels):
            grid = [[self.numbers.gradient(s) for s in row] for row in self._map(0, 0, channel)]
            blocks.append(Paragraph(sentence(words["input_grid"], str(channel))))
            blocks.append(self.grid(grid))
        first = net.spec.layers[0]
        if isinstance(first, ConvLayer) and len(net.spec.inputs) == 1:
            weights = np.array(net.spec.values(f"{first.name}_w")).reshape(first.weight_shape)
            deltas = np.array(
                [
                    [
                        [self.numbers.gradient(z) for z in row]
                        for row in self._map(0, -first.number, f)
                    ]
                    for f in range(first.filters)
                ]
            )
            by_tensor = input_gradient(
                deltas, weights, first.stride, first.padding, (height, width)
            )
            ours = np.array(
                [
                    [[self.numbers.gradient(s) for s in row] for row in self._map(0, 0, ch)]
                    for ch in range(channels)
                ]
            )
            gap = float(np.max(np.abs(by_tensor - ours)))
            # the grids the tensor form is computed from: each δ map and each rotated kernel
            if deltas.shape[1] <= MAX_GRID and deltas.shape[2] <= MAX_GRID:
                for f in range(first.filters):
                    blocks.append(Paragraph(sentence(words["input_delta"], str(f))))
                    blocks.append(self.grid(deltas[f].tolist()))
                    for c in range(channels):
                        rotated = weights[f, c, ::-1, ::-1].tolist()
                        blocks.append(Paragraph(sentence(words["input_rotated"], str(f), str(c))))
                        blocks.append(self.grid(rotated, computed=False))
            blocks.append(Paragraph(sentence(words["input_agrees"], difference(gap))))
        return blocks

    def node(self, symbol: sp.Symbol) -> list[Block]:
        """Any node's gradient (a pixel, an activation): the sum over its uses."""
        words = self.words
        uses = self.net.uses(symbol)
        blocks: list[Block] = [Heading(sentence(words["node_heading"], self.sym(symbol)), 3)]
        if len(uses) > 1:
            blocks.append(
                Paragraph(sentence(words["uses"], self.sym(symbol), str(len(uses)), str(len(uses))))
            )
        return blocks + self._terms(symbol, kernel=False)

    # -- every parameter, and the check ---------------------------------------------------------

    def every_parameter(self) -> list[Block]:
        words = self.words
        header = tuple(text(word) for word in words["all_columns"].split("|"))
        rows = tuple(
            (
                (Math(self.sym(symbol)),),
                text(given_num(self.net.leaf_values[symbol], self.digits).text),
                text(result_num(self.numbers.gradient(symbol)).text),
            )
            for symbol in self.net.parameters.values()
        )
        return [Heading(text(words["all_heading"]), 3), Table(header, rows, align="lrr")]

    def checked(self, check: ConvCheck, shown: Sequence[sp.Symbol]) -> list[Block]:
        words = self.words
        header = tuple(text(word) for word in words["check_columns"].split("|"))
        torch_of = {name: reference for name, _, reference in check.parameters + check.inputs}
        difference_of = {name: d for name, _, d, _ in check.differences}
        lost = [name for name, *_, why in check.differences if why == BELOW_RESOLUTION]
        rows = []
        for symbol in shown:
            name = self.net.names[symbol]
            if name not in torch_of:
                continue
            ours = self.numbers.gradient(symbol)
            reference = torch_of[name]
            fd = difference_of.get(name)
            rows.append(
                (
                    (Math(E.Partial(self.loss, self.names[symbol])),),
                    text(result_num(ours).text),
                    text(result_num(reference).text),
                    text(difference(abs(ours - reference))),
                    text("" if fd is None else result_num(fd).text),
                    text(
                        ""
                        if fd is None
                        else words["not_applicable"]
                        if name in lost
                        else difference(abs(ours - fd))
                    ),  # fmt: skip
                )
            )
        summary = sentence(
            words["check_summary"],
            str(len(check.parameters)),
            str(len(check.inputs)),
            f"{check.tolerance:g}",
            difference(check.torch_error),
            str(len(check.differences)),
            f"{DIFFERENCE_TOLERANCE:g}",
            difference(check.difference_error),
        )
        if check.kinks:
            summary = (*summary, *sentence(words["check_kinks"], str(check.kinks)))
        if lost:
            loss = f"{abs(check.loss):.1e}"
            summary = (*summary, *sentence(words["check_rounding"], ", ".join(lost), loss))
        verdict = words["verdict_ok"] if check.passed else words["verdict_bad"]
        blocks: list[Block] = [Heading(sentence(words["check_heading"], check.dtype), 3)]
        if rows:
            blocks.append(Table(header, tuple(rows), align="lrrrrr"))
        blocks += [Paragraph(summary), Paragraph(text(verdict + self.period))]
        return blocks


def _float_local(writer: _Writer, local: sp.Expr) -> float:
    """A local derivative's value at the forward pass (a symbol, a number or an expression)."""
    return writer.numbers.at(local)


def _index(variable: str, stride: int, offset: int) -> str:
    """The input index a kernel offset reaches: i, 2i, i+1, 2i−1."""
    scaled = variable if stride == 1 else f"{stride}{variable}"
    if offset == 0:
        return scaled
    return f"{scaled}{'+' if offset > 0 else '-'}{abs(offset)}"


def cross_correlation(x: Any, delta: Any, kernel: int, stride: int, padding: int) -> Any:
    """X ⋆ δ (valid cross-correlation of the padded input with δ dilated by the stride): the
    k×k kernel gradient of one filter and channel, as the tensor form writes it."""
    import numpy as np

    padded = np.pad(x, padding)
    rows, columns = delta.shape
    found = np.zeros((kernel, kernel))
    for u in range(kernel):
        for v in range(kernel):
            window = padded[u : u + stride * rows : stride, v : v + stride * columns : stride]
            found[u, v] = float(np.sum(window[:rows, :columns] * delta))
    return found


def input_gradient(
    deltas: Any, weights: Any, stride: int, padding: int, size: tuple[int, int]
) -> Any:
    """Σ_f δ[f] full-convolved with W[f, c] rotated 180° (δ dilated by the stride), the padding's
    border cut off: ∂L/∂X of every channel, as the tensor form writes it."""
    import numpy as np

    filters, rows, columns = deltas.shape
    _, channels, kernel, _ = weights.shape
    height, width = size
    dilated = np.zeros((filters, (rows - 1) * stride + 1, (columns - 1) * stride + 1))
    dilated[:, ::stride, ::stride] = deltas
    full_h = dilated.shape[1] + kernel - 1
    full_w = dilated.shape[2] + kernel - 1
    found = np.zeros((channels, height + 2 * padding, width + 2 * padding))
    for c in range(channels):
        total = np.zeros((full_h, full_w))
        for f in range(filters):
            rotated = weights[f, c, ::-1, ::-1]
            padded = np.pad(dilated[f], kernel - 1)
            for i in range(full_h):
                for j in range(full_w):
                    total[i, j] += float(np.sum(padded[i : i + kernel, j : j + kernel] * rotated))
        h = min(full_h, found.shape[1])
        w = min(full_w, found.shape[2])
        found[c, :h, :w] = total[:h, :w]
    return found[:, padding : padding + height, padding : padding + width]


def conv_blocks(
    net: ConvNet,
    numbers: ConvNumbers,
    weights: Sequence[sp.Symbol] = (),
    wrt: Sequence[sp.Symbol | None] = (),
    every: bool = False,
    check: ConvCheck | None = None,
    lang: str = "en",
    digits: int = 4,
    title: str = "",
    table: bool = False,
) -> tuple[Block, ...]:
    """A convolutional derivation as document blocks: the network, each asked parameter's sum
    over positions with its grids and tensor form, each asked node's (∂L/∂x with `x`), every
    parameter's gradient with `every`, and the check (with `table`, a row for every parameter
    of a network of up to MAX_CHECK_ROWS)."""
    writer = _Writer(net, numbers, lang, digits, check)
    blocks: list[Block] = [Heading(sentence(writer.words["title"], title), 2)] if title else []
    blocks += writer.network()
    for symbol in weights:
        blocks += writer.parameter(symbol)
    for symbol in wrt:
        if symbol is None:
            blocks += writer.inputs()
        else:
            blocks += writer.node(symbol)
    if every:
        blocks += writer.every_parameter()
    if check is not None:
        shown = [*weights, *(s for s in wrt if s is not None)]  # None: the whole input
        if table and len(net.parameters) <= MAX_CHECK_ROWS:
            shown = list(net.parameters.values())
        blocks += writer.checked(check, shown)
    return tuple(blocks)
