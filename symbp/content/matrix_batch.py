"""Several samples at once in matrix form: column n of every capital letter is sample n.

    Z⁽ˡ⁾ = W⁽ˡ⁾A⁽ˡ⁻¹⁾ + b⁽ˡ⁾𝟏ᵀ,  A⁽ˡ⁾ = f(Z⁽ˡ⁾)                    (A⁽⁰⁾ = X)
    Δ⁽ᴸ⁾ = G⁽ᴸ⁾ ⊙ f′(Z⁽ᴸ⁾),  Δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀΔ⁽ˡ⁺¹⁾ ⊙ f′(Z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ = (1/N)Δ⁽ˡ⁾(A⁽ˡ⁻¹⁾)ᵀ,  ∂L/∂b⁽ˡ⁾ = (1/N)Δ⁽ˡ⁾𝟏               (no 1/N for a sum)

Column n of G⁽ᴸ⁾ is ∇_a L⁽ⁿ⁾ of sample n; with a softmax output column n of Δ⁽ᴸ⁾ is that
sample's (J⁽ᴸ⁾)ᵀ∇_a L⁽ⁿ⁾, a product no single matrix equation writes, so it is stated in words.
"""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import Block, Equations, Paragraph, Row, run_on, sentence
from symbp.content.derivation import sample_loss_name
from symbp.content.labels import labels
from symbp.content.matrix_writer import (
    LAYOUT,
    MAX_COLUMNS,
    ONE,
    ONES,
    MatrixWriter,
    bias_gradient_rows,
    column_of,
    equations,
    error_scale,
    fits,
    grid_of,
    hidden_rule,
    layer_heading,
    layer_name,
    layer_sym,
    output_gradient_entry,
    output_rule,
    scaled_error,
)
from symbp.core.matrices import BatchMatrices, Layer, transpose


def _capital(base: str, layer: int | str | None = None) -> E.Sym:
    """X, Y, A⁽ˡ⁾, Z⁽ˡ⁾, Δ⁽ˡ⁾: a matrix with one column per sample."""
    return layer_sym(base, layer) if layer is not None else E.Sym(E.Name(base, plain=base))


def _batch(mw: MatrixWriter) -> BatchMatrices:
    batch = mw.form.batch
    assert batch is not None
    return batch


def _scaled(mw: MatrixWriter, *factors: E.Node) -> E.Node:
    """(1/N)·factors for a mean over the samples, the factors alone for a sum."""
    if mw.network.spec.reduction != "mean":
        return E.product(*factors)
    count = len(mw.form.samples)
    return E.Mul((E.Frac(ONE, E.Num(float(count), str(count))), *factors))


def _sample_grad(mw: MatrixWriter) -> E.Grad:
    """∇_{a⁽ᴸ⁾}L⁽ⁿ⁾: the output gradient of sample n's own loss."""
    return E.Grad(sample_loss_name("n"), layer_name("a", len(mw.form.layers)))


def batch_blocks(mw: MatrixWriter) -> list[Block]:
    """The forward and backward pass of every sample at once."""
    return forward_blocks(mw) + backward_blocks(mw)


# -- forward --------------------------------------------------------------------------------------


def intro_paragraph(mw: MatrixWriter) -> Paragraph:
    words = labels(mw.lang)
    reduced = words[f"reduction_{mw.network.spec.reduction}"]
    weight_rule = E.equals(
        E.Partial(mw.names.loss, layer_name("W", "l")),
        _scaled(mw, _capital("Δ", "l"), E.Transpose(_capital("A", "l-1"))),
    )
    bias_rule = E.equals(
        E.Partial(mw.names.loss, layer_name("b", "l")), _scaled(mw, _capital("Δ", "l"), ONES)
    )
    key, gradient_rules = (
        ("matrix_batch_intro", (weight_rule, bias_rule))
        if mw.trains_biases
        else ("matrix_batch_intro_nobias", (weight_rule,))
    )
    return Paragraph(
        sentence(
            words[key],
            str(len(mw.form.samples)),
            E.equals(_capital("A", 0), _capital("X")),
            E.Sym(E.Name("x", plain="x")),
            _capital("Δ", "l"),
            layer_sym("δ", "l"),
            E.Sym(sample_loss_name("n")),
            reduced,
            reduced,
            *gradient_rules,
        )
    )


def forward_rows(mw: MatrixWriter, layer: Layer) -> list[Row | None]:
    """Z⁽ˡ⁾ = W⁽ˡ⁾A⁽ˡ⁻¹⁾ + b⁽ˡ⁾𝟏ᵀ = numbers = Z; A⁽ˡ⁾ = f(Z⁽ˡ⁾) = A (Z's numbers end the
    line above)."""
    batch = _batch(mw)
    n = layer.number
    rule: E.Node = E.Mul((layer_sym("W", n), _capital("A", n - 1)))
    numbers: E.Node = E.Mul((mw.weights(layer), mw.activation_grid(batch.a[n - 1], n - 1)))
    if layer.has_bias:
        rule = E.total(rule, E.Mul((layer_sym("b", n), E.Transpose(ONES))))
        samples = len(mw.form.samples)
        repeated = [[mw.given(b)] * samples for b in mw.form.bias_vector(layer)]
        numbers = E.total(numbers, grid_of(repeated))
    z = mw.numbers(batch.z[n])
    return [
        mw.chain(_capital("Z", n), rule, numbers, z),
        mw.chain(
            _capital("A", n),
            mw.activation(layer, _capital("Z", n)),
            mw.numbers(batch.a[n]),
        ),
    ]


def forward_blocks(mw: MatrixWriter) -> list[Block]:
    batch = _batch(mw)
    first = [mw.chain(_capital("A", 0), _capital("X"), mw.activation_grid(batch.a[0], 0))]
    if mw.network.targets:  # the objective "output" has none
        first.append(mw.chain(_capital("Y"), _targets(mw)))
    blocks: list[Block] = [mw.section("forward"), intro_paragraph(mw)]
    if not mw.samples_given:  # else the problem's table of samples holds X and Y
        blocks += equations(first)
    for layer in mw.form.layers:
        rows = forward_rows(mw, layer)
        blocks += [
            layer_heading(mw, layer),
            *equations(rows),
        ]
    blocks.append(Equations((Row(loss_reduction(mw)),), layout=LAYOUT))
    return blocks


def _targets(mw: MatrixWriter) -> E.Matrix:
    return grid_of([[mw.given(v) for v in line] for line in _batch(mw).targets])


def loss_reduction(mw: MatrixWriter) -> E.Chain:
    """L = (L⁽¹⁾ + … + L⁽ᴺ⁾)/N = numbers = value (or the sum)."""
    network = mw.network
    losses = [s.loss for s in mw.form.samples]
    count = E.Num(float(len(losses)), str(len(losses)))
    mean = network.spec.reduction == "mean"
    result = mw.num(mw.form.loss)
    if len(losses) > MAX_COLUMNS:  # as many terms as samples: the rule and the value
        summed = E.Sum("n", E.Sym(sample_loss_name("n")))
        rule = E.Mul((E.Frac(ONE, count), summed)) if mean else summed
        return E.equals(mw.names.sym(network.loss), rule, result)
    symbols: E.Node = E.total(*(E.Sym(sample_loss_name(n)) for n in range(1, len(losses) + 1)))
    numbers: E.Node = E.total(*(mw.num(v) for v in losses))
    if mean:
        symbols, numbers = E.Frac(symbols, count), E.Frac(numbers, count)
    return E.equals(mw.names.sym(network.loss), symbols, numbers, result)


# -- backward -------------------------------------------------------------------------------------


def output_rows(mw: MatrixWriter, layer: Layer) -> tuple[list[Row | None], list[Block]]:
    """G⁽ᴸ⁾ (its formula, then its numbers), f′(Z⁽ᴸ⁾) and Δ⁽ᴸ⁾, and the notes on them. A softmax
    output has no G ⊙ f′: with cross-entropy Δ⁽ᴸ⁾ = A⁽ᴸ⁾ − Y (the Jacobian cancels), without it
    Δ⁽ᴸ⁾ is stated column by column."""
    batch = _batch(mw)
    words = labels(mw.lang)
    n = layer.number
    g = _capital("G", n)
    simplified = mw.simplified(_capital("A", n), _capital("Y"))
    per_sample = E.Mul((E.Transpose(layer_sym("J", n)), _sample_grad(mw)))
    if not layer.elementwise and simplified is not None:
        # softmax + cross-entropy: G (−y/o) is never needed, the cancellation gives Δ at once
        numbers = mw.simplified(mw.numbers(batch.a[n]), _targets(mw))
        assert numbers is not None
        column = mw.simplified(
            layer_sym("a", n), E.Sym(E.Name("y", plain="y"))
        )  # a − y (or its scaled form) in each column
        assert column is not None
        note = sentence(
            words["matrix_batch_cancel"],
            _capital("Δ", n),
            per_sample,
            column,
            E.equals(_capital("Δ", n), simplified),
        )
        delta = mw.chain(_capital("Δ", n), simplified, numbers, mw.numbers(batch.delta[n]))
        return [delta], [Paragraph(note, kind="lead")]
    upstream = mw.numbers(batch.upstream[n])
    scale = error_scale(mw.network)
    formula: list[E.Node] = []
    note = sentence(words["matrix_batch_output"], g, _sample_grad(mw))
    if scale is not None:  # G = A − Y (or c(A − Y)) written out, then its numbers
        formula = [
            scaled_error(scale, _capital("A", n), _capital("Y")),
            scaled_error(scale, mw.numbers(batch.a[n]), _targets(mw)),
        ]
    elif (entry := output_gradient_entry(mw.network)) is not None:
        note = run_on(note, sentence(words["matrix_batch_output_entry"], entry))
    rows = [mw.chain(g, *formula, upstream)]
    notes: list[Block] = [Paragraph(note, kind="lead")]
    members: list[E.Node] = []
    if layer.elementwise:
        f_prime_rule = mw.activation(layer, _capital("Z", n), prime=True)
        f_prime = mw.numbers(batch.derivative[n])
        numbers = E.Hadamard((upstream, f_prime))
        if not fits(numbers):  # else f′'s numbers are written in Δ's row, not twice
            rows.append(mw.chain(f_prime_rule, f_prime))
        members += [E.Hadamard((g, f_prime_rule)), numbers]
    else:
        notes.append(
            Paragraph(sentence(words["matrix_batch_softmax"], _capital("Δ", n), per_sample))
        )
    if simplified is not None:
        numbers = mw.simplified(mw.numbers(batch.a[n]), _targets(mw))
        assert numbers is not None
        members += [simplified, numbers]
    rows.append(mw.chain(_capital("Δ", n), *members, mw.numbers(batch.delta[n])))
    return rows, notes


def hidden_rows(mw: MatrixWriter, layer: Layer) -> list[Row | None]:
    """Δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀΔ⁽ˡ⁺¹⁾ ⊙ f′(Z⁽ˡ⁾) = its numbers = Δ: the numbers of f′(Z⁽ˡ⁾) are
    written there, in place of a row of their own (the activation's derivative is given with
    the problem). The product (W⁽ˡ⁺¹⁾)ᵀΔ⁽ˡ⁺¹⁾ is worked out only where its factors are too
    large to be written."""
    batch = _batch(mw)
    n = layer.number
    above = mw.form.layers[n]  # layer n + 1
    f_prime_rule = mw.activation(layer, _capital("Z", n), prime=True)
    f_prime = mw.numbers(batch.derivative[n])
    rule = E.Hadamard(
        (E.Mul((E.Transpose(layer_sym("W", n + 1)), _capital("Δ", n + 1))), f_prime_rule)
    )
    product = E.Mul((mw.weights(above, transposed=True), mw.numbers(batch.delta[n + 1])))
    numbers = E.Hadamard((product, f_prime))
    if not fits(numbers):
        numbers = E.Hadamard((mw.numbers(batch.upstream[n]), f_prime))
    rows = [] if fits(numbers) else [mw.chain(f_prime_rule, f_prime)]
    rows.append(mw.chain(_capital("Δ", n), rule, numbers, mw.numbers(batch.delta[n])))
    return rows


def gradient_rows(mw: MatrixWriter, layer: Layer) -> list[Row | None]:
    """∂L/∂W⁽ˡ⁾ = (1/N)Δ⁽ˡ⁾(A⁽ˡ⁻¹⁾)ᵀ and ∂L/∂b⁽ˡ⁾ = (1/N)Δ⁽ˡ⁾𝟏: means over the columns.
    The product Δ⁽ˡ⁾(A⁽ˡ⁻¹⁾)ᵀ before its scaling is written only where its factors are too
    large to be: one intermediate matrix as large as the result is enough."""
    batch = _batch(mw)
    n = layer.number
    delta = mw.numbers(batch.delta[n])
    factors = _scaled(mw, delta, mw.activation_grid(transpose(batch.a[n - 1]), n - 1))
    scaled = _scaled(mw, mw.numbers(batch.products[n]))
    rows = [
        mw.chain(
            E.Partial(mw.names.loss, layer_name("W", n)),
            _scaled(mw, _capital("Δ", n), E.Transpose(_capital("A", n - 1))),
            factors if fits(factors) else scaled,
            mw.numbers(batch.weight_gradients[n]),
        )
    ]
    ones = column_of([ONE] * len(mw.form.samples))
    rows += bias_gradient_rows(
        mw,
        layer,
        [_scaled(mw, _capital("Δ", n), ONES)],
        [_scaled(mw, delta, ones)],
        batch.bias_gradients[n],
    )
    return rows


def backward_blocks(mw: MatrixWriter) -> list[Block]:
    words = labels(mw.lang)
    output = output_rule(mw, batch=True)
    if output is None:  # softmax without cross-entropy: one Jacobian per column
        last = len(mw.form.layers)
        per_sample = E.Mul((E.Transpose(layer_sym("J", last)), _sample_grad(mw)))
        intro = sentence(
            words["matrix_batch_backward_intro_columns"],
            _capital("Δ", last),
            per_sample,
            hidden_rule(batch=True),
        )
    else:
        intro = sentence(words["matrix_batch_backward_intro"], output, hidden_rule(batch=True))
    blocks: list[Block] = [mw.section("backward"), Paragraph(intro)]
    for layer in reversed(mw.form.layers):
        notes: list[Block] = []
        if layer.number == len(mw.form.layers):
            rows, notes = output_rows(mw, layer)
        else:
            rows = hidden_rows(mw, layer)
        rows += gradient_rows(mw, layer)
        blocks += [
            layer_heading(mw, layer),
            *notes,
            *equations(rows),
        ]
    return blocks
