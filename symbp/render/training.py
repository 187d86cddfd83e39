"""A training run as a table (text or CSV), as JSON, and as a loss-curve plot."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from symbp.errors import SymbpError
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
    writer.writerow(("step", "loss", *run.names))
    for step in run.steps:
        writer.writerow((step.step, repr(step.loss), *(repr(p) for p in step.parameters)))
    return buffer.getvalue()


def render_json(run: TrainingRun, title: str) -> str:
    document = {
        "title": title,
        "learning_rate": run.learning_rate,
        "parameters": list(run.names),
        "steps": [
            {
                "step": step.step,
                "loss": step.loss,
                "parameters": list(step.parameters),
                "gradients": list(step.gradients),
            }
            for step in run.steps
        ],
    }
    from symbp.render.json import _strict  # a diverging run's inf and nan become null

    return json.dumps(_strict(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


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
