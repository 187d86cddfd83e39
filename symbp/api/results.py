"""What the API returns: each result holds its numbers as attributes, its content as document
blocks (`blocks()`), renders in any format (`render(format)`) and shows as mathematics in
Jupyter, while `repr()` stays one short line. `Problem` (api/problem.py) computes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symbp.errors import SymbpError

if TYPE_CHECKING:
    from symbp.content.blocks import Block, Document
    from symbp.content.names import Names
    from symbp.core.derive import BiasDerivation, Derivation, UnitDerivation
    from symbp.core.matrices import MatrixForm
    from symbp.core.numeric import Evaluation
    from symbp.core.optim import OptimizerStep
    from symbp.core.train import TrainingRun
    from symbp.handcheck import HandReport
    from symbp.torchcheck.results import CheckResult, FiniteDifferenceCheck, UnitCheck

#: formats every result renders to; JSON is each result's own data document
FORMATS = ("text", "latex", "mathml", "markdown", "html", "json")
#: handout formats by file extension
HANDOUT_EXTENSIONS = {".html": "html", ".htm": "html", ".tex": "latex", ".md": "markdown"}
#: how derivations are written: one parameter's chain rule at a time, or whole layers as matrices
FORMS = ("scalar", "matrix")


class Result:
    """A result's content as blocks, rendered in any format and shown as mathematics in Jupyter."""

    lang = "en"

    def blocks(self) -> tuple[Block, ...]:
        raise NotImplementedError

    def title(self) -> str:
        return "symbp"

    def to_json(self) -> str:
        raise SymbpError(f"{type(self).__name__} has no JSON form")

    def document(self) -> Document:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.blocks import Document

        return Document(self.title(), self.lang, self.blocks())

    def render(self, format: str = "text", *, paper: str | None = None) -> str:  # noqa: A002
        """The result as text, latex, mathml, markdown, html or json; LaTeX and HTML documents
        are set on `paper` (a4 or letter; default a4)."""
        if format == "json":
            return self.to_json()
        if format not in FORMATS:
            raise SymbpError(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp import formats
        from symbp.formats.page import paper as known_paper

        return formats.render(self.document(), format, paper=known_paper(paper or "a4").name)

    def render_chunks(
        self,
        format: str = "text",  # noqa: A002
        *,
        paper: str | None = None,
    ) -> Iterator[str]:
        """The rendering in pieces to write as they come (one piece unless overridden)."""
        yield self.render(format, paper=paper)

    def _repr_html_(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats import html

        return html.render_blocks(self.blocks())

    def _repr_markdown_(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats import markdown

        return markdown.render_blocks(self.blocks())

    def _repr_latex_(self) -> str | None:
        """The equations alone, one align* environment each (what MathJax renders)."""
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.blocks import Equations
        from symbp.formats import latex

        environments = [latex.equations(b) for b in self.blocks() if isinstance(b, Equations)]
        return "\n".join(environments) if environments else None

    def __str__(self) -> str:
        return self.render("text")


class CheckedResult(Result):
    """A circuit's, convolution's or RNN's result: checked by its torch check (`check`, with a
    `passed`) or, without torch, by central differences alone (`fallback`)."""

    check: Any = None
    fallback: FiniteDifferenceCheck | None = None

    @property
    def passed(self) -> bool:
        if self.fallback is not None:
            return self.fallback.agrees
        return self.check is None or bool(self.check.passed)

    @property
    def notice(self) -> str | None:
        """A line for the reader beside the result: how it was checked, when not by torch."""
        return None if self.fallback is None else self.fallback.notice


@dataclass(frozen=True, repr=False)
class ForwardPass(Result):
    """The forward pass: every z and a, layer by layer, and the loss.

    >>> from symbp import problem

    >>> forward = problem().forward()
    >>> round(forward.values["z_h1"], 10), round(forward.values["h1"], 4)
    (0.25, 0.5622)
    """

    evaluation: Evaluation
    digits: int = 4

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

        >>> from symbp import problem

        >>> terms = problem("examples/mazur_2_2_2.toml").forward().loss_terms
        >>> {name: round(value, 9) for name, value in terms.items()}
        {'L_o1': 0.274811083, 'L_o2': 0.023560026}
        """
        return self.evaluation.loss_terms

    @property
    def samples(self) -> tuple[SampleValues, ...]:
        """Every sample's own forward pass, loss and gradients (one for a single sample)."""
        return _sample_values(self.evaluation)

    def blocks(self) -> tuple[Block, ...]:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.derivation import worked
        from symbp.content.handout import forward_blocks

        return tuple(forward_blocks(worked(self.evaluation, self.digits, self.lang)))

    def title(self) -> str:
        return self.evaluation.network.spec.title

    def to_json(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats.json import forward_document

        return forward_document(self.evaluation)

    def __repr__(self) -> str:
        return f"<ForwardPass L = {self.loss:.10g}>"


@dataclass(frozen=True, repr=False)
class CheckReport(Result):
    """symbp's gradients against torch autograd and finite differences.

    >>> from symbp import problem

    >>> report = problem().check()
    >>> report.passed, round(report.torch_gradient("w1"), 10)
    (True, -0.0084214805)
    """

    result: CheckResult
    network_title: str = "symbp"
    names: Names | None = None  # the network's names, to write parameters as formulas do

    @property
    def passed(self) -> bool:
        return self.result.passed

    def torch_gradient(self, weight: str) -> float:
        return self.result.weight(weight).torch

    def blocks(self) -> tuple[Block, ...]:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.tables import check_blocks

        return check_blocks(self.result, self.network_title, self.lang, self.names)

    def title(self) -> str:
        return self.network_title

    def to_json(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats.json import check_document

        return check_document(self.result, self.network_title)

    def __repr__(self) -> str:
        verdict = "all agree" if self.passed else "MISMATCH"
        return f"<CheckReport torch {self.result.dtype}: {verdict}>"


@dataclass(frozen=True, repr=False)
class Derivations(Result):
    """The derivations of several quantities (weights, biases and units' values), sharing one
    evaluation."""

    derivations: tuple[Derivation | BiasDerivation | UnitDerivation, ...]
    evaluation: Evaluation
    check: CheckResult | None = None
    digits: int = 4
    #: without torch: the gradients against finite differences only
    fallback: FiniteDifferenceCheck | None = None
    #: ∂L/∂a of every unit against torch autograd (and the inputs' finite differences)
    unit_checks: tuple[UnitCheck, ...] | None = None

    @property
    def passed(self) -> bool:
        """Whether every number shown agrees with its check (True when nothing was checked).

        Only the derivations printed count, so that the exit status says what the reader sees:
        `derive --wrt x1` is not failed by a bias it does not show (one at a kink, where finite
        differences straddle two slopes). Without torch the finite-difference check covers
        every gradient, and its stderr notice says so.
        """
        from symbp.core.derive import BiasDerivation, UnitDerivation

        shown_units = {d.unit.name for d in self.derivations if isinstance(d, UnitDerivation)}
        shown = {
            d.bias.name if isinstance(d, BiasDerivation) else d.weight.name
            for d in self.derivations
            if not isinstance(d, UnitDerivation)
        }
        units = self.unit_checks is None or all(
            c.passed for c in self.unit_checks if c.name in shown_units
        )
        if self.fallback is not None:
            return self.fallback.agrees and units
        if self.check is None:
            return units
        weights = all(c.passed for c in self.check.weights if c.name in shown)
        return self.check.loss_passed and weights and units

    @property
    def notice(self) -> str | None:
        """A line for the reader beside the result: how it was checked, when not by torch."""
        return None if self.fallback is None else self.fallback.notice

    def unit_check(self, name: str) -> UnitCheck | None:
        """A unit's ∂L/∂a against torch, when checked."""
        if self.unit_checks is None:
            return None
        return next((c for c in self.unit_checks if c.name == name), None)

    def blocks_of(
        self, derivation: Derivation | BiasDerivation | UnitDerivation
    ) -> tuple[Block, ...]:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.derivation import bias_blocks, weight_blocks
        from symbp.core.derive import BiasDerivation, UnitDerivation

        if isinstance(derivation, UnitDerivation):
            # on use: importing the API loads no sympy (the torch worker starts first)
            from symbp.content.units import unit_blocks

            return unit_blocks(
                derivation,
                self.evaluation,
                self.unit_check(derivation.unit.name),
                digits=self.digits,
                lang=self.lang,
            )
        if isinstance(derivation, BiasDerivation):
            return bias_blocks(
                derivation, self.evaluation, self.check, digits=self.digits, lang=self.lang
            )
        return weight_blocks(
            derivation, self.evaluation, self.check, digits=self.digits, lang=self.lang
        )

    def blocks(self) -> tuple[Block, ...]:
        return tuple(block for d in self.derivations for block in self.blocks_of(d))

    def title(self) -> str:
        return self.evaluation.network.spec.title

    def to_json(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats.json import derivations_document

        return derivations_document(self.derivations, self.evaluation, self.check, self.unit_checks)

    def render_chunks(
        self,
        format: str = "text",  # noqa: A002
        *,
        paper: str | None = None,
    ) -> Iterator[str]:
        """The rendering in pieces, one derivation at a time (what `derive --all` streams)."""
        if format in ("json", "latex", "html") or len(self.derivations) == 1:
            yield self.render(format, paper=paper)  # whole documents: one piece
            return
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp import formats

        for number, derivation in enumerate(self.derivations):
            yield ("\n" if number else "") + formats.render_blocks(
                self.blocks_of(derivation), format
            )

    def __repr__(self) -> str:
        return f"<Derivations of {len(self.derivations)} parameters>"


@dataclass(frozen=True, repr=False)
class WeightDerivation(Derivations):
    """One weight's derivation with its numbers (and its torch check, when asked for).

    >>> from symbp import problem

    >>> derivation = problem().derive("w1")
    >>> derivation.weight, round(derivation.value, 10), derivation.derivation.path_count
    ('w1', -0.0084214805, 2)
    >>> derivation.render("latex").startswith("% Compile with pdflatex")
    True
    """

    @property
    def derivation(self) -> Derivation:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.derive import Derivation

        found = self.derivations[0]
        assert isinstance(found, Derivation)
        return found

    @property
    def weight(self) -> str:
        return self.derivation.weight.name

    @property
    def value(self) -> float:
        """∂L/∂w at the problem's samples and weights."""
        return self.evaluation.gradient(self.weight)

    def __repr__(self) -> str:
        return f"<WeightDerivation ∂L/∂{self.weight} = {self.value:.10g}>"


@dataclass(frozen=True, repr=False)
class UnitGradient(Derivations):
    """∂L/∂a for one unit (an input, a hidden or an output unit): derivation and value.

    >>> from symbp import problem

    >>> gradient = problem("examples/mazur_2_2_2.toml").derive_unit("h1")
    >>> gradient.unit, round(gradient.value, 9), gradient.derivation.path_count
    ('h1', 0.036350306, 2)
    """

    @property
    def derivation(self) -> UnitDerivation:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.derive import UnitDerivation

        found = self.derivations[0]
        assert isinstance(found, UnitDerivation)
        return found

    @property
    def unit(self) -> str:
        return self.derivation.unit.name

    @property
    def value(self) -> float:
        """∂L/∂a at sample 1 (of its own loss), the problem's weights."""
        return self.evaluation.per_sample[0].unit_gradients[self.unit]

    @property
    def per_sample(self) -> tuple[float, ...]:
        """∂L/∂a of each sample's own loss."""
        return tuple(s.unit_gradients[self.unit] for s in self.evaluation.per_sample)

    @property
    def unit_result(self) -> UnitCheck | None:
        """This unit's comparison with torch autograd, when checked."""
        return self.unit_check(self.unit)

    def __repr__(self) -> str:
        return f"<UnitGradient ∂L/∂{self.unit} = {self.value:.10g}>"


@dataclass(frozen=True)
class SampleValues:
    """One sample's own numbers: inputs, targets, forward pass, loss, its terms and gradients.

    Gradients are of this sample's own loss (what the batch's mean or sum is made of).

    >>> from symbp import problem

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


@dataclass(frozen=True, repr=False)
class MatrixDerivation(Result):
    """The whole network's backpropagation in matrix form: per layer z = Wa + b, δ, ∂L/∂W, ∂L/∂b.

    >>> from symbp import problem

    >>> matrix = problem().derivations(form="matrix")
    >>> [round(v, 10) for v in matrix.weight_gradients[0][0]]  # ∂L/∂W⁽¹⁾, row h1: w1, w3
    [-0.0084214805, -0.0050528883]
    """

    form: MatrixForm
    check: CheckResult | None = None
    digits: int = 4

    @property
    def passed(self) -> bool:
        """Whether every gradient agrees with torch (True when nothing was checked)."""
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.matrix import matrix_passed

        return self.check is None or matrix_passed(self.form, self.check)

    @property
    def weight_gradients(self) -> tuple[tuple[tuple[float, ...], ...], ...]:
        """∂L/∂W⁽ˡ⁾ for l = 1, 2, …: rows are a layer's units, columns the layer before's."""
        return tuple(self.form.weight_gradients(layer) for layer in self.form.layers)

    @property
    def gradients(self) -> dict[str, float]:
        """∂L/∂p of every parameter, read off the gradient matrices."""
        return dict(self.form.gradients)

    def blocks(self) -> tuple[Block, ...]:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.matrix import matrix_blocks

        return matrix_blocks(self.form, self.check, digits=self.digits, lang=self.lang)

    def title(self) -> str:
        return self.form.network.spec.title

    def to_json(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats.json import matrix_document

        return matrix_document(self.form, self.blocks(), self.check)

    def __repr__(self) -> str:
        layers = len(self.form.layers)
        return f"<MatrixDerivation of {layers} layers, L = {self.form.loss:.10g}>"


@dataclass(frozen=True, repr=False)
class Step(Result):
    """One gradient-descent update: p ← p − η·∂L/∂p for every parameter.

    >>> from symbp import problem

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

    def blocks(self) -> tuple[Block, ...]:
        if self.update is not None and not self.update.rule.optimizer.is_plain_sgd:
            # on use: importing the API loads no sympy (the torch worker starts first)
            from symbp.content.optimizer import optimizer_step_blocks

            return optimizer_step_blocks(self.evaluation, self.update, self.new_loss, self.lang)
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.tables import step_blocks

        return step_blocks(
            self.evaluation, self.new_weights, self.new_loss, self.learning_rate, self.lang
        )

    def title(self) -> str:
        return self.evaluation.network.spec.title

    def to_json(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats.json import step_document

        return step_document(
            self.evaluation, self.new_weights, self.new_loss, self.learning_rate, self.update
        )

    def __repr__(self) -> str:
        return f"<Step η={self.learning_rate:g}: L {self.loss:.10g} → {self.new_loss:.10g}>"


@dataclass(frozen=True, repr=False)
class Training(Result):
    """N updates by an optimizer: the loss, every parameter and the optimizer's state per step.

    >>> from symbp import problem

    >>> run = problem().train(3, optimizer="adam", learning_rate=0.1)
    >>> len(run.losses), run.run.state_keys
    (4, ('m', 'v'))
    """

    run: TrainingRun
    network_title: str
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

    def blocks(self) -> tuple[Block, ...]:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.tables import training_blocks

        return training_blocks(self.run, self.network_title, self.weight_init, self.lang)

    def title(self) -> str:
        return self.network_title

    def to_json(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats.json import training_document

        return training_document(self.run, self.network_title)

    def render(self, format: str = "text", *, paper: str | None = None) -> str:  # noqa: A002
        if format == "csv":
            # on use: importing the API loads no sympy (the torch worker starts first)
            from symbp.formats.csv import training_csv

            return training_csv(self.run)
        return super().render(format, paper=paper)

    def plot(self, path: str | Path) -> Path:
        """Draw the loss curve to a .png or .svg file (matplotlib, imported only here)."""
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats.plot import plot_loss_curve

        plot_loss_curve(self.run, self.network_title, path)
        return Path(path)

    def __repr__(self) -> str:
        return (
            f"<Training {len(self.run.steps) - 1} steps: L {self.losses[0]:.6g} → "
            f"{self.losses[-1]:.6g}>"
        )


@dataclass(frozen=True, repr=False)
class Handout(Result):
    """A complete handout: problem, forward pass, backward pass, update and check."""

    handout: Document
    passed: bool = True  # every number agrees with the check (True when nothing was checked)
    paper: str = "a4"  # the paper LaTeX and HTML are set on (a4 or letter)

    def blocks(self) -> tuple[Block, ...]:
        return self.handout.blocks

    def render(self, format: str = "text", *, paper: str | None = None) -> str:  # noqa: A002
        return super().render(format, paper=paper or self.paper)

    def document(self) -> Document:
        return self.handout

    def title(self) -> str:
        return self.handout.title

    def write(self, path: str | Path) -> Path:
        """Write the handout; the format follows the extension (.html, .tex, .md)."""
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.files import write_atomic

        write_atomic(Path(path), self.render(handout_format(path)))
        return Path(path)

    def __repr__(self) -> str:
        return f"<Handout {self.handout.title!r} ({self.handout.lang})>"


def handout_format(path: str | Path) -> str:
    """The format a handout file's extension asks for."""
    suffix = Path(path).suffix.lower()
    if suffix not in HANDOUT_EXTENSIONS:
        raise SymbpError(
            f"cannot tell the handout format of {str(path)!r}: use a name ending in "
            ".html, .tex or .md"
        )
    return HANDOUT_EXTENSIONS[suffix]


@dataclass(frozen=True, repr=False)
class HandCheck(Result):
    """A student's hand calculation judged: which numbers are wrong, where, and which mistake.

    >>> from symbp import problem

    >>> report = problem().check_hand("dL/dw1 = 0.01\\ndL/dw5 = 0.03")
    >>> report.all_right, report.wrong, report
    (False, ('dL/dw1',), <HandCheck 1 wrong>)
    """

    report: HandReport
    lang: str = "en"  # of the text, Markdown and HTML (JSON's keys and texts stay English)

    @property
    def all_right(self) -> bool:
        return self.report.all_right

    @property
    def passed(self) -> bool:
        return self.all_right

    @property
    def wrong(self) -> tuple[str, ...]:
        """The keys of the wrong numbers (dL/dw1, delta_h1, ...), in dependency order."""
        return tuple(j.key for j in self.report.wrong)

    @property
    def mistakes(self) -> tuple[str, ...]:
        """The best diagnosis's mistakes (their catalogue keys), or () if none fits."""
        return self.report.diagnoses[0].keys if self.report.diagnoses else ()

    def blocks(self) -> tuple[Block, ...]:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.hand import hand_report_blocks

        return hand_report_blocks(self.report, self.lang)

    def title(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.labels import title

        return title(self.report.title, self.lang)

    def to_json(self) -> str:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.formats.json import hand_report

        return hand_report(self.report)

    def __repr__(self) -> str:
        verdict = "all right" if self.all_right else f"{len(self.wrong)} wrong"
        return f"<HandCheck {verdict}>"
