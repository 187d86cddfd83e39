"""Backpropagation in matrix (vectorised) form, as blocks: what `--form matrix` says.

Per layer, output layer first on the way back:

    z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾)
    δ⁽ᴸ⁾ = ∇_a L ⊙ f′(z⁽ᴸ⁾)  (softmax: (J⁽ᴸ⁾)ᵀ∇_a L),  δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ ⊙ f′(z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ,  ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾

each as rule = matrices written out = result, with the numbers core.matrices computed by matrix
arithmetic. A vector's entries are named (z⁽¹⁾ = [z_h1; z_h2]) where the scalar form names them,
so a reader can hold the two forms side by side. With several samples the same rules act on
matrices whose column n is sample n (X, A, Z, Δ), and the gradients are means (or sums) over the
columns. Matrices too large to print are given by their rule alone.
"""

from __future__ import annotations

from collections.abc import Collection

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
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
from symbp.content.derivation import first_update
from symbp.content.handout import labelled_pairs, problem_blocks, verification_blocks
from symbp.content.labels import labels, title, weight_init_words
from symbp.content.matrix_batch import batch_blocks
from symbp.content.matrix_sample import backward_blocks, forward_blocks
from symbp.content.matrix_writer import (
    LAYOUT,
    MAX_COLUMNS,
    MAX_ROWS,
    ONES,
    MatrixWriter,
    column_of,
    equations,
    fits,
    grid_of,
    layer_name,
    layer_sym,
    row_of,
)
from symbp.content.names import Names
from symbp.content.optimizer import rule_blocks, update_table
from symbp.content.selection import select
from symbp.core.graph import Network
from symbp.core.matrices import MatrixForm
from symbp.torchcheck.results import TOLERANCES, CheckResult

ZERO = E.Num(0.0, "0")  # no bias on a unit whose layer has some (cannot happen today)


def parameter_blocks(
    mw: MatrixWriter, level: int = 2, tabulated: Collection[int] = ()
) -> list[Block]:
    """W⁽ˡ⁾ = [names] = [values] and b⁽ˡ⁾ likewise, for every layer; not W⁽ˡ⁾ of the layers in
    `tabulated`, whose weights a table above already lays out as that matrix, name = value."""
    words = labels(mw.lang)
    rows: list[Row | None] = []
    notes: list[Block] = []
    for layer in mw.form.layers:
        n = layer.number
        if n not in tabulated:
            names = grid_of([[mw.names.sym(w.symbol) for w in line] for line in layer.weights])
            rows.append(mw.chain(layer_sym("W", n), names, mw.weights(layer)))
        if layer.has_bias:
            bias_names = column_of(
                [ZERO if b is None else mw.names.sym(b.symbol) for b in layer.biases]
            )
            rows.append(mw.chain(layer_sym("b", n), bias_names, mw.biases(layer)))
        shared = layer.shared_bias
        if shared is not None:
            b = mw.names.sym(shared.symbol)
            notes.append(
                Paragraph(
                    sentence(
                        words["matrix_shared_bias"],
                        b,
                        E.equals(layer_sym("b", n), E.Mul((b, ONES))),
                        E.equals(
                            mw.names.partial(mw.network.loss, shared.symbol),
                            E.Mul((E.Transpose(ONES), layer_sym("δ", n))),
                        ),
                    )
                )
            )
    shown = equations(rows)
    if not shown and not notes:
        return []  # every matrix too large: the note at the end says so
    return [Heading(sentence(words["matrix_parameters"]), level), *shown, *notes]


def intro_paragraph(network: Network, lang: str) -> Paragraph:
    """What W⁽ˡ⁾'s rows and columns hold, and the signs ⊙ and ᵀ."""
    words = labels(lang)
    if network.biases:
        parts = sentence(words["matrix_intro"], layer_sym("W", "l"), layer_sym("b", "l"), "⊙", "ᵀ")
    else:
        parts = sentence(words["matrix_intro_nobias"], layer_sym("W", "l"), "⊙", "ᵀ")
    return Paragraph(run_on(parts, _index_sentence(lang)))


def _index_sentence(lang: str) -> Inlines:
    """Why the scalar w_ij (edge i → j) is the matrix's entry (j, i)."""

    def sub(base: str, index: str) -> E.Sym:
        return E.Sym(E.Name(base, index, plain=f"{base}_{index}"))

    loss = E.Name("L", plain="L")
    gradient = E.equals(
        E.Partial(loss, E.Name("w", "ij", plain="w_ij")), E.product(sub("δ", "j"), sub("a", "i"))
    )
    product = E.Mul((layer_sym("W", "l"), layer_sym("a", "l-1")))
    return sentence(
        labels(lang)["matrix_index"],
        sub("w", "ij"),
        gradient,
        layer_sym("W", "l"),
        product,
        sub("z", "j"),
    )


# -- the update and the check --------------------------------------------------------------------


def update_rows(mw: MatrixWriter) -> list[Row]:
    """W⁽ˡ⁾ ← W⁽ˡ⁾ − η∂L/∂W⁽ˡ⁾ with η's value = new W⁽ˡ⁾, and the trainable biases likewise:
    W⁽ˡ⁾ and ∂L/∂W⁽ˡ⁾ are written out above, so only the new matrix is (a bias the layer
    shares is one number, worked out in full)."""
    network = mw.network
    rate = network.spec.learning_rate
    rate_num = mw.given(rate)
    rows: list[Row | None] = []
    for layer in mw.form.layers:
        n = layer.number
        weights = mw.form.weights(layer)
        gradients = mw.form.weight_gradients(layer)
        new = tuple(
            tuple(w - rate * g for w, g in zip(wl, gl, strict=True))
            for wl, gl in zip(weights, gradients, strict=True)
        )
        gradient: E.Node = E.Partial(mw.names.loss, layer_name("W", n))
        rows.append(_update(mw, layer_sym("W", n), gradient, rate_num, None, mw.numbers(new)))
        trainable = layer.trainable_biases
        if not trainable:
            continue
        per_unit = mw.form.bias_gradients(layer)
        shared = layer.shared_bias
        if shared is None:
            biases = mw.form.bias_vector(layer)
            new_b = tuple(b - rate * g for b, g in zip(biases, per_unit, strict=True))
            # one sample: ∂L/∂b⁽ˡ⁾ is δ⁽ˡ⁾, named so (the backward pass gives it no row)
            gradient = (
                layer_sym("δ", n)
                if mw.form.batch is None
                else E.Partial(mw.names.loss, layer_name("b", n))
            )
            rows.append(_update(mw, layer_sym("b", n), gradient, rate_num, None, mw.vector(new_b)))
        else:
            total = sum(per_unit)
            value = mw.form.parameter_values[shared.symbol]
            numbers = E.total(mw.given(value), E.Neg(E.Mul((rate_num, mw.num(total)))))
            rows.append(
                _update(
                    mw,
                    mw.names.sym(shared.symbol),
                    mw.names.partial(network.loss, shared.symbol),
                    E.Sym(E.Name("η", plain="η")),
                    numbers,
                    mw.num(value - rate * total),
                )
            )
    return [r for r in rows if r is not None]


def _update(
    mw: MatrixWriter,
    lhs: E.Node,
    gradient: E.Node,
    rate: E.Node,
    numbers: E.Node | None,
    new: E.Node,
) -> Row | None:
    """lhs ← lhs − rate·gradient (= numbers) = new, leaving out what is too large to write."""
    step = gradient if isinstance(rate, E.Num) and rate.value == 1 else E.product(rate, gradient)
    rule = E.total(lhs, E.Neg(step))  # W − ∂L/∂W for η = 1, not W − 1∂L/∂W
    shown = [m for m in (numbers, new) if m is not None]
    kept = [m for m in shown if fits(m)]
    mw.left_out = mw.left_out or len(kept) < len(shown)
    return mw.row(E.Chain(lhs, (E.Step("←", rule), *(E.Step("=", m) for m in kept))))


def update_blocks(mw: MatrixWriter, new_loss: float | None = None) -> list[Block]:
    """The update step; with `new_loss`, what it does to the loss (in the lead-in to the new
    matrices, or after the table of an optimizer that works entry by entry)."""
    words = labels(mw.lang)
    network = mw.network
    change: tuple[E.Chain, E.Chain] | None = None
    if new_loss is not None:
        loss = mw.names.sym(network.loss)
        change = (E.equals(loss, mw.num(mw.form.loss)), E.equals(loss, mw.num(new_loss)))
    if not network.spec.optimizer.is_plain_sgd:
        # the spec's optimizer works entry by entry: its rule, and each parameter's numbers

        update = first_update(mw.form.evaluation)
        names = [p.name for p in network.parameters]
        after = [Paragraph(sentence(words["matrix_loss_after"], *change))] if change else []
        return [
            mw.section("update"),
            *rule_blocks(update.rule, mw.lang, loss=mw.names.loss),
            update_table(mw.names, update, names, mw.lang),
            *after,
        ]
    eta = E.Sym(E.Name("η", plain="η"))
    p = E.Sym(E.Name("W", plain="W"))
    rule = E.Chain(
        p,
        (
            E.Step(
                "←",
                E.total(p, E.Neg(E.product(eta, E.Partial(mw.names.loss, E.Name("W", plain="W"))))),
            ),
        ),
    )
    intro = (
        sentence(words["matrix_update_intro_loss"], rule, *change)
        if change
        else sentence(words["matrix_update_intro"], rule)
    )
    return [
        mw.section("update"),
        Paragraph(intro),
        Equations(tuple(update_rows(mw)), layout=LAYOUT),
    ]


def check_paragraph(mw: MatrixWriter, check: CheckResult, *, differences: bool = True) -> Paragraph:
    """The matrix form's own gradients against torch autograd and the scalar derivation.

    `differences=False` gives the verdict alone: a handout is a file compared byte for byte, and
    torch's last bits differ between machines.
    """
    words = labels(mw.lang)
    gradients = mw.form.gradients
    scalar = mw.form.evaluation
    torch_max = max(abs(gradients[row.name] - row.torch) for row in check.weights)
    scalar_max = max(abs(gradients[row.name] - scalar.gradient(row.name)) for row in check.weights)
    verdict = words["agrees"] if matrix_passed(mw.form, check) else words["disagrees"]
    weights = E.Partial(mw.names.loss, layer_name("W", "l"))
    matrices: E.Node | E.Chain = weights
    if mw.trains_biases:
        bias = E.Partial(mw.names.loss, layer_name("b", "l"))
        matrices = E.Chain(weights, (E.Step(",", bias),))
    if not differences:
        return Paragraph(sentence(words["matrix_check_verdict"], matrices, check.dtype, verdict))
    return Paragraph(
        sentence(
            words["matrix_check"],
            matrices,
            check.dtype,
            f"{torch_max:.1e}",
            f"{scalar_max:.1e}",
            verdict,
        )
    )


def matrix_passed(form: MatrixForm, check: CheckResult) -> bool:
    """Whether every gradient of the matrix form agrees with torch within the tolerances."""
    atol, rtol = TOLERANCES[check.dtype]
    return check.loss_passed and all(
        abs(form.gradients[row.name] - row.torch) <= atol + rtol * abs(row.torch)
        for row in check.weights
    )


# -- whole documents -------------------------------------------------------------------------------


def pass_blocks(mw: MatrixWriter) -> list[Block]:
    """The forward and backward pass: vectors for one sample, the batch form for several."""
    if mw.form.batch is not None:
        return batch_blocks(mw)
    sample = mw.form.samples[0]
    return forward_blocks(mw, sample) + backward_blocks(mw, sample)


def too_wide_paragraph(mw: MatrixWriter) -> list[Block]:
    if not mw.left_out:
        return []
    return [
        Paragraph(
            sentence(labels(mw.lang)["matrix_too_wide"], str(MAX_COLUMNS), str(MAX_ROWS)),
            kind="note",
        )
    ]


def matrix_blocks(
    form: MatrixForm, check: CheckResult | None, *, digits: int = 4, lang: str = "en"
) -> tuple[Block, ...]:
    """`derive --form matrix`: the whole network's derivation in matrix form."""
    words = labels(lang)
    mw = MatrixWriter(form, digits, lang)
    network = form.network
    blocks: list[Block] = [
        Heading(sentence(words["matrix_title"], title(network.spec.title, lang)), 1),
        intro_paragraph(network, lang),
    ]
    if network.spec.weight_init != "given":
        blocks.append(
            Paragraph(
                sentence(
                    words["initial_weights"], weight_init_words(network.spec.weight_init, lang)
                )
            )
        )
    blocks += parameter_blocks(mw)
    passes = pass_blocks(mw) + update_blocks(mw)  # first: the shapes say what they transposed
    blocks += shape_blocks(mw) + passes
    blocks += too_wide_paragraph(mw)
    if check is not None:
        blocks.append(check_paragraph(mw, check))
    return tuple(blocks)


def matrix_handout_document(
    form: MatrixForm,
    check: CheckResult | None,
    new_loss: float,
    *,
    digits: int = 4,
    lang: str = "en",
) -> Document:
    """`handout --form matrix`: the problem, then every step in matrix form, then the check."""
    words = labels(lang)
    network = form.network
    mw = MatrixWriter(form, digits, lang, numbered=True, samples_given=True)
    heading = title(network.spec.title, lang)
    blocks: list[Block] = [
        Heading(sentence(heading), 1),
        Paragraph(sentence(words["handout"])),
        *problem_blocks(network, digits, lang),
        intro_paragraph(network, lang),
        *parameter_blocks(mw, level=3, tabulated=_tabulated(network)),
    ]
    # first: the shapes say what they transposed
    passes = pass_blocks(mw) + update_blocks(mw, new_loss)
    blocks += [*shape_blocks(mw), *passes]
    blocks += too_wide_paragraph(mw)
    if check is not None:
        blocks.append(check_paragraph(mw, check, differences=False))
        # as the scalar handout: a large net's passing check is one sentence, not a table of
        # every gradient to 10 digits (docs/handouts.md: the matrix form is no longer)
        condensed = select(network, None, False).condensed
        blocks += verification_blocks(check, lang, Names(network), differences=condensed)
    return Document(title=heading, lang=lang, blocks=tuple(blocks))


def _tabulated(network: Network) -> set[int]:
    """The layers whose weights the problem section lays out as a matrix table (those too many
    to label on the diagram's edges)."""
    return {pair + 1 for pair, on_edges in enumerate(labelled_pairs(network)) if not on_edges}


# -- the shapes ------------------------------------------------------------------------------------


def _times(rows: E.Node, columns: E.Node) -> Inlines:
    return (Math(rows), Text(" × "), Math(columns))


def _shape(rows: int, columns: int | str) -> Inlines:
    return (Text(f"{rows} × {columns}"),)


def shape_blocks(mw: MatrixWriter) -> list[Block]:
    """Every matrix's and vector's shape: the rule (W⁽ˡ⁾ is n_l × n_{l−1}) and a table of this
    network's, layer by layer (with several samples, the batch matrices' too)."""
    words = labels(mw.lang)
    n_l = E.Sym(E.Name("n", "l", plain="n_l"))
    n_before = E.Sym(E.Name("n", "l-1", plain="n_{l−1}"))
    vectors = [layer_sym(base, "l") for base in ("z", "a", "δ")]
    if mw.network.biases:
        vectors.append(layer_sym("b", "l"))
    listing = E.Chain(vectors[0], tuple(E.Step(",", v) for v in vectors[1:]))
    text = sentence(
        words["matrix_shapes"],
        n_l,
        layer_sym("W", "l"),
        E.Partial(mw.names.loss, layer_name("W", "l")),
        _times(n_l, n_before),
        listing,
        n_l,
    )
    batch = mw.form.batch is not None
    count = len(mw.form.samples)
    capitals = [layer_sym(base, "l") for base in ("Z", "A", "Δ")]
    capital_listing = E.Chain(capitals[0], tuple(E.Step(",", v) for v in capitals[1:]))
    if batch:
        text = run_on(
            text,
            sentence(
                words["matrix_shapes_batch"],
                str(count),
                capital_listing,
                _times(n_l, E.Num(float(count), str(count))),
            ),
        )
    if mw.rows_transposed:
        units = mw.network.layers[1]
        names = row_of([mw.names.sym(unit.a) for unit in units])
        example = E.equals(layer_sym("a", 1), E.Transpose(names))
        text = run_on(text, sentence(words["matrix_shapes_rows"], example, f"{len(units)} × 1"))
    header: list[Inlines] = [
        (Text(words["matrix_shapes_layer"]),),
        (Text(words["matrix_shapes_units"]),),
        (Math(layer_sym("W", "l")),),
        (Math(listing),),
    ]
    if batch:
        header.append((Math(capital_listing),))
    sizes = [len(units) for units in mw.network.layers]
    rows: list[tuple[Inlines, ...]] = []
    for layer, size in enumerate(sizes):
        cells: list[Inlines] = [
            (Text(words["matrix_shapes_input"] if layer == 0 else str(layer)),),
            (Text(str(size)),),
            () if layer == 0 else _shape(size, sizes[layer - 1]),
            _shape(size, 1),
        ]
        if batch:
            cells.append(_shape(size, count))
        rows.append(tuple(cells))
    # the lead-in apart from the rules: a short line that the page keeps with its table
    lead = Paragraph(sentence(words["matrix_shapes_here"]))
    return [Paragraph(text), lead, Table(tuple(header), tuple(rows), align="l" * len(header))]
