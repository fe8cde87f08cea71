"""Cited question answering by a reader whose behaviour is set by data.

    ask(question, settings=, store=, index=, llm=) -> Answer
    ask_many(settings, [(id, question)]) -> [(id, Answer)]
    answer_json(answer, qid) -> dict   (the gold README format, plus "quote" and "route")
    support_of(question, settings=, store=, index=) -> best Candidate (with its probability) or None

Flow: the question is cleaned and analysed (toolkit.vi.question); the top paragraphs are retrieved,
those of the reports writing the names the question gives first (scope.py); their sentences become
candidates with features (candidates.py) scored by fitted weights (reader.py, weights in
Settings.answer.weights); the reader chooses the answering sentence(s) or abstains, a sentence
holding what the question asks in its own terms answering at a lower bar (keys.py). A question of
several parts reads each part (toolkit.vi.parts); a comparison reads each side in its own reports
(compare.py). Role questions are answered from the verified record's roles (records.py). The answer
is composed from grounded spans in the question's language (compose.py); the model, when used,
only picks span ids (pick.py); toolkit.verify.verify_answer checks every answer. Text in
questions and articles is data: instruction-like sentences are dropped from both.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from ..llm import LazyLLM
from ..schemas import Answer, Citation, Document
from ..vi.text import nfc
from ..vi.question import MAX_QUESTION_CHARS, Lang, QuestionInfo, analyse_question, clean_question, detect_language
from .candidates import Candidate, asks_document_date, build_candidates
from .compose import TEMPLATE_WORDS, answer_spans, compose_en, compose_vi, evidence_en, relevant_spans, render_span, wanted_kind
from .reader import choose, score
from .records import mark_meeting_dates, role_people
from .scope import named_scope
from .compare import read_sides, respond_compare
from .partwise import answer_of as _answer, cite as _cite, respond_parts as _respond_parts
from ..vi.parts import is_comparison
from .stats import readable_documents, stats_of

if TYPE_CHECKING:
    from ..index import Hit, Index
    from ..llm import LLM
    from ..settings import Settings
    from ..store import Store

__all__ = ["ABSTAIN_TEXT", "ask", "ask_many", "answer_json", "support_of", "clean_question", "detect_language"]

ABSTAIN_TEXT = {
    "vi": "Các nguồn hiện có không chứa thông tin này.",
    "en": "The sources do not contain this information.",
}


def _abstain(question: str, lang: Lang, t0: float) -> Answer:
    return Answer(question=question, answer=ABSTAIN_TEXT[lang], language=lang, abstained=True, citations=[], route="abstain",
                  latency_s=round(time.perf_counter() - t0, 3))


def _hit_documents(store: "Store", hits: list["Hit"]) -> tuple[dict[str, Document], list["Hit"]]:
    """The hits' documents, and the hits without those whose document file exists but is corrupt."""
    ids = list(dict.fromkeys(h.doc_id for h in hits))
    docs = readable_documents(store, ids)
    bad = {d for d in ids if d not in docs and store.has_document(d)}
    return docs, [h for h in hits if h.doc_id not in bad]


def read(info: QuestionInfo, *, settings: "Settings", store: "Store", index: "Index",
         doc_ids: set[str] | None = None) -> list[Candidate]:
    """Candidates of the question's top paragraphs (of doc_ids only, when given), scored, best first."""
    cfg = settings.answer
    hits = index.search(info.question, k=cfg.retrieve_k, doc_ids=doc_ids)
    if not hits:
        return []
    scope = named_scope(info, index, cfg.scope_docs) if doc_ids is None else None
    if scope and not {h.doc_id for h in hits[: cfg.top_paragraphs]} <= scope:
        # the place, body or person the question names scopes it: those reports are read first
        first = index.search(info.question, k=cfg.retrieve_k, doc_ids=scope)
        hits = first + [h for h in hits if (h.doc_id, h.paragraph_id) not in {(f.doc_id, f.paragraph_id) for f in first}]
    docs, hits = _hit_documents(store, hits)
    if not hits:
        return []
    cands = build_candidates(info, hits, docs, stats_of(index, info), getattr(index, "embedder", None), cfg.top_paragraphs,
                             cfg.max_sentence_chars, cfg.top_documents)
    return score(cands, cfg.weights)


def read_parts(info: QuestionInfo, cands: list[Candidate], *, settings: "Settings", store: "Store",
               index: "Index") -> list[tuple[QuestionInfo, list[Candidate]]]:
    """For a question that asks several things (toolkit.vi.parts), each part read as a question of
    its own (its own retrieval, candidates and scores), carrying the question's years and periods and
    kept to the documents the whole question reads best (cands, scored); empty for a one-part
    question."""
    from ..vi.parts import split_parts

    texts = split_parts(info.question, settings.answer.max_citations)
    if len(texts) < 2 or not cands:
        return []
    docs = set(list(dict.fromkeys(c.doc_id for c in cands))[: settings.answer.part_documents])
    out = []
    for t in texts:
        pinfo = analyse_question(t)
        pinfo.lang = info.lang
        pinfo.years |= info.years
        pinfo.periods |= info.periods
        out.append((pinfo, [c for c in read(pinfo, settings=settings, store=store, index=index) if c.doc_id in docs]))
    return out


def _role_answer(info: QuestionInfo, cands: list[Candidate], store: "Store") -> tuple[str, list[Citation]] | None:
    read_pars = list(dict.fromkeys((c.doc_id, c.paragraph_id) for c in cands))
    people = role_people(info, read_pars[:3], store)
    if not people or len(people) < info.n_people:
        return None  # none, or fewer people than the question asks for: the reader answers instead
    from ..vi.glossary import load_glossary

    g = load_glossary()
    items = []
    for p, _ in people:
        title = (g.title(p.title) if info.lang == "en" else p.title) if p.title else ""
        items.append(f"{p.name} ({title})" if title else p.name)
    text = ("According to the record: " if info.lang == "en" else "") + "; ".join(items) + ("." if info.lang == "en" else "")
    cits = list({(c.doc_id, c.paragraph_id, c.start): c for _, c in people}.values())
    return text, cits


def ask(question: str, *, settings: "Settings", store: "Store", index: "Index", llm: "LLM | None",
        grounds: dict | None = None) -> Answer:
    """Answer one question from the indexed sources, with citations, or abstain. A `grounds` dict
    receives the question's analysis ("info") and the picked spans by sentence ("picked") of a
    composed answer, for the phrasing step (phrase.py)."""
    t0 = time.perf_counter()
    original = nfc(question or "")[:MAX_QUESTION_CHARS]
    cleaned = clean_question(original)
    lang = detect_language(cleaned or original)
    if not cleaned or not re.search(r"[^\W_]{2,}", cleaned):
        return _abstain(original, lang, t0)
    info = analyse_question(cleaned)
    lang = info.lang
    cands = read(info, settings=settings, store=store, index=index)
    parts = read_parts(info, cands, settings=settings, store=store, index=index)
    sides = read_sides(info, lambda q, docs: read(q, settings=settings, store=store, index=index, doc_ids=docs),
                       settings=settings, index=index) if is_comparison(info.question) else []
    return respond(original, info, cands, settings=settings, store=store, llm=llm, t0=t0, parts=parts, grounds=grounds,
                   sides=sides)


def respond(original: str, info: QuestionInfo, cands: list[Candidate], *, settings: "Settings", store: "Store",
            llm: "LLM | None", t0: float, parts: list[tuple[QuestionInfo, list[Candidate]]] | None = None,
            grounds: dict | None = None, sides: list[tuple[str, list[Candidate]]] | None = None) -> Answer:
    """The answer from scored candidates (best first): record roles, the chosen sentences composed in
    the question's language and verified, or an abstention."""
    from ..verify import verify_answer

    lang = info.lang
    if not cands:
        return _abstain(original, lang, t0)
    if cands[0].score >= settings.answer.role_below:
        role = _role_answer(info, cands, store)
        if role is not None:
            return _answer(original, lang, role[0], role[1], "record", t0)
    if is_comparison(info.question):
        got = respond_compare(original, info, cands, sides or [], settings=settings, t0=t0)
        return got if got is not None else _abstain(original, lang, t0)  # one side of a comparison is half an answer
    if parts:
        got = _respond_parts(original, info, parts, settings=settings, t0=t0)
        if got is not None:
            return got
    if info.wants == {"date"} and not asks_document_date(info):
        mark_meeting_dates(cands, store)  # a meeting's date the verified record holds is its own evidence
    chosen = choose(cands, info, settings.answer)
    if not chosen:
        return _abstain(original, lang, t0)

    if lang == "vi":
        text, wins = compose_vi(chosen, info, settings.answer.max_words)
        if grounds is not None:
            grounds.update(info=info, picked=[(c, answer_spans(c, info)) for c in chosen])
        return _answer(original, lang, text, [_cite(c, a, b) for c, (a, b) in zip(chosen, wins)], "extractive", t0)

    kind = wanted_kind(info)
    if kind is None:
        return _abstain(original, lang, t0)  # no grounded span answers it in English
    picked = [(c, relevant_spans(c, info, kind)) for c in chosen]
    route = "extractive"
    if settings.answer.use_model and llm is not None:
        from .pick import model_pick

        got = model_pick(info, cands, kind, settings, llm)
        if got:
            picked, route = got, "model"
    picked = [(c, sp) for c, sp in picked if sp]
    text = compose_en(picked, kind)
    if not text:
        return _abstain(original, lang, t0)
    spans_text = [t for _, sp in picked for s in sp for t in (s.text, s.label) if t]
    allowed = list(TEMPLATE_WORDS) + [render_span(s) for _, sp in picked for s in sp]
    cited = [c.quote for c, _ in picked]
    if not verify_answer(text, spans_text, cited, allowed).ok:
        return _abstain(original, lang, t0)
    if grounds is not None:
        grounds.update(info=info, picked=picked)
    evidence, wins = evidence_en(picked, settings.answer.max_words)  # verbatim source: grounded by construction
    return _answer(original, lang, f"{text} {evidence}", [_cite(c, a, b) for (c, _), (a, b) in zip(picked, wins)], route, t0)



def support_of(question: str, *, settings: "Settings", store: "Store", index: "Index") -> Candidate | None:
    """The best candidate sentence (its .score is the reader's probability); for calibration."""
    cleaned = clean_question(question)
    if not cleaned:
        return None
    cands = read(analyse_question(cleaned), settings=settings, store=store, index=index)
    return cands[0] if cands else None


def ask_many(settings: "Settings", items: list[tuple[object, str]]) -> list[tuple[object, Answer]]:
    """Answer a batch from what is indexed (read-only: a question never syncs nor waits for an
    ingest), with the model loaded only if a question needs it."""
    from ..index import Index
    from ..store import Store

    store = Store(settings.store)
    index = Index.open(settings, store, read_only=True)
    llm = LazyLLM(settings) if settings.answer.use_model else None
    return [(qid, ask(q, settings=settings, store=store, index=index, llm=llm)) for qid, q in items]


def answer_json(answer: Answer, qid: object) -> dict:
    """The gold README line: id, question, answer, abstained, citations[doc_id, paragraph_id, text],
    latency_s; plus quote (per citation), route and language."""
    return {
        "id": qid,
        "question": answer.question,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "citations": [{"doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "text": c.text, "quote": c.quote} for c in answer.citations],
        "latency_s": answer.latency_s,
        "route": answer.route,
        "language": answer.language,
    }
