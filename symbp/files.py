"""Writing output files atomically: a reader sees the old file or the whole new one, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from symbp.errors import SymbpError


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
