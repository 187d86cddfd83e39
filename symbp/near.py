"""Near misses: a name typed in another case, or one a typo away from a known name.

Light on purpose: spec.py uses it, and reading a spec imports nothing heavy (difflib is
imported only on the error path).
"""

from __future__ import annotations

from collections.abc import Iterable


def resolve(name: str, known: Iterable[str]) -> str | None:
    """The known name `name` means: itself, else the one known name equal to it but for case
    (`W1` for `w1`, as check-hand reads names); None when there is none or several."""
    names = list(known)
    if name in names:
        return name
    folded = [n for n in names if n.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to `name` (by case, then by spelling), or None."""
    import difflib  # only on an error path: reading a spec must start fast

    by_fold = {n.casefold(): n for n in known}
    close = difflib.get_close_matches(name.casefold(), list(by_fold), n=1, cutoff=0.6)
    return by_fold[close[0]] if close else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest known name, or "" when none is close."""
    near = closest(name, known)
    return f" (did you mean {near!r}?)" if near is not None else ""
