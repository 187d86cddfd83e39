"""symbp: backpropagation derived symbolically, every step shown, every number checked."""

from __future__ import annotations

__version__ = "0.1.0"
