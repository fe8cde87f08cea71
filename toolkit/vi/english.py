"""English word forms, so that a glossary written with one form of a word finds the others
("establish" / "established" / "establishing", "admit" / "admitted", "target" / "targets").

    forms(word) -> the word and its likely other inflections, the word first
    plural(noun) -> the noun's regular plural
    verb_and_object(text) -> "did <subject> <verb> <object> <adjuncts>" read from after "did": verb and object
"""

from __future__ import annotations

import re

_VOWELS = set("aeiou")


def _stems(w: str) -> list[str]:
    """Likely bases of an inflected word (regular English morphology)."""
    out = []
    for suf in ("ing", "ed"):
        if w.endswith(suf) and len(w) > len(suf) + 2:
            base = w[: -len(suf)]
            out += [base, base + "e"]
            if len(base) > 2 and base[-1] == base[-2] and base[-1] not in _VOWELS:
                out.append(base[:-1])  # admitted -> admit
            if suf == "ed" and base.endswith("i"):
                out.append(base[:-1] + "y")  # carried -> carry
    if w.endswith("ies") and len(w) > 4:
        out.append(w[:-3] + "y")
    if w.endswith("es") and len(w) > 3:
        out.append(w[:-2])
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        out.append(w[:-1])
    return out


def _inflections(base: str) -> list[str]:
    """Regular inflections of a base form."""
    stem = base[:-1] if base.endswith("e") else base
    out = [base + ("es" if base.endswith(("sh", "ch", "x", "s")) else "s"), stem + "ed", stem + "ing"]
    if len(base) >= 3 and base[-1] not in _VOWELS | {"w", "x", "y"} and base[-2] in _VOWELS and base[-3] not in _VOWELS:
        out += [base + base[-1] + "ed", base + base[-1] + "ing"]  # admit -> admitted
    if base.endswith("y") and len(base) > 2 and base[-2] not in _VOWELS:
        out += [base[:-1] + "ies", base[:-1] + "ied"]
    return out


_UNCOUNTED = frozenset("people staff personnel youth police cattle equipment".split())  # plural already, or no plural


def plural(noun: str) -> str:
    """The regular plural of an English noun phrase's last word ("member" -> "members")."""
    head, _, last = noun.rpartition(" ")
    if len(last) < 3 or last.endswith("s") or not last.isalpha() or not last.islower() or last in _UNCOUNTED:
        return noun  # "km", "ha": symbols, not nouns
    return f"{head} {_inflections(last)[0]}".strip()


def forms(word: str) -> list[str]:
    """The word, then its likely bases, then the inflections of the word and of each base."""
    w = word.lower()
    bases = _stems(w)
    out = [w] + bases + (_inflections(w) if not bases else []) + [f for b in bases for f in _inflections(b)]
    return list(dict.fromkeys(x for x in out if x))


# --- the clause of an English figure question ---------------------------------------------------

EN_AUX = re.compile(r"\b(?:did|does|do|was|were|is|are|has|have|had)\b", re.I)
EN_CUE = re.compile(r"\b(?:how many|how much|what (?:was|were|is|are) the|what)\b", re.I)


# English verbs of the genre's questions: after "did", the subject runs up to one of them
_VERBS = re.compile(r"\b(?:pay|paid|admit|establish|contribute|donate|hold|set|achieve|reach|report|complete|have|"
                    r"collect|attract|train|open|elect|record|approve|adopt|plan|expect|receive|create|build|"
                    r"disburse|export|produce|mobili[sz]e|support|discipline|inspect|supervise|spend|invest|earn|"
                    r"grow|rise|fall|increase|decrease|reduce|award|present|give|issue|disseminate|launch|"
                    r"organi[sz]e|recruit|help|lift|plant|construct|repair|vote|form|merge|hand)\b", re.I)


_ADJUNCT = re.compile(r"\s(?:in|at|during|by|as of|according to|since)\s", re.I)


def verb_and_object(text: str) -> str:
    """The verb and its object in "did <subject> <verb> <object> <adjuncts>": from the genre's verb to
    the first adjunct of time or place ("pay to the state budget | in the first ten months"); all of it
    when no such verb is found."""
    m = _VERBS.search(text)
    if not m:
        return text
    end = _ADJUNCT.search(text, m.end())
    return text[m.start():end.start() if end else len(text)]
