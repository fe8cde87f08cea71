"""Ingest article files into the store: files -> Document (decode, markup, layout) -> Store.

Entry points:
    load_document(path, settings) -> Document          (raises InputError)
    ingest_paths(paths, store, settings) -> IngestReport

Idempotent by content hash (sha256 of the parser version and the raw bytes): an unchanged file writes nothing; a changed
file replaces its stored version in one atomic step. One bad file never stops the batch and
never touches what is already stored. A document that would make more than settings.ingest.max_chunks
index chunks is refused whole (check_budget), so every accepted file indexes in bounded time.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .decode import decode_bytes
from .errors import InputError, StoreError
from .layout import classify
from .markup import html_to_text, markdown_to_text
from .progress import NullProgress
from .schemas import Document, IngestFailure, IngestReport, Paragraph
from .settings import Settings
from .store import Store


def _extensions(settings: Settings) -> list[str]:
    return sorted({e.lower() if e.startswith(".") else "." + e.lower() for e in settings.ingest.extensions})


def _unsupported(path: Path, settings: Settings) -> str:
    return f"unsupported file type '{path.suffix or '(none)'}' (supported: {', '.join(_extensions(settings))})"


def read_checked(path: Path, settings: Settings) -> bytes:
    """The raw bytes of an article file, after the cheap checks (exists, size limit, not empty)."""
    p = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(p, "no such file or folder") from None
    except OSError as e:
        raise InputError(p, f"cannot read ({e.strerror})") from None
    if not path.is_file():
        raise InputError(p, "not a regular file")
    limit = settings.ingest.max_bytes
    if size > limit:
        raise InputError(p, f"file is {size:,} bytes, over the {limit:,}-byte limit (raise TOOLKIT_INGEST__MAX_BYTES or split the file)")
    if size == 0:
        raise InputError(p, "empty file (0 bytes)")
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as e:
        raise InputError(p, f"cannot read ({e.strerror})") from None
    if len(raw) > limit:
        raise InputError(p, f"file is over the {limit:,}-byte limit (raise TOOLKIT_INGEST__MAX_BYTES or split the file)")
    if not raw:
        raise InputError(p, "empty file (0 bytes)")
    return raw


# Bump when parsing changes what a Document holds: stored documents are then re-parsed on re-ingest.
PARSER_VERSION = "1"


def content_hash(raw: bytes) -> str:
    """Identity of a stored document: the raw bytes and the parser version that read them."""
    return hashlib.sha256(PARSER_VERSION.encode() + b"\0" + raw).hexdigest()


def build_document(path: Path, raw: bytes, settings: Settings) -> Document:
    """Decode, strip markup, classify paragraphs. Raises InputError when there is no text."""
    p = str(path)
    ext = path.suffix.lower()
    if ext not in _extensions(settings):
        raise InputError(p, _unsupported(path, settings))
    text, encoding = decode_bytes(raw, p)
    if not text.strip():
        raise InputError(p, "no text: the file holds only whitespace")
    hints: dict[int, str] = {}
    if ext in (".html", ".htm"):
        text, hints = html_to_text(text)
        if not text.strip():
            raise InputError(p, "no text: the HTML page has no visible text outside scripts, styles and navigation")
    elif ext == ".md":
        text, hints = markdown_to_text(text)
        if not text.strip():
            raise InputError(p, "no text: the Markdown file has no text")
    lay = classify(text, hints)
    paragraphs = [
        Paragraph(paragraph_id=f"p{i:03d}", kind=ln.kind or "body", text=ln.text, start=ln.start, end=ln.end)
        for i, ln in enumerate(lay.lines)
    ]
    return Document(
        doc_id=path.stem,
        source_path=str(path),
        title=lay.title,
        published=lay.published,
        author=lay.author,
        outlet=lay.outlet,
        encoding=encoding,
        content_hash=content_hash(raw),
        text=text,
        paragraphs=paragraphs,
    )


def check_budget(doc: Document, settings: Settings) -> int:
    """The document's index chunk count. InputError when it is over either budget of settings.ingest:
    max_chunks (chunks) or max_embed_chars (characters the dense model reads, which sets the time)."""
    from .chunking import chunk_document, chunk_settings, embed_text

    chunks = chunk_document(doc, **chunk_settings(settings))
    ing, cap = settings.ingest, settings.index.embed_max_chars
    n_chars = sum(len(embed_text(doc.title, c, cap)) for c in chunks)
    over = None
    if len(chunks) > ing.max_chunks:
        over = f"{len(chunks):,} distinct passages to index, over the {ing.max_chunks:,}-passage limit per document", "MAX_CHUNKS"
    elif n_chars > ing.max_embed_chars:
        over = f"{n_chars:,} characters to embed, over the {ing.max_embed_chars:,}-character limit per document", "MAX_EMBED_CHARS"
    if over:
        raise InputError(doc.source_path, f"{over[0]}; nothing was stored (split the file or raise TOOLKIT_INGEST__{over[1]})")
    return len(chunks)


def load_document(path: Path, settings: Settings) -> Document:
    """Read and parse one article file (no store involved)."""
    path = Path(path)
    if path.suffix.lower() not in _extensions(settings):
        raise InputError(str(path), _unsupported(path, settings))
    return build_document(path, read_checked(path, settings), settings)


def collect_files(paths: list[Path], settings: Settings) -> tuple[list[Path], list[IngestFailure]]:
    """Expand folders (recursively, sorted, hidden entries skipped). Unsupported files are failures."""
    found, failed = _collect(paths, settings)
    return [f for f, _ in found], failed


def _collect(paths: list[Path], settings: Settings) -> tuple[list[tuple[Path, Path | None]], list[IngestFailure]]:
    """collect_files, each file with the folder argument it was found under (None when named directly)."""
    exts = _extensions(settings)
    files: list[tuple[Path, Path | None]] = []
    failed: list[IngestFailure] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(
                f for f in path.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(path).parts)
            )
            if not found:
                failed.append(IngestFailure(path=str(path), problem="folder holds no files"))
            for f in found:
                if f.suffix.lower() in exts:
                    files.append((f, path))
                else:
                    failed.append(IngestFailure(path=str(f), problem=_unsupported(f, settings)))
        elif path.exists() and path.suffix.lower() not in exts:
            failed.append(IngestFailure(path=str(path), problem=_unsupported(path, settings)))
        else:
            files.append((path, None))  # missing files fail in read_checked with a clear message
    return files, failed


_ID_UNSAFE = re.compile(r"[^\w.\-]+")


def doc_ids(files: list[tuple[Path, Path | None]]) -> dict[Path, str]:
    """A document id per file: its name without extension, except where files in one batch share a
    name from different subfolders (two `index.html`): those found in a subfolder of a folder argument
    are named by their path in it ('a__index', 'b__index'), so they cannot overwrite each other and a
    rerun of the same folder gives the same ids. Files that share a name in one folder (x.txt, x.md)
    keep it, and the second is refused."""
    by_stem: dict[str, set[Path]] = {}
    for f, _ in files:
        by_stem.setdefault(f.stem, set()).add(f.resolve().parent)
    out: dict[Path, str] = {}
    for f, root in files:
        rel = f.relative_to(root).parent.parts if root is not None else ()
        if len(by_stem[f.stem]) > 1 and rel:
            out[f] = "__".join(_ID_UNSAFE.sub("_", part) for part in (*rel, f.stem))
        else:
            out[f] = f.stem
    return out


def _other_file(stored_source: str, path: Path) -> bool:
    """True when the stored document came from another file that still exists (not this one, moved)."""
    try:
        other = Path(stored_source)
        return other.is_file() and not other.samefile(path)
    except OSError:
        return False


def _own_id(store: Store, doc_id: str, path: Path) -> str:
    """doc_id, unless a stored document of that id came from another existing file (an `index.html` of
    an earlier ingest in another folder): then doc_id + '__' + 8 hex digits of this file's absolute
    path, the same at every rerun, so neither file ever replaces the other."""
    try:
        old = store.get_document(doc_id)
    except StoreError:
        return doc_id
    if old is None or not _other_file(old.source_path, path):
        return doc_id
    return f"{doc_id}__{hashlib.sha256(str(path.resolve()).encode('utf-8')).hexdigest()[:8]}"


def ingest_paths(paths: list[Path], store: Store, settings: Settings, progress=None) -> IngestReport:
    """Store every good file; report every bad one. Holds the store lock for the whole batch.
    progress: a toolkit.progress reporter, advanced per file."""
    found, failed = _collect(paths, settings)
    ids = doc_ids(found)
    files = [f for f, _ in found]
    report = IngestReport(failed=failed)
    seen: dict[str, Path] = {}
    progress = progress or NullProgress()
    with store.lock():
        store.ensure()
        progress.start("reading", len(files), unit="files")
        for path in files:
            progress.advance()
            p = str(path)
            try:
                doc_id = ids[path]
                if doc_id in seen and seen[doc_id].resolve() != path.resolve():
                    raise InputError(p, f"document id '{doc_id}' is also given by {seen[doc_id]}; rename one of the files")
                if doc_id in seen:
                    continue  # the same file named twice
                seen[doc_id] = path
                doc_id = _own_id(store, doc_id, path)
                raw = read_checked(path, settings)
                digest = content_hash(raw)
                try:
                    old = store.get_document(doc_id)
                except StoreError:
                    store.delete_document(doc_id)  # a corrupt stored copy is replaced by a good one
                    old = None
                if old is not None and old.content_hash == digest:
                    report.unchanged.append(doc_id)
                    continue
                doc = build_document(path, raw, settings).model_copy(update={"doc_id": doc_id})
                check_budget(doc, settings)
                store.put_document(doc)
                (report.replaced if old is not None else report.added).append(doc_id)
            except InputError as e:
                report.failed.append(IngestFailure(path=e.path, problem=e.problem))
            except StoreError as e:
                report.failed.append(IngestFailure(path=p, problem=str(e)))
        progress.done()
    return report
