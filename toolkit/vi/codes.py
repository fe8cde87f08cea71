"""Vietnamese document codes: the one pattern ('05-CT/TW', '248-KH/TU', '18 -NQ/TW', '19 - NQ/TW').

A code is a number, a dash and an upper-case type (NQ, CT, KL, KH, QĐ...) with one or more '/issuer'
parts. Written with spaces around the dash it must carry an issuer part ('18 -NQ/TW'), so that ranges
such as '2020 - TP' are not codes. `normalize_code` removes the inner spaces.
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


def normalize_code(raw: str) -> str:
    """'19 - NQ/TW' -> '19-NQ/TW'."""
    return _SPACES_RE.sub("-", raw.strip(), count=1)


def find_codes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised code) of every document code in text."""
    return [(m.start(), m.end(), normalize_code(m.group(0))) for m in CODE_RE.finditer(text)]
