"""Optimizer rounds on a convolutional or recurrent network, as dense train does them.

Each network's graph is built and swept once; every round evaluates the loss and every
parameter's gradient at the round's parameters (the same float64 numbers derive prints at the
spec's), and core.train.run_updates applies the optimizer of core.optim, the rule dense step
and train use, to them.
"""

from __future__ import annotations

from collections.abc import Callable

from symbp.core.conv_spec import ConvSpec
from symbp.core.rnn_spec import RnnSpec
from symbp.core.spec import OptimizerSpec
from symbp.core.train import TrainingRun, run_updates

Objective = Callable[[tuple[float, ...]], tuple[float, tuple[float, ...]]]


def objective(spec: ConvSpec | RnnSpec) -> tuple[tuple[str, ...], tuple[float, ...], Objective]:
    """The parameters' names and starting values, and their loss and gradients at any values."""
    if isinstance(spec, ConvSpec):
        from symbp.core.conv import ConvNet

        net = ConvNet(spec)
        names = net.parameter_names
        start = tuple(net.leaf_values[net.parameters[name]] for name in names)

        def conv_loss(parameters: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
            numbers = net.evaluate(dict(zip(names, parameters, strict=True)))
            gradients = numbers.parameter_gradients
            return numbers.loss, tuple(gradients[name] for name in names)

        return names, start, conv_loss
    from symbp.core.rnn import build_rnn, rnn_evaluator

    model = build_rnn(spec)
    names = tuple(model.parameters)
    start = tuple(model.leaf_values[model.parameters[name]] for name in names)
    evaluate = rnn_evaluator(model)

    def rnn_loss(parameters: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
        loss, gradients = evaluate(dict(zip(names, parameters, strict=True)))
        return loss, tuple(gradients[name] for name in names)

    return names, start, rnn_loss


def fit(
    spec: ConvSpec | RnnSpec, steps: int, learning_rate: float, optimizer: OptimizerSpec
) -> TrainingRun:
    """`steps` rounds of `optimizer` on every parameter of a convolutional or recurrent net."""
    names, start, loss_and_gradients = objective(spec)
    return run_updates(names, start, loss_and_gradients, steps, learning_rate, optimizer)
