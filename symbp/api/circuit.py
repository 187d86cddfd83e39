"""What `symbp.expression(...)` and `symbp derive --expr` return: a circuit's derivation with its
numbers as attributes, rendered in every format (JSON: every node's value and gradient) and
shown as mathematics in Jupyter."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from symbp.api.results import CheckedResult, Handout, Result
from symbp.content.circuit import circuit_blocks
from symbp.content.labels import labels
from symbp.core.circuit import Circuit, CircuitDerivation, derive_circuit, read_circuit
from symbp.errors import SymbpError

if TYPE_CHECKING:
    import sympy as sp

    from symbp.content.blocks import Block
    from symbp.handcheck.circuit import CircuitHandReport
    from symbp.torchcheck.circuit_check import CircuitCheck
    from symbp.torchcheck.circuit_model import Worker
    from symbp.torchcheck.results import FiniteDifferenceCheck


class CircuitResult(CheckedResult):
    """A circuit derived: `value` (the objective's), `values` and `gradients` by node name,
    `passed` (the torch and central-difference check, when it ran)."""

    def __init__(
        self,
        derivation: CircuitDerivation,
        check: CircuitCheck | None,
        wrt: tuple[sp.Symbol, ...] = (),
        lang: str = "en",
        digits: int = 4,
        fallback: FiniteDifferenceCheck | None = None,
    ) -> None:
        self.derivation = derivation
        self.circuit: Circuit = derivation.circuit
        self.check = check
        #: without torch: the inputs' gradients against central differences only
        self.fallback = fallback
        self.wrt = wrt
        self.lang = lang
        self.digits = digits

    @property
    def value(self) -> float:
        return self.circuit.values[self.circuit.root]

    @property
    def values(self) -> dict[str, float]:
        return {self.circuit.names[s]: v for s, v in self.circuit.values.items()}

    @property
    def gradients(self) -> dict[str, float]:
        """∂objective/∂node for every node (inputs and intermediates), by plain name."""
        found = self.derivation.gradients
        return {self.circuit.names[s]: found[s] for s in self.circuit.graph.nodes if s in found}

    def gradient(self, name: str) -> float:
        return self.derivation.gradients[self.circuit.symbol(name)]

    def title(self) -> str:
        if self.circuit.title:
            return self.circuit.title
        statements = self.circuit.statements
        shown = statements[0] if len(statements) == 1 and len(statements[0]) <= 60 else ""
        title = labels(self.lang)["circuit_title"]
        return f"{title}: {shown}" if shown else title

    def blocks(self) -> tuple[Block, ...]:
        return circuit_blocks(
            self.derivation, self.lang, self.digits, self.check, self.wrt, self.title()
        )

    def handout(self, title: str | None = None, paper: str = "a4") -> Handout:
        """The derivation as a handout document (write it to .html, .tex or .md)."""
        from symbp.content.blocks import Document
        from symbp.formats.page import paper as known_paper

        known_paper(paper)
        shown = title or self.title()
        blocks = circuit_blocks(
            self.derivation, self.lang, self.digits, self.check, self.wrt, shown
        )
        document = Document(shown, self.lang, blocks[1:])
        if self.check is None:  # made without torch's check: it says so
            from symbp.content.handout import said_unchecked

            document = said_unchecked(document)
        return Handout(document, self.passed, paper)

    def to_json(self) -> str:
        circuit = self.circuit
        names = circuit.names
        nodes = []
        for symbol, node in circuit.graph.nodes.items():
            gate = circuit.gate(symbol)
            entry: dict[str, object] = {
                "name": names[symbol],
                "op": "input" if gate is None else gate.operation.name,
                "inputs": []
                if gate is None
                else [names[a] if not isinstance(a, float) else a for a in gate.args],
                "formula": "" if node.definition is None else str(node.definition),
                "value": circuit.values[symbol],
                "gradient": self.derivation.gradients[symbol],
            }
            nodes.append(entry)
        data: dict[str, object] = {
            "title": circuit.title,
            "expression": list(circuit.statements),
            "objective": names[circuit.root],
            "value": self.value,
            "inputs": {names[s]: v for s, v in circuit.given.items()},
            "gradients": {names[s]: self.derivation.gradients[s] for s in circuit.inputs},
            "wrt": {names[s]: self.derivation.gradients[s] for s in self.wrt},
            "nodes": nodes,
        }
        if self.check is not None:
            check = self.check
            data["check"] = {
                "dtype": check.dtype,
                "passed": check.passed,
                "torch": {names[s]: v for s, v in check.torch.items()},
                "central_differences": {names[s]: v for s, v in check.differences.items()},
                "at_kink": [names[s] for s in check.at_kink],
            }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def __repr__(self) -> str:
        name = self.circuit.names[self.circuit.root]
        return f"<CircuitResult {name} = {self.value:.10g}>"


def expression(
    text: str,
    values: Mapping[str, float] | None = None,
    *,
    title: str = "",
    wrt: tuple[str, ...] | list[str] = (),
    check: bool = True,
    dtype: str = "float64",
    lang: str = "en",
    digits: int = 4,
    **named: float,
) -> CircuitResult:
    """A computational graph of `text` derived and checked:
    `symbp.expression("f = (x + y) * z", x=-2, y=5, z=-4)`."""
    given = dict(values or {})
    for name, value in named.items():
        if name in given:
            raise SymbpError(f"{name} is given twice")
        given[name] = value
    circuit = read_circuit(text, given, title)
    return derive(circuit, wrt=wrt, check=check, dtype=dtype, lang=lang, digits=digits)


def derive(
    circuit: Circuit,
    *,
    wrt: tuple[str, ...] | list[str] = (),
    check: bool = True,
    dtype: str = "float64",
    lang: str = "en",
    digits: int = 4,
    worker: Worker | None = None,
) -> CircuitResult:
    """A circuit's derivation, checked against torch autograd and central differences (in
    `worker` when the caller started one early)."""
    labels(lang)  # an unknown language fails before any work
    if not 1 <= digits <= 15:
        raise SymbpError("digits must be between 1 and 15")
    if dtype not in ("float64", "float32"):
        raise SymbpError(f"unknown dtype {dtype!r} (known: float64, float32)")
    wanted = tuple(circuit.symbol(name) for name in wrt)
    shown = (*circuit.inputs, *(s for s in wanted if s not in circuit.inputs))
    from symbp.torchcheck.worker import torch_installed

    pending = None
    if check and torch_installed():  # torch starts in a worker while sympy derives here
        from symbp.torchcheck.circuit_check import torch_job
        from symbp.torchcheck.circuit_model import start

        pending = start(torch_job(circuit, shown, dtype), worker)
    try:
        derivation = derive_circuit(circuit)
        found = fallback = None
        if check and pending is None:  # without torch: central differences, said in `notice`
            from symbp.torchcheck.circuit_check import finite_differences_only

            fallback = finite_differences_only(circuit, derivation.gradients)
        if pending is not None:
            from symbp.torchcheck.circuit_check import check_circuit

            symbolic = {s: derivation.gradients[s] for s in shown}
            found = check_circuit(circuit, symbolic, dtype, pending)
    finally:
        if pending is not None:
            pending.cancel()
    return CircuitResult(derivation, found, wanted, lang, digits, fallback)


class CircuitHandCheck(Result):
    """A student's circuit homework judged: `all_right`, `report` (every number's verdict)."""

    def __init__(self, result: CircuitResult, report: CircuitHandReport, lang: str = "en"):
        self.result = result
        self.report = report
        self.lang = lang

    @property
    def passed(self) -> bool:
        return self.report.all_right

    @property
    def all_right(self) -> bool:
        return self.report.all_right

    def title(self) -> str:
        return labels(self.lang)["circuit_hand_title"]

    def blocks(self) -> tuple[Block, ...]:
        from symbp.content.blocks import Heading, Paragraph, Table, text
        from symbp.content.numbers import result_num

        words = labels(self.lang)
        header = tuple(text(w) for w in words["circuit_hand_columns"].split("|"))
        verdict_words = {
            "right": words["circuit_hand_right"],
            "carried": words["circuit_hand_carried"],
            "wrong": words["circuit_hand_wrong"],
            "too few decimals": words["hand_too_few_decimals"],
        }
        rows = []
        for verdict in self.report.verdicts:
            said = verdict_words[verdict.verdict]
            if verdict.mistake:
                said += ": " + words[f"mistake_{verdict.mistake}"]
            rows.append(
                (
                    text(verdict.name),
                    text(verdict.text),
                    text(result_num(verdict.expected).text),
                    text(said),
                )
            )
        right = sum(v.verdict == "right" for v in self.report.verdicts)
        total = len(self.report.verdicts)
        summary = words["circuit_hand_summary"]
        counts = (total, right) if self.lang == "zh" else (right, total)
        return (
            Heading(text(self.title()), 2),
            Table(header, tuple(rows), align="lrrl"),
            Paragraph(text(summary.format(*counts))),
        )

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "all_right": self.all_right,
                    "numbers": [
                        {
                            "name": v.name,
                            "node": v.node,
                            "gradient": v.gradient,
                            "written": v.written,
                            "correct": v.expected,
                            "verdict": v.verdict,
                            "mistake": v.mistake,
                        }
                        for v in self.report.verdicts
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )

    def __repr__(self) -> str:
        wrong = sum(v.verdict != "right" for v in self.report.verdicts)
        return f"<CircuitHandCheck {wrong} wrong>"


def check_hand(
    circuit: Circuit, text: str, lang: str = "en", min_decimals: int | None = None
) -> CircuitHandCheck:
    """A student's node values and gradients (lines `q = 3`, `df/dq = -4`) judged;
    `min_decimals`: the fewest decimals a right number may be written to
    (symbp.handcheck.precision; default any)."""
    from symbp import arguments
    from symbp.handcheck.circuit import judge
    from symbp.handcheck.precision import Precision

    precision = Precision(arguments.optional_whole(min_decimals, "min_decimals"))
    result = derive(circuit, check=False, lang=lang)
    return CircuitHandCheck(result, judge(result.derivation, text, precision), lang)
