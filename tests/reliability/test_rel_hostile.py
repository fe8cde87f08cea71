"""Hostile sizes and repetition (issue 17): no single file stalls the store.

Repeats are indexed once, a document over the chunk budget is refused whole in one line, a sync
stopped by Ctrl-C or killed resumes without duplicates, and questions read the committed index
without waiting for a writer. The full-size cases (4.9 MB files, a question asked from another
process while each is ingested, kill -9 and rerun) are reliability_slow; fixtures are written at
test time by evals/hostile_bench.py's writers.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rel_helpers import REPO_ROOT, assert_store_ok, make_settings, numbered_article, one_line, write

from evals import hostile_bench as hb
from toolkit.check import check_store
from toolkit.embed import HashEmbedder
from toolkit.errors import StoreError
from toolkit.index import Index
from toolkit.ingest import ingest_paths
from toolkit.progress import LineProgress, NullProgress, reporter
from toolkit.store import Store


def _index(settings, embedder=None) -> Index:
    return Index(settings, Store(settings.store), embedder=embedder)


def _chunks_of(index: Index, doc_id: str) -> list[dict]:
    return index.lexical_chunks(doc_id)


class CountingEmbedder(HashEmbedder):
    """The hash embedder, counting passages; raises KeyboardInterrupt once `stop_after` were embedded."""

    def __init__(self, stop_after: int | None = None):
        self.n = 0
        self.stop_after = stop_after

    def embed_passages(self, texts):
        if self.stop_after is not None and self.n + len(texts) > self.stop_after:
            raise KeyboardInterrupt
        self.n += len(texts)
        return super().embed_passages(texts)


# --- repetition ----------------------------------------------------------------------------------


def test_sentence_repeated_20000_times_is_one_chunk(rel_settings, tmp_path, note):
    """One paragraph of one sentence repeated 20,000 times: indexed as that sentence, once, in seconds."""
    f = hb.sentence_repeated(tmp_path / "rep.txt", n_bytes=1_200_000)
    emb = CountingEmbedder()
    t0, c0 = time.perf_counter(), time.process_time()
    report = ingest_paths([f], Store(rel_settings.store), rel_settings)
    index = _index(rel_settings, emb)
    index.sync()
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert report.added == ["rep"]
    body = [c for c in _chunks_of(index, "rep") if c["paragraph_id"] != "p000"]
    texts = {index.paragraph_text("rep", c["paragraph_id"])[c["start"]:c["end"]] for c in body}
    assert texts == {hb.SENTENCE.strip()}, texts
    assert emb.n <= 5
    note(f"1.2 MB ingest+index {dt:.1f}s ({cpu:.1f}s CPU), {len(body)} body chunk(s), {emb.n} passages embedded")
    assert cpu < 20  # CPU time: the bound holds however busy the shared machine is
    assert_store_ok(rel_settings)


def test_copies_of_one_paragraph_are_indexed_once(rel_settings, tmp_path):
    """5,000 copies of one paragraph: one paragraph indexed (its first place), and the question cites it."""
    f = hb.copies(tmp_path / "copies.txt", n=5_000)
    emb = CountingEmbedder()
    ingest_paths([f], Store(rel_settings.store), rel_settings)
    index = _index(rel_settings, emb)
    index.sync()
    doc = Store(rel_settings.store).get_document("copies")
    assert len(doc.paragraphs) > 5_000  # the document keeps what the file says
    pids = {c["paragraph_id"] for c in _chunks_of(index, "copies")}
    assert len(pids) <= 3, pids  # title, dateline, the paragraph: not 5,000
    assert emb.n <= 3
    hits = Index.open(rel_settings, read_only=True).search("biểu dương tập thể cá nhân tiêu biểu", k=5)
    assert hits and hits[0].paragraph_text.startswith("Hội nghị biểu dương 12 tập thể")
    assert_store_ok(rel_settings)


def test_identical_texts_are_embedded_once_across_documents(rel_settings, tmp_path):
    """The embedding cache is keyed by text: a second document with the same passages embeds nothing new."""
    a = write(tmp_path / "in", "a.txt", numbered_article(1))
    emb = CountingEmbedder()
    ingest_paths([a], Store(rel_settings.store), rel_settings)
    index = _index(rel_settings, emb)
    index.sync()
    first = emb.n
    b = write(tmp_path / "in2", "b.txt", numbered_article(1) + "\n")  # same text, other file, other id
    ingest_paths([b], Store(rel_settings.store), rel_settings)
    index.sync()
    assert first > 0 and emb.n == first
    assert_store_ok(rel_settings)


# --- the chunk budget --------------------------------------------------------------------------------


def test_document_over_the_chunk_budget_is_refused_whole(tmp_path):
    """A document over ingest.max_chunks: one line naming the file, the limit and the setting; nothing stored; the old version stays."""
    s = make_settings(tmp_path)
    s.ingest = s.ingest.model_copy(update={"max_chunks": 40})
    f = write(tmp_path / "in", "dai.txt", numbered_article(3))
    store = Store(s.store)
    assert ingest_paths([f], store, s).added == ["dai"]
    old = store.get_document("dai").content_hash
    hb.lines_100k(f, n_bytes=20_000)  # ~400 distinct one-line paragraphs
    report = ingest_paths([f], store, s)
    assert not report.added and not report.replaced and len(report.failed) == 1
    msg = one_line(f"{report.failed[0].path}: {report.failed[0].problem}")
    assert str(f) in msg and "40-passage limit" in msg and "TOOLKIT_INGEST__MAX_CHUNKS" in msg, msg
    assert store.get_document("dai").content_hash == old
    assert store.doc_ids() == ["dai"]


@pytest.mark.reliability_slow
def test_default_budget_refuses_100000_distinct_lines_fast(rel_settings, tmp_path, note):
    """100,000 distinct one-line paragraphs (4.9 MB) are refused under the default budget, in seconds, nothing stored."""
    f = hb.lines_100k(tmp_path / "lines.txt")
    t0, c0 = time.perf_counter(), time.process_time()
    report = ingest_paths([f], Store(rel_settings.store), rel_settings)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    note(f"refused in {dt:.1f}s ({cpu:.1f}s CPU)")
    assert report.failed and "TOOLKIT_INGEST__MAX_CHUNKS" in report.failed[0].problem
    assert Store(rel_settings.store).doc_ids() == []
    assert cpu < 30


# --- interrupted syncs ---------------------------------------------------------------------------------


def _many(tmp_path: Path, n: int) -> list[Path]:
    return [write(tmp_path / "in", f"so{i:03d}.txt", numbered_article(i)) for i in range(n)]


def test_ctrl_c_during_sync_keeps_finished_documents_and_resumes(rel_settings, tmp_path, monkeypatch):
    """Ctrl-C in the middle of a sync: the documents finished are committed, the rest resume on the next run, no duplicates."""
    rel_settings.index = rel_settings.index.model_copy(update={"sync_batch_chunks": 8})
    ingest_paths(_many(tmp_path, 30), Store(rel_settings.store), rel_settings)
    emb = CountingEmbedder(stop_after=40)
    with pytest.raises(KeyboardInterrupt):
        _index(rel_settings, emb).sync()
    held = _index(rel_settings).read_manifest()["docs"]
    assert 0 < len(held) < 30
    problems = check_store(rel_settings)
    assert problems and all("documents not indexed" in p for p in problems), problems  # nothing half-written
    emb2 = CountingEmbedder()
    report = _index(rel_settings, emb2).sync()
    assert sorted(report.added) == sorted(set(Store(rel_settings.store).doc_ids()) - set(held))
    assert emb2.n < 30 * 4  # the finished documents and the cached passages were not embedded again
    assert_store_ok(rel_settings)


def test_crash_between_chroma_and_commit_is_repaired_not_rebuilt(rel_settings, tmp_path, monkeypatch):
    rel_settings.index = rel_settings.index.model_copy(update={"dense": "chroma"})
    """A crash after Chroma took a document's chunks but before the commit: the next sync repairs that document only."""
    from toolkit.index import lexical

    ingest_paths(_many(tmp_path, 6), Store(rel_settings.store), rel_settings)
    _index(rel_settings).sync()
    write(tmp_path / "in", "so099.txt", numbered_article(99))
    ingest_paths([tmp_path / "in" / "so099.txt"], Store(rel_settings.store), rel_settings)
    real = lexical.LexicalDB.put_document

    def crash(*a, **k):  # Chroma has the step's chunks; the database transaction never commits
        raise RuntimeError("power cut")

    monkeypatch.setattr(lexical.LexicalDB, "put_document", crash)
    with pytest.raises(RuntimeError):
        _index(rel_settings).sync()
    monkeypatch.setattr(lexical.LexicalDB, "put_document", real)
    assert (_index(rel_settings).chroma_counts() or {}).get("so099")  # in Chroma, not in the manifest
    report = _index(rel_settings).sync()
    assert not report.rebuilt and report.repaired == ["so099"] and len(report.unchanged) == 6
    assert_store_ok(rel_settings)


# --- questions never wait for indexing ------------------------------------------------------------------


def test_read_only_index_answers_while_a_writer_holds_the_lock(rel_settings, tmp_path):
    """A writer holds the store lock: the read-only index searches at once, never syncs, never locks."""
    ingest_paths(_many(tmp_path, 3), Store(rel_settings.store), rel_settings)
    _index(rel_settings).sync()
    write(tmp_path / "in", "so050.txt", numbered_article(50))
    ingest_paths([tmp_path / "in" / "so050.txt"], Store(rel_settings.store), rel_settings)  # stored, not indexed
    reader = Index.open(rel_settings, read_only=True)
    with Store(rel_settings.store).lock():
        t0 = time.perf_counter()
        hits = reader.search("Đảng ủy xã Thử Nghiệm 1 kết nạp bao nhiêu đảng viên mới", k=3)
        assert hits and time.perf_counter() - t0 < 5
        assert reader.sync().skipped
    assert "so050" not in {h.doc_id for h in reader.search("Thử Nghiệm 50", k=10)}  # not indexed yet: not seen


def test_read_only_before_the_first_index_is_empty_while_indexing(rel_settings, tmp_path):
    """Documents stored, no index yet: empty results while a writer is indexing, a one-line fix otherwise."""
    ingest_paths(_many(tmp_path, 2), Store(rel_settings.store), rel_settings)
    reader = Index.open(rel_settings, read_only=True)
    with Store(rel_settings.store).lock():
        assert reader.search("kết nạp đảng viên") == []
    with pytest.raises(StoreError, match="reindex"):
        Index.open(rel_settings, read_only=True).search("kết nạp đảng viên")
    assert not (Path(rel_settings.store) / "chroma").exists()  # a reader never creates the index
    assert not (Path(rel_settings.store) / "dense").exists()


def test_pipeline_question_is_answered_while_an_upload_is_indexed(rel_settings, tmp_path):
    """In the app, a question is answered while another thread ingests (the upload does not hold the model lock)."""
    from toolkit.pipeline import Pipeline

    gate, release = threading.Event(), threading.Event()

    class SlowEmbedder(HashEmbedder):
        def embed_passages(self, texts):
            if any("Thử Nghiệm 77" in t for t in texts):
                gate.set()
                release.wait(20)
            return super().embed_passages(texts)

    pipe = Pipeline(rel_settings, embedder=SlowEmbedder())
    pipe.ingest_paths(_many(tmp_path, 1))
    slow = write(tmp_path / "in", "so077.txt", numbered_article(77))
    t = threading.Thread(target=pipe.ingest_paths, args=([slow],))
    t.start()
    try:
        assert gate.wait(20)
        t0 = time.perf_counter()
        a = pipe.ask("Đảng bộ xã Thử Nghiệm 0 kết nạp bao nhiêu đảng viên mới?")
        assert time.perf_counter() - t0 < 6 and "10 đảng viên" in a.answer, a.answer
        assert t.is_alive()  # the upload was still being indexed
    finally:
        release.set()
        t.join(30)
    assert_store_ok(rel_settings)


# --- progress ------------------------------------------------------------------------------------------


def test_progress_only_on_a_terminal(rel_settings, tmp_path):
    """The reporter is silent off a terminal and writes done/total on one."""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(reporter(io.StringIO()), NullProgress)
    out = Tty()
    rep = reporter(out)
    assert isinstance(rep, LineProgress)
    ingest_paths(_many(tmp_path, 3), Store(rel_settings.store), rel_settings)
    _index(rel_settings).sync(progress=rep)
    assert "indexing: " in out.getvalue() and out.getvalue().endswith("\n")
    last = out.getvalue().rstrip("\n").split("\r")[-1]
    n, total = last.split(": ")[1].split(" ")[0].split("/")
    assert n == total and int(total) > 0, last


# --- full size, in child processes (reliability_slow) -----------------------------------------------------

SLOW_CASES = ["sentence_4.9mb", "paragraph_4.9mb", "lines_100k", "copies_50k", "numbers_only"]


def _cli(store: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "toolkit", *args, "--store", str(store), "--embedder", "hash"]


def _child_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _ask_child(store: Path) -> tuple[float, dict | str]:
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "evals.hostile_bench", "--ask", hb.QUESTION, "--store", str(store),
                        "--embedder", "hash"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    import json

    return time.monotonic() - t0, json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else r.stderr


@pytest.mark.reliability_slow
@pytest.mark.parametrize("case", SLOW_CASES)
def test_hostile_file_ingested_with_a_question_during_it(tmp_path, case, note):
    """A hostile file through `toolkit ingest`: done or refused in one line within 60 CPU-s, a question from another process answered meanwhile within 6 CPU-s, `toolkit check` passes."""
    s = make_settings(tmp_path)
    base = write(tmp_path / "base", "phuthinh.txt", hb.BASE_ARTICLE)
    subprocess.run(_cli(s.store, "ingest", str(base)), cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)
    (tmp_path / "in").mkdir()
    f = hb.CASES[case](tmp_path / "in" / f"{case}.txt")
    t0 = time.monotonic()
    proc = subprocess.Popen(_cli(s.store, "ingest", str(f)), cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    during = proc.poll() is None
    c0 = _child_cpu()
    t_ask, ans = _ask_child(s.store)
    c_ask = _child_cpu() - c0
    out, err = proc.communicate(timeout=600)
    t_ingest, c_ingest = time.monotonic() - t0, _child_cpu() - c0 - c_ask
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    note(f"{f.stat().st_size / 1e6:.1f} MB: ingest {t_ingest:.1f}s ({c_ingest:.1f}s CPU) rc={proc.returncode}, "
         f"question {t_ask:.1f}s ({c_ask:.1f}s CPU)"
         f"{' during' if during else ' after'} the ingest; {errors[0][:80] if errors else out.strip()}")
    assert isinstance(ans, dict), ans
    assert "23" in ans["answer"], ans
    # CPU seconds: the bounds of issue 17 (60 s, 6 s on 2 idle cores) however busy the shared machine is
    assert c_ingest < 60 and c_ask < 6
    if proc.returncode:
        assert len(errors) == 1 and str(f) in errors[0] and "TOOLKIT_INGEST__MAX_CHUNKS" in errors[0], err
        assert Store(s.store).doc_ids() == ["phuthinh"]
    else:
        assert f.stem in Store(s.store).doc_ids()
    assert_store_ok(s)


@pytest.mark.reliability_slow
def test_kill9_while_indexing_a_large_document_then_rerun(tmp_path, note):
    """kill -9 while a document at the chunk budget is being indexed, then rerun: complete, consistent, no duplicates."""
    s = make_settings(tmp_path)
    (tmp_path / "in").mkdir()
    f = hb.at_budget(tmp_path / "in" / "big.txt")
    env = dict(os.environ, TOOLKIT_INDEX__SYNC_BATCH_CHUNKS="16")
    proc = subprocess.Popen(_cli(s.store, "ingest", str(f)), cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    cache = Path(s.store) / "embeddings.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and not cache.exists():
        time.sleep(0.01)
    time.sleep(0.2)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    note("killed while indexing" if killed else "the ingest ended before the kill")
    rerun = subprocess.run(_cli(s.store, "ingest", str(f)), cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert_store_ok(s)


@pytest.mark.reliability_slow
def test_ctrl_c_of_toolkit_ingest_while_indexing_then_rerun(tmp_path, note):
    """Ctrl-C (SIGINT) of `toolkit ingest` while it indexes: exit 130, nothing half-written, the rerun completes it."""
    s = make_settings(tmp_path)
    for i in range(300):
        write(tmp_path / "in", f"so{i:03d}.txt", numbered_article(i))
    env = dict(os.environ, TOOLKIT_INDEX__SYNC_BATCH_CHUNKS="16")
    proc = subprocess.Popen(_cli(s.store, "ingest", str(tmp_path / "in")), cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    cache = Path(s.store) / "embeddings.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not cache.exists():
        time.sleep(0.01)
    time.sleep(0.3)
    stopped = proc.poll() is None
    if stopped:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    held = len((Index.open(s, read_only=True).read_manifest() or {"docs": {}})["docs"])
    problems = check_store(s)
    note(f"{'interrupted' if stopped else 'ended first'} with {held}/300 documents indexed; {len(problems)} check problem(s)")
    if stopped:
        assert proc.returncode == 130 and "interrupted" in err, err
    assert all("documents not indexed" in p for p in problems), problems
    rerun = subprocess.run(_cli(s.store, "ingest", str(tmp_path / "in")), cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert_store_ok(s)
