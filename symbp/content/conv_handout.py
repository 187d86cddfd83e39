"""What a convolutional network's handout says: the layers and shapes, one window of the first
convolution worked as formula = numbers = value, the feature maps as grids, the dense layer and
the loss, then backward: the pooled map's gradient, max pooling's routing to each window's
winner (average pooling's division), the δ maps, a kernel weight's gradient as the sum over
every position it touched, the bias's, the input's, the tensor form with every shape, and the
check against torch.

Every number comes from the core's sweep (symbp.core.conv: ConvNet.evaluate); nothing here
computes a gradient. Names count from 1: x_{i,j} (x_{c,i,j} with several channels), w_{f,u,v},
b_f, z/a_{f,i,j}, p_{f,i,j}, δ_{f,i,j} = ∂L/∂z_{f,i,j}; the dense layer's v_{k,m}, c_k, s_k,
o_k (with a layer superscript when there are several).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Equations,
    GridFigure,
    GridMark,
    GridPanel,
    Heading,
    Items,
    Math,
    Paragraph,
    Row,
    Table,
    Text,
    sentence,
    text,
)
from symbp.content.conv import reading_order
from symbp.content.conv_handout_words import conv_words
from symbp.content.numbers import computed_num, given_num, significant
from symbp.core.conv import ConvNet, ConvNumbers
from symbp.core.conv_spec import ConvLayer, DenseLayer, PoolLayer, element_name, tensor_indices
from symbp.errors import SymbpError
from symbp.handcheck.conv_layer import MAX_POOL

#: a layer with more kernel weights than this has its per-weight sums summarised
MAX_WEIGHT_ROWS = 36
#: a sum with more terms than this is not written out term by term
MAX_TERMS = 16
#: a weighted sum (a window, a dense unit) with more products than this shows its value only
MAX_PRODUCTS = 27


@dataclass(frozen=True)
class ConvCheckSummary:
    """The torch check's outcome as the handout reports it: per kind of quantity, how many
    values and the largest |symbp − torch|."""

    rows: tuple[tuple[str, int, float], ...]  # (kind: weights, input, dense, loss), count, error
    passed: bool


def _sub(*indices: int) -> str:
    return ",".join(str(i + 1) for i in indices)


def _plain(base: str, *indices: int) -> str:
    return "_".join((base, *(str(i + 1) for i in indices)))


def _name(base: str, indices: Sequence[int], sup: str | None = None) -> E.Name:
    plain = _plain(base, *indices)
    if sup is not None:
        plain = base + "⁽" + sup.strip("()").translate(_SUPERSCRIPTS) + "⁾"
        plain += "".join("_" + str(i + 1) for i in indices)
    return E.Name(base, _sub(*indices) if indices else None, sup, plain=plain)


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _walk(nested: object, index: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], sp.Symbol]]:
    if isinstance(nested, tuple):
        return [pair for k, item in enumerate(nested) for pair in _walk(item, (*index, k))]
    assert isinstance(nested, sp.Symbol)
    return [(index, nested)]


def conv_names(net: ConvNet) -> dict[sp.Symbol, E.Name]:
    """How every node of the first sample and every parameter is written in the handout."""
    spec = net.spec
    if net.samples != 1:
        raise SymbpError("a convolutional handout shows one sample: give one input")
    channels = spec.input_shape[0]
    names: dict[sp.Symbol, E.Name] = {}

    def channel_index(index: tuple[int, ...]) -> tuple[int, ...]:
        return index if channels > 1 else index[1:]

    for index, symbol in _walk(net.maps[(0, 0)].symbols):
        names[symbol] = _name("x", channel_index(index))
    convs = [la for la in spec.layers if isinstance(la, ConvLayer)]
    denses = [la for la in spec.layers if isinstance(la, DenseLayer)]
    pools = [la for la in spec.layers if isinstance(la, PoolLayer)]

    def tag(layer: object, group: Sequence[object]) -> str | None:
        return f"({layer.number})" if len(group) > 1 else None  # type: ignore[attr-defined]

    for conv in convs:
        sup = tag(conv, convs)
        in_channels = conv.in_shape[0]
        for index in tensor_indices(conv.weight_shape):
            shown = index if in_channels > 1 else (index[0], *index[2:])
            symbol = net.parameters[element_name(f"{conv.name}_w", index)]
            names[symbol] = _name("w", shown, sup)
        for f in range(conv.filters):
            symbol = net.parameters.get(element_name(f"{conv.name}_b", (f,)))
            if symbol is not None:
                names[symbol] = _name("b", (f,), sup)
        for base, key in (("z", -conv.number), ("a", conv.number)):
            for index, symbol in _walk(net.maps[(0, key)].symbols):
                names[symbol] = _name(base, index, sup)
    for pool in pools:
        for index, symbol in _walk(net.maps[(0, pool.number)].symbols):
            names[symbol] = _name("p", index, tag(pool, pools))
    for dense in denses:
        sup = tag(dense, denses)
        for k in range(dense.outputs):
            for m in range(dense.inputs):
                symbol = net.parameters[element_name(f"{dense.name}_w", (k, m))]
                names[symbol] = _name("v", (k, m), sup)
            symbol = net.parameters.get(element_name(f"{dense.name}_b", (k,)))
            if symbol is not None:
                names[symbol] = _name("c", (k,), sup)
        for base, key in (("s", -dense.number), ("o", dense.number)):
            for index, symbol in _walk(net.maps[(0, key)].symbols):
                names[symbol] = _name(base, index, sup)
    for symbol, written in net.names.items():
        if written.startswith("y["):
            k = int(written[2:-1])
            names[symbol] = _name("y", (k,))
    names[net.root] = E.Name("L", plain="L")
    return names


def delta_name(name: E.Name) -> E.Name:
    """δ_{f,i,j} for z_{f,i,j}."""
    return E.Name("δ", name.sub, name.sup, plain="δ" + name.plain[1:])


class _Writer:
    def __init__(self, net: ConvNet, numbers: ConvNumbers, lang: str, digits: int) -> None:
        self.net = net
        self.numbers = numbers
        self.spec = net.spec
        self.lang = lang
        self.digits = digits
        self.words = conv_words(lang)
        self.names = conv_names(net)
        self.convert = E.Converter(
            self.names, reading_order(net), {}, lambda v: given_num(v, digits)
        )
        layers = self.spec.layers
        if not isinstance(layers[0], ConvLayer):
            raise SymbpError("a convolutional handout needs a convolution as the first layer")
        self.conv: ConvLayer = layers[0]
        following = layers[1] if len(layers) > 1 else None
        self.pool = following if isinstance(following, PoolLayer) else None

    # -- numbers and names ---------------------------------------------------------------------

    def value(self, symbol: sp.Symbol) -> float:
        return self.numbers.value(symbol)

    def gradient(self, symbol: sp.Symbol) -> float:
        return self.numbers.gradient(symbol)

    def num(self, value: float) -> E.Num:
        return computed_num(value, self.digits)

    def shown_value(self, symbol: sp.Symbol) -> E.Num:
        node = self.net.graph.nodes[symbol]
        if node.is_leaf:
            return given_num(self.value(symbol), self.digits)
        return self.num(self.value(symbol))

    def sym(self, symbol: sp.Symbol) -> E.Sym:
        return E.Sym(self.names[symbol], symbol)

    def partial(self, symbol: sp.Symbol) -> E.Partial:
        return E.Partial(E.Name("L", plain="L"), self.names[symbol])

    def delta(self, symbol: sp.Symbol) -> E.Sym:
        return E.Sym(delta_name(self.names[symbol]), ("δ", symbol))

    def numbers_of(self, tree: E.Node) -> E.Node:
        def value_of(item: E.Sym | E.Partial) -> E.Node | None:
            if isinstance(item, E.Sym) and isinstance(item.key, sp.Symbol):
                return self.shown_value(item.key)
            if isinstance(item, E.Sym) and isinstance(item.key, tuple):
                return self.num(self.gradient(item.key[1]))
            if isinstance(item, E.Partial) and isinstance(item.key, sp.Symbol):
                return self.num(self.gradient(item.key))
            return None

        return E.substitute(tree, value_of)

    def chain(self, lhs: E.Node, tree: E.Node, value: float) -> E.Chain:
        """lhs = formula = numbers = value, a member left out where it repeats the one before."""
        members: list[E.Node] = [tree]
        substituted = self.numbers_of(tree)
        if substituted != tree:
            members.append(substituted)
        shown = self.num(value)
        if not (isinstance(members[-1], E.Num) and members[-1].text == shown.text):
            members.append(shown)
        return E.equals(lhs, *members)

    def definition(self, symbol: sp.Symbol) -> E.Chain:
        node = self.net.graph.nodes[symbol]
        assert node.definition is not None
        return self.chain(self.sym(symbol), self.convert(node.definition), self.value(symbol))

    def capped(self, rows: Sequence[Row], layout: str = "aligned") -> list[Block]:
        """At most MAX_WEIGHT_ROWS rows; a note says how many more the grids hold."""
        if not rows:  # every δ of a dead relu layer is 0: nothing to write out
            return []
        blocks: list[Block] = [Equations(tuple(rows[:MAX_WEIGHT_ROWS]), layout)]
        if len(rows) > MAX_WEIGHT_ROWS:
            more = len(rows) - MAX_WEIGHT_ROWS
            blocks.append(Paragraph(text(self.words["more_rows"].format(more))))
        return blocks

    def sum_row(self, symbol: sp.Symbol) -> Row:
        """z = Σ w·x + b = numbers = value; beyond MAX_PRODUCTS products, z = value."""
        if len(self.net.terms[symbol][0]) > MAX_PRODUCTS:
            return Row(E.equals(self.sym(symbol), self.num(self.value(symbol))))
        return Row(self.chain(self.sym(symbol), self.weighted_sum(symbol), self.value(symbol)))

    def weighted_sum(self, symbol: sp.Symbol) -> E.Node:
        pairs, bias = self.net.terms[symbol]
        terms: list[E.Node] = [E.product(self.sym(w), self.sym(x)) for w, x in pairs]
        if bias is not None:
            terms.append(self.sym(bias))
        return E.total(*terms)

    def grid(self, key: int, read: str, channel: int) -> tuple[list[list[float]], list[list[str]]]:
        symbols = self.net.maps[(0, key)].symbols[channel]
        values = [
            [self.gradient(s) if read == "gradient" else self.value(s) for s in row]
            for row in symbols
        ]
        if key == 0 and read == "value":  # the input is given: shown as given
            return values, [[given_num(v, self.digits).text for v in row] for row in values]
        return values, [[significant(v, self.digits) for v in row] for row in values]

    def panel(self, title: str, values: list[list[float]], cells: list[list[str]],
              marks: tuple[GridMark, ...] = ()) -> GridPanel:  # fmt: skip
        return GridPanel(
            title,
            tuple(tuple(row) for row in values),
            tuple(tuple(row) for row in cells),
            marks,
        )

    def figure(self, panels: Sequence[GridPanel], between: Sequence[str] = ()) -> GridFigure:
        return GridFigure(tuple(panels), tuple(between), tuple(self.words["text_words"].split("|")))

    # -- sections ------------------------------------------------------------------------------

    def intro(self) -> list[Block]:
        words = self.words
        spec = self.spec
        items: list[tuple[Text | Math, ...]] = [
            text(words["input"].format("x", _shape(spec.input_shape)))
        ]
        for layer in spec.layers:
            if isinstance(layer, ConvLayer):
                items.append(text(words["conv"].format(
                    layer.name, layer.filters, layer.kernel, layer.kernel, layer.stride,
                    layer.padding, layer.activation, _shape(layer.out_shape))))  # fmt: skip
            elif isinstance(layer, PoolLayer):
                items.append(text(words["pool"].format(
                    layer.name, layer.kind, layer.size, layer.size, layer.stride,
                    _shape(layer.out_shape))))  # fmt: skip
            elif isinstance(layer, DenseLayer):
                items.append(text(words["dense"].format(layer.name, layer.outputs,
                                                        layer.activation)))  # fmt: skip
            else:
                items.append(text(words["flatten"].format(layer.size)))
        items.append(text(words["loss"].format(spec.loss)))
        return [
            Paragraph(text(words["layers"])),
            Items(tuple(items)),
            Paragraph(text(words["names"])),
        ]

    def forward(self) -> list[Block]:
        words = self.words
        conv = self.conv
        blocks: list[Block] = [Heading(text(words["forward"]), 3)]
        first_z = _walk(self.net.maps[(0, -conv.number)].symbols)[0][1]
        first_a = _walk(self.net.maps[(0, conv.number)].symbols)[0][1]
        blocks.append(Paragraph(text(words["window"].format(1))))
        blocks.append(
            Equations(
                (
                    self.sum_row(first_z),
                    Row(self.definition(first_a)),
                ),
                layout="dense",
            )
        )
        k = conv.kernel
        offset = -conv.padding
        window = GridMark(max(offset, 0), max(offset, 0), k + min(offset, 0), k + min(offset, 0))
        x_values, x_cells = self.grid(0, "value", 0)
        z_values, z_cells = self.grid(-conv.number, "value", 0)
        kernel = self._kernel_panel(0, 0, "value")
        blocks.append(Paragraph(sentence(words["window_figure"], self.sym(first_z))))
        blocks.append(
            self.figure(
                (
                    self.panel(words["grid_input"].format(1), x_values, x_cells, (window,)),
                    kernel,
                    self.panel(
                        words["grid_z"].format(1),
                        z_values,
                        z_cells,
                        (GridMark(0, 0, kind="target"),),
                    ),  # fmt: skip
                ),
                ("⋆", "="),
            )
        )
        blocks.append(Paragraph(text(words["maps"])))
        blocks.append(self._maps_figure())
        blocks.extend(self._dense_forward())
        return blocks

    def _kernel_panel(self, f: int, c: int, read: str) -> GridPanel:
        conv = self.conv
        values = []
        for u in range(conv.kernel):
            row = []
            for v in range(conv.kernel):
                symbol = self.net.parameters[element_name(f"{conv.name}_w", (f, c, u, v))]
                row.append(self.value(symbol) if read == "value" else self.gradient(symbol))
            values.append(row)
        if read == "value":
            cells = [[given_num(v, self.digits).text for v in row] for row in values]
            title = self._kernel_title("grid_kernel", f, c)
        else:
            cells = [[significant(v, self.digits) for v in row] for row in values]
            title = self._kernel_title("grid_dw", f, c)
        return self.panel(title, values, cells)

    def _kernel_title(self, key: str, f: int, c: int) -> str:
        if self.conv.in_shape[0] > 1:
            return self.words[key + "_channel"].format(f + 1, c + 1)
        return self.words[key].format(f + 1)

    def _winner_marks(self, f: int) -> tuple[GridMark, ...]:
        pool = self.pool
        if pool is None:
            return ()
        marks = [
            GridMark(i * pool.stride, j * pool.stride, pool.size, pool.size, "region")
            for i in range(pool.out_shape[1])
            for j in range(pool.out_shape[2])
        ]
        if pool.kind == MAX_POOL:
            for row, col in self._winners(f):
                marks.append(GridMark(row, col, kind="winner"))
        return tuple(marks)

    def _winners(self, f: int) -> list[tuple[int, int]]:
        """Each max window's winner (row, column) as the core routes it (its local derivative
        is 1 there), read off the graph."""
        pool = self.pool
        assert pool is not None
        found = []
        a_symbols = self.net.maps[(0, self.conv.number)].symbols[f]
        position = {s: (r, c) for r, row in enumerate(a_symbols) for c, s in enumerate(row)}
        for p_symbol in itertools.chain.from_iterable(self.net.maps[(0, pool.number)].symbols[f]):
            window = self.net.windows[p_symbol]
            for member in window:
                local = self.net.graph.local_derivative(p_symbol, member)
                exact = {s: sp.Float(self.value(s), 30) for s in local.free_symbols}
                if float(local.xreplace(exact)) == 1.0:
                    found.append(position[member])
                    break
        return found

    def _maps_figure(self) -> GridFigure:
        words = self.words
        conv = self.conv
        panels: list[GridPanel] = []
        between: list[str] = []
        for f in range(conv.filters):
            a_values, a_cells = self.grid(conv.number, "value", f)
            if panels:
                between.append("")
            panels.append(
                self.panel(words["grid_a"].format(f + 1), a_values, a_cells, self._winner_marks(f))
            )
            if self.pool is not None:
                p_values, p_cells = self.grid(self.pool.number, "value", f)
                between.append("→")
                panels.append(self.panel(words["grid_p"].format(f + 1), p_values, p_cells))
        return self.figure(panels, between)

    def _dense_forward(self) -> list[Block]:
        rows: list[Row] = []
        for layer in self.spec.layers:
            if not isinstance(layer, DenseLayer):
                continue
            for s_symbol, o_symbol in zip(
                _walk(self.net.maps[(0, -layer.number)].symbols),
                _walk(self.net.maps[(0, layer.number)].symbols),
                strict=True,
            ):
                rows.append(self.sum_row(s_symbol[1]))
                rows.append(Row(self.definition(o_symbol[1])))
        rows.append(Row(self.definition(self.net.root)))
        key = "dense_forward" if len(rows) > 1 else "loss_forward"
        return [Paragraph(text(self.words[key])), *self.capped(rows, "dense")]

    def backward(self) -> list[Block]:
        words = self.words
        blocks: list[Block] = [Heading(text(words["backward"]), 3)]
        blocks.extend(self._dense_backward())
        blocks.extend(self._routing())
        blocks.extend(self._deltas())
        blocks.extend(self._kernel())
        blocks.extend(self._bias())
        blocks.extend(self._input())
        return blocks

    def _upstream_sum(self, symbol: sp.Symbol) -> E.Chain:
        """∂L/∂node = Σ over its users of ∂L/∂user · ∂user/∂node = numbers = value."""
        users = self.net.graph.users.get(symbol, ())
        formula: list[E.Node] = []
        numbers: list[E.Node] = []
        for user in users:
            local = self.net.graph.local_derivative(user, symbol)
            local_tree = self.convert(local)
            local_value = float(
                local.xreplace({s: sp.Float(self.value(s), 30) for s in local.free_symbols})
            )
            if user == self.net.root:  # ∂L/∂L = 1: the loss's own derivative alone
                formula.append(local_tree)
                numbers.append(self.numbers_of(local_tree))
                continue
            formula.append(E.product(self.partial(user), local_tree))
            numbers.append(E.product(self.num(self.gradient(user)), self.num(local_value)))
        members: list[E.Node] = [E.total(*formula), E.total(*numbers)]
        return E.equals(self.partial(symbol), *members, self.num(self.gradient(symbol)))

    def _dense_backward(self) -> list[Block]:
        denses = [la for la in self.spec.layers if isinstance(la, DenseLayer)]
        rows: list[Row] = []
        for layer in reversed(denses):
            for _, o_symbol in _walk(self.net.maps[(0, layer.number)].symbols):
                rows.append(
                    Row(E.equals(self.partial(o_symbol), self.num(self.gradient(o_symbol))))
                )
            for _, s_symbol in _walk(self.net.maps[(0, -layer.number)].symbols):
                rows.append(Row(self._upstream_sum(s_symbol)))
        if self.pool is not None:
            target = self.net.maps[(0, self.pool.number)].symbols
        else:
            target = self.net.maps[(0, self.conv.number)].symbols
        # a net that ends in the convolution (the classic exam question) or its pooling feeds
        # the loss straight from these maps: their gradients are the loss's own terms
        for _, symbol in _walk(target):
            rows.append(Row(self._upstream_sum(symbol)))
        key = "output_deltas" if denses else "loss_deltas"
        return [Paragraph(text(self.words[key])), *self.capped(rows)]

    def _routing(self) -> list[Block]:
        pool = self.pool
        if pool is None:
            return []
        words = self.words
        blocks: list[Block] = []
        rows: list[Row] = []
        if pool.kind == MAX_POOL:
            blocks.append(Paragraph(text(words["max_routing"])))
            a_maps = self.net.maps[(0, self.conv.number)].symbols
            for f in range(self.conv.filters):
                winners = self._winners(f)
                pooled = list(itertools.chain.from_iterable(
                    self.net.maps[(0, pool.number)].symbols[f]))  # fmt: skip
                for p_symbol, (row, col) in zip(pooled, winners, strict=True):
                    a_symbol = a_maps[f][row][col]
                    rows.append(Row(E.equals(self.partial(a_symbol), self.partial(p_symbol),
                                             self.num(self.gradient(p_symbol)))))  # fmt: skip
        else:
            share = pool.size * pool.size
            blocks.append(Paragraph(text(words["avg_routing"].format(share))))
            first_p = _walk(self.net.maps[(0, pool.number)].symbols)[0][1]
            a_symbol = self.net.windows[first_p][0]
            rows.append(Row(E.equals(self.partial(a_symbol),
                                     E.Frac(self.partial(first_p), E.Num(share, str(share))),
                                     E.Frac(self.num(self.gradient(first_p)),
                                            E.Num(share, str(share))),
                                     self.num(self.gradient(a_symbol)))))  # fmt: skip
        blocks.extend(self.capped(rows))
        panels: list[GridPanel] = []
        between: list[str] = []
        for f in range(self.conv.filters):
            dp_values, dp_cells = self.grid(pool.number, "gradient", f)
            da_values, da_cells = self.grid(self.conv.number, "gradient", f)
            if panels:
                between.append("")
            panels.append(self.panel(self.words["grid_dp"].format(f + 1), dp_values, dp_cells))
            between.append("→")
            panels.append(self.panel(self.words["grid_da"].format(f + 1), da_values, da_cells,
                                     self._winner_marks(f)))  # fmt: skip
        blocks.append(self.figure(panels, between))
        return blocks

    def _deltas(self) -> list[Block]:
        words = self.words
        conv = self.conv
        rows: list[Row] = []
        z_maps = _walk(self.net.maps[(0, -conv.number)].symbols)
        a_maps = _walk(self.net.maps[(0, conv.number)].symbols)
        for (_, z_symbol), (_, a_symbol) in zip(z_maps, a_maps, strict=True):
            if self.gradient(z_symbol) == 0.0 and self.gradient(a_symbol) == 0.0:
                continue
            local = self.net.graph.local_derivative(a_symbol, z_symbol)
            local_value = float(
                local.xreplace({s: sp.Float(self.value(s), 30) for s in local.free_symbols})
            )
            rows.append(
                Row(
                    E.equals(
                        self.delta(z_symbol),
                        E.product(self.partial(a_symbol), self.convert(local)),
                        E.product(self.num(self.gradient(a_symbol)), self.num(local_value)),
                        self.num(self.gradient(z_symbol)),
                    )
                )
            )
        blocks: list[Block] = [Heading(text(words["delta_maps"]), 4)]
        if len(rows) < len(z_maps):
            blocks.append(Paragraph(text(words["delta_nonzero"])))
        blocks.extend(self.capped(rows))
        if len(rows) < len(z_maps):
            blocks.append(Paragraph(text(words["delta_zero"])))
        panels = []
        for f in range(conv.filters):
            values, cells = self.grid(-conv.number, "gradient", f)
            panels.append(self.panel(words["grid_delta"].format(f + 1), values, cells))
        blocks.append(self.figure(panels))
        return blocks

    def _kernel_terms(self, weight: sp.Symbol) -> tuple[list[E.Node], list[E.Node], int]:
        """A kernel weight's terms δ·x over the positions it touched (δ ≠ 0 only), their
        numbers, and how many positions had δ = 0."""
        formula: list[E.Node] = []
        numbers: list[E.Node] = []
        zero = 0
        for user in self.net.graph.users.get(weight, ()):
            pairs, _ = self.net.terms[user]
            x = next(x for w, x in pairs if w == weight)
            if self.gradient(user) == 0.0:
                zero += 1
                continue
            formula.append(E.product(self.delta(user), self.sym(x)))
            numbers.append(E.product(self.num(self.gradient(user)), self.shown_value(x)))
        return formula, numbers, zero

    def _kernel(self) -> list[Block]:
        words = self.words
        conv = self.conv
        weights = [self.net.parameters[element_name(f"{conv.name}_w", index)]
                   for index in tensor_indices(conv.weight_shape)]  # fmt: skip
        first = weights[0]
        formula, numbers, zero = self._kernel_terms(first)
        blocks: list[Block] = [Paragraph(text(words["kernel_sum"]))]
        members: list[E.Node] = []
        if formula and len(formula) <= MAX_TERMS:
            members = [E.total(*formula), E.total(*numbers)]
        blocks.append(
            Equations(
                (Row(E.equals(self.partial(first), *members, self.num(self.gradient(first)))),),
                "dense",
            )
        )
        if zero:
            blocks.append(Paragraph(text(words["kernel_zero_terms"].format(zero))))
        if len(weights) <= MAX_WEIGHT_ROWS:
            rows = []
            # filter 1's weights; every other filter's are the same sums, in the grids below
            per_filter = len(weights) // conv.filters
            for weight in weights[1:per_filter]:
                _, numbers, _ = self._kernel_terms(weight)
                shown = [E.total(*numbers)] if numbers and len(numbers) <= MAX_TERMS else []
                rows.append(Row(E.equals(self.partial(weight), *shown,
                                         self.num(self.gradient(weight)))))  # fmt: skip
            if rows:
                blocks.append(Paragraph(text(words["kernel_rows"])))
                blocks.append(Equations(tuple(rows)))
        else:
            blocks.append(Paragraph(text(words["kernel_summary"].format(len(weights)))))
        blocks.append(Paragraph(text(words["kernel_grids"])))
        panels = [self._kernel_panel(f, c, "gradient")
                  for f in range(conv.filters) for c in range(conv.in_shape[0])]  # fmt: skip
        blocks.append(self.figure(panels))
        return blocks

    def _bias(self) -> list[Block]:
        conv = self.conv
        rows = []
        for f in range(conv.filters):
            bias = self.net.parameters.get(element_name(f"{conv.name}_b", (f,)))
            if bias is None:
                continue
            users = self.net.graph.users.get(bias, ())
            nonzero = [u for u in users if self.gradient(u) != 0.0]
            members: list[E.Node] = []
            if nonzero and len(nonzero) <= MAX_TERMS:
                members = [E.total(*(self.delta(u) for u in nonzero)),
                           E.total(*(self.num(self.gradient(u)) for u in nonzero))]  # fmt: skip
            rows.append(Row(E.equals(self.partial(bias), *members,
                                     self.num(self.gradient(bias)))))  # fmt: skip
        if not rows:
            return []
        return [Paragraph(text(self.words["bias"])), *self.capped(rows, "dense")]

    def _input(self) -> list[Block]:
        words = self.words
        pixels = _walk(self.net.maps[(0, 0)].symbols)
        # the pixel under the most windows whose δ is not 0: the richest example
        best = max(pixels, key=lambda pair: (
            sum(self.gradient(u) != 0.0 for u in self.net.graph.users.get(pair[1], ())),
            -pixels.index(pair)))[1]  # fmt: skip
        formula: list[E.Node] = []
        numbers: list[E.Node] = []
        for user in self.net.graph.users.get(best, ()):
            if self.gradient(user) == 0.0:
                continue
            pairs, _ = self.net.terms[user]
            weight = next(w for w, x in pairs if x == best)
            formula.append(E.product(self.delta(user), self.sym(weight)))
            numbers.append(E.product(self.num(self.gradient(user)), self.shown_value(weight)))
        members: list[E.Node] = []
        if formula and len(formula) <= MAX_TERMS:
            members = [E.total(*formula), E.total(*numbers)]
        blocks: list[Block] = [
            Paragraph(text(words["input_gradient"])),
            Equations(
                (Row(E.equals(self.partial(best), *members, self.num(self.gradient(best)))),),
                "dense",
            ),
            Paragraph(text(words["input_grid"])),
        ]
        panels = []
        for c in range(self.spec.input_shape[0]):
            values, cells = self.grid(0, "gradient", c)
            panels.append(self.panel(words["grid_dx"].format(c + 1), values, cells))
        blocks.append(self.figure(panels))
        return blocks

    def tensor(self) -> list[Block]:
        words = self.words
        conv = self.conv
        k, s, p = conv.kernel, conv.stride, conv.padding
        f_, c_ = conv.filters, conv.in_shape[0]
        shape_w = _shape((f_, c_, k, k))
        shape_x = _shape(conv.in_shape)
        shape_d = _shape(conv.out_shape)
        padded = words["padded"].format(p) if p else ""
        dilated_w = words["dilated_w"].format(s, s - 1) if s > 1 else ""
        dilated_x = words["dilated_x"].format(s, s - 1) if s > 1 else ""
        crop = words["cropped"].format(p) if p else ""
        reached = (conv.out_shape[1] - 1) * s + k, (conv.out_shape[2] - 1) * s + k
        if reached != (conv.in_shape[1] + 2 * p, conv.in_shape[2] + 2 * p):
            crop += words["uncovered"]
        outside = words["outside"] if p else ""
        return [
            Heading(text(words["tensor"]), 3),
            Paragraph(
                text(words["tensor_w"].format(shape_w, shape_x, padded, shape_d, dilated_w))
            ),  # fmt: skip
            Paragraph(
                text(
                    words["rule_w"].format(
                        _input_index("i", "u", s, p), _input_index("j", "v", s, p), outside
                    )
                ),
                "note",
            ),  # fmt: skip
            Paragraph(text(words["tensor_x"].format(shape_x, dilated_x, k - 1, crop))),
            Paragraph(
                text(
                    words["rule_x"].format(
                        _kernel_index("m", "i", s, p), _kernel_index("n", "j", s, p)
                    )
                ),
                "note",
            ),  # fmt: skip
            Paragraph(text(words["tensor_b"].format(_shape((f_,))))),
            Paragraph(text(words["rule_b"]), "note"),
        ]

    def check(self, summary: ConvCheckSummary) -> list[Block]:
        words = self.words
        header = tuple(text(w) for w in words["check_columns"].split("|"))
        rows = tuple(
            (text(words[f"{kind}_kind"]), text(str(count)), text(f"{error:.1e}"))
            for kind, count, error in summary.rows
        )
        verdict = words["check_ok"] if summary.passed else words["check_bad"]
        return [
            Heading(text(words["check"]), 3),
            Table(header, rows, align="lrr"),
            Paragraph(text(verdict)),
        ]


def _input_index(i: str, u: str, stride: int, padding: int) -> str:
    """The input row (1-based, as the handout counts) under kernel row u of output row i:
    s·(i−1) + u − p, written as simply as the numbers allow (i+u−1 for s = 1, p = 0)."""
    if stride == 1:
        return f"{i}+{u}−{1 + padding}"
    return f"{stride}·({i}−1)+{u}" + (f"−{padding}" if padding else "")


def _kernel_index(m: str, i: str, stride: int, padding: int) -> str:
    """The kernel row (1-based) that input row m meets in output row i: m − s·(i−1) + p."""
    if stride == 1:
        return f"{m}−{i}+{1 + padding}"
    return f"{m}−{stride}·({i}−1)" + (f"+{padding}" if padding else "")


def _shape(shape: Sequence[int]) -> str:
    return "×".join(str(n) for n in shape)


def conv_handout_blocks(
    net: ConvNet,
    numbers: ConvNumbers,
    lang: str = "en",
    digits: int = 4,
    check: ConvCheckSummary | None = None,
    title: str = "",
) -> tuple[Block, ...]:
    """The whole handout of a convolutional network (its first sample) as document blocks."""
    writer = _Writer(net, numbers, lang, digits)
    blocks: list[Block] = [Heading(text(title), 1)] if title else []  # as a dense handout
    blocks += writer.intro()
    blocks += writer.forward()
    blocks += writer.backward()
    blocks += writer.tensor()
    if check is not None:
        blocks += writer.check(check)
    return tuple(blocks)


def check_summary(
    numbers: ConvNumbers, torch_result: object, names: Mapping[str, float] | None = None
) -> ConvCheckSummary:
    """The handout's check table from the core's numbers and torch's (torch_conv_check)."""
    net = numbers.net
    ours = numbers.parameter_gradients
    theirs = list(torch_result.parameter_gradients)  # type: ignore[attr-defined]
    conv_error = dense_error = 0.0
    conv_count = dense_count = 0
    for (name, value), reference in zip(ours.items(), theirs, strict=True):
        error = abs(value - reference)
        if name.startswith("conv"):
            conv_error, conv_count = max(conv_error, error), conv_count + 1
        else:
            dense_error, dense_count = max(dense_error, error), dense_count + 1
    pixels = list(numbers.input_gradients(0).values())
    reference_pixels = list(torch_result.input_gradients[0])  # type: ignore[attr-defined]
    input_error = max(abs(a - b) for a, b in zip(pixels, reference_pixels, strict=True))
    loss_error = abs(numbers.loss - torch_result.loss)  # type: ignore[attr-defined]
    rows = [("weights", conv_count, conv_error)]
    if dense_count:
        rows.append(("dense", dense_count, dense_error))
    rows += [("input", len(pixels), input_error), ("loss", 1, loss_error)]
    scale = max(1.0, *(abs(v) for v in ours.values()), abs(numbers.loss))
    passed = all(error <= 1e-10 * scale for _, _, error in rows)
    del net, names
    return ConvCheckSummary(tuple(rows), passed)
