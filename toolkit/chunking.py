"""Chunks for the index. The paragraph stays the unit of citation.

A body paragraph or caption of at most `window_sentences` sentences is one chunk; a longer one becomes
overlapping windows of `window_sentences` sentences (sharing `window_overlap`), plus one chunk
for the whole paragraph (the dense model reads long inputs in windows itself, and the whole
paragraph keeps the context a window loses). Every chunk remembers doc_id, paragraph_id and its
offsets in the paragraph text, and carries the document's province and date for filters.

Hostile input stays bounded: a sentence repeated back to back counts once, a run-on "sentence" is cut
into pieces, a paragraph over `whole_max_chars` gets no whole-paragraph chunk, and a passage repeated
anywhere in the document is indexed once (at its first place), so a file's chunk count measures what
it says, not how often it says it. The ingest refuses a document over `ingest.max_chunks` chunks."""

from __future__ import annotations

import hashlib
import re
from datetime import date as Date

from pydantic import BaseModel, Field

from .schemas import Document, Paragraph, Record
from .vi.text import sentence_spans, syllables
from .vi.places import main_province

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


# Defaults of the bounds below; the index passes settings.index's values (same defaults).
PIECE_CHARS = 1_500       # a "sentence" longer than this (a run-on with no terminator) is cut at spaces
WHOLE_MAX_CHARS = 5_000   # a paragraph longer than this gets windows only, no whole-paragraph chunk


def _pieces(text: str, s: int, e: int, limit: int) -> list[tuple[int, int]]:
    """(s, e) cut into spans of at most `limit` characters, at whitespace when there is any."""
    out: list[tuple[int, int]] = []
    while e - s > limit:
        cut = text.rfind(" ", s + limit // 2, s + limit)
        cut = cut if cut > s else s + limit
        out.append((s, cut))
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if s < e:
        out.append((s, e))
    return out


def sentence_runs(text: str, piece_chars: int = PIECE_CHARS) -> list[list[tuple[int, int]]]:
    """The paragraph's sentences (over-long ones cut into pieces) as runs of contiguous spans.

    A sentence identical to the one before it is dropped (a paragraph that repeats one sentence 90,000
    times is that sentence once), and a run is broken where one was dropped, so no chunk ever spans
    the repeats."""
    runs: list[list[tuple[int, int]]] = [[]]
    prev = None
    for s0, e0 in sentence_spans(text):
        for s, e in _pieces(text, s0, e0, piece_chars):
            t = text[s:e]
            if t == prev:
                if runs[-1]:
                    runs.append([])
                continue
            prev = t
            runs[-1].append((s, e))
    return [r for r in runs if r]


def _windows(spans: list[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    """Windows of `size` consecutive spans sharing `overlap`; one span group when there are few."""
    if len(spans) <= size:
        return [(spans[0][0], spans[-1][1])]
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


def chunk_paragraph(doc_id: str, p: Paragraph, window_sentences: int = 3, window_overlap: int = 1,
                    whole_max_chars: int = WHOLE_MAX_CHARS, piece_chars: int = PIECE_CHARS,
                    seen: set[str] | None = None) -> list[Chunk]:
    """The paragraph's chunks: the whole paragraph when it is short (at most `window_sentences`
    sentences and `whole_max_chars` characters), else sentence windows (plus the whole paragraph while
    it is at most whole_max_chars long). A chunk whose text is in `seen` (chunks already made for
    this document) is left out, and every new text is added to it: identical passages are indexed once."""
    text = p.text
    if not text.strip():
        return []
    seen = set() if seen is None else seen
    runs = sentence_runs(text, piece_chars)
    n_spans = sum(len(r) for r in runs)
    spans: list[tuple[int, int, bool]] = []
    whole = len(text) <= whole_max_chars
    if whole:
        spans.append((0, len(text), True))
    if not (whole and len(runs) == 1 and n_spans <= window_sentences):
        spans.extend((s, e, False) for run in runs for s, e in _windows(run, window_sentences, window_overlap))
    chunks: list[Chunk] = []
    for s, e, is_whole in spans:
        t = text[s:e]
        if t in seen:
            continue
        seen.add(t)
        chunks.append(Chunk(chunk_id=f"{doc_id}::{p.paragraph_id}::{len(chunks)}", doc_id=doc_id,
                            paragraph_id=p.paragraph_id, start=s, end=e, text=t, whole=is_whole))
    return chunks


def chunk_document(doc: Document, window_sentences: int = 3, window_overlap: int = 1,
                   whole_max_chars: int = WHOLE_MAX_CHARS, piece_chars: int = PIECE_CHARS) -> list[Chunk]:
    """Chunks of every indexed paragraph (body and captions), in reading order; a passage repeated
    anywhere in the document is indexed at its first place only."""
    out: list[Chunk] = []
    seen: set[str] = set()
    done: set[str] = set()  # paragraph texts already chunked: a copy adds nothing
    for p in doc.paragraphs:
        if p.kind in INDEXED_KINDS and p.text not in done:
            done.add(p.text)
            out.extend(chunk_paragraph(doc.doc_id, p, window_sentences, window_overlap, whole_max_chars, piece_chars, seen))
    return out


def embed_text(title: str, chunk: Chunk, max_chars: int) -> str:
    """What the dense model reads for a chunk: the document's title (the context a window lost, at most
    300 characters) and the chunk's first max_chars characters (about one 512-token window)."""
    return f"{title[:300]}\n{chunk.text[:max_chars]}"


def chunk_settings(settings) -> dict:
    """chunk_document's keyword arguments from settings.index."""
    ix = settings.index
    return {"window_sentences": ix.window_sentences, "window_overlap": ix.window_overlap,
            "whole_max_chars": ix.whole_max_chars, "piece_chars": ix.piece_chars}


# --- tokens for BM25 ---------------------------------------------------------------------------

_NUM = re.compile(r"^\d+(?:[.,]\d+)*$")


def number_key(tok: str) -> str | None:
    """A numeric token with its separators removed ('6.059' and '6,059' -> '6059'), else None."""
    if not tok[:1].isdigit() or not _NUM.match(tok):  # (the first test is only a quick pre-filter)
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
