"""An optimizer's update as blocks: its rule, and every equation of it worked per parameter.

core/optim.py gives each optimizer as equations in sympy (target = formula, in named symbols)
and the numbers of one update in torch.optim's own order of operations. Here the equations become
display trees, once for every format: the rule in the general names torch's documentation uses
(p, g = ∂L/∂p, b, m, v, m̂, v̂, written as assignments ← from one update to the next), and for
each parameter the same equations in that parameter's names, as formula = numbers = value.

A parameter's state after update t is written with the update's number as a superscript and the
parameter as a subscript (m⁽¹⁾ of w1, text m_w1⁽¹⁾); the learning rate is η, as in every other
update symbp shows (torch's documentation calls it γ).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Equations,
    Heading,
    Inlines,
    Math,
    Paragraph,
    Row,
    Table,
    Text,
    sentence,
)
from symbp.content.labels import labels, title
from symbp.content.names import Names, constant
from symbp.content.numbers import (
    column_nums,
    computed_num,
    given_num,
    hidden_changes,
    result,
    result_num,
)
from symbp.core import optim as O
from symbp.core.graph import Network
from symbp.core.numeric import Evaluation
from symbp.core.operations import MAX, optimizer_info
from symbp.core.optim import OptimizerStep, ParameterUpdate, UpdateRule

#: a parameter's intermediate or state quantity: its written base
BASES: dict[sp.Symbol, str] = {
    O.G_DECAYED: "g̃",
    O.P_DECAYED: "p̃",
    O.B_PREV: "b",
    O.B_NEW: "b",
    O.D_NESTEROV: "d",
    O.M_PREV: "m",
    O.M_NEW: "m",
    O.V_PREV: "v",
    O.V_NEW: "v",
    O.VMAX_PREV: "vmax",
    O.VMAX_NEW: "vmax",
    O.M_HAT: "m̂",
    O.V_HAT: "v̂",
    O.S_PREV: "s",
    O.S_NEW: "s",
    O.GBAR_PREV: "ḡ",
    O.GBAR_NEW: "ḡ",
    O.GAMMA_DECAYED: "η̃",
}
#: quantities of the previous update (t − 1); the rest belong to this one (t)
PREVIOUS = frozenset({O.B_PREV, O.M_PREV, O.V_PREV, O.VMAX_PREV, O.S_PREV, O.GBAR_PREV})
#: the hyperparameters as written; η for the learning rate, as every other update symbp shows
HYPERPARAMETERS: dict[sp.Symbol, E.Name] = {
    O.GAMMA: E.Name("η", plain="η"),
    O.MU: E.Name("μ", plain="μ"),
    O.TAU: E.Name("τ", plain="τ"),
    O.LAMBDA: E.Name("λ", plain="λ"),
    O.BETA1: E.Name("β", "1", plain="β1"),
    O.BETA2: E.Name("β", "2", plain="β2"),
    O.EPS: E.Name("ε", plain="ε"),
    O.ALPHA: E.Name("α", plain="α"),
    O.KAPPA: E.Name("κ", plain="κ"),
    O.T: E.Name("t", plain="t"),
}
#: the order a sum's terms are written in: the old value first, then the gradient, then the
#: new state (β1·m + (1 − β1)·g, p − η·b); hyperparameters rank last so that they never decide
_RANKS: dict[sp.Symbol, float] = {
    **dict.fromkeys(HYPERPARAMETERS, 9.0),
    O.P_PREV: 1.0,
    O.P_DECAYED: 1.0,
    **dict.fromkeys(PREVIOUS, 2.0),
    O.G: 3.0,
    O.G_DECAYED: 3.0,
    O.B_NEW: 4.0,
    O.D_NESTEROV: 4.0,
    O.M_NEW: 4.0,
    O.V_NEW: 4.0,
    O.VMAX_NEW: 4.0,
    O.M_HAT: 5.0,
    O.V_HAT: 5.0,
    O.S_NEW: 4.0,
    O.GBAR_NEW: 4.0,
    O.GAMMA_DECAYED: 5.0,
}
#: a product's factor order: hyperparameters, values, then compound factors, the gradient last
#: ((1 − β1)·g, η·m̂, p·(1 − η·λ))
_KINDS: dict[sp.Symbol, int] = {
    **dict.fromkeys(HYPERPARAMETERS, 1),
    O.G: 5,
    O.G_DECAYED: 5,
}


@dataclass(frozen=True)
class _RuleConverter(E.Converter):
    """The content model's converter, with max (amsgrad) as a function."""

    def _factor_key(self, factor: sp.Basic) -> tuple[object, ...]:
        # the gradient, or a power of it, comes last: (1 − β2)·g², not g²·(1 − β2)
        if factor.free_symbols & {O.G, O.G_DECAYED}:
            return (6, self._ranks(factor), sp.default_sort_key(factor))
        return super()._factor_key(factor)

    def _function(self, expr: sp.Basic) -> E.Node:
        if isinstance(expr, sp.Max):
            return E.Call(MAX.name, tuple(self.convert(arg) for arg in expr.args))
        return super()._function(expr)


def _converter(names: Mapping[sp.Symbol, E.Name]) -> _RuleConverter:
    ranks = {symbol: (rank,) for symbol, rank in _RANKS.items()}
    return _RuleConverter(names, ranks, _KINDS, constant)


def _is_state(symbol: sp.Symbol) -> bool:
    return symbol in (O.B_NEW, O.M_NEW, O.V_NEW, O.VMAX_NEW, O.S_NEW, O.GBAR_NEW)


# -- the rule, in general names -----------------------------------------------------------------


def _general_names() -> dict[sp.Symbol, E.Name]:
    names: dict[sp.Symbol, E.Name] = dict(HYPERPARAMETERS)
    names[O.P_PREV] = names[O.P_NEW] = E.Name("p", plain="p")
    names[O.G] = E.Name("g", plain="g")
    for symbol, base in BASES.items():
        names[symbol] = E.Name(base, plain=base)
    return names


def _decayed_gradient(names: Mapping[sp.Symbol, E.Node]) -> E.Node:
    """g̃ = g + λ·p: the gradient first, as torch writes it (the ranks would put λ·p first)."""
    return E.total(names[O.G], E.product(names[O.LAMBDA], names[O.P_PREV]))


def rule_rows(rule: UpdateRule) -> tuple[Row, ...]:
    """The optimizer's equations for any parameter p: state ← formula, intermediate = formula."""
    names = _general_names()
    convert = _converter(names)
    symbols = {symbol: E.Sym(name, ("rule", symbol.name)) for symbol, name in names.items()}
    rows = []
    for equation in rule.equations:
        lhs = symbols[equation.target]
        if equation.target == O.G_DECAYED:
            formula = _decayed_gradient(symbols)
        else:
            formula = convert(equation.formula)
        relation = "←" if _is_state(equation.target) or equation.target == O.P_NEW else "="
        rows.append(Row(E.Chain(lhs, (E.Step(relation, formula),))))
    return tuple(rows)


def first_round_rows(rule: UpdateRule) -> tuple[Row, ...]:
    """torch's own first update where it differs (SGD's buffer starts as the gradient)."""
    names = _general_names()
    convert = _converter(names)
    return tuple(
        Row(E.Chain(E.Sym(names[eq.target]), (E.Step("←", convert(eq.first_round)),)))
        for eq in rule.equations
        if eq.first_round is not None
    )


def settings_chain(rule: UpdateRule, digits: int = 4) -> E.Chain:
    """η = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-08: the rule's hyperparameters as given."""
    pieces = [
        (E.Sym(HYPERPARAMETERS[symbol]), given_num(value, digits))
        for symbol, value in rule.hyperparameters.items()
    ]
    first_name, first_value = pieces[0]
    steps = [E.Step("=", first_value)]
    for name, value in pieces[1:]:
        steps += [E.Step(",", name), E.Step("=", value)]
    return E.Chain(first_name, tuple(steps))


def optimizer_label(rule: UpdateRule) -> str:
    """torch.optim.Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08): how torch is told."""
    return rule.description


def rule_blocks(
    rule: UpdateRule, lang: str, digits: int = 4, loss: E.Name | None = None
) -> list[Block]:
    """What the optimizer does: its name and settings, its equations, torch's first round."""
    words = labels(lang)
    optimizer = rule.optimizer
    blocks: list[Block] = [
        Paragraph(
            sentence(
                words["optimizer_intro"],
                optimizer_info(rule.name).label,
                optimizer_label(rule),
                settings_chain(rule, digits),
            )
        ),
        Paragraph(
            sentence(
                words["optimizer_rule"],
                E.equals(
                    E.Sym(E.Name("g", plain="g")),
                    E.Partial(loss or E.Name("L", plain="L"), E.Name("p", plain="p")),
                ),
                E.Sym(HYPERPARAMETERS[O.T]),
            )
        ),
        Equations(rule_rows(rule), layout="aligned"),
    ]
    first = first_round_rows(rule)
    if first:
        blocks += [Paragraph(sentence(words["optimizer_first_round"])), Equations(first)]
    if rule.state and optimizer_info(rule.name).adaptive and not optimizer.initial:
        # every state starts at 0 but Adagrad's sum, which starts at initial_accumulator_value
        start_value = optimizer.initial_accumulator_value if rule.state[0].key == "s" else 0.0
        zero = E.Num(start_value, f"{start_value:g}")
        start = [state_symbol(v.current) for v in rule.state]  # ḡ, not its key gbar
        chain = E.Chain(start[0], tuple(E.Step("=", s) for s in start[1:]) + (E.Step("=", zero),))
        blocks.append(Paragraph(sentence(words["optimizer_start"], chain), kind="lead"))
    if optimizer.initial:
        blocks.append(Paragraph(given_state_sentence(rule, lang)))
    if optimizer.weight_decay != 0 and optimizer_info(rule.name).decoupled_decay:
        blocks.append(Paragraph(sentence(words["optimizer_decoupled"])))
    return blocks


def given_state_sentence(rule: UpdateRule, lang: str) -> Inlines:
    """Where the state before this update comes from when the spec gives optimizer_state:
    its values (the first parameter's, the rest one per parameter) and the update it leads to."""
    words = labels(lang)
    optimizer = rule.optimizer
    shown = []
    for key, values in optimizer.initial:
        listed = ", ".join(f"{v:g}" for v in values[:3]) + (", …" if len(values) > 3 else "")
        shown.append(f"{key} = [{listed}]")
    state = ", ".join(shown)
    if optimizer.initial_step:
        return sentence(
            words["optimizer_given_step"],
            str(optimizer.initial_step),
            state,
            str(optimizer.initial_step + 1),
        )
    return sentence(words["optimizer_given"], state)


# -- one parameter's update, worked -------------------------------------------------------------


def state_name(symbol: sp.Symbol, parameter: E.Name, round_number: int) -> E.Name:
    """A parameter's quantity at an update: m⁽¹⁾ of w1 (text m_w1⁽¹⁾), v̂⁽¹⁾, b⁽⁰⁾."""
    base = BASES[symbol]
    number = round_number - 1 if symbol in PREVIOUS else round_number
    superscript = str(number).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return E.Name(
        base,
        parameter,
        f"({number})",
        plain=f"{base}_{parameter.plain or parameter.base}⁽{superscript}⁾",
    )


def round_name(base: str, parameter: E.Name, round_number: int) -> E.Name:
    """p⁽ᵗ⁾ of w1 (the value after update t) or g⁽ᵗ⁾ of w1 (its gradient at update t)."""
    superscript = str(round_number).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return E.Name(
        base,
        parameter,
        f"({round_number})",
        plain=f"{base}_{parameter.plain or parameter.base}⁽{superscript}⁾",
    )


def parameter_names(names: Names, symbol: sp.Symbol, round_number: int) -> dict[sp.Symbol, E.Node]:
    """Every symbol of a rule as written for one parameter: p is its own name, g its ∂L/∂p."""
    network = names.network
    own = names.of[symbol]
    written: dict[sp.Symbol, E.Node] = {
        rule_symbol: E.Sym(name, rule_symbol) for rule_symbol, name in HYPERPARAMETERS.items()
    }
    written[O.P_PREV] = written[O.P_NEW] = E.Sym(own, O.P_PREV)
    written[O.G] = E.Partial(names.loss, own, (network.loss, symbol))
    if round_number > 1:  # later updates: the values of that round, not the initial ones
        written[O.P_PREV] = E.Sym(round_name("p", own, round_number - 1), O.P_PREV)
        written[O.P_NEW] = E.Sym(round_name("p", own, round_number), O.P_NEW)
        written[O.G] = E.Sym(round_name("g", own, round_number), O.G)
        written[O.T] = E.Num(float(round_number), str(round_number))
    for rule_symbol in BASES:
        written[rule_symbol] = E.Sym(state_name(rule_symbol, own, round_number), rule_symbol)
    return written


class _TreeConverter:
    """Converts a rule's formula with each symbol written as a given tree (a Partial for g)."""

    def __init__(self, written: Mapping[sp.Symbol, E.Node]) -> None:
        placeholders = {symbol: E.Name(f"#{symbol.name}") for symbol in written}
        self._convert = _converter(placeholders)
        self._written = {f"#{symbol.name}": node for symbol, node in written.items()}

    def __call__(self, expr: sp.Basic) -> E.Node:
        def replace(item: E.Sym | E.Partial) -> E.Node | None:
            if isinstance(item, E.Sym):
                return self._written.get(item.name.base)
            return None

        return E.substitute(self._convert(expr), replace)


def parameter_rows(
    names: Names,
    update: ParameterUpdate,
    symbol: sp.Symbol,
    digits: int = 4,
    *,
    precise: bool = True,
) -> tuple[Row, ...]:
    """One parameter's update: every equation as formula = numbers = value, the last p ← …
    (its new value to 10 decimals when `precise`, else to `digits` like the rest)."""
    written = parameter_names(names, symbol, update.round)
    convert = _TreeConverter(written)
    values = update.values
    given = set(HYPERPARAMETERS) | {O.P_PREV}

    def shown(symbol_key: sp.Symbol) -> E.Num:
        value = values[symbol_key]
        if symbol_key in given:
            return given_num(value, digits)
        return computed_num(value, digits)

    def number_of(item: E.Sym | E.Partial) -> E.Node | None:
        key = item.key
        if isinstance(item, E.Partial):
            return computed_num(values[O.G], digits)
        if isinstance(key, sp.Symbol) and key in values:
            return shown(key)
        return None

    rows = []
    for target, formula in update.equations:
        node = _decayed_gradient(written) if target == O.G_DECAYED else convert(formula)
        numbers = E.substitute(node, number_of)
        value = values[target]
        final = target == O.P_NEW
        members: list[E.Node] = [node]
        if numbers != node:
            members.append(numbers)
        shown_value = result_num(value) if final and precise else computed_num(value, digits)
        if members[-1] != shown_value:
            members.append(shown_value)
        lhs = written[target]
        relation = "←" if final else "="
        steps = (E.Step(relation, members[0]), *(E.Step("=", m) for m in members[1:]))
        rows.append(Row(E.Chain(lhs, steps)))
    return tuple(rows)


def _parameter_symbols(network: Network) -> dict[str, sp.Symbol]:
    return {p.name: p.symbol for p in network.parameters}


def state_symbol(current: sp.Symbol) -> E.Sym:
    """A state quantity as written (b, m, v, ḡ, s), not by its spec key (gbar)."""
    base = BASES[current]
    return E.Sym(E.Name(base, plain=base))


def state_header(rule: UpdateRule, round_number: int) -> tuple[Inlines, ...]:
    """The state columns: b⁽¹⁾, m⁽¹⁾, v⁽¹⁾ (after this update)."""
    cells: list[Inlines] = []
    for variable in rule.state:
        base = BASES[variable.current]
        name = E.Name(
            base,
            sup=f"({round_number})",
            plain=f"{base}⁽{round_number}⁾".translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),
        )
        cells.append((Math(E.Sym(name)),))
    return tuple(cells)


def update_table(
    names: Names,
    update: OptimizerStep,
    parameters: Sequence[str],
    lang: str,
    *,
    gradients: bool = True,
    digits: int | None = None,
) -> Table:
    """One row per parameter: p | value | ∂L/∂p | the state after | new value (to 10 decimals,
    or to `digits` significant digits in a handout's text, with a column of the changes Δp
    when some change is below the digits, as the summary's table). Each column is one
    notation."""
    words = labels(lang)
    symbols = _parameter_symbols(names.network)
    shown = [update.parameter(name) for name in parameters]
    changed = digits is not None and hidden_changes(
        [u.value_before for u in shown], [u.value_after for u in shown], digits
    )
    p = E.Sym(E.Name("p", plain="p"))
    delta = E.Sym(E.Name("Δp", plain="Δp"))
    header: tuple[Inlines, ...] = (
        (Math(p),),
        (Text(words["value"]),),
        *(((Math(E.Partial(names.loss, p.name)),),) if gradients else ()),
        *state_header(update.rule, update.round),
        *(((Math(delta),),) if changed else ()),
        (Text(words["new_value_short"]),),
    )
    columns: list[list[float]] = [[u.value_before for u in shown]]
    if gradients:
        columns.append([u.gradient for u in shown])
    columns += [[u.state_after[v.key] for u in shown] for v in update.rule.state]
    if changed:
        columns.append([u.value_after - u.value_before for u in shown])
    columns.append([u.value_after for u in shown])
    cells: list[list[Inlines]] = [
        [(Text(result(value)),) for value in column]
        if digits is None
        else [(Math(num),) for num in column_nums(column, digits)]
        for column in columns
    ]
    rows = tuple(
        ((Math(names.sym(symbols[name])),), *(column[index] for column in cells))
        for index, name in enumerate(parameters)
    )
    return Table(header, rows, align="l" + "r" * (len(header) - 1))


def worked_update_blocks(
    names: Names,
    update: OptimizerStep,
    worked: Sequence[str],
    rest: Sequence[str],
    lang: str,
    digits: int = 4,
    *,
    gradients: bool = True,
    precise: bool = True,
) -> list[Block]:
    """The update of every parameter: `worked` ones as equations, the `rest` as table rows
    (`precise`: final values to 10 decimals; a handout gives them to `digits`)."""
    words = labels(lang)
    symbols = _parameter_symbols(names.network)
    blocks: list[Block] = []
    for name in worked:
        rows = parameter_rows(names, update.parameter(name), symbols[name], digits, precise=precise)
        blocks.append(Equations(rows, layout="aligned"))
    if rest:
        if worked:
            blocks.append(Paragraph(sentence(words["updates_table"])))
        blocks.append(
            update_table(
                names,
                update,
                rest,
                lang,
                gradients=gradients,
                digits=None if precise else digits,
            )
        )
    return blocks


#: `symbp step` works every parameter's equations up to this many parameters, then tables them
STEP_WORKED_PARAMETERS = 20


def optimizer_step_blocks(
    evaluation: object, update: OptimizerStep, new_loss: float, lang: str = "en", digits: int = 4
) -> tuple[Block, ...]:
    """`symbp step` with an optimizer: the rule, each parameter's equations, a table, the loss."""
    assert isinstance(evaluation, Evaluation)
    words = labels(lang)
    network = evaluation.network
    names = Names(network)
    loss = names.sym(network.loss)
    parameter_list = list(update.names)
    worked = parameter_list if len(parameter_list) <= STEP_WORKED_PARAMETERS else []
    blocks: list[Block] = [
        Heading(
            sentence(
                words["optimizer_step_title"],
                title(network.spec.title, lang),
                optimizer_info(update.rule.name).label,
            ),
            1,
        ),
        *rule_blocks(update.rule, lang, digits, names.loss),
        Paragraph(sentence(words["loss_before"], E.equals(loss, result_num(evaluation.loss)))),
    ]
    if worked:
        blocks.append(Paragraph(sentence(words["optimizer_worked"], str(update.round))))
        blocks += worked_update_blocks(names, update, worked, [], lang, digits)
    blocks.append(update_table(names, update, parameter_list, lang))
    # a number, not "L = …": L names the loss at the parameters before the update
    blocks.append(Paragraph(sentence(words["loss_after"], result_num(new_loss))))
    return tuple(blocks)
