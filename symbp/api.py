"""The Python API: one object per worked problem, and results that display as mathematics.

    >>> import symbp
    >>> problem = symbp.problem()            # the MOOC 8.3 network; or symbp.problem("net.toml")
    >>> round(problem.loss, 10)
    0.2097097937
    >>> round(problem.derive("w1").value, 10)
    -0.0084214805

Every result is a small object with its numbers as attributes, its content as document blocks
(`blocks()`), and `render(format)` for text, LaTeX, MathML, Markdown, HTML or JSON. In Jupyter it
shows as the derivation or table it stands for, while `repr()` stays one short line. The command
line is a thin layer over this module: one call here and one `render` per command.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from symbp.errors import SymbpError, UnknownWeightError
from symbp.spec import NetworkSpec, OptimizerSpec, default_spec, load_spec

if TYPE_CHECKING:
    from symbp.content.blocks import Block, Document
    from symbp.content.names import Names
    from symbp.derive import Backprop, BiasDerivation, Derivation, UnitDerivation
    from symbp.graph import Network
    from symbp.handcheck import HandReport
    from symbp.matrices import MatrixForm
    from symbp.numeric import CompiledNetwork, Evaluation
    from symbp.optim import OptimizerStep
    from symbp.torch_check import CheckResult, FiniteDifferenceCheck, UnitCheck
    from symbp.torch_worker import Pending
    from symbp.train import TrainingRun

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
        from symbp.content.blocks import Document

        return Document(self.title(), self.lang, self.blocks())

    def render(self, format: str = "text", *, paper: str | None = None) -> str:  # noqa: A002
        """The result as text, latex, mathml, markdown, html or json; LaTeX and HTML documents
        are set on `paper` (a4 or letter; default a4)."""
        if format == "json":
            return self.to_json()
        if format not in FORMATS:
            raise SymbpError(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
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
        from symbp.formats import html

        return html.render_blocks(self.blocks())

    def _repr_markdown_(self) -> str:
        from symbp.formats import markdown

        return markdown.render_blocks(self.blocks())

    def _repr_latex_(self) -> str | None:
        """The equations alone, one align* environment each (what MathJax renders)."""
        from symbp.content.blocks import Equations
        from symbp.formats import latex

        environments = [latex.equations(b) for b in self.blocks() if isinstance(b, Equations)]
        return "\n".join(environments) if environments else None

    def __str__(self) -> str:
        return self.render("text")


@dataclass(frozen=True, repr=False)
class ForwardPass(Result):
    """The forward pass: every z and a, layer by layer, and the loss.

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
        from symbp.content.derivation import worked
        from symbp.content.handout import forward_blocks

        return tuple(forward_blocks(worked(self.evaluation, self.digits, self.lang)))

    def title(self) -> str:
        return self.evaluation.network.spec.title

    def to_json(self) -> str:
        from symbp.formats.json import forward_document

        return forward_document(self.evaluation)

    def __repr__(self) -> str:
        return f"<ForwardPass L = {self.loss:.10g}>"


@dataclass(frozen=True, repr=False)
class CheckReport(Result):
    """symbp's gradients against torch autograd and finite differences.

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
        from symbp.content.tables import check_blocks

        return check_blocks(self.result, self.network_title, self.lang, self.names)

    def title(self) -> str:
        return self.network_title

    def to_json(self) -> str:
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
        """Whether every checked number agrees (True when nothing was checked)."""
        units = self.unit_checks is None or all(c.passed for c in self.unit_checks)
        if self.fallback is not None:
            return self.fallback.agrees and units
        return (self.check is None or self.check.passed) and units

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
        from symbp.content.derivation import bias_blocks, weight_blocks
        from symbp.derive import BiasDerivation, UnitDerivation

        if isinstance(derivation, UnitDerivation):
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

    >>> derivation = problem().derive("w1")
    >>> derivation.weight, round(derivation.value, 10), derivation.derivation.path_count
    ('w1', -0.0084214805, 2)
    >>> derivation.render("latex").startswith("% Compile with pdflatex")
    True
    """

    @property
    def derivation(self) -> Derivation:
        from symbp.derive import Derivation

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

    >>> gradient = problem("examples/mazur_2_2_2.toml").derive_unit("h1")
    >>> gradient.unit, round(gradient.value, 9), gradient.derivation.path_count
    ('h1', 0.036350306, 2)
    """

    @property
    def derivation(self) -> UnitDerivation:
        from symbp.derive import UnitDerivation

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
        from symbp.content.matrix import matrix_blocks

        return matrix_blocks(self.form, self.check, digits=self.digits, lang=self.lang)

    def title(self) -> str:
        return self.form.network.spec.title

    def to_json(self) -> str:
        from symbp.formats.json import matrix_document

        return matrix_document(self.form, self.blocks(), self.check)

    def __repr__(self) -> str:
        layers = len(self.form.layers)
        return f"<MatrixDerivation of {layers} layers, L = {self.form.loss:.10g}>"


@dataclass(frozen=True, repr=False)
class Step(Result):
    """One gradient-descent update: p ← p − η·∂L/∂p for every parameter.

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
            from symbp.content.optimizer import optimizer_step_blocks

            return optimizer_step_blocks(self.evaluation, self.update, self.new_loss, self.lang)
        from symbp.content.tables import step_blocks

        return step_blocks(
            self.evaluation, self.new_weights, self.new_loss, self.learning_rate, self.lang
        )

    def title(self) -> str:
        return self.evaluation.network.spec.title

    def to_json(self) -> str:
        from symbp.formats.json import step_document

        return step_document(
            self.evaluation, self.new_weights, self.new_loss, self.learning_rate, self.update
        )

    def __repr__(self) -> str:
        return f"<Step η={self.learning_rate:g}: L {self.loss:.10g} → {self.new_loss:.10g}>"


@dataclass(frozen=True, repr=False)
class Training(Result):
    """N updates by an optimizer: the loss, every parameter and the optimizer's state per step.

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
        from symbp.content.tables import training_blocks

        return training_blocks(self.run, self.network_title, self.weight_init, self.lang)

    def title(self) -> str:
        return self.network_title

    def to_json(self) -> str:
        from symbp.formats.json import training_document

        return training_document(self.run, self.network_title)

    def render(self, format: str = "text", *, paper: str | None = None) -> str:  # noqa: A002
        if format == "csv":
            from symbp.formats.csv import training_csv

            return training_csv(self.run)
        return super().render(format, paper=paper)

    def plot(self, path: str | Path) -> Path:
        """Draw the loss curve to a .png or .svg file (matplotlib, imported only here)."""
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

    >>> report = problem().check_hand("dL/dw1 = 0.01\\ndL/dw5 = 0.03")
    >>> report.all_right, report.wrong, report
    (False, ('dL/dw1',), <HandCheck 1 wrong>)
    """

    report: HandReport

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
        from symbp.content.hand import hand_report_blocks

        return hand_report_blocks(self.report)

    def title(self) -> str:
        return self.report.title

    def to_json(self) -> str:
        from symbp.formats.json import hand_report

        return hand_report(self.report)

    def __repr__(self) -> str:
        verdict = "all right" if self.all_right else f"{len(self.wrong)} wrong"
        return f"<HandCheck {verdict}>"


class Problem(Result):
    """A network, its samples and its parameters: derive, check, step, train and hand out.

    The symbolic network is built on first use, so a problem is cheap to create.

    >>> p = Problem(default_spec())
    >>> p.weights[:3], round(p.loss, 10), round(p.gradients["w6"], 10)
    (('w1', 'w2', 'w3'), 0.2097097937, 0.0838660995)
    """

    def __init__(self, spec: NetworkSpec) -> None:
        self.spec = spec
        self._pending: dict[str, Pending] = {}  # torch checks started in a worker, by dtype

    def start_check(self, dtype: str = "float64") -> None:
        """Start torch's side of the check now, in a worker process, so that it overlaps the
        symbolic work (importing torch takes longer than all of it); the next result that
        checks joins it. Nothing happens when torch is not installed."""
        from symbp.torch_worker import TorchMissingError, start_torch_check

        if dtype in self._pending:
            return
        try:
            self._pending[dtype] = start_torch_check(self.spec, dtype)
        except TorchMissingError:
            return

    def close(self) -> None:
        """Stop any torch check still running in a worker."""
        for pending in self._pending.values():
            pending.cancel()
        self._pending.clear()

    def __enter__(self) -> Problem:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_result(self, dtype: str) -> CheckResult:
        """The check against torch: the worker's answer when one was started, else torch here."""
        from symbp.torch_check import check
        from symbp.torch_worker import TorchMissingError, torch_installed

        pending = self._pending.pop(dtype, None)
        if pending is None and not torch_installed():
            raise TorchMissingError()
        finite_differences = self.compiled.finite_differences()
        torch_side = None if pending is None else pending.result()
        return check(self.evaluation, finite_differences, dtype, torch_side)

    def _warm(self, fmt: str) -> None:
        """Import what rendering `fmt` needs, while a started torch check still runs."""
        if not self._pending:
            return
        import symbp.content.derivation  # noqa: F401
        import symbp.formats.text  # noqa: F401

        if fmt in ("latex", "mathml", "markdown", "html"):
            import symbp.formats.html  # noqa: F401
            import symbp.formats.markdown  # noqa: F401
        if fmt in ("mathml", "html"):
            import latex2mathml.converter  # noqa: F401
        if fmt == "json":
            import symbp.formats.json  # noqa: F401

    @classmethod
    def load(cls, path: str | Path) -> Problem:
        """The problem described by a .toml or .json spec file."""
        return cls(load_spec(path))

    @cached_property
    def network(self) -> Network:
        from symbp.graph import Network

        return Network(self.spec)

    @cached_property
    def sweep(self) -> Backprop:
        from symbp.derive import backward_sweep

        return backward_sweep(self.network)

    @cached_property
    def compiled(self) -> CompiledNetwork:
        from symbp.numeric import CompiledNetwork

        return CompiledNetwork(self.network, self.sweep)

    @cached_property
    def evaluation(self) -> Evaluation:
        return self.compiled.evaluate()

    @cached_property
    def matrices(self) -> MatrixForm:
        """The network's layers as matrices and backpropagation computed with them."""
        from symbp.matrices import MatrixForm

        return MatrixForm(self.evaluation)

    @property
    def weights(self) -> tuple[str, ...]:
        """The weight names, in numbering order."""
        return self.spec.weight_names

    @property
    def loss(self) -> float:
        return self.evaluation.loss

    @property
    def gradients(self) -> dict[str, float]:
        """∂L/∂p for every parameter (weights, then trainable biases), by name."""
        names = [p.name for p in self.network.parameters]
        return dict(zip(names, self.evaluation.gradients, strict=True))

    # results ---------------------------------------------------------------------------------

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
        self, weight: str, *, check: bool = False, dtype: str = "float64", digits: int = 4
    ) -> WeightDerivation:
        """The derivation of ∂L/∂weight; `check=True` also compares it with torch autograd."""
        from symbp.derive import derive

        self.network.weight(weight)  # an unknown name fails before any work
        derivation = derive(self.network, weight, sweep=self.sweep)
        result = self.check(dtype).result if check else None
        return WeightDerivation((derivation,), self.evaluation, result, _digits(digits))

    def derivations(
        self,
        names: Sequence[str] | None = None,
        *,
        check: bool = False,
        dtype: str = "float64",
        digits: int = 4,
        form: str = "scalar",
    ) -> Derivations | MatrixDerivation:
        """The derivations of several quantities (every weight and bias when `names` is None):
        weights and biases (∂L/∂p), and units' values (∂L/∂a for x1, h1, o1; `derive --wrt`).

        `form="matrix"` derives the whole network at once, layer by layer with matrices; it
        names no parameter, so `names` must then be None.
        """
        from symbp.derive import derive, derive_bias, derive_unit

        if _form(form) == "matrix":
            if names is not None:
                raise SymbpError(
                    "the matrix form derives every weight at once, layer by layer: "
                    "leave out --weight (or use --form scalar)"
                )
            return self.matrix_form(check=check, dtype=dtype, digits=digits)
        network = self.network
        biases = {b.name for b in network.biases}
        weights = {w.name for w in network.weights}
        if names is None:
            names = [w.name for w in network.weights] + [b.name for b in network.biases]
        for name in names:
            if name not in biases and name not in weights and name not in network.units:
                known = [w.name for w in network.weights] + [b.name for b in network.biases]
                if any(n in network.units for n in names):
                    known += list(network.units)
                raise UnknownWeightError(name, tuple(known))
        derivations = tuple(
            derive_bias(network, name, sweep=self.sweep)
            if name in biases
            else derive_unit(network, name, sweep=self.sweep)
            if name in network.units
            else derive(network, name, sweep=self.sweep)
            for name in names
        )
        digits = _digits(digits)
        parameters = [name for name in names if name not in network.units]
        single = len(derivations) == 1
        kind = (
            UnitGradient
            if single and parameters == []
            else WeightDerivation
            if single and parameters[0] in weights
            else Derivations
        )
        if not check:
            return kind(derivations, self.evaluation, None, digits)
        self._warm("text")
        from symbp.torch_worker import TorchMissingError

        unit_checks = None
        if len(parameters) < len(names):
            try:
                unit_checks = self._unit_checks(dtype)
            except TorchMissingError:
                unit_checks = None
        try:
            result = self._check_result(dtype)
        except TorchMissingError:  # the check falls back to finite differences, and says so
            fallback = self._finite_differences_only(parameters)
            return kind(derivations, self.evaluation, None, digits, fallback, unit_checks)
        return kind(derivations, self.evaluation, result, digits, None, unit_checks)

    def _finite_differences_only(self, names: Sequence[str]) -> FiniteDifferenceCheck | None:
        from symbp.torch_check import FiniteDifferenceCheck, finite_difference_agrees

        evaluation = self.evaluation
        order = [p.name for p in self.network.parameters]
        gradients = dict(zip(order, evaluation.gradients, strict=True))
        by_fd = dict(zip(order, self.compiled.finite_differences(), strict=True))
        checked = [name for name in names if name in by_fd]  # a fixed bias has no step
        if not checked:
            return None
        differences = [abs(gradients[name] - by_fd[name]) for name in checked]
        agrees = all(
            finite_difference_agrees(gradients[n], by_fd[n], evaluation.loss) for n in checked
        )
        return FiniteDifferenceCheck(agrees, max(differences, default=0.0))

    def matrix_form(
        self, *, check: bool = False, dtype: str = "float64", digits: int = 4
    ) -> MatrixDerivation:
        """The whole network's backpropagation in matrix form; `check=True` compares it with
        torch autograd."""
        digits = _digits(digits)
        result = self.check(dtype).result if check else None
        return MatrixDerivation(self.matrices, result, digits)

    def forward(self) -> ForwardPass:
        """The forward pass, step by step."""
        return ForwardPass(self.evaluation)

    def check(self, dtype: str = "float64") -> CheckReport:
        """Every gradient against torch autograd and central finite differences."""
        from symbp.content.names import Names

        return CheckReport(self._check_result(dtype), self.spec.title, Names(self.network))

    def derive_unit(
        self, unit: str, *, check: bool = False, dtype: str = "float64", digits: int = 4
    ) -> UnitGradient:
        """The derivation of ∂L/∂a for a unit: an input (x1), hidden (h1) or output (o1).

        `check=True` also compares every unit's ∂L/∂a with torch autograd (and the inputs'
        with central finite differences).
        """
        from symbp.derive import derive_unit

        derivation = derive_unit(self.network, unit, sweep=self.sweep)
        checks = self._unit_checks(dtype) if check else None
        return UnitGradient(
            (derivation,), self.evaluation, None, _digits(digits), unit_checks=checks
        )

    def _unit_checks(self, dtype: str) -> tuple[UnitCheck, ...]:
        """Every unit's ∂L/∂a against torch autograd, computed in this process."""
        from symbp.numeric import input_finite_differences
        from symbp.torch_check import check_units
        from symbp.torch_worker import TorchMissingError, torch_installed

        if not torch_installed():
            raise TorchMissingError()
        return check_units(self.evaluation, input_finite_differences(self.compiled), dtype)

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
        if not math.isfinite(rate):
            raise SymbpError(f"the learning rate (--lr) must be a finite number, not {rate}")
        rule = update_rule(self._optimizer(optimizer), rate)
        names = tuple(p.name for p in self.network.parameters)
        update = apply(rule, names, self.evaluation.parameters, self.evaluation.gradients)
        new_weights = update.new_parameters
        new_loss = self.compiled.evaluate(weights=new_weights).loss
        return Step(self.evaluation, rate, new_weights, new_loss, update)

    def train(
        self,
        steps: int | None = None,
        learning_rate: float | None = None,
        *,
        optimizer: OptimizerSpec | str | dict[str, object] | None = None,
    ) -> Training:
        """`steps` updates (the spec's `steps` by default) over all samples, by the spec's
        optimizer unless one is given."""
        from symbp.train import train

        rate = self.spec.learning_rate if learning_rate is None else learning_rate
        count = self.spec.steps if steps is None else steps
        run = train(self.compiled, count, rate, self._optimizer(optimizer))
        return Training(run, self.spec.title, self.spec.weight_init)

    def _optimizer(self, given: OptimizerSpec | str | dict[str, object] | None) -> OptimizerSpec:
        from symbp.spec import parse_optimizer

        if given is None:
            return self.spec.optimizer
        if isinstance(given, OptimizerSpec):
            return given
        return parse_optimizer(given)

    def handout(
        self,
        *,
        lang: str = "en",
        digits: int = 4,
        focus: str | None = None,
        check: bool = True,
        show: Sequence[str] | None = None,
        compact: bool = False,
        title: str | None = None,
        paper: str = "a4",
        form: str = "scalar",
    ) -> Handout:
        """The complete handout; `.write("handout.html")` (or .tex, .md) writes it.

        `show` names the parameters derived in full (the others get one table row each; by
        default every parameter of a network of up to 20 weights, else one weight per layer),
        `compact` gives every gradient and update one table row, `title` replaces the spec's,
        `paper` (a4 or letter) sets the LaTeX and HTML page.

        `form="matrix"` writes the forward and backward pass with matrices and vectors; it
        explains no single weight's sign, so `focus` must then be None.

        >>> handout = problem().handout(show=["w1"], check=False, title="Week 3")
        >>> handout.title(), handout.paper
        ('Week 3', 'a4')
        """
        from symbp.content.handout import handout_document
        from symbp.content.labels import labels
        from symbp.content.selection import select
        from symbp.formats.page import paper as known_paper

        labels(lang)  # an unknown language, paper or parameter fails before any work
        known_paper(paper)
        digits = _digits(digits)
        matrix = _form(form) == "matrix"
        if focus is not None:
            if matrix:
                raise SymbpError(
                    "--focus explains one weight's sign, which the matrix form does not: "
                    "leave out --focus (or use --form scalar)"
                )
            self.network.weight(focus)
        if show is not None:
            select(self.network, show)
        if title is not None:
            _title(title)
        new_loss = self.step().new_loss
        self.sweep  # noqa: B018 - the symbolic work, done while a started torch check runs
        self._warm("html")
        report = self.check().result if check else None
        if matrix:
            from symbp.content.matrix import matrix_handout_document, matrix_passed

            document = matrix_handout_document(
                self.matrices, report, new_loss, digits=digits, lang=lang
            )
            passed = report is None or (report.passed and matrix_passed(self.matrices, report))
            if title is not None:
                document = _retitled(document, title)
            return Handout(document, passed, paper)
        document = handout_document(
            self.sweep,
            self.evaluation,
            report,
            new_loss,
            digits=digits,
            lang=lang,
            focus=focus,
            show=show,
            compact=compact,
            heading=title,
        )
        return Handout(document, report is None or report.passed, paper)

    def check_hand(self, calculation: str, *, learning_rate: float | None = None) -> HandCheck:
        """Judge a hand calculation given as text, one `name = value` per line (# comments).

        >>> report = problem().check_hand("dL/dw1 = 0.01\\ndL/dw5 = 0.03")
        >>> report.wrong, report.mistakes[:1]
        (('dL/dw1',), ('added_gradients',))
        """
        from symbp.handcheck import check_hand, parse_plain

        hand = parse_plain(calculation, source="<notebook>")
        return HandCheck(check_hand(hand, self.spec, learning_rate))

    def blocks(self) -> tuple[Block, ...]:
        from symbp.content.handout import problem_blocks

        return tuple(problem_blocks(self.network, 4, self.lang))

    def title(self) -> str:
        return self.spec.title

    def __repr__(self) -> str:
        layers = "-".join(str(n) for n in self.spec.layers)
        return f"<Problem {self.spec.title!r}: {layers}, L = {self.loss:.10g}>"


def _title(title: str) -> str:
    from symbp.spec import MAX_TITLE_LENGTH

    if not title.strip() or len(title) > MAX_TITLE_LENGTH or not title.isprintable():
        raise SymbpError(
            f"--title must be 1 to {MAX_TITLE_LENGTH} printable characters, not {title!r}"
        )
    return title


def _retitled(document: Document, title: str) -> Document:
    """The document under another title (its first heading too)."""
    from dataclasses import replace

    from symbp.content.blocks import Heading, Text

    blocks = document.blocks
    if blocks and isinstance(blocks[0], Heading) and blocks[0].level == 1:
        blocks = (Heading((Text(title),), 1), *blocks[1:])
    return replace(document, title=title, blocks=blocks)


def _form(form: str) -> str:
    if form not in FORMS:
        raise SymbpError(f"unknown form {form!r} (known: {', '.join(FORMS)})")
    return form


def _digits(digits: int) -> int:
    if not 1 <= digits <= 15:
        raise SymbpError(f"--digits must be between 1 and 15, not {digits}")
    return digits


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
