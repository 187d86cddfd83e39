"""The names a spec may use for activations and losses, without their sympy definitions.

spec.py validates names against these tuples so that reading a spec never imports sympy: the
torch worker reads the spec in a process that must start as fast as `import torch` allows.
functions.py defines one activation or loss per name (a test keeps the two in step).
"""

from __future__ import annotations

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax")
LOSS_NAMES = ("half_sse", "sse", "mse_mean", "bce", "cross_entropy", "output")
