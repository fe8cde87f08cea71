"""Vietnamese document codes: the one pattern ('05-CT/TW', '248-KH/TU', '18 -NQ/TW', '19 - NQ/TW').

A code is a number, a dash and an upper-case type (NQ, CT, KL, KH, QĐ...) with one or more '/issuer'
parts. Written with spaces around the dash it must carry an issuer part ('18 -NQ/TW'), so that ranges
such as '2020 - TP' are not codes. `normalize_code` removes the inner spaces.

A document is also cited by its kind and a bare number ('Quyết định 140', 'Quy định số 8',
'Chương trình hành động số 19'): `find_doc_numbers`. DOC_KINDS is the one list of document kinds.
"""

from __future__ import annotations

import re

_UP = r"[A-ZĐ][A-Za-zĐđ]{0,5}"
CODE_RE = re.compile(
    r"(?<![\w/-])(?:"
    r"\d{1,5}[a-z]?-" + _UP + r"(?:/" + _UP + r")*"  # 05-CT/TW, 01-KL
    r"|\d{1,5}[a-z]?(?:\s+-\s*|\s*-\s+)" + _UP + r"(?:/" + _UP + r")+"  # 18 -NQ/TW, 19 - NQ/TW
    r")(?![\w/])"
)
_SPACES_RE = re.compile(r"\s*-\s*")


# the kinds of document the genre cites (one list for codes, dates and records)
DOC_KINDS = ("Nghị quyết", "Chỉ thị", "Kết luận", "Quyết định", "Quy định", "Kế hoạch", "Hướng dẫn", "Thông báo",
             "Thông tri", "Công văn", "Đề án", "Nghị định", "Thông tư", "Luật", "Chương trình", "Điều lệ", "Công điện")
# kinds that are also everyday words ("báo cáo tại hội nghị"): a document only when numbered with "số"
NUMBERED_KINDS = ("Quy chế", "Báo cáo")
_NUMBERED_ONLY = {k.lower() for k in NUMBERED_KINDS}
_KIND = "(?P<kind>" + "|".join(DOC_KINDS + NUMBERED_KINDS) + ")"
# "Quyết định 140", "Nghị quyết số 18", "Chương trình hành động số 19" (up to three words qualify the
# kind before "số"); "kỷ luật 57 đảng viên" is discipline, not a law, and "Báo cáo 6 tháng" a period
DOC_NUMBER_RE = re.compile(
    r"(?<![\w])(?<!kỷ )(?<!Kỷ )(?<!KỶ )" + _KIND + r"(?:(?:\s+[^\W\d]+){0,3}?\s+số)?\s+(?P<n>\d{1,5})"
    r"(?![\w/-]|[.,]\d|\s*%|\s+(?:tháng|năm|quý|giờ)\b)", re.IGNORECASE)


def find_doc_numbers(text: str) -> list[tuple[int, int, int, str]]:
    """(start of the kind, start of the number, end, kind) of every document cited by a bare number."""
    out = []
    for m in DOC_NUMBER_RE.finditer(text):
        if not re.search(r"\ssố\s", m.group(0), re.I):
            # without "số" only a capitalised kind cites a document ("Quyết định 140"; "kế hoạch 2022" is a
            # plan year), never with a year, and some kinds take their number only after "số"
            n = int(m["n"])
            if not m["kind"][0].isupper() or 1900 <= n <= 2100 or m["kind"].lower() in _NUMBERED_ONLY:
                continue
        out.append((m.start(), m.start("n"), m.end("n"), m["kind"]))
    return out


_KIND_TYPES = {"nghị quyết": "NQ", "chỉ thị": "CT", "kết luận": "KL", "quyết định": "QĐ", "quy định": "QĐ", "kế hoạch": "KH",
               "đề án": "ĐA", "hướng dẫn": "HD", "thông báo": "TB", "chương trình": "CTr"}


def code_type(text: str) -> str:
    """The type letters of a code ('36-CT/TW' -> 'CT') or of a document cited by kind and number
    ('Chương trình hành động số 19' -> 'CTr'); '' when unknown."""
    m = re.match(r"\s*\d{1,5}[a-z]?\s*-\s*([A-ZĐ][A-Za-zĐđ]{0,5})", text)
    if m:
        return m.group(1)
    low = text.lower()
    return next((t for k, t in _KIND_TYPES.items() if low.startswith(k)), "")


def normalize_code(raw: str) -> str:
    """'19 - NQ/TW' -> '19-NQ/TW'."""
    return _SPACES_RE.sub("-", raw.strip(), count=1)


def find_codes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised code) of every document code in text."""
    return [(m.start(), m.end(), normalize_code(m.group(0))) for m in CODE_RE.finditer(text)]
