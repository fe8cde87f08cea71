"""The index database `<store>/index.sqlite`: manifest, chunks, paragraph texts and two FTS5 tables.

    meta        key/value: the index config (JSON), the time of the last commit
    docs        the manifest: per document its content hash, metadata, chunk count, folded province,
                date (YYYYMMDD) and title bigrams, and the file signature sync compares first
    chunks      one row per chunk (its id is the FTS5 rowid): doc, paragraph, offsets, whole, numbers
    paragraphs  the text of every non-boilerplate paragraph (chunked: part of the lexical index)
    fts         contentless FTS5 over the chunks' BM25 tokens (syllables, bigrams, number keys,
                the same `chunking.bm25_tokens`), ranked with FTS5's bm25() (k1 1.2, b 0.75)
    fdf         chunks holding each FTS token (which of a question's tokens are rare: a B-tree
                lookup, where FTS5's own vocabulary table walks the whole posting list)
    tdf         paragraphs holding each syllable and syllable pair: the document frequencies the
                reader weighs question terms with; the key '' holds the number of paragraphs

Tokens go in pre-tokenised, space-separated; the FTS5 tokenizer (unicode61, diacritics kept, '_' a
token character) only splits at the spaces: a token with any other character ('6.059', '#6059') is
written as '_x' + its UTF-8 hex. Deleting a row of a contentless table needs the tokens it was
inserted with: they are made again from the paragraph text kept in `paragraphs` (the index version
changes whenever the tokens do, and a changed version rebuilds the index).

WAL mode: readers (questions) never wait for the writer and see the last commit. Nothing is loaded
whole: a search reads the postings of the question's tokens and the rows of its candidates.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from ..chunking import bm25_tokens
from ..vi.text import syllables

DB_FILE = "index.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, content_hash TEXT, meta TEXT, n_chunks INTEGER,
    province TEXT, date_ord INTEGER, title_tokens TEXT, sig TEXT);
CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, doc_id TEXT, paragraph_id TEXT,
    start INTEGER, "end" INTEGER, whole INTEGER, numbers TEXT);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS paragraphs (id INTEGER PRIMARY KEY, doc_id TEXT, paragraph_id TEXT, text TEXT, chunked INTEGER,
    UNIQUE (doc_id, paragraph_id));
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(tokens, content='', tokenize="unicode61 remove_diacritics 0 tokenchars '_'");
CREATE TABLE IF NOT EXISTS fdf (term TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tdf (term TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
"""


@lru_cache(maxsize=1 << 18)
def fts_token(tok: str) -> str:
    """The token as the FTS5 tokenizer keeps it whole: letters, digits and '_' as they are (below
    U+2000, where unicode61 and Python agree on what a letter is), anything else hex-encoded."""
    if tok.replace("_", "").isalnum() and (tok.isascii() or max(map(ord, tok)) < 0x2000):
        return tok
    return "_x" + tok.encode("utf-8").hex()


def upgrade_config(cfg: dict | None) -> dict | None:
    """A stored index config in today's keys (an index from before the matrix kept its vectors in Chroma)."""
    return None if cfg is None else {"dense": "chroma", **cfg}


def raw_token(ftok: str) -> str:
    """fts_token's inverse."""
    return bytes.fromhex(ftok[2:]).decode("utf-8") if ftok.startswith("_x") else ftok


def fts_text(tokens: Iterable[str]) -> str:
    return " ".join(fts_token(t) for t in tokens)


def chunk_tokens(paragraph_text: str, start: int, end: int) -> str:
    """What the fts table holds for a chunk."""
    return fts_text(bm25_tokens(paragraph_text[start:end]))


def term_keys(text: str) -> set[str]:
    """The tdf keys of a paragraph: its distinct syllables and syllable pairs."""
    syl = syllables(text)
    return {fts_token(t) for t in set(syl) | {f"{a}_{b}" for a, b in zip(syl, syl[1:])}}


def stats_key(alt: str) -> str:
    """A reader statistics key ('a' or 'a b') as the tdf table spells it."""
    return fts_token(alt.replace(" ", "_"))


class LexicalDB:
    """One connection to index.sqlite. A read-only one never creates or writes anything."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(_SCHEMA)
        self.conn.execute("PRAGMA cache_size=-32000")  # 32 MB of page cache per connection, not more
        self._pending: dict[str, Counter] = {"fdf": Counter(), "tdf": Counter()}

    def close(self) -> None:
        self.conn.close()

    def data_version(self) -> int:
        """Changes whenever another connection commits (a cache key for what this one read)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # --- meta ----------------------------------------------------------------------------------
    def get_meta(self, key: str):
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, json.dumps(value, ensure_ascii=False)))

    def clear(self) -> None:
        """Empty every table (a rebuild); the caller commits. Meta other than the config stays."""
        self.conn.execute("DROP TABLE IF EXISTS fts")
        for t in ("docs", "chunks", "paragraphs", "fdf", "tdf"):
            self.conn.execute(f"DELETE FROM {t}")
        self.conn.execute("DELETE FROM meta WHERE key IN ('config', 'dense_ivf', 'next_row')")
        self.conn.executescript(_SCHEMA)
        self.set_meta("n_chunks", 0)

    # --- the manifest --------------------------------------------------------------------------
    def held(self) -> dict[str, tuple[str, str, int, str]]:
        """doc_id -> (content_hash, meta JSON, n_chunks, file signature) of every indexed document."""
        return {r[0]: (r[1], r[2], r[3], r[4] or "") for r in
                self.conn.execute("SELECT doc_id, content_hash, meta, n_chunks, sig FROM docs")}

    def manifest_docs(self) -> dict[str, dict]:
        return {d: {"content_hash": h, "meta": json.loads(m), "n_chunks": n} for d, (h, m, n, _) in self.held().items()}

    def n_docs(self) -> int:
        return self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def n_chunks(self) -> int:
        """Chunks indexed: the counter the writer keeps in meta (one row read), else a sum over docs."""
        n = self.get_meta("n_chunks")
        return int(n) if n is not None else self.conn.execute("SELECT coalesce(sum(n_chunks), 0) FROM docs").fetchone()[0]

    def keep_chunk_count(self) -> None:
        """Start the meta counter of chunks (an index written before it existed); the caller commits."""
        if self.get_meta("n_chunks") is None:
            self.set_meta("n_chunks", self.conn.execute("SELECT coalesce(sum(n_chunks), 0) FROM docs").fetchone()[0])

    def next_row(self) -> int:
        """The row id the next chunk gets (every committed chunk's id is below it)."""
        n = self.get_meta("next_row")
        return int(n) if n is not None else (self.conn.execute("SELECT max(id) FROM chunks").fetchone()[0] or 0) + 1

    def _next_row(self) -> int:
        """A chunk row id never used before in this index (a deleted chunk's id is not given again:
        the dense matrix keeps vectors by row id). The counter commits with the caller's transaction."""
        n = self.next_row()
        self.set_meta("next_row", n + 1)
        return n

    def _add_chunk_count(self, n: int) -> None:
        self.conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'n_chunks'", (n,))

    def chunk_counts(self) -> dict[str, int]:
        """Chunk rows per doc_id, as the chunks table holds them."""
        return dict(self.conn.execute("SELECT doc_id, count(*) FROM chunks GROUP BY doc_id"))

    def set_sig(self, doc_id: str, sig: str) -> None:
        self.conn.execute("UPDATE docs SET sig=? WHERE doc_id=?", (sig, doc_id))

    # --- writing (the caller holds a transaction: `with db.conn:`, and calls flush_counts before it ends) --
    def put_document(self, doc, meta, chunks, sig: str, province_fold: str) -> list[int]:
        """One whole document: its paragraphs, chunks and tokens, and its manifest row. Returns the
        chunks' row ids, in order (the dense matrix keeps each chunk's vector at its row)."""
        c, fdf, tdf = self.conn, self._pending["fdf"], self._pending["tdf"]
        chunked = {ch.paragraph_id for ch in chunks}
        texts = {}
        for p in doc.paragraphs:
            if p.kind == "boilerplate" or p.paragraph_id in texts:
                continue
            texts[p.paragraph_id] = p.text
            c.execute("INSERT INTO paragraphs (doc_id, paragraph_id, text, chunked) VALUES (?,?,?,?)",
                      (doc.doc_id, p.paragraph_id, p.text, int(p.paragraph_id in chunked)))
            tdf.update(term_keys(p.text))
            tdf[""] += 1
        rowids = []
        for ch in chunks:
            toks = bm25_tokens(ch.text)
            numbers = " ".join(sorted({t[1:] for t in toks if t.startswith("#") and len(t) > 1}))
            cur = c.execute('INSERT INTO chunks (id, chunk_id, doc_id, paragraph_id, start, "end", whole, numbers) VALUES (?,?,?,?,?,?,?,?)',
                            (self._next_row(), ch.chunk_id, ch.doc_id, ch.paragraph_id, ch.start, ch.end, int(ch.whole), numbers))
            ftoks = [fts_token(t) for t in toks]
            c.execute("INSERT INTO fts (rowid, tokens) VALUES (?,?)", (cur.lastrowid, " ".join(ftoks)))
            fdf.update(set(ftoks))
            rowids.append(cur.lastrowid)
        c.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?)",
                  (doc.doc_id, doc.content_hash, json.dumps(meta.model_dump(mode="json"), ensure_ascii=False), len(chunks),
                   province_fold, meta.date_ord, " ".join(bm25_tokens(doc.title[:300])), sig))
        self._add_chunk_count(len(chunks))
        return rowids

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Remove documents from every table (their tokens are made again from the kept texts)."""
        c, fdf, tdf = self.conn, self._pending["fdf"], self._pending["tdf"]
        for doc_id in doc_ids:
            pars = {pid: (rid, text) for rid, pid, text in
                    c.execute("SELECT id, paragraph_id, text FROM paragraphs WHERE doc_id=?", (doc_id,))}
            for rid, pid, s, e in c.execute('SELECT id, paragraph_id, start, "end" FROM chunks WHERE doc_id=?', (doc_id,)).fetchall():
                toks = chunk_tokens(pars.get(pid, (None, ""))[1], s, e)
                c.execute("INSERT INTO fts (fts, rowid, tokens) VALUES ('delete', ?, ?)", (rid, toks))
                fdf.subtract(set(toks.split()))
            for _, text in pars.values():
                tdf.subtract(term_keys(text))
                tdf[""] -= 1
            row = c.execute("SELECT n_chunks FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
            self._add_chunk_count(-(row[0] if row else 0))
            for t in ("chunks", "paragraphs", "docs"):
                c.execute(f"DELETE FROM {t} WHERE doc_id=?", (doc_id,))
        self.flush_counts()

    def flush_counts(self) -> None:
        """Write the document-frequency changes of this transaction's puts and deletes."""
        for table, cnt in self._pending.items():
            rows = [(k, v) for k, v in cnt.items() if v]
            self.conn.executemany(f"INSERT INTO {table} (term, n) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET n = n + excluded.n", rows)
            self.conn.executemany(f"DELETE FROM {table} WHERE term = ? AND n <= 0", [(k,) for k, v in rows if v < 0])
            cnt.clear()

    def discard_counts(self) -> None:
        """Forget pending changes (their transaction was rolled back)."""
        for cnt in self._pending.values():
            cnt.clear()

    # --- reading ---------------------------------------------------------------------------------
    def doc_freqs(self, table: str, tokens: Iterable[str]) -> dict[str, int]:
        """Chunks ('fdf') or paragraphs ('tdf') holding each FTS token (absent tokens are left out)."""
        toks = list(dict.fromkeys(tokens))
        out: dict[str, int] = {}
        for i in range(0, len(toks), 500):
            part = toks[i : i + 500]
            q = f"SELECT term, n FROM {table} WHERE term IN ({','.join('?' * len(part))})"
            out.update(self.conn.execute(q, part).fetchall())
        return out

    def bm25(self, tokens: list[str], limit: int, allowed: set[str] | None = None) -> dict[int, float]:
        """chunk row id -> BM25 score (higher is better) of the best `limit` chunks matching any of the
        FTS tokens (repeats count again, as in the query)."""
        if not tokens:
            return {}
        match = " OR ".join(f'"{t}"' for t in tokens)
        sql, args = "SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ?", [match]
        if allowed is not None:
            sql += " AND rowid IN (SELECT id FROM chunks WHERE doc_id IN (SELECT value FROM json_each(?)))"
            args.append(json.dumps(sorted(allowed)))
        sql += " ORDER BY rank LIMIT ?"
        args.append(limit)
        return {rid: -score for rid, score in self.conn.execute(sql, args)}

    def docs_with_all(self, tokens: list[str], limit: int) -> set[str]:
        """The documents with a chunk holding every FTS token (at most `limit` + 1 of them, so a
        caller can tell "more than limit")."""
        if not tokens:
            return set()
        match = " AND ".join(f'"{t}"' for t in dict.fromkeys(tokens))
        sql = ("SELECT DISTINCT c.doc_id FROM chunks c WHERE c.id IN (SELECT rowid FROM fts WHERE fts MATCH ?) LIMIT ?")
        return {r[0] for r in self.conn.execute(sql, (match, limit + 1))}

    def fts_totals(self) -> tuple[int, int]:
        """(rows, tokens) of the fts table, from FTS5's own averages record (what bm25() divides by)."""
        row = self.conn.execute("SELECT block FROM fts_data WHERE id = 1").fetchone()
        if not row or not row[0]:
            return 0, 0
        buf, pos, vals = row[0], 0, []
        while pos < len(buf) and len(vals) < 2:
            v, pos = _varint(buf, pos)
            vals.append(v)
        return (vals + [0, 0])[0], (vals + [0, 0])[1]

    def bm25_of(self, rows: list[dict], texts: dict[tuple[str, str], str], tokens: list[str]) -> dict[int, float]:
        """The BM25 score FTS5's bm25() gives these chunk rows for the tokens (same formula: k1 1.2,
        b 0.75, idf log((N - n + 0.5) / (n + 0.5)) floored at 1e-6), from their texts: for candidates
        that came from the dense side, without another full-text query."""
        import math

        n_rows, n_tok = self.fts_totals()
        if not n_rows or not tokens:
            return {}
        df = self.doc_freqs("fdf", tokens)
        avgdl = n_tok / n_rows
        idf = {t: max(1e-6, math.log((n_rows - n + 0.5) / (n + 0.5))) for t, n in df.items()}
        raw = {t: raw_token(t) for t in tokens}
        out = {}
        for r in rows:
            text = texts.get((r["doc_id"], r["paragraph_id"]), "")
            toks = bm25_tokens(text[r["start"]:r["end"]])
            tf, dl = Counter(toks), len(toks)
            sc = 0.0
            for t in tokens:
                f = tf.get(raw[t], 0)
                if f and t in idf:
                    sc += idf[t] * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * dl / avgdl))
            if sc > 0:
                out[r["id"]] = sc
        return out

    def chunk_rows(self, rowids: Iterable[int] | None = None, chunk_ids: Iterable[str] | None = None,
                   doc_id: str | None = None) -> list[dict]:
        cols = 'id, chunk_id, doc_id, paragraph_id, start, "end", whole, numbers'
        if rowids is not None:
            keys, where = list(rowids), "id"
        elif chunk_ids is not None:
            keys, where = list(chunk_ids), "chunk_id"
        else:
            q = f"SELECT {cols} FROM chunks" + (" WHERE doc_id=?" if doc_id else "") + " ORDER BY id"
            return [_row(r) for r in self.conn.execute(q, (doc_id,) if doc_id else ())]
        out = []
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            out.extend(_row(r) for r in self.conn.execute(
                f"SELECT {cols} FROM chunks WHERE {where} IN ({','.join('?' * len(part))})", part))
        return out

    def iter_chunks(self) -> Iterator[dict]:
        for r in self.conn.execute('SELECT id, chunk_id, doc_id, paragraph_id, start, "end", whole, numbers FROM chunks ORDER BY id'):
            yield _row(r)

    def paragraph_texts(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        want = set(keys)
        docs = sorted({d for d, _ in want})
        out = {}
        for i in range(0, len(docs), 500):  # by document (the doc_id index), the few paragraphs asked for kept
            part = docs[i : i + 500]
            q = f"SELECT doc_id, paragraph_id, text FROM paragraphs WHERE doc_id IN ({','.join('?' * len(part))})"
            out.update(((d, p), t) for d, p, t in self.conn.execute(q, part) if (d, p) in want)
        return out

    def doc_rows(self, doc_ids: Iterable[str]) -> dict[str, dict]:
        """Folded province and title tokens of some documents."""
        ids = list(set(doc_ids))
        out = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            for d, prov, tt in self.conn.execute(
                    f"SELECT doc_id, province, title_tokens FROM docs WHERE doc_id IN ({','.join('?' * len(part))})", part):
                out[d] = {"meta": {"province": prov}, "title_tokens": set((tt or "").split())}
        return out

    def filter_docs(self, doc_ids=None, provinces: set[str] | None = None, lo: int | None = None, hi: int | None = None) -> set[str]:
        """The indexed documents passing the filters (None: that filter is off)."""
        sql, args = "SELECT doc_id FROM docs WHERE 1", []
        if doc_ids is not None:
            sql += " AND doc_id IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(list(doc_ids)))
        if provinces is not None:
            sql += " AND province IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(sorted(provinces)))
        if lo is not None or hi is not None:
            sql += " AND date_ord > 0 AND date_ord >= ? AND date_ord <= ?"
            args.extend([lo if lo is not None else 0, hi if hi is not None else 99999999])
        return {r[0] for r in self.conn.execute(sql, args)}

    def n_paragraphs(self) -> int:
        row = self.conn.execute("SELECT n FROM tdf WHERE term = ''").fetchone()
        return row[0] if row else 0


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """SQLite's varint (big-endian 7-bit groups, a 9th byte of 8 bits) at pos -> (value, next pos)."""
    v = 0
    for i in range(8):
        b = buf[pos + i]
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            return v, pos + i + 1
    return (v << 8) | buf[pos + 8], pos + 9


def _row(r) -> dict:
    return {"id": r[0], "chunk_id": r[1], "doc_id": r[2], "paragraph_id": r[3], "start": r[4], "end": r[5],
            "whole": bool(r[6]), "numbers": set((r[7] or "").split())}


def exists(root: Path) -> bool:
    return (Path(root) / DB_FILE).exists()


