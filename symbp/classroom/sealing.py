"""Sealing what a self-check page must carry but must not show: the catalogue's values.

The page holds no answer. It holds the exercise's given numbers and each quantity's local formula
(what the worksheet asks the student to work), and computes what it needs when the student
presses the button. The catalogue's values of this variant (what each classic mistake gives)
are sealed with a key derived from the true answers themselves: opening them takes the exercise's
arithmetic, done (by the page, or by the student) before the seal opens.

The seal is small and uses only what both Python's standard library and a browser's WebCrypto
have: the key is PBKDF2-HMAC-SHA256 of the answers' canonical text (each to 7 significant
digits) with a per-page salt and many iterations; the plaintext is XORed with SHA-256(key ‖
block number) blocks and starts with a marker, so a wrong key is noticed. It keeps the values
from View Source and from copying; it does not keep them from a student who programs the
exercise's arithmetic (that is the arithmetic the exercise asks for).
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Iterable

#: PBKDF2 iterations: about 0.1 s in Python and in a browser (measured in the tests)
ITERATIONS = 200_000
#: what a sealed text starts with once opened (a wrong key gives bytes that do not)
MARKER = "symbp-sealed:"
#: the answers' digits the key is made of: far more than any student writes, few enough that
#: the page's float64 arithmetic (a last-bit difference from numpy's) rounds them alike
SIGNIFICANT_DIGITS = 7


def canonical(value: float) -> str:
    """A value as the page writes it too: JavaScript's toExponential(6) ("5.932700e-1")."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    value = value + 0.0  # −0 as 0, as JavaScript writes it
    mantissa, exponent = f"{value:.{SIGNIFICANT_DIGITS - 1}e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def password(values: Iterable[float]) -> str:
    """The key's source: the answers in the page's quantity order, joined."""
    return ";".join(canonical(v) for v in values)


def page_salt(*parts: str) -> bytes:
    """A salt of 16 bytes fixed by what identifies the page (the same page, the same bytes)."""
    return hashlib.sha256("\x1f".join(("symbp-selfcheck", *parts)).encode("utf-8")).digest()[:16]


def _keystream_xor(key: bytes, data: bytes) -> bytes:
    out = bytearray(len(data))
    for block in range(0, len(data), 32):
        pad = hashlib.sha256(key + (block // 32).to_bytes(4, "big")).digest()
        chunk = data[block : block + 32]
        out[block : block + len(chunk)] = bytes(a ^ b for a, b in zip(chunk, pad, strict=False))
    return bytes(out)


def derive_key(secret: str, salt: bytes, iterations: int = ITERATIONS) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, iterations, 32)


def seal(text: str, secret: str, salt: bytes, iterations: int = ITERATIONS) -> str:
    """`text` sealed under `secret` (base64)."""
    key = derive_key(secret, salt, iterations)
    sealed = _keystream_xor(key, (MARKER + text).encode("utf-8"))
    return base64.b64encode(sealed).decode("ascii")


def unseal(sealed: str, secret: str, salt: bytes, iterations: int = ITERATIONS) -> str | None:
    """The sealed text, or None when `secret` is not the one it was sealed under."""
    key = derive_key(secret, salt, iterations)
    raw = _keystream_xor(key, base64.b64decode(sealed))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text[len(MARKER) :] if text.startswith(MARKER) else None
