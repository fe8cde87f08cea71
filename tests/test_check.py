"""`toolkit check` finds what is wrong in a store; `toolkit reindex` repairs the index problems."""

from __future__ import annotations

import shutil
from datetime import datetime

from test_index import BEN_TRE, fixture_docs, make_doc, put_all

from toolkit.check import check_store
from toolkit.cli import main as cli_main
from toolkit.index import Index
from toolkit.schemas import Record, Summary
from toolkit.store import Store


def _indexed_store(settings) -> Store:
    store = Store(settings.store)
    put_all(store, fixture_docs())
    Index(settings, store).sync()
    return store


def test_clean_store_has_no_problems(tmp_settings):
    _indexed_store(tmp_settings)
    assert check_store(tmp_settings) == []


def test_missing_store_is_one_clear_line(tmp_settings):
    problems = check_store(tmp_settings)
    assert len(problems) == 1 and "does not exist" in problems[0] and "toolkit ingest" in problems[0]
    tmp_settings.store.parent.mkdir(parents=True, exist_ok=True)
    tmp_settings.store.write_text("not a folder")
    [p] = check_store(tmp_settings)
    assert "not a folder" in p


def test_deleted_chroma_dir_is_detected_and_rebuild_fixes_it(chroma_settings):
    store = _indexed_store(chroma_settings)
    shutil.rmtree(store.chroma_dir)
    problems = check_store(chroma_settings)
    assert any("Chroma folder missing" in p for p in problems), problems
    assert Index(chroma_settings, store).rebuild().rebuilt
    assert check_store(chroma_settings) == []


def test_deleted_dense_matrix_is_detected_and_reindex_fixes_it(tmp_settings, capsys):
    store = _indexed_store(tmp_settings)
    shutil.rmtree(store.root / "dense")
    problems = check_store(tmp_settings)
    assert any("dense vectors are missing" in p and "toolkit reindex" in p for p in problems), problems
    argv = ["--store", str(tmp_settings.store), "--embedder", "hash"]
    assert cli_main(["check", *argv]) == 1
    assert cli_main(["reindex", *argv]) == 0
    assert "rebuilt" in capsys.readouterr().out
    assert check_store(tmp_settings) == []
    assert cli_main(["check", *argv]) == 0


def test_a_lost_tail_of_the_matrix_is_detected_and_sync_repairs_it(tmp_settings):
    store = _indexed_store(tmp_settings)
    index = Index(tmp_settings, store)
    last = max(index.lexical_chunks(), key=lambda c: c["id"])
    path = index.matrix.vectors_path
    with open(path, "r+b") as f:  # the last chunk's vector lost
        f.truncate(last["id"] * 4 * index.embedder.dim)
    problems = check_store(tmp_settings)
    assert any("vectors missing" in p and last["doc_id"] in p for p in problems), problems
    r = index.sync()
    assert not r.rebuilt and r.repaired == [last["doc_id"]]
    assert check_store(tmp_settings) == []


def test_corrupted_document_json_is_reported_with_its_path(tmp_settings):
    store = _indexed_store(tmp_settings)
    with store.batch() as c:  # a damaged row
        c.execute("UPDATE documents SET body = substr(body, 1, 200) WHERE doc_id = 'lc_2022'")
    problems = check_store(tmp_settings)
    assert any(f"{store.db_path} (documents/lc_2022)" in p and "corrupt document JSON" in p for p in problems), problems
    # the index now holds a document the store cannot read: reported as well
    assert any("no longer stored" in p and "lc_2022" in p for p in problems)


def test_paragraph_offsets_that_do_not_match_are_reported(tmp_settings):
    store = _indexed_store(tmp_settings)
    doc = store.get_document("bt_2023")
    doc.paragraphs[2].start += 3
    with store.batch() as c:  # bypass put_document on purpose
        c.execute("UPDATE documents SET body = ? WHERE doc_id = 'bt_2023'", (doc.model_dump_json(),))
    problems = check_store(tmp_settings)
    assert any("offsets do not match" in p and "p002" in p for p in problems), problems


def test_records_and_summaries_must_match_a_stored_document(tmp_settings):
    store = _indexed_store(tmp_settings)
    store.put_record(Record(doc_id="ghost_doc", title="x"))
    doc = store.get_document("bt_2023")
    store.put_summary(Summary(doc_id="bt_2023", summary_vi=[], summary_en=[], content_hash="f" * 64))
    problems = check_store(tmp_settings)
    assert any("ghost_doc" in p and "not a stored document" in p for p in problems), problems
    assert any("summary" in p and "content_hash differs" in p for p in problems), problems
    store.put_summary(Summary(doc_id="bt_2023", summary_vi=[], summary_en=[], content_hash=doc.content_hash))
    with store.batch() as c:
        c.execute("DELETE FROM records WHERE doc_id = 'ghost_doc'")
    assert check_store(tmp_settings) == []


def test_index_out_of_step_with_documents(tmp_settings):
    store = _indexed_store(tmp_settings)
    changed = [*BEN_TRE[:3], ("body", "Đảng ủy Khối đã kết nạp mới 95 đảng viên.")]
    store.put_document(make_doc("bt_2023", changed, datetime(2023, 7, 12)))
    store.put_document(make_doc("new_doc", [("title", "Tin mới"), ("body", "Hội nghị tổng kết năm 2023 của Đảng ủy Khối.")]))
    problems = check_store(tmp_settings)
    assert any("stale" in p and "bt_2023" in p for p in problems), problems
    assert any("not indexed" in p and "new_doc" in p for p in problems), problems
    Index(tmp_settings, store).sync()
    assert check_store(tmp_settings) == []


def test_bm25_and_chroma_counts_are_checked(chroma_settings):
    tmp_settings = chroma_settings
    store = _indexed_store(tmp_settings)
    index = Index(tmp_settings, store)
    index.collection(create=False).delete(where={"doc_id": "qn_2021"})
    problems = check_store(tmp_settings)
    assert any(p.startswith("chroma:") and "qn_2021" in p for p in problems), problems
    index.rebuild()
    index.db().close()
    index._db = None
    index.db_path.unlink()
    problems = check_store(tmp_settings)
    assert any("index manifest missing" in p for p in problems), problems
    index.sync()
    assert check_store(tmp_settings) == []
