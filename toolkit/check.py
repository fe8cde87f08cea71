"""`toolkit check`: do the documents, the indexes, the records and the summaries agree?

check_store(settings) -> list of one-line problems (empty when the store is sound). It only reads;
`toolkit reindex` repairs index problems, re-ingesting repairs documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from .errors import StoreError, ToolkitError
from .schemas import Document, Record, Summary
from .store import Store


class DocInfo(NamedTuple):
    """What the later checks need of a stored document (not the document: a check of 100,000 of them
    keeps this much in memory, not their texts)."""

    content_hash: str
    meta: dict  # doc_meta(document, its record) as the index manifest holds it


def _documents(store: Store, problems: list[str]) -> dict[str, DocInfo]:
    from .chunking import doc_meta

    docs: dict[str, DocInfo] = {}
    for where, doc_id, body in store.raw("documents"):
        try:
            doc = Document.model_validate_json(body)
        except Exception as e:  # noqa: BLE001 - any parse failure is the same problem
            problems.append(f"{where}: corrupt document JSON ({type(e).__name__}); re-ingest its source file")
            continue
        if doc.doc_id != doc_id:
            problems.append(f"{where}: holds doc_id {doc.doc_id!r}, not {doc_id!r}; re-ingest its source file")
        bad = [p.paragraph_id for p in doc.paragraphs if doc.text[p.start : p.end] != p.text]
        if bad:
            problems.append(f"{where}: paragraph offsets do not match the text ({', '.join(bad[:5])}); re-ingest its source file")
        try:
            rec = store.get_record(doc.doc_id)
        except StoreError:
            rec = None
        docs[doc.doc_id] = DocInfo(doc.content_hash, doc_meta(doc, rec).model_dump(mode="json"))
    return docs


def _derived(store: Store, kind: str, cls, what: str, docs: dict[str, DocInfo], problems: list[str]) -> None:
    for path, _, body in store.raw(kind):
        try:
            obj = cls.model_validate_json(body)
        except Exception as e:  # noqa: BLE001
            problems.append(f"{path}: corrupt {what} JSON ({type(e).__name__}); delete it and re-run `toolkit {what_cmd(what)}`")
            continue
        doc = docs.get(obj.doc_id)
        if doc is None:
            problems.append(f"{path}: {what} for {obj.doc_id!r}, which is not a stored document; delete it or re-ingest the document")
        elif obj.content_hash and obj.content_hash != doc.content_hash:
            problems.append(f"{path}: {what} was made from another version of {obj.doc_id} (content_hash differs); re-run `toolkit {what_cmd(what)} --force`")


def what_cmd(what: str) -> str:
    return {"record": "extract", "summary": "summarize"}[what]


def _index(settings, store: Store, docs: dict[str, DocInfo], problems: list[str]) -> None:
    from .index import Index

    fix = "run `toolkit reindex`"
    try:
        index = Index.open(settings, store, read_only=True)
    except ToolkitError as e:
        problems.append(f"index: {e}")
        return
    if index.old_format():
        problems.append(f"{store.root}: the index is in the old format (bm25.json); {fix}")
        return
    manifest = index.read_manifest()
    if manifest is None:
        if docs:
            what = "unreadable" if index.manifest_path.exists() else "missing"
            problems.append(f"{index.manifest_path}: index manifest {what}; {fix}")
        return
    if manifest.get("config") != index.config():
        problems.append(f"{index.manifest_path}: the index was built with other settings (embedder, chunking or collection); {fix}")
    held: dict = manifest["docs"]
    missing = sorted(set(docs) - set(held))
    extra = sorted(set(held) - set(docs))
    stale = []
    for d in sorted(set(docs) & set(held)):
        if held[d].get("content_hash") != docs[d].content_hash or held[d].get("meta") != docs[d].meta:
            stale.append(d)
    if missing:
        problems.append(f"index: documents not indexed: {', '.join(missing)}; {fix}")
    if extra:
        problems.append(f"index: indexed documents no longer stored: {', '.join(extra)}; {fix}")
    if stale:
        problems.append(f"index: stale chunks of changed documents: {', '.join(stale)}; {fix}")

    want = {d: int(v.get("n_chunks", 0)) for d, v in held.items()}
    lex = index.lexical_counts()
    if lex is None:
        problems.append(f"{index.db_path}: lexical index missing; {fix}")
    else:
        got, fts_rows = lex
        bad = sorted(d for d in set(want) | set(got) if want.get(d, 0) != got.get(d, 0))
        if bad:
            problems.append(f"{index.db_path}: chunk counts disagree with the manifest for {', '.join(bad)}; {fix}")
        if fts_rows != sum(got.values()):
            problems.append(f"{index.db_path}: the FTS5 table holds {fts_rows} rows for {sum(got.values())} chunks; {fix}")

    if index.dense_kind() == "matrix":
        counts = index.dense_counts()
        if counts is None and any(want.values()):
            problems.append(f"{index.matrix.vectors_path}: the dense vectors are missing; {fix}")
            return
        bad = sorted(d for d in set(want) | set(counts or {}) if want.get(d, 0) != (counts or {}).get(d, 0))
        if bad:
            problems.append(f"{index.matrix.vectors_path}: vectors missing for the chunks of {', '.join(bad)}; {fix}")
        return
    if not settings.index.chroma_url and not store.chroma_dir.is_dir():
        problems.append(f"{store.chroma_dir}: Chroma folder missing; {fix}")
        return
    try:
        counts = index.chroma_counts()
    except ToolkitError as e:
        problems.append(f"chroma: {e}")
        return
    except Exception as e:  # noqa: BLE001 - a corrupt chroma folder raises chromadb's own errors
        problems.append(f"{store.chroma_dir}: Chroma cannot be read ({type(e).__name__}); {fix}")
        return
    if counts is None:
        problems.append(f"chroma: collection {index.collection_name()!r} missing; {fix}")
        return
    bad = sorted(d for d in set(want) | set(counts) if want.get(d, 0) != counts.get(d, 0))
    if bad:
        problems.append(f"chroma: chunk counts disagree with the manifest for {', '.join(bad)}; {fix}")


def check_store(settings) -> list[str]:
    """Every problem found in the store at settings.store, one line each (empty list: all good)."""
    root = Path(settings.store)
    if not root.exists():
        return [f"{root}: store folder does not exist; run `toolkit ingest FILES --store {root}`"]
    if not root.is_dir():
        return [f"{root}: store path is not a folder; point --store at a folder"]
    store = Store(root)
    if not store.exists():
        return [f"{store.db_path}: no store database (empty or foreign store); run `toolkit ingest FILES --store {root}`"]
    problems: list[str] = []
    docs = _documents(store, problems)
    _derived(store, "records", Record, "record", docs, problems)
    _derived(store, "summaries", Summary, "summary", docs, problems)
    _index(settings, store, docs, problems)
    return problems

