"""One parameter's derivation as blocks: the chain-rule paths, the local derivatives, the δ form,
the closed form, why the sign, the value, the update and the check.

The same blocks feed every format (text, LaTeX, MathML, Markdown, HTML) and the handout reuses
the pieces (δ rows, path sums, sign paragraphs). With several samples the steps work sample 1,
whose loss is written L⁽¹⁾; the value and the update use the mean (or sum) L.
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
    Text,
    sentence,
)
from symbp.content.labels import labels
from symbp.content.names import Names
from symbp.content.numbers import difference, result_num
from symbp.content.writer import Writer
from symbp.derive import MAX_PATHS, BiasDerivation, DeltaDefinition, Derivation, LocalDerivative
from symbp.explain import (
    DerivationNote,
    SignExplanation,
    derivation_notes,
    explain_sign,
    unit_notes,
)
from symbp.graph import Network, Unit
from symbp.numeric import Evaluation
from symbp.torch_check import CheckResult

#: a closed form with more nodes than this is described, not printed
MAX_CLOSED_FORM_SIZE = 600
#: δ = ∂L/∂z, the definition every δ row applies
DELTA_RULE = E.equals(
    E.Sym(E.Name("δ", plain="δ")), E.Partial(E.Name("L", plain="L"), E.Name("z", plain="z"))
)


# -- the context of one worked sample -----------------------------------------------------------


@dataclass(frozen=True)
class Worked:
    """Names and values of the sample a derivation works, and of the reduced loss."""

    writer: Writer  # sample 1's values; its loss written L⁽¹⁾ when there are several samples
    reduced: Names  # the loss as L, for the reduced gradient and the update
    evaluation: Evaluation  # over all samples
    lang: str

    @property
    def network(self) -> Network:
        return self.writer.network

    @property
    def several(self) -> bool:
        return bool(self.evaluation.samples)

    @property
    def first(self) -> Evaluation:
        return self.evaluation.samples[0] if self.evaluation.samples else self.evaluation

    @property
    def words(self) -> Mapping[str, str]:
        return labels(self.lang)


def sample_loss_name(number: int | str) -> E.Name:
    sup = str(number).translate(str.maketrans("0123456789n", "⁰¹²³⁴⁵⁶⁷⁸⁹ⁿ"))
    return E.Name("L", sup=f"({number})", plain=f"L⁽{sup}⁾")


def worked(evaluation: Evaluation, digits: int, lang: str) -> Worked:
    """The context of a derivation: sample 1 when there are several (its loss L⁽¹⁾)."""
    network = evaluation.network
    reduced = Names(network)
    several = bool(evaluation.samples)
    names = Names(network, loss=sample_loss_name(1)) if several else reduced
    first = evaluation.samples[0] if several else evaluation
    writer = Writer(names, first.values, digits)
    return Worked(writer, reduced, evaluation, lang)


def add_partials(writer: Writer, factors: Sequence[LocalDerivative], first: Evaluation) -> None:
    for factor in factors:
        key = (factor.of, factor.wrt)
        if key not in writer.partials:
            writer.partials[key] = first.value(factor.formula)


def add_delta_partials(
    writer: Writer, deltas: Sequence[DeltaDefinition], first: Evaluation
) -> None:
    """Values of ∂L/∂a, ∂a/∂z and ∂L/∂z (δ) for the δ rows' Leibniz symbols."""
    loss = writer.network.loss
    for delta in deltas:
        unit = delta.unit
        assert unit.z is not None
        writer.partials[(loss, unit.z)] = first.values[delta.symbol]
        for route in delta.routes or ():
            add_partials(writer, (route.local,), first)
            writer.partials.setdefault((loss, route.unit.a), first.value(route.upstream_formula))
        add_partials(writer, (delta.activation_derivative,), first)
        writer.partials.setdefault((loss, unit.a), first.value(delta.upstream_formula))


# -- pieces shared with the handout ------------------------------------------------------------


def delta_row(writer: Writer, delta: DeltaDefinition) -> Row:
    """δ_j = ∂L/∂a_j · ∂a_j/∂z_j = (upstream) · f′ = numbers = value (softmax: Σ over outputs)."""
    network = writer.network
    unit = delta.unit
    assert unit.z is not None
    loss = network.loss
    routes = delta.routes if not delta.is_elementwise else ()
    if not routes:
        leibniz: E.Node = E.product(writer.partial(loss, unit.a), writer.partial(unit.a, unit.z))
        formula: E.Node = E.Mul(
            (
                writer.formula(delta.upstream_formula),
                writer.formula(delta.activation_derivative.formula),
            )
        )
    else:
        leibniz = E.total(
            *(
                E.product(writer.partial(loss, r.unit.a), writer.partial(r.unit.a, unit.z))
                for r in routes
            )
        )
        formula = E.total(
            *(
                E.Mul((writer.formula(r.upstream_formula), writer.formula(r.local.formula)))
                for r in routes
            )
        )
    value = writer.values[delta.symbol]
    chain = writer.worked(writer.sym(delta.symbol), formula, value)
    steps = (E.Step("=", leibniz), *chain.steps)
    simplified = simplified_delta(writer, unit)
    if simplified is not None:
        steps += tuple(writer.worked(chain.lhs, simplified, value).steps)
    return Row(E.Chain(chain.lhs, steps))


def simplified_delta(writer: Writer, unit: Unit) -> E.Node | None:
    """δ_k = o_k − y_k (softmax + cross-entropy) or (o_k − y_k)/K (sigmoid + BCE), else None."""
    network = writer.network
    if unit not in network.outputs or unit.activation is None:
        return None
    y = network.targets[unit.index]
    loss, activation = network.spec.loss, unit.activation.name
    if loss == "cross_entropy" and activation == "softmax":
        return writer.formula(unit.a - y)
    if loss == "bce" and activation == "sigmoid":
        return writer.formula((unit.a - y) / len(network.outputs))
    return None


def _generic(base: str, index: str) -> E.Sym:
    return E.Sym(E.Name(base, index, plain=f"{base}_{index}"))


def simplification_paragraph(network: Network, lang: str) -> Paragraph | None:
    """Why an output δ simplifies (softmax + cross-entropy, sigmoid + BCE), in one line."""
    words = labels(lang)
    spec = network.spec
    error = E.total(_generic("o", "k"), E.Neg(_generic("y", "k")))
    delta_k = _generic("δ", "k")
    if spec.loss == "cross_entropy" and spec.activations[-1] == "softmax":
        m = E.Name("o", "m", plain="o_m")
        jacobian = E.product(
            E.Partial(E.Name("L", plain="L"), m), E.Partial(m, E.Name("z", "k", plain="z_k"))
        )
        rule = E.equals(delta_k, E.Sum("m", jacobian), error)
        targets = E.equals(E.Sum("m", _generic("y", "m")), E.Num(1.0, "1"))
        return Paragraph(sentence(words["softmax_ce"], rule, targets, error))
    if spec.loss == "bce" and spec.activations[-1] == "sigmoid":
        rule = E.equals(delta_k, E.Frac(error, E.Sym(E.Name("K", plain="K"))))
        return Paragraph(sentence(words["sigmoid_bce"], rule))
    return None


def path_sum_row(
    writer: Writer, lhs: E.Node, derivation: Derivation, *, one_per_line: bool = True
) -> Row:
    """∂L/∂w = Σ over paths of the product of their Leibniz factors, one path per line (or as
    many as fit, `one_per_line=False`)."""
    paths = [
        E.product(*(writer.partial(f.of, f.wrt) for f in path.factors)) for path in derivation.paths
    ]
    split = one_per_line and len(paths) > 1
    return Row(E.Chain(lhs, (E.Step("=", E.total(*paths), split=split),)))


def local_rows(writer: Writer, derivation: Derivation) -> Equations:
    rows = []
    seen: set[tuple[sp.Symbol, sp.Symbol]] = set()
    for path in derivation.paths:
        for factor in path.factors:
            key = (factor.of, factor.wrt)
            if key in seen:
                continue
            seen.add(key)
            value = writer.partials[key]
            rows.append(
                Row(writer.worked(writer.partial(*key), writer.formula(factor.formula), value))
            )
    return Equations(tuple(rows))


def undefined_note(writer: Writer, derivation: Derivation, lang: str) -> Paragraph | None:
    """Factors that are 0/0 in float64 (a saturated output), and why nothing else is."""
    undefined: list[E.Node] = []
    for path in derivation.paths:
        for factor in path.factors:
            key = (factor.of, factor.wrt)
            partial = writer.partial(*key)
            if writer.partials[key] != writer.partials[key] and partial not in undefined:
                undefined.append(partial)
    if not undefined:
        return None
    listed: E.Node | E.Chain = (
        undefined[0]
        if len(undefined) == 1
        else E.Chain(undefined[0], tuple(E.Step(",", u) for u in undefined[1:]))
    )
    return Paragraph(sentence(labels(lang)["note_undefined"], listed), kind="note")


def _route(writer: Writer, derivation: Derivation, factors: Sequence[LocalDerivative]) -> E.Chain:
    """w1 → h1 → o1 → L: the units a path goes through (and a z it crosses into another unit,
    as a softmax path does: h1 → z_o1 → o2)."""
    network = writer.network
    nodes = [f.of for f in reversed(factors)]
    owner = network.unit_of_symbol
    stops = []
    for position, node in enumerate(nodes):
        unit = owner.get(node)
        following = nodes[position + 1] if position + 1 < len(nodes) else None
        if (
            unit is not None
            and node == unit.z
            and following is not None
            and owner.get(following) == unit
        ):
            continue  # z_j then a_j: the unit is named once, by its activation
        stops.append(writer.sym(node))
    return E.Chain(writer.sym(derivation.weight.symbol), tuple(E.Step("→", s) for s in stops))


def product_rows(writer: Writer, derivation: Derivation, lang: str) -> Equations:
    words = labels(lang)
    rows = []
    path_values = []
    for number, path in enumerate(derivation.paths, start=1):
        factors = [writer.partials[(f.of, f.wrt)] for f in path.factors]
        value = 1.0
        for factor in factors:
            value *= factor
        path_values.append(value)
        numbers = E.Mul(
            tuple(
                writer.value_num(writer.formula(f.formula), v)
                for f, v in zip(path.factors, factors, strict=True)
            )
        )
        tag = sentence(words["path"], str(number), _route(writer, derivation, path.factors))
        rows.append(Row(E.equals(numbers, writer.num(value)), tag))
    total = sum(path_values)
    terms = E.total(*(writer.num(v) for v in path_values))
    rows.append(Row(E.equals(terms, writer.result(total)), sentence(words["path_sum"])))
    return Equations(tuple(rows))


def note_paragraph(writer: Writer, note: DerivationNote, lang: str) -> Paragraph:
    words = labels(lang)
    network = writer.network
    unit = network.units[note.unit_name]
    if note.kind == "kink":
        assert unit.z is not None and unit.activation is not None
        at_zero = E.equals(writer.sym(unit.z), E.Num(0.0, "0"))
        if unit.activation.name == "leaky_relu":
            rule = sentence(words["kink_leaky"], writer.given(network.spec.negative_slope))
        else:
            rule = sentence(words["kink_relu"])
        indicator = E.Indicator(writer.sym(unit.z), ">", E.Num(0.0, "0"))
        return Paragraph(
            sentence(words["note_kink"], at_zero, _words(rule), indicator), kind="note"
        )
    if note.kind == "dead":
        assert unit.z is not None and unit.delta is not None
        z = E.equals(writer.sym(unit.z), writer.num(writer.values[unit.z]))
        zero = E.equals(writer.sym(unit.delta), E.Num(0.0, "0"))
        return Paragraph(
            sentence(words["note_dead"], writer.sym(unit.a), z, zero, writer.sym(unit.a)),
            kind="note",
        )
    assert unit.delta is not None
    zero = E.equals(
        writer.sym(unit.delta),
        E.Mul(
            (E.Sum("k", E.product(E.Sym(E.Name("δ", "k")), E.Num(0.0, "0"))), E.Sym(E.Name("f′")))
        ),
        E.Num(0.0, "0"),
    )
    return Paragraph(
        sentence(words["note_symmetry"], writer.sym(unit.a), writer.sym(unit.a), zero),
        kind="note",
    )


def indicator_paragraph(
    network: Network, deltas: Sequence[DeltaDefinition], lang: str
) -> list[Block]:
    """What 1[z > 0] means, once, when a relu or leaky_relu derivative is shown."""
    if not any(
        d.unit.activation is not None and d.unit.activation.name in ("relu", "leaky_relu")
        for d in deltas
    ):
        return []
    z = E.Sym(E.Name("z", plain="z"))
    zero = E.Num(0.0, "0")
    return [
        Paragraph(
            sentence(
                labels(lang)["indicator"],
                E.Indicator(z, ">", zero),
                E.Chain(z, (E.Step(">", zero),)),
            )
        )
    ]


def _words(parts: Inlines) -> Text:
    return Text("".join(p.text for p in parts if isinstance(p, Text)))


def _prime(function: str) -> E.Sym:
    return E.Sym(E.Name(function + "′", plain=function + "′"))


def activation_sign_reason(unit: Unit, lang: str) -> Inlines:
    """Why f′ has its sign: σ′ = a(1 − a) is always positive, relu′ = 1[z > 0]."""
    assert unit.activation is not None
    a, z = E.Sym(E.Name("a", plain="a")), E.Sym(E.Name("z", plain="z"))
    one, zero = E.Num(1.0, "1"), E.Num(0.0, "0")
    zh = lang == "zh"
    name = unit.activation.name
    if name == "sigmoid":
        rule = E.equals(_prime("σ"), E.Mul((a, E.total(one, E.Neg(a)))))
        return sentence("{} 总是正的" if zh else "{} is always positive", rule)
    if name == "tanh":
        rule = E.equals(_prime("tanh"), E.total(one, E.Neg(E.Pow(a, E.Num(2.0, "2")))))
        return sentence("{} 为正" if zh else "{} is positive", rule)
    if name == "relu":
        rule = E.equals(_prime("relu"), E.Indicator(z, ">", zero))
        return sentence("{}，与 torch 相同" if zh else "{}, as torch", rule)
    if name == "leaky_relu":
        return sentence(
            "z > 0 时为 1，否则为斜率，与 torch 相同"
            if zh
            else "1 for z > 0 and the slope otherwise, as torch"
        )
    if name == "identity":
        return sentence("{}", E.equals(_prime("identity"), one))
    return ()


def sign_blocks(worked_sample: Worked, derivation: Derivation) -> list[Block]:
    """Why ∂L/∂w has its sign: the factors of δ_j · a_i and their signs, for sample 1."""
    writer, lang = worked_sample.writer, worked_sample.lang
    words = labels(lang)
    why: SignExplanation = explain_sign(derivation, worked_sample.first)
    network = writer.network
    weight = derivation.weight
    grad = writer.partial(network.loss, weight.symbol)
    source = writer.sym(weight.source.a)
    delta = writer.sym(why.delta.symbol)
    unit = why.delta.unit
    assert unit.z is not None

    def sign(value: float) -> str:
        return words["positive" if value > 0 else "negative" if value < 0 else "zero"]

    blocks: list[Block] = [
        Paragraph(sentence(words["sign_product"], E.equals(grad, E.product(delta, source))))
    ]
    if why.source_value == 0:
        zero = E.equals(source, E.Num(0.0, "0"))
        return blocks + [Paragraph(sentence(words["sign_zero"], zero, grad, delta))]
    relation = words["same_sign" if why.source_value > 0 else "opposite_sign"]
    shown_source = E.equals(source, writer.shown(weight.source.a))
    if lang == "zh":
        factor = sentence(
            words["sign_factor"], shown_source, sign(why.source_value), grad, delta, relation
        )
    else:
        factor = sentence(
            words["sign_factor"], shown_source, sign(why.source_value), grad, relation, delta
        )
    blocks.append(Paragraph(factor))
    if not why.delta.is_elementwise:
        value = E.equals(delta, writer.formula(why.delta.formula), writer.num(why.delta_value))
        blocks.append(
            Paragraph(
                sentence(words["sign_softmax"], value, sign(why.delta_value), writer.sym(unit.z))
            )
        )
    else:
        local = writer.partial(unit.a, unit.z)
        delta_rule = E.equals(delta, E.product(writer.partial(network.loss, unit.a), local))
        local_value = E.equals(
            local,
            writer.formula(why.delta.activation_derivative.formula),
            writer.num(why.activation_derivative_value),
        )
        blocks.append(
            Paragraph(
                sentence(
                    words["sign_local"],
                    delta_rule,
                    local_value,
                    sign(why.activation_derivative_value),
                )
                + activation_sign_reason(unit, lang)
                + sentence(words["sign_local_end"])
            )
        )
        upstream = writer.formula(why.delta.upstream_formula)
        upstream_lhs = writer.partial(network.loss, unit.a)
        if len(why.upstream) == 1:
            chain = writer.worked(upstream_lhs, upstream, why.upstream_value)
            blocks.append(
                Paragraph(sentence(words["sign_upstream_one"], chain, sign(why.upstream_value)))
            )
        else:
            terms = E.total(*(writer.num(t.value) for t in why.upstream))
            chain = E.equals(upstream_lhs, upstream, terms, writer.num(why.upstream_value))
            dominant = E.equals(
                writer.formula(why.dominant.term.formula), writer.num(why.dominant.value)
            )
            blocks.append(
                Paragraph(
                    sentence(words["sign_upstream"], chain, sign(why.upstream_value), dominant)
                )
            )
        if why.output_value is not None and why.target_value is not None:
            target = network.targets[unit.index]
            side = words["above" if why.output_value > why.target_value else "below"]
            blocks.append(
                Paragraph(
                    sentence(
                        words["sign_output"],
                        E.equals(writer.sym(unit.a), writer.num(why.output_value)),
                        side,
                        E.equals(writer.sym(target), writer.shown(target)),
                    )
                )
            )
    gradient = worked_sample.evaluation.gradient(weight.name)
    direction = "raises" if gradient < 0 else "lowers" if gradient > 0 else "leaves"
    reduced_grad = worked_sample.reduced.partial(network.loss, weight.symbol)
    blocks.append(
        Paragraph(
            sentence(
                words["sign_result"],
                E.equals(reduced_grad, result_num(gradient)),
                sign(gradient),
                words[direction],
                writer.sym(weight.symbol),
            )
        )
    )
    return blocks


def check_paragraph(check: CheckResult, name: str, lang: str) -> Paragraph:
    """One parameter's gradient by torch autograd and finite differences, and the verdict."""
    words = labels(lang)
    row = check.weight(name)
    verdict = words["agrees"] if row.passed else words["disagrees"]
    return Paragraph(
        sentence(
            words["check"],
            check.dtype,
            result_num(row.torch),
            difference(abs(row.symbolic - row.torch)),
            result_num(row.finite_difference),
            difference(abs(row.symbolic - row.finite_difference)),
            verdict,
        )
    )


def reduction_chain(
    worked_sample: Worked, symbol: sp.Symbol, per_sample: Sequence[float], total: float
) -> E.Chain:
    """∂L/∂p = (∂L⁽¹⁾/∂p + … + ∂L⁽ᴺ⁾/∂p)/N = (numbers)/N = value (or the plain sum)."""
    network = worked_sample.network
    names = worked_sample.reduced
    wrt = names.of[symbol]
    partials = E.total(
        *(
            E.Partial(sample_loss_name(n), wrt, ("sample", n, symbol.name))
            for n in range(1, len(per_sample) + 1)
        )
    )
    numbers = E.total(*(worked_sample.writer.num(g) for g in per_sample))
    count = E.Num(float(len(per_sample)), str(len(per_sample)))
    if network.spec.reduction == "mean":
        partials, numbers = E.Frac(partials, count), E.Frac(numbers, count)
    return E.equals(names.partial(network.loss, symbol), partials, numbers, result_num(total))


def update_rows(
    worked_sample: Worked, symbol: sp.Symbol, initial: float, gradient: float
) -> Equations:
    """∂L/∂p = value; p ← p − η ∂L/∂p = numbers = new value."""
    network = worked_sample.network
    names = worked_sample.reduced
    writer = worked_sample.writer
    rate = network.spec.learning_rate
    grad = names.partial(network.loss, symbol)
    p = names.sym(symbol)
    eta = E.Sym(E.Name("η", plain="η"))
    rule = E.total(p, E.Neg(E.product(eta, grad)))
    numbers = E.total(
        writer.given(initial), E.Neg(E.Mul((writer.given(rate), result_num(gradient))))
    )
    new = initial - rate * gradient
    update = E.Chain(p, (E.Step("←", rule), E.Step("=", numbers), E.Step("=", result_num(new))))
    return Equations((Row(E.equals(grad, result_num(gradient))), Row(update)))


# -- a weight -------------------------------------------------------------------------------------


def weight_blocks(
    derivation: Derivation,
    evaluation: Evaluation,
    check: CheckResult | None = None,
    *,
    digits: int = 4,
    lang: str = "en",
) -> tuple[Block, ...]:
    """The full derivation of one weight's gradient: symbols, then numbers, then the value."""
    context = worked(evaluation, digits, lang)
    writer, words, network = context.writer, context.words, context.network
    first = context.first
    weight = derivation.weight
    target = weight.target
    assert target.z is not None
    for path in derivation.paths:
        add_partials(writer, path.factors, first)
    add_delta_partials(writer, derivation.deltas, first)
    grad = writer.partial(network.loss, weight.symbol)
    edge = E.Chain(writer.sym(weight.source.a), (E.Step("→", writer.sym(target.a)),))
    blocks: list[Block] = [
        Heading(
            sentence(
                words["derivation_title"],
                network.spec.title,
                context.reduced.partial(network.loss, weight.symbol),
            ),
            1,
        ),
        Paragraph(
            sentence(
                words["edge"],
                E.equals(writer.sym(weight.symbol), writer.given(weight.value)),
                edge,
                E.equals(writer.sym(target.z), writer.formula(network.definitions[target.z])),
            )
        ),
    ]
    if network.spec.weight_init != "given":
        blocks.append(Paragraph(sentence(words["initial_weights"], network.spec.weight_init)))
    if context.several:
        blocks.append(samples_paragraph(context))

    blocks.append(
        Heading(
            sentence(
                words["chain_rule"],
                writer.sym(weight.symbol),
                writer.sym(network.loss),
                str(derivation.path_count),
            )
        )
    )
    if derivation.paths:
        blocks.append(Equations((path_sum_row(writer, grad, derivation),), layout="stacked"))
        blocks += [Heading(sentence(words["local"]), 3), local_rows(writer, derivation)]
        undefined = undefined_note(writer, derivation, lang)
        if undefined is not None:
            blocks.append(undefined)
        blocks += [Heading(sentence(words["products"]), 3), product_rows(writer, derivation, lang)]
    else:
        blocks.append(Paragraph(sentence(words["too_many_paths"], str(MAX_PATHS))))

    blocks.append(Heading(sentence(words["delta_form"], DELTA_RULE)))
    rows = [delta_row(writer, d) for d in derivation.deltas]
    gradient_1 = first.gradient(weight.name)
    rows.append(
        Row(writer.worked(grad, writer.formula(derivation.delta_form), gradient_1, final=True))
    )
    blocks.append(Equations(tuple(rows), layout="stacked"))
    simplification = simplification_paragraph(network, lang)
    if simplification is not None:
        blocks.append(simplification)
    blocks += indicator_paragraph(network, derivation.deltas, lang)
    blocks += [note_paragraph(writer, note, lang) for note in derivation_notes(derivation, first)]
    gradient = evaluation.gradient(weight.name)
    if context.several:
        per_sample = [s.gradient(weight.name) for s in evaluation.samples]
        blocks.append(
            Paragraph(
                sentence(
                    words["samples_reduce"],
                    words[f"reduction_{network.spec.reduction}"],
                    reduction_chain(context, weight.symbol, per_sample, gradient),
                )
            )
        )
    blocks += closed_form_blocks(
        writer, grad, derivation.closed_form, lang, derivation.closed_form_size
    )
    blocks.append(Heading(sentence(words["sign"])))
    blocks += sign_blocks(context, derivation)
    blocks.append(
        Heading(sentence(words["value_update"], writer.given(network.spec.learning_rate)))
    )
    blocks.append(update_rows(context, weight.symbol, weight.value, gradient))
    if check is not None:
        blocks.append(check_paragraph(check, weight.name, lang))
    return tuple(blocks)


def samples_paragraph(context: Worked) -> Paragraph:
    words = context.words
    reduction = words[f"reduction_{context.network.spec.reduction}"]
    loss_1 = E.equals(
        context.writer.sym(context.network.loss), context.writer.num(context.first.loss)
    )
    return Paragraph(
        sentence(
            words["samples_intro"],
            str(len(context.evaluation.samples)),
            reduction,
            reduction,
            loss_1,
        )
    )


def closed_form_blocks(
    writer: Writer,
    grad: E.Node,
    closed_form: sp.Expr | None,
    lang: str,
    omitted_size: int | None = None,
) -> list[Block]:
    words = labels(lang)
    if closed_form is None and omitted_size is not None:  # too large to build (derive.py)
        return [
            Heading(sentence(words["closed_form"])),
            Paragraph(sentence(words["closed_form_omitted"], f"{omitted_size:,}")),
        ]
    if closed_form is None:
        return []
    blocks: list[Block] = [Heading(sentence(words["closed_form"]))]
    node = writer.formula(closed_form)
    if E.size(node) > MAX_CLOSED_FORM_SIZE:
        terms = len(sp.Add.make_args(sp.expand(closed_form, deep=False)))
        return blocks + [Paragraph(sentence(words["closed_form_too_long"], str(terms)))]
    blocks.append(Equations((Row(E.equals(grad, node)),)))
    where = _activation_definitions(writer.network, closed_form)
    if where:
        blocks.append(
            Paragraph(
                sentence(words["closed_form_where"], *where)
                if len(where) == 1
                else _joined(words["closed_form_where"], where)
            )
        )
    return blocks


def _joined(template: str, chains: list[E.Chain]) -> Inlines:
    parts: list[Text | Math] = []
    for position, chain in enumerate(chains):
        if position:
            parts.append(Text(", "))
        parts.append(Math(chain))
    before, after = template.split("{}")
    return (Text(before), *parts, Text(after)) if before else (*parts, Text(after))


def _activation_definitions(network: Network, closed_form: sp.Expr) -> list[E.Chain]:
    """σ(z) = 1/(1 + e^(−z)) and the like, for the functions the closed form uses."""
    from symbp import functions

    z = E.Sym(E.Name("z", plain="z"))
    one = E.Num(1.0, "1")
    e_z, e_minus_z = E.Call("exp", (z,)), E.Call("exp", (E.Neg(z),))
    found = []
    if closed_form.has(functions.sigmoid):
        found.append(E.equals(E.Call("sigma", (z,)), E.Frac(one, E.total(one, e_minus_z))))
    if closed_form.has(sp.tanh):
        found.append(
            E.equals(
                E.Call("tanh", (z,)),
                E.Frac(E.total(e_z, E.Neg(e_minus_z)), E.total(e_z, e_minus_z)),
            )
        )
    if closed_form.has(functions.relu):
        found.append(E.equals(E.Call("relu", (z,)), E.Call("max", (E.Num(0.0, "0"), z))))
    return found


# -- a bias ----------------------------------------------------------------------------------------


def bias_blocks(
    derivation: BiasDerivation,
    evaluation: Evaluation,
    check: CheckResult | None = None,
    *,
    digits: int = 4,
    lang: str = "en",
) -> tuple[Block, ...]:
    """A bias's gradient: ∂z_j/∂b = 1 for each unit j it feeds, so ∂L/∂b = Σ_j δ_j."""
    context = worked(evaluation, digits, lang)
    writer, words, network = context.writer, context.words, context.network
    first = context.first
    bias = derivation.bias
    add_delta_partials(writer, derivation.deltas, first)
    b = writer.sym(bias.symbol)
    grad = writer.partial(network.loss, bias.symbol)
    zs = [writer.sym(u.z) for u in bias.targets if u.z is not None]
    rule = E.equals(grad, writer.formula(derivation.delta_form))
    z_list: E.Node | E.Chain = (
        zs[0] if len(zs) == 1 else E.Chain(zs[0], tuple(E.Step(",", z) for z in zs[1:]))
    )
    blocks: list[Block] = [
        Heading(
            sentence(
                words["derivation_title"],
                network.spec.title,
                context.reduced.partial(network.loss, bias.symbol),
            ),
            1,
        ),
        Paragraph(
            sentence(
                words["bias_of"],
                E.equals(b, writer.given(bias.value)),
                z_list,
                E.Num(1.0, "1"),
                rule,
            )
        ),
    ]
    if not bias.trainable:
        blocks.append(Paragraph(sentence(words["fixed_bias"])))
    if context.several:
        blocks.append(samples_paragraph(context))
    blocks.append(Heading(sentence(words["delta_form"], DELTA_RULE)))
    rows = [delta_row(writer, d) for d in derivation.deltas]
    gradient_1 = first.value(derivation.delta_form)
    rows.append(
        Row(writer.worked(grad, writer.formula(derivation.delta_form), gradient_1, final=True))
    )
    blocks.append(Equations(tuple(rows), layout="stacked"))
    blocks += indicator_paragraph(network, derivation.deltas, lang)
    blocks += [
        note_paragraph(writer, n, lang)
        for n in unit_notes(network, (d.unit for d in derivation.deltas), first.values)
    ]
    per_sample = [s.value(derivation.delta_form) for s in evaluation.samples]
    if per_sample:
        gradient = sum(per_sample) / (len(per_sample) if network.spec.reduction == "mean" else 1)
        blocks.append(
            Paragraph(
                sentence(
                    words["samples_reduce"],
                    words[f"reduction_{network.spec.reduction}"],
                    reduction_chain(context, bias.symbol, per_sample, gradient),
                )
            )
        )
    else:
        gradient = gradient_1
    blocks += closed_form_blocks(
        writer, grad, derivation.closed_form, lang, derivation.closed_form_size
    )
    if bias.trainable:
        blocks.append(
            Heading(sentence(words["value_update"], writer.given(network.spec.learning_rate)))
        )
        blocks.append(update_rows(context, bias.symbol, bias.value, gradient))
        if check is not None:
            blocks.append(check_paragraph(check, bias.name, lang))
    return tuple(blocks)
