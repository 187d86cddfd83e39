"""Files in and out: small input files read with a size limit, output files written atomically
(a reader sees the old file or the whole new one, never half)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from symbp.errors import SymbpError


def read_small_text(path: Path, max_bytes: int, error: type[SymbpError], label: str) -> str:
    """A UTF-8 text file of at most `max_bytes`, or `error` with one line naming `label`."""
    try:
        size = path.stat().st_size
    except OSError as problem:
        raise error(f"cannot read {label}: {problem.strerror}") from None
    if size > max_bytes:
        raise error(f"{label} is larger than {max_bytes} bytes")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"cannot read {label}: {problem}") from None


def write_atomic(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` via a temporary file in the same directory and os.replace.

    On any error the temporary file is removed and `path` is left as it was.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        data = text.encode("utf-8")
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
    except UnicodeEncodeError as error:
        raise SymbpError(f"cannot write {str(target)!r}: {error.reason}") from None
    except OSError as error:
        raise SymbpError(f"cannot write {str(target)!r}: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise SymbpError(f"cannot write {str(target)!r}: {error.strerror or error}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
