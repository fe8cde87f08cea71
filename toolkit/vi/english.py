"""English word forms, so that a glossary written with one form of a word finds the others
("establish" / "established" / "establishing", "admit" / "admitted", "target" / "targets").

    forms(word) -> the word and its likely other inflections, the word first
"""

from __future__ import annotations

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


def forms(word: str) -> list[str]:
    """The word, then its likely bases, then the inflections of the word and of each base."""
    w = word.lower()
    bases = _stems(w)
    out = [w] + bases + (_inflections(w) if not bases else []) + [f for b in bases for f in _inflections(b)]
    return list(dict.fromkeys(x for x in out if x))
