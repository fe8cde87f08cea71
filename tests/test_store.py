"""The store database (store.sqlite): documents, records and summaries as rows written in
transactions; a store of the older JSON-file layout is read as it is and moved into the database
by the first writer, with nothing lost or duplicated, even after a kill half-way. Invented articles."""

from __future__ import annotations

import sqlite3

import pytest

from toolkit.check import check_store
from toolkit.errors import StoreError
from toolkit.schemas import Record, Summary
from toolkit.store import Store
from toolkit.store_legacy import migrate

from tests.test_lexical import _doc


def _old_layout(root, n: int = 7):
    """A store as the JSON-file version wrote it: documents/, records/, summaries/."""
    docs = [_doc(f"old_{i}", f"Chi bộ ấp {i} họp mặt đầu xuân", [f"Chi bộ ấp {i} có {20 + i} đảng viên."]) for i in range(n)]
    for kind in ("documents", "records", "summaries"):
        (root / kind).mkdir(parents=True)
    for d in docs:
        (root / "documents" / f"{d.doc_id}.json").write_text(d.model_dump_json(indent=1), encoding="utf-8")
    rec = Record(doc_id="old_1", title=docs[1].title, content_hash=docs[1].content_hash)
    (root / "records" / "old_1.json").write_text(rec.model_dump_json(), encoding="utf-8")
    summ = Summary(doc_id="old_2", summary_vi=[], summary_en=[], content_hash=docs[2].content_hash)
    (root / "summaries" / "old_2.json").write_text(summ.model_dump_json(), encoding="utf-8")
    return docs


def _rows(store: Store, kind: str) -> list[str]:
    return [r[0] for r in sqlite3.connect(store.db_path).execute(f"SELECT doc_id FROM {kind} ORDER BY doc_id")]


def test_documents_records_and_summaries_round_trip_and_a_new_version_drops_derived_ones(tmp_path):
    store = Store(tmp_path / "s")
    assert store.doc_ids() == [] and not store.db_path.exists()  # a reader creates nothing
    d = _doc("a1", "Đảng ủy phường 3 tổng kết năm", ["Phường kết nạp 12 đảng viên."])
    store.put_document(d)
    store.put_record(Record(doc_id="a1", title=d.title, content_hash=d.content_hash))
    store.put_summary(Summary(doc_id="a1", summary_vi=[], summary_en=[], content_hash=d.content_hash))
    assert store.get_document("a1") == d and store.get_record("a1").title == d.title and store.get_summary("a1")
    sig = store.signature("a1")
    store.put_document(d)  # the same content: record and summary kept, but the signature moves
    assert store.get_record("a1") is not None and store.signature("a1") != sig
    store.put_document(_doc("a1", d.title, ["Phường kết nạp 13 đảng viên."]))
    assert store.get_record("a1") is None and store.get_summary("a1") is None
    store.delete_document("a1")
    assert store.doc_ids() == [] and store.signature("a1") == ""


def test_a_batch_is_one_transaction(tmp_path):
    store = Store(tmp_path / "s").ensure()
    with pytest.raises(RuntimeError):
        with store.batch():
            store.put_document(_doc("b1", "Hội nghị cán bộ", ["Một."]))
            store.put_document(_doc("b2", "Hội nghị cán bộ", ["Hai."]))
            raise RuntimeError("killed half-way")
    assert store.doc_ids() == []
    with store.batch():
        store.put_document(_doc("b1", "Hội nghị cán bộ", ["Một."]))
        store.put_document(_doc("b2", "Hội nghị cán bộ", ["Hai."]))
    assert store.doc_ids() == ["b1", "b2"]


def test_an_old_layout_is_read_as_it_is_then_moved_by_the_first_writer(tmp_path, tmp_settings):
    root = tmp_settings.store
    docs = _old_layout(root)
    (root / "documents" / "broken.json").write_text("{not json", encoding="utf-8")
    reader = Store(root)
    assert reader.doc_ids() == sorted([d.doc_id for d in docs] + ["broken"]) and not reader.db_path.exists()
    assert reader.get_record("old_1").doc_id == "old_1"
    with pytest.raises(StoreError, match="broken.json: corrupt store file"):
        reader.get_document("broken")

    writer = Store(root).ensure()  # the first write connection moves the files
    assert _rows(writer, "documents") == sorted(d.doc_id for d in docs)
    assert _rows(writer, "records") == ["old_1"] and _rows(writer, "summaries") == ["old_2"]
    assert sorted(p.name for p in (root / "documents").iterdir()) == ["broken.json"]  # the bad file stays
    assert not (root / "records").exists() and not (root / "summaries").exists()
    assert writer.get_document("old_3") == docs[3]
    problems = check_store(tmp_settings)
    assert any("broken.json" in p and "corrupt document JSON" in p for p in problems), problems
    writer.delete_document("broken")
    assert writer.doc_ids() == sorted(d.doc_id for d in docs)


def test_a_migration_killed_after_a_commit_neither_loses_nor_duplicates_nor_overwrites(tmp_path, monkeypatch):
    root = tmp_path / "s"
    docs = _old_layout(root)
    store = Store(root)
    store._legacy_checked = True  # no automatic move: done by hand below
    newer = docs[4].model_copy(update={"title": "written after its own migration"})
    store.put_document(newer)  # a row already in the database (another process, newer)
    import toolkit.store_legacy as legacy

    monkeypatch.setattr(legacy, "BATCH", 3)
    real_unlink, calls = type(root).unlink, []

    def dying_unlink(self, *a, **kw):  # killed after the first batch's commit, before its files went
        calls.append(1)
        raise SystemExit("killed")

    monkeypatch.setattr(type(root), "unlink", dying_unlink)
    with pytest.raises(SystemExit):
        migrate(store, show=False)
    monkeypatch.setattr(type(root), "unlink", real_unlink)
    assert len(_rows(store, "documents")) == 4  # the first batch of 3 committed, plus the newer row
    assert store.doc_ids() == sorted(d.doc_id for d in docs)  # files and rows together: each id once
    migrate(store, show=False)
    assert _rows(store, "documents") == sorted(d.doc_id for d in docs)
    assert store.get_document("old_4").title == "written after its own migration"
    assert not (root / "documents").exists()
    assert _rows(store, "records") == ["old_1"] and _rows(store, "summaries") == ["old_2"]
