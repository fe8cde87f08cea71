"""The facade the UI talks to: one object that owns the store, the index and the model, over
toolkit.library (which orders the stages); the targets timeline is toolkit.targets', chat filters
toolkit.filters'.

Everything heavy (Chroma, the embedder, the LLM) is built lazily on first use. The model is not
thread-safe, so every generation runs under one lock; ingests and index syncs run under another, and
questions read the committed index (read-only), so an ingest never makes a question wait.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .jobs import ModelLock, Progress, RecordJobs
from .llm import LazyLLM
from .schemas import Answer, Document, IngestReport, Record, Summary
from .store import Store
from .vi.text import fold, strip_marks

if TYPE_CHECKING:
    from .llm import LLM
    from .targets import Row
    from .settings import Settings

class Pipeline:
    """The toolkit seen from a face (the UI): ask, ingest, browse, targets, eval report.

    A thin, long-lived holder over toolkit.library: it keeps the store, the indexes and the model
    open between requests and serialises what must not overlap; the stages themselves are library's.
    Questions read the index read-only and take the model lock only while the model works (ask()
    holds it throughout); ingests and syncs take the write lock, so an ingest never makes a question
    wait for the model."""

    def __init__(self, settings: "Settings", llm: "LLM | None" = None, *, report_path: Path | None = None,
                 embedder: Any = None):
        self.settings = settings
        self._llm = llm
        self._embedder = embedder
        self._store: Store | None = None
        self._index = None
        self._reader = None
        self.report_path = Path(report_path) if report_path else Path(settings.eval_report)
        self._build_lock = threading.Lock()
        self.lock = ModelLock()  # one generation at a time; questions before background records
        self._jobs: RecordJobs | None = None
        self._write_lock = threading.Lock()  # one ingest or index sync at a time

    # --- lazy parts -----------------------------------------------------------------------
    @property
    def store(self) -> Store:
        with self._build_lock:
            if self._store is None:
                self._store = Store(self.settings.store).ensure()
            return self._store

    @property
    def index(self):
        """The writer index (ingest, extract, refresh_index)."""
        store = self.store
        with self._build_lock:
            if self._index is None:
                from . import library

                self._index = library.open_index(self.settings, store, embedder=self._embedder)
            return self._index

    @property
    def reader(self):
        """The read-only index questions use; it is never synced."""
        store = self.store
        with self._build_lock:
            if self._reader is None:
                from . import library

                self._reader = library.open_index(self.settings, store, embedder=self._embedder, read_only=True)
            return self._reader

    def refresh_index(self) -> None:
        """Bring the index up to date with the store (it may have changed since the index was last
        written); the app does this once before serving."""
        from . import library

        index = self.index
        with self._write_lock:
            library.sync(index)

    @property
    def llm(self) -> "LLM":
        """The model given, or one loaded from the settings on its first generation (so browsing and
        extractive answers never pay for loading it)."""
        with self._build_lock:
            if self._llm is None:
                self._llm = LazyLLM(self.settings)
            return self._llm

    # --- actions --------------------------------------------------------------------------
    def ask(self, question: str, filters: dict | None = None) -> Answer:
        """A cited answer; `filters` (province, year or period, organisation, article or doc_ids)
        narrow the search (toolkit.filters)."""
        from . import library
        from .filters import FilteredIndex, SearchFilters

        index, llm = self.reader, self.llm
        chosen = SearchFilters.from_dict(filters)
        if not chosen.empty:
            index = FilteredIndex(index, **chosen.search_kwargs(self.store))
        with self.lock:
            [(_, answer)] = library.ask(self.settings, [(None, question)], store=self.store, index=index, llm=llm)
            return answer

    def ask_stream(self, question: str, filters: dict | None = None) -> Iterator[Any]:
        """The answer as events (toolkit.chat_stream): the Composed answer at once when the model will
        phrase it, Delta text as the phrasing is released, then one Final. Runs in a worker thread
        that holds the model lock only while the model works (a composed answer never waits for a
        background model call), so the lock is released even when the consumer goes away."""
        from . import library
        from .filters import FilteredIndex, SearchFilters
        from .llm.streaming import threaded

        index, llm = self.reader, self.llm
        chosen = SearchFilters.from_dict(filters)
        if not chosen.empty:
            index = FilteredIndex(index, **chosen.search_kwargs(self.store))

        def produce(emit) -> None:
            for event in library.ask_stream(self.settings, question, store=self.store, index=index, llm=llm,
                                            hold=lambda: self.lock):
                emit(event)

        return threaded(produce)

    def ingest_paths(self, paths: list[Path]) -> IngestReport:
        """Store and index the files; with ui.records_on_ingest, their records and summaries are then
        made in the background (schedule)."""
        from . import library

        index = self.index
        with self._write_lock:  # not self.lock: questions are answered meanwhile, from what is indexed
            report = library.ingest(self.settings, [Path(p) for p in paths], store=self.store, index=index).report
        if self.settings.ui.records_on_ingest and (report.added or report.replaced):
            self.schedule(list(report.added) + list(report.replaced))
        return report

    # --- background records and summaries -------------------------------------------------
    @property
    def jobs(self) -> RecordJobs:
        with self._build_lock:
            if self._jobs is None:
                self._jobs = RecordJobs(self._run_stage)
            return self._jobs

    def schedule(self, doc_ids: list[str], stages: tuple[str, ...] = ("extract", "summarise"), force: bool = False) -> int:
        """Queue records and/or summaries of these articles for the background worker."""
        return self.jobs.submit(doc_ids, stages=stages, force=force)

    def progress(self) -> Progress:
        return self.jobs.progress()

    def missing(self) -> dict[str, list[str]]:
        """Articles without a record of their current text, and without a summary."""
        store = self.store
        docs = store.documents()
        no_rec = [d.doc_id for d in docs if (r := store.get_record(d.doc_id)) is None or r.content_hash != d.content_hash]
        no_sum = [d.doc_id for d in docs if store.get_summary(d.doc_id) is None]
        return {"extract": no_rec, "summarise": no_sum}

    def _run_stage(self, doc_id: str, stage: str, force: bool) -> None:
        """One background stage of one article, the model held one call at a time (LockedLLM)."""
        from . import library
        from .jobs import LockedLLM

        llm, index = LockedLLM(self.llm, self.lock), self.index
        if stage == "extract":
            library.extract(self.settings, [doc_id], force=force, llm=llm, store=self.store, sync_index=False)
            with self._write_lock:
                library.sync(index)
        else:
            library.summarise(self.settings, [doc_id], force=force, llm=llm, store=self.store, index=index)

    def extract(self, doc_id: str) -> Record | None:
        """Extract (or re-use the cached) record of one document with the pipeline's model, then
        sync the index (records refine the indexed date and province)."""
        from . import library

        llm, index = self.llm, self.index
        with self.lock, self._write_lock:
            recs = library.extract(self.settings, [doc_id], llm=llm, store=self.store, index=index)
        return recs[0] if recs else None

    # --- reading --------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        return self.store.get_document(doc_id)

    def record(self, doc_id: str) -> Record | None:
        return self.store.get_record(doc_id)

    def summary(self, doc_id: str) -> Summary | None:
        return self.store.get_summary(doc_id)

    def provinces(self) -> list[str]:
        return sorted({r.province for r in self.store.records() if r.province})

    def documents(self, province: str | None = None, date_from: str | date | None = None,
                  date_to: str | date | None = None, text: str | None = None) -> list[Document]:
        """Stored documents filtered by the record's province, the event (or publication) day, and text."""
        d_from, d_to = _as_date(date_from), _as_date(date_to)
        needle = _plain(text) if text and text.strip() else ""
        out = []
        for doc in self.store.documents():
            rec = self.store.get_record(doc.doc_id) if (province or d_from or d_to) else None
            if province and (rec is None or _plain(rec.province or "") != _plain(province)):
                continue
            day = doc_day(doc, rec)
            if (d_from or d_to) and day is None:
                continue
            if d_from and day < d_from or d_to and day > d_to:
                continue
            if needle and needle not in _plain(f"{doc.doc_id} {doc.title} {doc.text}"):
                continue
            out.append(doc)
        return out

    def targets(self) -> list["Row"]:
        """The targets-vs-results timeline over every stored record (toolkit.targets)."""
        from .targets import build_timeline

        ui = self.settings.ui
        return build_timeline(self.store.records(), label_similarity=ui.target_label_similarity,
                              org_similarity=ui.target_org_similarity)

    def latest_eval_report(self) -> dict | None:
        p = self.report_path
        if not p.exists():
            return None
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            return {"meta": {"error": f"{p}: unreadable report ({type(e).__name__}); rerun `toolkit evals`"}}
        return data if isinstance(data, dict) else {"meta": {"error": f"{p}: not a JSON object; rerun `toolkit evals`"}}


def _plain(s: str) -> str:
    """Folded, diacritics removed (đ->d), punctuation to spaces, whitespace collapsed."""
    return " ".join(re.findall(r"[\w%]+", strip_marks(fold(s or ""))))


def doc_day(doc: Document, rec: Record | None) -> date | None:
    if rec is not None and rec.date:
        return rec.date
    if doc.published:
        return doc.published.date()
    return None


def _as_date(v: str | date | None) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    from .errors import ToolkitError

    raise ToolkitError(f"date {s!r}: not a date; write YYYY-MM-DD or DD/MM/YYYY")
