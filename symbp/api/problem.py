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
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from symbp import arguments
from symbp.content.labels import labels
from symbp.core.spec import (
    MAX_TITLE_LENGTH,
    NetworkSpec,
    OptimizerSpec,
    check_learning_rate,
    default_spec,
    load_spec,
    parse_optimizer,
)
from symbp.errors import SymbpError, UnknownUnitError, UnknownWeightError
from symbp.torchcheck import worker as torch_worker
from symbp.torchcheck.check import check, check_units, finite_difference_agrees
from symbp.torchcheck.results import CheckResult, FiniteDifferenceCheck, UnitCheck
from symbp.torchcheck.worker import Pending, TorchMissingError

if TYPE_CHECKING:
    from symbp.content.blocks import Block, Document
    from symbp.core.derive import Backprop
    from symbp.core.graph import Network
    from symbp.core.matrices import MatrixForm
    from symbp.core.numeric import CompiledNetwork, Evaluation


from symbp.api.results import (  # noqa: F401 - the API's results, re-exported
    FORMATS,
    FORMS,
    HANDOUT_EXTENSIONS,
    CheckReport,
    Derivations,
    ForwardPass,
    HandCheck,
    Handout,
    MatrixDerivation,
    Result,
    SampleValues,
    Step,
    Training,
    UnitGradient,
    WeightDerivation,
    _sample_values,
    handout_format,
)


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
        self._answers: dict[str, Pending] = {}  # the same, once joined: their answers kept

    def start_check(self, dtype: str = "float64", *, units: bool = False) -> None:
        """Start torch's side of the check now, in a worker process, so that it overlaps the
        symbolic work (importing torch takes longer than all of it); the next result that
        checks joins it; with `units`, the worker also computes every unit's ∂L/∂a (for
        derive --wrt). Nothing happens when torch is not installed."""
        dtype = arguments.dtype(dtype)
        if dtype in self._pending:
            return
        try:
            self._pending[dtype] = torch_worker.start_torch_check(self.spec, dtype, units=units)
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
        joined = self._joined(dtype)
        if joined is None and not torch_worker.torch_installed():
            raise TorchMissingError()
        finite_differences = self.compiled.finite_differences()
        torch_side = None if joined is None else joined.result()
        return check(self.evaluation, finite_differences, dtype, torch_side)

    def _joined(self, dtype: str) -> Pending | None:
        """The torch worker started for `dtype`, its answer waited for once and kept."""
        pending = self._pending.pop(dtype, None)
        if pending is not None:
            pending.result()
            self._answers[dtype] = pending
        return self._answers.get(dtype)

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
        return cls(load_spec(arguments.path(path, "path")))

    @cached_property
    def network(self) -> Network:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.graph import Network

        return Network(self.spec)

    @cached_property
    def sweep(self) -> Backprop:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.derive import backward_sweep

        return backward_sweep(self.network)

    @cached_property
    def compiled(self) -> CompiledNetwork:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.numeric import CompiledNetwork

        return CompiledNetwork(self.network, self.sweep)

    @cached_property
    def evaluation(self) -> Evaluation:
        return self.compiled.evaluate()

    @cached_property
    def matrices(self) -> MatrixForm:
        """The network's layers as matrices and backpropagation computed with them."""
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.matrices import MatrixForm

        if self.spec.dropout is not None:  # a = m·f(z)/p has no matrix display yet
            raise SymbpError("the matrix form does not show dropout: use --form scalar")
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
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.derive import derive

        arguments.flag(check, "check")
        dtype = arguments.dtype(dtype)
        self.network.weight(arguments.text(weight, "weight"))  # fails before any work
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
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.derive import derive, derive_bias, derive_unit
        from symbp.near import closest, resolve, same_family

        names = arguments.names(names, "names")
        arguments.flag(check, "check")
        dtype, digits = arguments.dtype(dtype), _digits(digits)
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
        else:  # W1 means w1 where no other name differs from it only by case, as in check-hand
            names = [resolve(name, [*weights, *biases, *network.units]) or name for name in names]
        for name in names:
            if name not in biases and name not in weights and name not in network.units:
                known = tuple(w.name for w in network.weights) + tuple(
                    b.name for b in network.biases
                )
                units = tuple(network.units)
                if same_family(name, units) and not same_family(name, known):  # h3 beside h1
                    raise UnknownUnitError(name, units)
                # units listed too when one was asked for, or when no parameter is close
                if any(n in network.units for n in names) or closest(name, known) is None:
                    raise UnknownWeightError(name, known, units)
                raise UnknownWeightError(name, known)
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
        digits, dtype = _digits(digits), arguments.dtype(dtype)
        result = self.check(dtype).result if arguments.flag(check, "check") else None
        return MatrixDerivation(self.matrices, result, digits)

    def forward(self) -> ForwardPass:
        """The forward pass, step by step."""
        return ForwardPass(self.evaluation)

    def check(self, dtype: str = "float64") -> CheckReport:
        """Every gradient against torch autograd and central finite differences."""
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.names import Names

        dtype = arguments.dtype(dtype)
        return CheckReport(self._check_result(dtype), self.spec.title, Names(self.network))

    def derive_unit(
        self, unit: str, *, check: bool = False, dtype: str = "float64", digits: int = 4
    ) -> UnitGradient:
        """The derivation of ∂L/∂a for a unit: an input (x1), hidden (h1) or output (o1).

        `check=True` also compares every unit's ∂L/∂a with torch autograd (and the inputs'
        with central finite differences).
        """
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.derive import derive_unit

        arguments.flag(check, "check")
        dtype, digits = arguments.dtype(dtype), _digits(digits)
        derivation = derive_unit(self.network, arguments.text(unit, "unit"), sweep=self.sweep)
        checks = self._unit_checks(dtype) if check else None
        return UnitGradient(
            (derivation,), self.evaluation, None, _digits(digits), unit_checks=checks
        )

    def _unit_checks(self, dtype: str) -> tuple[UnitCheck, ...]:
        """Every unit's ∂L/∂a against torch autograd: the worker's, when it was asked for them,
        else computed in this process."""
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.numeric import input_finite_differences

        joined = self._joined(dtype)
        if joined is None and not torch_worker.torch_installed():
            raise TorchMissingError()
        by_torch = None if joined is None else joined.units
        finite_differences = input_finite_differences(self.compiled)
        return check_units(self.evaluation, finite_differences, dtype, by_torch)

    def step(
        self,
        learning_rate: float | None = None,
        optimizer: OptimizerSpec | str | dict[str, object] | None = None,
    ) -> Step:
        """One update (the first) by the spec's optimizer and learning rate unless given.

        `optimizer` is a name ("adam") or a table like the spec's ({"name": "sgd",
        "momentum": 0.9}).
        """
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.numeric import unreliable_floats
        from symbp.core.optim import apply, update_rule

        arguments.keyword_table(optimizer, "optimizer")
        given = self.spec.learning_rate if learning_rate is None else learning_rate
        rate = check_learning_rate(given, "the learning rate (--lr)")
        rule = update_rule(self._optimizer(optimizer), rate)
        problem = unreliable_floats(self.evaluation)
        if problem is not None:  # an update from such gradients would be silently wrong
            raise SymbpError(problem)
        names = tuple(p.name for p in self.network.parameters)
        update = apply(rule, names, self.evaluation.parameters, self.evaluation.gradients)
        new_weights = update.new_parameters
        for name, value in zip(names, new_weights, strict=True):
            if not math.isfinite(value):
                raise SymbpError(
                    f"the updated {name} is {value} in float64: lower the learning rate"
                )
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
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.core.train import train

        arguments.keyword_table(optimizer, "optimizer")
        given = self.spec.learning_rate if learning_rate is None else learning_rate
        rate = check_learning_rate(given)  # as the spec reader: 0 or less is no descent
        count = self.spec.steps if steps is None else arguments.whole(steps, "steps")
        run = train(self.compiled, count, rate, self._optimizer(optimizer))
        return Training(run, self.spec.title, self.spec.weight_init)

    def _optimizer(self, given: OptimizerSpec | str | dict[str, object] | None) -> OptimizerSpec:
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
        sample: int = 1,
        answers: str = "foot",
        say_unchecked: bool = True,
    ) -> Handout:
        """The complete handout; `.write("handout.html")` (or .tex, .md) writes it.

        `show` names the parameters derived in full (the others get one table row each; by
        default every parameter of a network of up to 20 weights, else one weight per layer),
        `compact` gives every gradient and update one table row, `title` replaces the spec's,
        `paper` (a4 or letter) sets the LaTeX and HTML page, `sample` (1-based) is the sample
        worked step by step when there are several. `answers` places the answers to the
        check-your-understanding questions: "foot" (after the appendix, on the last page when
        they fit, upside down in print and blurred on screen until touched), "page" (on a page
        of their own, to tear off) or "none" (left out).

        `form="matrix"` writes the forward and backward pass with matrices and vectors; it
        explains no single weight's sign, so `focus` must then be None. With `check=False` the
        handout says under its first line that it was not checked against torch (unless
        `say_unchecked=False`: an exercise's answer keys).

        >>> handout = problem().handout(show=["w1"], check=False, title="Week 3")
        >>> handout.title(), handout.paper
        ('Week 3', 'a4')
        """
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.handout import handout_document, said_unchecked
        from symbp.content.selection import select
        from symbp.formats.page import paper as known_paper
        from symbp.near import resolve

        labels(arguments.text(lang, "lang"))  # an unknown language, paper or parameter fails
        known_paper(arguments.text(paper, "paper"))  # before any work
        arguments.optional_text(focus, "focus")
        arguments.flag(check, "check")
        arguments.flag(compact, "compact")
        _answers(answers)
        show = arguments.names(show, "show")
        digits = _digits(digits)
        matrix = _form(form) == "matrix"
        known = [p.name for p in self.network.parameters]
        if focus is not None:  # W1 means w1, as in check-hand and derive --weight
            focus = resolve(focus, known) or focus
        if show is not None:
            show = [resolve(name, known) or name for name in show]
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
        count = len(self.spec.samples)
        if isinstance(sample, bool) or not isinstance(sample, int) or not 1 <= sample <= count:
            raise SymbpError(
                f"--sample must be a sample number from 1 to {count}, not {sample!r}"
                if count > 1
                else f"--sample: this spec has one sample, so only --sample 1 (not {sample!r})"
            )
        new_loss = self.step().new_loss
        self.sweep  # noqa: B018 - the symbolic work, done while a started torch check runs
        self._warm("html")
        report = self.check().result if check else None
        if matrix:
            # on use: importing the API loads no sympy (the torch worker starts first)
            from symbp.content.matrix import matrix_handout_document, matrix_passed

            document = matrix_handout_document(
                self.matrices, report, new_loss, digits=digits, lang=lang
            )
            passed = report is None or (report.passed and matrix_passed(self.matrices, report))
            if title is not None:
                document = _retitled(document, title)
            if not check and say_unchecked:
                document = said_unchecked(document)
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
            sample=sample,
            answers=answers,
        )
        if not check and say_unchecked:
            document = said_unchecked(document)
        return Handout(document, report is None or report.passed, paper)

    def check_hand(
        self, calculation: str, *, learning_rate: float | None = None, lang: str = "en"
    ) -> HandCheck:
        """Judge a hand calculation given as text, one `name = value` per line (# comments);
        `lang="zh"` reports in Chinese.

        >>> report = problem().check_hand("dL/dw1 = 0.01\\ndL/dw5 = 0.03")
        >>> report.wrong, report.mistakes[:1]
        (('dL/dw1',), ('added_gradients',))
        """
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.handcheck import check_hand, parse_plain

        arguments.text(calculation, "calculation")
        learning_rate = arguments.optional_number(learning_rate, "learning_rate")
        _lang(lang)
        hand = parse_plain(calculation, source="<notebook>")
        return HandCheck(check_hand(hand, self.spec, learning_rate), lang)

    def blocks(self) -> tuple[Block, ...]:
        # on use: importing the API loads no sympy (the torch worker starts first)
        from symbp.content.handout import problem_blocks

        return tuple(problem_blocks(self.network, 4, self.lang))

    def title(self) -> str:
        return self.spec.title

    def __repr__(self) -> str:
        layers = "-".join(str(n) for n in self.spec.layers)
        return f"<Problem {self.spec.title!r}: {layers}, L = {self.loss:.10g}>"


def _title(title: str) -> str:
    if (
        not arguments.text(title, "title").strip()
        or len(title) > MAX_TITLE_LENGTH
        or not title.isprintable()
    ):
        raise SymbpError(
            f"--title must be 1 to {MAX_TITLE_LENGTH} printable characters, not {title!r}"
        )
    return title


def _retitled(document: Document, title: str) -> Document:
    """The document under another title (its first heading too)."""
    from dataclasses import replace

    # on use: importing the API loads no sympy (the torch worker starts first)
    from symbp.content.blocks import Heading, Text

    blocks = document.blocks
    if blocks and isinstance(blocks[0], Heading) and blocks[0].level == 1:
        blocks = (Heading((Text(title),), 1), *blocks[1:])
    return replace(document, title=title, blocks=blocks)


def _form(form: str) -> str:
    if arguments.text(form, "form") not in FORMS:
        raise SymbpError(f"unknown form {form!r} (known: {', '.join(FORMS)})")
    return form


def _answers(answers: str) -> str:
    # on use: importing the API loads no sympy
    from symbp.content.questions import ANSWER_PLACEMENTS

    if arguments.text(answers, "answers") not in ANSWER_PLACEMENTS:
        raise SymbpError(
            f"unknown answers placement {answers!r} (known: {', '.join(ANSWER_PLACEMENTS)})"
        )
    return answers


def _lang(lang: str) -> str:
    labels(arguments.text(lang, "lang"))  # an unknown language is one clear error
    return lang


def _digits(digits: int) -> int:
    if not 1 <= arguments.whole(digits, "digits") <= 15:
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
    return Problem.load(arguments.path(spec, "spec"))


def check_hand_file(
    path: str | Path,
    spec: str | Path | None = None,
    learning_rate: float | None = None,
    lang: str = "en",
    min_decimals: int | None = None,
) -> HandCheck:
    """Judge a hand-calculation file (TOML, JSON or `name = value` lines) against its network;
    `lang="zh"` reports in Chinese; `min_decimals`: the fewest decimals a right number may be
    written to (symbp.handcheck.precision; default any).

    The network is `spec`'s, else the one the file names, else the MOOC 8.3 default.

    >>> check_hand_file("examples/hand_mooc_8_3.txt").mistakes
    ('added_gradients',)
    """
    # on use: importing the API loads no sympy (the torch worker starts first)
    from symbp.handcheck import check_hand_file as check
    from symbp.handcheck.precision import Precision

    path = arguments.path(path, "path")
    spec = arguments.optional_path(spec, "spec")
    learning_rate = arguments.optional_number(learning_rate, "learning_rate")
    min_decimals = arguments.optional_whole(min_decimals, "min_decimals")
    judged = check(
        str(path), None if spec is None else str(spec), learning_rate, Precision(min_decimals)
    )
    return HandCheck(judged, _lang(lang))
