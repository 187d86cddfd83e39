"""What a recurrent network's derivation says: the rules, the unrolled graph, the forward pass
step by step, the δ recursion back through time with numbers, each shared weight's gradient as
a sum over the steps (each step's term), the product of factors that makes gradients vanish or
explode (with the example's numbers), and the check against nn.RNN, a torch loop and central
differences.

Everything shown is read off the sweep over the unrolled graph (symbp.core.rnn): the formulas
are the sweep's, the numbers its terms evaluated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
    Text,
    run_on,
    sentence,
    text,
)
from symbp.content.numbers import computed_num, difference, given_num, result_num
from symbp.content.rnn_figure import unrolled_figure
from symbp.content.rnn_words import rnn_labels
from symbp.core.operations import activation_info, loss_info
from symbp.core.rnn import RnnDerivation, StepTerm
from symbp.core.rnn_spec import B_HH, B_IH, B_Y, LAST, W_HH, W_HY, W_XH
from symbp.torchcheck.rnn_check import RnnCheck

#: δ, weights and biases, then values: the order of a product's factors (Converter's kinds)
_DELTA, _WEIGHT, _VALUE = 1, 2, 3
#: the most steps the per-step sections write out in full (the first and last are kept)
MAX_STEPS_SHOWN = 12
#: the most paths from a weight to L listed one by one
MAX_PATHS_LISTED = 8
#: the most columns of numbers a table of the biases' terms sets across the page
MAX_TABLE_COLUMNS = 6
_BIASES = (B_IH, B_HH, B_Y)


def _subscript(*parts: object) -> str:
    return ",".join(str(p) for p in parts)


def _count(number: int) -> str:
    """A count as digits, or about 1.9e+17 when it has more than six."""
    return str(number) if number < 10**6 else f"~{number:.2g}"


def _name(base: str, *parts: object) -> E.Name:
    """base with the subscript parts: h_{1,0} in LaTeX, h_1_0 in plain text (which a reader of
    text, and check-hand, can take apart)."""
    if not parts:
        return E.Name(base, plain=base)
    plain = base + "".join(f"_{p}" for p in parts)
    return E.Name(base, _subscript(*parts), plain=plain)


class _Writer:
    def __init__(self, derivation: RnnDerivation, lang: str, digits: int) -> None:
        self.derivation = derivation
        self.model = derivation.model
        self.spec = derivation.spec
        self.words = rnn_labels(lang)
        self.lang = lang
        self.digits = digits
        self.names: dict[sp.Symbol, E.Name] = {}
        kinds: dict[sp.Symbol, int] = {}
        order: dict[sp.Symbol, tuple[float, ...]] = {}
        for position, (symbol, place) in enumerate(self.model.places.items()):
            self.names[symbol] = self._name(place, self.model.names[symbol])
            # a target after its output: (o − y), as the dense derivations write it
            late = 1e6 if place.kind == "y" else 0.0
            order[symbol] = (float(place.step), float(position) + late)
            kinds[symbol] = _VALUE if place.kind in "xhzuoy" else _WEIGHT
        for node, named in self.model.named.items():
            place = self.model.places[node]
            self.names[named] = self._gradient_name(node)
            order[named] = (float(place.step), float(len(order)))
            kinds[named] = _DELTA
        # the numbers in a definition are exact constants (½, the exponent 2): shown as written
        self.convert = E.Converter(
            self.names, order, kinds, lambda value: given_num(value, digits), index_base=0
        )
        self.loss_name = E.Name("L", plain="L")

    # -- names ----------------------------------------------------------------------------------

    def _name(self, place: object, plain: str) -> E.Name:
        from symbp.core.rnn import Place

        assert isinstance(place, Place)
        spec = self.spec
        if place.kind == "L":
            return E.Name("L", plain="L")
        if place.column >= 0 or place.kind in (B_IH, B_HH, B_Y):
            base, _, sub = place.kind.partition("_")
            rows, columns = spec.shapes()[place.kind][0], (spec.shapes()[place.kind] + (1,))[1]
            if rows * columns == 1:
                return E.Name(base, sub, plain=place.kind)
            index = (place.unit, place.column) if place.column >= 0 else (place.unit,)
            return E.Name(
                base, _subscript(sub, *index), plain="_".join(map(str, (place.kind, *index)))
            )
        width = {
            "x": spec.n_inputs,
            "h": spec.n_hidden,
            "z": spec.n_hidden,
            "u": spec.n_outputs,
            "o": spec.n_outputs,
            "y": spec.n_outputs,
        }[place.kind]
        # with several sequences a node's subscript starts with its sequence: h_{s2,1}
        several = spec.n_sequences > 1
        start = (f"s{place.sequence + 1}",) if several else ()
        if width == 1:
            return _name(place.kind, *start, place.step)
        return _name(place.kind, *start, place.step, place.unit)

    def _gradient_name(self, node: sp.Symbol) -> E.Name:
        place = self.model.places[node]
        own = self.names[node]
        if place.kind == "z":
            return E.Name("δ", own.sub, plain=own.plain.replace("z", "δ", 1))
        if place.kind == "u":  # the output's δ: δ_{o,t} (δ_o1 in the dense derivations)
            return E.Name("δ", f"o,{own.sub}", plain=own.plain.replace("u", "δo", 1))
        return E.Name(f"∂L/∂{own}", plain=f"∂L/∂{own}")

    def sym(self, symbol: sp.Symbol) -> E.Node:
        if symbol in self.derivation.model.named.values():
            node = self._of_named[symbol]
            if self.model.places[node].kind in ("h", "o"):
                return E.Partial(self.loss_name, self.names[node], symbol)
        return E.Sym(self.names[symbol], symbol)

    @property
    def _of_named(self) -> dict[sp.Symbol, sp.Symbol]:
        return {named: node for node, named in self.model.named.items()}

    def gradient_sym(self, node: sp.Symbol) -> E.Node:
        """∂L/∂node as displays write it: δ for z and u, ∂L/∂h, ∂L/∂o, ∂L/∂W."""
        named = self.model.named.get(node)
        if named is not None:
            return self.sym(named)
        return E.Partial(self.loss_name, self.names[node], node)

    # -- numbers --------------------------------------------------------------------------------

    def value(self, symbol: sp.Symbol) -> E.Num:
        number = self.derivation.values[symbol]
        if self.model.graph.nodes[symbol].is_leaf:
            return given_num(number, self.digits)
        return computed_num(number, self.digits)

    def number(self, value: float) -> E.Num:
        return computed_num(value, self.digits)

    def converted(self, formula: sp.Expr) -> E.Node:
        tree = self.convert(formula)

        def rename(item: E.Sym | E.Partial) -> E.Node | None:
            if isinstance(item, E.Sym) and isinstance(item.key, sp.Symbol):
                shown = self.sym(item.key)
                return None if shown == item else shown
            return None

        return E.substitute(tree, rename)

    def numbers(self, tree: E.Node) -> E.Node:
        derivation = self.derivation

        def value_of(item: E.Sym | E.Partial) -> E.Node | None:
            key = item.key
            if not isinstance(key, sp.Symbol):
                return None
            if key in derivation.values and key in self.model.places:
                return self.value(key)
            if key in self._of_named:
                return self.number(derivation.gradient_value(key))
            return None

        return E.substitute(tree, value_of)

    def chain(self, lhs: E.Node, formula: sp.Expr, value: float) -> E.Chain:
        """lhs = formula = numbers = value, a member that repeats the one before dropped."""
        tree = self.converted(formula)
        members: list[E.Node] = [tree]
        substituted = self.numbers(tree)
        if substituted != tree:
            members.append(substituted)
        shown = self.number(value)
        if not (isinstance(members[-1], E.Num) and members[-1].text == shown.text):
            members.append(shown)
        return E.equals(lhs, *members)

    def steps_shown(self) -> tuple[int, ...]:
        """The steps written out in full: all, or the first and last few of a long sequence."""
        n = self.spec.n_steps
        if n <= MAX_STEPS_SHOWN:
            return tuple(range(1, n + 1))
        half = MAX_STEPS_SHOWN // 2
        return (*range(1, half + 1), *range(n - half + 1, n + 1))

    # -- sections -------------------------------------------------------------------------------

    def intro(self) -> list[Block]:
        spec, words = self.spec, self.words
        loss_entry = loss_info(spec.loss)

        def named(name: str) -> str:
            info = activation_info(name)
            return info.chinese if self.lang == "zh" else info.english

        blocks: list[Block] = [
            Paragraph(
                sentence(
                    words["rnn_model"],
                    str(spec.n_steps),
                    str(spec.n_inputs),
                    str(spec.n_hidden),
                    str(spec.n_outputs),
                    named(spec.cell_activation),
                    named(spec.output_activation),
                    loss_entry.chinese if self.lang == "zh" else loss_entry.english,
                    words["rnn_mean" if spec.reduction == "mean" else "rnn_sum"],
                    words["rnn_targets_last" if spec.target_steps == LAST else "rnn_targets_all"],
                )
            ),
            Paragraph(text(words["rnn_names"])),
        ]
        if spec.n_sequences > 1:
            blocks.append(Paragraph(sentence(words["rnn_sequences"], str(spec.n_sequences))))
        blocks.append(Heading(text(words["rnn_rules"]), 3))
        blocks.append(Equations(self.rules()))
        return blocks

    def rules(self) -> tuple[Row, ...]:
        spec = self.spec

        def vector(name: str, sub: str) -> E.Sym:
            return E.Sym(E.Name(name, sub, plain=f"{name}_{sub}"))

        def matrix(name: str) -> E.Sym:
            base, _, sub = name.partition("_")
            return E.Sym(E.Name(base, sub, plain=name))

        biases = dict(spec.biases)
        z_terms: list[E.Node] = [E.Mul((matrix(W_XH), vector("x", "t")))]
        z_terms += [matrix(B_IH)] if B_IH in biases else []
        z_terms.append(E.Mul((matrix(W_HH), vector("h", "t-1"))))
        z_terms += [matrix(B_HH)] if B_HH in biases else []
        cell = activation_info(spec.cell_activation).call_name
        head = activation_info(spec.output_activation)
        u_terms: list[E.Node] = [E.Mul((matrix(W_HY), vector("h", "t")))]
        u_terms += [matrix(B_Y)] if B_Y in biases else []
        head_call: E.Node = vector("u", "t")
        if head.torch_function:
            head_call = E.Call(head.call_name, (vector("u", "t"),))
        return (
            Row(E.equals(vector("z", "t"), E.total(*z_terms))),
            Row(E.equals(vector("h", "t"), E.Call(cell, (vector("z", "t"),)))),
            Row(E.equals(vector("u", "t"), E.total(*u_terms))),
            Row(E.equals(vector("o", "t"), head_call)),
            *self.loss_rule(),
        )

    def loss_rule(self) -> tuple[Row, ...]:
        """L written out, when it is short (the model's sentence names it otherwise)."""
        graph_node = self.model.graph.nodes[self.model.loss]
        assert graph_node.definition is not None
        if len(graph_node.inputs) > 6:
            return ()
        return (Row(E.equals(E.Sym(self.loss_name), self.converted(graph_node.definition))),)

    def unrolled(self) -> list[Block]:
        """The unrolled graph's heading and what it is; the figure that follows draws it with
        every node's value (the forward pass writes each out, so no list repeats them here)."""
        words = self.words
        return [
            Heading(text(words["rnn_unrolled"]), 3),
            Paragraph(text(words["rnn_unrolled_intro"])),
        ]

    def forward(self) -> list[Block]:
        model, derivation = self.model, self.derivation
        rows: list[Row] = []
        for t in self.steps_shown():
            for symbol in (*model.z[0][t], *model.h[0][t]):
                rows.append(Row(self.chain(self.sym(symbol), self.definition(symbol),
                                           derivation.values[symbol])))  # fmt: skip
            if t in model.o[0]:
                for symbol in (*model.u[0][t], *model.o[0][t]):
                    if model.o[0][t] and symbol in model.o[0][t] and self._identity_head:
                        continue
                    rows.append(Row(self.chain(self.sym(symbol), self.definition(symbol),
                                               derivation.values[symbol])))  # fmt: skip
        loss_node = model.graph.nodes[model.loss]
        assert loss_node.definition is not None
        if len(loss_node.inputs) <= 6:
            rows.append(Row(self.chain(E.Sym(self.loss_name), loss_node.definition,
                                       derivation.loss)))  # fmt: skip
        else:
            rows.append(Row(E.equals(E.Sym(self.loss_name), self.number(derivation.loss))))
        return [Heading(text(self.words["rnn_forward"]), 3), Equations(tuple(rows))]

    @property
    def _identity_head(self) -> bool:
        # o = u: the output rows would repeat the u rows
        return not activation_info(self.spec.output_activation).torch_function

    def definition(self, symbol: sp.Symbol) -> sp.Expr:
        node = self.model.graph.nodes[symbol]
        assert node.definition is not None
        return node.definition

    def backward(self) -> list[Block]:
        words, model = self.words, self.model
        rule = E.equals(
            E.Sym(E.Name("δ", "t", plain="δ_t")),
            E.Hadamard(
                (
                    E.total(
                        E.Mul((E.Transpose(E.Sym(E.Name("W", "hy", plain=W_HY))),
                               E.Sym(E.Name("δ", "o,t", plain="δo_t")))),
                        E.Mul((E.Transpose(E.Sym(E.Name("W", "hh", plain=W_HH))),
                               E.Sym(E.Name("δ", "t+1", plain="δ_t+1")))),
                    ),
                    E.Call(activation_info(self.spec.cell_activation).call_name,
                           (E.Sym(E.Name("z", "t", plain="z_t")),), prime=True),
                )
            ),
        )  # fmt: skip
        blocks: list[Block] = [
            Heading(text(words["rnn_backward"]), 3),
            Paragraph(text(words["rnn_backward_intro"])),
            Equations((Row(rule),)),
        ]
        for t in reversed(self.steps_shown()):
            rows: list[Row] = []
            if t in model.o[0] and self._identity_head:
                for o, u in zip(model.o[0][t], model.u[0][t], strict=True):
                    rows.append(self.output_delta_row(o, u))
            elif t in model.o[0]:
                for o in model.o[0][t]:
                    rows.append(self.gradient_row(o))
                for u in model.u[0][t]:
                    rows.append(self.gradient_row(u))
            for h in model.h[0][t]:
                rows.append(self.gradient_row(h))
            for z in model.z[0][t]:
                rows.append(self.gradient_row(z))
            blocks.append(Paragraph(sentence(words["rnn_step_delta"], str(t))))
            blocks.append(Equations(tuple(rows)))
        return blocks

    def output_delta_row(self, o: sp.Symbol, u: sp.Symbol) -> Row:
        """δ_o = ∂L/∂o = formula = numbers = value in one row: with an identity head o = u, so
        the output's δ is ∂L/∂o itself and a row of its own would only repeat it."""
        row = self.gradient_row(o).chain
        return Row(E.Chain(self.gradient_sym(u), (E.Step("=", row.lhs), *row.steps)))

    def gradient_row(self, node: sp.Symbol) -> Row:
        formula = self.derivation.sweep.formula(node)
        return Row(self.chain(self.gradient_sym(node), formula, self.derivation.gradient(node)))

    def shared(self, weights: Sequence[sp.Symbol]) -> list[Block]:
        """Each shared parameter's gradient as its sum over steps. What repeats is said once: the
        paths sentence, the table of terms and the path list for a matrix's first entry shown;
        a parameter whose terms are another's (b_hh's are b_ih's) as one line; no table of
        terms when every local derivative is 1 (a bias's terms are its δs, in the display)."""
        words, derivation, model = self.words, self.derivation, self.model
        blocks: list[Block] = [
            Heading(text(words["rnn_shared"]), 3),
            Paragraph(text(words["rnn_shared_intro"])),
        ]
        bias_blocks = self.bias_table(weights)
        if bias_blocks:
            weights = [s for s in weights if self.model.places[s].kind not in _BIASES]
        kinds_said: set[str] = set()
        listed_kinds: set[str] = set()
        tabled: set[str] = set()
        by_terms: dict[tuple[tuple[sp.Symbol, float], ...], sp.Symbol] = {}
        for symbol in weights:
            kind = model.places[symbol].kind
            uses = derivation.step_terms(symbol)
            signature = tuple((term.user, term.local_value) for term in uses)
            same = by_terms.get(signature)
            if same is not None:  # the same δs times the same locals: the same gradient
                row = E.equals(
                    self.gradient_sym(symbol),
                    self.gradient_sym(same),
                    self.number(derivation.gradient(symbol)),
                )
                if kind not in kinds_said:
                    kinds_said.add(kind)
                    blocks.append(
                        Paragraph(
                            sentence(
                                words["rnn_same_terms"],
                                _matrix_sym(kind),
                                _matrix_sym(model.places[same].kind),
                            )
                        )
                    )
                blocks.append(Equations((Row(row),)))
                continue
            by_terms[signature] = symbol
            if kind not in kinds_said:
                kinds_said.add(kind)
                routes = model.graph.routes(symbol)
                own_output = routes == len(uses)  # one path per use: no later h on the way
                blocks.append(
                    Paragraph(
                        sentence(
                            words["rnn_paths_output" if own_output else "rnn_paths"],
                            E.Sym(self.names[symbol], symbol),
                            str(len(uses)),
                            _count(routes),
                        )
                    )
                )
            blocks.append(Equations((Row(self.gradient_chain(symbol)),)))
            # the table of terms once per matrix: the other entries' displays hold the same
            # formula, numbers and sum
            if kind not in tabled and not all(term.local.is_Number for term in uses):
                tabled.add(kind)
                header = tuple(text(w) for w in words["rnn_terms_columns"].split("|"))
                table_rows = []
                for term in uses:
                    user = self.gradient_sym(term.user)
                    table_rows.append(
                        (
                            text(str(term.step)),
                            (Math(E.equals(user, self.number(term.upstream))),),
                            (Math(self.local_display(term)),),
                            text(self.number(term.value).text),
                        )
                    )
                blocks.append(Table(header, tuple(table_rows), align="rrrr"))
            if kind not in listed_kinds:
                listed = self.paths(symbol)
                if listed:
                    listed_kinds.add(kind)
                    blocks += listed
        return blocks + bias_blocks

    def bias_table(self, parameters: Sequence[sp.Symbol]) -> list[Block]:
        """The biases' gradients as one table of their terms, step by step, summed at the foot.
        A bias's local derivative is 1 at every step, so its term is the δ it is added to and a
        display per entry would only write those δs again; b_ih and b_hh, both added to z_t,
        share a column. Empty (the displays are written instead) for several sequences, or when
        the biases and the steps are both too many for a table across the page."""
        derivation, model, words = self.derivation, self.model, self.words
        biases = [s for s in parameters if model.places[s].kind in _BIASES]
        if not biases or self.spec.n_sequences > 1:
            return []
        columns: dict[tuple[sp.Symbol, ...], list[sp.Symbol]] = {}
        for symbol in biases:
            uses = derivation.step_terms(symbol)
            if any(use.local_value != 1.0 for use in uses):
                return []
            columns.setdefault(tuple(use.user for use in uses), []).append(symbol)
        steps = self.steps_shown()
        if len(columns) > MAX_TABLE_COLUMNS and len(steps) > MAX_TABLE_COLUMNS:
            return []
        heads: list[Inlines] = [text(words["rnn_bias_step"])]
        for members in columns.values():
            named: list[Text | Math] = []
            for symbol in members:
                named += [Text(", ")] if named else []
                named.append(Math(E.Sym(self.names[symbol], symbol)))
            heads.append(tuple(named))
        grid: list[list[Inlines]] = [heads]
        for index, t in enumerate(steps):
            if index and t != steps[index - 1] + 1:
                grid.append([text("…")] * len(heads))
            row: list[Inlines] = [text(str(t))]
            for members in columns.values():
                term = {use.step: use for use in derivation.step_terms(members[0])}.get(t)
                row.append(text("—") if term is None else (Math(self.number(term.value)),))
            grid.append(row)
        sums = [self.number(derivation.gradient(members[0])) for members in columns.values()]
        grid.append([text(words["rnn_bias_sum"]), *((Math(total),) for total in sums)])
        if len(columns) > MAX_TABLE_COLUMNS:  # few steps, many biases: a row per bias
            grid = [list(line) for line in zip(*grid, strict=True)]
        kinds = {model.places[s].kind for s in biases}
        said = sentence(words["rnn_bias_intro"])
        if {B_IH, B_HH} <= kinds:
            z_t, delta_t = (
                E.Sym(E.Name("z", "t", plain="z_t")),
                E.Sym(E.Name("δ", "t", plain="δ_t")),
            )
            said = run_on(
                said,
                sentence(
                    words["rnn_bias_shared"], _matrix_sym(B_IH), _matrix_sym(B_HH), z_t, delta_t
                ),
            )
        table = Table(
            tuple(grid[0]), tuple(tuple(line) for line in grid[1:]), "l" + "r" * (len(grid[0]) - 1)
        )
        return [Paragraph(said, kind="lead"), table]

    def paths(self, symbol: sp.Symbol) -> list[Block]:
        """Every path from a weight through time to L, with its product of local derivatives,
        when there are few (a short sequence): their sum is the weight's gradient."""
        model, derivation = self.model, self.derivation
        if model.graph.routes(symbol) > MAX_PATHS_LISTED:
            return []
        found: list[list[sp.Symbol]] = []
        stack: list[list[sp.Symbol]] = [[symbol]]
        users = model.graph.users
        while stack:
            path = stack.pop()
            if path[-1] == model.loss:
                found.append(path)
                continue
            stack += [[*path, user] for user in reversed(users.get(path[-1], ()))]
        found.sort(key=lambda path: [model.places[s].step for s in path])
        items: list[Inlines] = []
        values: list[E.Node] = []
        for path in found:
            locals_ = [model.local(user, node) for node, user in zip(path, path[1:], strict=False)]
            factors = [derivation.local_value(local) for local in locals_]
            product = math.prod(factors)
            values.append(self.number(product))
            route: list[Text | Math] = []
            for index, node in enumerate(path):
                if index:
                    route.append(Text(" → "))
                route.append(Math(E.Sym(self.names[node], node)))
            shown = [
                self.value(local) if local in model.places else self.number(value)
                for local, value in zip(locals_, factors, strict=True)
            ]
            numbers = E.Mul(tuple(shown))
            items.append((*route, Text(": "), Math(E.equals(numbers, self.number(product)))))
        gradient = self.number(derivation.gradient(symbol))
        total = E.equals(self.gradient_sym(symbol), E.Add(tuple(values)), gradient)
        return [
            Paragraph(sentence(self.words["rnn_path_list"], E.Sym(self.names[symbol], symbol))),
            Items(tuple(items)),
            Equations((Row(total),)),
        ]

    def local_display(self, term: StepTerm) -> E.Node | E.Chain:
        """The local derivative as name = value (h_1 = 0.4621), or the number alone (a bias's 1)."""
        if term.local.is_Number:
            return self.local_number(term)
        return E.equals(self.converted(term.local), self.local_number(term))

    def local_number(self, term: StepTerm) -> E.Num:
        """A use's local derivative's number: a leaf's as given (x_2 = 2), else computed."""
        if isinstance(term.local, sp.Symbol) and term.local in self.model.places:
            return self.value(term.local)
        return self.number(term.local_value)

    def gradient_chain(self, symbol: sp.Symbol) -> E.Chain:
        """∂L/∂W = Σ_t (upstream × local) = numbers = value."""
        formula = self.derivation.sweep.formula(symbol)
        return self.chain(self.gradient_sym(symbol), formula, self.derivation.gradient(symbol))

    def all_gradients(self) -> list[Block]:
        words = self.words
        header = tuple(text(w) for w in words["rnn_gradient_columns"].split("|"))
        rows = tuple(
            ((Math(E.Sym(self.names[s], s)),), text(result_num(self.derivation.gradient(s)).text))
            for s in self.model.parameters.values()
        )
        return [Heading(text(words["rnn_gradients"]), 3), Table(header, rows, align="lr")]

    def vanishing(self) -> list[Block]:
        import numpy as np

        words, spec, model, derivation = self.words, self.spec, self.model, self.derivation
        cell = activation_info(spec.cell_activation).call_name
        factor_rule = E.Mul(
            (
                E.Call(cell, (E.Sym(E.Name("z", "t", plain="z_t")),), prime=True),
                E.Sym(E.Name("W", "hh", plain=W_HH)),
            )
        )
        blocks: list[Block] = [
            Heading(text(words["rnn_vanishing"]), 3),
            Paragraph(sentence(words["rnn_vanishing_intro"], factor_rule)),
        ]
        if spec.n_steps < 2:
            return [*blocks, Paragraph(text(words["rnn_factor_one_step"]))]
        w_hh = np.array(spec.weight(W_HH))
        several = spec.n_sequences > 1
        columns = words["rnn_factor_columns_seq" if several else "rnn_factor_columns"]
        header = tuple(text(w) for w in columns.split("|"))
        table_rows = []
        verdicts: list[Block] = []
        for sequence in range(spec.n_sequences):
            product = np.eye(spec.n_hidden)
            rows: list[Row] = []
            factors: list[E.Node] = []
            sizes: list[tuple[int, float]] = []
            for t in range(spec.n_steps, 1, -1):
                slopes = []
                for h, z in zip(model.h[sequence][t], model.z[sequence][t], strict=True):
                    slopes.append(derivation.local_value(model.local(h, z)))
                factor = np.diag(slopes) @ w_hh
                product = product @ factor
                if spec.n_hidden == 1:
                    size, reach = float(factor[0, 0]), float(product[0, 0])
                    if sequence == 0:
                        h, z = model.h[0][t][0], model.z[0][t][0]
                        weight = model.parameters[f"{W_HH}[0,0]"]
                        lhs = E.Partial(self.names[h], self.names[model.h[0][t - 1][0]])
                        rows.append(Row(self.chain(lhs, model.local(h, z) * weight, size)))
                        factors.append(self.number(size))
                else:
                    size = float(np.linalg.norm(factor, 2))
                    reach = float(np.linalg.norm(product, 2))
                sizes.append((t, size))
                row = (text(str(t)), text(self.number(size).text), text(self.number(reach).text))
                table_rows.append((text(str(sequence + 1)), *row) if several else row)
            scalar = spec.n_hidden == 1
            total = float(product[0, 0]) if scalar else float(np.linalg.norm(product, 2))
            if sequence == 0 and scalar:
                blocks.append(Paragraph(text(words["rnn_factor_scalar"])))
                blocks.append(Equations(tuple(rows)))
                first, last = model.h[0][1][0], model.h[0][spec.n_steps][0]
                if len(factors) > 1:
                    product_row = E.equals(
                        E.Partial(self.names[last], self.names[first]),
                        E.Mul(tuple(factors)),
                        self.number(total),
                    )
                    blocks.append(Equations((Row(product_row),)))
                if several:
                    blocks.append(Paragraph(text(words["rnn_factor_first_sequence"])))
            elif sequence == 0:
                # one paragraph with the rule above: a sentence of its own after the heading
                # would lead in to the table and could be left at a page's foot without it
                matrix = sentence(words["rnn_factor_matrix"], str(spec.n_hidden))
                intro = blocks.pop()
                assert isinstance(intro, Paragraph)
                blocks.append(Paragraph(run_on(intro.parts, matrix)))
            said = self.factor_verdict(sizes, total, scalar)
            if several:
                lead = _filled(words["rnn_factor_sequence"], str(sequence + 1))
                said = lead + said[:1].lower() + said[1:]
            verdicts.append(Paragraph(text(said)))
        blocks.append(Table(header, tuple(table_rows), align="rrrr" if several else "rrr"))
        return [*blocks, *verdicts]

    def factor_verdict(self, sizes: list[tuple[int, float]], total: float, scalar: bool) -> str:
        """What the factors shown do, each judged by its own size, and what their product is
        (with its sign when the factors are numbers): a claim the table's numbers bear out."""
        words = self.words
        small = [(t, f) for t, f in sizes if abs(f) < 1]
        large = [(t, f) for t, f in sizes if abs(f) >= 1]

        def listed(group: list[tuple[int, float]]) -> tuple[str, str]:
            """The steps (first to last) and their factors, as the table shows them."""
            steps = words["rnn_and"].join(str(t) for t, _ in group)
            step_words = words["rnn_step_one" if len(group) == 1 else "rnn_step_many"]
            values = words["rnn_and"].join(self.number(f).text for _, f in group)
            return _filled(step_words, steps), values

        if not large:
            said = _filled(words["rnn_factor_all_small"], listed(small)[1])
        elif not small:
            said = _filled(words["rnn_factor_all_large"], listed(large)[1])
        else:
            said = _filled(words["rnn_factor_mixed"], *listed(small), *listed(large))
        shown = self.number(total).text
        if scalar:
            key = "rnn_product_small" if abs(total) < 1 else "rnn_product_large"
            said += _filled(words[key], shown, self.number(abs(total)).text)
        else:
            key = "rnn_product_norm_small" if abs(total) < 1 else "rnn_product_norm_large"
            said += _filled(words[key], shown)
        return said.strip()

    def check(self, check: RnnCheck) -> list[Block]:
        words = self.words
        header = tuple(text(w) for w in words["rnn_check_columns"].split("|"))
        rows = []
        for name, value in check.symbolic.items():
            symbol = self.model.parameters[name]
            by_rnn = check.nn_rnn.get(name)
            rows.append(
                (
                    (Math(E.Sym(self.names[symbol], symbol)),),
                    text(result_num(value).text),
                    text("" if by_rnn is None else difference(abs(by_rnn - value))),
                    text(difference(abs(check.loop[name] - value))),
                    text(difference(abs(check.differences[name] - value))),
                )
            )
        blocks: list[Block] = [
            Heading(sentence(words["rnn_check"], check.dtype), 3),
            Table(header, tuple(rows), align="lrrrr"),
        ]
        if not check.nn_rnn:
            blocks.append(Paragraph(sentence(words["rnn_check_no_rnn"], self.spec.cell_activation)))
        if check.at_kink:
            blocks.append(Paragraph(text(words["rnn_check_kink"])))
        verdict = words["rnn_check_ok"] if check.passed else words["rnn_check_bad"]
        blocks.append(Paragraph((Text(verdict + ("." if self.lang == "en" else "。")),)))
        return blocks


def rnn_blocks(
    derivation: RnnDerivation,
    lang: str = "en",
    digits: int = 4,
    check: RnnCheck | None = None,
    weights: Sequence[sp.Symbol] | None = None,
    title: str = "",
) -> tuple[Block, ...]:
    """The derivation as blocks: `weights` are the shared weights whose sums over the steps are
    written out (default: every weight and bias)."""
    writer = _Writer(derivation, lang, digits)
    shown = tuple(derivation.model.parameters.values()) if weights is None else tuple(weights)
    blocks: list[Block] = [Heading(text(title or writer.words["rnn_title"]), 2)]
    blocks += writer.intro()
    blocks += writer.unrolled()
    blocks += unrolled_figure(derivation, lang, digits)
    blocks += writer.forward()
    blocks += writer.backward()
    blocks += writer.shared(shown)
    if check is None:  # else the check's table lists every gradient, with torch's beside it
        blocks += writer.all_gradients()
    blocks += writer.vanishing()
    if check is not None:
        blocks += writer.check(check)
    return tuple(blocks)


def rnn_check_blocks(
    derivation: RnnDerivation, check: RnnCheck, lang: str = "en", digits: int = 4, title: str = ""
) -> tuple[Block, ...]:
    """The check alone (what `symbp check` prints): every parameter's gradient by symbp, and
    its distance from nn.RNN's, the torch loop's and central differences'."""
    writer = _Writer(derivation, lang, digits)
    return (Heading(text(title or writer.words["rnn_title"]), 2), *writer.check(check))


def _matrix_sym(kind: str) -> E.Sym:
    """A weight matrix or bias by its name (b_hh), written as its entries are (b with hh below)."""
    stem, _, sub = kind.partition("_")
    return E.Sym(E.Name(stem, sub or None, plain=kind))


def _filled(template: str, *fills: str) -> str:
    """A label's "{}" placeholders filled in order with words."""
    for fill in fills:
        template = template.replace("{}", fill, 1)
    return template
