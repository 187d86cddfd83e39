"""Files in and out: every input file read through one bounded reader, output files written
atomically (a reader sees the old file or the whole new one, never half).

The reader opens regular files only (a device such as /dev/zero, a FIFO or a directory would
never end or block), reads at most the limit plus one byte whatever the file claims its size
is, and decodes what students' editors save: UTF-8 with or without a byte-order mark, and
UTF-16 or UTF-32 with one (Windows Notepad's "Unicode").
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path

from symbp.errors import SymbpError

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def read_bounded_bytes(path: Path, max_bytes: int, error: type[SymbpError], label: str) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, or `error` with one line."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as problem:
        raise error(f"cannot read {label}: {problem.strerror or problem}") from None
    except ValueError:  # a NUL character in the path
        raise error(f"cannot read {label}: its name holds a NUL character") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
            raise error(f"cannot read {label}: it is {kind}, not a regular file")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as problem:
        raise error(f"cannot read {label}: {problem.strerror or problem}") from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise error(f"{label} is larger than {max_bytes} bytes")
    return data


def decode_text(data: bytes, error: type[SymbpError], label: str) -> str:
    """Text from a file's bytes: UTF-8 (a byte-order mark is dropped), or UTF-16/32 with one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                name = encoding.split("-")[0].upper() + "-" + encoding.split("-")[1]
                raise error(
                    f"{label} starts like {name} text but is not valid {name}: save it as UTF-8"
                ) from None
    if b"\x00" in data:
        if _looks_like_utf16(data):
            raise error(f"{label} is UTF-16 without a byte-order mark: save it as UTF-8")
        raise error(f"{label} is a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(
            f"{label} is not UTF-8 text (byte {data[problem.start]:#04x} at offset "
            f"{problem.start}): save it as UTF-8"
        ) from None


def _looks_like_utf16(data: bytes) -> bool:
    """Most of the even (or odd) bytes are zero: ASCII text saved as UTF-16."""
    sample = data[:4096]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.4


def read_small_text(path: Path, max_bytes: int, error: type[SymbpError], label: str) -> str:
    """A text file of at most `max_bytes` (UTF-8, UTF-16 or UTF-32), or `error` naming `label`."""
    return decode_text(read_bounded_bytes(path, max_bytes, error, label), error, label)


#: the temporary files of write_atomic: .<name>.symbp-<pid>-<random>.tmp, and the folders of
#: an exercise being written (the same) or being replaced (.<name>.symbp-old-<pid>-<random>)
_TEMPORARY = re.compile(r"\.symbp-(?:old-)?(\d+)-[0-9a-f]+(?:\.tmp)?$")
#: bytes of the target's name kept in a temporary file's name (a name may have up to 255)
_NAME_BYTES = 80


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write `content` (text as UTF-8, or bytes) to `path` via a temporary file in the same
    directory and os.replace.

    On any error the temporary file is removed and `path` is left as it was. A symbolic link
    keeps pointing where it did (the file it points to is replaced); an existing file keeps its
    permissions, a new one gets the umask's. Temporary files that an interrupted earlier write
    (a killed process) left beside the target are removed first. A target that exists and is not
    a regular file is never renamed over: a device or FIFO (-o /dev/null, -o /dev/stdout into a
    pipe) is written to directly, a folder or socket is refused.
    """
    staged = stage_file(path, content)
    staged.commit()


class StagedFile:
    """A file written beside its target but not yet in place: commit() renames it over the
    target (or writes a device or FIFO), discard() removes it. What write_atomic does in two
    halves, so that a caller can make a file part of a larger transaction."""

    def __init__(self, link: Path, target: Path, data: bytes, temporary: Path | None) -> None:
        self.link, self.target, self.data, self.temporary = link, target, data, temporary

    def commit(self) -> None:
        if self.temporary is None:  # a device or FIFO, written to when staged
            return
        try:
            os.replace(self.temporary, self.target)
        except OSError as error:
            self.discard()
            raise SymbpError(f"cannot write {show_path(self.link)}: {_reason(error)}") from None
        self.temporary = None

    def discard(self) -> None:
        if self.temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temporary)
            self.temporary = None


def stage_file(path: str | Path, content: str | bytes) -> StagedFile:
    """The first half of write_atomic: `content` written and synced to a temporary file beside
    `path` (a device or FIFO, which cannot be replaced, is written to at once)."""
    link = Path(path)
    if isinstance(content, str):
        try:
            data = content.encode("utf-8")
        except UnicodeEncodeError as error:
            raise SymbpError(f"cannot write {show_path(link)}: {error.reason}") from None
    else:
        data = content
    check_name_length(link)
    try:
        mode: int | None = os.stat(link).st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
            _write_special(link, data)
            return StagedFile(link, link, data, None)
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise SymbpError(f"cannot write {show_path(link)}: it is {kind}")
    target = Path(os.path.realpath(link)) if link.is_symlink() else link
    directory = target.parent if str(target.parent) else Path(".")
    prefix = temporary_prefix(target.name)
    remove_stale_temporaries(directory, prefix)
    # os.urandom rather than secrets, whose import (hmac, hashlib) costs check-hand's start-up
    temporary = directory / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise SymbpError(f"cannot write {show_path(link)}: {_reason(error)}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            with contextlib.suppress(OSError):
                os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
            os.fsync(handle.fileno())
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise SymbpError(f"cannot write {show_path(link)}: {_reason(error)}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return StagedFile(link, target, data, temporary)


def _write_special(path: Path, data: bytes) -> None:
    """Write to a character device or a FIFO in place (renaming over one would replace it)."""
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENXIO:  # a FIFO nobody reads: waiting would hang
            raise SymbpError(f"cannot write {show_path(path)}: no process reads it") from None
        raise SymbpError(f"cannot write {show_path(path)}: {_reason(error)}") from None
    try:
        os.set_blocking(descriptor, True)
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    except OSError as error:
        raise SymbpError(f"cannot write {show_path(path)}: {_reason(error)}") from None
    finally:
        os.close(descriptor)


def _reason(error: OSError) -> str:
    if error.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return error.strerror or str(error)


#: the longest name of one file or folder on Linux, macOS and Windows (in bytes or units)
MAX_NAME_BYTES = 255


def check_name_length(path: str | Path) -> None:
    """SymbpError when a part of `path` is longer than a file system takes (255 bytes)."""
    for part in Path(path).parts:
        if len(os.fsencode(part)) > MAX_NAME_BYTES:
            raise SymbpError(
                f"cannot write {show_path(path)}: a name in it is longer than "
                f"{MAX_NAME_BYTES} bytes"
            )


def show_path(path: str | Path) -> str:
    """A path quoted for a one-line message: control characters (a newline, ESC) escaped."""
    return repr(str(path))


def temporary_prefix(name: str) -> str:
    """`.name.symbp-`, the name cut to _NAME_BYTES bytes so that the whole stays under 255."""
    encoded = os.fsencode(name)[:_NAME_BYTES]
    return f".{os.fsdecode(encoded.decode('utf-8', 'ignore').encode('utf-8'))}.symbp-"


def remove_stale_temporaries(directory: Path, prefix: str) -> None:
    """Delete the temporary files and folders starting with `prefix` in `directory` whose
    writing process no longer exists (a write or an exercise folder killed half-way)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not name.startswith(prefix):
            continue
        match = _TEMPORARY.search(name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        stale = directory / name
        if stale.is_dir() and not stale.is_symlink():
            import shutil

            shutil.rmtree(stale, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(stale)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no permission to ask: leave its file alone
        return True
    return True
