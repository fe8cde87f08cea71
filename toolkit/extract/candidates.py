"""Deterministic candidates for a record, read from the source text only.

Numbers, names, titles, dates, document codes and awards come from here, never from a model:
the model only labels these candidates (toolkit.extract). Each candidate carries the paragraph
id and the exact quote (clause or mention) its evidence will be built from.

Sources: body paragraphs for everything; captions too for people (photo captions name the
officials at the meeting); the byline only for authors. Footers and site boilerplate are never read.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Iterable

from pydantic import BaseModel, Field

from ..schemas import Document, EventType, FigureKind, Paragraph, Role
from ..vi import dates
from ..vi.chrome import is_chrome, is_footer

# --- candidate objects ------------------------------------------------------------------------


class FigureCandidate(BaseModel):
    id: str
    paragraph_id: str
    raw: str = Field(description="The number as written.")
    value: float
    unit: str = ""
    target: float | None = None
    quote: str = Field(description="The clause containing the number (exact substring of the paragraph).")
    default_label: str
    default_kind: FigureKind


class PersonCandidate(BaseModel):
    id: str
    name: str
    title: str = ""
    paragraph_id: str
    quote: str = Field(description="The mention: name and title as written.")
    sentence: str = Field(default="", description="The sentence naming the person (what the model reads for the role).")
    default_role: Role = "attendee"
    cued_roles: list[Role] = Field(default_factory=list, description="Roles whose cue words stand in a sentence naming the person: the only roles the model may pick besides attendee.")
    mentions: int = 1


class DocumentCandidate(BaseModel):
    code: str
    type: str = ""
    issuer: str | None = None
    date: str | None = None
    paragraph_id: str
    quote: str


class AwardCandidate(BaseModel):
    name: str
    recipients: str = ""
    paragraph_id: str
    quote: str


class DateCandidate(BaseModel):
    date: Date
    inferred_year: bool
    paragraph_id: str
    quote: str


class Candidates(BaseModel):
    figures: list[FigureCandidate] = Field(default_factory=list)
    people: list[PersonCandidate] = Field(default_factory=list)
    documents: list[DocumentCandidate] = Field(default_factory=list)
    awards: list[AwardCandidate] = Field(default_factory=list)
    date: DateCandidate | None = None
    province: str | None = None
    organization: str | None = None
    event_type: EventType = "other"
    event_type_sure: bool = False
    event_hints: list[str] = Field(default_factory=list)
    period: str | None = None


# --- helpers ----------------------------------------------------------------------------------


def is_lead_title(doc: Document, p: Paragraph) -> bool:
    """A title line that is the article's lead sentence (pages without a headline start with it)."""
    return p.kind == "title" and (len(p.text) >= 120 or bool(dates.mentions(p.text)) and len(p.text) >= 60)


def content_paragraphs(doc: Document, captions: bool = False, lead_title: bool = False) -> list[Paragraph]:
    """Body paragraphs (and captions when asked; the title when it is the lead and lead_title is set),
    minus anything that reads like a site footer."""
    kinds = {"body", "caption"} if captions else {"body"}
    return [p for p in doc.paragraphs
            if (p.kind in kinds or (lead_title and is_lead_title(doc, p))) and not is_footer(p.text) and not is_chrome(p.text)]


def span_containing(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    for s, e in spans:
        if s <= start and end <= e:
            return s, e
    for s, e in spans:  # a number cut by a clause boundary: widen to the enclosing sentence pieces
        if s <= start < e:
            return s, max(e, end)
    return None


def batched(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
