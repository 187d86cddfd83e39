"""The one bounded reader and the atomic writer (symbp/files.py)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from symbp.errors import HandInputError, SymbpError
from symbp.files import read_small_text, write_atomic


def read(path: Path, limit: int = 1000) -> str:
    return read_small_text(path, limit, HandInputError, "the file")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),  # Notepad's "UTF-8 with BOM"
        ("utf-16", b""),  # Notepad's "Unicode": a byte-order mark, then UTF-16-LE
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32", b""),
    ],
)
def test_students_encodings_are_read(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "δ_o1 = 0.0616\nw1的梯度 = −0.0084\n"
    path = tmp_path / "hand.txt"
    path.write_bytes(prefix + text.encode(encoding))
    assert read(path) == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("x = 1\n".encode("utf-16-le"), "UTF-16 without a byte-order mark: save it as UTF-8"),
        (b"\xff\xfe" + b"\x00\xd8", "not valid UTF-16: save it as UTF-8"),  # a lone surrogate
        ("é = 1".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 0): save it as UTF-8"),
        (bytes(range(256)), "a binary file"),
    ],
)
def test_other_bytes_are_one_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "hand.txt"
    path.write_bytes(data)
    with pytest.raises(HandInputError, match=re.escape(message)):
        read(path)


def test_the_limit_holds_whatever_the_file_claims(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(HandInputError, match="larger than 1000 bytes"):
        read(path)
    path.write_bytes(b"x" * 1000)
    assert len(read(path)) == 1000
    for device in ("/dev/zero", "/dev/null"):  # st_size 0, endless or empty
        with pytest.raises(HandInputError, match="not a regular file"):
            read(Path(device))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(HandInputError, match="not a regular file"):
        read(fifo)  # no writer: opening it must not block


def test_write_atomic_keeps_an_existing_files_mode_and_follows_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "handout.html"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o600)
    link = tmp_path / "latest.html"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_write_atomic_gives_a_new_file_the_umasks_mode(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.md", "text")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o640


def test_write_atomic_takes_the_longest_names(tmp_path: Path) -> None:
    name = "h" * 250 + ".md"  # 253 bytes: a temporary name with a prefix and suffix would not fit
    write_atomic(tmp_path / name, "text")
    assert [p.name for p in tmp_path.iterdir()] == [name]
    wide = "梯" * 80 + ".md"  # 243 bytes in UTF-8
    write_atomic(tmp_path / wide, "text")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, wide])


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "handout.html"
    # a writer killed with SIGKILL between creating its temporary file and renaming it
    code = (
        "import os, signal, symbp.files as f\n"
        "os.replace = lambda a, b: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"f.write_atomic({str(target)!r}, 'half')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == -9
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".handout.html.symbp-"), left
    write_atomic(target, "whole")
    assert [p.name for p in tmp_path.iterdir()] == ["handout.html"]
    assert target.read_text(encoding="utf-8") == "whole"


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    live = tmp_path / f".handout.html.symbp-{os.getppid()}-0123abcd.tmp"
    live.write_text("being written", encoding="utf-8")
    write_atomic(tmp_path / "handout.html", "whole")
    assert live.exists()


def test_unwritable_target_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(SymbpError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "handout.html", "text")
