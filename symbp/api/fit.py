"""step and train for a convolutional or recurrent network: the spec's optimizer (or one
given) on every parameter, as torch.optim does it; the result is the dense run's Training."""

from __future__ import annotations

from pathlib import Path

from symbp import arguments
from symbp.api.results import Training
from symbp.core.spec import OptimizerSpec, check_learning_rate, parse_optimizer
from symbp.errors import SymbpError


def fit_spec(
    path: str | Path,
    steps: int | None = None,
    learning_rate: float | None = None,
    optimizer: OptimizerSpec | str | dict[str, object] | None = None,
) -> Training:
    """`steps` updates (the spec's `steps` by default) of a convolutional or recurrent
    network's spec file by its optimizer and learning rate unless given."""
    from symbp.core.conv_spec import is_conv_data, load_conv_spec
    from symbp.core.fit import fit
    from symbp.core.rnn_spec import load_rnn_spec, read_spec_data
    from symbp.core.training_keys import read_training_keys

    arguments.keyword_table(optimizer, "optimizer")
    data = read_spec_data(path)
    if data is None:
        raise SymbpError(f"{path}: not a convolutional or recurrent network's spec")
    spec = load_conv_spec(path) if is_conv_data(data) else load_rnn_spec(path)
    if spec is None:
        raise SymbpError(f"{path}: not a convolutional or recurrent network's spec")
    keys = read_training_keys(data, str(path))
    if optimizer is None:
        chosen = keys.optimizer
    else:
        chosen = optimizer if isinstance(optimizer, OptimizerSpec) else parse_optimizer(optimizer)
    given = keys.learning_rate if learning_rate is None else learning_rate
    rate = check_learning_rate(given, "the learning rate (--lr)")
    count = keys.steps if steps is None else arguments.whole(steps, "steps")
    run = fit(spec, count, rate, chosen)
    weight_init = getattr(spec, "weight_init", "given")
    return Training(run, spec.title, weight_init)
