"""Chunks for the index. The paragraph stays the unit of citation.

A body paragraph or caption of at most `window_sentences` sentences is one chunk; a longer one becomes
overlapping windows of `window_sentences` sentences (sharing `window_overlap`), plus one chunk
for the whole paragraph (the dense model reads long inputs in windows itself, and the whole
paragraph keeps the context a window loses). Every chunk remembers doc_id, paragraph_id and its
offsets in the paragraph text, and carries the document's province and date for filters.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date as Date

from pydantic import BaseModel, Field

from .gazetteer import main_province
from .schemas import Document, Paragraph, Record
from .textnorm import sentence_spans, syllables

INDEXED_KINDS = ("body", "caption")  # captions carry facts too (who handed over which award)


class DocMeta(BaseModel):
    """Document-level facts used for filtering and boosting."""

    doc_id: str
    content_hash: str
    indexed_hash: str = Field(default="", description="sha256 of what the index reads (title, paragraph ids, kinds, texts).")
    title: str
    province: str | None = None
    date: Date | None = None

    @property
    def date_ord(self) -> int:
        """YYYYMMDD as an int (0 when unknown), for range filters."""
        return int(self.date.strftime("%Y%m%d")) if self.date else 0


class Chunk(BaseModel):
    chunk_id: str
    doc_id: str
    paragraph_id: str
    start: int = Field(description="Offset of the chunk in the paragraph text.")
    end: int = Field(description="End offset (exclusive) in the paragraph text.")
    text: str = Field(description="paragraph.text[start:end]")
    whole: bool = Field(description="True when the chunk is the whole paragraph.")


def doc_meta(doc: Document, record: Record | None = None) -> DocMeta:
    """Province and date of a document: from its verified record when one matches the stored
    content, else the province most often named in title+body and the publication date."""
    if record is not None and record.content_hash and record.content_hash != doc.content_hash:
        record = None
    province = record.province if record is not None and record.province else None
    if province is None:
        province = main_province("\n".join([doc.title, *(p.text for p in doc.body)]))
    day = record.date if record is not None and record.date else (doc.published.date() if doc.published else None)
    return DocMeta(doc_id=doc.doc_id, content_hash=doc.content_hash, indexed_hash=indexed_hash(doc), title=doc.title,
                   province=province, date=day)


def indexed_hash(doc: Document) -> str:
    """Changes whenever anything the index reads changes (even under the same raw-file hash,
    e.g. after a change of the ingest's paragraph splitting)."""
    h = hashlib.sha256(doc.title.encode("utf-8"))
    for p in doc.paragraphs:
        h.update(f"\x00{p.paragraph_id}\x00{p.kind}\x00{p.text}".encode("utf-8"))
    return h.hexdigest()


def _windows(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    spans = sentence_spans(text)
    if len(spans) <= size:
        return []
    step = max(1, size - overlap)
    out: list[tuple[int, int]] = []
    i = 0
    while True:
        group = spans[i : i + size]
        out.append((group[0][0], group[-1][1]))
        if i + size >= len(spans):
            break
        i += step
    return out


def chunk_paragraph(doc_id: str, p: Paragraph, window_sentences: int = 3, window_overlap: int = 1) -> list[Chunk]:
    text = p.text
    if not text.strip():
        return []
    chunks = [Chunk(chunk_id=f"{doc_id}::{p.paragraph_id}::0", doc_id=doc_id, paragraph_id=p.paragraph_id,
                    start=0, end=len(text), text=text, whole=True)]
    for i, (s, e) in enumerate(_windows(text, window_sentences, window_overlap), 1):
        chunks.append(Chunk(chunk_id=f"{doc_id}::{p.paragraph_id}::{i}", doc_id=doc_id, paragraph_id=p.paragraph_id,
                            start=s, end=e, text=text[s:e], whole=False))
    return chunks


def chunk_document(doc: Document, window_sentences: int = 3, window_overlap: int = 1) -> list[Chunk]:
    """Chunks of every indexed paragraph (body and captions), in reading order."""
    out: list[Chunk] = []
    for p in doc.paragraphs:
        if p.kind in INDEXED_KINDS:
            out.extend(chunk_paragraph(doc.doc_id, p, window_sentences, window_overlap))
    return out


# --- tokens for BM25 ---------------------------------------------------------------------------

_NUM = re.compile(r"^\d+(?:[.,]\d+)*$")


def number_key(tok: str) -> str | None:
    """A numeric token with its separators removed ('6.059' and '6,059' -> '6059'), else None."""
    if not _NUM.match(tok):
        return None
    return tok.replace(".", "").replace(",", "").lstrip("0") or "0"


def bm25_tokens(text: str) -> list[str]:
    """Folded syllables, syllable bigrams (an approximation of Vietnamese words) and
    separator-free forms of numbers (so '6.059' matches '6,059' and '04' matches '4')."""
    syl = syllables(text)
    out = list(syl)
    out.extend(f"{a}_{b}" for a, b in zip(syl, syl[1:]))
    for t in syl:
        k = number_key(t)
        if k is not None:
            out.append("#" + k)
    return out
