"""Bytes -> text for article files: UTF-8 (BOM or not), UTF-16/32 (BOM), Windows-1258.

Order: BOM first; then NUL bytes mean UTF-16 without BOM or binary; then strict UTF-8; then
cp1258, accepted only when the result reads as Vietnamese. The result is NFC composed, with
newlines normalised to "\\n". Raises InputError for binary or undecodable content.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from .errors import InputError

_VI_LETTERS = set(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
)
_VI_LETTERS |= {c.upper() for c in _VI_LETTERS}
_OK_SYMBOLS = set("\u00a0“”‘’–—…•·°€")
_ALLOWED_CONTROLS = set("\t\n\r\f\v")
# C0 controls but the five of _ALLOWED_CONTROLS (\t \n \v \f \r = 09..0D), DEL and the C1 controls
_BAD_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _bom(raw: bytes) -> tuple[str, int] | None:
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if raw.startswith(bom):
            return enc, len(bom)
    return None


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs sit regularly on one side of each byte pair (ASCII-heavy UTF-16)."""
    if len(raw) % 2:
        return None
    even = raw[0::2].count(0)
    odd = raw[1::2].count(0)
    pairs = len(raw) // 2
    if odd >= 0.3 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd == 0:
        return "utf-16-be"
    return None


def vietnamese_score(text: str) -> float:
    """Share of non-ASCII characters that are Vietnamese letters or usual punctuation (1.0 if none)."""
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return 1.0
    good = sum(1 for c in non_ascii if c in _VI_LETTERS or c in _OK_SYMBOLS)
    return good / len(non_ascii)


def _clean_controls(text: str, path: str) -> str:
    bad = _BAD_CONTROLS.findall(text)  # (a regular expression: a Python loop per character cost 3 ms an article)
    if not bad:
        return text
    if len(bad) > 5 or len(bad) > 0.001 * len(text):
        raise InputError(path, "binary content (control characters), not a text article; give a .txt, .html or .md file")
    return _BAD_CONTROLS.sub(" ", text)


def finish(text: str) -> str:
    """NFC compose and normalise newlines (\\r\\n, \\r, U+2028/2029 -> \\n)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return unicodedata.normalize("NFC", text)


def decode_bytes(raw: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """Return (text, encoding name). text is NFC composed with '\\n' newlines."""
    bom = _bom(raw)
    if bom:
        enc, n = bom
        try:
            text = raw[n:].decode(enc)
        except UnicodeDecodeError:
            raise InputError(path, f"undecodable: starts with a {enc} byte-order mark but is not valid {enc}; re-save it as UTF-8") from None
        name = "utf-8-sig" if enc == "utf-8" else enc[:6]  # utf-16 / utf-32
        return finish(_clean_controls(text, path)), name
    if b"\x00" in raw:
        enc = _utf16_without_bom(raw)
        if enc:
            try:
                return finish(_clean_controls(raw.decode(enc), path)), enc
            except UnicodeDecodeError:
                pass
        raise InputError(path, "binary content (NUL bytes), not a text article; give a .txt, .html or .md file")
    try:
        return finish(_clean_controls(raw.decode("utf-8"), path)), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = finish(raw.decode("cp1258"))
    except UnicodeDecodeError:
        text = None
    if text is not None and vietnamese_score(text) >= 0.9 and not any(unicodedata.combining(c) for c in text):
        return _clean_controls(text, path), "cp1258"
    raise InputError(path, "undecodable: not UTF-8, UTF-16 or Windows-1258 Vietnamese text; re-save it as UTF-8")
