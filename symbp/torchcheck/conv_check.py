"""The independent check of a convolutional network's numbers: torch autograd on nn.Conv2d,
MaxPool2d, AvgPool2d, Flatten and Linear (conv_model.py, usually in a worker process) for every
parameter and input gradient, and central differences of torch's forward pass."""

from __future__ import annotations

import math
from dataclasses import dataclass

from symbp.core.conv import ConvNumbers
from symbp.torchcheck.conv_model import MAX_DIFFERENCES, STEP, ConvTorchAnswer
from symbp.torchcheck.results import FD_ROUNDING, FiniteDifferenceCheck

#: torch float64 against symbp's float64 sweep: both sum the same products in other orders
TORCH_TOLERANCE = 1e-10
FLOAT32_TOLERANCE = 1e-4
#: central differences (step 1e-6) against the sweep
DIFFERENCE_TOLERANCE = 1e-6
#: why a central difference was not compared (symbp is then held to torch alone): its step
#: straddles a kink, or the step is below the loss's resolution (weights of ±1e6 make L ≈ 1e36,
#: whose two evaluations a step of 1e-6 cannot tell apart: the difference is rounding)
AT_KINK, BELOW_RESOLUTION = "kink", "rounding"


@dataclass(frozen=True)
class ConvCheck:
    """symbp's gradients beside torch's and the central differences, by name."""

    dtype: str
    version: str
    loss: float
    loss_torch: float
    #: every parameter: (name, symbp, torch)
    parameters: tuple[tuple[str, float, float], ...]
    #: every pixel of every sample: (name, symbp, torch)
    inputs: tuple[tuple[str, float, float], ...]
    #: the parameters central differences were taken for: (name, symbp, difference, why it was
    #: not applicable: "" when it was compared, AT_KINK or BELOW_RESOLUTION)
    differences: tuple[tuple[str, float, float, str], ...]
    tolerance: float

    def _close(self, value: float, reference: float, tolerance: float) -> bool:
        if math.isnan(value) and math.isnan(reference):
            return True
        return abs(value - reference) <= tolerance * max(1.0, abs(reference))

    @property
    def torch_error(self) -> float:
        """The largest |symbp − torch| over every gradient."""
        return max((abs(a - b) for _, a, b in self.parameters + self.inputs), default=0.0)

    @property
    def difference_error(self) -> float:
        return max((abs(a - b) for _, a, b, why in self.differences if not why), default=0.0)

    @property
    def kinks(self) -> int:
        return sum(1 for *_, why in self.differences if why == AT_KINK)

    @property
    def below_resolution(self) -> int:
        """How many central differences were lost to the loss's rounding (not compared)."""
        return sum(1 for *_, why in self.differences if why == BELOW_RESOLUTION)

    @property
    def passed(self) -> bool:
        if not self._close(self.loss, self.loss_torch, self.tolerance):
            return False
        if not all(self._close(a, b, self.tolerance) for _, a, b in self.parameters + self.inputs):
            return False
        return all(
            why or self._close(a, b, DIFFERENCE_TOLERANCE) for _, a, b, why in self.differences
        )


def conv_check(numbers: ConvNumbers, answer: ConvTorchAnswer, dtype: str = "float64") -> ConvCheck:
    """Compare symbp's numbers with torch's answer for the same spec."""
    ours = numbers.parameter_gradients
    parameters = tuple(
        (name, value, reference)
        for (name, value), reference in zip(ours.items(), answer.parameter_gradients, strict=True)
    )
    inputs = []
    for sample, reference_sample in enumerate(answer.input_gradients):
        pixels = numbers.input_gradients(sample)
        inputs += [
            (name, value, reference)
            for (name, value), reference in zip(pixels.items(), reference_sample, strict=True)
        ]
    names = list(ours)
    tolerance = TORCH_TOLERANCE if dtype == "float64" else FLOAT32_TOLERANCE
    torch_of = dict(zip(names, answer.parameter_gradients, strict=True))
    differences = []
    near = _near_kink(numbers)
    for position, difference in answer.differences:
        name = names[position]
        value = ours[name]
        disagree = abs(value - difference) > DIFFERENCE_TOLERANCE * max(1.0, abs(difference))
        why = ""
        if disagree and near:
            why = AT_KINK
        elif disagree and _lost_to_rounding(numbers, name, value, difference):
            same = abs(value - torch_of[name]) <= tolerance * max(1.0, abs(torch_of[name]))
            why = BELOW_RESOLUTION if same else ""
        differences.append((name, value, difference, why))
    return ConvCheck(
        dtype,
        answer.version,
        numbers.loss,
        answer.loss,
        parameters,
        tuple(inputs),
        tuple(differences),
        tolerance,
    )


def finite_differences_only(numbers: ConvNumbers) -> FiniteDifferenceCheck:
    """Without torch: symbp's parameter gradients against central differences of its own float
    forward pass, for the parameters the torch worker would take them for (every one up to
    MAX_DIFFERENCES, else that many spread evenly); near a kink, or below the loss's resolution,
    a disagreement is not counted, as in conv_check."""
    net = numbers.net
    names = list(net.parameters)
    count = len(names)
    spread = {round(k * (count - 1) / (MAX_DIFFERENCES - 1)) for k in range(MAX_DIFFERENCES)}
    chosen = range(count) if count <= MAX_DIFFERENCES else sorted(spread)
    near = _near_kink(numbers)
    agrees, largest = True, 0.0
    for position in chosen:
        name = names[position]
        original = net.leaf_values[net.parameters[name]]
        step = STEP * max(1.0, abs(original))
        up = net.evaluate({name: original + step}).loss
        down = net.evaluate({name: original - step}).loss
        difference = (up - down) / (2 * step)
        value = numbers.parameter_gradients[name]
        error = abs(value - difference)
        if error <= DIFFERENCE_TOLERANCE * max(1.0, abs(difference)):
            largest = max(largest, error)
        elif not near and not _lost_to_rounding(numbers, name, value, difference):
            agrees, largest = False, max(largest, error)
    return FiniteDifferenceCheck(agrees, largest)


def _lost_to_rounding(numbers: ConvNumbers, name: str, value: float, difference: float) -> bool:
    """Whether |symbp − difference| is within the rounding bound of a central difference at
    this loss, FD_ROUNDING · max(1, |L|) for the step 1e-6 (the dense check's bound), scaled
    down as the worker's step grows with the parameter, 1e-6 · max(1, |p|)."""
    parameter = numbers.net.leaf_values[numbers.net.parameters[name]]
    bound = FD_ROUNDING * max(1.0, abs(numbers.loss)) / max(1.0, abs(parameter))
    return abs(value - difference) <= bound


#: how near a kink a value must be for a central difference to be allowed to straddle it
KINK_WIDTH = 1e-4


def _near_kink(numbers: ConvNumbers) -> bool:
    """Whether some value sits within KINK_WIDTH of a kink: the pre-activation of an activation
    with a kink at 0 (relu), or the two largest entries of a max window (a near tie)."""
    from symbp.core.operations import ACTIVATION_NAMES, MAX, activation_info

    net = numbers.net
    for node in net.graph.nodes.values():
        kinked = node.op in ACTIVATION_NAMES and activation_info(node.op).kink and node.inputs
        if kinked and abs(numbers.value(node.inputs[0])) < KINK_WIDTH:
            return True
    for symbol, window in net.windows.items():
        if net.graph.nodes[symbol].op != MAX.name:
            continue
        ranked = sorted((numbers.value(s) for s in window), reverse=True)
        if len(ranked) > 1 and ranked[0] - ranked[1] < KINK_WIDTH:
            return True
    return False
