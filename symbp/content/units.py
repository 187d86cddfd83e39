"""∂L/∂a for one unit's value as blocks: `derive --wrt x1|h1|o1`.

The same steps as a weight's derivation, started from the unit's value instead of a weight: the
chain-rule paths from a to the loss, each local derivative as formula = numbers = value, the
products of the paths, the δ form (∂L/∂a_j = Σ_k δ_k·w_jk over the units a_j feeds, or the
loss's own ∂L/∂o_k for an output), the closed form, the value and its check. This is Mazur's
∂E_total/∂out_h1 and CS231n's dx. With several samples every step is sample 1's own loss L⁽¹⁾
(a unit's value belongs to one sample), and a table gives the value for each sample.
"""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Equations,
    Heading,
    Inlines,
    Math,
    Paragraph,
    Row,
    sentence,
)
from symbp.content.derivation import (
    Worked,
    add_delta_partials,
    add_partials,
    closed_form_blocks,
    delta_row,
    indicator_paragraph,
    local_rows,
    path_sum_row,
    product_rows,
    sample_loss_name,
    sample_table,
    shown_factors,
    undefined_note,
    worked,
)
from symbp.content.dropout import dropout_blocks
from symbp.content.labels import labels, title
from symbp.content.numbers import difference, result_num
from symbp.core.derive import MAX_PATHS, UnitDerivation
from symbp.core.numeric import Evaluation
from symbp.torchcheck.results import UnitCheck


def unit_blocks(
    derivation: UnitDerivation,
    evaluation: Evaluation,
    check: UnitCheck | None = None,
    *,
    digits: int = 4,
    lang: str = "en",
) -> tuple[Block, ...]:
    """The full derivation of ∂L/∂a for one unit: paths, local derivatives, δ form, value."""
    context = worked(evaluation, digits, lang)
    writer, words, network = context.writer, context.words, context.network
    first = context.first
    unit = derivation.unit
    loss = network.loss
    for path in derivation.paths:
        add_partials(writer, shown_factors(network, path), first)
    add_delta_partials(writer, derivation.deltas, first)
    value = first.unit_gradients[unit.name]
    grad = writer.partial(loss, unit.a)
    writer.partials.setdefault((loss, unit.a), value)
    blocks: list[Block] = [
        Heading(sentence(words["derivation_title"], title(network.spec.title, lang), grad), 1),
        Paragraph(_what_the_unit_is(context, derivation)),
    ]
    if context.several:
        blocks.append(Paragraph(sentence(words["unit_samples"], str(len(evaluation.samples)))))
    blocks += dropout_blocks(context)
    if unit is network.objective:
        one = E.equals(grad, E.Num(1.0, "1"))
        blocks.append(Paragraph(sentence(words["unit_is_objective"], writer.sym(unit.a), one)))
        return tuple(blocks)
    blocks.append(
        Heading(
            sentence(
                words["chain_rule"],
                writer.sym(unit.a),
                writer.sym(loss),
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
    elif derivation.path_count:
        blocks.append(Paragraph(sentence(words["too_many_paths"], str(MAX_PATHS))))

    blocks.append(Heading(sentence(words["unit_delta_form"])))
    rows = [delta_row(writer, d) for d in derivation.deltas]
    rows.append(Row(writer.worked(grad, writer.formula(derivation.delta_form), value, final=True)))
    blocks.append(Equations(tuple(rows), layout="stacked"))
    blocks.append(Paragraph(_delta_form_reason(context, derivation)))
    blocks += indicator_paragraph(network, derivation.deltas, lang)
    blocks += closed_form_blocks(
        writer, grad, derivation.closed_form, lang, derivation.closed_form_size
    )
    blocks.append(Heading(sentence(words["unit_value"])))
    blocks.append(Equations((Row(E.equals(grad, result_num(value))),)))
    if context.several:
        names = context.reduced
        heading = (Math(E.Partial(sample_loss_name("n"), names.of[unit.a])),)
        values = [s.unit_gradients[unit.name] for s in evaluation.samples]
        blocks += sample_table(context, heading, values)
    if check is not None:
        blocks.append(_check_paragraph(check, lang))
    return tuple(blocks)


def _what_the_unit_is(context: object, derivation: UnitDerivation) -> Inlines:
    assert isinstance(context, Worked)
    writer, words, network = context.writer, context.words, context.network
    unit = derivation.unit
    if unit.layer == 0:
        shown = E.equals(writer.sym(unit.a), writer.shown(unit.a))
        return sentence(words["unit_input"], shown, writer.sym(network.loss))
    assert unit.z is not None
    definition = writer.definition(unit.a, network.definitions[unit.a])
    key = "unit_output" if unit in network.outputs else "unit_hidden"
    return sentence(words[key], definition)


def _delta_form_reason(context: object, derivation: UnitDerivation) -> Inlines:
    """Why ∂L/∂a is the sum of δ_k·w_jk: a_j reaches the loss only through the z_k it feeds."""
    assert isinstance(context, Worked)
    words = context.words
    unit = derivation.unit
    if unit in context.network.outputs:
        return sentence(words["unit_delta_output"], context.writer.sym(unit.a))
    rule = E.equals(
        E.Partial(context.writer.names.loss, E.Name("a", "j", plain="a_j")),
        E.Sum(
            "k",
            E.product(E.Sym(E.Name("δ", "k", plain="δ_k")), E.Sym(E.Name("w", "jk", plain="w_jk"))),
        ),
    )
    return sentence(words["unit_delta_reason"], context.writer.sym(unit.a), rule)


def _check_paragraph(check: UnitCheck, lang: str) -> Paragraph:
    words = labels(lang)
    verdict = words["agrees"] if check.passed else words["disagrees"]
    if check.passed and check.kink:
        verdict = words["agrees_kink"].replace("{}", check.kink)
    if check.finite_difference is None:
        return Paragraph(
            sentence(
                words["unit_check"],
                result_num(check.torch),
                difference(abs(check.symbolic - check.torch)),
                verdict,
            )
        )
    return Paragraph(
        sentence(
            words["unit_check_fd"],
            result_num(check.torch),
            difference(abs(check.symbolic - check.torch)),
            result_num(check.finite_difference),
            difference(abs(check.symbolic - check.finite_difference)),
            verdict,
        )
    )
