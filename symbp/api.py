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

from symbp.derive import Backprop, Derivation, backward_sweep, derive
from symbp.graph import Network
from symbp.numeric import CompiledNetwork, Evaluation, updated_weights
from symbp.spec import NetworkSpec, default_spec, load_spec
from symbp.torch_check import CheckResult

if TYPE_CHECKING:
    from symbp.handcheck import HandReport
    from symbp.render.document import Block


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
        network = self.evaluation.network
        return {symbol.name: self.evaluation.values[symbol] for symbol in network.definitions}

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
class Step(_RichDisplay):
    """One gradient-descent update: w ← w − η·∂L/∂w.

    >>> step = problem().step()
    >>> round(step.new_weights[0], 10), round(step.new_loss, 10)
    (0.2084214805, 0.1950325961)
    """

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

    def _blocks(self) -> tuple[Block, ...]:
        from symbp.render.handout import update_blocks

        network = self.evaluation.network
        return tuple(update_blocks(network, self.evaluation, self.new_loss, 4, "en"))

    def __repr__(self) -> str:
        return f"<Step η={self.learning_rate:g}: L {self.loss:.10g} → {self.new_loss:.10g}>"

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

    def step(self, learning_rate: float | None = None) -> Step:
        """One gradient-descent update with the spec's learning rate unless one is given."""
        rate = self.spec.learning_rate if learning_rate is None else learning_rate
        new_weights = updated_weights(self.evaluation, rate)
        new_loss = self.compiled.evaluate(weights=new_weights).loss
        return Step(self.evaluation, rate, new_weights, new_loss)

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
