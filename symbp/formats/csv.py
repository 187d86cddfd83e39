"""A training run as CSV: one row per step, every number at full precision (repr)."""

from __future__ import annotations

import csv
import io

from symbp.train import TrainingRun


def training_csv(run: TrainingRun) -> str:
    """step, loss, every parameter, then the optimizer's state before the step (b_w1, m_w1,
    v_w1, …; empty where it does not exist yet, as SGD's buffer before the first update)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = run.state_keys
    state_columns = [f"{key}_{name}" for key in keys for name in run.names]
    writer.writerow(("step", "loss", *run.names, *state_columns))
    for step in run.steps:
        state: list[str] = []
        for key in keys:
            values = step.state.buffer(key)
            state += [""] * len(run.names) if values is None else [repr(v) for v in values]
        writer.writerow((step.step, repr(step.loss), *(repr(p) for p in step.parameters), *state))
    return buffer.getvalue()
