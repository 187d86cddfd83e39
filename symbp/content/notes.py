"""Remarks a derivation or handout makes where they apply: a factor that is 0/0, a relu kink,
a dead unit, the symmetry of zero initial weights, what 1[z > 0] means.
"""

from __future__ import annotations

from collections.abc import Sequence

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Paragraph,
    sentence,
)
from symbp.content.labels import labels
from symbp.content.writer import Writer
from symbp.core.derive import (
    DeltaDefinition,
    Derivation,
    UnitDerivation,
)
from symbp.core.explain import (
    DerivationNote,
)
from symbp.core.graph import Network
from symbp.core.operations import activation_info


def undefined_note(
    writer: Writer, derivation: Derivation | UnitDerivation, lang: str
) -> Paragraph | None:
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


def note_paragraph(writer: Writer, note: DerivationNote, lang: str) -> Paragraph:
    words = labels(lang)
    network = writer.network
    unit = network.units[note.unit_name]
    if note.kind == "kink":
        assert unit.z is not None and unit.activation is not None
        at_zero = E.equals(writer.sym(unit.z), E.Num(0.0, "0"))
        info = activation_info(unit.activation.name)
        if info.parameter is not None:
            value = network.spec.parameter(info.parameter.key)
            assert isinstance(value, float)  # a kink is at a number: the slope, α
            rule = sentence(words[info.kink_words], writer.given(value))
        else:
            rule = sentence(words[info.kink_words])
        indicator = E.Indicator(writer.sym(unit.z), ">", E.Num(0.0, "0"))
        return Paragraph(sentence(words["note_kink"], at_zero, rule, indicator), kind="note")
    if note.kind == "dead":
        assert unit.z is not None and unit.delta is not None
        z = E.equals(writer.sym(unit.z), writer.num(writer.values[unit.z]))
        zero = E.equals(writer.sym(unit.delta), E.Num(0.0, "0"))
        output = E.equals(writer.sym(unit.a), E.Num(0.0, "0"))
        out_rule = E.equals(
            E.product(E.Sym(E.Name("δ", "k", plain="δ_k")), writer.sym(unit.a)), E.Num(0.0, "0")
        )
        return Paragraph(
            sentence(
                words["note_dead"],
                writer.sym(unit.a),
                z,
                zero,
                writer.sym(unit.a),
                output,
                writer.sym(unit.a),
                out_rule,
            ),
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
        d.unit.activation is not None and activation_info(d.unit.activation.name).kink
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
