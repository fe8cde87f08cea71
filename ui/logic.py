"""What the UI does, as plain functions of a pipeline: no gradio import, unit-tested with a fake.

The pipeline is anything with the methods of toolkit.pipeline.Pipeline used here (ask, document,
record, summary, documents, provinces, targets, ingest_paths, latest_eval_report).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import Any, Iterator

from toolkit.conversation import lang_of, resolve_turns, understood_line
from toolkit.errors import ToolkitError
from toolkit.schemas import Answer, Citation

from . import render
from .i18n import t
from .turns import Turns

# --- chat ----------------------------------------------------------------------------------------


def content_text(content: Any) -> str:
    """Text of a chatbot message content: a string, or Gradio 6's list of {type: text, text} parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(content_text(c) for c in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    return ""


def citation_choices(pipeline, citations: list[Citation], lang: str = "vi") -> list[str]:
    return [render.citation_label(i, c, _safe_doc(pipeline, c.doc_id), lang, _safe_record(pipeline, c.doc_id))
            for i, c in enumerate(citations, 1)]


def _safe_doc(pipeline, doc_id: str):
    try:
        return pipeline.document(doc_id)
    except ToolkitError:
        return None


def _safe_record(pipeline, doc_id: str):
    try:
        return pipeline.record(doc_id)
    except ToolkitError:
        return None


def ask_safely(pipeline, question: str, filters: dict | None = None) -> tuple[Answer | None, str]:
    """The pipeline's answer, or (None, one-line error) — the UI never crashes on a pipeline error."""
    try:
        return (pipeline.ask(question, filters=filters) if filters else pipeline.ask(question)), ""
    except ToolkitError as e:
        return None, str(e)
    except Exception as e:  # noqa: BLE001 - shown to the user, the app keeps running
        return None, f"internal error ({type(e).__name__}: {e}); see the server log"


def chat_step(pipeline, message: str, history: list[dict] | None, filters: dict | None = None, lang: str = "vi"
              ) -> tuple[list[dict], list[Citation], list[str]]:
    """One chat turn, not streamed: (new history, citations, citation labels)."""
    *_, (hist, cits, labels, _final) = stream_chat(pipeline, message, history, filters=filters, lang=lang)
    return hist, cits, labels


def applied_filters(filters: dict | None, names: dict[str, str] | None, lang: str) -> str:
    """'Đã lọc theo: Tỉnh: Lâm Đồng; Kỳ (năm): 2022' — the filters the search honoured, or ''."""
    keys = [("province", "f_province"), ("period", "f_period"), ("organisation", "f_org"), ("article", "f_article")]
    parts = [f"{t(label, lang)}: {(names or {}).get(filters[k], filters[k]) if k == 'article' else filters[k]}"
             for k, label in keys if (filters or {}).get(k)]
    return f"{t('filters_applied', lang)}: " + "; ".join(parts) if parts else ""


def _answer_events(pipeline, question: str, filters: dict | None) -> Iterator[tuple[str, Any]]:
    """("composed", Answer) when the composed answer comes before the model phrases it, ("delta", text)
    as the phrasing is released, then ("final", Answer) or ("error", line). A pipeline without
    ask_stream answers in one piece."""
    stream = getattr(pipeline, "ask_stream", None)
    if stream is None:
        answer, error = ask_safely(pipeline, question, filters)
        yield ("final", answer) if answer is not None else ("error", error)
        return
    try:
        for event in (stream(question, filters=filters) if filters else stream(question)):
            if hasattr(event, "answer"):
                yield "final", event.answer
                return
            if hasattr(event, "composed"):
                yield "composed", event.composed
                continue
            yield "delta", event.text
    except ToolkitError as e:
        yield "error", str(e)
    except Exception as e:  # noqa: BLE001 - shown to the user, the app keeps running
        yield "error", f"internal error ({type(e).__name__}: {e}); see the server log"


def stream_chat(pipeline, message: str, history: list[dict] | None, filters: dict | None = None,
                lang: str = "vi", names: dict[str, str] | None = None, turns: Turns | None = None
                ) -> Iterator[tuple[list[dict], list[Citation], list[str], bool]]:
    """Yield (history, citations, labels, final) progressively: the question shows at once (with its
    place in the line while earlier questions are answered, given `turns`); a composed answer shows
    whole at once, also when the model then phrases it: the phrasing grows under it as the model's
    tokens pass the grounding gate, and the final answer (the phrased one when it passed) takes the
    place of both; the citations arrive with the last yield, the only one with final=True.

    The question is first completed from the earlier user turns (toolkit.conversation) and the
    completed question is shown; the chosen filters narrow the search and are named under the answer.
    `lang` is the interface's (citation labels, waiting line); the answer's framing follows the answer's language."""
    history = [{"role": m["role"], "content": content_text(m.get("content"))} for m in (history or [])]
    question = (message or "").strip()
    if not question:
        yield list(history), [], [], True
        return
    filters = {k: v for k, v in (filters or {}).items() if v}
    prior = [render.md_unesc(m["content"]) for m in history if m["role"] == "user"]
    resolved = resolve_turns(prior + [question])[-1]
    q_lang = lang_of(question)
    understood = understood_line(resolved, q_lang)
    lead = f"_{render.md_esc(understood)}_\n\n" if understood else ""
    history = history + [{"role": "user", "content": render.md_esc(question)},
                         {"role": "assistant", "content": lead + "…"}]
    yield list(history), [], [], False
    ticket = turns.take() if turns is not None else None
    try:
        if ticket is not None:
            while (ahead := turns.wait(ticket)) > 0:
                history[-1] = {"role": "assistant", "content": lead + f"_{render.md_esc(t('queued', lang, n=ahead))}_"}
                yield [dict(m) for m in history], [], [], False
            history[-1] = {"role": "assistant", "content": lead + "…"}
            yield [dict(m) for m in history], [], [], False
        shown, answer, above = "", None, ""
        for kind, value in _answer_events(pipeline, resolved.question, filters or None):
            if kind == "composed":  # shown at once, without markers (they come with the final answer)
                above = render.answer_markdown(value.answer, value.abstained, [], value.language) + "\n\n"
                history[-1] = {"role": "assistant", "content": lead + above + f"_{render.md_esc(t('phrasing', value.language))}_"}
                yield [dict(m) for m in history], [], [], False
            elif kind == "delta":
                shown += value
                history[-1] = {"role": "assistant", "content": lead + above + (f"_{render.md_esc(shown)} …_" if above else render.md_esc(shown) + " …")}
                yield [dict(m) for m in history], [], [], False
            elif kind == "error":
                history[-1] = {"role": "assistant", "content": lead + f"**{t('error', q_lang)}:** " + render.md_esc(value)}
                yield list(history), [], [], True
                return
            else:
                answer = value
    finally:
        if ticket is not None:
            turns.done(ticket)
    if answer is None:
        history[-1] = {"role": "assistant", "content": lead + f"**{t('error', q_lang)}:** " + render.md_esc("no answer came back; ask again")}
        yield list(history), [], [], True
        return
    cits = [] if answer.abstained else list(answer.citations)
    applied = applied_filters(filters, names, answer.language)
    tail = f"\n\n_{render.md_esc(applied)}_" if applied else ""
    final = render.answer_markdown(answer.answer, answer.abstained, cits, answer.language)
    history[-1] = {"role": "assistant", "content": lead + final + tail}
    yield list(history), cits, citation_choices(pipeline, cits, lang), True


def citation_panel(pipeline, citations: list[Citation] | list[dict], label: str | None, lang: str = "vi") -> str:
    """HTML for the citation whose label ("[n] ...") was clicked."""
    if not label:
        return f'<p class="tk-note">{render.esc(t("click_citation", lang))}</p>'
    m = re.match(r"\[(\d+)\]", label)
    if not m or not (1 <= int(m.group(1)) <= len(citations)):
        return f'<p class="tk-note">{render.esc(t("citation_gone", lang))}</p>'
    c = citations[int(m.group(1)) - 1]
    c = c if isinstance(c, Citation) else Citation.model_validate(c)
    return render.render_citation(c, _safe_doc(pipeline, c.doc_id), _safe_record(pipeline, c.doc_id), lang)


def api_ask(pipeline, question: str) -> dict:
    """The named API endpoint: one question in, a JSON-able answer with citations out."""
    answer, error = ask_safely(pipeline, question or "")
    if answer is None:
        return {"answer": "", "abstained": True, "error": error, "citations": []}
    return {
        "question": answer.question,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "language": answer.language,
        "route": answer.route,
        "latency_s": answer.latency_s,
        "citations": [{"doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "text": c.text, "quote": c.quote}
                      for c in answer.citations],
    }


# --- library -------------------------------------------------------------------------------------

LIBRARY_HEADERS = ["doc_id", "date", "province", "title", "paragraphs"]


def library_rows(pipeline, province: str | None = None, date_from: str | None = None, date_to: str | None = None,
                 text: str | None = None) -> tuple[list[list[str]], str]:
    """(table rows, status line) for the filters; a bad filter gives an empty table and the reason."""
    from toolkit.pipeline import doc_day

    province = None if province in (None, "", "(all)") else province
    try:
        docs = pipeline.documents(province=province, date_from=(date_from or "").strip() or None,
                                  date_to=(date_to or "").strip() or None, text=text or None)
    except ToolkitError as e:
        return [], f"Filter error: {e}"
    rows = []
    for d in docs:
        rec = pipeline.record(d.doc_id)
        day = doc_day(d, rec)
        rows.append([d.doc_id, day.isoformat() if day else "", (rec.province if rec else "") or "", d.title,
                     str(len(d.paragraphs))])
    return rows, f"{len(rows)} article(s)"


def article_view(pipeline, doc_id: str | None, lang: str = "vi") -> tuple[str, str, str]:
    """(record html, summaries html, original text html) of one article."""
    if not doc_id:
        return render.render_document(None, lang), "", ""
    doc = pipeline.document(doc_id)
    if doc is None:
        return f'<p class="tk-note">{render.esc(t("no_article", lang))} ({render.esc(doc_id)})</p>', "", ""
    return (render.render_record(pipeline.record(doc_id), doc_id, lang),
            render.render_summaries(pipeline.summary(doc_id), doc_id, lang), render.render_document(doc, lang))


# --- ingest --------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def sanitize_upload_name(name: str) -> str | None:
    """The basename of an uploaded file's name, safe to create in a folder of ours; None when nothing is left.

    Directory parts (/ and \\), control characters and leading dots are removed, so '../../x.txt'
    becomes 'x.txt' and '..', '/', '' become None.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = _CONTROL.sub("", name).replace("\\", "/").split("/")[-1].strip()
    name = name.lstrip(".").strip()
    if not name or name in (".", ".."):
        return None
    return name[:200]


def upload_original_name(item: Any) -> str:
    """The client's file name of a gradio upload (a path string, a FileData-like object or a dict)."""
    if isinstance(item, dict):
        return str(item.get("orig_name") or item.get("name") or item.get("path") or "")
    for attr in ("orig_name", "name", "path"):
        v = getattr(item, attr, None)
        if isinstance(v, str) and v:
            return v
    return str(item)


def upload_path(item: Any) -> Path:
    if isinstance(item, dict):
        return Path(item.get("path") or item.get("name"))
    return Path(getattr(item, "path", None) or getattr(item, "name", None) or str(item))


def stage_uploads(items: list[tuple[str, Path]], dest: Path) -> tuple[list[Path], list[dict[str, str]]]:
    """Copy (client name, temp path) uploads into dest under sanitised basenames.

    Returns (staged paths, rejections as result rows). Nothing is ever written outside dest.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    staged: list[Path] = []
    rejected: list[dict[str, str]] = []
    seen: set[str] = set()
    for orig, src in items:
        safe = sanitize_upload_name(orig)
        if safe is None:
            rejected.append({"name": orig, "status": "error", "detail": "file name is empty after removing folders; rename the file"})
            continue
        if safe in seen:
            rejected.append({"name": orig, "status": "error", "detail": f"another upload is also named {safe}; rename one"})
            continue
        target = (dest / safe).resolve()
        if target.parent != root:
            rejected.append({"name": orig, "status": "error", "detail": "unsafe file name; rename the file"})
            continue
        seen.add(safe)
        shutil.copyfile(src, target)
        staged.append(target)
    return staged, rejected


class UploadJob:
    """One upload batch ingested and indexed in a background thread. Questions never wait for it: the
    pipeline's ingest holds the store's writer lock, not the model lock, and questions read the
    committed index. The uploads are copied into a folder of the job's own first, so the client's
    temporary files may go away meanwhile."""

    def __init__(self, pipeline, items: list[tuple[str, Path]]):
        self._tmp = tempfile.TemporaryDirectory(prefix="toolkit-upload-")
        staged, self.results = stage_uploads(items, Path(self._tmp.name))
        self.staged = staged
        self.status = f"ingesting and indexing {len(staged)} file(s) in the background" if staged else ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(pipeline,), name="toolkit-upload", daemon=True)
        self._thread.start()

    def _run(self, pipeline) -> None:
        try:
            if self.staged:
                self.results += _ingest_rows(pipeline, self.staged)
        finally:
            self._tmp.cleanup()
            ok = sum(r["status"] != "error" for r in self.results)
            self.status = f"{ok} file(s) ingested, {len(self.results) - ok} error(s)"
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


def _ingest_rows(pipeline, staged: list[Path]) -> list[dict[str, str]]:
    try:
        report = pipeline.ingest_paths(staged)
    except ToolkitError as e:
        return [{"name": p.name, "status": "error", "detail": str(e)} for p in staged]
    except Exception as e:  # noqa: BLE001 - a background job reports, the app keeps running
        return [{"name": p.name, "status": "error", "detail": f"internal error ({type(e).__name__}: {e})"} for p in staged]
    rows = []
    by_stem = {p.stem: p.name for p in staged}
    for status in ("added", "replaced", "unchanged"):
        for doc_id in getattr(report, status):
            rows.append({"name": by_stem.get(doc_id, doc_id), "status": status, "detail": f"doc_id {doc_id}"})
    for f in report.failed:
        rows.append({"name": Path(f.path).name, "status": "error", "detail": f.problem})
    return rows


def ingest_uploads(pipeline, items: list[tuple[str, Path]], progress=None, poll_s: float = 0.5) -> tuple[list[dict[str, str]], str]:
    """Stage, ingest and index uploads as an UploadJob and wait for it. Returns (per-file result rows, status line)."""
    if not items:
        return [], "Choose one or more files first."
    if progress:
        progress(0.1, desc="copying uploads")
    job = UploadJob(pipeline, items)
    if progress and job.staged:
        progress(0.3, desc=f"ingesting and indexing {len(job.staged)} file(s); questions are answered meanwhile")
    while not job.wait(poll_s):
        pass
    if progress:
        progress(1.0, desc="done")
    return job.results, job.status
