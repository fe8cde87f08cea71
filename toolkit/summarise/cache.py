"""Versions, the store cache of summaries, and the JSON shape (../shared/gold/README.md).

`summarise_store` summarises documents that have a current record; it never extracts (the caller
orders the stages): a missing or stale record is a one-line error naming the documents and the fix.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ToolkitError
from ..vi.event_names import load_events
from ..vi.glossary import load_glossary
from ..schemas import Document, Record, Summary

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings
    from ..store import Store

# Bump when fact selection or sentence building changes what summaries say.
CODE_VERSION = "3"
PROMPTS = ("summary_system", "summary_polish_en", "summary_free_en")


class MissingRecordError(ToolkitError):
    """Documents to summarise have no current record."""

    def __init__(self, doc_ids: list[str]):
        self.doc_ids = doc_ids
        shown = " ".join(doc_ids[:10]) + (" ..." if len(doc_ids) > 10 else "")
        super().__init__(f"no current record for {shown}: run `toolkit extract {shown}` first")


def prompt_version(settings: "Settings") -> str:
    """Code + prompt + glossary versions (the part of the cache key that does not depend on the article)."""
    from ..prompts import version

    return f"s{CODE_VERSION}:" + ",".join(f"{n.removeprefix('summary_')}={version(settings, n)}" for n in PROMPTS) + \
        f",glossary={load_glossary().version},events={load_events().version},{_settings_hash(settings)}"


def _settings_hash(settings: "Settings") -> str:
    return "cfg=" + hashlib.sha256(settings.summary.model_dump_json().encode()).hexdigest()[:6]


def _record_hash(record: Record) -> str:
    data = record.model_dump_json(exclude={"seconds"})
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:8]


def summary_version(settings: "Settings", record: Record) -> str:
    return f"{prompt_version(settings)}|record={_record_hash(record)}"


def expected_model_name(settings: "Settings") -> str:
    """The name the configured model will report, without loading it."""
    if settings.llm.url:
        return f"server:{settings.llm.api_model}"
    if settings.llm.model_path:
        return Path(settings.llm.model_path).stem
    try:
        from ..models import load_manifest, preset_info

        return Path(preset_info(settings.llm.preset, load_manifest(settings.models_dir))["file"]).stem
    except Exception:  # noqa: BLE001 - only a cache key; a wrong guess just recomputes
        return settings.llm.preset


def is_current(summary: Summary | None, doc: Document, record: Record, model: str, settings: "Settings") -> bool:
    return (summary is not None and summary.content_hash == doc.content_hash and summary.model == model
            and summary.prompt_version == summary_version(settings, record))


# --- JSON -------------------------------------------------------------------------------------

_PARAGRAPHS: dict[tuple[str, str], str] = {}


def remember(doc: Document) -> None:
    for p in doc.paragraphs:
        _PARAGRAPHS[(doc.doc_id, p.paragraph_id)] = p.text


def summary_json(summary: Summary, doc: Document | None = None) -> dict:
    """{"doc_id", "summary_vi", "summary_en", "citations": [{doc_id, paragraph_id, text, quote,
    language, sentence}]} (../shared/gold/README.md). `text` is the full cited paragraph: from
    `doc` when given, else from the documents summarise/summarise_store loaded in this process."""
    if doc is not None:
        remember(doc)
    cites: list[dict] = []
    for lang, sents in (("vi", summary.summary_vi), ("en", summary.summary_en)):
        for s in sents:
            for c in s.citations:
                cites.append({
                    "doc_id": c.doc_id,
                    "paragraph_id": c.paragraph_id,
                    "text": _PARAGRAPHS.get((c.doc_id, c.paragraph_id), c.quote),
                    "quote": c.quote,
                    "language": lang,
                    "sentence": s.text,
                })
    return {
        "doc_id": summary.doc_id,
        "summary_vi": " ".join(s.text for s in summary.summary_vi),
        "summary_en": " ".join(s.text for s in summary.summary_en),
        "citations": cites,
    }
