"""Person names in Vietnamese text: 2-5 capitalised syllables starting with a common surname, or
any such run right after an honorific (đồng chí, ông, bà). Moved here whole from toolkit/answer.py."""

from __future__ import annotations

import re

from ..textnorm import fold

_SURNAMES = frozenset(
    """nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý lâm đào đoàn
    trương mai tô hà lương đinh trịnh cao thái tạ châu kim thạch sơn quách la lưu tăng triệu
    hứa mạc chu khổng lò hầu vương giang đàm nông y thân kiều tống tôn từ ninh diệp lữ khúc phùng quan""".split()
)
_HONORIFIC = re.compile(r"\b(đồng chí|đ/c|ông|bà|anh|chị|Thiếu tướng|Đại tá|Thượng tá|Trung tướng)\s+$", re.I)
_WORD_RE = re.compile(r"[^\W\d_]+")
_TITLE_WORDS = frozenset(
    """phó bí chủ ủy trưởng giám tổng thường tỉnh huyện ban đảng bộ văn ủy viên đại thiếu trung
    thượng chánh hiệu viện thủ""".split()
)
_NOT_NAMES = frozenset({"hồ chí minh"})
# A two-syllable run right after one of these (folded) words is a place ("tỉnh Hà Giang",
# "Tỉnh ủy Hà Giang", "ở Hà Giang"), not a person, even when it starts like a surname. Personal
# names after them have three or more syllables ("Bí thư Tỉnh ủy Lâm Minh Đằng").
_PLACE_LEAD = re.compile(r"(?:^|[\s,(])(tỉnh|huyện|xã|thành phố|tp\.?|thị xã|thị trấn|phường|quận|thôn|ấp|bản|xóm|"
                         r"ở|tại|ủy|bộ|khối)\s+$")


def person_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names: 2-5 capitalised syllables (separated by single spaces) starting
    with a common surname, or any such run right after an honorific (đồng chí, ông, bà)."""
    runs: list[list[re.Match]] = []
    cur: list[re.Match] = []
    for m in _WORD_RE.finditer(text):
        w = m.group(0)
        cap = w[0].isupper() and (len(w) == 1 or not w[1:].isupper() or len(w) <= 2)
        if cap and cur and text[cur[-1].end(): m.start()] == " ":
            cur.append(m)
            continue
        if cur:
            runs.append(cur)
        cur = [m] if cap else []
    if cur:
        runs.append(cur)
    out: list[tuple[int, int]] = []
    for run in runs:
        # a name is the tail of a run that starts at a surname ("Phó Bí thư Tỉnh ủy Lâm Minh Đằng"
        # gives runs "Phó Bí", "Tỉnh", "Lâm Minh Đằng")
        for k, m in enumerate(run):
            tail = run[k:]
            if not 2 <= len(tail) <= 5:
                continue
            span = (tail[0].start(), tail[-1].end())
            if fold(text[span[0]: span[1]]) in _NOT_NAMES:
                break
            honor = (k == 0 and _HONORIFIC.search(text[max(0, span[0] - 20): span[0]])
                     and fold(m.group(0)) not in _TITLE_WORDS)
            if fold(m.group(0)) in _SURNAMES or honor:
                if (not honor and len(tail) >= 4 and k > 0 and fold(run[k + 1].group(0)) in _SURNAMES
                        and fold(run[k - 1].group(0)) not in _TITLE_WORDS):
                    continue  # "Kiên Giang Lê Thanh Hùng": the place ends at Giang, the name is Lê Thanh Hùng
                if len(tail) == 2 and not honor and _PLACE_LEAD.search(fold(text[max(0, span[0] - 15): span[0]])):
                    break  # a place named like a person ("tỉnh Hà Giang")
                out.append(span)
                break
    return out

