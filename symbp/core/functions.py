"""Activation and loss functions: their symbolic form and their local derivative.

Each activation knows its derivative in terms of the unit's own symbols (σ′ = a(1−a) rather than
e^{−z}/(1+e^{−z})²), because that is the form textbooks and handouts show. The tests prove each
such claim against sympy.diff of the function written out with exp.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - sympy names functions in lower case
    """The logistic function σ(z) = 1 / (1 + e^{−z}), kept whole so closed forms stay readable."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return 1 / (1 + sp.exp(-arg))
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        value = sigmoid(self.args[0])
        return value * (1 - value)

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return rf"\sigma\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return f"σ({printer._print(self.args[0])})"


class relu(sp.Function):  # noqa: N801
    """max(0, z). Its derivative is Heaviside(z, 0): 0 at z = 0, as torch has it."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return sp.Max(0, arg)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:  # noqa: N802
        return sp.Max(0, arg)


class leaky_relu(sp.Function):  # noqa: N801
    """z for z > 0, slope·z otherwise (torch.nn.LeakyReLU); the slope is the second argument."""

    nargs = 2

    @classmethod
    def eval(cls, arg: sp.Expr, slope: sp.Expr) -> sp.Expr | None:
        if arg.is_Number and slope.is_Number:
            return arg if arg > 0 else slope * arg
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z, slope = self.args
        if argindex == 1:
            return slope + (1 - slope) * sp.Heaviside(z, 0)
        return z * (1 - sp.Heaviside(z, 0))


class softplus(sp.Function):  # noqa: N801
    """log(1 + e^z): the logistic loss written in the pre-activation, stable for large |z|."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(1 + sp.exp(arg))


class logsumexp(sp.Function):  # noqa: N801
    """log Σ_m e^{z_m}: softmax's normaliser in log space, stable for large |z|."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return softmax(sp.Integer(argindex - 1), *self.args)

    def _eval_rewrite_as_exp(self, *args: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(sp.Add(*[sp.exp(arg) for arg in args]))


class softmax(sp.Function):  # noqa: N801
    """softmax(k, z_1, …, z_K) = e^{z_k} / Σ_m e^{z_m}; k is 0-based."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex == 1:
            return sp.S.Zero
        k, zs = self.args[0], self.args[1:]
        m = argindex - 2
        own = softmax(k, *zs)
        return own * ((1 if int(k) == m else 0) - softmax(sp.Integer(m), *zs))

    def _eval_rewrite_as_exp(self, k: sp.Expr, *zs: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.exp(zs[int(k)]) / sp.Add(*[sp.exp(z) for z in zs])

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        args = ", ".join(printer._print(z) for z in self.args[1:])
        return rf"\operatorname{{softmax}}_{{{int(self.args[0]) + 1}}}\left({args}\right)"

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        args = ", ".join(printer._print(z) for z in self.args[1:])
        return f"softmax_{int(self.args[0]) + 1}({args})"


@dataclass(frozen=True)
class Activation:
    """A unit's activation a = f(z) and its local derivative ∂a/∂z written with a and z.

    softmax is not elementwise: each output o_i depends on every z of its layer, so it gives
    `apply_layer` and `jacobian` (∂o_i/∂z_j written with the outputs) instead.
    """

    name: str
    apply: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Symbol, sp.Symbol], sp.Expr]  # (z, a) -> ∂a/∂z
    formula: str  # for prose: how f is defined
    elementwise: bool = True
    apply_layer: Callable[[Sequence[sp.Symbol]], list[sp.Expr]] | None = None
    jacobian: Callable[[int, int, Sequence[sp.Symbol]], sp.Expr] | None = None
    derivative_formula: str = ""  # for prose: f′ in words


@dataclass(frozen=True)
class Loss:
    """A loss over the output activations and the targets of one sample."""

    name: str
    apply: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr]
    formula: str
    #: ∂L/∂o_k written with outputs and targets: (k, outputs, targets) -> expression
    derivative: Callable[[int, Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr] | None = None
    #: the same loss written with the output pre-activations z, for numbers that must not
    #: overflow (log σ(z), log softmax(z)); only for the output activation named here
    logit_form: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr] | None = None
    logit_activation: str = ""
    #: the loss as a sum of one term per output, L = Σ_k L_k (E_o1 + E_o2 in Mazur's post)
    terms: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], list[sp.Expr]] | None = None
    #: the same terms written with the pre-activations, for numbers (as logit_form)
    logit_terms: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], list[sp.Expr]] | None = None


def _half_sse(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return sp.Add(
        *[sp.Rational(1, 2) * (o - y) ** 2 for o, y in zip(outputs, targets, strict=True)]
    )


def _sse(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return sp.Add(*[(o - y) ** 2 for o, y in zip(outputs, targets, strict=True)])


def _mse_mean(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return _sse(outputs, targets) / len(outputs)


def _bce(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    terms = [y * sp.log(o) + (1 - y) * sp.log(1 - o) for o, y in zip(outputs, targets, strict=True)]
    return -sp.Add(*terms) / len(outputs)


def _bce_derivative(k: int, outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    # one product, so that multiplying by σ′ = o(1 − o) cancels exactly and stays finite
    o, y = outputs[k], targets[k]
    return sp.Mul(o - y, sp.Rational(1, len(outputs)), sp.Pow(o, -1), sp.Pow(1 - o, -1))


def _bce_logits(pre: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    # −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y·z
    terms = [softplus(z) - y * z for z, y in zip(pre, targets, strict=True)]
    return sp.Add(*terms) / len(pre)


def _cross_entropy(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return -sp.Add(*[y * sp.log(o) for o, y in zip(outputs, targets, strict=True)])


def _cross_entropy_logits(pre: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    # −Σ y_k log softmax_k(z) = Σ y_k (logsumexp(z) − z_k)
    normaliser = logsumexp(*pre)
    return sp.Add(*[y * (normaliser - z) for z, y in zip(pre, targets, strict=True)])


def _half_sse_terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [sp.Rational(1, 2) * (o - y) ** 2 for o, y in zip(outputs, targets, strict=True)]


def _sse_terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [(o - y) ** 2 for o, y in zip(outputs, targets, strict=True)]


def _mse_mean_terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [term / len(outputs) for term in _sse_terms(outputs, targets)]


def _bce_terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [
        -(y * sp.log(o) + (1 - y) * sp.log(1 - o)) / len(outputs)
        for o, y in zip(outputs, targets, strict=True)
    ]


def _bce_logit_terms(pre: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [(softplus(z) - y * z) / len(pre) for z, y in zip(pre, targets, strict=True)]


def _cross_entropy_terms(
    outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]
) -> list[sp.Expr]:
    return [-y * sp.log(o) for o, y in zip(outputs, targets, strict=True)]


def _cross_entropy_logit_terms(
    pre: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]
) -> list[sp.Expr]:
    normaliser = logsumexp(*pre)
    return [y * (normaliser - z) for z, y in zip(pre, targets, strict=True)]


def _output_objective(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    # the graph passes only the chosen output (spec.objective_output) and no targets
    (output,) = outputs
    return output


def _softmax_layer(pre: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [softmax(sp.Integer(k), *pre) for k in range(len(pre))]


def _softmax_jacobian(i: int, j: int, outputs: Sequence[sp.Symbol]) -> sp.Expr:
    # ∂o_i/∂z_j = o_i (δ_ij − o_j)
    if i == j:
        return outputs[i] * (1 - outputs[i])
    return -outputs[i] * outputs[j]


def activation(name: str, negative_slope: float = 0.01) -> Activation:
    """The activation called `name`; leaky_relu takes its slope for z < 0."""
    if name == "leaky_relu":
        slope = sp.Float(negative_slope)
        return Activation(
            name="leaky_relu",
            apply=lambda z: leaky_relu(z, slope),
            derivative=lambda z, a: slope + (1 - slope) * sp.Heaviside(z, 0),
            formula=f"leaky_relu(z) = z for z > 0, {negative_slope:g}·z otherwise",
            derivative_formula=f"1 for z > 0, {negative_slope:g} for z ≤ 0 (as torch)",
        )
    return ACTIVATIONS[name]


def _no_elementwise_form(z: sp.Expr) -> sp.Expr:
    raise TypeError("softmax acts on a whole layer: use apply_layer")


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        name="sigmoid",
        apply=sigmoid,
        derivative=lambda z, a: a * (1 - a),
        formula="σ(z) = 1/(1 + e^(−z))",
        derivative_formula="σ′ is always positive",
    ),
    "tanh": Activation(
        name="tanh",
        apply=sp.tanh,
        derivative=lambda z, a: 1 - a**2,
        formula="tanh(z) = (e^z − e^(−z))/(e^z + e^(−z))",
        derivative_formula="tanh′ = 1 − a² is positive",
    ),
    "relu": Activation(
        name="relu",
        apply=relu,
        derivative=lambda z, a: sp.Heaviside(z, 0),
        formula="relu(z) = max(0, z)",
        derivative_formula="relu′ = Heaviside(z, 0): 1 for z > 0, 0 for z ≤ 0 (as torch)",
    ),
    "leaky_relu": Activation(
        name="leaky_relu",
        apply=lambda z: leaky_relu(z, sp.Float(0.01)),
        derivative=lambda z, a: sp.Float(0.01) + (1 - sp.Float(0.01)) * sp.Heaviside(z, 0),
        formula="leaky_relu(z) = z for z > 0, 0.01·z otherwise",
    ),
    "identity": Activation(
        name="identity",
        apply=lambda z: z,
        derivative=lambda z, a: sp.S.One,
        formula="identity(z) = z",
        derivative_formula="identity′ is 1",
    ),
    "softmax": Activation(
        name="softmax",
        apply=_no_elementwise_form,
        derivative=lambda z, a: a * (1 - a),
        formula="softmax_k(z) = e^(z_k) / Σ_m e^(z_m)",
        elementwise=False,
        apply_layer=_softmax_layer,
        jacobian=_softmax_jacobian,
        derivative_formula="∂o_i/∂z_j = o_i(δ_ij − o_j)",
    ),
}

LOSSES: dict[str, Loss] = {
    "half_sse": Loss(
        name="half_sse",
        apply=_half_sse,
        formula="L = ½ Σ_k (o_k − y_k)²",
        derivative=lambda k, o, y: o[k] - y[k],
        terms=_half_sse_terms,
    ),
    "sse": Loss(
        name="sse",
        apply=_sse,
        formula="L = Σ_k (o_k − y_k)²",
        derivative=lambda k, o, y: 2 * (o[k] - y[k]),
        terms=_sse_terms,
    ),
    "mse_mean": Loss(
        name="mse_mean",
        apply=_mse_mean,
        formula="L = (1/K) Σ_k (o_k − y_k)² over the K outputs (torch.nn.MSELoss)",
        derivative=lambda k, o, y: sp.Rational(2, len(o)) * (o[k] - y[k]),
        terms=_mse_mean_terms,
    ),
    "bce": Loss(
        name="bce",
        apply=_bce,
        formula="L = −(1/K) Σ_k [y_k log o_k + (1 − y_k) log(1 − o_k)] (torch.nn.BCELoss)",
        derivative=_bce_derivative,
        logit_form=_bce_logits,
        logit_activation="sigmoid",
        terms=_bce_terms,
        logit_terms=_bce_logit_terms,
    ),
    "cross_entropy": Loss(
        name="cross_entropy",
        apply=_cross_entropy,
        formula="L = −Σ_k y_k log o_k with o = softmax(z) (torch.nn.CrossEntropyLoss)",
        derivative=lambda k, o, y: -y[k] / o[k],
        logit_form=_cross_entropy_logits,
        logit_activation="softmax",
        terms=_cross_entropy_terms,
        logit_terms=_cross_entropy_logit_terms,
    ),
    "output": Loss(
        name="output",
        apply=_output_objective,
        formula="L = o_k: the objective is one output itself (no targets)",
    ),
}
