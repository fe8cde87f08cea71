"""The local dense matrix (toolkit/index/matrix.py): a store indexed with local Chroma is converted
without re-embedding and answers the same; IVF lists agree with the exact search when every list is
read and are retrained as the rows grow; a kill between the vectors and the commit leaves no
duplicate; a filter searches only its documents. Invented articles, hash embedder."""

from __future__ import annotations

import pytest

from toolkit.check import check_store
from toolkit.index import Index
from toolkit.index.lexical import LexicalDB
from toolkit.index.matrix import DenseMatrix
from toolkit.store import Store

from tests.test_lexical import _doc

PROVINCES = ["Cao Bằng", "Hà Giang", "Sóc Trăng", "Kon Tum", "Ninh Thuận", "Phú Yên", "Tây Ninh", "Yên Bái"]


def _docs(n: int, start: int = 0):
    out = []
    for i in range(start, start + n):
        prov = PROVINCES[i % len(PROVINCES)]
        out.append(_doc(f"m{i:03d}", f"Đảng ủy xã số {i} tỉnh {prov} sơ kết quý {i % 4 + 1}", [
            f"Đảng ủy xã số {i} tỉnh {prov} kết nạp {100 + i} đảng viên mới trong năm {2000 + i}.",
            f"Chi bộ thôn {i} được khen thưởng vì phong trào xây dựng nông thôn mới lần thứ {i + 7}."]))
    return out


def _store(settings, n: int = 30) -> Store:
    store = Store(settings.store).ensure()
    for d in _docs(n):
        store.put_document(d)
    return store


def _with(settings, **kw):
    return settings.model_copy(update={"index": settings.index.model_copy(update=kw)})


QUESTIONS = ["kết nạp 105 đảng viên mới tỉnh Cao Bằng", "Chi bộ thôn 12 được khen thưởng", "sơ kết quý 3 tỉnh Kon Tum",
             "phong trào xây dựng nông thôn mới lần thứ 20"]


def test_a_chroma_store_is_converted_without_reembedding_and_answers_the_same(chroma_settings, tmp_settings):
    store = _store(chroma_settings)
    before = Index(chroma_settings, store)
    before.sync()
    want = {q: [(h.chunk_id, round(h.score, 4)) for h in before.search(q, k=5, mode="dense")] for q in QUESTIONS}
    n = len(before.lexical_chunks())
    matrix_settings = _with(chroma_settings, dense="matrix")

    class NoEmbedding:  # every vector must come from Chroma, none from the embedder
        name, dim = before.embedder.name, before.embedder.dim

        def embed_passages(self, texts):
            raise AssertionError("re-embedded during the conversion")

        def embed_query(self, text):
            return before.embedder.inner.embed_query(text)

    reader = Index.open(matrix_settings, store, read_only=True)  # not converted yet: a reader reads Chroma
    assert [(h.chunk_id, round(h.score, 4)) for h in reader.search(QUESTIONS[0], k=5, mode="dense")] == want[QUESTIONS[0]]
    after = Index(matrix_settings, store, embedder=NoEmbedding())
    r = after.sync()
    assert not r.rebuilt and not r.added and len(r.unchanged) == 30 and r.chunks == n
    assert not store.chroma_dir.exists() and after.matrix.file_rows() > n - 1
    got = {q: [(h.chunk_id, round(h.score, 4)) for h in after.search(q, k=5, mode="dense")] for q in QUESTIONS}
    assert got == want
    assert check_store(matrix_settings) == []


def test_ivf_lists_match_the_exact_search_when_every_list_is_read_and_are_retrained(tmp_settings):
    store = _store(tmp_settings, 30)
    exact = Index(tmp_settings, store)
    exact.sync()
    assert exact.db().get_meta("dense_ivf") is None  # below dense_ivf_min_rows: no lists
    want = {q: [h.chunk_id for h in exact.search(q, k=5)] for q in QUESTIONS}
    want_filtered = exact.search("kết nạp đảng viên mới", k=10, mode="dense", doc_ids=["m004", "m020"])
    n = len(exact.lexical_chunks())

    ivf_all = _with(tmp_settings, dense_ivf_min_rows=20, dense_probe_rows=10 * n)
    ix = Index(ivf_all, store)
    ix.sync()  # nothing to index, but the lists become due
    meta = ix.db().get_meta("dense_ivf")
    assert meta and meta["gen"] == 1 and meta["trained_rows"] == n and meta["nlist"] >= 16
    assert {q: [h.chunk_id for h in ix.search(q, k=5)] for q in QUESTIONS} == want  # every list read: exact
    st = ix.matrix.vectors_path.stat()
    assert st.st_blocks * 512 < st.st_size  # the ordered copy holds the rows: vectors.f32 keeps holes there
    hits = ix.search("kết nạp đảng viên mới", k=10, mode="dense", doc_ids=["m004", "m020"])  # a filter reads rows by id
    assert {h.doc_id for h in hits} == {"m004", "m020"}
    assert hits == want_filtered

    few = Index(_with(ivf_all, dense_probe_rows=1), store)  # one list read: the closest chunk is still found
    hit = few.search("Chi bộ thôn 12 được khen thưởng vì phong trào xây dựng nông thôn mới lần thứ 19", k=1, mode="dense")[0]
    assert hit.doc_id == "m012"

    for d in _docs(60, start=30):  # the live rows more than double: new lists, the old files removed
        store.put_document(d)
    ix.sync()
    meta2 = ix.db().get_meta("dense_ivf")
    assert meta2["gen"] == 2 and meta2["trained_rows"] > 2 * n
    assert sorted(p.name for p in ix.matrix.dir.iterdir()) == ["centroids-2.npz", "ivf-2.f32", "ivf-2.ids", "lists-2.i16", "vectors.f32"]
    assert ix.search("Đảng ủy xã số 71 tỉnh Kon Tum kết nạp 171 đảng viên", k=1)[0].doc_id == "m071"
    assert check_store(ivf_all) == []


def test_a_kill_between_the_vectors_and_the_commit_resumes_without_duplicates(tmp_settings, monkeypatch):
    settings = _with(tmp_settings, sync_batch_chunks=8)
    store = _store(settings, 12)
    real, calls = DenseMatrix.write, []

    def dying_write(self, *a, **kw):  # the vectors are on disk, then the process "dies" before the commit
        real(self, *a, **kw)
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit("killed")

    monkeypatch.setattr(DenseMatrix, "write", dying_write)
    with pytest.raises(SystemExit):
        Index(settings, store).sync()
    monkeypatch.setattr(DenseMatrix, "write", real)
    index = Index(settings, store)
    held = index.read_manifest()["docs"]
    assert 0 < len(held) < 12
    r = index.sync()
    assert len(r.added) == 12 - len(held)
    ids = [c["chunk_id"] for c in index.lexical_chunks()]
    assert len(ids) == len(set(ids)) == r.chunks == sum(index.dense_counts().values())
    assert check_store(settings) == []
    assert index.search("Đảng ủy xã số 11 tỉnh Sóc Trăng kết nạp 111 đảng viên", k=1)[0].doc_id == "m011"


def test_a_filtered_dense_search_reads_only_its_documents_and_skips_deleted_rows(tmp_settings):
    store = _store(tmp_settings, 20)
    index = Index(tmp_settings, store)
    index.sync()
    hits = index.search("kết nạp đảng viên mới", k=10, mode="dense", doc_ids=["m003", "m011"])
    assert hits and {h.doc_id for h in hits} == {"m003", "m011"}
    store.delete_document("m005")
    index.sync()
    assert all(h.doc_id != "m005" for h in index.search("Đảng ủy xã số 5 tỉnh Phú Yên kết nạp 105", k=20, mode="dense"))
    reader = Index.open(tmp_settings, store, read_only=True)
    assert reader.search("Đảng ủy xã số 7 tỉnh Yên Bái kết nạp 107 đảng viên", k=1)[0].doc_id == "m007"
    assert isinstance(reader.db(), LexicalDB)
