"""Grounded extraction: Document -> verified Record.

The code decides, the model labels:
- `gather.build(doc)` reads every number (figures), name and title (people), date, code, award,
  province, organisation and event type from the source text (facts), with the Vietnamese knowledge
  of toolkit.vi;
- `labels` asks the model for figure labels, kinds and roles (schema-bound, repaired, verified);
- `record` grounds every item to a source span (or drops it) and caches records in the store.
"""

from .figures import label_problem, repair_label
from .labels import EVENT_TYPES, FIGURE_KINDS, ROLES, _Tally, figure_reply_schema, people_reply_schema, prompt_version
from .record import extract, extract_store, is_current, verify_items

__all__ = ["extract", "extract_store", "is_current", "verify_items", "prompt_version", "label_problem", "repair_label",
           "figure_reply_schema", "people_reply_schema", "EVENT_TYPES", "FIGURE_KINDS", "ROLES"]
