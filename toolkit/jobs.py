"""Records and summaries made in the background, one article at a time, through toolkit.library.

    jobs = RecordJobs(run_one)          # run_one(doc_id, stage, force) does one stage of one article
    jobs.submit(["a1", "a2"], stages=("extract", "summarise"))
    jobs.progress() -> Progress         # what the UI shows: done / total, the current article and stage

The model is shared with the chat: `ModelLock` gives waiting questions the model before the next
background call (a background stage holds it one model call at a time, see `LockedLLM`), so a
question waits at most for the call in flight, never for a whole article.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

STAGES = ("extract", "summarise")


class ModelLock:
    """A lock with two priorities: `with lock:` (questions) goes before `with lock.background():`."""

    def __init__(self):
        self._cond = threading.Condition()
        self._held = False
        self._urgent = 0

    def acquire(self, urgent: bool = True) -> None:
        with self._cond:
            if urgent:
                self._urgent += 1
            try:
                while self._held or (not urgent and self._urgent):
                    self._cond.wait()
            finally:
                if urgent:
                    self._urgent -= 1
            self._held = True

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def __enter__(self) -> "ModelLock":
        self.acquire(urgent=True)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def background(self) -> "_Background":
        return _Background(self)


class _Background:
    def __init__(self, lock: ModelLock):
        self.lock = lock

    def __enter__(self) -> None:
        self.lock.acquire(urgent=False)

    def __exit__(self, *exc: Any) -> None:
        self.lock.release()


class LockedLLM:
    """An LLM whose every call holds the model lock at background priority."""

    concurrent = False

    def __init__(self, llm: Any, lock: ModelLock):
        self._inner = llm.get() if hasattr(llm, "get") else llm  # the real model (its name keys the caches)
        self._lock = lock
        self.name = getattr(self._inner, "name", type(self._inner).__name__)

    def complete(self, messages, schema=None, max_tokens=None, max_seconds=None):
        with self._lock.background():
            return self._inner.complete(messages, schema=schema, max_tokens=max_tokens, max_seconds=max_seconds)

    def stream(self, messages, max_tokens=None):
        with self._lock.background():
            return iter(list(self._inner.stream(messages, max_tokens=max_tokens)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@dataclass
class Progress:
    total: int = 0  # stages submitted since the queue was last empty
    done: int = 0
    current: str = ""  # "doc_id: stage"
    failed: dict[str, str] = field(default_factory=dict)  # doc_id -> one-line error
    finished: list[str] = field(default_factory=list)  # doc ids whose stages all ran, latest last
    changes: int = 0  # grows whenever a stage finished (the UI refreshes its lists when it changes)

    @property
    def busy(self) -> bool:
        return bool(self.current) or self.done < self.total


class RecordJobs:
    """A queue of (doc_id, stage, force) run in order by one daemon thread."""

    def __init__(self, run_one: Callable[[str, str, bool], None]):
        self._run_one = run_one
        self._queue: deque[tuple[str, str, bool]] = deque()
        self._cond = threading.Condition()
        self._progress = Progress()
        self._thread: threading.Thread | None = None

    def submit(self, doc_ids: list[str], stages: tuple[str, ...] = STAGES, force: bool = False) -> int:
        """Queue the stages of each article (an article already queued or running for a stage is not
        queued again, unless forced); returns how many were added."""
        added = 0
        with self._cond:
            if not self._queue and not self._progress.current:
                self._progress.total = self._progress.done = 0
            for d in doc_ids:
                for s in stages:
                    running = self._progress.current == f"{d}: {s}" and not force
                    if not running and (d, s, force) not in self._queue and (d, s, False) not in self._queue:
                        self._queue.append((d, s, force))
                        added += 1
            self._progress.total += added
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="toolkit-records", daemon=True)
                self._thread.start()
            self._cond.notify_all()
        return added

    def progress(self) -> Progress:
        with self._cond:
            p = self._progress
            return Progress(p.total, p.done, p.current, dict(p.failed), list(p.finished), p.changes)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the queue is empty and nothing runs (tests, scripts)."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._queue or self._progress.current:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._queue:
                    return
                doc_id, stage, force = self._queue.popleft()
                self._progress.current = f"{doc_id}: {stage}"
            error = ""
            try:
                earlier = self._progress.failed.get(doc_id, "")
                if stage != STAGES[0] and earlier.startswith(STAGES[0]):
                    raise RuntimeError(f"skipped: {earlier}")  # no record, no summary
                self._run_one(doc_id, stage, force)
            except Exception as e:  # noqa: BLE001 - a background job reports, the app keeps running
                error = f"{stage}: {str(e).splitlines()[0][:200] if str(e) else type(e).__name__}"
            with self._cond:
                p = self._progress
                p.done += 1
                p.current = ""
                p.changes += 1
                if error:
                    p.failed.setdefault(doc_id, error)
                elif stage == STAGES[0]:
                    p.failed.pop(doc_id, None)  # a fresh record clears an earlier failure
                if not any(q[0] == doc_id for q in self._queue):
                    p.finished = [d for d in p.finished if d != doc_id][-50:] + [doc_id]
                self._cond.notify_all()
