"""English figure labels against the Vietnamese words they render: a gloss may say only what the glossary
reads in those words (`gloss_problems`), and a sentence names a figure's subject when it states its words
(`mentions`, with the few English word forms a change is written in)."""

from __future__ import annotations

import re

from ..vi.text import fold, nfc

_WORD_RE = re.compile(r"[^\W\d_]+")
# English words a gloss may add to the glossary's renderings: articles, prepositions, conjunctions, and the
# words the label reader (toolkit.figure_en) writes itself ('total', 'in total', 'growth in', 'share of the ... reached')
FUNCTION_EN = frozenset("""the of and a an in on for to at by with its their that who which from per or as into
    total growth decline share reached""".split())
# a change is said with a verb as often as with a noun: "grew 7.35%" names the "growth"
_LEADING = frozenset("in of to at by with for on from and or".split())
_FORMS = {"growt": ("grew", "grow", "rose", "risen", "incre", "up"), "decli": ("fell", "fall", "decre", "down", "dropp")}


def _stem(w: str) -> str:
    return fold(w)[:5]


def gloss_problems(label_en: str, vietnamese: str, glossary) -> list[str]:
    """Why `label_en` is not an English rendering of `vietnamese` ([] when it is): digits, Vietnamese
    letters, or a content word that no glossary term found in the Vietnamese words renders."""
    en = (label_en or "").strip()
    if not en:
        return ["empty"]
    if re.search(r"\d", en):
        return ["holds a number"]
    if not en.isascii():
        return ["not English"]
    terms = glossary.terms_in(nfc(vietnamese))
    allowed = {_stem(w) for t in terms for x in (t.en, t.sg or "", t.base or "") for w in _WORD_RE.findall(x)}
    words = _WORD_RE.findall(en)
    extra = [w for w in words if fold(w) not in FUNCTION_EN and _stem(w) not in allowed]
    if extra:
        return [f"words the Vietnamese label does not carry: {extra}"]
    if fold(words[0]) in _LEADING:
        return [f"starts with {words[0]!r}: a fragment, not a label"]
    stems = " ".join(_stem(w) for w in words)
    for t in terms:  # a term of several words keeps its English order ('production value', not 'value production')
        ws = [_stem(w) for w in _WORD_RE.findall(t.en)]
        if len(ws) > 1 and all(w in stems.split() for w in ws) and " ".join(ws) not in stems:
            return [f"{t.en!r} is not written as a phrase: a word-by-word rendering"]
    return []


def content_words(words: str) -> list[str]:
    stop = {"the", "of", "and", "a", "an", "in", "on", "for", "to", "at", "by", "with", "its", "their", "that", "who", "new"}
    return [w for w in _WORD_RE.findall(fold(words)) if len(w) > 2 and w not in stop]


def mentions(text: str, phrase: str) -> bool:
    """`text` states `phrase`: every content word of it occurs in `text`, up to its ending (the first five
    letters compared: 'admitted' ~ 'admitting', 'members' ~ 'member'; 'growth' ~ 'grew', 'up')."""
    want = {w[:5] for w in content_words(phrase)}
    have = {w[:5] for w in _WORD_RE.findall(fold(text))}
    have |= {k for k, forms in _FORMS.items() if any(f[:5] in have for f in forms)}
    if re.search(r"%\s+of\s+(?:the|its)\b", text):  # "98% of the plan" states a share
        have.add("share")
    return bool(want) and want <= have
