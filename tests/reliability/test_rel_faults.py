"""Faults: broken model files, a store damaged under a running app, disk full, two writers at once."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rel_helpers import (EXAMPLES, FACT_NUMBER, Q_VI, article_text, assert_store_ok, ingest_and_index, make_settings,
                         numbered_article, one_line, write)

from toolkit.check import check_store
from toolkit.errors import LLMError, ModelFileError, StoreError, StoreLockedError
from toolkit.index import Index
from toolkit.ingest import ingest_paths
from toolkit.pipeline import Pipeline
from toolkit.store import Store
from ui import logic

PRESET = "qwen2.5-coder-1.5b"


# --- model files --------------------------------------------------------------------------


def _gguf(pad: int = 2000) -> bytes:
    def s(x: str) -> bytes:
        return struct.pack("<Q", len(x.encode())) + x.encode()

    kvs = [s("general.architecture") + struct.pack("<I", 8) + s("qwen2"),
           s("qwen2.context_length") + struct.pack("<I", 4) + struct.pack("<I", 2048)]
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs) + b"\0" * pad


def _model_settings(tmp_path: Path, content: bytes | None):
    data = _gguf()
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / "manifest.json").write_text(json.dumps({"default": PRESET, "presets": {PRESET: {
        "file": f"{PRESET}.gguf", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        "packages": {"name": "tiny-part{n}", "version": "0.1.0", "count": 1}}}}), encoding="utf-8")
    if content is not None:
        (models_dir / f"{PRESET}.gguf").write_bytes(content(data) if callable(content) else content)
    s = make_settings(tmp_path, use_model=True)
    s.models_dir = models_dir
    return s


@pytest.mark.parametrize("case,content,expect", [
    ("missing", None, "missing"),
    ("truncated", lambda d: d[: len(d) // 2], "size"),
    ("empty", b"", "size"),
    ("not-gguf", lambda d: b"PK\x03\x04" + d[4:], "not a GGUF file"),
], ids=["missing", "truncated", "empty", "not-gguf"])
def test_broken_model_file_is_one_line_error_with_fix(tmp_path, case, content, expect):
    """A missing, truncated, empty or non-GGUF model file raises ModelFileError: one line naming the file and the fix."""
    from toolkit.llm import load_llm
    from toolkit.models import resolve_model_path

    s = _model_settings(tmp_path, content)
    for fn in (resolve_model_path, load_llm):
        with pytest.raises(ModelFileError) as ei:
            fn(s)
        msg = one_line(str(ei.value))
        assert f"{PRESET}.gguf" in msg and expect in msg, msg
        assert "make setup" in msg or "assemble" in msg or "--model" in msg, msg


def test_corrupt_model_same_size_is_caught_by_sha_check(tmp_path):
    """A same-size corrupt model passes the cheap checks, fails `toolkit models` (sha256) and is refused after."""
    from toolkit.models import describe_models, resolve_model_path

    s = _model_settings(tmp_path, lambda d: d[:-1] + b"X")
    rows = [r for r in describe_models(s, verify=True) if r.get("configured")]
    assert rows and rows[0]["ok"] is False and "sha256 mismatch" in rows[0]["problem"]
    with pytest.raises(ModelFileError, match="sha256 mismatch") as ei:
        resolve_model_path(s)
    one_line(str(ei.value))


def test_broken_model_does_not_break_answers(tmp_path):
    """With a truncated model, English questions still get the verified extractive answer; nothing crashes."""
    s = _model_settings(tmp_path, lambda d: d[:10])
    s.answer = s.answer.model_copy(update={"abstain_below": -1.0})
    art = write(tmp_path / "in", "tanlap.txt", article_text())
    ingest_and_index(s, [art])
    p = Pipeline(s)
    out = logic.api_ask(p, "How many new party members did the Tan Lap commune party committee admit?")
    assert not out.get("error") and not out["abstained"] and FACT_NUMBER in out["answer"], out
    assert out["route"] == "extractive"
    assert_store_ok(s)


# --- the store damaged while the app runs ------------------------------------------------


@pytest.fixture
def running(tmp_path):
    s = make_settings(tmp_path)
    art = write(tmp_path / "in", "tanlap.txt", article_text())
    p = Pipeline(s)
    report = p.ingest_paths([art, EXAMPLES])
    assert not report.failed and len(report.added) == 5
    a = p.ask(Q_VI)
    assert FACT_NUMBER in a.answer and a.citations[0].doc_id == "tanlap"
    return s, p, art


def _reindex(s) -> None:
    from toolkit.cli import main

    assert main(["reindex", "--store", str(s.store), "--embedder", "hash"]) == 0


def test_store_folder_deleted_while_running(running, note):
    """Store folder deleted under a running app: check says so in one line; asking errs or abstains; re-ingest restores."""
    s, p, art = running
    shutil.rmtree(s.store)
    [problem] = check_store(s)
    assert "does not exist" in one_line(problem) and "toolkit ingest" in problem
    out = logic.api_ask(p, Q_VI)
    assert out["abstained"] and not out["citations"], out  # nothing invented from a vanished store
    if out.get("error"):
        one_line(out["error"])
    note(f"ask after delete: {'error: ' + out['error'][:60] if out.get('error') else 'abstained'}")
    report = p.ingest_paths([art])
    assert report.added == ["tanlap"], report
    assert FACT_NUMBER in p.ask(Q_VI).answer
    assert_store_ok(s)


def test_dense_folder_deleted_while_running(running, note):
    """The dense vectors' folder deleted under a running app: detected, answers keep a clear outcome, `toolkit reindex` rebuilds."""
    s, p, _ = running
    shutil.rmtree(Path(s.store) / "dense")
    problems = check_store(s)
    assert any("dense vectors are missing" in x for x in problems), problems
    out = logic.api_ask(p, Q_VI)
    if out.get("error"):
        one_line(out["error"])
        note("ask gives: " + out["error"].split(": ", 1)[-1][:80])
    else:
        assert FACT_NUMBER in out["answer"], out
    _reindex(s)
    assert_store_ok(s)
    out = logic.api_ask(Pipeline(s), Q_VI)
    assert FACT_NUMBER in out["answer"], out


@pytest.mark.parametrize("victim", ["index.sqlite"])
@pytest.mark.parametrize("how", ["deleted", "garbage"])
def test_index_file_damaged_while_running(running, victim, how):
    """The index database deleted/garbled: check names it, ask gives a one-line error or the right answer, reindex fixes."""
    s, p, _ = running
    path = Path(s.store) / victim
    if how == "deleted":
        path.unlink()
    else:
        path.write_bytes(b"\x00{not json" * 10)
    for extra in ("-wal", "-shm"):  # (while its write-ahead log lives, SQLite still reads every page from it)
        Path(f"{path}{extra}").unlink(missing_ok=True)
    problems = check_store(s)
    assert problems and all(one_line(x) for x in problems)
    assert any(victim in x or "manifest" in x or "BM25" in x for x in problems), problems
    out = logic.api_ask(p, Q_VI)
    if out.get("error"):
        assert "toolkit reindex" in one_line(out["error"]), out
    else:
        assert FACT_NUMBER in out["answer"], out
    _reindex(s)
    assert_store_ok(s)
    assert FACT_NUMBER in Pipeline(s).ask(Q_VI).answer


def test_corrupt_document_json(running):
    """A truncated document row: one-line errors from check and from reading it; re-ingesting the source repairs it."""
    s, p, art = running
    store = Store(s.store)
    with store.batch() as c:
        c.execute("UPDATE documents SET body = substr(body, 1, 300) WHERE doc_id = 'tanlap'")
    path = f"{store.db_path} (documents/tanlap)"
    problems = check_store(s)
    assert any(path in x and "corrupt document JSON" in x for x in problems), problems
    with pytest.raises(StoreError) as ei:
        Store(s.store).get_document("tanlap")
    assert str(path) in one_line(str(ei.value))
    out = logic.api_ask(p, Q_VI)
    if out.get("error"):
        one_line(out["error"])
    report = Pipeline(s).ingest_paths([art])
    assert report.added == ["tanlap"] and not report.failed, report
    assert_store_ok(s)


# --- disk full -----------------------------------------------------------------------------


def _enospc(*_a, **_k):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_on_document_write_keeps_old_file(tmp_path, monkeypatch):
    """Disk full while replacing a document: a clear one-line failure naming the store file, the old document intact."""
    s = make_settings(tmp_path)
    art = write(tmp_path / "in", "tanlap.txt", article_text())
    store, _, _ = ingest_and_index(s, [art])
    before = store.get_document("tanlap")
    write(tmp_path / "in", "tanlap.txt", article_text(extra=["Hội nghị biểu dương 9 chi bộ."]))
    real_put = Store._put

    def full(self, kind, obj):
        real_put(self, kind, obj)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_put", full)
    report = ingest_paths([art], store, s)
    [f] = report.failed
    assert "disk full" in one_line(f.problem) and "store.sqlite" in f.problem, f
    assert store.get_document("tanlap") == before
    monkeypatch.undo()
    assert_store_ok(s)


def test_disk_full_during_index_sync_then_recovers(tmp_path, monkeypatch):
    """Disk full while writing the index: StoreError in one line; once space is back, the next sync repairs everything."""
    s = make_settings(tmp_path)
    a = write(tmp_path / "in", "tanlap.txt", article_text())
    store, index, _ = ingest_and_index(s, [a])
    b = write(tmp_path / "in", "so2.txt", numbered_article(2))
    assert ingest_paths([b], store, s).added == ["so2"]
    writer = Index(s, store)
    from toolkit.index import lexical

    def full(*_a, **_k):  # what SQLite raises on SQLITE_FULL
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(lexical.LexicalDB, "put_document", full)
    with pytest.raises(StoreError) as ei:
        writer.sync()
    assert "disk full" in one_line(str(ei.value))
    monkeypatch.undo()
    assert check_store(s)  # the interrupted sync is visible...
    Index(s, store).sync()  # ...and repaired by the next one
    assert_store_ok(s)


def test_disk_full_via_cli_is_one_line(tmp_path, monkeypatch, capsys):
    """`toolkit ingest` on a full disk exits 1 with one `error:` line per file and leaves a sound store."""
    from toolkit.cli import main

    s = make_settings(tmp_path)
    art = write(tmp_path / "in", "tanlap.txt", article_text())

    def full(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_put", full)
    rc = main(["ingest", str(art), "--store", str(s.store), "--embedder", "hash"])
    err = capsys.readouterr().err.strip().splitlines()
    monkeypatch.undo()
    assert rc == 1 and len(err) == 1 and err[0].startswith("error:") and "disk full" in err[0], err
    assert Store(s.store).doc_ids() == []


def test_disk_full_while_writing_vectors_is_one_line_and_the_next_sync_repairs(tmp_path, monkeypatch):
    """The dense matrix's fsync fails with ENOSPC: a one-line StoreError; the committed steps stay, the next sync finishes."""
    s = make_settings(tmp_path)
    store = Store(s.store)
    ingest_paths([write(tmp_path / "in", "tanlap.txt", article_text())], store, s)
    monkeypatch.setattr(os, "fsync", _enospc)
    with pytest.raises(StoreError) as ei:
        Index(s, store).sync()
    assert "disk full" in one_line(str(ei.value)) and "dense" in str(ei.value)
    monkeypatch.undo()
    Index(s, store).sync()
    assert_store_ok(s)


# --- two writers ----------------------------------------------------------------------------


def test_two_ingests_at_once_both_complete_without_duplicates(tmp_path):
    """Two ingests of overlapping files at once: the lock serialises them; every file stored once."""
    s = make_settings(tmp_path)
    files = [write(tmp_path / "in", f"so{i}.txt", numbered_article(i)) for i in range(20)]
    results, errors = [], []

    def run(paths):
        try:
            st = Store(s.store)
            r = ingest_paths(paths, st, s)
            Index(s, st).sync()
            results.append(r)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=run, args=(files[:14],)), threading.Thread(target=run, args=(files[6:],))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not errors, errors
    added = sorted(d for r in results for d in r.added)
    assert added == sorted(p.stem for p in files), added  # each file added exactly once
    assert sorted(d for r in results for d in r.unchanged) == sorted(p.stem for p in files[6:14])
    assert_store_ok(s)


_HOLDER = """
import sys, time
from toolkit.store import Store
with Store(sys.argv[1]).lock():
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_store_locked_by_another_process(tmp_path):
    """Another process holds the store: a writer waits for it, or fails after its wait with StoreLockedError naming the holder."""
    s = make_settings(tmp_path)
    art = write(tmp_path / "in", "tanlap.txt", article_text())
    Store(s.store).ensure()
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(s.store), "3"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreLockedError) as ei:
            with Store(s.store).lock(wait_s=0.3):
                pass
        msg = one_line(str(ei.value))
        assert f"pid {holder.pid}" in msg and "wait for it to finish" in msg, msg
        t0 = time.monotonic()
        store, _, report = ingest_and_index(s, [art])  # waits (up to 30 s) for the holder
        assert report.added == ["tanlap"] and time.monotonic() - t0 > 1.0
    finally:
        holder.kill()
        holder.wait()
    assert_store_ok(s)


def test_leftover_temp_files_are_swept_only_when_old(tmp_path):
    """Temp files of a killed writer are never read as documents and are swept once old; a fresh one (a live write) is kept."""
    s = make_settings(tmp_path)
    store, _, _ = ingest_and_index(s, [write(tmp_path / "in", "tanlap.txt", article_text())])
    dead = store.root / ".settings.json.dead1234.tmp"
    live = store.root / ".other.json.live5678.tmp"
    dead.write_text('{"half": ', encoding="utf-8")
    live.write_text('{"half": ', encoding="utf-8")
    old = time.time() - 3600
    os.utime(dead, (old, old))
    assert store.doc_ids() == ["tanlap"] and len(store.documents()) == 1
    assert_store_ok(s)
    Store(s.store).ensure()
    assert not dead.exists() and live.exists()


def test_check_passes_right_after_extraction(tmp_path):
    """Right after extraction through a face (no manual reindex) `toolkit check` passes: records and index agree."""
    from toolkit.llm.fake import FakeLLM
    from toolkit.pipeline import Pipeline

    s = make_settings(tmp_path)
    ingest_and_index(s, [write(tmp_path / "in", f"so{i}.txt", numbered_article(i)) for i in range(3)])
    pipe = Pipeline(s, llm=FakeLLM(default=LLMError("no model")))
    for doc_id in Store(s.store).doc_ids():
        assert pipe.extract(doc_id) is not None
    assert check_store(s) == []
    assert_store_ok(s)
