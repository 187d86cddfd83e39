"""A training run as CSV: one row per step, every number at full precision (repr)."""

from __future__ import annotations

import csv
import io

from symbp.train import TrainingRun


def training_csv(run: TrainingRun) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("step", "loss", *run.names))
    for step in run.steps:
        writer.writerow((step.step, repr(step.loss), *(repr(p) for p in step.parameters)))
    return buffer.getvalue()
