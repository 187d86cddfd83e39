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


class UnknownWeightError(SymbpError):
    """A weight name that the network does not have."""

    def __init__(self, name: str, valid: tuple[str, ...]) -> None:
        shown = ", ".join(valid) if len(valid) <= 12 else ", ".join(valid[:12]) + ", ..."
        super().__init__(
            f"unknown weight {name!r}{did_you_mean(name, valid)}; "
            f"this network has {len(valid)}: {shown}"
        )
        self.name = name
        self.valid = valid


class UnknownUnitError(SymbpError):
    """A unit name (x1, h1, o1) that the network does not have."""

    def __init__(self, name: str, valid: tuple[str, ...]) -> None:
        shown = ", ".join(valid) if len(valid) <= 12 else ", ".join(valid[:12]) + ", ..."
        super().__init__(
            f"unknown unit {name!r}{did_you_mean(name, valid)}; "
            f"this network has {len(valid)}: {shown}"
        )
        self.name = name
        self.valid = valid


class HandInputError(SymbpError):
    """A hand-calculation file that cannot be read or names a quantity the network lacks."""


class FormulaError(HandInputError):
    """A formula in a hand calculation that symbp refuses to read (syntax, names or size)."""
