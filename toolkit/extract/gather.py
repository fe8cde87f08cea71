"""All deterministic candidates of one document, gathered from the fact, figure and people readers."""

from __future__ import annotations

from ..schemas import Document
from .candidates import Candidates
from .facts import award_candidates, date_candidate, document_candidates, event_type_of, organization_of, period_of, province_of
from .figures import figure_candidates
from .people import people_candidates


def build(doc: Document) -> Candidates:
    """Every deterministic candidate of a document."""

    date = date_candidate(doc)
    event_type, sure, hints = event_type_of(doc)
    return Candidates(
        figures=figure_candidates(doc),
        people=people_candidates(doc),
        documents=document_candidates(doc),
        awards=award_candidates(doc),
        date=date,
        province=province_of(doc),
        organization=organization_of(doc),
        event_type=event_type,
        event_type_sure=sure,
        event_hints=hints,
        period=period_of(doc, date.date.year if date else None),
    )
