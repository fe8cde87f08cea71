"""Vietnamese provinces and centrally-run cities: the 63 units before the 2025 merger, and the 34 after it.

The merger (effective 1 July 2025) kept 11 units and merged the other 52 into 23; MERGED_2025 maps every
pre-2025 unit to the unit it belongs to now, `unit_2025(name)` reads it. Articles name the units of their
time, so find_provinces returns pre-2025 canonical names; callers filtering by today's units map them.

find_provinces(text) -> [(canonical name, start, end)] with offsets into the ORIGINAL text. Matching
is case-insensitive on the folded text (tone-placement variants such as "Khánh Hoà"/"Khánh Hòa" are
equal) but the first letter of each syllable must be a capital in the source, so "hòa bình" (peace)
is not "Hòa Bình". A match that is part of a longer proper noun ("Nguyễn Thái Bình",
"Thái Bình Dương") is skipped unless an administrative prefix ("tỉnh", "thành phố", "TP") precedes it.
"Hồ Chí Minh" alone is a person (and an ideology); the city needs "TP."/"Thành phố"/"TP.HCM".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .text import fold

# canonical name -> extra spellings (the canonical one is always included)
PROVINCES: dict[str, list[str]] = {
    "Hà Nội": [],
    "TP. Hồ Chí Minh": ["Thành phố Hồ Chí Minh", "TP Hồ Chí Minh", "TP.Hồ Chí Minh", "TP.HCM", "TP HCM", "TPHCM", "Tp.HCM"],
    "Hải Phòng": [],
    "Đà Nẵng": [],
    "Cần Thơ": [],
    "An Giang": [],
    "Bà Rịa - Vũng Tàu": ["Bà Rịa-Vũng Tàu", "Bà Rịa – Vũng Tàu", "Bà Rịa Vũng Tàu"],
    "Bắc Giang": [],
    "Bắc Kạn": ["Bắc Cạn"],
    "Bạc Liêu": [],
    "Bắc Ninh": [],
    "Bến Tre": [],
    "Bình Định": [],
    "Bình Dương": [],
    "Bình Phước": [],
    "Bình Thuận": [],
    "Cà Mau": [],
    "Cao Bằng": [],
    "Đắk Lắk": ["Đắc Lắc", "Đăk Lăk", "Đắk Lăk", "Đăk Lắk"],
    "Đắk Nông": ["Đăk Nông", "Đắc Nông"],
    "Điện Biên": [],
    "Đồng Nai": [],
    "Đồng Tháp": [],
    "Gia Lai": [],
    "Hà Giang": [],
    "Hà Nam": [],
    "Hà Tĩnh": [],
    "Hải Dương": [],
    "Hậu Giang": [],
    "Hòa Bình": [],
    "Hưng Yên": [],
    "Khánh Hòa": [],
    "Kiên Giang": [],
    "Kon Tum": ["Kontum"],
    "Lai Châu": [],
    "Lâm Đồng": [],
    "Lạng Sơn": [],
    "Lào Cai": [],
    "Long An": [],
    "Nam Định": [],
    "Nghệ An": [],
    "Ninh Bình": [],
    "Ninh Thuận": [],
    "Phú Thọ": [],
    "Phú Yên": [],
    "Quảng Bình": [],
    "Quảng Nam": [],
    "Quảng Ngãi": [],
    "Quảng Ninh": [],
    "Quảng Trị": [],
    "Sóc Trăng": [],
    "Sơn La": [],
    "Tây Ninh": [],
    "Thái Bình": [],
    "Thái Nguyên": [],
    "Thanh Hóa": [],
    "Thừa Thiên Huế": ["Thừa Thiên - Huế", "Thừa Thiên-Huế", "Thừa Thiên – Huế"],
    "Tiền Giang": [],
    "Trà Vinh": [],
    "Tuyên Quang": [],
    "Vĩnh Long": [],
    "Vĩnh Phúc": [],
    "Yên Bái": [],
}

# pre-2025 canonical name -> the unit it belongs to after the 2025 merger (the 11 unchanged map to themselves)
MERGED_2025: dict[str, str] = {
    "Hà Nội": "Hà Nội", "Thừa Thiên Huế": "Huế", "Lai Châu": "Lai Châu", "Điện Biên": "Điện Biên", "Sơn La": "Sơn La",
    "Lạng Sơn": "Lạng Sơn", "Quảng Ninh": "Quảng Ninh", "Thanh Hóa": "Thanh Hóa", "Nghệ An": "Nghệ An", "Hà Tĩnh": "Hà Tĩnh",
    "Cao Bằng": "Cao Bằng",
    "Tuyên Quang": "Tuyên Quang", "Hà Giang": "Tuyên Quang",
    "Lào Cai": "Lào Cai", "Yên Bái": "Lào Cai",
    "Thái Nguyên": "Thái Nguyên", "Bắc Kạn": "Thái Nguyên",
    "Phú Thọ": "Phú Thọ", "Vĩnh Phúc": "Phú Thọ", "Hòa Bình": "Phú Thọ",
    "Bắc Ninh": "Bắc Ninh", "Bắc Giang": "Bắc Ninh",
    "Hưng Yên": "Hưng Yên", "Thái Bình": "Hưng Yên",
    "Hải Phòng": "Hải Phòng", "Hải Dương": "Hải Phòng",
    "Ninh Bình": "Ninh Bình", "Hà Nam": "Ninh Bình", "Nam Định": "Ninh Bình",
    "Quảng Trị": "Quảng Trị", "Quảng Bình": "Quảng Trị",
    "Đà Nẵng": "Đà Nẵng", "Quảng Nam": "Đà Nẵng",
    "Quảng Ngãi": "Quảng Ngãi", "Kon Tum": "Quảng Ngãi",
    "Gia Lai": "Gia Lai", "Bình Định": "Gia Lai",
    "Khánh Hòa": "Khánh Hòa", "Ninh Thuận": "Khánh Hòa",
    "Lâm Đồng": "Lâm Đồng", "Đắk Nông": "Lâm Đồng", "Bình Thuận": "Lâm Đồng",
    "Đắk Lắk": "Đắk Lắk", "Phú Yên": "Đắk Lắk",
    "TP. Hồ Chí Minh": "TP. Hồ Chí Minh", "Bình Dương": "TP. Hồ Chí Minh", "Bà Rịa - Vũng Tàu": "TP. Hồ Chí Minh",
    "Đồng Nai": "Đồng Nai", "Bình Phước": "Đồng Nai",
    "Tây Ninh": "Tây Ninh", "Long An": "Tây Ninh",
    "Cần Thơ": "Cần Thơ", "Sóc Trăng": "Cần Thơ", "Hậu Giang": "Cần Thơ",
    "Vĩnh Long": "Vĩnh Long", "Bến Tre": "Vĩnh Long", "Trà Vinh": "Vĩnh Long",
    "Đồng Tháp": "Đồng Tháp", "Tiền Giang": "Đồng Tháp",
    "Cà Mau": "Cà Mau", "Bạc Liêu": "Cà Mau",
    "An Giang": "An Giang", "Kiên Giang": "An Giang",
}
UNITS_2025: tuple[str, ...] = tuple(dict.fromkeys(MERGED_2025.values()))


def unit_2025(name: str) -> str | None:
    """The unit a province belongs to after the 2025 merger ('Hà Giang' -> 'Tuyên Quang'), or None if unknown."""
    if name in MERGED_2025:
        return MERGED_2025[name]
    if name == "Huế":
        return "Huế"
    hits = find_provinces(name)
    return MERGED_2025.get(hits[0][0]) if hits else None


_PREFIX = re.compile(r"(?:tỉnh|thành phố|tp\.?)\s*$", re.IGNORECASE)
def _fold(s: str) -> str:
    """Length-preserving matching form (lowercase, new-style tone placement)."""
    return fold(s)


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern, dict[str, str]]:
    spellings: dict[str, str] = {}
    for canon, extra in PROVINCES.items():
        for sp in [canon, *extra]:
            spellings[_fold(unicodedata.normalize("NFC", sp))] = canon
    alts = sorted(spellings, key=len, reverse=True)
    pat = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts) + r")(?!\w)")
    return pat, spellings


_SPACE = re.compile(r"\s+")
_CAP_BEFORE = re.compile(r"(\w+)\s+$")
_CAP_AFTER = re.compile(r"^\s+(\w)")
# capitalised words that, right before a match, mean the match is part of a person's name
_NAME_PARTS = set(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý lâm đinh trịnh đoàn "
    "mai tô tạ hà lưu chu cao lương la thái triệu kiều quách tăng từ thân văn thị đức hữu quốc "
    "công minh ngọc xuân thu kim thanh đình trọng quang anh tuấn việt hồng bảo gia".split()
)


def find_provinces(text: str) -> list[tuple[str, int, int]]:
    """Every province named in text: (canonical name, start, end) in text's own offsets, in order."""
    if not text:
        return []
    text = text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
    folded = _fold(text)
    pat, spellings = _pattern()
    out: list[tuple[str, int, int]] = []
    for m in pat.finditer(folded):
        s, e = m.start(), m.end()
        raw = text[s:e]
        canon = spellings.get(_SPACE.sub(" ", m.group(0)))
        if canon is None:
            continue
        words = [w for w in re.findall(r"\w+", raw) if w.lower() not in {"hcm", "phố"}]
        if not all(w[0].isupper() or w[0].isdigit() for w in words):
            continue
        before = text[max(0, s - 20) : s]
        if not (_PREFIX.search(before) or canon == "TP. Hồ Chí Minh"):
            b = _CAP_BEFORE.search(before)
            a = _CAP_AFTER.match(text[e : e + 5])
            if (b and b.group(1)[0].isupper() and _fold(b.group(1)) in _NAME_PARTS) or (a and a.group(1).isupper()):
                continue  # part of a longer proper noun (a person's name, "Thái Bình Dương")
        out.append((canon, s, e))
    return out


def main_province(text: str) -> str | None:
    """The most frequently named province (ties: the first named), or None."""
    found = find_provinces(text)
    if not found:
        return None
    counts: dict[str, int] = {}
    for name, _, _ in found:
        counts[name] = counts.get(name, 0) + 1
    best = max(counts.values())
    return next(n for n, _, _ in found if counts[n] == best)
