"""The facade the UI talks to: one object that owns the store, the index and the model, over
toolkit.library (which orders the stages), plus the targets table the UI shows.

Everything heavy (Chroma, the embedder, the LLM) is built lazily on first use. The model is not
thread-safe, so every generation runs under one lock; ingests and index syncs run under another, and
questions read the committed index (read-only), so an ingest never makes a question wait.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .llm import LazyLLM
from .schemas import Answer, Document, Figure, IngestReport, Record, Summary
from .store import Store

if TYPE_CHECKING:
    from .llm import LLM
    from .settings import Settings

def _fold(s: str) -> str:
    """Lowercase, NFC; tone-placement variants unified when toolkit.textnorm is available."""
    s = unicodedata.normalize("NFC", s or "")
    try:
        from .textnorm import fold

        return fold(s)
    except Exception:  # noqa: BLE001 - textnorm is optional here; plain casefold is a fine fallback
        return s.lower()


def _plain(s: str) -> str:
    """Folded, diacritics removed, đ->d, punctuation to spaces, whitespace collapsed."""
    s = unicodedata.normalize("NFD", _fold(s)).replace("đ", "d").replace("Đ", "d")
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    s = re.sub(r"[^\w%]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


# Words that say "this is a target" or "this is a result" rather than what is counted.
_LABEL_NOISE = {
    "chi", "tieu", "ke", "hoach", "muc", "phan", "dau", "dat", "ket", "qua", "thuc", "hien",
    "so", "voi", "nam", "giao", "duoc", "target", "result", "of", "the", "planned", "achieved",
}


def norm_label(label: str, unit: str = "") -> str:
    """A matching key for a figure's label and unit: what is counted, without target/result words."""
    words = [w for w in _plain(f"{label} {unit}").split() if w not in _LABEL_NOISE and not w.isdigit()]
    return " ".join(sorted(set(words)))


def _ev_ref(fig: Figure) -> str:
    return f"{fig.evidence.doc_id}/{fig.evidence.paragraph_id}"


def build_targets(records: list[Record]) -> list[dict[str, Any]]:
    """Rows of target against result per organisation, label and period, each naming its evidence.

    - A figure written as "152/150" (Figure.target set) is one row: result 152, target 150.
    - A figure of kind 'target' is matched to 'result' figures of the same organisation whose
      normalised label+unit is the same (in this article or any other: results are often
      reported later, elsewhere). Unmatched targets are listed with an empty result.
    """
    rows: list[dict[str, Any]] = []
    targets: list[tuple[Record, Figure]] = []
    results: dict[tuple[str, str], list[tuple[Record, Figure]]] = {}
    for rec in records:
        org = rec.organization or rec.title
        for fig in rec.figures:
            if fig.target is not None:
                rows.append(_row(org, fig.period or rec.period, fig, target=fig.target, target_ref=_ev_ref(fig),
                                 result=fig.value, result_ref=_ev_ref(fig)))
            elif fig.kind == "target":
                targets.append((rec, fig))
            elif fig.kind in ("result", "count"):
                results.setdefault((_plain(org), norm_label(fig.label, fig.unit)), []).append((rec, fig))
    for rec, fig in targets:
        org = rec.organization or rec.title
        key = (_plain(org), norm_label(fig.label, fig.unit))
        matches = [m for m in results.get(key, []) if key[1]]
        if not matches:
            rows.append(_row(org, fig.period or rec.period, fig, target=fig.value, target_ref=_ev_ref(fig)))
        for mrec, mfig in matches:
            rows.append(_row(org, fig.period or rec.period or mfig.period or mrec.period, fig, target=fig.value,
                             target_ref=_ev_ref(fig), result=mfig.value, result_ref=_ev_ref(mfig)))
    rows.sort(key=lambda r: (r["organisation"], r["period"] or "", r["label"]))
    return rows


def _row(org: str, period: str | None, fig: Figure, *, target: float | None, target_ref: str,
         result: float | None = None, result_ref: str = "") -> dict[str, Any]:
    percent = round(result / target * 100, 2) if result is not None and target else None
    refs = [r for r in dict.fromkeys([target_ref, result_ref]) if r]
    return {
        "organisation": org,
        "period": period or "",
        "label": fig.label,
        "unit": fig.unit,
        "target": target,
        "result": result,
        "percent": percent,
        "target_ref": target_ref,
        "result_ref": result_ref,
        "evidence": refs,
    }


class Pipeline:
    """The toolkit seen from a face (the UI): ask, ingest, browse, targets, eval report.

    A thin, long-lived holder over toolkit.library: it keeps the store, the indexes and the model
    open between requests and serialises what must not overlap; the stages themselves are library's.
    Questions read the index read-only under the model lock; ingests and syncs take the write lock,
    so an ingest never makes a question wait for the model."""

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
        self.lock = threading.Lock()  # one generation at a time
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
    def ask(self, question: str) -> Answer:
        from . import library

        index, llm = self.reader, self.llm
        with self.lock:
            [(_, answer)] = library.ask(self.settings, [(None, question)], store=self.store, index=index, llm=llm)
            return answer

    def ingest_paths(self, paths: list[Path]) -> IngestReport:
        from . import library

        index = self.index
        with self._write_lock:  # not self.lock: questions are answered meanwhile, from what is indexed
            return library.ingest(self.settings, [Path(p) for p in paths], store=self.store, index=index).report

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

    def targets(self) -> list[dict[str, Any]]:
        return build_targets(self.store.records())

    def latest_eval_report(self) -> dict | None:
        p = self.report_path
        if not p.exists():
            return None
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            return {"meta": {"error": f"{p}: unreadable report ({type(e).__name__}); rerun `toolkit evals`"}}
        return data if isinstance(data, dict) else {"meta": {"error": f"{p}: not a JSON object; rerun `toolkit evals`"}}


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
