"""Roles at a meeting as the source states them: a role is a verb of the person's own clause.

A role cue is a verb phrase of the genre ('chủ trì' chairs, 'dẫn đầu' / 'làm trưởng đoàn' leads the delegation,
'trình bày' / 'báo cáo' presents, 'phát biểu' / 'kết luận' / 'chỉ đạo' speaks, 'dự' / 'tham dự' / 'đến dự'
attends). It gives a role to a person only when it is that person's verb:
- words inside a person's mention (name and title) are never cues: 'Trưởng đoàn ĐBQH tỉnh Lê Văn A đến dự' has
  the title 'Trưởng đoàn ĐBQH tỉnh' (head of the provincial National Assembly delegation) and the role attendee;
- a cue after mentions belongs to the nearest one before it in its clause (Vietnamese puts the subject first:
  'ông A, Bí thư Huyện ủy, chủ trì'), together with the names listed with it ('A và B đồng chủ trì'); a name
  after 'của', 'cho', 'với' is an object, not the subject ('ghi nhận đóng góp của ông B' is not B's speech);
- a cue that opens the sentence belongs to the list after 'có' ('Đến dự có ông A; ông B') or, without 'có', to
  the subject that follows it ('Phát biểu tại hội nghị, ông A ghi nhận ... của ông B': A only).
Nouns written like cues are not cues: 'dự thảo', 'dự án', 'dự toán', 'đảng viên dự bị', 'Kết luận số 21-KL/TW',
'dự thảo báo cáo', 'theo báo cáo', 'lãnh đạo, chỉ đạo', 'quan điểm chỉ đạo'.
"""

from __future__ import annotations

import re
from typing import Sequence

from .text import fold

# (folded cue pattern, role), strongest role first; a letter may not touch a cue on either side
_CUES: tuple[tuple[str, str], ...] = (
    (r"(?:đồng )?chủ trì", "chair"),
    (r"dẫn đầu|(?:làm|là) trưởng đoàn|trưởng đoàn(?! đại biểu| đbqh| hđnd| quốc hội)", "head_of_delegation"),
    (r"trình bày|(?<!dự thảo )(?<!bản )(?<!các )(?<!theo )báo cáo(?! số| chính trị)", "presenter"),
    (r"phát biểu|kết luận(?! số| \d)|(?<!lãnh đạo, )(?<!lãnh đạo và )(?<!quan điểm )(?<!văn bản )(?<!sự )chỉ đạo", "speaker"),
    (r"(?:tham |tới |đến )?dự(?! (?:thảo|án|toán|kiến|báo|khuyết|trữ|phòng|định|bị|nguồn|tuyển|thi|luật|trù|đoán)(?![^\W\d_]))", "attendee"),
)
_CUE_RE = [(re.compile(r"(?<![^\W\d_])(?:" + p + r")(?![^\W\d_])"), role) for p, role in _CUES]
_BOUNDARY_RE = re.compile(r"[;:.!?\n]")
_OBJECT_RE = re.compile(r"(?:^|\s)(?:của|cho|với|tặng|trao|chúc mừng|bổ nhiệm|điều động|chỉ định)\s+(?:(?:các\s+)?(?:đồng chí|ông|bà|đ/c)\s+)?$")
_LIST_RE = re.compile(r"\s*(?:,|;|–|-|\svà|,\s*và|\scùng(?: với)?)\s*(?:(?:các\s+)?(?:đồng chí|ông|bà|đ/c)\s*)?$")
_LIST_HEAD_RE = re.compile(r"(?:^|\s)có(?:\s|$)|:")
_MAX_GAP_WORDS = 10


def cues(text: str) -> list[tuple[int, int, str]]:
    """(start, end, role) of every role cue in `text` (already masked of mentions), in reading order."""
    f = fold(text)
    found = [(m.start(), m.end(), role) for rx, role in _CUE_RE for m in rx.finditer(f)]
    out: list[tuple[int, int, str]] = []
    for s, e, role in sorted(found, key=lambda x: (x[0], -(x[1] - x[0]))):
        if not out or s >= out[-1][1]:  # 'tham dự' once, not also 'dự'
            out.append((s, e, role))
    return out


def _masked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = "#" * (e - s)
    return "".join(chars)


def _listed_with(text: str, spans: Sequence[tuple[int, int]], i: int, step: int) -> list[int]:
    """Mention i and the mentions listed next to it (before it: step -1, after it: step +1)."""
    out = [i]
    j = i
    while 0 <= j + step < len(spans):
        a, b = (spans[j + step], spans[j]) if step < 0 else (spans[j], spans[j + step])
        if b[0] >= a[1] and not _LIST_RE.fullmatch(text[a[1]:b[0]]):  # overlapping: one title shared by a list
            break
        j += step
        out.append(j)
    return out


def own_roles(text: str, spans: Sequence[tuple[int, int]]) -> list[list[str]]:
    """For each person mention of a sentence (its (start, end) span, name and title, in reading order), the roles
    whose cue is that person's own verb (see the module docstring), strongest first."""
    spans = sorted(spans)
    masked = _masked(text, spans)
    got: list[set[str]] = [set() for _ in spans]
    for s, _e, role in cues(masked):
        before = [i for i, (_a, b) in enumerate(spans) if b <= s]
        # the subject: the nearest mention before the cue in its clause that is not an object
        subject = None
        for i in reversed(before):
            gap = masked[spans[i][1]:s]
            if _BOUNDARY_RE.search(gap) or len(gap.split()) > _MAX_GAP_WORDS:
                break
            if not _OBJECT_RE.search(masked[:spans[i][0]]):
                subject = i
                break
        if subject is not None:
            for i in _listed_with(masked, spans, subject, -1):
                got[i].add(role)
            continue
        if before and not _BOUNDARY_RE.search(masked[spans[before[-1]][1]:s]):
            continue  # a cue after a mention that is not its subject (an object, too far) gives nobody a role
        after = [i for i, (a, _b) in enumerate(spans) if a >= s]
        if not after:
            continue
        lead = masked[s:spans[after[0]][0]]
        if _LIST_HEAD_RE.search(lead):  # "Đến dự có các ông: A; B": the whole list
            for i in after:
                got[i].add(role)
        elif not _BOUNDARY_RE.search(lead):  # "Phát biểu tại hội nghị, ông A ...": the subject that follows
            for i in _listed_with(masked, spans, after[0], 1):
                got[i].add(role)
    order = [role for _, role in _CUES]
    return [sorted(r, key=order.index) for r in got]
