"""The index database (index.sqlite): FTS5 BM25 ranking, incremental delete, resume after a crash in
the middle of a sync, a read-only question while a writer holds the lock, the old-format message.
Invented articles, hash embedder."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import datetime

import pytest

from toolkit.check import check_store
from toolkit.errors import StoreError
from toolkit.index import Index
from toolkit.index.lexical import LexicalDB, fts_token, raw_token
from toolkit.schemas import Document, Paragraph
from toolkit.store import Store


def _doc(doc_id: str, title: str, body: list[str], day: datetime | None = None) -> Document:
    pieces, paras, pos = [title, *body], [], 0
    for n, t in enumerate(pieces):
        paras.append(Paragraph(paragraph_id=f"p{n:03d}", kind="title" if n == 0 else "body", text=t, start=pos, end=pos + len(t)))
        pos += len(t) + 2
    text = "\n\n".join(pieces)
    return Document(doc_id=doc_id, source_path=f"/fixtures/{doc_id}.txt", title=title, published=day, text=text, encoding="utf-8",
                    content_hash=hashlib.sha256(text.encode()).hexdigest(), paragraphs=paras)


ARTICLES = [
    _doc("kg_2024", "Huyện ủy Giồng Riềng tổng kết công tác kiểm tra năm 2024", [
        "Ngày 14/1/2025, Huyện ủy Giồng Riềng (Kiên Giang) tổng kết công tác kiểm tra, giám sát năm 2024.",
        "Ủy ban Kiểm tra các cấp đã kiểm tra 37 tổ chức đảng và 112 đảng viên, thi hành kỷ luật 9 đảng viên.",
        "Huyện ủy kết nạp mới 6.059 đảng viên, đạt 101,3% chỉ tiêu năm."], datetime(2025, 1, 14)),
    _doc("db_2023", "Đảng ủy xã Mường Phăng sơ kết 6 tháng đầu năm 2023", [
        "Ngày 3/7/2023, Đảng ủy xã Mường Phăng (Điện Biên) sơ kết công tác xây dựng Đảng 6 tháng đầu năm.",
        "Đảng ủy xã kết nạp 14 đảng viên mới; 3 chi bộ được công nhận trong sạch, vững mạnh."], datetime(2023, 7, 3)),
    _doc("hp_2022", "Thành ủy Hải Phòng tổ chức hội nghị Ban Chấp hành mở rộng", [
        "Ngày 20/12/2022, Thành ủy Hải Phòng tổ chức hội nghị Ban Chấp hành Đảng bộ thành phố mở rộng.",
        "Hội nghị thông qua Nghị quyết số 45-NQ/TU về phát triển cảng biển đến năm 2030."], datetime(2022, 12, 20)),
]


@pytest.fixture
def built(tmp_settings):
    store = Store(tmp_settings.store).ensure()
    for d in ARTICLES:
        store.put_document(d)
    index = Index(tmp_settings, store)
    index.sync()
    return tmp_settings, store, index


def test_tokens_survive_the_fts5_tokenizer_whole():
    for tok in ["đảng_viên", "6.059", "#6059", "101,3", "nq_tu", "mường", "x"]:
        assert raw_token(fts_token(tok)) == tok
    assert fts_token("đảng_viên") == "đảng_viên" and fts_token("6.059").startswith("_x")


def test_fts_bm25_ranks_the_rare_number_first_and_agrees_with_the_formula(built):
    _, _, index = built
    db = index.db()
    hit = index.search("kết nạp mới 6.059 đảng viên", k=3, mode="bm25")[0]
    assert (hit.doc_id, hit.paragraph_id) == ("kg_2024", "p003")
    # '6,059' is the same number: its separator-free key '#6059' matches too
    assert index.search("6,059 đảng viên", k=1, mode="bm25")[0].doc_id == "kg_2024"
    # the BM25 computed from the text (for dense candidates) equals FTS5's bm25() on every matching chunk
    toks = index._query_tokens(db, "Hải Phòng kết nạp đảng viên mới năm 2030")
    fts = db.bm25(toks, 1000)
    rows = db.chunk_rows(rowids=list(fts))
    mine = db.bm25_of(rows, db.paragraph_texts((r["doc_id"], r["paragraph_id"]) for r in rows), toks)
    assert set(mine) == set(fts) and len(fts) >= 5
    assert all(abs(mine[r] - fts[r]) < 1e-9 * max(1.0, fts[r]) for r in fts)
    assert max(fts, key=fts.get) in {r["id"] for r in rows if r["doc_id"] == "hp_2022"}


def test_common_tokens_are_left_out_only_past_the_postings_budget(built):
    settings, store, _ = built
    small = settings.model_copy(update={"index": settings.index.model_copy(update={"bm25_max_postings": 2})})
    index = Index.open(small, store, read_only=True)
    db = index.db()
    q = "đảng viên Mường Phăng"
    kept = index._query_tokens(db, q)
    df = db.doc_freqs("fdf", kept)
    assert kept and sum(df.values()) <= 2 and fts_token("mường_phăng") in kept and fts_token("đảng") not in kept
    assert index.search(q, k=1, mode="bm25")[0].doc_id == "db_2023"
    assert len(Index.open(settings, store, read_only=True)._query_tokens(db, q)) > len(kept)  # default budget: every token


def test_delete_and_replace_leave_no_postings_behind(built):
    settings, store, index = built
    db = index.db()
    assert db.doc_freqs("fdf", [fts_token("mường")]) and db.doc_freqs("tdf", [fts_token("mường_phăng")])
    store.delete_document("db_2023")
    changed = _doc("kg_2024", ARTICLES[0].title, ["Huyện ủy kết nạp mới 777 đảng viên trong năm."], datetime(2025, 1, 14))
    store.put_document(changed)
    r = index.sync()
    assert r.deleted == ["db_2023"] and r.replaced == ["kg_2024"]
    # a contentless FTS5 delete with the wrong tokens would leave these counts behind
    assert db.doc_freqs("fdf", [fts_token("mường"), fts_token("6.059"), fts_token("#6059")]) == {}
    assert db.doc_freqs("tdf", [fts_token("mường_phăng")]) == {}
    for tok in ("mường", "6.059", "#6059"):  # FTS5's own postings: gone too
        assert db.conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (f'"{fts_token(tok)}"',)).fetchone()[0] == 0
    assert db.doc_freqs("fdf", [fts_token("777")]) == {fts_token("777"): 1}
    counts, fts_rows = index.lexical_counts()
    assert fts_rows == sum(counts.values()) == sum(index.dense_counts().values())
    assert not index.search("Mường Phăng", k=5, mode="bm25")
    assert check_store(settings) == []


def test_a_crash_between_chroma_and_the_commit_resumes_without_duplicates(chroma_settings, monkeypatch):
    tmp_settings = chroma_settings
    store = Store(tmp_settings.store).ensure()
    for i in range(12):
        store.put_document(_doc(f"a{i:02d}", f"Đảng ủy xã số {i} sơ kết quý {i % 4 + 1}", [
            f"Đảng ủy xã số {i} kết nạp {100 + i} đảng viên mới.", f"Chi bộ thôn {i} được khen thưởng năm {2010 + i}."]))
    settings = tmp_settings.model_copy(update={"index": tmp_settings.index.model_copy(update={"sync_batch_chunks": 4})})
    from toolkit.index import lexical

    real_put, calls = lexical.LexicalDB.put_document, []

    def dying_put(self, *a, **kw):  # the process "dies" after Chroma took the 3rd step's chunks
        calls.append(1)
        if len(calls) == 5:
            raise SystemExit("killed")
        return real_put(self, *a, **kw)

    monkeypatch.setattr(lexical.LexicalDB, "put_document", dying_put)
    with pytest.raises(SystemExit):
        Index(settings, store).sync()
    monkeypatch.setattr(lexical.LexicalDB, "put_document", real_put)
    index = Index(settings, store)
    held = index.read_manifest()["docs"]
    assert 0 < len(held) < 12  # the committed steps stayed
    assert index.collection(create=False).count() > sum(v["n_chunks"] for v in held.values())  # Chroma ran ahead
    r = index.sync()
    assert r.repaired and len(r.added) == 12 - len(held)
    ids = [c["chunk_id"] for c in index.lexical_chunks()]
    assert len(ids) == len(set(ids)) == index.collection(create=False).count() == r.chunks
    assert check_store(settings) == []


def test_a_question_is_answered_from_the_last_commit_while_a_writer_holds_the_store(built):
    settings, store, index = built
    writer = LexicalDB(index.db_path)
    writer.conn.execute("BEGIN IMMEDIATE")  # a sync in the middle of a step: the write lock is taken
    writer.conn.execute("DELETE FROM docs")
    taken, release = threading.Event(), threading.Event()

    def hold():
        with store.lock():
            taken.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    try:
        taken.wait(5)
        t0 = time.monotonic()
        reader = Index.open(settings, store, read_only=True)
        hits = reader.search("Nghị quyết số 45-NQ/TU cảng biển", k=1)
        assert hits and hits[0].doc_id == "hp_2022" and time.monotonic() - t0 < 5
        assert reader.read_manifest()["docs"].keys() == {"kg_2024", "db_2023", "hp_2022"}  # not the uncommitted delete
    finally:
        release.set()
        t.join()
        writer.conn.rollback()
        writer.close()


def test_an_old_format_store_asks_for_reindex_then_migrates(tmp_settings):
    store = Store(tmp_settings.store).ensure()
    store.put_document(ARTICLES[1])
    (store.root / "bm25.json").write_text(json.dumps({"chunks": [], "paragraphs": {}, "docs": {}}))
    (store.root / "index_manifest.json").write_text(json.dumps({"docs": {}}))
    with pytest.raises(StoreError, match="old format.*toolkit reindex"):
        Index.open(tmp_settings, store, read_only=True).search("Mường Phăng")
    assert any("old format" in p for p in check_store(tmp_settings))
    r = Index(tmp_settings, store).sync()  # a writer rebuilds and removes the old files
    assert r.rebuilt and r.added == ["db_2023"] and not (store.root / "bm25.json").exists()
    assert Index.open(tmp_settings, store, read_only=True).search("Mường Phăng", k=1)[0].doc_id == "db_2023"
