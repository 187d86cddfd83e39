"""A complete handout as one document: the problem, the forward pass, the backward pass, the
update and the check — every number the reader needs, in the order a course teaches them.

Backward pass: for one weight of each layer the chain-rule paths come first (every path through
a unit shares the factor ∂L/∂z, which is why δ exists), then each δ, every ∂L/∂w and ∂L/∂b;
why the focus weight's gradient has its sign; the notes that apply (symmetry, dead or kinked
relu units); softmax + cross-entropy simplified to o − y. With several samples, the worked
values are sample 1's (its loss L⁽¹⁾), tables give every sample's, and the update uses the
mean (or sum) that the reduction shows.

What is worked in full and what is a table row is the teacher's choice (content/selection.py):
a small network works every gradient and update; a large one, or a compact handout, works one
unit and one weight per layer and gives the rest one table row each. A layer pair with too
many edges to label on the diagram has its weights as a matrix W⁽ˡ⁾ after it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Diagram,
    Document,
    Equations,
    Heading,
    Inlines,
    Math,
    Paragraph,
    Row,
    Table,
    Text,
    run_on,
    sentence,
)
from symbp.content.derivation import (
    DELTA_RULE,
    Worked,
    add_delta_partials,
    add_partials,
    delta_row,
    first_update,
    note_paragraph,
    path_sum_row,
    sample_loss_name,
    sign_blocks,
    simplification_paragraph,
    worked,
)
from symbp.content.dropout import dropout_blocks
from symbp.content.labels import labels, title, weight_init_words
from symbp.content.names import Names, constant
from symbp.content.network_figure import shows_numbers, with_figure
from symbp.content.network_figure import words as figure_words
from symbp.content.numbers import column_nums, difference, given_num, result
from symbp.content.operation_forms import written_out
from symbp.content.optimizer import rule_blocks, worked_update_blocks
from symbp.content.penalty_sign import penalty_paragraph
from symbp.content.selection import (
    Selection,
    delta_table,
    forward_table,
    gradient_table,
    layer_parameters,
    select,
    update_table,
)
from symbp.content.summary import closing_blocks
from symbp.content.tables import parameter_cell
from symbp.content.writer import Writer
from symbp.core.derive import MAX_PATHS, Backprop, derive
from symbp.core.explain import symmetry_note, unit_notes
from symbp.core.graph import Network, Weight
from symbp.core.numeric import Evaluation, updated_weights
from symbp.core.operations import CROSS_ENTROPY, EXP, LOG, MSE_MEAN, activation_info, loss_info
from symbp.errors import SymbpError, listed
from symbp.near import did_you_mean
from symbp.torchcheck.results import CheckResult

#: per-sample tables show at most this many samples
MAX_SAMPLE_COLUMNS = 8
#: finite differences are shown to this many decimals (their own error is about 1e-11)
FD_DECIMALS = 8
#: a spec's updates worked in the handout; the losses of the later ones are a table
MAX_WORKED_STEPS = 3
#: a layer pair with more edges than this is drawn without labels, its weights in a matrix
MAX_LABELLED_EDGES = 12


def handout_document(
    sweep: Backprop,
    evaluation: Evaluation,
    check: CheckResult | None,
    new_loss: float,
    *,
    digits: int = 4,
    lang: str = "en",
    focus: str | None = None,
    show: Sequence[str] | None = None,
    compact: bool = False,
    heading: str | None = None,
    sample: int = 1,
    answers: str = "foot",
) -> Document:
    """Every step of one training iteration for a network, as a document.

    `show` names the parameters derived in full (the others get a table row each), `compact`
    gives every gradient and update a table row, `heading` replaces the spec's title, `answers`
    places the questions' answers (content/questions.ANSWER_PLACEMENTS).
    """
    words = labels(lang)
    network = sweep.network
    selection = select(network, show, compact)
    weights = {w.name for w in network.weights}
    shown_weights = [name for name in show or () if name in weights]
    context = worked(evaluation, digits, lang, sample=sample)
    focus_name = focus or (shown_weights[0] if shown_weights else default_focus(context))
    if focus_name not in weights:
        known = tuple(w.name for w in network.weights)
        raise SymbpError(
            f"--focus: unknown weight {focus_name!r}{did_you_mean(focus_name, known)}; this "
            f"network has {listed(known)}"
        )
    heading = title(network.spec.title if heading is None else heading, lang)
    blocks: list[Block] = [Heading((Text(heading),), 1), Paragraph((Text(words["handout"]),))]
    blocks += with_figure(problem_blocks(network, digits, lang), context, focus_name)
    blocks += forward_blocks(context, selection)
    blocks += backward_blocks(context, sweep, focus_name, selection)
    blocks += update_blocks(context, new_loss, selection, sweep=sweep)
    verification = (
        verification_blocks(check, lang, Names(network), differences=selection.condensed)
        if check is not None
        else []
    )
    # every gradient and update for the student, the questions, the 10-digit check last
    passed = check is not None and check.passed
    # with every update a worked equation in section 4, a table of them would repeat it
    every_update_worked = all(selection.worked(p.name) for p in network.parameters)
    blocks += closing_blocks(
        context,
        sweep,
        focus_name,
        verification,
        selection.condensed or every_update_worked,
        passed,
        answers,
    )
    return Document(title=heading, lang=lang, blocks=tuple(blocks))


def said_unchecked(document: Document) -> Document:
    """The handout saying, under its opening line, that it was not checked against torch."""
    from dataclasses import replace

    note = Paragraph((Text(labels(document.lang)["handout_unchecked"]),))
    blocks = document.blocks
    place = 2 if len(blocks) > 1 and isinstance(blocks[1], Paragraph) else 1
    return replace(document, blocks=(*blocks[:place], note, *blocks[place:]))


def sentence_text(template: str, *fills: str) -> str:
    """A label filled with words only, as one piece of prose."""
    for fill in fills:
        template = template.replace("{}", fill, 1)
    return template


def _generic(symbol: str) -> E.Sym:
    return E.Sym(E.Name(symbol, plain=symbol))


def _listing(
    writer_names: Names, symbols: Sequence[sp.Symbol], values: Sequence[float], digits: int
) -> E.Chain | E.Node:
    """x1 = 0.5, x2 = 0.3 as one inline chain of equations separated by commas."""
    pieces = [
        E.equals(writer_names.sym(s), given_num(v, digits))
        for s, v in zip(symbols, values, strict=True)
    ]
    first = pieces[0]
    steps = list(first.steps)
    for piece in pieces[1:]:
        steps += [E.Step(",", piece.lhs), *piece.steps]
    return E.Chain(first.lhs, tuple(steps))


# -- 1. the problem ---------------------------------------------------------------------------


def problem_blocks(network: Network, digits: int, lang: str) -> list[Block]:
    words = labels(lang)
    spec = network.spec
    names = Names(network)
    layers = "(" + ", ".join(str(size) for size in spec.layers) + ")"
    samples = spec.samples
    labelled = labelled_pairs(network)
    where = words[
        "labels_all" if all(labelled) else "labels_some" if any(labelled) else "labels_none"
    ]
    intro = (
        sentence(words["problem_intro"], layers, where)
        if len(samples) == 1
        else sentence(words["problem_intro_samples"], layers, str(len(samples)), where)
    )
    blocks: list[Block] = [
        Heading(sentence(words["problem"])),
        Paragraph(intro),
        Diagram(names, digits, labelled=labelled),
    ]
    matrices = [pair + 1 for pair, on_edges in enumerate(labelled) if not on_edges]
    if matrices:
        generic = E.Sym(E.Name("W", sup="(l)", plain="W(l)"))
        blocks.append(Paragraph(sentence(words["matrices"], generic), kind="lead"))
        blocks += [weight_matrix(network, names, layer, digits) for layer in matrices]
    inputs = [u.a for u in network.inputs]
    if network.objective is not None and len(samples) == 1:
        blocks.append(
            Paragraph(
                sentence(
                    words["objective_output"],
                    _listing(names, inputs, spec.inputs, digits),
                    names.sym(network.objective.a),
                )
            )
        )
    elif len(samples) == 1:
        blocks.append(
            Paragraph(
                sentence(
                    words["inputs_targets"],
                    _listing(names, inputs, spec.inputs, digits),
                    _listing(names, network.targets, spec.targets, digits),
                )
            )
        )
    else:
        blocks.append(_samples_table(network, names, digits, lang))
    if network.biases:
        blocks += _bias_paragraphs(network, names, digits, lang)
    if spec.weight_init != "given":
        blocks.append(
            Paragraph(sentence(words["initial_weights"], weight_init_words(spec.weight_init, lang)))
        )
    blocks += activation_blocks(network, lang)
    blocks.append(loss_paragraph(network, names, lang))
    return blocks


def _bias_paragraphs(network: Network, names: Names, digits: int, lang: str) -> list[Block]:
    """The biases and their values: trainable ones, then fixed ones (each group when any)."""
    words = labels(lang)
    blocks: list[Block] = []
    for key, trainable in (("biases", True), ("biases_fixed", False)):
        group = [b for b in network.biases if b.trainable is trainable]
        if not group:
            continue
        listing = _listing(names, [b.symbol for b in group], [b.value for b in group], digits)
        blocks.append(Paragraph(sentence(words[key], listing)))
    return blocks


def labelled_pairs(network: Network) -> tuple[bool, ...]:
    """Per layer pair, whether the diagram writes each weight on its edge: only where there are
    few enough edges for the labels to be read (and placed without overlapping)."""
    sizes = [len(units) for units in network.layers]
    return tuple(a * b <= MAX_LABELLED_EDGES for a, b in zip(sizes, sizes[1:], strict=False))


def weight_matrix(network: Network, names: Names, layer: int, digits: int) -> Table:
    """W⁽ˡ⁾ as a table: a row per unit of layer l, a column per unit of layer l − 1, each entry
    the weight's name and value."""
    matrix = E.Sym(E.Name("W", sup=f"({layer})", plain=f"W({layer})"))
    sources, targets = network.layers[layer - 1], network.layers[layer]
    weight = {(w.source.name, w.target.name): w for w in network.weights}
    header: list[Inlines] = [(Math(matrix),)]
    header += [(Math(names.sym(u.a)),) for u in sources]
    rows = []
    for target in targets:
        cells: list[Inlines] = [(Math(names.sym(target.a)),)]
        for source in sources:
            w = weight[(source.name, target.name)]
            cells.append((Math(E.equals(names.sym(w.symbol), given_num(w.value, digits))),))
        rows.append(tuple(cells))
    return Table(tuple(header), tuple(rows), align="l" * (len(sources) + 1))


def _samples_table(network: Network, names: Names, digits: int, lang: str) -> Table:
    words = labels(lang)
    header: list[Inlines] = [(Text(words["sample"]),)]
    header += [(Math(names.sym(u.a)),) for u in network.inputs]
    header += [(Math(names.sym(y)),) for y in network.targets]
    rows = []
    for number, (x, y) in enumerate(network.spec.samples, start=1):
        cells: list[Inlines] = [(Text(str(number)),)]
        cells += [(Math(given_num(v, digits)),) for v in (*x, *y)]
        rows.append(tuple(cells))
    return Table(tuple(header), tuple(rows))


def activation_blocks(network: Network, lang: str) -> list[Block]:
    """Each layer's activation by name, its formula and its derivative."""
    words = labels(lang)
    z, a = sp.Symbol("z"), sp.Symbol("a")
    generic = {z: E.Name("z", plain="z"), a: E.Name("a", plain="a")}
    convert = E.Converter(generic, {}, {}, constant)
    blocks: list[Block] = []
    indicator = kronecker = False  # relu's 1[z > 0]; the softmax Jacobian's 1[i = j]
    layers = list(range(1, len(network.layers)))
    if len(layers) > 1 and len({_activation_key(network, layer) for layer in layers}) == 1:
        layers = layers[:1]  # one line says it for every layer, not one copy per layer
    for layer in layers:
        unit = network.layers[layer][0]
        activation = unit.activation
        assert activation is not None
        layer_name = (
            words["layer_every"]
            if len(layers) == 1 and len(network.layers) > 2
            else words["layer_output"]
            if layer == len(network.layers) - 1
            else words["layer_hidden"].replace("{}", str(layer))
        )
        if not activation.elementwise:
            o_k, o_i, o_j = (E.Sym(E.Name("o", i, plain=f"o_{i}")) for i in "kij")
            formula = E.equals(
                o_k,
                E.Frac(
                    E.Call(EXP.name, (_generic_sub("z", "k"),)),
                    E.Sum("m", E.Call(EXP.name, (_generic_sub("z", "m"),))),
                ),
            )
            jacobian = E.equals(
                E.Partial(E.Name("o", "i", plain="o_i"), E.Name("z", "j", plain="z_j")),
                E.Mul((o_i, E.total(E.Indicator(_generic("i"), "=", _generic("j")), E.Neg(o_j)))),
            )
            blocks.append(
                Paragraph(
                    sentence(
                        words["activation_layer"],
                        layer_name,
                        activation_info(activation.name).prose_name,
                        formula,
                        jacobian,
                    )
                )
            )
            kronecker = True
            continue
        applied = activation.apply(z)
        written = convert(applied)
        members: list[E.Node] = [written]
        expanded = applied.rewrite(sp.exp)
        info = activation_info(activation.name)
        if expanded != applied and info.exponential_form:
            written_with_exp = written_out(info, _generic("z"))
            if written_with_exp is not None:
                members.append(written_with_exp)
        rule = E.equals(_generic("a"), *members)
        derivative = E.equals(
            E.Partial(E.Name("a", plain="a"), E.Name("z", plain="z")),
            convert(activation.derivative(z, a)),
        )
        if info.kink:
            indicator = True
        blocks.append(
            Paragraph(
                sentence(words["activation_layer"], layer_name, info.prose_name, rule, derivative)
            )
        )
    if indicator:
        z_sym = _generic("z")
        one = E.Indicator(z_sym, ">", E.Num(0.0, "0"))
        blocks.append(
            Paragraph(
                sentence(words["indicator"], one, E.Chain(z_sym, (E.Step(">", E.Num(0.0, "0")),)))
            )
        )
    if kronecker:
        i, j = _generic("i"), _generic("j")
        one = E.Indicator(i, "=", j)
        blocks.append(Paragraph(sentence(words["indicator_kronecker"], one, E.equals(i, j))))
    return blocks


def _activation_key(network: Network, layer: int) -> tuple[str, str, bool]:
    """What decides how a layer's activation is written: its name and its formula (with any
    parameter, such as leaky relu's slope, in it)."""
    activation = network.layers[layer][0].activation
    assert activation is not None
    if not activation.elementwise:
        return activation.name, "", False
    return activation.name, sp.srepr(activation.apply(sp.Symbol("z"))), True


def _generic_sub(base: str, index: str) -> E.Sym:
    return E.Sym(E.Name(base, index, plain=f"{base}_{index}"))


def one_hot_class(network: Network) -> int | None:
    """The target class (0-based) of a cross-entropy loss whose one target is one-hot."""
    if len(network.spec.samples) != 1:
        return None
    return sample_class(network, 0)


def sample_class(network: Network, sample: int) -> int | None:
    """The target class (0-based) of sample `sample` (0-based) of a cross-entropy loss, when
    its target is one-hot."""
    if network.spec.loss != CROSS_ENTROPY.name:
        return None
    targets = list(network.spec.samples[sample][1])
    if sorted(targets) != [0.0] * (len(targets) - 1) + [1.0]:
        return None
    return targets.index(1.0)


def _sample_classes(network: Network, names: Names, lang: str) -> Inlines:
    """Each sample's target class, where cross-entropy's targets are one-hot: " The targets
    are classes …: sample 1 class 2 (y3 = 1, so L⁽¹⁾ = −log(o3)), …" (CS231n's −log of the
    target's probability, as the one-sample handout says)."""
    count = len(network.spec.samples)
    classes = [sample_class(network, n) for n in range(count)]
    if count < 2 or any(c is None for c in classes):
        return ()
    words = labels(lang)
    each: list[Inlines] = []
    for number, target in enumerate(classes, start=1):
        assert target is not None
        one = E.equals(names.sym(network.targets[target]), E.Num(1.0, "1"))
        log = E.Neg(E.Call(LOG.name, (names.sym(network.outputs[target].a),)))
        minus_log = E.equals(E.Sym(sample_loss_name(number)), log)
        each.append(sentence(words["loss_sample_class"], str(number), str(target), one, minus_log))
    listed: Inlines = each[0]
    for more in each[1:]:
        listed = (*listed, Text(words["list_separator"]), *more)
    return sentence(words["loss_classes"], listed)


def _loss_meaning(network: Network, names: Names, lang: str) -> Inlines:
    """What the loss is, where its formula does not say it: mse_mean's mean over the outputs,
    cross-entropy's target class."""
    words = labels(lang)
    spec = network.spec
    if spec.loss == MSE_MEAN.name:
        return sentence(words["loss_mean"], str(len(network.outputs)))
    target = one_hot_class(network)
    if target is None:
        return ()
    y = network.targets[target]
    o = network.outputs[target].a
    one = E.equals(names.sym(y), E.Num(1.0, "1"))
    minus_log = E.equals(names.sym(network.loss), E.Neg(E.Call(LOG.name, (names.sym(o),))))
    return sentence(words["loss_class"], str(target), one, minus_log)


def loss_paragraph(network: Network, names: Names, lang: str) -> Paragraph:
    words = labels(lang)
    spec = network.spec
    convert = names.converter(constant)
    eta = E.equals(E.Sym(E.Name("η", plain="η")), constant(spec.learning_rate))
    if network.objective is not None and len(spec.samples) == 1:
        return Paragraph(sentence(words["objective_loss"], names.sym(network.objective.a), eta))
    if len(spec.samples) == 1:
        definition = network.definitions[network.loss]
        if loss_info(spec.loss).shows_sample_class:  # hinge: Σ_{j≠y} max(0, o_j − o_y + Δ)
            one_hot = spec.samples[0][1]
            definition = definition.xreplace(
                {y: sp.Integer(round(v)) for y, v in zip(network.targets, one_hot, strict=True)}
            )
        loss = E.equals(names.sym(network.loss), convert(definition))
        return Paragraph(
            sentence(words["loss"], loss, eta)
            + _loss_meaning(network, names, lang)
            + _penalty_meaning(network, lang)
        )
    sample_names = Names(network, loss=sample_loss_name("n"))
    per_sample = E.equals(
        sample_names.sym(network.loss),
        sample_names.converter(constant)(network.definitions[network.loss]),
    )
    n = len(spec.samples)
    sum_n = E.Sum("n", E.Sym(sample_loss_name("n")))
    batch = E.equals(
        names.sym(network.loss),
        E.Mul((E.Frac(E.Num(1.0, "1"), E.Num(float(n), str(n))), sum_n))
        if spec.reduction == "mean"
        else sum_n,
    )
    return Paragraph(
        sentence(
            words["loss_samples"], per_sample, words[f"reduction_{spec.reduction}"], batch, eta
        )
        + _sample_classes(network, names, lang)
        + _penalty_meaning(network, lang)
    )


def _penalty_meaning(network: Network, lang: str) -> Inlines:
    """R's definition after the loss, where L holds an L2 penalty (" R is …")."""
    paragraph = penalty_paragraph(network, lang)
    return () if paragraph is None else (Text(" "), *paragraph.parts)


# -- 2. the forward pass ------------------------------------------------------------------------


def _layer_heading(network: Network, layer: int, lang: str) -> Heading:
    words = labels(lang)
    if layer == len(network.layers) - 1:
        return Heading(sentence(words["layer_output"]), 3)
    return Heading(sentence(words["layer_hidden"], str(layer)), 3)


def forward_blocks(context: Worked, selection: Selection | None = None) -> list[Block]:
    writer, words, network = context.writer, context.words, context.network
    z_rule = E.equals(
        _generic_sub("z", "j"),
        E.total(
            E.Sum("i", E.product(_generic_sub("w", "ij"), _generic_sub("a", "i"))),
            *((_generic_sub("b", "j"),) if network.biases else ()),
        ),
    )
    a_rule = E.equals(_generic_sub("a", "j"), E.Call("f", (_generic_sub("z", "j"),)))
    blocks: list[Block] = [
        Heading(sentence(words["forward"])),
        Paragraph(sentence(words["forward_intro"], z_rule, a_rule)),
    ]
    if context.several:
        blocks.append(Paragraph(sentence(words["forward_sample"], str(context.number))))
    blocks += dropout_blocks(context)  # a = m·f(z)/p; a dropped unit's a and δ are 0
    condensed = selection is not None and selection.condensed
    for layer, units in enumerate(network.layers[1:], start=1):
        worked_units = units[:1] if condensed else units
        rows = []
        for unit in worked_units:
            assert unit.z is not None
            for symbol in (unit.z, unit.a):
                rows.append(Row(writer.definition(symbol, network.definitions[symbol])))
        blocks += [_layer_heading(network, layer, context.lang), Equations(tuple(rows))]
    # every unit's values, the worked ones too, in one table (with several samples the table of
    # every sample that follows holds them)
    if condensed and not context.several and shows_numbers(network):
        # the figure of section 1 carries every unit's z and a: no table of them again
        blocks.append(Paragraph(sentence(figure_words(context.lang)["on_figure"])))
    elif condensed and not context.several:
        every = [u for layer in network.layers[1:] for u in layer]
        blocks += [
            Heading(sentence(words["every_unit"]), 3),
            Paragraph(sentence(words["forward_table"])),
            forward_table(context, every),
        ]
    loss = network.loss
    objective = network.objective is not None
    blocks.append(Heading(sentence(words["the_objective" if objective else "the_loss"]), 3))
    if objective and not context.several:
        # the loss is the output itself: "o1 = o1" says nothing, its value does
        value = E.equals(writer.sym(loss), writer.num(context.first.loss))
        blocks.append(Paragraph(sentence(words["objective_value"], value)))
    elif (target := sample_class(network, context.number - 1)) is not None:
        # one-hot target: the terms with y = 0 vanish, L = −log o_c (no "−0 log(0.34)")
        full = writer.formula(network.definitions[loss])
        picked = -sp.log(network.outputs[target].a)
        worked_row = writer.worked(writer.sym(loss), writer.formula(picked), context.first.loss)
        row = E.Chain(worked_row.lhs, (E.Step("=", full), *worked_row.steps))
        blocks.append(Equations((Row(row),), layout="stacked"))
    else:
        chain = writer.definition(loss, network.definitions[loss])
        summed = None if context.several else _term_values_step(context, chain)
        if summed is not None:  # L = ½(o1 − y1)² + … = ½ × (…)² + … = L_o1 + … = L, once
            chain = E.Chain(chain.lhs, (*chain.steps[:-1], summed, chain.steps[-1]))
        blocks.append(Equations((Row(chain),), layout="stacked"))
        if summed is not None:
            return blocks
    # a course-sized batch keeps to each sample's L⁽ⁿ⁾: its loss terms per output say nothing
    # a later step uses
    terms = not (condensed and context.several)
    if sample_class(network, context.number - 1) is None and terms:
        blocks += loss_term_blocks(context)
    if context.several:
        blocks += _per_sample_forward(context, terms=terms)
    return blocks


def _term_values_step(context: Worked, chain: E.Chain) -> E.Step | None:
    """ "= 0.04232 + 0.07531": each output's term of one sample's loss, in the order the
    formula writes them, as a step of the loss's own display; None where the formula is not
    the plain sum of those terms (mse_mean's common 1/K, a penalty), or has one term."""
    writer, network = context.writer, context.network
    formula = chain.steps[0].expr
    if network.penalty is not None or len(network.loss_terms) < 2:
        return None
    if not isinstance(formula, E.Add) or len(formula.terms) != len(network.loss_terms):
        return None
    values = context.first.loss_terms
    by_formula = [(writer.formula(d), values[s.name]) for s, d in network.loss_terms]
    ordered = []
    for term in formula.terms:
        found = [value for shown, value in by_formula if shown == term]
        if len(found) != 1:
            return None
        ordered.append(writer.num(found[0]))
    return E.Step("=", E.total(*ordered))


def loss_term_name(network: Network, symbol: sp.Symbol, *, per_sample: bool = False) -> E.Name:
    """L_o1: the loss term of output o1 (Mazur's E_o1); R: the L2 penalty's; `per_sample`:
    L⁽ⁿ⁾_o1, one sample's term, apart from the term of the reduced loss over the samples."""
    if symbol == network.penalty:
        return E.Name("R", plain="R")
    unit = network.units[symbol.name[2:]]
    if per_sample:
        return E.Name("L", Names(network).of[unit.a], sup="(n)", plain=symbol.name + "⁽ⁿ⁾")
    return E.Name("L", Names(network).of[unit.a], plain=symbol.name)


def loss_term_blocks(context: Worked) -> list[Block]:
    """L = L_o1 + L_o2 = numbers = value, and each term worked: L_o1 = ½(o1 − y1)² = … (with
    several samples, the reduced terms only: each sample's are in the table that follows)."""
    writer, words, network = context.writer, context.words, context.network
    if len(network.loss_terms) < 2:
        return []
    terms = {
        symbol: E.Sym(loss_term_name(network, symbol), symbol) for symbol, _ in network.loss_terms
    }
    evaluation = context.evaluation
    if context.several:
        values = evaluation.loss_terms
        total = E.equals(
            context.reduced.sym(network.loss),
            E.total(*terms.values()),
            E.total(*(writer.num(values[s.name]) for s in terms)),
            writer.num(evaluation.loss),
        )
        reduction = words[f"reduction_{network.spec.reduction}"]
        return [Paragraph(sentence(words["loss_terms_samples"], reduction, total))]
    values = context.first.loss_terms
    total = E.equals(
        writer.sym(network.loss),
        E.total(*terms.values()),
        E.total(*(writer.num(values[s.name]) for s in terms)),
        writer.num(context.first.loss),
    )
    rows = []
    for symbol, definition in network.loss_terms:
        formula = writer.formula(definition)
        rows.append(Row(writer.worked(terms[symbol], formula, values[symbol.name])))
    said = words["loss_terms_penalty" if network.penalty is not None else "loss_terms"]
    return [Paragraph(sentence(said, total), kind="lead"), Equations(tuple(rows))]


def _shown_samples(context: Worked) -> tuple[Evaluation, ...]:
    return context.evaluation.samples[:MAX_SAMPLE_COLUMNS]


def _shown_note(context: Worked) -> list[Block]:
    """Which samples a per-sample table shows, when it cannot show them all."""
    count = len(context.evaluation.samples)
    if count <= MAX_SAMPLE_COLUMNS:
        return []
    words = context.words
    return [Paragraph(sentence(words["samples_shown"], str(MAX_SAMPLE_COLUMNS), str(count)))]


def _sample_header(
    context: Worked, first: str, extra: Sequence[Inlines] = ()
) -> tuple[Inlines, ...]:
    words = context.words
    header: list[Inlines] = [(Text(first),)]
    header += [
        (Text(f"{words['sample']} {n}"),) for n in range(1, len(_shown_samples(context)) + 1)
    ]
    return (*header, *extra)


def _per_sample_forward(context: Worked, *, terms: bool = True) -> list[Block]:
    """Every sample's forward values and loss (and its loss `terms` per output), then L as
    their mean or sum."""
    writer, words, network = context.writer, context.words, context.network
    samples = _shown_samples(context)
    # a row per unit, its z and a side by side for each sample (half the rows of one per value)
    rows: list[tuple[Inlines, ...]] = []
    empty: Inlines = ()
    for units in network.layers[1:]:
        for unit in units:
            assert unit.z is not None
            cells: list[Inlines] = [(Math(context.reduced.sym(unit.a)),)]
            for s in samples:
                cells += [
                    (Math(writer.num(s.values[unit.z])),),
                    (Math(writer.num(s.values[unit.a])),),
                ]
            rows.append(tuple(cells))
    if terms and len(network.loss_terms) > 1:  # each sample's own loss terms L_o1, …
        for symbol, _ in network.loss_terms:
            cells = [(Math(E.Sym(loss_term_name(network, symbol, per_sample=True))),)]
            for s in samples:
                cells += [empty, (Math(writer.num(s.loss_terms[symbol.name])),)]
            rows.append(tuple(cells))
    losses = [s.loss for s in context.evaluation.samples]
    cells = [(Math(E.Sym(sample_loss_name("n"))),)]
    for v in losses[: len(samples)]:
        cells += [empty, (Math(writer.num(v)),)]
    rows.append(tuple(cells))
    header: list[Inlines] = [empty]
    for n in range(1, len(samples) + 1):
        header += [
            (Text(words["sample_column"].replace("{}", str(n))), Math(_generic("z"))),
            (Math(_generic("a")),),
        ]
    table = Table(tuple(header), tuple(rows))
    return [
        Heading(sentence(words["per_sample"]), 3),
        *_shown_note(context),
        table,
        Equations((Row(_reduction(context, network.loss, losses, context.evaluation.loss)),)),
    ]


def _reduction(
    context: Worked,
    symbol: sp.Symbol,
    per_sample: Sequence[float],
    total: float,
    *,
    gradient: bool = False,
) -> E.Chain:
    """L = (L⁽¹⁾ + … + L⁽ᴺ⁾)/N = numbers = value, or the same for a gradient; the numbers are
    left out beyond MAX_SAMPLE_COLUMNS samples."""
    network = context.network
    names = context.reduced
    count = len(per_sample)

    def sample_symbol(n: int | str) -> E.Node:
        if not gradient:
            return E.Sym(sample_loss_name(n), ("sample loss", n))
        return E.Partial(sample_loss_name(n), names.of[symbol], ("sample", n, symbol.name))

    lhs = names.sym(network.loss) if not gradient else names.partial(network.loss, symbol)
    number = E.Num(float(count), str(count))
    members: list[E.Node] = []
    if count <= MAX_SAMPLE_COLUMNS:
        symbols = E.total(*(sample_symbol(n) for n in range(1, count + 1)))
        numbers = E.total(*(context.writer.num(v) for v in per_sample))
        if network.spec.reduction == "mean":
            symbols, numbers = E.Frac(symbols, number), E.Frac(numbers, number)
        members = [symbols, numbers]
    else:
        summed = E.Sum("n", sample_symbol("n"))
        members = [
            E.Mul((E.Frac(E.Num(1.0, "1"), number), summed))
            if network.spec.reduction == "mean"
            else summed
        ]
    return E.equals(lhs, *members, context.writer.num(total))


# -- 3. the backward pass -----------------------------------------------------------------------


def backward_blocks(
    context: Worked, sweep: Backprop, focus: str, selection: Selection | None = None
) -> list[Block]:
    writer, words, network = context.writer, context.words, context.network
    first = context.first
    add_delta_partials(writer, tuple(sweep.deltas.values()), first)
    selection = selection or Selection(None)
    blocks: list[Block] = [Heading(sentence(words["backward"]))]
    blocks += dropout_blocks(context, backward=True)
    blocks += four_equations(network, context.lang)
    # "the other units' δ are on the figure" is said once, at the first layer with others
    figure_said = False
    for layer in range(len(network.layers) - 1, 0, -1):
        blocks.append(_layer_heading(network, layer, context.lang))
        paths = selection.paths(network, layer)
        # why δ is said once for the output layer, and once for the first hidden layer (why
        # ∂L/∂a sums the next layer's δs); the layers before say nothing new
        last = len(network.layers) - 1
        # the label that says why δ is worth naming: once for the output layer, once where a
        # hidden unit's ∂L/∂a = Σ δ·w first appears
        explain = (
            "delta_why" if layer == last else "delta_why_hidden" if layer == last - 1 else None
        )
        blocks += _paths_for_layer(
            context,
            sweep,
            paths,
            packed=selection.condensed,
            most=selection.max_paths,
            explain=explain,
        )
        deltas = [d for d in sweep.deltas.values() if d.unit.layer == layer]
        targets = {w.target.name for w in selection.paths(network, layer)}
        worked_deltas = [
            d
            for d in deltas
            if not selection.condensed or not d.is_elementwise or d.unit.name in targets
        ] or deltas[:1]
        rest = [d for d in deltas if d not in worked_deltas]
        blocks += [
            Paragraph(sentence(words["deltas"]), kind="lead"),
            Equations(
                tuple(delta_row(writer, d) for d in worked_deltas),
                layout="aligned" if selection.condensed else "stacked",
            ),
        ]
        if rest and shows_numbers(network):  # on the figure of section 1, each with its value
            if not figure_said:
                key = "deltas_on_figure" if layer == 1 else "deltas_on_figure_below"
                blocks.append(Paragraph(sentence(figure_words(context.lang)[key])))
            figure_said = True
        elif rest:
            blocks += [Paragraph(sentence(words["deltas_table"])), delta_table(context, rest)]
        if layer == len(network.layers) - 1:
            simplification = simplification_paragraph(network, context.lang)
            if simplification is not None:
                blocks.append(simplification)
        blocks += [
            note_paragraph(writer, note, context.lang)
            for note in unit_notes(network, (d.unit for d in deltas), first.values)
        ]
        blocks += _gradient_blocks(context, sweep, layer, selection)
    symmetry = (
        next(
            (
                note
                for unit in network.layers[1]
                if (note := symmetry_note(network, unit)) is not None
            ),
            None,
        )
        if len(network.layers) > 2
        else None
    )
    if symmetry is not None:
        blocks.append(note_paragraph(writer, symmetry, context.lang))
    focus_derivation = derive(network, focus, sweep=sweep, closed_form=False)
    if focus_derivation.weight.uses == 1:  # the sign's story follows one δ·a product
        blocks.append(
            Heading(
                sentence(words["sign"])
                + (
                    Text(words["heading_colon"]),
                    Math(context.reduced.partial(network.loss, network.weight(focus).symbol)),
                ),
                3,
            )
        )
        blocks += sign_blocks(context, focus_derivation)
    if context.several and not selection.condensed:
        # a condensed handout's sign section works the focus weight's mean, and the update's
        # table gives every sample's gradient
        blocks += _per_sample_gradients(context, focus, selection.condensed)
    return blocks


def four_equations(network: Network, lang: str) -> list[Block]:
    """The four equations of backpropagation in this handout's notation, as a reference for
    every number below (Nielsen's BP1–BP4 written unit by unit): an output unit's δ, a hidden
    unit's δ from the next layer's, and a bias's and a weight's gradient from δ. A softmax
    output's δ sums over the layer's outputs (its Jacobian); the bias row only where the network
    has a trainable bias."""
    words = labels(lang)
    loss = E.Name("L", plain="L")
    output = network.layers[-1][0].activation

    def f_prime(index: str) -> E.Node:
        return E.Call("f", (_generic_sub("z", index),), prime=True)

    if output is not None and not output.elementwise:
        first = E.equals(
            _generic_sub("δ", "j"),
            E.Sum(
                "m",
                E.product(
                    E.Partial(loss, E.Name("a", "m", plain="a_m")),
                    E.Partial(E.Name("a", "m", plain="a_m"), E.Name("z", "j", plain="z_j")),
                ),
            ),
        )
    else:
        first = E.equals(
            _generic_sub("δ", "j"),
            E.product(E.Partial(loss, E.Name("a", "j", plain="a_j")), f_prime("j")),
        )
    rows = [Row(first, sentence(words["bp_output"]))]
    if len(network.layers) > 2:
        hidden = E.equals(
            _generic_sub("δ", "j"),
            E.product(  # f′ first: the sum runs to the end of the line, unbracketed
                f_prime("j"),
                E.Sum("k", E.product(_generic_sub("w", "jk"), _generic_sub("δ", "k"))),
            ),
        )
        rows.append(Row(hidden, sentence(words["bp_hidden"])))
    if any(b.position >= 0 for b in network.biases):
        bias = E.equals(E.Partial(loss, E.Name("b", "j", plain="b_j")), _generic_sub("δ", "j"))
        rows.append(Row(bias, sentence(words["bp_bias"])))
    weight = E.equals(
        E.Partial(loss, E.Name("w", "ij", plain="w_ij")),
        E.product(_generic_sub("δ", "j"), _generic_sub("a", "i")),
    )
    rows.append(Row(weight, sentence(words["bp_weight"])))
    return [  # one paragraph with the backward pass's introduction: the box is its sequel
        Paragraph(
            run_on(sentence(words["backward_intro"], DELTA_RULE), sentence(words["bp_equations"]))
        ),
        Equations(tuple(rows), layout="dense"),  # Leibniz symbols set small: a short box
    ]


def _paths_for_layer(
    context: Worked,
    sweep: Backprop,
    weights: Sequence[Weight],
    *,
    packed: bool = False,
    most: int = MAX_PATHS,
    explain: str | None = "delta_why",
) -> list[Block]:
    """The chain-rule paths of some weights of a layer (one per line, or `packed` as many as
    fit; counted instead beyond `most`), and (after the first, if `explain`) why they make δ
    worth naming."""
    blocks: list[Block] = []
    for number, weight in enumerate(weights):
        blocks += _paths_for_weight(
            context,
            sweep,
            weight,
            why=explain if number == 0 else None,
            packed=packed,
            most=most,
        )
    return blocks


def _paths_for_weight(
    context: Worked,
    sweep: Backprop,
    weight: Weight,
    *,
    why: str | None,
    packed: bool,
    most: int,
) -> list[Block]:
    writer, words, network = context.writer, context.words, context.network
    derivation = derive(network, weight.name, sweep=sweep, closed_form=False)
    if not derivation.paths:  # none at all (an output that is not the objective), or too many
        too_many = derivation.path_count > MAX_PATHS
        return [Paragraph(sentence(words["too_many_paths"], str(MAX_PATHS)))] if too_many else []
    target = weight.target
    assert target.z is not None
    grad = writer.partial(network.loss, weight.symbol)
    shared = writer.partial(network.loss, target.z)
    if derivation.path_count > most:
        later = [len(units) for units in network.layers[target.layer + 1 :]]
        # one unit of each later layer per path, unless a softmax's Jacobian adds paths
        if math.prod(later) == derivation.path_count:
            counted = sentence(
                words["paths_counted"],
                writer.sym(weight.symbol),
                str(derivation.path_count),
                " × ".join(str(size) for size in later),
                writer.sym(target.z),
            )
        else:
            counted = sentence(
                words["paths_counted_jacobian"],
                writer.sym(weight.symbol),
                str(derivation.path_count),
                writer.sym(target.z),
            )
        blocks: list[Block] = [Paragraph(counted)]
    else:
        for path in derivation.paths:
            add_partials(writer, path.factors, context.first)
        blocks = [
            Paragraph(sentence(words["paths_for"], writer.sym(weight.symbol)), kind="lead"),
            Equations(
                (path_sum_row(writer, grad, derivation, one_per_line=not packed),),
                layout="dense" if packed else "stacked",
            ),
        ]
    if why is None:
        return blocks
    if weight.uses > 1:  # a tied weight's paths pass through each z it feeds, not one
        sum_over_uses = E.equals(grad, writer.formula(derivation.delta_form))
        used = sentence(
            words["used_in"], writer.sym(weight.symbol), str(weight.uses), sum_over_uses
        )
        return [*blocks, Paragraph(used)]
    hidden_rule = E.equals(
        E.Partial(writer.names.loss, E.Name("a", "j", plain="a_j")),
        E.Sum("k", E.product(_generic_sub("δ", "k"), _generic_sub("w", "jk"))),
    )
    through_z: E.Node = E.product(_generic_sub("δ", "j"), _generic_sub("a", "i"))
    if network.penalty is not None:  # the path w → R → L of the L2 penalty adds λ·w_ij
        spec = network.spec
        slope = E.Num(
            spec.l2 * (2.0 if spec.l2_full else 1.0), f"{spec.l2 * (2 if spec.l2_full else 1):g}"
        )
        through_z = E.total(through_z, E.product(slope, _generic_sub("w", "ij")))
    gradient_rule = E.equals(
        E.Partial(writer.names.loss, E.Name("w", "ij", plain="w_ij")), through_z
    )
    delta = writer.sym(target.delta) if target.delta is not None else shared
    rule = hidden_rule if why == "delta_why_hidden" else gradient_rule
    reason = sentence(
        words[why], writer.sym(weight.symbol), writer.sym(target.z), shared, delta, rule
    )
    return [*blocks, Paragraph(reason)]


def _gradient_blocks(
    context: Worked, sweep: Backprop, layer: int, selection: Selection
) -> list[Block]:
    """The layer's gradients: worked equations for the shown parameters, a table row for each
    of the others."""
    writer, words, network = context.writer, context.words, context.network
    first = context.first
    parameters = layer_parameters(network, layer)
    rows = []
    rest = []
    for parameter in parameters:
        if not selection.worked(parameter.name):
            rest.append(parameter)
            continue
        grad = writer.partial(network.loss, parameter.symbol)
        formula = writer.formula(sweep.gradients[parameter.name])
        rows.append(Row(writer.worked(grad, formula, first.gradient(parameter.name))))
    blocks: list[Block] = []
    title_key = "gradients_sample" if context.several else "gradients"
    title_text = sentence(words[title_key], *((str(context.number),) if context.several else ()))
    if rows:
        blocks += [Paragraph(title_text, kind="lead"), Equations(tuple(rows))]
    if rest and context.several and selection.condensed:
        # each sample's value of every gradient is a column of the update's table (section 4)
        if layer < len(network.layers) - 1:  # the output layer's sentence said where they are
            return blocks
        head, *more = (writer.sym(p.symbol) for p in rest[:3])
        listing = E.Chain(head, tuple(E.Step(",", name) for name in more))
        reduction = words[f"reduction_{network.spec.reduction}"]
        blocks.append(
            Paragraph(sentence(words["gradients_later"], listing, str(len(rest)), reduction))
        )
    elif rest:
        text = sentence(words["gradients_table"]) if rows else title_text
        blocks += [Paragraph(text), gradient_table(context, sweep, rest)]
    return blocks


def _per_sample_gradients(context: Worked, focus: str, condensed: bool = False) -> list[Block]:
    """Every sample's gradients, their mean (or sum), and the focus weight's reduction worked
    in full."""
    words, network = context.words, context.network
    evaluation = context.evaluation
    samples = _shown_samples(context)
    reduction = words[f"reduction_{network.spec.reduction}"]
    header = _sample_header(context, words["parameter"], ((Text(reduction),),))
    parameters, digits = network.parameters, context.writer.digits
    columns = [  # each in one notation (content/numbers.column_nums)
        *(column_nums([s.gradient(q.name) for q in parameters], digits) for s in samples),
        column_nums([evaluation.gradient(q.name) for q in parameters], digits),
    ]
    rows = [
        (
            (Math(context.reduced.partial(network.loss, parameter.symbol)),),
            *((Math(column[index]),) for column in columns),
        )
        for index, parameter in enumerate(parameters)
    ]
    first = network.weight(focus)
    example = _reduction(
        context,
        first.symbol,
        [s.gradient(first.name) for s in evaluation.samples],
        evaluation.gradient(first.name),
        gradient=True,
    )
    return [
        Heading(sentence(words["reduction"], reduction), 3),
        Paragraph(sentence(words["reduction_intro"], reduction, reduction)),
        Equations((Row(example),)),
        # every sample's gradient is a column of the update's table (section 4)
        *([] if condensed else [*_shown_note(context), Table(header, tuple(rows))]),
    ]


# -- 4. the update, 5. the check ------------------------------------------------------------------


def update_blocks(
    context: Worked,
    new_loss: float,
    selection: Selection | None = None,
    *,
    sweep: Backprop | None = None,
) -> list[Block]:
    writer, words, network = context.writer, context.words, context.network
    evaluation = context.evaluation
    if network.spec.steps > 1:
        return multi_step_blocks(context, selection or Selection(None), sweep)
    if not network.spec.optimizer.is_plain_sgd:
        return optimizer_update_blocks(context, new_loss, selection or Selection(None))
    names = context.reduced
    rate = network.spec.learning_rate
    eta = E.Sym(E.Name("η", plain="η"))
    selection = selection or Selection(None)
    rows = []
    rest = []
    hidden_changes = False
    for parameter, new in zip(network.parameters, updated_weights(evaluation, rate), strict=True):
        if not selection.worked(parameter.name):
            rest.append(parameter)
            continue
        gradient = evaluation.gradient(parameter.name)
        numbers = E.total(
            writer.given(parameter.value), E.Neg(E.Mul((writer.given(rate), writer.num(gradient))))
        )
        shown_new: E.Node = writer.num(new)
        if below_digits(writer, parameter.value, new):
            hidden_changes = True
            change = writer.num(abs(new - parameter.value))
            old = writer.given(parameter.value)
            shown_new = E.total(old, change if new > parameter.value else E.Neg(change))
        rows.append(
            Row(
                E.Chain(
                    names.sym(parameter.symbol),
                    (E.Step("←", numbers), E.Step("=", shown_new)),
                )
            )
        )
    p = _generic("p")
    rule = E.Chain(
        p,
        (
            E.Step(
                "←",
                E.total(
                    p,
                    E.Neg(E.product(eta, E.Partial(names.loss, E.Name("p", plain="p")))),
                ),
            ),
        ),
    )
    blocks: list[Block] = [
        Heading(sentence(words["update"])),
        Paragraph(
            sentence(words["update_intro"], E.equals(eta, writer.given(rate)), rule), kind="lead"
        ),
    ]
    if rows:
        blocks.append(Equations(tuple(rows)))
        if hidden_changes:
            blocks.append(Paragraph(sentence(words["below_digits"], str(writer.digits))))
    if rest:
        if rows:
            blocks.append(Paragraph(sentence(words["updates_table"])))
        blocks.append(update_table(context, rest))
    return [*blocks, loss_change(context, evaluation.loss, new_loss)]


def below_digits(writer: Writer, old: float, new: float) -> bool:
    """Whether a change is too small to show at the handout's digits (old and new look alike)."""
    return new != old and writer.num(new).text == writer.num(old).text


def loss_change(context: Worked, before: float, after: float, *, named: bool = True) -> Paragraph:
    """The loss falls from L = a to b; with its change ΔL when a and b look alike (`named`
    False: from a to b, where L, the loss at the initial parameters, is not a)."""
    writer, words, network = context.writer, context.words, context.network
    loss_before: E.Node | E.Chain = writer.num(before)
    if named:
        loss_before = E.equals(context.reduced.sym(network.loss), writer.num(before))
    # the new loss is a number, not "L = …": L is the loss at the parameters shown above
    loss_after = writer.num(after)
    change = "new_loss" if after <= before else "new_loss_rises"
    if network.objective is not None:
        change = change.replace("loss", "objective")
    if not below_digits(writer, before, after):
        return Paragraph(sentence(words[change], loss_before, loss_after))
    delta = E.Sym(E.Name("ΔL", plain="ΔL"))
    by = E.equals(delta, writer.num(after - before))
    return Paragraph(
        sentence(words[change], loss_before, loss_after)
        + sentence(words["loss_change_below"], by, str(writer.digits))
    )


def multi_step_blocks(
    context: Worked, selection: Selection, sweep: Backprop | None = None
) -> list[Block]:
    """A spec's `steps` updates: for each, one parameter's update worked in full and a table of
    every other parameter's (with the optimizer's state), then the loss after it."""
    from symbp.content.optimizer import round_name, rule_blocks, worked_update_blocks
    from symbp.core.numeric import CompiledNetwork
    from symbp.core.train import train

    writer, words, network = context.writer, context.words, context.network
    spec = network.spec
    compiled = CompiledNetwork(network, sweep)
    run = train(compiled, spec.steps, spec.learning_rate)
    names = [p.name for p in network.parameters]
    shown = next((name for name in names if selection.worked(name)), names[0])
    rest = [name for name in names if name != shown]
    first = run.update(0)
    blocks: list[Block] = [Heading(sentence(words["update"]))]
    if spec.optimizer.is_plain_sgd:  # p ← p − η·∂L/∂p says it; torch's call would not fit
        eta = E.Sym(E.Name("η", plain="η"))
        p = _generic("p")
        gradient = E.Partial(context.reduced.loss, E.Name("p", plain="p"))
        rule = E.Chain(p, (E.Step("←", E.total(p, E.Neg(E.product(eta, gradient)))),))
        intro = sentence(
            words["update_intro"], E.equals(eta, writer.given(spec.learning_rate)), rule
        )
        blocks.append(Paragraph(intro))
    else:
        blocks += rule_blocks(first.rule, context.lang, writer.digits, context.reduced.loss)
    worked_steps = min(spec.steps, MAX_WORKED_STEPS)
    blocks.append(Paragraph(sentence(words["steps_intro"], str(spec.steps))))
    for step in range(worked_steps):
        update = run.update(step)
        before, after = run.steps[step].loss, run.steps[step + 1].loss
        blocks.append(Heading(sentence(words["step_heading"], str(step + 1)), 3))
        if step == 1:
            own = context.reduced.of[network.parameter(shown).symbol]
            blocks.append(
                Paragraph(
                    sentence(
                        words["steps_names"],
                        E.Sym(round_name("p", own, 1)),
                        writer.sym(network.parameter(shown).symbol),
                        E.Sym(round_name("g", own, 2)),
                    ),
                    kind="lead",
                )
            )
        blocks += [
            *worked_update_blocks(
                context.reduced, update, [shown], rest, context.lang, writer.digits, precise=False
            ),
            loss_change(context, before, after, named=step == 0),
        ]
    if spec.steps > worked_steps:  # the loss after the later updates, as symbp train gives it
        last = spec.steps
        marks = sorted(
            {*range(worked_steps + 1, min(last, 5) + 1), *range(10, last + 1, max(last // 10, 1))}
            | {last}
        )
        rows = tuple(
            ((Text(str(t)),), (Math(writer.num(run.steps[t].loss)),)) for t in marks if t <= last
        )
        header = ((Text(words["step_column"]),), (Text(words["loss_column"]),))
        blocks += [
            Paragraph(sentence(words["steps_rest"], str(worked_steps + 1), str(last))),
            Table(header, rows),
        ]
    return blocks


def optimizer_update_blocks(context: Worked, new_loss: float, selection: Selection) -> list[Block]:
    """The update by the spec's optimizer: its rule, every equation worked for the parameters
    shown in full, a table row (with the optimizer's state) for each of the others."""
    writer, words, network = context.writer, context.words, context.network
    evaluation = context.evaluation
    update = first_update(evaluation)
    names = [p.name for p in network.parameters]
    worked_names = [name for name in names if selection.worked(name)]
    rest = [name for name in names if not selection.worked(name)]
    blocks: list[Block] = [
        Heading(sentence(words["update"])),
        *rule_blocks(update.rule, context.lang, writer.digits, context.reduced.loss),
        *worked_update_blocks(
            context.reduced,
            update,
            worked_names,
            rest,
            context.lang,
            writer.digits,
            precise=False,
        ),
    ]
    return [*blocks, loss_change(context, evaluation.loss, new_loss)]


def default_focus(context: Worked) -> str:
    """The weight the handout follows when none is named: the first whose gradient in the
    worked sample is not 0 (XOR's sample (0, 1) gives w1 the factor x1 = 0, and its sign
    section would have nothing to say), else the first weight."""
    weights = context.network.weights
    moving = [w for w in weights if context.first.gradient(w.name) != 0]
    return (moving or weights)[0].name


def verification_blocks(
    check: CheckResult, lang: str, names: Names | None = None, *, differences: bool = False
) -> list[Block]:
    """Every gradient by symbp, torch and finite differences; `differences`: only how far
    symbp's is from the other two (a large network's values are in the tables before)."""
    words = labels(lang)
    if differences:
        return _difference_blocks(check, words, names)
    header = (
        (Text(words["parameter"]),),
        (Text(words["symbolic"]),),
        (Text(sentence_text(words["torch_dtype"], words["torch"], check.dtype)),),
        (Text(words["finite_difference"]),),
        (Text(words["agrees_column"]),),
    )
    rows: list[tuple[Inlines, ...]] = []
    for row in check.weights:
        rows.append(
            (
                parameter_cell(names, row.name),
                (Text(result(row.symbolic)),),
                (Text(result(row.torch)),),
                # finite differences carry ~1e-11 of noise that differs between CPUs' exp
                (Text(f"{row.finite_difference:.{FD_DECIMALS}f}"),),
                (Text(words["yes" if row.passed else "no"]),),
            )
        )
    rows.append(
        (
            (Text("L"),),
            (Text(result(check.loss_symbolic)),),
            (Text(result(check.loss_torch)),),
            (Text(""),),
            (Text(words["yes" if check.loss_passed else "no"]),),
        )
    )
    return [
        Heading(sentence(words["verification"])),
        Paragraph(sentence(words["verification_intro"], check.torch_version, check.dtype)),
        Table(header, tuple(rows), align="lrrrl"),
        Paragraph(sentence(words["all_agree" if check.passed else "some_disagree"])),
    ]


def _difference_blocks(
    check: CheckResult, words: Mapping[str, str], names: Names | None
) -> list[Block]:
    if check.passed:  # nothing to point at: the largest differences say it in one sentence
        largest_torch = max(abs(r.symbolic - r.torch) for r in check.weights)
        largest_fd = max(abs(r.symbolic - r.finite_difference) for r in check.weights)
        return [
            Heading(sentence(words["verification"])),
            Paragraph(
                sentence(
                    words["verification_summary"],
                    check.torch_version,
                    check.dtype,
                    str(len(check.weights)),
                    difference(largest_torch),
                    difference(largest_fd),
                    difference(abs(check.loss_symbolic - check.loss_torch)),
                )
            ),
        ]
    # a verdict column only when there is something to point at
    verdict = not check.passed
    header: tuple[Inlines, ...] = (
        (Math(E.Sym(E.Name("p", plain="p"))),),
        (Text("torch"),),
        (Text(words["finite_difference_short"]),),
    )
    if verdict:
        header += ((Text(words["agrees_column"]),),)
    rows: list[tuple[Inlines, ...]] = []
    for row in check.weights:
        cells: tuple[Inlines, ...] = (
            parameter_cell(names, row.name),
            (Text(difference(abs(row.symbolic - row.torch))),),
            (Text(difference(abs(row.symbolic - row.finite_difference))),),
        )
        rows.append(cells + (((Text(words["yes" if row.passed else "no"]),),) if verdict else ()))
    loss: tuple[Inlines, ...] = (
        (Text("L"),),
        (Text(difference(abs(check.loss_symbolic - check.loss_torch))),),
        (Text(""),),
    )
    rows.append(loss + (((Text(words["yes" if check.loss_passed else "no"]),),) if verdict else ()))
    return [
        Heading(sentence(words["verification"])),
        Paragraph(sentence(words["verification_differences"], check.torch_version, check.dtype)),
        Table(header, tuple(rows), align="lrrl"[: len(header)]),
        Paragraph(sentence(words["all_agree" if check.passed else "some_disagree"])),
    ]
