"""Gold sets and corpora for the harness: loading, naming, and the tuning / check halves.

    load_gold_set(dir) -> GoldSet        # qa.jsonl or qa.dev.jsonl; extract.json or extract.dev.json
    half_of_doc("w07") -> "tune"         # odd number; "w08" -> "check"; "000_e50d…" -> "all"
    half_of_question(item) -> "tune" | "check" | "all"
    corpus_paths(dirs, exts, notes)      # article files of every --corpus folder; absent folders noted

Halves (../shared/gold/web/README.md, COMMON.md): a document whose id is letters followed by a
number ("w01") belongs to the tuning half when the number is odd and to the check half when it is
even; other ids (the dev gold's file stems) have no halves ("all"). A question belongs to the half of
its documents when they all agree. A question with no documents (unanswerable) or with documents in
both halves (some multi-document questions) goes by the parity of the number in its own id
("w-q101" -> tune), so every question of a halved set lands in exactly one half, deterministically.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from toolkit.errors import ToolkitError
from toolkit.options import read_jsonl

QA_FILES = ("qa.jsonl", "qa.dev.jsonl")
EXTRACT_FILES = ("extract.json", "extract.dev.json")
SUMMARY_FILES = ("summary.json", "summary.dev.json")
HALVES = ("tune", "check")
_NUMBERED = re.compile(r"^[A-Za-z]+(\d+)$")
_ID_NUMBER = re.compile(r"(\d+)\D*$")


class GoldError(ToolkitError):
    """The gold folder is missing or malformed."""


@dataclass
class GoldSet:
    """One gold folder: its name (used in metric names when several are scored), questions, records."""

    name: str
    dir: Path
    qa: list[dict] | None = None
    extract: dict | None = None
    summary: dict | None = None
    manifest: list[dict] = field(default_factory=list)

    def doc_ids(self) -> set[str]:
        """Every document the gold refers to (extraction keys, question docs, manifest docs)."""
        ids = set(self.extract or {}) | {str(m["doc"]) for m in self.manifest if "doc" in m}
        for q in self.qa or []:
            ids.update(str(d) for d in q.get("docs") or [])
        return ids


def _first(gold_dir: Path, names: Iterable[str]) -> Path | None:
    return next((gold_dir / n for n in names if (gold_dir / n).is_file()), None)


def read_qa(path: Path) -> list[dict]:
    """A questions file: one JSON object per line with at least `id` and `question` (evals/README.md)."""
    return read_jsonl(path, ("id", "question"), error=GoldError, what="gold questions file (JSONL)")


def read_json(path: Path | None):
    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise GoldError(f"{path}: not JSON ({e.msg}); fix the file") from e


def set_name(gold_dir: Path) -> str:
    """'dev' for a folder holding the dev gold's file names (qa.dev.jsonl), else the folder name."""
    gold_dir = Path(gold_dir)
    if (gold_dir / "qa.dev.jsonl").is_file() or (gold_dir / "extract.dev.json").is_file():
        return "dev"
    return gold_dir.name or "gold"


def load_gold_set(gold_dir: Path, name: str | None = None) -> GoldSet:
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise GoldError(f"{gold_dir}: gold folder not found; pass --gold DIR (format: evals/README.md)")
    qa_path = _first(gold_dir, QA_FILES)
    manifest = read_json(_first(gold_dir, ("manifest.json",))) or []
    return GoldSet(
        name=name or set_name(gold_dir), dir=gold_dir,
        qa=read_qa(qa_path) if qa_path else None,
        extract=read_json(_first(gold_dir, EXTRACT_FILES)),
        summary=read_json(_first(gold_dir, SUMMARY_FILES)),
        manifest=manifest if isinstance(manifest, list) else [],
    )


def load_gold_sets(gold_dirs: Iterable[Path]) -> list[GoldSet]:
    """Every --gold folder; two folders with the same name get a numeric suffix."""
    sets: list[GoldSet] = []
    for d in gold_dirs:
        gs = load_gold_set(d)
        taken = {s.name for s in sets}
        base, n = gs.name, 2
        while gs.name in taken:
            gs.name, n = f"{base}{n}", n + 1
        sets.append(gs)
    return sets


def home_dir() -> Path:
    """The working folder: $TOOLKIT_HOME, else the current directory (the repository root for make)."""
    return Path(os.environ.get("TOOLKIT_HOME") or Path.cwd()).resolve()


def shared_dir() -> Path:
    """$TOOLKIT_SHARED, else ../shared beside the working folder, where the project keeps the gold
    and the corpus next to the repository."""
    return Path(os.environ.get("TOOLKIT_SHARED") or home_dir().parent / "shared")


# --- halves ----------------------------------------------------------------------------------


def half_of_doc(doc_id: str) -> str:
    m = _NUMBERED.match(str(doc_id))
    if not m:
        return "all"
    return "tune" if int(m.group(1)) % 2 else "check"


def has_halves(items: Iterable[dict]) -> bool:
    """A question set has halves when one of its questions names a numbered document (w01…)."""
    return any(half_of_doc(d) != "all" for it in items for d in it.get("docs") or [])


def half_of_question(item: dict, halved: bool = True) -> str:
    """The question's half; "all" in a set without halves (halved=False, see has_halves)."""
    if not halved:
        return "all"
    halves = {half_of_doc(d) for d in item.get("docs") or []}
    if halves == {"all"}:
        return "all"
    if len(halves) == 1:
        return halves.pop()
    if halves and "all" in halves:
        return "all"
    m = _ID_NUMBER.search(str(item.get("id", "")))
    if not m:
        return "all"
    return "tune" if int(m.group(1)) % 2 else "check"


# --- corpus ----------------------------------------------------------------------------------


def corpus_paths(corpus_dirs: Iterable[Path], extensions: Iterable[str], notes: list[str]) -> list[Path]:
    """The article files of every corpus folder (sorted per folder). A missing folder is skipped with
    a one-line note; GoldError when no folder yields an article."""
    exts = {e.lower() for e in extensions}
    paths: list[Path] = []
    dirs = [Path(d) for d in corpus_dirs]
    for d in dirs:
        if not d.is_dir():
            notes.append(f"corpus {d} absent: skipped (the web set's texts are fetched into .cache/webcorpus; see ../shared/gold/web/README.md)")
            continue
        paths += sorted(p for p in d.iterdir() if p.is_file() and p.suffix.lower() in exts)
    if not paths:
        raise GoldError(f"{', '.join(map(str, dirs))}: no article files ({', '.join(sorted(exts))}); pass --corpus with the articles")
    return paths
