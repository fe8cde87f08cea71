"""The data that flows between stages. Stages pass these objects, never dicts."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ParagraphKind = Literal["title", "dateline", "body", "caption", "byline", "boilerplate"]


class Paragraph(BaseModel):
    """One paragraph of an article, with offsets into the document's original text."""

    paragraph_id: str = Field(description="Stable id within the document, e.g. 'p003'.")
    kind: ParagraphKind = Field(description="What the paragraph is; only 'body' is meeting content.")
    text: str = Field(description="The original text (NFC composed), exactly as quoted in citations.")
    start: int = Field(description="Start offset of `text` in Document.text.")
    end: int = Field(description="End offset (exclusive) of `text` in Document.text.")


class Document(BaseModel):
    """An ingested article."""

    doc_id: str = Field(description="The source file stem.")
    source_path: str = Field(description="Path the document was ingested from.")
    title: str = Field(description="Headline of the article.")
    published: datetime | None = Field(default=None, description="Publication time from the dateline, if any.")
    author: str | None = Field(default=None, description="Byline author, if any.")
    outlet: str | None = Field(default=None, description="Publishing outlet from byline or footer, if any.")
    encoding: str = Field(description="Encoding the file was decoded from.")
    content_hash: str = Field(description="sha256 of the parser version and the raw file bytes.")
    text: str = Field(description="Whole text, NFC composed; paragraphs index into it.")
    paragraphs: list[Paragraph] = Field(description="Paragraphs in reading order.")

    def paragraph(self, paragraph_id: str) -> Paragraph:
        for p in self.paragraphs:
            if p.paragraph_id == paragraph_id:
                return p
        raise KeyError(f"{self.doc_id}: no paragraph {paragraph_id}")

    @property
    def body(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.kind == "body"]


class IngestFailure(BaseModel):
    path: str
    problem: str


class IngestReport(BaseModel):
    added: list[str] = Field(default_factory=list, description="doc_ids stored for the first time.")
    replaced: list[str] = Field(default_factory=list, description="doc_ids whose content changed.")
    unchanged: list[str] = Field(default_factory=list, description="doc_ids already stored with the same hash.")
    failed: list[IngestFailure] = Field(default_factory=list, description="Files that could not be ingested.")

    @property
    def ok(self) -> bool:
        return not self.failed


class Evidence(BaseModel):
    """Where a claim comes from: an exact substring of one original paragraph."""

    doc_id: str
    paragraph_id: str
    quote: str = Field(description="Exact substring of the paragraph's original text.")
    start: int = Field(description="Offset of quote within the paragraph text.")
    end: int = Field(description="End offset (exclusive) of quote within the paragraph text.")


Role = Literal["chair", "attendee", "speaker", "head_of_delegation", "presenter", "author"]
FigureKind = Literal["result", "target", "rate", "count"]
EventType = Literal[
    "year_review", "period_review", "mid_term_review", "executive_conference", "inspection_visit", "party_congress",
    "council_session", "committee_meeting", "inspection_announcement", "award_ceremony", "thematic_review", "briefing",
    "personnel_decision", "other",
]


class Person(BaseModel):
    name: str = Field(description="Full name as written in the source.")
    title: str = Field(default="", description="Title verbatim from the source.")
    role: Role = Field(default="attendee", description="Role at the event.")
    evidence: Evidence


class Figure(BaseModel):
    label: str = Field(description="What is counted or measured: <= 8 Vietnamese words of its clause, no number, no unit.")
    label_en: str = Field(default="", description="English gloss of the label (no number); empty when none was made.")
    value: float = Field(description="Numeric value parsed from raw (Vietnamese notation understood).")
    unit: str = Field(default="", description="Unit: %, đảng viên, lớp, ...")
    raw: str = Field(description="The number exactly as written, e.g. '103,33%'.")
    kind: FigureKind = Field(default="result")
    period: str | None = Field(default=None, description="Period the figure refers to, if stated.")
    target: float | None = Field(default=None, description="Target value when written as result/target, e.g. 152/150.")
    evidence: Evidence


class DocumentRef(BaseModel):
    code: str = Field(description="Document code, e.g. 05-CT/TW.")
    type: str = Field(default="", description="Chỉ thị, Nghị quyết, Kết luận, Quyết định, Đề án, Quy định...")
    issuer: str | None = Field(default=None, description="Issuing body, if stated.")
    date: str | None = Field(default=None, description="Issue date as ISO day, if stated.")
    evidence: Evidence


class Award(BaseModel):
    name: str = Field(description="Award, e.g. Giấy khen, Bằng khen, Cờ Thi đua.")
    recipients: str = Field(default="", description="Who received it, verbatim.")
    evidence: Evidence


class Record(BaseModel):
    """The structured record of one article. Every item carries verified evidence."""

    doc_id: str
    title: str
    date: Date | None = Field(default=None, description="ISO day of the event.")
    date_inferred_year: bool = Field(default=False, description="True when the year was inferred, not written.")
    date_evidence: Evidence | None = None
    province: str | None = Field(default=None, description="Province named in the article; null if not named.")
    organization: str | None = Field(default=None, description="The organisation holding the meeting.")
    event_type: EventType = "other"
    period: str | None = Field(default=None, description="Period under review, e.g. '9 tháng đầu năm 2021'.")
    people: list[Person] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    awards: list[Award] = Field(default_factory=list)
    rejected: int = Field(default=0, description="Items the verifier dropped.")
    rejected_reasons: list[str] = Field(default_factory=list)
    model: str = Field(default="", description="Model that labelled the record.")
    prompt_version: str = ""
    content_hash: str = ""
    seconds: float = 0.0


class Citation(BaseModel):
    doc_id: str
    paragraph_id: str
    text: str = Field(description="Full text of the cited paragraph as stored.")
    quote: str = Field(default="", description="The supporting sentence or clause inside text.")
    start: int = Field(default=0, description="Offset of quote in text.")
    end: int = Field(default=0, description="End of quote in text.")


AnswerRoute = Literal["record", "extractive", "model", "phrased", "abstain"]


class Answer(BaseModel):
    question: str
    answer: str
    language: Literal["vi", "en"]
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    route: AnswerRoute
    latency_s: float = 0.0


class SummarySentence(BaseModel):
    text: str
    citations: list[Evidence] = Field(default_factory=list)


class Summary(BaseModel):
    doc_id: str
    summary_vi: list[SummarySentence]
    summary_en: list[SummarySentence]
    model: str = ""
    prompt_version: str = ""
    content_hash: str = ""
