"""kill -9 during ingest, during indexing and during extraction, then rerun: no duplicates, no half
documents, a consistent store (`toolkit check` passes). Marked reliability_slow (subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rel_helpers import REPO_ROOT, assert_store_ok, make_settings, numbered_article, write

from toolkit.check import check_store
from toolkit.index import Index
from toolkit.store import Store

pytestmark = pytest.mark.reliability_slow

HERE = Path(__file__).resolve().parent


def _toolkit(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "toolkit", *args], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 60.0) -> bool:
    """SIGKILL proc as soon as ready() is true. False when the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    raise AssertionError("condition never met")


def _no_half_documents(store: Store) -> list[str]:
    """Every stored JSON parses; leftover temp files (if any) are not taken for documents."""
    ids = store.doc_ids()
    assert all(not i.startswith(".") and not i.endswith(".tmp") for i in ids)
    assert len(store.documents()) == len(ids)
    store.records()
    return [p.name for p in store.documents_dir.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("phase", ["ingest", "index"])
def test_kill9_during_ingest_then_rerun(tmp_path, phase, note):
    """kill -9 of `toolkit ingest` mid-way (storing documents / building the index), then rerun: complete and consistent."""
    s = make_settings(tmp_path)
    n = 300
    src = tmp_path / "in"
    for i in range(n):
        write(src, f"so{i:03d}.txt", numbered_article(i))
    store = Store(s.store)
    args = ["ingest", str(src), "--store", str(s.store), "--embedder", "hash"]
    proc = _toolkit(*args)
    if phase == "ingest":
        ready = lambda: store.documents_dir.is_dir() and sum(1 for _ in store.documents_dir.glob("*.json")) >= 40  # noqa: E731
    else:
        ready = lambda: (Path(s.store) / "embeddings.sqlite").exists() or store.chroma_dir.is_dir()  # noqa: E731
    killed = _kill_when(proc, ready)
    assert killed, "the ingest finished before it could be killed"
    stored = len(store.doc_ids())
    tmp_left = _no_half_documents(store)
    problems = check_store(s)
    note(f"killed with {stored}/{n} docs stored, {len(problems)} check problem(s), {len(tmp_left)} tmp file(s) left")
    old = time.time() - 3600
    for p in [*store.documents_dir.glob(".*.tmp"), *Path(s.store).glob(".*.tmp")]:
        os.utime(p, (old, old))  # as if the kill happened an hour ago
    rerun = subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert len(store.doc_ids()) == n
    assert _no_half_documents(store) == []  # the rerun swept the dead process's temp files
    assert_store_ok(s)


def test_kill9_during_extraction_then_rerun(tmp_path, note):
    """kill -9 during extraction with a slow model, then rerun: one valid record per document, cache reused, store consistent."""
    from slow_extract import slow_llm

    from toolkit.extract import extract_store
    from toolkit.ingest import ingest_paths

    s = make_settings(tmp_path)
    n = 12
    files = [write(tmp_path / "in", f"so{i:03d}.txt", numbered_article(i)) for i in range(n)]
    store = Store(s.store)
    ingest_paths(files, store, s)
    Index(s, store).sync()
    proc = subprocess.Popen([sys.executable, str(HERE / "slow_extract.py"), str(s.store), "0.15"], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = _kill_when(proc, lambda: store.records_dir.is_dir() and len(list(store.records_dir.glob("*.json"))) >= 3)
    assert killed, "extraction finished before it could be killed"
    done_before = {p.stem: p.stat().st_mtime_ns for p in store.records_dir.glob("*.json")}
    assert 3 <= len(done_before) < n
    _no_half_documents(store)
    llm = slow_llm(0.0)
    recs = extract_store(s, progress=False, llm=llm)
    assert sorted(r.doc_id for r in recs) == store.doc_ids() and len(store.records()) == n
    # records written before the kill were reused (the cache is keyed by content, model, prompts)
    assert all(store.records_dir.joinpath(f"{d}.json").stat().st_mtime_ns == m for d, m in done_before.items())
    note(f"killed after {len(done_before)}/{n} records")
    problems = check_store(s)
    if problems:
        note(f"check after extract: {len(problems)} problem(s) until the index is synced")
    Index(s, store).sync()
    assert_store_ok(s)
