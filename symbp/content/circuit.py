"""What a circuit's derivation says: the forward pass node by node, the backward pass gate by
gate (upstream × local = downstream, each gate's pattern named, sums where a value fans out),
every input's gradient and closed form, and the check against torch and central differences.
"""

from __future__ import annotations

import re

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    CircuitDiagram,
    CircuitNode,
    Equations,
    Heading,
    Inlines,
    Math,
    Paragraph,
    Row,
    Table,
    Text,
    sentence,
    text,
)
from symbp.content.labels import labels
from symbp.content.numbers import computed_num, difference, given_num, result_num
from symbp.core.circuit import CircuitDerivation, Gate
from symbp.core.operations import ADD, SUBTRACT, Operation, operation_info
from symbp.torchcheck.circuit_check import CircuitCheck

#: a closed form longer than this (display tree nodes) is described, not printed
MAX_CLOSED_FORM_SIZE = 120


def node_names(derivation: CircuitDerivation) -> dict[sp.Symbol, E.Name]:
    """How each node is written: x, w₀ (w0), c₂ (c's second version), t₁ (an unnamed gate)."""
    circuit = derivation.circuit
    found: dict[sp.Symbol, E.Name] = {}
    for symbol, (stem, version) in circuit.versions.items():
        plain = circuit.names[symbol]
        if version:
            found[symbol] = E.Name(stem, str(version), plain=plain)
            continue
        match = re.fullmatch(r"([A-Za-z]+)(\d+)", stem)
        if match:
            found[symbol] = E.Name(match.group(1), match.group(2), plain=plain)
        else:
            found[symbol] = E.Name(stem, plain=plain)
    return found


class _Writer:
    def __init__(self, derivation: CircuitDerivation, lang: str, digits: int) -> None:
        self.derivation = derivation
        self.circuit = derivation.circuit
        self.words = labels(lang)
        self.lang = lang
        self.digits = digits
        self.names = node_names(derivation)
        order = {symbol: (float(i),) for i, symbol in enumerate(self.circuit.graph.nodes)}
        # numbers in a gate's definition are the expression's constants: shown as written
        self.convert = E.Converter(self.names, order, {}, lambda value: given_num(value, digits))
        self.root = self.circuit.root

    def sym(self, symbol: sp.Symbol) -> E.Sym:
        return E.Sym(self.names[symbol], symbol)

    def partial(self, of: sp.Symbol, wrt: sp.Symbol) -> E.Partial:
        return E.Partial(self.names[of], self.names[wrt])

    def value(self, symbol: sp.Symbol) -> E.Num:
        number = self.circuit.values[symbol]
        if symbol in self.circuit.given:
            return given_num(number, self.digits)
        return computed_num(number, self.digits)

    def number(self, value: float) -> E.Num:
        return computed_num(value, self.digits)

    def numbers(self, tree: E.Node) -> E.Node:
        """The tree with every node's symbol replaced by its value."""

        def value_of(item: E.Sym | E.Partial) -> E.Node | None:
            if isinstance(item, E.Sym) and isinstance(item.key, sp.Symbol):
                return self.value(item.key)
            return None

        return E.substitute(tree, value_of)

    def as_written(self, gate: Gate) -> E.Node | None:
        """An add or subtract gate's formula in its inputs' order (z − x, not sympy's −x + z);
        None for any other gate (sympy's form is the one shown)."""
        if gate.operation not in (ADD, SUBTRACT):
            return None
        terms: list[E.Node] = []
        for index, arg in enumerate(gate.args):
            if isinstance(arg, sp.Symbol):
                node = self.convert(arg)
            elif arg < 0:
                return None  # a negative constant: sympy's form
            else:
                number = float(arg)
                node = self.convert(
                    sp.Integer(int(number)) if number.is_integer() else sp.Float(number)
                )
            terms.append(E.Neg(node) if index and gate.operation is SUBTRACT else node)
        return E.Add(tuple(terms))

    def chain(
        self, lhs: E.Node, formula: sp.Expr, value: float, tree: E.Node | None = None
    ) -> E.Chain:
        """lhs = formula = numbers = value, dropping a member that repeats the one before
        (`tree`: the formula already converted, as the gate is written)."""
        tree = self.convert(formula) if tree is None else tree
        members: list[E.Node] = [tree]
        substituted = self.numbers(tree)
        if substituted != tree:
            members.append(substituted)
        shown = self.number(value)
        last = members[-1]
        if isinstance(last, E.Neg) and isinstance(last.arg, E.Num):  # -1 = -1 once
            last = E.Num(-last.arg.value, "-" + last.arg.text)
        if not (isinstance(last, E.Num) and last.text == shown.text):
            members.append(shown)
        return E.equals(lhs, *members)

    # -- the sections ---------------------------------------------------------------------------

    def intro(self) -> list[Block]:
        inputs = self.listing(self.circuit.inputs)
        parts = _sentence(
            self.words["circuit_intro"],
            sentence("{}", str(len(self.circuit.gates))),
            inputs,
            sentence("{}", self.sym(self.root)),
        )
        blocks: list[Block] = [Paragraph(parts)]
        versions = tuple(s for s, (_, version) in self.circuit.versions.items() if version > 1)
        versions = tuple(s for s in versions if self.circuit.gate(s) is not None and "_" in str(s))
        if versions:
            blocks.append(
                Paragraph(_sentence(self.words["circuit_renamed"], self.listing(versions)))
            )
        return blocks

    def listing(self, symbols: tuple[sp.Symbol, ...]) -> Inlines:
        """x, y, z: each name as inline math, separated by commas."""
        parts: list[Text | Math] = []
        for index, symbol in enumerate(symbols):
            if index:
                parts.append(Text(", "))
            parts.append(Math(self.sym(symbol)))
        return tuple(parts)

    def diagram(self) -> list[Block]:
        order = {symbol: index for index, symbol in enumerate(self.circuit.graph.nodes)}
        drawn = []
        for symbol in self.circuit.graph.nodes:
            gate = self.circuit.gate(symbol)
            glyph, glyph_latex = ("", "") if gate is None else _glyph(gate.operation)
            if gate is not None:  # a constant operand is written in the gate (+1, 1÷, ×2)
                constants = [(i, given_num(a, self.digits).text) for i, a in
                             enumerate(gate.args) if not isinstance(a, sp.Symbol)]  # fmt: skip
                for position, number in constants:
                    if position == 0:
                        glyph, glyph_latex = number + glyph, number + glyph_latex
                    else:
                        glyph, glyph_latex = glyph + number, glyph_latex + number
            drawn.append(
                CircuitNode(
                    self.names[symbol],
                    glyph,
                    glyph_latex,
                    self.value(symbol).text,
                    self.number(self.derivation.gradients[symbol]).text,
                    # each use drawn in the gate's list (c, c for c·c)
                    tuple(
                        order[a]
                        for a in (gate.args if gate is not None else ())
                        if isinstance(a, sp.Symbol)
                    ),
                )
            )
        words = (self.words["circuit_check_node"], *self.words["circuit_columns"].split("|"))
        return [
            Paragraph(sentence(self.words["circuit_diagram"], self.sym(self.root))),
            CircuitDiagram(tuple(drawn), words),
        ]

    def forward(self) -> list[Block]:
        rows = [Row(E.equals(self.sym(s), self.value(s))) for s in self.circuit.inputs]
        for gate in self.circuit.gates:
            definition = self.circuit.definition(gate.symbol)  # c·c as written, not c²
            value = self.circuit.values[gate.symbol]
            rows.append(
                Row(self.chain(self.sym(gate.symbol), definition, value, self.as_written(gate)))
            )
        return [Heading(text(self.words["circuit_forward"]), 3), Equations(tuple(rows))]

    def backward(self) -> list[Block]:
        words = self.words
        derivation = self.derivation
        graph = self.circuit.graph
        start = E.equals(self.partial(self.root, self.root), E.Num(1.0, "1"))
        blocks: list[Block] = [
            Heading(text(words["circuit_backward"]), 3),
            Paragraph(sentence(words["circuit_backward_intro"], start)),
        ]
        for gate in reversed(self.circuit.gates):
            symbol = gate.symbol
            uses = derivation.contributions.get(symbol, ())
            if len(uses) > 1:
                blocks.extend(self.fan_out(symbol))
            blocks.append(Paragraph(self.pattern(gate.symbol)))
            inputs = graph.nodes[symbol].inputs
            if any(
                self.tie(u.local)
                for p in inputs
                for u in derivation.contributions[p]
                if u.user == symbol
            ):
                equal = E.equals(*(self.sym(p) for p in inputs), self.value(inputs[0]))
                blocks.append(Paragraph(sentence(words["circuit_tie"], equal)))
            rows: list[Row] = []
            gate_uses = [
                (parent, u)
                for parent in graph.nodes[symbol].inputs
                for u in derivation.contributions[parent]
                if u.user == symbol
            ]
            for parent, use in gate_uses:
                tag: Inlines = ()
                if use.position is not None:  # the gate takes it twice (c·c): which input
                    tag = sentence(
                        words["circuit_through_input"], self.sym(symbol), str(use.position + 1)
                    )
                elif len(derivation.contributions[parent]) > 1:
                    tag = sentence(words["circuit_through"], self.sym(symbol))
                local = self.chain(self.partial(symbol, parent), use.local, use.local_value)
                local_tag = tag
                if self.tie(use.local):  # 1[0 > 0] would read 0: the split said, not printed
                    local = E.equals(self.partial(symbol, parent), self.number(use.local_value))
                    local_tag = tag or text(words["circuit_tie_tag"])
                if symbol == self.root:  # the objective's local gradients are the downstream
                    if tag:  # ∂root/∂parent names the sum: this use's term, as at any gate
                        product = E.product(
                            self.partial(symbol, symbol), self.partial(symbol, parent)
                        )
                        numbers = E.Mul((E.Num(1.0, "1"), self.number(use.local_value)))
                        local = E.equals(product, numbers, self.number(use.value))
                    rows.append(Row(local, local_tag))
                    continue
                rows.append(Row(local, () if local_tag is tag else local_tag))
                product = E.product(self.partial(self.root, symbol), self.partial(symbol, parent))
                numbers = E.Mul((self.number(use.upstream), self.number(use.local_value)))
                if tag:  # one use of several: its term, not yet ∂root/∂parent
                    chain = E.equals(product, numbers, self.number(use.value))
                else:
                    chain = E.equals(
                        self.partial(self.root, parent), product, numbers, self.number(use.value)
                    )
                rows.append(Row(chain, tag))
            blocks.append(Equations(tuple(rows)))
        for symbol in self.circuit.inputs:
            if len(derivation.contributions.get(symbol, ())) > 1:
                blocks.extend(self.fan_out(symbol))
        return blocks

    def tie(self, local: sp.Expr) -> bool:
        """Whether a local gradient holds a max's or min's step at exactly 0 (a tie), where
        Heaviside(0) = ½ splits the gradient as torch does."""
        values = {s: sp.Float(v, 30) for s, v in self.circuit.values.items()}
        for step in local.atoms(sp.Heaviside):
            if len(step.args) > 1 and step.args[1] != sp.S.Half:
                continue
            if step.args[0].xreplace(values) == 0:
                return True
        return False

    def pattern(self, symbol: sp.Symbol) -> Inlines:
        gate = self.circuit.gate(symbol)
        assert gate is not None
        entry = gate.operation
        if entry.gate_words:
            return sentence(self.words[entry.gate_words], self.sym(symbol))
        name = operation_info(entry.name).chinese if self.lang == "zh" else entry.english
        key = "gate_other_an" if name[:1].lower() in "aeiou" else "gate_other"  # an exponential
        return sentence(self.words[key], self.sym(symbol), name)

    def fan_out(self, symbol: sp.Symbol) -> list[Block]:
        uses = self.derivation.contributions[symbol]
        total = E.Add(tuple(self.number(u.value) for u in uses))
        chain = E.equals(
            self.partial(self.root, symbol), total, self.number(self.derivation.gradients[symbol])
        )
        return [
            Paragraph(
                sentence(self.words["circuit_fan_out"], self.sym(symbol), str(len(uses)), chain)
            )
        ]

    def gradients(self, wrt: tuple[sp.Symbol, ...]) -> list[Block]:
        words = self.words
        shown = (*self.circuit.inputs, *(s for s in wrt if s not in self.circuit.inputs))
        rows = tuple(
            Row(E.equals(self.partial(self.root, s), result_num(self.derivation.gradients[s])))
            for s in shown
        )
        blocks: list[Block] = [
            Heading(sentence(words["circuit_gradients"], self.sym(self.root)), 3),
            Equations(rows),
            Heading(text(words["circuit_closed"]), 3),
        ]
        closed_rows: list[Row] = []
        for symbol in shown:
            closed = self.derivation.closed_form(symbol)
            # sympy's tree is a little larger than the display's (a − b is a + (−1)·b): one
            # far beyond the limit is not converted (a walk, where count_ops costs 50 times more)
            nodes = _nodes(closed, 2 * MAX_CLOSED_FORM_SIZE)
            tree = self.convert(closed) if nodes < 2 * MAX_CLOSED_FORM_SIZE else None
            if tree is None or E.size(tree) > MAX_CLOSED_FORM_SIZE:
                if closed_rows:
                    blocks.append(Equations(tuple(closed_rows)))
                    closed_rows = []
                size = E.size(tree) if tree is not None else _nodes(closed)
                blocks.append(
                    Paragraph(
                        sentence(
                            words["circuit_closed_long"],
                            self.partial(self.root, symbol),
                            str(size),
                        )
                    )
                )
                continue
            closed_rows.append(Row(E.equals(self.partial(self.root, symbol), tree)))
        if closed_rows:
            blocks.append(Equations(tuple(closed_rows)))
        return blocks

    def check(self, check: CircuitCheck) -> list[Block]:
        words = self.words
        header = (
            text(words["circuit_check_node"]),
            text("symbp"),
            text("torch"),
            text("|Δ|"),
            text(words["circuit_differences"]),
            text("|Δ|"),
        )
        rows = []
        for symbol in check.symbolic:
            torch_cells: tuple[Inlines, Inlines] = (text(""), text(""))
            if symbol in check.torch:
                torch_cells = (
                    text(result_num(check.torch[symbol]).text),
                    text(difference(check.torch_error(symbol))),
                )
            fd_cells: tuple[Inlines, Inlines] = (text(""), text(""))
            if symbol in check.differences:
                fd_cells = (
                    text(result_num(check.differences[symbol]).text),
                    text(difference(check.difference_error(symbol))),
                )
            rows.append(
                (
                    (Math(self.partial(self.root, symbol)),),
                    text(result_num(check.symbolic[symbol]).text),
                    *torch_cells,
                    *fd_cells,
                )
            )
        verdict = words["circuit_verdict_ok"] if check.passed else words["circuit_verdict_bad"]
        blocks: list[Block] = [
            Heading(sentence(words["circuit_check"], check.dtype), 3),
            Table(header, tuple(rows), align="lrrrrr"),
        ]
        for symbol in check.at_kink:
            blocks.append(Paragraph(sentence(words["circuit_check_kink"], self.sym(symbol))))
        blocks.append(Paragraph((Text(verdict + ("." if self.lang == "en" else "。")),)))
        return blocks


#: how a circuit's gate shows an operator written between operands, as text and as LaTeX
_OPERATOR_GLYPHS = {"+": ("+", "+"), "*": ("×", r"\times"), "-": ("−", "-"), "/": ("÷", r"\div")}


def _glyph(entry: Operation) -> tuple[str, str]:
    """The sign a gate's circle holds: its operator (+, ×), or its function's name (exp, σ)."""
    if entry.infix in _OPERATOR_GLYPHS:
        return _OPERATOR_GLYPHS[entry.infix]
    if entry.infix:  # a power
        return "pow", r"\mathrm{pow}"
    text = entry.text or entry.call_name
    escaped = entry.call_name.replace("_", "\\_")
    return text, entry.latex or rf"\mathrm{{{escaped}}}"


def _nodes(expr: sp.Basic, limit: int | None = None) -> int:
    """The symbols and operations of a sympy tree (counted up to `limit`)."""
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if limit is not None and count >= limit:
            break
    return count


def _sentence(template: str, *fills: Inlines) -> Inlines:
    """A label template filled with runs of inline content (a list of names)."""
    pieces = template.split("{}")
    parts: list[Text | Math] = []
    for piece, fill in zip(pieces, (*fills, ()), strict=True):
        if piece:
            parts.append(Text(piece))
        parts.extend(fill)
    return tuple(parts)


def circuit_diagram(
    derivation: CircuitDerivation, lang: str = "en", digits: int = 4
) -> CircuitDiagram:
    """The circuit's drawing alone (its values and gradients), without the derivation's text."""
    block = _Writer(derivation, lang, digits).diagram()[-1]
    assert isinstance(block, CircuitDiagram)
    return block


def circuit_blocks(
    derivation: CircuitDerivation,
    lang: str = "en",
    digits: int = 4,
    check: CircuitCheck | None = None,
    wrt: tuple[sp.Symbol, ...] = (),
    title: str = "",
) -> tuple[Block, ...]:
    """The whole derivation of a circuit as document blocks."""
    writer = _Writer(derivation, lang, digits)
    blocks: list[Block] = [Heading(text(title), 2)] if title else []
    blocks += [*writer.intro(), *writer.diagram(), *writer.forward(), *writer.backward()]
    blocks.extend(writer.gradients(wrt))
    if check is not None:
        blocks.extend(writer.check(check))
    return tuple(blocks)


def problem_blocks(derivation: CircuitDerivation, lang: str = "en", digits: int = 4) -> list[Block]:
    """The circuit as an exercise states it, without a value or gradient it asks for: the
    introduction, each gate's formula and the inputs' given values."""
    writer = _Writer(derivation, lang, digits)
    words = writer.words
    gates = []
    for gate in writer.circuit.gates:
        node = writer.circuit.graph.nodes.get(gate.symbol)
        if node is not None and node.definition is not None:
            gates.append(Row(E.equals(writer.sym(gate.symbol), writer.convert(node.definition))))
    given = tuple(Row(E.equals(writer.sym(s), writer.value(s))) for s in writer.circuit.inputs)
    return [
        *writer.intro(),
        Paragraph(text(words["circuit_exercise_gates"])),
        Equations(tuple(gates)),
        Paragraph(text(words["circuit_exercise_given"])),
        Equations(given),
    ]


def quantity_math(derivation: CircuitDerivation, node: sp.Symbol, gradient: bool) -> E.Node:
    """An asked quantity as mathematics: the node (q, c₂) or ∂f/∂q."""
    writer = _Writer(derivation, "en", 4)
    return writer.partial(writer.root, node) if gradient else writer.sym(node)


def objective_math(derivation: CircuitDerivation) -> E.Node:
    writer = _Writer(derivation, "en", 4)
    return writer.sym(writer.root)
