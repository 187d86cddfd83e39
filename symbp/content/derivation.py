"""One parameter's derivation as blocks: the chain-rule paths, the local derivatives, the δ form,
the closed form, why the sign, the value, the update and the check.

The same blocks feed every format (text, LaTeX, MathML, Markdown, HTML) and the handout reuses
the pieces (δ rows, path sums, sign paragraphs). With several samples the steps work sample 1,
whose loss is written L⁽¹⁾; the value and the update use the mean (or sum) L.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from symbp.content.dropout import dropout_blocks
from symbp.content.labels import labels, title, weight_init_words
from symbp.content.notes import indicator_paragraph as indicator_paragraph
from symbp.content.notes import note_paragraph as note_paragraph
from symbp.content.notes import undefined_note as undefined_note
from symbp.content.numbers import difference, result_num
from symbp.content.operation_forms import definition
from symbp.content.optimizer import parameter_rows, rule_blocks
from symbp.content.penalty_sign import penalty_paragraph
from symbp.content.sign import activation_sign_reason as activation_sign_reason
from symbp.content.sign import sign_blocks as sign_blocks
from symbp.content.worked import Worked as Worked
from symbp.content.worked import add_delta_partials as add_delta_partials
from symbp.content.worked import add_partials as add_partials
from symbp.content.worked import sample_loss_name as sample_loss_name
from symbp.content.worked import shown_factors as shown_factors
from symbp.content.worked import worked as worked
from symbp.content.writer import Writer
from symbp.core.derive import (
    MAX_PATHS,
    BiasDerivation,
    DeltaDefinition,
    Derivation,
    LocalDerivative,
    UnitDerivation,
)
from symbp.core.explain import (
    derivation_notes,
    unit_notes,
)
from symbp.core.functions import ALL_ENTRIES
from symbp.core.graph import Network, Unit
from symbp.core.numeric import Evaluation
from symbp.core.operations import activation_info, cancels, loss_info
from symbp.core.optim import OptimizerStep, apply, update_rule
from symbp.torchcheck.results import CheckResult

#: a closed form with more nodes than this is described, not printed
MAX_CLOSED_FORM_SIZE = 600
#: δ = ∂L/∂z, the definition every δ row applies
DELTA_RULE = E.equals(
    E.Sym(E.Name("δ", plain="δ")), E.Partial(E.Name("L", plain="L"), E.Name("z", plain="z"))
)


# -- the context of one worked sample -----------------------------------------------------------


def delta_row(writer: Writer, delta: DeltaDefinition) -> Row:
    """δ_j = ∂L/∂a_j · ∂a_j/∂z_j = (upstream) · f′ = numbers = value (softmax: Σ over outputs)."""
    network = writer.network
    unit = delta.unit
    assert unit.z is not None
    loss = network.loss
    routes = delta.routes if not delta.is_elementwise else ()
    if unit is network.objective:  # L is this output: δ = ∂o/∂z, with no factor ∂L/∂o = 1
        value = writer.values[delta.symbol]
        local = writer.formula(delta.activation_derivative.formula)
        chain = writer.worked(writer.sym(delta.symbol), local, value)
        return Row(E.Chain(chain.lhs, (E.Step("=", writer.partial(unit.a, unit.z)), *chain.steps)))
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
    if simplified is not None:  # the formula, its simplified form, then the numbers once
        steps = (E.Step("=", leibniz), chain.steps[0])
        steps += tuple(writer.worked(chain.lhs, simplified, value).steps)
    return Row(E.Chain(chain.lhs, steps))


def simplified_delta(writer: Writer, unit: Unit) -> E.Node | None:
    """δ_k = o_k − y_k (softmax + cross-entropy) or (o_k − y_k)/K (sigmoid + BCE), else None."""
    network = writer.network
    if unit not in network.outputs or unit.activation is None:
        return None
    loss = network.spec.loss
    if not cancels(loss, unit.activation.name):
        return None
    # read only where the loss has targets (the objective "output" has none)
    y = network.targets[unit.index]
    if loss_info(loss).mean_over_outputs:
        return writer.formula((unit.a - y) / len(network.outputs))
    return writer.formula(unit.a - y)


def _generic(base: str, index: str) -> E.Sym:
    return E.Sym(E.Name(base, index, plain=f"{base}_{index}"))


def simplification_paragraph(network: Network, lang: str) -> Paragraph | None:
    """Why an output δ simplifies (softmax + cross-entropy, sigmoid + BCE), in one line."""
    words = labels(lang)
    spec = network.spec
    error = E.total(_generic("o", "k"), E.Neg(_generic("y", "k")))
    delta_k = _generic("δ", "k")
    if not cancels(spec.loss, spec.activations[-1]):
        return None
    loss = loss_info(spec.loss)
    if not activation_info(spec.activations[-1]).elementwise:
        m = E.Name("o", "m", plain="o_m")
        jacobian = E.product(
            E.Partial(E.Name("L", plain="L"), m), E.Partial(m, E.Name("z", "k", plain="z_k"))
        )
        rule = E.equals(delta_k, E.Sum("m", jacobian), error)
        targets = E.equals(E.Sum("m", _generic("y", "m")), E.Num(1.0, "1"))
        return Paragraph(sentence(words[loss.cancellation_words], rule, targets, error))
    rule = E.equals(delta_k, E.Frac(error, E.Sym(E.Name("K", plain="K"))))
    return Paragraph(sentence(words[loss.cancellation_words], rule))


def path_sum_row(
    writer: Writer,
    lhs: E.Node,
    derivation: Derivation | UnitDerivation,
    *,
    one_per_line: bool = True,
) -> Row:
    """∂L/∂w = Σ over paths of the product of their Leibniz factors, one path per line (or as
    many as fit, `one_per_line=False`)."""
    network = writer.network
    paths = [
        E.product(*(writer.partial(f.of, f.wrt) for f in shown_factors(network, path)))
        for path in derivation.paths
    ]
    split = one_per_line and len(paths) > 1
    return Row(E.Chain(lhs, (E.Step("=", E.total(*paths), split=split),)))


def local_rows(writer: Writer, derivation: Derivation | UnitDerivation) -> Equations:
    rows = []
    seen: set[tuple[sp.Symbol, sp.Symbol]] = set()
    for path in derivation.paths:
        for factor in shown_factors(writer.network, path):
            key = (factor.of, factor.wrt)
            if key in seen:
                continue
            seen.add(key)
            value = writer.partials[key]
            rows.append(
                Row(writer.worked(writer.partial(*key), writer.formula(factor.formula), value))
            )
    return Equations(tuple(rows))


def _route(
    writer: Writer, derivation: Derivation | UnitDerivation, factors: Sequence[LocalDerivative]
) -> E.Chain:
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
    start = (
        derivation.unit.a if isinstance(derivation, UnitDerivation) else derivation.weight.symbol
    )
    return E.Chain(writer.sym(start), tuple(E.Step("→", s) for s in stops))


def product_rows(writer: Writer, derivation: Derivation | UnitDerivation, lang: str) -> Equations:
    words = labels(lang)
    rows = []
    path_values = []
    for number, path in enumerate(derivation.paths, start=1):
        written = shown_factors(writer.network, path)
        factors = [writer.partials[(f.of, f.wrt)] for f in written]
        value = 1.0
        for factor in factors:
            value *= factor
        path_values.append(value)
        numbers = E.Mul(
            tuple(
                writer.value_num(writer.formula(f.formula), v)
                for f, v in zip(written, factors, strict=True)
            )
        )
        tag = sentence(words["path"], str(number), _route(writer, derivation, written))
        rows.append(Row(E.equals(numbers, writer.num(value)), tag))
    total = sum(path_values)
    terms = E.total(*(writer.num(v) for v in path_values))
    rows.append(Row(E.equals(terms, writer.result(total)), sentence(words["path_sum"])))
    return Equations(tuple(rows))


def check_paragraph(check: CheckResult, name: str, lang: str) -> Paragraph:
    """One parameter's gradient by torch autograd and finite differences, and the verdict."""
    words = labels(lang)
    row = check.weight(name)
    verdict = words["agrees"] if row.passed else words["disagrees"]
    if row.passed and row.kink:
        verdict = words["agrees_kink"].replace("{}", row.kink)
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


#: beyond this many samples a reduction is written Σ_n, and a table gives the samples' values
MAX_SAMPLE_TERMS = 8
#: such a table shows at most this many samples (JSON gives every one)
MAX_SAMPLE_ROWS = 20


def reduction_chain(
    worked_sample: Worked, symbol: sp.Symbol, per_sample: Sequence[float], total: float
) -> E.Chain:
    """∂L/∂p = (∂L⁽¹⁾/∂p + … + ∂L⁽ᴺ⁾/∂p)/N = (numbers)/N = value (or the plain sum); beyond
    MAX_SAMPLE_TERMS samples (1/N)·Σ_n ∂L⁽ⁿ⁾/∂p = value, the samples' values in a table."""
    network = worked_sample.network
    names = worked_sample.reduced
    wrt = names.of[symbol]
    count = E.Num(float(len(per_sample)), str(len(per_sample)))
    mean = network.spec.reduction == "mean"
    lhs = names.partial(network.loss, symbol)
    if len(per_sample) > MAX_SAMPLE_TERMS:
        summed = E.Sum("n", E.Partial(sample_loss_name("n"), wrt, ("sample", "n", symbol.name)))
        rule = E.Mul((E.Frac(E.Num(1.0, "1"), count), summed)) if mean else summed
        return E.equals(lhs, rule, result_num(total))
    partials = E.total(
        *(
            E.Partial(sample_loss_name(n), wrt, ("sample", n, symbol.name))
            for n in range(1, len(per_sample) + 1)
        )
    )
    numbers = E.total(*(worked_sample.writer.num(g) for g in per_sample))
    if mean:
        partials, numbers = E.Frac(partials, count), E.Frac(numbers, count)
    return E.equals(lhs, partials, numbers, result_num(total))


def sample_table(
    worked_sample: Worked, heading: Inlines, values: Sequence[float], *, first: int = 2
) -> list[Block]:
    """Samples `first`… and one value each (the first MAX_SAMPLE_ROWS), with a note on how many
    more there are; sample 1 is the one worked above."""
    words = worked_sample.words
    total = len(values)
    shown = list(enumerate(values, start=1))[first - 1 : first - 1 + MAX_SAMPLE_ROWS]
    if not shown:
        return []
    last = shown[-1][0]
    intro = (
        sentence(words["samples_rest"], str(last))
        if last == total
        else sentence(words["samples_rest_capped"], str(last), str(total))
    )
    rows = tuple(((Text(str(n)),), (Math(result_num(v)),)) for n, v in shown)
    return [
        Paragraph(intro),
        Table(((Text(words["sample"]),), heading), rows, align="rr"),
    ]


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


def first_update(evaluation: Evaluation) -> OptimizerStep:
    """The first update of every parameter by the spec's optimizer (torch.optim's numbers)."""
    network = evaluation.network
    spec = network.spec
    rule = update_rule(spec.optimizer, spec.learning_rate)
    names = tuple(p.name for p in network.parameters)
    return apply(rule, names, evaluation.parameters, evaluation.gradients)


def value_update_blocks(
    worked_sample: Worked, symbol: sp.Symbol, initial: float, gradient: float
) -> list[Block]:
    """The value of ∂L/∂p and p's first update: p ← p − η ∂L/∂p, or the spec's optimizer's
    every equation with p's numbers."""
    network = worked_sample.network
    words = worked_sample.words
    writer = worked_sample.writer
    optimizer = network.spec.optimizer
    if optimizer.is_plain_sgd:
        return [
            Heading(sentence(words["value_update"], writer.given(network.spec.learning_rate))),
            update_rows(worked_sample, symbol, initial, gradient),
        ]

    update = first_update(worked_sample.evaluation)
    names = worked_sample.reduced
    grad = names.partial(network.loss, symbol)
    parameter = update.parameter(symbol.name)
    rows = parameter_rows(names, parameter, symbol, writer.digits)
    return [
        Heading(sentence(words["optimizer_update_heading"], update.rule.description)),
        *rule_blocks(update.rule, worked_sample.lang, writer.digits, names.loss),
        Equations((Row(E.equals(grad, result_num(gradient))), *rows)),
    ]


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
                title(network.spec.title, lang),
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
    if weight.uses > 1:  # a tied weight: one term per edge it sits on
        sum_over_uses = E.equals(grad, writer.formula(derivation.delta_form))
        used = sentence(
            words["used_in"], writer.sym(weight.symbol), str(weight.uses), sum_over_uses
        )
        blocks.append(Paragraph(used))
    if network.spec.weight_init != "given":
        blocks.append(
            Paragraph(
                sentence(
                    words["initial_weights"], weight_init_words(network.spec.weight_init, lang)
                )
            )
        )
    if context.several:
        blocks.append(samples_paragraph(context))
    blocks += dropout_blocks(context)
    penalty = penalty_paragraph(network, lang)
    if penalty is not None:
        blocks.append(penalty)

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
    elif derivation.path_count:  # none at all: the heading says 0 paths
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
        if len(per_sample) > MAX_SAMPLE_TERMS:
            heading = (Math(E.Partial(sample_loss_name("n"), context.reduced.of[weight.symbol])),)
            blocks += sample_table(context, heading, per_sample)
    blocks += closed_form_blocks(
        writer, grad, derivation.closed_form, lang, derivation.closed_form_size
    )
    if weight.uses == 1:  # the sign's story follows one δ·a product
        blocks.append(Heading(sentence(words["sign"])))
        blocks += sign_blocks(context, derivation)
    blocks += value_update_blocks(context, weight.symbol, weight.value, gradient)
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
    if closed_form is None and omitted_size is not None:  # too large to build (core/derive.py)
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
    z = E.Sym(E.Name("z", plain="z"))
    found = []
    for entry in ALL_ENTRIES:  # the activations, gelu's tanh form, then Φ and φ
        if entry.function is None or not closed_form.has(entry.function):
            continue
        call = entry.display or activation_info(entry.name).call_name
        written = definition(entry.key, call, z)
        if written is not None:
            found.append(written)
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
                title(network.spec.title, lang),
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
    if len({unit.layer for unit in bias.targets}) > 1:  # one bias of tied layers
        blocks.append(Paragraph(sentence(words["used_in"], b, str(len(bias.targets)), rule)))
    if not bias.trainable:
        blocks.append(Paragraph(sentence(words["fixed_bias"])))
    if context.several:
        blocks.append(samples_paragraph(context))
    blocks += dropout_blocks(context)
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
        if len(per_sample) > MAX_SAMPLE_TERMS:
            heading = (Math(E.Partial(sample_loss_name("n"), context.reduced.of[bias.symbol])),)
            blocks += sample_table(context, heading, per_sample)
    else:
        gradient = gradient_1
    blocks += closed_form_blocks(
        writer, grad, derivation.closed_form, lang, derivation.closed_form_size
    )
    if bias.trainable:
        blocks += value_update_blocks(context, bias.symbol, bias.value, gradient)
        if check is not None:
            blocks.append(check_paragraph(check, bias.name, lang))
    return tuple(blocks)
