"""Two stores on one real `chroma run` server (started by the test): one collection per store, named
from the store id kept in its index database; a store never drops a collection it did not create;
a disagreement between server and store is a one-line error naming the fix."""

from __future__ import annotations

from datetime import datetime

import pytest

from toolkit.errors import StoreError
from toolkit.index import Index
from toolkit.schemas import Document, Paragraph
from toolkit.store import Store


def _doc(doc_id: str, title: str, body: str) -> Document:
    import hashlib

    text = f"{title}\n\n{body}"
    paras = [Paragraph(paragraph_id="p000", kind="title", text=title, start=0, end=len(title)),
             Paragraph(paragraph_id="p001", kind="body", text=body, start=len(title) + 2, end=len(text))]
    return Document(doc_id=doc_id, source_path=f"/fixtures/{doc_id}.txt", title=title, encoding="utf-8", text=text,
                    content_hash=hashlib.sha256(text.encode()).hexdigest(), paragraphs=paras, published=datetime(2024, 5, 2))


def _store(settings, name: str, url: str, docs: list[Document]):
    s = settings.model_copy(update={"store": settings.store.parent / name,
                                    "index": settings.index.model_copy(update={"chroma_url": url})})
    store = Store(s.store).ensure()
    for d in docs:
        store.put_document(d)
    return s, store


def test_two_stores_share_a_server_without_touching_each_other(tmp_settings, chroma_server):
    import chromadb

    sa, store_a = _store(tmp_settings, "a", chroma_server, [
        _doc("ninh_thuan", "Đảng ủy xã Phước Hà sơ kết quý II", "Đảng ủy xã Phước Hà kết nạp 17 đảng viên mới trong quý II."),
        _doc("ha_nam", "Huyện ủy Kim Bảng tổng kết năm", "Huyện ủy Kim Bảng trao Huy hiệu 40 năm tuổi Đảng cho 23 đảng viên.")])
    sb, store_b = _store(tmp_settings, "b", chroma_server, [
        _doc("soc_trang", "Thị ủy Vĩnh Châu hội nghị giữa nhiệm kỳ", "Thị ủy Vĩnh Châu đánh giá giữa nhiệm kỳ với 31 chỉ tiêu.")])
    a, b = Index(sa, store_a), Index(sb, store_b)
    ra, rb = a.sync(), b.sync()
    assert a.collection_name() != b.collection_name()
    assert a.collection_name().startswith(sa.index.collection + "-")
    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    assert {c.name for c in client.list_collections()} >= {a.collection_name(), b.collection_name()}

    # B's rebuild drops and refills only B's collection
    b.rebuild()
    assert client.get_collection(a.collection_name()).count() == ra.chunks
    assert client.get_collection(b.collection_name()).count() == rb.chunks
    hits = Index.open(sa, store_a, read_only=True).search("Vĩnh Châu giữa nhiệm kỳ 31 chỉ tiêu", k=5)
    assert hits and {h.doc_id for h in hits} <= {"ninh_thuan", "ha_nam"}  # never B's documents

    # a collection of this store's name that the store did not create: refused, and left alone
    sc, store_c = _store(tmp_settings, "c", chroma_server, [_doc("c1", "Xã ủy Tân Phú", "Xã ủy Tân Phú kết nạp 5 đảng viên.")])
    c = Index(sc, store_c)
    foreign = client.create_collection(c.collection_name())
    foreign.add(ids=["x"], embeddings=[[0.1] * 384])
    with pytest.raises(StoreError, match="did not create") as e:
        c.sync()
    assert "\n" not in str(e.value)
    assert client.get_collection(c.collection_name()).count() == 1

    # the server lost the collection the store's index holds: a reader says so in one line
    client.delete_collection(a.collection_name())
    with pytest.raises(StoreError, match="reindex") as e:
        Index.open(sa, store_a, read_only=True).search("Phước Hà kết nạp", k=1)
    assert "\n" not in str(e.value)
    assert a.sync().rebuilt and client.get_collection(a.collection_name()).count() == ra.chunks  # a writer rebuilds it
