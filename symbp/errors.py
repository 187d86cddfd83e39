"""symbp's own exceptions: every one of them is a problem with the user's input.

The CLI turns a SymbpError into one line on stderr and exit status 2; anything else is a bug.
"""

from __future__ import annotations

from symbp.near import did_you_mean


def one_line(message: str) -> str:
    """A message as one terminal line: control characters that a path or a name typed by a
    user may carry (a newline, ESC starting a colour sequence) written as escapes."""
    return "".join(
        char if char.isprintable() or char == " " else repr(char)[1:-1] for char in message
    )


class SymbpError(Exception):
    """Base class: the input could not be used, for the reason in the message."""


class SpecError(SymbpError):
    """A network description that does not parse or does not make sense."""


def listed(names: tuple[str, ...], most: int = 12) -> str:
    """Names joined by commas, the first `most` of a longer list and how many more."""
    if len(names) <= most:
        return ", ".join(names)
    return ", ".join(names[:most]) + f" and {len(names) - most} more"


class UnknownWeightError(SymbpError):
    """A weight name that the network does not have (with `units`: nor a unit of that name)."""

    def __init__(self, name: str, valid: tuple[str, ...], units: tuple[str, ...] = ()) -> None:
        near = did_you_mean(name, valid + units)
        if units:
            said = (
                f"unknown weight or unit {name!r}{near}; this network has {len(valid)} weights "
                f"and biases: {listed(valid)}; and {len(units)} units: {listed(units)}"
            )
        else:
            said = f"unknown weight {name!r}{near}; this network has {len(valid)}: {listed(valid)}"
        super().__init__(said)
        self.name = name
        self.valid = valid + units


class UnknownUnitError(SymbpError):
    """A unit name (x1, h1, o1) that the network does not have."""

    def __init__(self, name: str, valid: tuple[str, ...]) -> None:
        super().__init__(
            f"unknown unit {name!r}{did_you_mean(name, valid)}; "
            f"this network has {len(valid)}: {listed(valid)}"
        )
        self.name = name
        self.valid = valid


class HandInputError(SymbpError):
    """A hand-calculation file that cannot be read or names a quantity the network lacks."""


class FormulaError(HandInputError):
    """A formula in a hand calculation that symbp refuses to read (syntax, names or size)."""
