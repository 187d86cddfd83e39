"""A training run as a table (text or CSV), as JSON, and as a loss-curve plot."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from symbp.errors import SymbpError
from symbp.optim import OptimizerState
from symbp.render.printers import format_number
from symbp.train import TrainingRun

PLOT_SUFFIXES = (".png", ".svg")


def _value(value: float) -> str:
    return f"{value:.10f}" if abs(value) >= 1e-6 or value == 0 else f"{value:.6e}"


def render_text(run: TrainingRun, title: str, initial: str = "given") -> str:
    """One row per step: the loss and every parameter before that step's update."""
    header = ("step", "loss", *run.names)
    rows = [header]
    for step in run.steps:
        rows.append((str(step.step), _value(step.loss), *(_value(p) for p in step.parameters)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    count = len(run.steps) - 1
    lines = [
        f"{title}: {count} gradient-descent step{'s' if count != 1 else ''}, "
        f"learning rate η = {format_number(run.learning_rate)}",
        "",
    ]
    if run.rule is not None and not run.rule.optimizer.is_plain_sgd:
        # the table keeps the parameters; the optimizer's state is in --format json or csv
        lines[0] = f"{title}: {count} update{'s' if count != 1 else ''} by {run.rule.description}"
    if initial != "given":
        lines += [f"Initial weights: {initial}.", ""]
    for row in rows:
        lines.append("  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)))
    lines += [
        "",
        f"loss {_value(run.losses[0])} → {_value(run.losses[-1])} "
        f"(row {count} is after the last update)",
    ]
    return "\n".join(lines) + "\n"


def render_csv(run: TrainingRun) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = run.state_keys
    # the optimizer's state before each update (after the previous one): b_w1, m_w1, v_w1, …
    state_columns = [f"{key}_{name}" for key in keys for name in run.names]
    writer.writerow(("step", "loss", *run.names, *state_columns))
    for step in run.steps:
        state = []
        for values in _state(step.state, keys).values():
            state += [""] * len(run.names) if values is None else [repr(v) for v in values]
        writer.writerow((step.step, repr(step.loss), *(repr(p) for p in step.parameters), *state))
    return buffer.getvalue()


def render_json(run: TrainingRun, title: str) -> str:
    from symbp.render.values import optimizer_document

    document: dict[str, Any] = {
        "title": title,
        "learning_rate": run.learning_rate,
        "parameters": list(run.names),
        "steps": [
            {
                "step": step.step,
                "loss": step.loss,
                "parameters": list(step.parameters),
                "gradients": list(step.gradients),
                # the optimizer's state before this update (after the previous one)
                "state": _state(step.state, run.state_keys),
            }
            for step in run.steps
        ],
    }
    if run.rule is not None:
        document["optimizer"] = optimizer_document(run.rule)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _state(state: OptimizerState, keys: tuple[str, ...]) -> dict[str, list[float] | None]:
    """The optimizer's state by key; None where it does not exist yet (SGD's buffer)."""
    found: dict[str, list[float] | None] = {}
    for key in keys:
        buffer = state.buffer(key)
        found[key] = None if buffer is None else list(buffer)
    return found


def plot_loss_curve(run: TrainingRun, title: str, path: str | Path) -> None:
    """Draw the loss per step to a .png or .svg file (matplotlib, imported only here)."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise SymbpError(f"--plot file {str(path)!r} must end in .png or .svg")
    try:
        import matplotlib
    except ImportError:
        raise SymbpError("--plot needs matplotlib (pip install matplotlib)") from None

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    # the same run gives the same bytes: no date, fixed ids in SVG
    with matplotlib.rc_context({"svg.hashsalt": "symbp", "svg.fonttype": "path"}):
        figure, axes = plt.subplots(figsize=(6, 4))
        try:
            axes.plot(
                range(len(run.losses)), run.losses, marker="o" if len(run.losses) <= 50 else ""
            )
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_xlabel("step")
            axes.set_ylabel("loss L")
            axes.set_title(f"{title} (η = {format_number(run.learning_rate)})")
            axes.grid(True, alpha=0.3)
            figure.tight_layout()
            metadata = {"Date": None} if path.suffix.lower() == ".svg" else {"Software": None}
            try:
                figure.savefig(path, metadata=metadata)
            except OSError as error:
                raise SymbpError(f"cannot write {str(path)!r}: {error.strerror}") from None
        finally:
            plt.close(figure)
