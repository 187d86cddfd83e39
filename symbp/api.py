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
from typing import TYPE_CHECKING

from symbp.derive import Backprop, Derivation, UnitDerivation, backward_sweep, derive, derive_unit
from symbp.graph import Network
from symbp.numeric import CompiledNetwork, Evaluation
from symbp.spec import NetworkSpec, OptimizerSpec, default_spec, load_spec, parse_optimizer
from symbp.torch_check import CheckResult

if TYPE_CHECKING:
    from symbp.handcheck import HandReport
    from symbp.optim import OptimizerStep
    from symbp.render.document import Block
    from symbp.torch_check import UnitCheck
    from symbp.train import TrainingRun


class _RichDisplay:
    """Shows an object in a notebook as the blocks it stands for."""

    def _blocks(self) -> tuple[Block, ...]:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        from symbp.render.display import as_html

        return as_html(self._blocks())

    def _repr_markdown_(self) -> str:
        from symbp.render.display import as_markdown

        return as_markdown(self._blocks())

    def _repr_latex_(self) -> str | None:
        from symbp.render.display import as_latex

        return as_latex(self._blocks())


@dataclass(frozen=True)
class ForwardPass(_RichDisplay):
    """The forward pass: every z and a, layer by layer, and the loss.

    >>> forward = problem().forward()
    >>> round(forward.values["z_h1"], 10), round(forward.values["h1"], 4)
    (0.25, 0.5622)
    """

    evaluation: Evaluation

    @property
    def loss(self) -> float:
        return self.evaluation.loss

    @property
    def values(self) -> dict[str, float]:
        """Every pre-activation and activation by name (z_h1, h1, ..., o2), and L."""
        return self.evaluation.forward_values

    @property
    def loss_terms(self) -> dict[str, float]:
        """L = Σ_k L_ok: each output's term (L_o1, L_o2), as Mazur's E_o1 and E_o2.

        >>> terms = problem("examples/mazur_2_2_2.toml").forward().loss_terms
        >>> {name: round(value, 9) for name, value in terms.items()}
        {'L_o1': 0.274811083, 'L_o2': 0.023560026}
        """
        return self.evaluation.loss_terms

    @property
    def samples(self) -> tuple[SampleValues, ...]:
        """Every sample's own forward pass, loss and gradients (one for a single sample)."""
        return _sample_values(self.evaluation)

    def _blocks(self) -> tuple[Block, ...]:
        from symbp.render.handout import forward_blocks

        return tuple(forward_blocks(self.evaluation.network, self.evaluation, 4, "en"))

    def __repr__(self) -> str:
        return f"<ForwardPass L = {self.loss:.10g}>"


@dataclass(frozen=True)
class CheckReport(_RichDisplay):
    """symbp's gradients against torch autograd and finite differences.

    >>> report = problem().check()
    >>> report.passed, round(report.torch_gradient("w1"), 10)
    (True, -0.0084214805)
    """

    result: CheckResult

    @property
    def passed(self) -> bool:
        return self.result.passed

    def torch_gradient(self, weight: str) -> float:
        return self.result.weight(weight).torch

    def _blocks(self) -> tuple[Block, ...]:
        from symbp.render.handout import verification_blocks

        return tuple(verification_blocks(self.result, "en"))

    def render(self, format: str = "text") -> str:  # noqa: A002 - the CLI's word
        title = "symbp"
        if format == "json":
            from symbp.render import json as render_json

            return render_json.render_check(self.result, title)
        from symbp.render import text as render_text

        return render_text.render_check(self.result, title)

    def __repr__(self) -> str:
        verdict = "all agree" if self.passed else "MISMATCH"
        return f"<CheckReport torch {self.result.dtype}: {verdict}>"


@dataclass(frozen=True)
class WeightDerivation(_RichDisplay):
    """One weight's derivation with its numbers (and its torch check, when asked for).

    >>> derivation = problem().derive("w1")
    >>> derivation.weight, round(derivation.value, 10), derivation.derivation.path_count
    ('w1', -0.0084214805, 2)
    >>> derivation.render("latex").startswith("\\\\section*{MOOC 8.3 worked example")
    True
    """

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
        """The derivation as text, json, latex, mathml, markdown or html."""
        from symbp.render import text as render_text

        if format == "text":
            return render_text.render_derivation(self.derivation, self.evaluation, self.check)
        from symbp.render import json as render_json

        if format == "json":
            return render_json.render_derivations((self.derivation,), self.evaluation, self.check)
        from symbp.render.rich import FORMATS, render_derivations

        if format in FORMATS:
            return render_derivations((self.derivation,), self.evaluation, self.check, format)
        raise ValueError(f"unknown format {format!r}; use text, json or one of {FORMATS}")

    def _blocks(self) -> tuple[Block, ...]:
        from symbp.render.steps import derivation_blocks

        return tuple(derivation_blocks(self.derivation, self.evaluation, self.check))

    def __repr__(self) -> str:
        return f"<WeightDerivation ∂L/∂{self.weight} = {self.value:.10g}>"

    def __str__(self) -> str:
        return self.render("text")


@dataclass(frozen=True)
class SampleValues:
    """One sample's own numbers: inputs, targets, forward pass, loss, its terms and gradients.

    Gradients are of this sample's own loss (what the batch's mean or sum is made of).

    >>> first = problem().samples[0]
    >>> round(first.values["h1"], 4), round(first.gradients["w1"], 10)
    (0.5622, -0.0084214805)
    """

    index: int  # 1 for the first sample
    evaluation: Evaluation

    @property
    def inputs(self) -> dict[str, float]:
        return {u.name: self.evaluation.values[u.a] for u in self.evaluation.network.inputs}

    @property
    def targets(self) -> dict[str, float]:
        return {y.name: self.evaluation.values[y] for y in self.evaluation.network.targets}

    @property
    def values(self) -> dict[str, float]:
        """Every z and a by name, in forward order, and L (this sample's own loss)."""
        return self.evaluation.forward_values

    @property
    def loss(self) -> float:
        return self.evaluation.loss

    @property
    def loss_terms(self) -> dict[str, float]:
        return self.evaluation.loss_terms

    @property
    def gradients(self) -> dict[str, float]:
        """∂L/∂p for every parameter, of this sample's own loss."""
        return self.evaluation.named_gradients

    @property
    def input_gradients(self) -> dict[str, float]:
        """∂L/∂x for every input, of this sample's own loss."""
        inputs = {u.name for u in self.evaluation.network.inputs}
        return {k: v for k, v in self.evaluation.unit_gradients.items() if k in inputs}

    @property
    def activation_gradients(self) -> dict[str, float]:
        """∂L/∂a for every hidden and output unit, of this sample's own loss."""
        inputs = {u.name for u in self.evaluation.network.inputs}
        return {k: v for k, v in self.evaluation.unit_gradients.items() if k not in inputs}

    def __repr__(self) -> str:
        return f"<SampleValues {self.index}: L = {self.loss:.10g}>"


def _sample_values(evaluation: Evaluation) -> tuple[SampleValues, ...]:
    return tuple(SampleValues(i + 1, e) for i, e in enumerate(evaluation.per_sample))


@dataclass(frozen=True)
class UnitGradient:
    """∂L/∂a for one unit (an input, a hidden or an output unit): derivation and value.

    >>> gradient = problem("examples/mazur_2_2_2.toml").derive_unit("h1")
    >>> gradient.unit, round(gradient.value, 9), gradient.derivation.path_count
    ('h1', 0.036350306, 2)
    """

    derivation: UnitDerivation
    evaluation: Evaluation
    checks: tuple[UnitCheck, ...] | None = None

    @property
    def unit(self) -> str:
        return self.derivation.unit.name

    @property
    def value(self) -> float:
        """∂L/∂a at sample 1 (of its own loss), the problem's weights."""
        return self.evaluation.unit_gradients[self.unit]

    @property
    def check(self) -> UnitCheck | None:
        """This unit's comparison with torch autograd, when checked."""
        if self.checks is None:
            return None
        return next(c for c in self.checks if c.name == self.unit)

    def render(self, format: str = "text") -> str:  # noqa: A002 - the CLI's word
        """text or json (the other formats come with the content model)."""
        from symbp.render import values

        if format == "json":
            return values.render_unit_derivations((self,), self.evaluation)
        if format == "text":
            return values.render_unit_text(self.derivation, self.evaluation, self.check)
        raise ValueError(f"unknown format {format!r} for a unit's gradient; use text or json")

    def __repr__(self) -> str:
        return f"<UnitGradient ∂L/∂{self.unit} = {self.value:.10g}>"

    def __str__(self) -> str:
        return self.render("text")


@dataclass(frozen=True)
class Step(_RichDisplay):
    """One update by the spec's optimizer (plain gradient descent w ← w − η·∂L/∂w by default).

    >>> step = problem().step()
    >>> round(step.new_weights[0], 10), round(step.new_loss, 10)
    (0.2084214805, 0.1950325961)
    >>> w1 = problem().step(optimizer={"name": "sgd", "momentum": 0.9}).update.parameter("w1")
    >>> w1.state_after["b"] == w1.gradient  # torch: the buffer starts as the first gradient
    True
    """

    evaluation: Evaluation
    learning_rate: float
    new_weights: tuple[float, ...]
    new_loss: float
    #: the update in full: the optimizer's equations, every number, the state before and after
    update: OptimizerStep | None = None

    @property
    def loss(self) -> float:
        return self.evaluation.loss

    def render(self, format: str = "text") -> str:  # noqa: A002
        title = self.evaluation.network.spec.title
        if self.update is not None and not self.update.rule.optimizer.is_plain_sgd:
            from symbp.render import values

            if format == "json":
                return values.render_step_json(self.evaluation, self.update, self.new_loss, title)
            return values.render_step_text(self.evaluation, self.update, self.new_loss, title)
        if format == "json":
            from symbp.render import json as render_json

            return render_json.render_step(
                self.evaluation, self.new_weights, self.new_loss, self.learning_rate
            )
        from symbp.render import text as render_text

        return render_text.render_step(
            self.evaluation, self.new_weights, self.new_loss, self.learning_rate, title
        )

    def _blocks(self) -> tuple[Block, ...]:
        from symbp.render.handout import update_blocks

        network = self.evaluation.network
        return tuple(update_blocks(network, self.evaluation, self.new_loss, 4, "en"))

    def __repr__(self) -> str:
        return f"<Step η={self.learning_rate:g}: L {self.loss:.10g} → {self.new_loss:.10g}>"

    def __str__(self) -> str:
        return self.render("text")


@dataclass(frozen=True)
class Training:
    """N updates by an optimizer: the loss, every parameter and the optimizer's state per step.

    >>> run = problem().train(3, optimizer="adam", learning_rate=0.1)
    >>> len(run.losses), run.run.state_keys
    (4, ('m', 'v'))
    """

    run: TrainingRun
    title: str
    weight_init: str = "given"

    @property
    def losses(self) -> tuple[float, ...]:
        return self.run.losses

    @property
    def final_parameters(self) -> dict[str, float]:
        return dict(zip(self.run.names, self.run.final_parameters, strict=True))

    def update(self, step: int) -> OptimizerStep:
        """Update `step` (0-based) in full: every equation's numbers for every parameter."""
        return self.run.update(step)

    def render(self, format: str = "text") -> str:  # noqa: A002 - the CLI's word
        """The run as a text table, json or csv."""
        from symbp.render import training

        if format == "json":
            return training.render_json(self.run, self.title)
        if format == "csv":
            return training.render_csv(self.run)
        if format == "text":
            return training.render_text(self.run, self.title, self.weight_init)
        raise ValueError(f"unknown format {format!r} for a training run; use text, json or csv")

    def __repr__(self) -> str:
        count = len(self.losses) - 1
        return f"<Training {count} steps: L {self.losses[0]:.10g} → {self.losses[-1]:.10g}>"

    def __str__(self) -> str:
        return self.render("text")


@dataclass(frozen=True)
class HandCheck(_RichDisplay):
    """A student's hand calculation judged: which numbers are wrong, where, and which mistake.

    >>> report = problem().check_hand("dL/dw1 = 0.01\\ndL/dw5 = 0.03")
    >>> report.all_right, report.wrong, report
    (False, ('dL/dw1',), <HandCheck 1 wrong>)
    """

    report: HandReport

    @property
    def all_right(self) -> bool:
        return self.report.all_right

    @property
    def wrong(self) -> tuple[str, ...]:
        """The keys of the wrong numbers (dL/dw1, delta_h1, ...), in dependency order."""
        return tuple(j.key for j in self.report.wrong)

    @property
    def mistakes(self) -> tuple[str, ...]:
        """The best diagnosis's mistakes (their catalogue keys), or () if none fits."""
        return self.report.diagnoses[0].keys if self.report.diagnoses else ()

    def _blocks(self) -> tuple[Block, ...]:
        from symbp.render.hand_blocks import hand_report_blocks

        return hand_report_blocks(self.report)

    def render(self, format: str = "text") -> str:  # noqa: A002 - the CLI's word
        """The report as text, json, markdown or html."""
        if format == "json":
            from symbp.render import hand_json

            return hand_json.render_hand_report(self.report)
        if format in ("markdown", "html"):
            from symbp.render import hand_blocks

            return hand_blocks.render_hand_report(self.report, format)
        from symbp.render import hand_text

        return hand_text.render_hand_report(self.report)

    def __repr__(self) -> str:
        verdict = "all right" if self.all_right else f"{len(self.wrong)} wrong"
        return f"<HandCheck {verdict}>"

    def __str__(self) -> str:
        return self.render("text")


class Problem(_RichDisplay):
    """A network, its sample and its weights: derive, check and step it.

    >>> p = Problem(default_spec())
    >>> p.weights[:3], round(p.loss, 10), round(p.gradients["w6"], 10)
    (('w1', 'w2', 'w3'), 0.2097097937, 0.0838660995)
    """

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

    @property
    def parameter_gradients(self) -> dict[str, float]:
        """∂L/∂p for every parameter: the weights, then the trainable biases."""
        return self.evaluation.named_gradients

    @property
    def loss_terms(self) -> dict[str, float]:
        """L = Σ_k L_ok by output (L_o1, …); over several samples their mean or sum."""
        return self.evaluation.loss_terms

    @property
    def input_gradients(self) -> dict[str, float]:
        """∂L/∂x for every input (sample 1's own loss): CS231n's dx.

        >>> dx = problem("examples/cs231n_neuron.toml").input_gradients
        >>> {name: round(value, 2) for name, value in dx.items()}
        {'x1': 0.39, 'x2': -0.59}
        """
        return self.samples[0].input_gradients

    @property
    def activation_gradients(self) -> dict[str, float]:
        """∂L/∂a for every hidden and output unit (sample 1's own loss): Mazur's ∂E/∂out_h1."""
        return self.samples[0].activation_gradients

    @property
    def samples(self) -> tuple[SampleValues, ...]:
        """Every sample's own forward values, loss, loss terms and gradients."""
        return _sample_values(self.evaluation)

    def derive(
        self, weight: str, *, check: bool = False, dtype: str = "float64"
    ) -> WeightDerivation:
        """The derivation of ∂L/∂weight; `check=True` also compares it with torch autograd."""
        derivation = derive(self.network, weight, sweep=self.sweep)
        result = self.check(dtype).result if check else None
        return WeightDerivation(derivation, self.evaluation, result)

    def forward(self) -> ForwardPass:
        """The forward pass, step by step."""
        return ForwardPass(self.evaluation)

    def check(self, dtype: str = "float64") -> CheckReport:
        """Every gradient against torch autograd and central finite differences."""
        from symbp.torch_check import check

        return CheckReport(check(self.evaluation, self.compiled.finite_differences(), dtype))

    def derive_unit(
        self, unit: str, *, check: bool = False, dtype: str = "float64"
    ) -> UnitGradient:
        """The derivation of ∂L/∂a for a unit: an input (x1), hidden (h1) or output (o1).

        `check=True` also compares every unit's ∂L/∂a with torch autograd (and the inputs'
        with central finite differences).
        """
        derivation = derive_unit(self.network, unit, sweep=self.sweep)
        checks = None
        if check:
            from symbp.numeric import input_finite_differences
            from symbp.torch_check import check_units

            checks = check_units(self.evaluation, input_finite_differences(self.compiled), dtype)
        return UnitGradient(derivation, self.evaluation, checks)

    def step(
        self,
        learning_rate: float | None = None,
        optimizer: OptimizerSpec | str | dict[str, object] | None = None,
    ) -> Step:
        """One update (the first) by the spec's optimizer and learning rate unless given.

        `optimizer` is a name ("adam") or a table like the spec's ({"name": "sgd",
        "momentum": 0.9}).
        """
        from symbp.optim import apply, update_rule

        rate = self.spec.learning_rate if learning_rate is None else learning_rate
        rule = update_rule(self._optimizer(optimizer), rate)
        names = tuple(p.name for p in self.network.parameters)
        update = apply(rule, names, self.evaluation.parameters, self.evaluation.gradients)
        new_weights = update.new_parameters
        new_loss = self.compiled.evaluate(weights=new_weights).loss
        return Step(self.evaluation, rate, new_weights, new_loss, update)

    def train(
        self,
        steps: int | None = None,
        *,
        learning_rate: float | None = None,
        optimizer: OptimizerSpec | str | dict[str, object] | None = None,
    ) -> Training:
        """`steps` updates (the spec's `steps` by default) over all samples."""
        from symbp.train import train

        rate = self.spec.learning_rate if learning_rate is None else learning_rate
        count = self.spec.steps if steps is None else steps
        run = train(self.compiled, count, rate, self._optimizer(optimizer))
        return Training(run, self.spec.title, self.spec.weight_init)

    def _optimizer(self, given: OptimizerSpec | str | dict[str, object] | None) -> OptimizerSpec:
        if given is None:
            return self.spec.optimizer
        if isinstance(given, OptimizerSpec):
            return given
        return parse_optimizer(given)

    def _blocks(self) -> tuple[Block, ...]:
        from symbp.render.handout import problem_blocks

        return tuple(problem_blocks(self.network, 4, "en"))

    def check_hand(self, calculation: str, *, learning_rate: float | None = None) -> HandCheck:
        """Judge a hand calculation given as text, one `name = value` per line (# comments).

        >>> report = problem().check_hand("dL/dw1 = 0.01\\ndL/dw5 = 0.03")
        >>> report.wrong, report.mistakes[:1]
        (('dL/dw1',), ('added_gradients',))
        """
        from symbp.handcheck import check_hand, parse_plain

        hand = parse_plain(calculation, source="<notebook>")
        return HandCheck(check_hand(hand, self.spec, learning_rate))

    def handout(self, path: str | Path, *, lang: str = "en", digits: int = 4) -> Path:
        """Write the complete handout (.html, .tex or .md, from the extension); returns its path."""
        from symbp.files import write_atomic
        from symbp.render.handout import build_handout, handout_format, render_handout

        fmt = handout_format(path)
        document = build_handout(self.spec, lang=lang, digits=digits)
        write_atomic(Path(path), render_handout(document, fmt))
        return Path(path)

    def __repr__(self) -> str:
        layers = "-".join(str(n) for n in self.spec.layers)
        return f"<Problem {self.spec.title!r}: {layers}, L = {self.loss:.10g}>"


def problem(spec: str | Path | NetworkSpec | None = None) -> Problem:
    """The problem of a spec file or object; the MOOC 8.3 example when none is given.

    >>> problem()
    <Problem 'MOOC 8.3 worked example': 2-2-2, L = 0.2097097937>
    >>> problem("examples/relu.toml").spec.activations
    ('relu', 'relu')
    """
    if spec is None:
        return Problem(default_spec())
    if isinstance(spec, NetworkSpec):
        return Problem(spec)
    return Problem.load(spec)


def check_hand_file(
    path: str | Path, spec: str | Path | None = None, learning_rate: float | None = None
) -> HandCheck:
    """Judge a hand-calculation file (TOML, JSON or `name = value` lines) against its network.

    The network is `spec`'s, else the one the file names, else the MOOC 8.3 default.

    >>> check_hand_file("examples/hand_mooc_8_3.txt").mistakes
    ('added_gradients',)
    """
    from symbp.handcheck import check_hand_file as check

    return HandCheck(check(str(path), None if spec is None else str(spec), learning_rate))
