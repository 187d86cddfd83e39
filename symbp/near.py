"""Near misses: a name typed in another case, or one a typo away from a known name.

Light on purpose: spec.py uses it, and reading a spec imports nothing heavy (difflib is
imported only on the error path).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: a gradient written as check-hand reads it, dL/dw1 or ∂L/∂w1: the name is what follows
_GRADIENT = re.compile(r"^\s*[d∂]\s*L\s*/\s*[d∂]\s*(?P<name>\S.*?)\s*$")
#: letters typed for the digits they look like (wl for w1, hO for h0), after a name's first
#: letter: a suggestion only, never read silently
_LOOKALIKE = str.maketrans({"l": "1", "I": "1", "O": "0", "o": "0"})


def resolve(name: str, known: Iterable[str]) -> str | None:
    """The known name `name` means: itself, else the one known name equal to it but for case
    (`W1` for `w1`, as check-hand reads names), each also written as a gradient (`dL/dw1`,
    `∂L/∂W1`); None when there is none or several."""
    names = list(known)
    gradient = _GRADIENT.match(name)
    for reading in (name, *([gradient.group("name")] if gradient else [])):
        if reading in names:
            return reading
        folded = [n for n in names if n.casefold() == reading.casefold()]
        if len(folded) == 1:
            return folded[0]
    return None


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to `name` (by case, by a letter typed for a digit, then by
    spelling), or None."""
    import difflib  # only on an error path: reading a spec must start fast

    by_fold = {n.casefold(): n for n in known}
    lookalike = (name[:1] + name[1:].translate(_LOOKALIKE)).casefold()
    if lookalike in by_fold:
        return by_fold[lookalike]
    close = difflib.get_close_matches(name.casefold(), list(by_fold), n=1, cutoff=0.6)
    return by_fold[close[0]] if close else None


def same_family(name: str, known: Iterable[str]) -> bool:
    """Whether `name` is a letter stem and a number like some known name (h3 beside h1, h2)."""
    stem = re.fullmatch(r"([^\W\d_]+)_?\d+", name.strip())
    if stem is None:
        return False
    stems = {re.sub(r"_?\d+$", "", n).casefold() for n in known}
    return stem.group(1).casefold() in stems


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest known name, or "" when none is close."""
    near = closest(name, known)
    return f" (did you mean {near!r}?)" if near is not None else ""
