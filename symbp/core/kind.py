"""Which kind of model a spec file holds, read once and without sympy.

The CLI asks this before it loads anything heavy, so that torch's worker can start first:

- `circuit`: a .toml spec holding `expression` (a typed computational graph);
- `conv`: `layers` begins with a list, the input shape [C, H, W];
- `rnn`: a table in `layers` holds the key `rnn`;
- `dense`: anything else, including a file that cannot be read: the dense network's reader
  then says what is wrong with it.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from symbp.core.conv_spec import is_conv_data
from symbp.core.rnn_spec import is_rnn_data
from symbp.core.spec import MAX_SPEC_BYTES
from symbp.errors import SymbpError
from symbp.files import read_small_text

Kind = Literal["dense", "circuit", "conv", "rnn"]


def spec_kind(path: str | Path | None) -> Kind:
    """The kind of model in a spec file (None, the built-in example, is a dense network)."""
    data = _spec_data(path) if path is not None else None
    if data is None:
        return "dense"
    if "expression" in data and Path(path or "").suffix.lower() == ".toml":
        return "circuit"
    if is_conv_data(data):
        return "conv"
    if is_rnn_data(data):
        return "rnn"
    return "dense"


def _spec_data(path: str | Path) -> dict[str, Any] | None:
    """A .toml or .json spec's document, or None when it cannot be read as one."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        return None
    try:
        text = read_small_text(path, MAX_SPEC_BYTES, SymbpError, "spec")
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (SymbpError, tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
