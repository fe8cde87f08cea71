"""A question asked again of its target or its result (for follow-ups: "Còn chỉ tiêu thì sao?", "And
the results?"), by the words that say which (facts of the languages and the genre): a target is set
("đặt / đề ra chỉ tiêu", "phấn đấu", "dự kiến"; "plan to", "aim to", "target"), a result is what was
done ("đã kết nạp", "admitted").

    as_target_vi(q, word, predicate_start_vi(q, slot_ends)) / as_result_vi(q, word)
    as_target_en(q, subject) / as_result_en(q)

Each returns the rewritten question, or None when the words have no place of their own in it (the
caller then says the facet after the question). Pure string functions; toolkit.conversation reads the
slots and the subject they need.
"""

from __future__ import annotations

import re

# Vietnamese and English target and result words (facts of the languages and the genre): a target is
# set ("đặt / đề ra chỉ tiêu", "phấn đấu", "dự kiến"; "plan to", "aim to"); a result is what was done
_T_NOUN_VI = r"(?:chỉ tiêu|mục tiêu|kế hoạch)"
_T_SET_VI = re.compile(rf"(?i)\b(?:đã\s+)?(?:đặt ra|đề ra|đặt|giao)\s+{_T_NOUN_VI}")  # the verb phrase: "đã" in a result
_T_NOUN_SET_VI = re.compile(rf"(?i)\b{_T_NOUN_VI}\s+(?:đặt ra|đề ra|được giao)\b")
_T_VERB_VI = re.compile(r"(?i)\b(?:phấn đấu|dự kiến)\b")
_T_BARE_VI = re.compile(rf"(?i)\b{_T_NOUN_VI}\b")
# "đạt 105% kế hoạch", "vượt kế hoạch": a plan that measures a result, no target asked
_T_MEASURE_VI = re.compile(rf"(?i)(?:%|phần trăm|so với|vượt|đạt|hoàn thành)\s+{_T_NOUN_VI}\b")
_ASK_VI = re.compile(r"(?i)\b(?:bao nhiêu|mấy|là gì|những gì|như thế nào|thế nào|ra sao)\b")
_DONE_VI = re.compile(r"(?i)(?:(?:đã|được|quyết định)\s+)+")  # what was done or decided: no part of a target's ask
_T_VERB_EN = re.compile(r"(?i)\b(?:plan(?:ned)?|aim(?:ed)?|expected|projected|set out)\s+to\s+")
_T_NOUN_EN = re.compile(r"(?i)\b(target|goal)(s?)\b")
_T_RESULT_VI = re.compile(r"kết quả|thực hiện|đạt được")


def as_target_vi(q: str, word: str, predicate_at: int) -> str | None:
    """A Vietnamese question asked of its target: 'đặt chỉ tiêu' (the follow-up's own noun, or its
    verb 'phấn đấu'; 'chỉ tiêu' for a word of another language) at the head of the predicate (which
    starts at `predicate_at`, after the question's subject), the predicate's 'đã' / 'được' /
    'quyết định' dropped ('đã quyết định kết nạp bao nhiêu' -> 'đặt chỉ tiêu kết nạp bao nhiêu')."""
    if _T_SET_VI.search(q) or _T_NOUN_SET_VI.search(q) or _T_VERB_VI.search(q):
        return q  # already asks a target
    ask = _ASK_VI.search(q, predicate_at)
    if not ask:
        return None
    w = word.lower()
    put = w if _T_VERB_VI.fullmatch(w) else f"đặt {w if _T_BARE_VI.fullmatch(w) else 'chỉ tiêu'}"
    p = predicate_at + len(re.match(r"[\s,]*", q[predicate_at:]).group(0))
    if q[p:ask.start()].strip().lower() in ("", "là", "có"):  # "… là bao nhiêu": no verb to set a target of
        return None
    done = _DONE_VI.match(q, p)
    rest = q[done.end():] if done and done.end() < ask.start() else q[p:]
    if p == 0:
        return put[:1].upper() + put[1:] + " " + rest[:1].lower() + rest[1:]
    return f"{q[:p]}{put} {rest}"


def predicate_start_vi(q: str, slot_ends: list[int]) -> int:
    """Where the predicate of a Vietnamese question starts: after the last slot (period, place,
    body) before its asking words, else at the start."""
    ask = _ASK_VI.search(q)
    return max((e for e in slot_ends if ask and e <= ask.start()), default=0)


def as_result_vi(q: str, word: str) -> str:
    """A Vietnamese target question asked of its result: a target's verb phrase becomes 'đã' ('đề ra
    chỉ tiêu kết nạp' -> 'đã kết nạp'), a target noun the follow-up's word ('Chỉ tiêu kết nạp …' ->
    'Kết quả kết nạp …')."""
    noun = word.lower() if _T_RESULT_VI.fullmatch(word.lower()) else "kết quả"
    q = _T_SET_VI.sub("đã", q)
    q = _T_NOUN_SET_VI.sub(noun, q)
    q = _T_VERB_VI.sub("đã", q)
    q = _T_BARE_VI.sub(lambda m: m.group(0) if _T_MEASURE_VI.search(q, max(0, m.start() - 12), m.end()) else noun, q)
    q = re.sub(r"(?i)\b(đã|được)\s+đã\b", r"\1", re.sub(r"\s{2,}", " ", q)).strip()
    return q[:1].upper() + q[1:]


def as_target_en(q: str, subject: str | None) -> str | None:
    """An English question asked of its target: 'did <subject> admit' -> 'did <subject> plan to admit'."""
    if _T_VERB_EN.search(q) or _T_NOUN_EN.search(q):
        return q
    m = re.search(rf"\b(?:did|do|does|will)\s+{re.escape(subject)}\s+(?=[a-z])", q) if subject else None
    return q[:m.end()] + "plan to " + q[m.end():] if m else None


def as_result_en(q: str) -> str:
    """An English target question asked of its result: 'plan to admit' -> 'admit', a target noun
    'result'."""
    q = _T_VERB_EN.sub("", q)
    q = _T_NOUN_EN.sub(lambda m: ("R" if m.group(1)[0].isupper() else "r") + "esult" + m.group(2), q)
    return re.sub(r"\s{2,}", " ", q).strip()


