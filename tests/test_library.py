"""toolkit.library orders the stages: ingest then sync, extract then sync, records before summaries,
and asking writes nothing. Stages other helpers own are replaced by recorders where only the
ordering is under test."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from test_index import fixture_docs, put_all

from toolkit import library
from toolkit.errors import InputError
from toolkit.schemas import Record, Summary
from toolkit.store import Store

ARTICLE = (
    "Huyện ủy Bình Sơn sơ kết công tác kiểm tra 6 tháng đầu năm 2025\n\n"
    "Ngày 8/7/2025, Huyện ủy Bình Sơn tổ chức hội nghị sơ kết công tác kiểm tra, giám sát 6 tháng đầu năm. "
    "Đồng chí Tạ Minh Luân, Phó Bí thư Thường trực Huyện ủy chủ trì.\n\n"
    "Ủy ban Kiểm tra các cấp đã kiểm tra 17 tổ chức đảng và 41 đảng viên.\n"
)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*") if p.is_file()}


def test_ingest_syncs_the_index(tmp_settings, tmp_path):
    f = tmp_path / "binhson.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    result = library.ingest(tmp_settings, [f])
    assert result.report.added == ["binhson"] and result.sync is not None and result.sync.added == ["binhson"]
    index = library.open_index(tmp_settings)
    assert library.index_gaps(index) == []
    assert index.search("kiểm tra 17 tổ chức đảng", k=1)[0].doc_id == "binhson"
    # without update_index the store changes and the index does not: the gap is named
    g = tmp_path / "binhson_2.txt"
    g.write_text(ARTICLE.replace("17 tổ chức", "19 tổ chức"), encoding="utf-8")
    assert library.ingest(tmp_settings, [g], update_index=False).sync is None
    assert library.index_gaps(library.open_index(tmp_settings)) == ["binhson_2"]


def test_ask_writes_nothing(tmp_settings):
    tmp_settings.answer = tmp_settings.answer.model_copy(update={"use_model": False})
    store = Store(tmp_settings.store)
    put_all(store, fixture_docs())
    library.sync(library.open_index(tmp_settings, store))
    extra = fixture_docs()[0].model_copy(update={"doc_id": "not_indexed_yet"})
    store.put_document(extra)  # stored after the sync: asking must not index it
    before = _snapshot(store.root)
    answers = library.ask(tmp_settings, [(1, "Bến Tre kết nạp bao nhiêu đảng viên?"), ("b", "Who chaired the meeting?")])
    assert [qid for qid, _ in answers] == [1, "b"]
    assert _snapshot(store.root) == before
    assert library.index_gaps(library.open_index(tmp_settings, store)) == ["not_indexed_yet"]


def test_ask_loads_no_model_when_use_model_is_off(tmp_settings, monkeypatch):
    import toolkit.llm

    tmp_settings.answer = tmp_settings.answer.model_copy(update={"use_model": False})
    put_all(Store(tmp_settings.store), fixture_docs())
    library.sync(library.open_index(tmp_settings))
    monkeypatch.setattr(toolkit.llm, "load_llm", lambda s: pytest.fail("the model was loaded"))
    [(_, a)] = library.ask(tmp_settings, [(None, "How many new Party members did Ben Tre admit?")])
    assert a.route != "model"


def test_extract_then_sync(tmp_settings, monkeypatch):
    """Records refine the indexed province: library.extract syncs after extracting."""
    import toolkit.extract

    store = Store(tmp_settings.store)
    put_all(store, fixture_docs())
    library.sync(library.open_index(tmp_settings, store))

    def fake_extract_store(settings, doc_ids=None, force=False, progress=True, llm=None, store=None):
        docs = store.require_documents(doc_ids)
        recs = [Record(doc_id=d.doc_id, title=d.title, province="Vĩnh Long", content_hash=d.content_hash) for d in docs]
        for r in recs:
            store.put_record(r)
        return recs

    monkeypatch.setattr(toolkit.extract, "extract_store", fake_extract_store)
    library.extract(tmp_settings, ["qn_2021"], llm=object())
    manifest = library.open_index(tmp_settings).read_manifest()
    assert manifest["docs"]["qn_2021"]["meta"]["province"] == "Vĩnh Long"


def test_summaries_after_records_and_only_missing_records_are_extracted(tmp_settings, monkeypatch):
    import toolkit.extract
    import toolkit.summarise

    store = Store(tmp_settings.store)
    docs = fixture_docs()
    put_all(store, docs)
    library.sync(library.open_index(tmp_settings, store))
    have = docs[0]
    store.put_record(Record(doc_id=have.doc_id, title=have.title, content_hash=have.content_hash, model="old-model"))
    calls: list[tuple[str, list[str] | None]] = []

    def fake_extract_store(settings, doc_ids=None, force=False, progress=True, llm=None, store=None):
        calls.append(("extract", doc_ids))
        recs = [Record(doc_id=d.doc_id, title=d.title, content_hash=d.content_hash) for d in store.require_documents(doc_ids)]
        for r in recs:
            store.put_record(r)
        return recs

    def fake_summarise_store(settings, doc_ids=None, force=False, progress=True, llm=None, store=None):
        calls.append(("summarise", doc_ids))
        assert all(store.get_record(d.doc_id) for d in store.require_documents(doc_ids)), "a summary before its record"
        return [Summary(doc_id=d.doc_id, summary_vi=[], summary_en=[], content_hash=d.content_hash) for d in store.require_documents(doc_ids)]

    monkeypatch.setattr(toolkit.extract, "extract_store", fake_extract_store)
    monkeypatch.setattr(toolkit.summarise, "summarise_store", fake_summarise_store)
    out = library.summarise(tmp_settings, llm=object())
    assert [s.doc_id for s in out] == [d.doc_id for d in docs]
    # the record of the first document is kept (its content is current), the others are made first
    assert calls == [("extract", ["lc_2022", "qn_2021"]), ("summarise", None)]
    assert store.get_record(have.doc_id).model == "old-model"


def test_ingest_text_names_the_document_and_refuses_bad_names(tmp_settings):
    r = library.ingest_text(tmp_settings, ARTICLE, "tu_stdin")
    assert r.report.added == ["tu_stdin"] and Store(tmp_settings.store).get_document("tu_stdin").source_path == "-"
    for bad in ("../x", ".hidden", "a/b"):
        with pytest.raises(InputError):
            library.ingest_text(tmp_settings, ARTICLE, bad)
    empty = library.ingest_text(tmp_settings, "   \n", "rong")
    assert empty.report.failed and empty.report.failed[0].path == "-"


def test_the_ui_pipeline_goes_through_the_library(tmp_settings, tmp_path):
    """Pipeline (the UI's face): ingest syncs, asking leaves the index as it is, refresh_index syncs."""
    from toolkit.pipeline import Pipeline

    tmp_settings.answer = tmp_settings.answer.model_copy(update={"use_model": False})
    f = tmp_path / "binhson.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    p = Pipeline(tmp_settings)
    assert p.ingest_paths([f]).added == ["binhson"]
    assert library.index_gaps(p.index) == []
    p.store.put_document(fixture_docs()[1])
    before = _snapshot(p.store.root)
    assert p.ask("Huyện ủy Bình Sơn kiểm tra bao nhiêu tổ chức đảng?").citations
    assert _snapshot(p.store.root) == before and library.index_gaps(p.index) == ["lc_2022"]
    p.refresh_index()
    assert library.index_gaps(p.index) == []
