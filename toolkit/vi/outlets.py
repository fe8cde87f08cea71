"""Where a question names the publication that carried a report ("theo Báo Thái Bình", "(kontumtv.vn,
tháng 1/2023)", "the Báo Lâm Đồng report", "tuyengiao.vn's report").

A fact of the genre: a question about a news report often names its outlet to say which report it
means, and the report's own text rarely names its outlet (nor, for "Báo <Province>", the province:
a provincial paper writes "tỉnh" for its own province). The outlet says who reported, not what was
said, so its words are not content the answering sentence should hold.

    outlet_spans(text) -> [(start, end)]   offsets of the outlet names in text
    without_outlets(text) -> text with each outlet name replaced by a comma (runs of names break there)
"""

from __future__ import annotations

import re

# A web address: "kontumtv.vn", "ttthlak.gov.vn", "www.baobinhdinh.vn", "tuyengiao.vn's"
_DOMAIN = re.compile(r"(?<![\w.@])(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:vn|com|net|org|info)\b(?:['’]s)?", re.I)
# The kind of outlet, written before its capitalised name: Báo, Tạp chí, Đài <PT-TH…>, Cổng thông tin
# điện tử / Cổng TTĐT, Truyền hình, Thông tấn xã; "điện tử" may follow ("Báo điện tử Đảng Cộng sản").
_KIND = re.compile(
    r"\b(?:[Bb]áo(?:\s+điện\s+tử)?|[Tt]ạp\s+chí|[Tt]hông\s+tấn\s+xã|[Tt]ruyền\s+hình"
    r"|[Đđ]ài\s+(?:PT-TH|PTTH|[Pp]hát\s+thanh(?:\s*(?:-|–|và)\s*|\s+)[Tt]ruyền\s+hình|[Tt]ruyền\s+hình)"
    r"|[Cc]ổng\s+(?:[Tt]hông\s+tin\s+điện\s+tử|TTĐT))\s+"
)
# English: "<Name> newspaper", "<Name> Newspaper", "<Name> Online", "<Name> TV"
_EN_AFTER = re.compile(r"\s+(?:[Nn]ewspaper|Online|TV|Television|[Pp]ortal)\b")
_WORD = re.compile(r"[^\W\d_]+(?=[\s,;:()\[\]\"“”.?!'’-]|$)")
_POSSESSIVE = re.compile(r"['’]s\b")


def _capital_run(text: str, pos: int) -> int:
    """End of the run of capitalised words starting at pos (words may be joined by " - "), or pos."""
    end = pos
    i = pos
    while True:
        m = _WORD.match(text, i)
        if not m or not m.group(0)[:1].isupper():
            return end
        end = m.end()
        gap = re.match(r"\s*[-–]\s*|\s+", text[end:])
        if not gap:
            return end
        i = end + gap.end()


def _run_back(text: str, end: int) -> int:
    """Start of the run of capitalised words ending at end (English "<Name> newspaper")."""
    words = list(_WORD.finditer(text[:end]))
    start = end
    for m in reversed(words):
        between = text[m.end():start]
        if not m.group(0)[:1].isupper() or (start != end and not re.fullmatch(r"\s*[-–]\s*|\s+", between)):
            break
        if start == end and between.strip():
            break
        start = m.start()
    return start


def outlet_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the outlet names a text (a question) gives: web addresses, "Báo/Tạp chí/Đài/Cổng
    thông tin điện tử <Capitalised Name>", and English "<Name> newspaper"."""
    spans = [(m.start(), m.end()) for m in _DOMAIN.finditer(text)]
    for m in _KIND.finditer(text):
        end = _capital_run(text, m.end())
        if end > m.end():
            pos = _POSSESSIVE.match(text, end)
            spans.append((m.start(), pos.end() if pos else end))
    for m in _EN_AFTER.finditer(text):
        start = _run_back(text, m.start())
        if start < m.start():
            spans.append((start, m.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def without_outlets(text: str) -> str:
    """text with every outlet name replaced by a comma (so that capitalised runs break there)."""
    out, last = [], 0
    for a, b in outlet_spans(text):
        out.append(text[last:a])
        out.append(",")
        last = b
    out.append(text[last:])
    return "".join(out)
