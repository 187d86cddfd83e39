"""A training run's loss curve as a picture (matplotlib, imported only when drawing)."""

from __future__ import annotations

import io
from pathlib import Path

from symbp.content.numbers import given
from symbp.core.train import TrainingRun
from symbp.errors import SymbpError
from symbp.files import write_atomic

PLOT_SUFFIXES = (".png", ".svg")


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
            # a $ would start matplotlib's mathtext (and fail on an odd count): text is data
            shown = title.replace("\\", "\\\\").replace("$", r"\$")
            axes.set_title(f"{shown} (η = {given(run.learning_rate)})")
            axes.grid(True, alpha=0.3)
            figure.tight_layout()
            metadata = {"Date": None} if path.suffix.lower() == ".svg" else {"Software": None}
            # drawn in memory, then written atomically: an earlier plot stays whole if the
            # disk is full, and a device or FIFO named by --plot is written, never replaced
            picture = io.BytesIO()
            figure.savefig(picture, format=path.suffix.lower()[1:], metadata=metadata)
            write_atomic(path, picture.getvalue())
        finally:
            plt.close(figure)
