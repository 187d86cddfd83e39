"""Reading the class's CSV files (a roster, a submissions sheet): bounded, and every problem one
line naming the file, the row and the column.

Spreadsheets save CSV in several dialects, and all of them are read: UTF-8 with or without a
byte-order mark (Excel writes one), UTF-16 with one, commas, semicolons (the European default,
where the comma is the decimal separator) or tabs between cells, CRLF or LF line ends. The
separator is decided from the header row. Rows are numbered as a spreadsheet numbers them: the
header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from symbp.errors import SymbpError
from symbp.files import decode_text, read_bounded_bytes

#: a class's CSV file is small: 800 students of 60 answers is about 600 KB
MAX_CSV_BYTES = 2_000_000
MAX_ROWS = 5_000
MAX_COLUMNS = 500
MAX_CELL_CHARS = 200
#: what a student id may be: letters and digits of any script, '.', '_' and '-' (it names the
#: student's folder, so no '/' and no leading '.')
ID_PATTERN = re.compile(r"[^\W_][\w.-]{0,63}")
MAX_NAME_CHARS = 100
#: the id and name columns, as class lists name them (a registrar's export too)
ID_HEADERS = (
    "id",
    "student_id",
    "studentid",
    "student id",
    "student number",
    "student no",
    "student no.",
    "id number",
    "matriculation number",
    "matrikelnummer",
    "学号",
)
NAME_HEADERS = (
    "name",
    "student",  # Canvas: Student,ID,SIS User ID,… (the name as "Last, First")
    "student_name",
    "student name",
    "full name",
    "fullname",
    "display name",
    "last name, first name",
    "surname, first name",
    "family name, given name",
    "姓名",
)
#: a name in two columns, joined "First Last"
FIRST_NAME_HEADERS = ("first name", "first_name", "given name", "forename", "vorname", "名")
LAST_NAME_HEADERS = ("last name", "last_name", "surname", "family name", "nachname", "姓")
#: columns a registrar's export holds besides ids and names: never taken for a name column
OTHER_HEADERS = (
    "e-mail", "email", "mail", "e-mail address", "email address", "login", "login id",
    "sis login id", "sis user id", "integration id", "section", "sections", "program",
    "programme", "course", "group", "class", "major", "year", "status", "degree", "notes",
    "note", "comment", "comments", "username", "user name", "user id", "phone",
)  # fmt: skip
#: names an exercise folder gives its own files: a student's folder cannot take one of them
RESERVED_IDS = ("exercise.json", "key.csv", "spec.toml")


class ClassFileError(SymbpError):
    """A roster or submissions file that cannot be used (the message names row and column)."""


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as read: its header cells, and each later row with its spreadsheet number."""

    label: str  # the file as messages name it
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    delimiter: str

    def where(self, row: int, column: int | None = None) -> str:
        """`label: row N, column C 'name'` for messages."""
        text = f"{self.label}: row {row}"
        if column is not None:
            text += f", column {column + 1} {_quoted(self.header[column])}"
        return text


def read_csv(path: str | Path, what: str) -> CsvTable:
    """A CSV file's header and rows; ClassFileError naming the row for anything unreadable."""
    label = f"{what} {str(path)!r}"
    data = read_bounded_bytes(Path(path), MAX_CSV_BYTES, ClassFileError, label)
    text = decode_text(data, ClassFileError, label)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise ClassFileError(f"{label} is empty: its first row must name the columns")
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    number = 0
    try:
        for cells in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells
            cleaned = tuple(_cell(cell, label, number, index) for index, cell in enumerate(cells))
            if header is None:
                header = cleaned
                if len(header) > MAX_COLUMNS:
                    raise ClassFileError(
                        f"{label}: row {number} has {len(header)} columns, more than {MAX_COLUMNS}"
                    )
                continue
            if len(cleaned) != len(header):
                cleaned = _padded(cleaned, header, label, number)
            rows.append((number, cleaned))
            if len(rows) > MAX_ROWS:
                raise ClassFileError(f"{label} has more than {MAX_ROWS} rows")
    except csv.Error as error:
        raise ClassFileError(f"{label}: row {reader.line_num}: not valid CSV ({error})") from None
    if header is None:  # only separators, e.g. ",,,"
        raise ClassFileError(f"{label} has only empty cells: its first row must name the columns")
    return CsvTable(label, header, tuple(rows), delimiter)


def _delimiter(first_line: str) -> str:
    """The separator of a CSV file, from its header row: the one of , ; and tab it uses."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _cell(cell: str, label: str, row: int, column: int) -> str:
    if len(cell) > MAX_CELL_CHARS:
        raise ClassFileError(
            f"{label}: row {row}, column {column + 1}: a cell of more than {MAX_CELL_CHARS} "
            "characters"
        )
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t" for c in cell):
        raise ClassFileError(
            f"{label}: row {row}, column {column + 1}: a control character in {cell[:30]!r}"
        )
    # one spelling of every letter: "José" as macOS saves it (e + combining accent) is the
    # same id, name or column as "José" typed elsewhere
    return unicodedata.normalize("NFC", cell.strip())


def _padded(
    cells: tuple[str, ...], header: tuple[str, ...], label: str, row: int
) -> tuple[str, ...]:
    """A row with as many cells as the header: missing cells at the end are empty (as a
    spreadsheet saves a row whose last cells are blank); extra cells must be empty."""
    if len(cells) < len(header):
        return cells + ("",) * (len(header) - len(cells))
    extra = [i for i in range(len(header), len(cells)) if cells[i]]
    if extra:
        raise ClassFileError(
            f"{label}: row {row}, column {extra[0] + 1}: a value beyond the header's "
            f"{len(header)} columns ({_quoted(cells[extra[0]])}); was a decimal comma written "
            'in a comma-separated file? Quote it ("0,25") or use a decimal point'
        )
    return cells[: len(header)]


def header_kind(cell: str) -> str | None:
    """ "id", "name", "first" or "last" when a header cell names the student's id or name
    column (or half of a name in two columns)."""
    # student_id, full_name, First-Name: '_' and '-' read as spaces (e-mail stays as it is)
    folded = " ".join(cell.casefold().split())
    spaced = " ".join(folded.replace("_", " ").split())
    if folded in ID_HEADERS or spaced in ID_HEADERS:
        return "id"
    return next(
        (kind for kind in (_kind(folded), _kind(spaced)) if kind is not None),
        None,
    )


def _kind(folded: str) -> str | None:
    if folded in ID_HEADERS:
        return "id"
    if folded in NAME_HEADERS:
        return "name"
    if folded in FIRST_NAME_HEADERS:
        return "first"
    if folded in LAST_NAME_HEADERS:
        return "last"
    return None


def name_columns(table: CsvTable) -> tuple[int, ...]:
    """The column(s) of the student's name: one name column, else a first and a last name
    column (read in that order), else none."""
    kinds = [header_kind(cell) for cell in table.header]
    if "name" in kinds:
        return (kinds.index("name"),)
    if "first" in kinds and "last" in kinds:
        return (kinds.index("first"), kinds.index("last"))
    return ()


def name_of(table: CsvTable, row: int, cells: tuple[str, ...], columns: tuple[int, ...]) -> str:
    """A row's name from its name column(s), checked: first and last joined by a space."""
    parts = [student_name(table, row, c, cells[c]) for c in columns]
    joined = " ".join(p for p in parts if p)
    return student_name(table, row, columns[0], joined) if columns else ""


def id_column(table: CsvTable) -> int:
    """The index of the id column; ClassFileError when there is none or more than one."""
    found = [i for i, cell in enumerate(table.header) if header_kind(cell) == "id"]
    if not found:
        raise ClassFileError(
            f"{table.label}: row 1: no id column (its first row must name the columns, one of "
            f"them 'id'; found {', '.join(_quoted(c) for c in table.header[:6])})"
        )
    if len(found) > 1:
        raise ClassFileError(f"{table.where(1, found[1])}: a second id column")
    return found[0]


def student_id(table: CsvTable, row: int, column: int, value: str) -> str:
    """A student id as written in a cell, checked: a folder may be named after it."""
    if not value:
        raise ClassFileError(f"{table.where(row, column)}: the id is empty")
    normal = unicodedata.normalize("NFC", value)
    if not ID_PATTERN.fullmatch(normal):
        raise ClassFileError(
            f"{table.where(row, column)}: {_quoted(value)} is not an id (up to 64 letters, "
            "digits, '.', '_' or '-', starting with a letter or digit)"
        )
    if normal.casefold() in RESERVED_IDS:
        raise ClassFileError(
            f"{table.where(row, column)}: {_quoted(value)} cannot be an id: the exercise folder "
            "names one of its own files so"
        )
    return normal


def unique_ids(table: CsvTable, column: int) -> dict[str, int]:
    """Every row's id by row number order, refusing empty, malformed and repeated ids (ids that
    differ only in case are repeats: they would name the same folder on some systems)."""
    seen: dict[str, tuple[str, int]] = {}
    ids: dict[str, int] = {}
    for row, cells in table.rows:
        value = student_id(table, row, column, cells[column])
        folded = value.casefold()
        if folded in seen:
            first, first_row = seen[folded]
            same = "" if first == value else f" (as {_quoted(first)})"
            raise ClassFileError(
                f"{table.where(row, column)}: {_quoted(value)} is also on row {first_row}{same}"
            )
        seen[folded] = (value, row)
        ids[value] = row
    return ids


def student_name(table: CsvTable, row: int, column: int, value: str) -> str:
    if len(value) > MAX_NAME_CHARS or not value.isprintable():
        raise ClassFileError(
            f"{table.where(row, column)}: a name must be up to {MAX_NAME_CHARS} printable "
            "characters"
        )
    return value


def _quoted(text: str) -> str:
    shown = text if len(text) <= 40 else text[:40] + "..."
    return repr(shown)


@dataclass(frozen=True)
class Student:
    """One student of a class: an id (which names their folder) and optionally a name."""

    id: str
    name: str = ""


def read_roster(path: str | Path) -> tuple[Student, ...]:
    """The students of a roster CSV: its id column and its name column (or first and last name
    columns, joined); any other column (a registrar's e-mail, programme, ...) is ignored."""
    table = read_csv(path, "roster")
    id_index = id_column(table)
    names = name_columns(table)
    if not table.rows:
        raise ClassFileError(f"{table.label} names no student (only a header row)")
    unique_ids(table, id_index)
    if not names:
        _refuse_unread_names(table, id_index)
    students = []
    for row, cells in table.rows:
        name = name_of(table, row, cells, names)
        students.append(Student(student_id(table, row, id_index, cells[id_index]), name))
    return tuple(students)


def _refuse_unread_names(table: CsvTable, id_index: int) -> None:
    """A roster with no name column the headers name, but a column of words (not e-mail
    addresses, not numbers) under a header symbp does not know: its names would be dropped
    silently, so it is refused, naming the column."""
    for column, cell in enumerate(table.header):
        folded = " ".join(cell.casefold().split())
        if column == id_index or folded in OTHER_HEADERS or header_kind(cell) is not None:
            continue
        values = [cells[column] for _, cells in table.rows if cells[column]]
        words = [v for v in values if "@" not in v and any(c.isalpha() for c in v)]
        if values and len(words) * 2 >= len(values):
            raise ClassFileError(
                f"{table.where(1, column)}: no name column was found, and this one holds words: "
                f"if it is the students' names, head it 'name' (or remove it); name columns "
                f"are headed {', '.join(repr(h) for h in NAME_HEADERS[:4])}, … or first and "
                "last name"
            )


def numbered_students(count: int) -> tuple[Student, ...]:
    """s001, s002, … for --count N (wider numbers past 999)."""
    if not 1 <= count <= MAX_ROWS:
        raise SymbpError(f"--count must be from 1 to {MAX_ROWS}, not {count}")
    width = max(3, len(str(count)))
    return tuple(Student(f"s{number:0{width}d}") for number in range(1, count + 1))
