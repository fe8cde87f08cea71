"""The model's part: it may polish the verified English sentences (one call per article), and a
stronger model may write freely from the article body. Every sentence it returns goes through the
same verifier as the record-built ones (base.fact_problems); a sentence that fails is replaced by
its verified record-built sentence, never shown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import LLMError
from ..schemas import Evidence, SummarySentence
from ..vi.text import fold, sentence_spans, strip_marks
from ..verify import added_proper_words
from .base import Ctx, Fact, end, fact_problems

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings

_LINE_RE = re.compile(r"^\s*(\d{1,2})\s*[.):]\s*(.+?)\s*$")
_TAG_RE = re.compile(r"\[(p\d{3})\]")


def parse_numbered(reply: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for line in reply.splitlines():
        m = _LINE_RE.match(line)
        if m:
            txt = m.group(2).strip().strip("*").strip()
            if len(txt) >= 2 and txt[0] == txt[-1] == '"':
                txt = txt[1:-1].strip()
            out.setdefault(int(m.group(1)), txt)
    return out


def strong_model(settings: "Settings") -> bool:
    """A model other than the small default: an OpenAI-compatible server or a user-chosen GGUF."""
    return bool(settings.llm.url or settings.llm.model_path)


def _polish_messages(settings: "Settings", ctx: Ctx, facts: list[Fact]) -> list[dict[str, str]]:
    from ..prompts import render

    system, _ = render(settings, "summary_system")
    english = " ".join(f.en for f in facts)
    terms = []
    for f in facts:  # the glossary terms the facts use, to be kept as they are
        for t in ctx.glossary.terms_in(f.vi):
            if t.kind in ("org", "position", "term", "unit") and t.en and t.en in english and t.en not in terms:
                terms.append(t.en)
    names = [n for f in facts for n in f.names]
    user, _ = render(settings, "summary_polish_en", facts=[f.en for f in facts], terms=terms[:12], names=names)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def polish(ctx: Ctx, facts: list[Fact], llm: "LLM", settings: "Settings", failures: list[str]) -> list[str | None]:
    """The model's English for each fact, or None where it is missing or fails verification.
    A failed model call is appended to `failures` (the summary is then not cached as the model's)."""
    out: list[str | None] = [None] * len(facts)
    shown: list[Fact] = []
    chars = 0
    for f in facts:  # one call, a small output budget (the default model writes ~12 tokens/s)
        if f.key_values and not settings.summary.polish_figures:
            continue  # a figure sentence keeps its record-built English
        if f.en_ok and chars + len(f.en) <= settings.summary.polish_budget_chars:
            shown.append(f)
            chars += len(f.en)
    if not shown:
        return out
    max_tokens = min(max(settings.llm.max_tokens, 96), int(chars / 3.2) + 32)
    try:
        reply = llm.complete(_polish_messages(settings, ctx, shown), max_tokens=max_tokens)
    except LLMError as e:
        failures.append(str(e)[:200])
        return out
    text = reply if isinstance(reply, str) else str(reply)
    lines = parse_numbered(text)
    if not lines:  # an unnumbered reply is taken sentence by sentence when it has one per fact
        sents = [text.replace("\n", " ")[a:b].strip() for a, b in sentence_spans(text.replace("\n", " "), semicolons=False)]
        lines = {k: t for k, t in enumerate(sents, start=1)} if len(sents) == len(shown) else {}
    for k, f in enumerate(shown, start=1):
        cand = lines.get(k)
        if not cand or "\n" in cand or len(cand) > 2.2 * len(f.en) + 60:
            continue
        cand = end(cand)
        if added_proper_words(cand, f.en) or \
                fact_problems(ctx, cand, "en", f.citations, names=f.names, values=f.key_values, keep=f.keep, extra=f.extra):
            continue  # a polish may reword the fact, never name a body, place or person it does not
        out[facts.index(f)] = cand
    return out


def free_write(ctx: Ctx, facts: list[Fact], llm: "LLM", settings: "Settings", failures: list[str]) -> list[SummarySentence]:
    """Sentences a stronger model wrote from the article body, each verified against the paragraphs it cites
    and against the record."""
    from ..prompts import render

    doc, record = ctx.doc, ctx.record
    system, _ = render(settings, "summary_system")
    paras = doc.body
    terms = [t.en for t in ctx.glossary.terms_in(" ".join(p.text for p in paras)) if t.kind in ("org", "position", "term")][:15]
    names = [p.name for p in record.people if p.role != "author"]
    user, _ = render(settings, "summary_free_en", paragraphs=paras, facts=[f.en for f in facts if f.en_ok], terms=terms,
                     names=names)
    try:
        reply = llm.complete([{"role": "system", "content": system}, {"role": "user", "content": user}],
                             max_tokens=max(settings.llm.max_tokens, 300))
    except LLMError as e:
        failures.append(str(e)[:200])
        return []
    text = (reply if isinstance(reply, str) else str(reply)).replace("\n", " ")
    out: list[SummarySentence] = []
    for s, e in sentence_spans(text, semicolons=False):
        sent = text[s:e]
        clean = re.sub(r"\s+([.,;])", r"\1", _TAG_RE.sub("", sent).strip())
        cites = []
        for pid in dict.fromkeys(_TAG_RE.findall(sent)):
            try:
                para = doc.paragraph(pid)
            except KeyError:
                continue
            cites.append(Evidence(doc_id=doc.doc_id, paragraph_id=pid, quote=para.text, start=0, end=len(para.text)))
        if not cites or len(clean) < 20:
            continue
        stated = [p.name for p in record.people if strip_marks(fold(p.name)) in strip_marks(fold(clean))]
        if fact_problems(ctx, end(clean), "en", cites, names=stated):
            continue
        out.append(SummarySentence(text=end(clean), citations=cites))
    return out[:settings.summary.max_sentences]
