"""The exercise folder on disk: what `symbp exercise --out DIR` writes and `symbp grade` reads.

    DIR/exercise.json   the manifest: seed, settings, asked quantities, students and folders
    DIR/spec.toml       the network the variants share (the teacher's spec)
    DIR/key.csv         the class's answers, one row per student: exactly a submission
    DIR/<id>/spec.toml  a student's network (symbp check-hand --spec DIR/<id>/spec.toml)
    DIR/<id>/worksheet.{html,tex,md}, key.{html,tex,md}, selfcheck.html

The folder is built beside DIR under a temporary name and renamed into place only when every
file is written, so a failure leaves no half-written folder; an earlier exercise folder at DIR is
replaced, anything else there is refused.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from symbp.classroom.csvfiles import ID_PATTERN, RESERVED_IDS, Student
from symbp.classroom.variants import ClassVariants, Range, Settings
from symbp.core.spec import (
    DEFAULT_NEGATIVE_SLOPE,
    MAX_TITLE_LENGTH,
    NetworkSpec,
    check_nesting,
    load_spec,
    unique_keys,
)
from symbp.errors import SymbpError
from symbp.files import (
    check_name_length,
    read_small_text,
    remove_stale_temporaries,
    show_path,
    temporary_prefix,
)

MANIFEST = "exercise.json"
KEY = "key.csv"
SPEC = "spec.toml"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 2_000_000
MAX_MANIFEST_NESTING = 8
#: bounds of a manifest's fields beyond what `symbp exercise` itself writes
MAX_ASKED = 1_000
MAX_STUDENTS = 5_000
MAX_RANGE = 1e6


class ExerciseFolderError(SymbpError):
    """An exercise folder that cannot be read or written."""


@dataclass(frozen=True)
class Manifest:
    """What an exercise folder holds, as `symbp grade` reads it back."""

    folder: Path
    title: str
    settings: Settings
    asked: tuple[str, ...]
    students: tuple[Student, ...]
    lang: str = "en"

    def spec_path(self, student_id: str) -> Path:
        return self.folder / student_id / SPEC

    def base_spec(self) -> NetworkSpec:
        return load_spec(self.folder / SPEC)


def manifest_text(exercise: ClassVariants, lang: str) -> str:
    settings = exercise.settings
    document = {
        "symbp_exercise": FORMAT_VERSION,
        "title": exercise.base.title,
        "lang": lang,
        "seed": settings.seed,
        "decimals": settings.decimals,
        "answer_decimals": settings.answer_decimals,
        "min_decimals": settings.minimum_decimals,
        "ranges": {
            "inputs": [settings.inputs.low, settings.inputs.high],
            "targets": [settings.targets.low, settings.targets.high],
            "weights": [settings.weights.low, settings.weights.high],
        },
        "asked": list(exercise.asked),
        "students": [{"id": v.student.id, "name": v.student.name} for v in exercise.variants],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def key_rows(exercise: ClassVariants) -> list[list[str]]:
    """The class's answers in the submission format: id, then each asked quantity (written
    as CSV by formats/csv.py, which neutralises cells a spreadsheet would run)."""
    decimals = exercise.settings.answer_decimals
    rows = [["id", *exercise.asked]]
    for variant in exercise.variants:
        rows.append(
            [variant.student.id, *(f"{variant.answers[k]:.{decimals}f}" for k in exercise.asked)]
        )
    return rows


def spec_toml(spec: NetworkSpec, min_decimals: int | None = None) -> str:
    """A one-sample spec as the TOML `load_spec` reads back to the same spec; `min_decimals`
    (the exercise's) written into it, so check-hand --spec judges precision as grade does."""

    def floats(values: Sequence[float]) -> str:
        return "[" + ", ".join(repr(float(v)) for v in values) + "]"

    lines = [
        f"title = {json.dumps(spec.title, ensure_ascii=False)}",
        f"layers = {list(spec.layers)}",
        "activation = [" + ", ".join(f'"{a}"' for a in spec.activations) + "]",
        f'loss = "{spec.loss}"',
        f'numbering = "{spec.numbering}"',
    ]
    if spec.explicit_names:
        lines.append("weight_names = [" + ", ".join(f'"{n}"' for n in spec.explicit_names) + "]")
    if spec.negative_slope != DEFAULT_NEGATIVE_SLOPE:
        lines.append(f"negative_slope = {float(spec.negative_slope)!r}")
    for key, value in spec.activation_parameters:
        shown = json.dumps(value) if isinstance(value, str) else repr(float(value))
        lines.append(f"{key} = {shown}")
    lines += [
        f"learning_rate = {float(spec.learning_rate)!r}",
        f"inputs = {floats(spec.inputs)}",
        # a class target as the class's index (0 for the first output), as a teacher writes it
        f"targets = {spec.target_classes[0]}"
        if spec.target_classes
        else f"targets = {floats(spec.targets)}",
        f"weights = {floats(spec.weights)}",
    ]
    if spec.tied_layers:
        lines.append(f"tied_layers = {[list(group) for group in spec.tied_layers]}")
    if spec.bias != "none":
        lines += [f'bias = "{spec.bias}"', f"bias_values = {floats(spec.bias_values)}"]
        lines.append(f"bias_trainable = {'true' if spec.bias_trainable else 'false'}")
    if spec.steps != 1:
        lines.append(f"steps = {spec.steps}")
    if spec.l2:  # the L2 penalty is part of L: the student's spec keeps it
        convention = ', l2_convention = "full"' if spec.l2_full else ""
        biases = ", biases = true" if spec.l2_biases else ""
        lines.append(f"regularization = {{ l2 = {float(spec.l2)!r}{convention}{biases} }}")
    if spec.dropout is not None:  # the worked sample's masks
        lines.append(spec.dropout.toml(len(spec.layers) - 2, sample=0))
    minimum = spec.min_decimals if min_decimals is None else min_decimals
    if minimum is not None:
        lines.append(f"min_decimals = {minimum}")
    return "\n".join(lines) + "\n"


def read_manifest(folder: str | Path) -> Manifest:
    """An exercise folder's manifest, checked; ExerciseFolderError naming what is wrong."""
    folder = Path(folder)
    path = folder / MANIFEST
    label = f"exercise folder {str(folder)!r}"
    if not path.is_file():
        raise ExerciseFolderError(
            f"{label} has no {MANIFEST}: give the folder symbp exercise --out wrote"
        )
    source = show_path(path)
    text = read_small_text(path, MAX_MANIFEST_BYTES, ExerciseFolderError, source)
    check_nesting(text, MAX_MANIFEST_NESTING, ExerciseFolderError, source)
    try:
        data = json.loads(
            text,
            parse_constant=_reject_constant,
            object_pairs_hook=unique_keys(ExerciseFolderError, source),
        )
    except (ValueError, RecursionError) as error:
        raise ExerciseFolderError(f"{source}: not valid JSON ({_one_line(error)})") from None
    return _manifest(folder, data, source)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _manifest(folder: Path, data: object, source: str) -> Manifest:
    """Every field of a parsed manifest checked (a hand-edited or tampered file is refused with
    one line naming the field)."""

    def bad(field: str, what: str) -> ExerciseFolderError:
        return ExerciseFolderError(f"{source}: not an exercise manifest ({field} {what})")

    if not isinstance(data, dict):
        raise bad("the top level", "must be an object")
    if data.get("symbp_exercise") != FORMAT_VERSION or type(data["symbp_exercise"]) is not int:
        raise bad("symbp_exercise", f"must be {FORMAT_VERSION}: not a version this symbp reads")

    def whole(field: str, low: int, high: int) -> int:
        value = data.get(field)
        if type(value) is not int or not low <= value <= high:
            raise bad(field, f"must be a whole number from {low} to {high}")
        return value

    def text(value: object, field: str, limit: int) -> str:
        if not isinstance(value, str) or len(value) > limit or not value.isprintable():
            raise bad(field, f"must be printable text of up to {limit} characters")
        return unicodedata.normalize("NFC", value)

    ranges = data.get("ranges")
    if not isinstance(ranges, dict):
        raise bad("ranges", "must be an object")

    def span(name: str) -> Range:
        pair = ranges.get(name)
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(type(v) in (int, float) and math.isfinite(v) for v in pair)
            or max(abs(v) for v in pair) > MAX_RANGE
            or pair[0] > pair[1]
        ):
            raise bad(f"ranges.{name}", f"must be [low, high], finite, within ±{MAX_RANGE:g}")
        return Range(float(pair[0]), float(pair[1]))

    asked_value = data.get("asked")
    if not isinstance(asked_value, list) or not 1 <= len(asked_value) <= MAX_ASKED:
        raise bad("asked", f"must be a list of 1 to {MAX_ASKED} quantity names")
    asked = tuple(text(k, "asked", 64) for k in asked_value)
    if len(set(asked)) != len(asked):
        raise bad("asked", "names a quantity twice")
    students_value = data.get("students")
    if not isinstance(students_value, list) or not 1 <= len(students_value) <= MAX_STUDENTS:
        raise bad("students", f"must be a list of 1 to {MAX_STUDENTS} students")
    students = []
    for entry in students_value:
        if not isinstance(entry, dict) or set(entry) - {"id", "name"}:
            raise bad("students", 'must hold objects of "id" and "name"')
        student_id = text(entry.get("id"), "a student's id", 64)
        if not ID_PATTERN.fullmatch(student_id) or student_id.casefold() in RESERVED_IDS:
            raise bad("students", f"holds {student_id!r}, which cannot name a folder")
        students.append(Student(student_id, text(entry.get("name", ""), "a student's name", 100)))
    if len({s.id.casefold() for s in students}) != len(students):
        raise bad("students", "names a student twice")
    lang = data.get("lang", "en")
    # which languages exist is content's to say (labels() refuses an unknown one in one line)
    if not isinstance(lang, str) or not (lang.isascii() and lang.isalpha() and len(lang) <= 8):
        raise bad("lang", "must be a language code such as en or zh")
    answer_decimals = whole("answer_decimals", 2, 8)
    # a folder written before the precision policy has no minimum: the asked decimals
    min_decimals = (
        whole("min_decimals", 0, answer_decimals) if "min_decimals" in data else answer_decimals
    )
    try:
        settings = Settings(
            seed=whole("seed", 0, 2**63 - 1),
            ask=asked,
            decimals=whole("decimals", 1, 3),
            answer_decimals=answer_decimals,
            min_decimals=min_decimals,
            inputs=span("inputs"),
            targets=span("targets"),
            weights=span("weights"),
        )
    except ExerciseFolderError:
        raise
    except SymbpError as error:
        raise ExerciseFolderError(f"{source}: not an exercise manifest ({error})") from None
    title = text(data.get("title"), "title", MAX_TITLE_LENGTH)
    return Manifest(folder, title, settings, asked, tuple(students), lang)


# -- writing ------------------------------------------------------------------------------------


class FolderWriter:
    """Files written under a temporary folder beside the target, moved into place at the end."""

    def __init__(self, temporary: Path) -> None:
        self.root = temporary
        self.count = 0
        self.written: set[str] = set()

    def write(self, relative: str, text: str) -> None:
        if relative.casefold() in self.written:  # e.g. the report of a student whose id is "class"
            raise ExerciseFolderError(f"two files would be named {relative!r}")
        self.written.add(relative.casefold())
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        self.count += 1


@contextlib.contextmanager
def replacing_folder(target: str | Path, marker: str = MANIFEST) -> Iterator[FolderWriter]:
    """A FolderWriter whose files become `target` when the block ends without an error, and are
    removed when it raises. An earlier folder of the same kind at `target` (one holding the file
    `marker`) is replaced; a folder holding anything else is refused."""
    target = Path(target)
    check_name_length(target)
    _check_replaceable(target, marker)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExerciseFolderError(f"cannot make {str(parent)!r}: {error.strerror}") from None
    prefix = temporary_prefix(target.name)
    remove_stale_temporaries(parent, prefix)  # left by a killed run
    temporary = parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        temporary.mkdir()
    except OSError as error:
        raise ExerciseFolderError(f"cannot write in {str(parent)!r}: {error.strerror}") from None
    writer = FolderWriter(temporary)
    try:
        yield writer
        _move_into_place(temporary, target, marker)
    except OSError as error:
        raise ExerciseFolderError(
            f"cannot write {str(target)!r}: {error.strerror or error}"
        ) from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:200]


def _check_replaceable(target: Path, marker: str) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ExerciseFolderError(f"{str(target)!r} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / marker).is_file():
        raise ExerciseFolderError(
            f"{str(target)!r} holds files that symbp did not write there: choose an empty or "
            "new folder"
        )


def _move_into_place(temporary: Path, target: Path, marker: str) -> None:
    _check_replaceable(target, marker)  # again: something may have appeared meanwhile
    if not target.exists():
        os.replace(temporary, target)
        return
    old = target.parent / f"{temporary_prefix(target.name)}old-{os.getpid()}-{os.urandom(4).hex()}"
    os.replace(target, old)
    try:
        os.replace(temporary, target)
    except OSError:
        os.replace(old, target)  # put the earlier folder back
        raise
    shutil.rmtree(old, ignore_errors=True)
