"""The Python API: one object per worked problem, and results that display as mathematics.

    >>> import symbp
    >>> problem = symbp.problem()            # the MOOC 8.3 network; or symbp.problem("net.toml")
    >>> round(problem.loss, 10)
    0.2097097937
    >>> round(problem.derive("w1").value, 10)
    -0.0084214805

Every result is a small frozen object with the numbers as attributes; in Jupyter it shows as
the derivation or table it stands for (`_repr_latex_`, `_repr_html_`, `_repr_markdown_`), while
`repr()` stays one short line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from symbp.derive import Backprop, Derivation, backward_sweep, derive
from symbp.graph import Network
from symbp.numeric import CompiledNetwork, Evaluation, updated_weights
from symbp.spec import NetworkSpec, default_spec, load_spec
from symbp.torch_check import CheckResult


@dataclass(frozen=True)
class WeightDerivation:
    """One weight's derivation with its numbers (and its torch check, when asked for)."""

    derivation: Derivation
    evaluation: Evaluation
    check: CheckResult | None = None

    @property
    def weight(self) -> str:
        return self.derivation.weight.name

    @property
    def value(self) -> float:
        """∂L/∂w at the problem's sample and weights."""
        return self.evaluation.gradient(self.weight)

    def render(self, format: str = "text") -> str:  # noqa: A002 - the CLI's word
        """The derivation as text, json (and the formats of symbp.render)."""
        from symbp.render import text as render_text

        if format == "text":
            return render_text.render_derivation(self.derivation, self.evaluation, self.check)
        from symbp.render import json as render_json

        if format == "json":
            return render_json.render_derivations((self.derivation,), self.evaluation, self.check)
        raise ValueError(f"unknown format {format!r}")

    def __repr__(self) -> str:
        return f"<WeightDerivation ∂L/∂{self.weight} = {self.value:.10g}>"

    def __str__(self) -> str:
        return self.render("text")


@dataclass(frozen=True)
class Step:
    """One gradient-descent update: w ← w − η·∂L/∂w."""

    evaluation: Evaluation
    learning_rate: float
    new_weights: tuple[float, ...]
    new_loss: float

    @property
    def loss(self) -> float:
        return self.evaluation.loss

    def render(self, format: str = "text") -> str:  # noqa: A002
        if format == "json":
            from symbp.render import json as render_json

            return render_json.render_step(
                self.evaluation, self.new_weights, self.new_loss, self.learning_rate
            )
        from symbp.render import text as render_text

        title = self.evaluation.network.spec.title
        return render_text.render_step(
            self.evaluation, self.new_weights, self.new_loss, self.learning_rate, title
        )

    def __repr__(self) -> str:
        return f"<Step η={self.learning_rate:g}: L {self.loss:.10g} → {self.new_loss:.10g}>"

    def __str__(self) -> str:
        return self.render("text")


class Problem:
    """A network, its sample and its weights: derive, check and step it."""

    def __init__(self, spec: NetworkSpec) -> None:
        self.spec = spec
        self.network = Network(spec)
        self.sweep: Backprop = backward_sweep(self.network)
        self.compiled = CompiledNetwork(self.network, self.sweep)
        self.evaluation = self.compiled.evaluate()

    @classmethod
    def load(cls, path: str | Path) -> Problem:
        """The problem described by a .toml or .json spec file."""
        return cls(load_spec(path))

    @property
    def weights(self) -> tuple[str, ...]:
        """The weight names, in numbering order."""
        return tuple(w.name for w in self.network.weights)

    @property
    def loss(self) -> float:
        return self.evaluation.loss

    @property
    def gradients(self) -> dict[str, float]:
        """∂L/∂w for every weight, by name, in numbering order."""
        return dict(zip(self.weights, self.evaluation.gradients, strict=True))

    def derive(
        self, weight: str, *, check: bool = False, dtype: str = "float64"
    ) -> WeightDerivation:
        """The derivation of ∂L/∂weight; `check=True` also compares it with torch autograd."""
        derivation = derive(self.network, weight, sweep=self.sweep)
        result = self.check(dtype) if check else None
        return WeightDerivation(derivation, self.evaluation, result)

    def check(self, dtype: str = "float64") -> CheckResult:
        """Every gradient against torch autograd and central finite differences."""
        from symbp.torch_check import check

        return check(self.evaluation, self.compiled.finite_differences(), dtype)

    def step(self, learning_rate: float | None = None) -> Step:
        """One gradient-descent update with the spec's learning rate unless one is given."""
        rate = self.spec.learning_rate if learning_rate is None else learning_rate
        new_weights = updated_weights(self.evaluation, rate)
        new_loss = self.compiled.evaluate(weights=new_weights).loss
        return Step(self.evaluation, rate, new_weights, new_loss)

    def __repr__(self) -> str:
        layers = "-".join(str(n) for n in self.spec.layers)
        return f"<Problem {self.spec.title!r}: {layers}, L = {self.loss:.10g}>"


def problem(spec: str | Path | NetworkSpec | None = None) -> Problem:
    """The problem of a spec file or object; the MOOC 8.3 example when none is given."""
    if spec is None:
        return Problem(default_spec())
    if isinstance(spec, NetworkSpec):
        return Problem(spec)
    return Problem.load(spec)
