"""One sample in matrix form: vectors a⁽ˡ⁾, z⁽ˡ⁾, δ⁽ˡ⁾, layer by layer, as blocks.

Each equation is rule = the matrices written out = result, and a vector's entries are named
(z⁽¹⁾ = [z_h1; z_h2]) where the scalar form names them, so the two forms can be read side by
side; f′(z⁽ˡ⁾), ∇_a L and the softmax Jacobian list the graph's own local derivatives entry by
entry (o1(1 − o1), o1 − y1, −o1·o2), with this sample's numbers.
"""

from __future__ import annotations

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import Block, Paragraph, Row, sentence
from symbp.content.handout import one_hot_class
from symbp.content.labels import labels
from symbp.content.matrix_writer import (
    MatrixWriter,
    bias_gradient_rows,
    column_of,
    equations,
    fits,
    given_vector,
    grid_of,
    layer_heading,
    layer_name,
    layer_sym,
    rules,
)
from symbp.core.matrices import Layer, SampleMatrices, transpose


def forward_rows(mw: MatrixWriter, sample: SampleMatrices, layer: Layer) -> list[Row | None]:
    """z⁽ˡ⁾ = [z names] = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾ = numbers = [z], and a⁽ˡ⁾ = [a names] = f(z⁽ˡ⁾) =
    [a] (not f([z]) as well: z's numbers end the line above)."""
    n = layer.number
    rule: E.Node = E.Mul((layer_sym("W", n), layer_sym("a", n - 1)))
    numbers: E.Node = E.Mul((mw.weights(layer), mw.activations(sample.a[n - 1], n - 1)))
    if layer.has_bias:
        rule = E.total(rule, layer_sym("b", n))
        numbers = E.total(numbers, mw.biases(layer))
    z = mw.vector(sample.z[n])
    a = mw.vector(sample.a[n])
    return [
        mw.chain(layer_sym("z", n), mw.unit_names(layer.units, "z"), rule, numbers, z),
        mw.chain(
            layer_sym("a", n),
            mw.unit_names(layer.units, "a"),
            mw.activation(layer, layer_sym("z", n)),
            a,
        ),
    ]


def forward_blocks(mw: MatrixWriter, sample: SampleMatrices) -> list[Block]:
    words = labels(mw.lang)
    network = mw.network
    writer = mw.writer(sample)
    inputs = mw.chain(
        layer_sym("a", 0),
        E.Sym(E.Name("x", plain="x")),
        mw.unit_names(network.inputs, "a"),
        column_of([writer.given(v) for v in sample.a[0]]),
    )
    targets = mw.chain(
        E.Sym(E.Name("y", plain="y")),
        column_of([mw.names.sym(y) for y in network.targets]),
        column_of([writer.given(v) for v in sample.targets]),
    )
    product = E.Mul((layer_sym("W", "l"), layer_sym("a", "l-1")))
    z_rule = E.equals(
        layer_sym("z", "l"), E.total(product, layer_sym("b", "l")) if network.biases else product
    )
    a_rule = E.equals(layer_sym("a", "l"), E.Call("f", (layer_sym("z", "l"),)))
    blocks: list[Block] = [
        mw.section("forward"),
        Paragraph(
            sentence(
                words["matrix_forward_intro"],
                z_rule,
                a_rule,
                E.equals(layer_sym("a", 0), E.Sym(E.Name("x", plain="x"))),
            ),
            kind="lead",
        ),
        # the objective "output" has no targets
        *equations((inputs, targets) if network.targets else (inputs,)),
    ]
    last = len(mw.form.layers)
    for layer in mw.form.layers:
        rows = [r for r in forward_rows(mw, sample, layer) if r is not None]
        if layer.number == last:  # the loss in the output layer's display: no gap before it
            rows += loss_rows(mw, sample)
        blocks += [layer_heading(mw, layer), *equations(rows)]
    return blocks


def loss_rows(mw: MatrixWriter, sample: SampleMatrices) -> list[Row]:
    """L worked out with this sample's outputs (none for an objective: L is the output)."""
    network = mw.network
    writer = mw.writer(sample)
    loss = network.loss
    target = one_hot_class(network)
    if target is not None:
        # one-hot target: the terms with y = 0 vanish, L = −log o_c (no "−0 log(0.2568)"), as in
        # the scalar form; the problem's loss paragraph has named the class
        full = writer.formula(network.definitions[loss])
        picked = -sp.log(network.outputs[target].a)
        worked_row = writer.worked(writer.sym(loss), writer.formula(picked), sample.loss)
        return [Row(E.Chain(worked_row.lhs, (E.Step("=", full), *worked_row.steps)))]
    if network.objective is None:
        return [Row(writer.definition(loss, network.definitions[loss]))]
    return []


def derivative_row(mw: MatrixWriter, sample: SampleMatrices, layer: Layer) -> Row | None:
    """f′(z⁽ˡ⁾) = [each unit's ∂a/∂z formula] = [numbers] = [values]."""
    network = mw.network
    writer = mw.writer(sample)
    formulas = []
    for unit in layer.units:
        assert unit.z is not None
        formulas.append(writer.formula(network.local_derivative(unit.a, unit.z)))
    return mw.chain(
        mw.activation(layer, layer_sym("z", layer.number), prime=True),
        column_of(formulas),
        column_of([writer.numbers(f) for f in formulas]),
        mw.vector(sample.derivative[layer.number]),
    )


def output_rows(mw: MatrixWriter, sample: SampleMatrices, layer: Layer) -> list[Row | None]:
    """∇_a L, f′ (or the softmax Jacobian) and δ⁽ᴸ⁾ of the output layer."""
    network = mw.network
    writer = mw.writer(sample)
    n = layer.number
    grad = mw.grad_output()
    partials = [mw.names.partial(network.loss, u.a) for u in layer.units]
    formulas = [writer.formula(network.local_derivative(network.loss, u.a)) for u in layer.units]
    g = mw.vector(sample.upstream[n])
    rows = [
        mw.chain(
            grad,
            column_of(partials),
            column_of(formulas),
            column_of([writer.numbers(f) for f in formulas]),
            g,
        )
    ]
    delta = layer_sym("δ", n)
    members: list[E.Node] = [mw.unit_names(layer.units, "delta")]
    if sample.jacobian is None:
        rows.append(derivative_row(mw, sample, layer))
        members += [
            E.Hadamard((grad, mw.activation(layer, layer_sym("z", n), prime=True))),
            E.Hadamard((g, mw.vector(sample.derivative[n]))),
        ]
    else:
        jacobian = layer_sym("J", n)
        entries = [
            [writer.formula(network.local_derivative(i.a, j.z)) for j in layer.units if j.z]
            for i in layer.units
        ]
        rows.append(mw.chain(jacobian, grid_of(entries), mw.numbers(sample.jacobian)))
        members += [
            E.Mul((E.Transpose(jacobian), grad)),
            E.Mul((mw.numbers(transpose(sample.jacobian)), g)),
        ]
    simplified = mw.simplified(layer_sym("a", n), E.Sym(E.Name("y", plain="y")))
    if simplified is not None:
        numbers = mw.simplified(mw.vector(sample.a[n]), given_vector(mw, sample.targets))
        assert numbers is not None
        members += [simplified, numbers]
    members.append(mw.vector(sample.delta[n]))
    rows.append(mw.chain(delta, *members))
    return rows


def hidden_rows(mw: MatrixWriter, sample: SampleMatrices, layer: Layer) -> list[Row | None]:
    """f′(z⁽ˡ⁾) and δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ ⊙ f′(z⁽ˡ⁾) = its numbers = δ; the product
    (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ is worked out only where its factors are too large to be written (f′'s
    numbers would otherwise be written three times)."""
    n = layer.number
    above = mw.form.layers[n]  # layer n + 1
    f_prime = mw.vector(sample.derivative[n])
    rule = E.Hadamard(
        (
            E.Mul((E.Transpose(layer_sym("W", n + 1)), layer_sym("δ", n + 1))),
            mw.activation(layer, layer_sym("z", n), prime=True),
        )
    )
    product = E.Mul((mw.weights(above, transposed=True), mw.vector(sample.delta[n + 1])))
    numbers = E.Hadamard((product, f_prime))
    if not fits(numbers):
        numbers = E.Hadamard((mw.vector(sample.upstream[n]), f_prime))
    return [
        derivative_row(mw, sample, layer),
        mw.chain(
            layer_sym("δ", n),
            mw.unit_names(layer.units, "delta"),
            rule,
            numbers,
            mw.vector(sample.delta[n]),
        ),
    ]


def gradient_rows(mw: MatrixWriter, sample: SampleMatrices, layer: Layer) -> list[Row | None]:
    """∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ, and ∂L/∂b⁽ˡ⁾ = 𝟏ᵀδ⁽ˡ⁾ for a bias the layer shares; a bias
    vector's ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾ is the rule the backward pass opens with, and δ⁽ˡ⁾ is what its update
    subtracts: no row of its own repeats δ⁽ˡ⁾."""
    n = layer.number
    loss = mw.names.loss
    delta = mw.vector(sample.delta[n])
    rows = [
        mw.chain(
            E.Partial(loss, layer_name("W", n)),
            E.Mul((layer_sym("δ", n), E.Transpose(layer_sym("a", n - 1)))),
            E.Mul((delta, mw.activations(sample.a[n - 1], n - 1, transposed=True))),
            mw.numbers(sample.weight_gradients[n]),
        )
    ]
    if layer.trainable_biases and layer.shared_bias is None:
        return rows
    rows += bias_gradient_rows(mw, layer, [layer_sym("δ", n)], [delta], sample.bias_gradients[n])
    return rows


def backward_blocks(mw: MatrixWriter, sample: SampleMatrices) -> list[Block]:
    words = labels(mw.lang)
    count = len(mw.form.layers)
    blocks: list[Block] = [
        mw.section("backward"),
        Paragraph(sentence(words[_backward_intro(mw)], *rules(mw))),
    ]
    for layer in reversed(mw.form.layers):
        rows = (
            output_rows(mw, sample, layer)
            if layer.number == count
            else hidden_rows(mw, sample, layer)
        )
        rows += gradient_rows(mw, sample, layer)
        blocks.append(layer_heading(mw, layer))
        if layer.number == count and sample.jacobian is not None:
            blocks.append(softmax_paragraph(mw, layer))  # J before the rows that use it
        blocks += equations(rows)
    return blocks


def softmax_paragraph(mw: MatrixWriter, layer: Layer) -> Paragraph:
    n = layer.number
    o_i, o_j = (E.Sym(E.Name("o", i, plain=f"o_{i}")) for i in "ij")
    entry = E.equals(
        E.Sym(E.Name("J", "ij", plain="J_ij")),
        E.Partial(E.Name("o", "i", plain="o_i"), E.Name("z", "j", plain="z_j")),
        E.Mul(
            (
                o_i,
                E.total(
                    E.Indicator(E.Sym(E.Name("i", plain="i")), "=", E.Sym(E.Name("j", plain="j"))),
                    E.Neg(o_j),
                ),
            )
        ),
    )
    rule = E.equals(layer_sym("δ", n), E.Mul((E.Transpose(layer_sym("J", n)), mw.grad_output())))
    said = sentence(labels(mw.lang)["matrix_softmax"], layer_sym("J", n), entry, rule)
    return Paragraph(said, kind="lead")


def _backward_intro(mw: MatrixWriter) -> str:
    return "matrix_backward_intro" if mw.trains_biases else "matrix_backward_intro_nobias"
