"""Bilingual cited summaries: Document + verified Record -> Summary (Vietnamese and English).

Data to text, checked by the one verifier; the model only polishes:
1. `build_facts` states what the record holds: the lead (date, organiser, kind of event, from the
   record and the glossaries), the chair or head of delegation with their title, the figures with
   their subjects (each figure's label_en, verified or read from its clause by toolkit.figure_en), the documents
   cited and the awards. The Vietnamese sentence of a fact is the source's own clause.
2. Every sentence, in both languages, passes toolkit.verify (`sentence_problems` against its cited
   paragraphs, `record_problems` against the record: kind of event, date, roles, who inspects whom,
   each number's subject); a fact whose sentence fails is dropped.
3. The model may rewrite the English (`summary_polish_en`, one call per article); each polished
   sentence passes the same checks or its record-built sentence is kept. A stronger model (settings
   llm.url or model_path) may write freely from the body (`summary_free_en`) under the same checks.

`summarise_store` caches summaries by (content hash, model, prompt version + record); it needs
records and never extracts them (`toolkit extract DOC` first).
"""

from ..verify import foreign_provinces, vi_ratio, vietnamese_share
from .base import Fact, article_provinces, date_en, name_tokens, period_en, source_paragraphs
from .batch import summarise_store
from .build import build_facts, summarise
from .cache import (
    MissingRecordError,
    expected_model_name,
    is_current,
    prompt_version,
    summary_json,
    summary_version,
)
from .polish import parse_numbered, strong_model

__all__ = [
    "Fact", "MissingRecordError", "article_provinces", "build_facts", "date_en", "expected_model_name",
    "foreign_provinces", "is_current", "name_tokens", "parse_numbered", "period_en", "prompt_version",
    "source_paragraphs", "strong_model", "summarise", "summarise_store", "summary_json", "summary_version",
    "vi_ratio", "vietnamese_share",
]
