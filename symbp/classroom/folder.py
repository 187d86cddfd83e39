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
import csv
import io
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from symbp.classroom.csvfiles import Student
from symbp.classroom.variants import ClassVariants, Range, Settings
from symbp.core.spec import DEFAULT_NEGATIVE_SLOPE, NetworkSpec, load_spec
from symbp.errors import SymbpError
from symbp.files import read_small_text

MANIFEST = "exercise.json"
KEY = "key.csv"
SPEC = "spec.toml"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 2_000_000


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


def key_csv(exercise: ClassVariants) -> str:
    """The class's answers in the submission format: id, then each asked quantity."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *exercise.asked])
    decimals = exercise.settings.answer_decimals
    for variant in exercise.variants:
        writer.writerow(
            [variant.student.id, *(f"{variant.answers[k]:.{decimals}f}" for k in exercise.asked)]
        )
    return out.getvalue()


def spec_toml(spec: NetworkSpec) -> str:
    """A one-sample spec as the TOML `load_spec` reads back to the same spec."""

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
    text = read_small_text(path, MAX_MANIFEST_BYTES, ExerciseFolderError, str(path))
    try:
        data = json.loads(text)
        if data.get("symbp_exercise") != FORMAT_VERSION:
            raise ValueError("not a version this symbp reads")
        ranges = data["ranges"]
        settings = Settings(
            seed=int(data["seed"]),
            ask=tuple(data["asked"]),
            decimals=int(data["decimals"]),
            answer_decimals=int(data["answer_decimals"]),
            min_decimals=int(data.get("min_decimals", data["answer_decimals"])),
            inputs=Range(*map(float, ranges["inputs"])),
            targets=Range(*map(float, ranges["targets"])),
            weights=Range(*map(float, ranges["weights"])),
        )
        students = tuple(Student(str(s["id"]), str(s.get("name", ""))) for s in data["students"])
        asked = tuple(str(k) for k in data["asked"])
        title, lang = str(data["title"]), str(data.get("lang", "en"))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ExerciseFolderError(f"{path}: not an exercise manifest ({error})") from None
    if any(s.id in ("", ".", "..") or "/" in s.id or "\\" in s.id for s in students):
        raise ExerciseFolderError(f"{path}: a student id that cannot name a folder")
    return Manifest(folder, title, settings, asked, students, lang)


# -- writing ------------------------------------------------------------------------------------


class FolderWriter:
    """Files written under a temporary folder beside the target, moved into place at the end."""

    def __init__(self, temporary: Path) -> None:
        self.root = temporary
        self.count = 0

    def write(self, relative: str, text: str) -> None:
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
    _check_replaceable(target, marker)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExerciseFolderError(f"cannot make {str(parent)!r}: {error.strerror}") from None
    temporary = parent / f".{target.name}.symbp-{os.getpid()}-{os.urandom(4).hex()}.tmp"
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
    old = target.parent / f".{target.name}.symbp-old-{os.getpid()}-{os.urandom(4).hex()}"
    os.replace(target, old)
    try:
        os.replace(temporary, target)
    except OSError:
        os.replace(old, target)  # put the earlier folder back
        raise
    shutil.rmtree(old, ignore_errors=True)
