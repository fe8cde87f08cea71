"""toolkit.vi.text: folding, stripping, tokens, sentence spans, locate (hand-made Vietnamese examples)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from toolkit.vi.text import clause_spans, fold, locate, nfc, sentence_spans, strip_marks, syllables

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# (old or mixed style, expected fold)
TONE_CASES = [
    ("hoà", "hòa"), ("hoá", "hóa"), ("hoả", "hỏa"), ("hoã", "hõa"), ("hoạ", "họa"),
    ("khoẻ", "khỏe"), ("xoè", "xòe"), ("thuỷ", "thủy"), ("uỷ", "ủy"), ("tuỳ", "tùy"),
    ("Uỷ", "ủy"), ("HOÀ", "hòa"), ("Thuỵ", "thụy"), ("luỹ", "lũy"), ("tuý", "túy"),
    # already new style, or the mark legitimately sits on the second vowel: unchanged
    ("hòa", "hòa"), ("hoàng", "hoàng"), ("khoét", "khoét"), ("quý", "quý"), ("quỳ", "quỳ"),
    ("huých", "huých"), ("toàn", "toàn"), ("khoảng", "khoảng"), ("xoay", "xoay"), ("hoài", "hoài"),
]


@pytest.mark.parametrize("raw,expected", TONE_CASES)
def test_fold_tone_placement(raw: str, expected: str) -> None:
    assert fold(raw) == expected
    assert len(fold(raw)) == len(raw)


def test_fold_is_length_preserving_and_aligned() -> None:
    s = "Ủy ban Nhân dân tỉnh Hoà Bình; Thuỷ lợi, KHOẺ mạnh, İstanbul 6.059"
    f = fold(s)
    assert len(f) == len(s)
    assert f.startswith("ủy ban nhân dân tỉnh hòa bình; thủy lợi, khỏe mạnh")
    assert f[s.index("Hoà"):s.index("Hoà") + 3] == "hòa"
    # 'İ'.lower() is two characters: kept as is so offsets stay aligned
    assert f[s.index("İ")] == "İ"


def test_fold_composes_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Uỷ ban hoà giải")
    assert fold(decomposed) == "ủy ban hòa giải"
    assert nfc(decomposed) == "Uỷ ban hoà giải"


def test_strip_marks() -> None:
    s = "Đồng chí Nguyễn Thị Hồng Đào, Phó Bí thư Đảng ủy"
    out = strip_marks(s)
    assert out == "Dong chi Nguyen Thi Hong Dao, Pho Bi thu Dang uy"
    assert len(out) == len(s)
    assert strip_marks("plain ascii 12") == "plain ascii 12"


def test_syllables_keep_numbers_whole() -> None:
    assert syllables("Kết nạp 6.059 đảng viên, đạt 103,33% — Uỷ ban") == [
        "kết", "nạp", "6.059", "đảng", "viên", "đạt", "103,33", "ủy", "ban",
    ]


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_sentence_spans_basic_and_offsets() -> None:
    text = "Hội nghị diễn ra sáng nay. Các đại biểu thảo luận sôi nổi!  Có ai phản đối không?\nKhông có."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Hội nghị diễn ra sáng nay.",
        "Các đại biểu thảo luận sôi nổi!",
        "Có ai phản đối không?",
        "Không có.",
    ]


def test_sentence_spans_do_not_split_numbers_codes_abbreviations() -> None:
    text = (
        "Toàn Đảng bộ có 4.321 đảng viên theo Chỉ thị 07-CT/TW. "
        "TP. Cao Lãnh và Q. 3 cử đại diện; ThS. Trần Văn Khoa, TS. Lê Minh trình bày. "
        "Ông Phạm V. Long kết luận."
    )
    assert _sentences(text) == [
        "Toàn Đảng bộ có 4.321 đảng viên theo Chỉ thị 07-CT/TW.",
        "TP. Cao Lãnh và Q. 3 cử đại diện;",
        "ThS. Trần Văn Khoa, TS. Lê Minh trình bày.",
        "Ông Phạm V. Long kết luận.",
    ]


def test_sentence_spans_semicolons_optional_and_quotes() -> None:
    text = "Kết quả tốt; còn hạn chế. Ông nói: “Phải cố gắng hơn!” Hội nghị bế mạc."
    assert _sentences(text) == ["Kết quả tốt;", "còn hạn chế.", "Ông nói: “Phải cố gắng hơn!”", "Hội nghị bế mạc."]
    assert [text[s:e] for s, e in sentence_spans(text, semicolons=False)][0] == "Kết quả tốt; còn hạn chế."


def test_clause_spans_cut_long_sentences() -> None:
    long = (
        "Trong năm, Đảng ủy đã lãnh đạo hoàn thành các chỉ tiêu chủ yếu về phát triển đảng viên mới; "
        "công tác kiểm tra, giám sát được thực hiện thường xuyên theo kế hoạch đề ra từ đầu năm; "
        "công tác dân vận có nhiều chuyển biến tích cực ở cơ sở. Câu ngắn."
    )
    clauses = [long[s:e] for s, e in clause_spans(long, max_chars=120)]
    assert len(clauses) >= 4
    assert clauses[-1] == "Câu ngắn."
    assert all(len(c) <= 120 for c in clauses)
    assert clauses[0].startswith("Trong năm, Đảng ủy")
    # every clause is an exact substring at its span
    for (s, e), c in zip(clause_spans(long, max_chars=120), clauses):
        assert long[s:e] == c


def test_locate_exact_first() -> None:
    hay = "Đồng chí Lê Văn Tám phát biểu. Đồng chí Lê Văn Tám kết luận."
    assert locate(hay, "Lê Văn Tám phát biểu") == (9, 29)
    assert locate(hay, "") is None
    assert locate(hay, "   ") is None
    assert locate(hay, "không có câu này") is None


def test_locate_fold_whitespace_quotes_dashes_returns_original_offsets() -> None:
    hay = "Ông  Nguyễn Văn Hải – Phó Chủ tịch Uỷ ban\nnhân dân huyện, nói: “Tốt”."
    needle = 'nguyễn văn hải - phó chủ tịch ủy ban nhân dân'
    hit = locate(hay, needle)
    assert hit is not None
    s, e = hit
    assert hay[s:e] == "Nguyễn Văn Hải – Phó Chủ tịch Uỷ ban\nnhân dân"
    hit = locate(hay, 'nói: "Tốt"')
    assert hit is not None and hay[hit[0]:hit[1]] == "nói: “Tốt”"


def test_locate_decomposed_needle() -> None:
    hay = "Hội nghị tổng kết công tác năm"
    needle = unicodedata.normalize("NFD", "tổng kết")
    hit = locate(hay, needle)
    assert hit is not None and hay[hit[0]:hit[1]] == "tổng kết"


# --- agreement with underthesea's normaliser ---------------------------------------------------

AGREEMENT_WORDS = ["hoà", "hoá", "khoẻ", "thuỷ", "uỷ", "tuỳ", "Uỷ", "hoạ", "xoè", "quý", "hoàng", "Thuỵ", "luỹ", "tuý", "Hoà"]


def _words_of_corpus() -> list[str]:
    words: set[str] = set()
    for f in CORPUS.glob("*.txt"):
        words |= set(re.findall(r"[^\W\d_]+", nfc(f.read_text(encoding="utf-8", errors="replace"))))
    return sorted(words)


def test_fold_agrees_with_underthesea() -> None:
    underthesea = pytest.importorskip("underthesea")
    words = list(AGREEMENT_WORDS)
    if CORPUS.is_dir():
        words += _words_of_corpus()
    disagreements = [(w, underthesea.text_normalize(w)) for w in words if underthesea.text_normalize(w).lower() != fold(w)]
    assert disagreements == []


def test_locate_decomposed_haystack_returns_original_offsets() -> None:
    hay = unicodedata.normalize("NFD", "Đồng chí Lê Hoà Bình phát biểu")
    hit = locate(hay, "lê hòa bình")
    assert hit is not None
    assert nfc(hay[hit[0]:hit[1]]) == "Lê Hoà Bình"
