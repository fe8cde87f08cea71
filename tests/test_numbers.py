"""numbers: Vietnamese notation, kinds, units, plausible values (hand-made examples)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.vi.dates import dates_in
from toolkit.vi.number_spans import find_numbers
from toolkit.vi.numbers import parse_number, same_value, values_in
from toolkit.vi.text import nfc

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
GOLD = SHARED / "gold"


def _one(text: str, raw: str):
    hits = [s for s in find_numbers(text) if s.raw == raw]
    assert len(hits) == 1, (raw, [(s.raw, s.kind) for s in find_numbers(text)])
    s = hits[0]
    assert text[s.start:s.end] == raw
    return s


@pytest.mark.parametrize(
    "text,raw,value,kind,unit,target",
    [
        ("Đảng bộ hiện có 7.412 đảng viên.", "7.412", 7412, "number", "đảng viên", None),
        ("Tỷ lệ đạt 104,56% kế hoạch.", "104,56%", 104.56, "percent", "%", None),
        ("Có 37 ngàn lượt người tham gia.", "37 ngàn", 37000, "number", "lượt người", None),
        ("Có 12 nghìn hội viên.", "12 nghìn", 12000, "number", "hội viên", None),
        ("Huy động 3,5 triệu đồng mỗi hộ.", "3,5 triệu", 3500000, "number", "đồng", None),
        ("Thu hút trên 125.000 lượt tham dự.", "125.000", 125000, "number", "lượt", None),
        ("Kết nạp mới 87/80 đảng viên, vượt chỉ tiêu.", "87/80", 87, "ratio", "đảng viên", 80),
        ("Hoàn thành 17/25 nội dung đề ra.", "17/25", 17, "ratio", "nội dung", 25),
        ("Mở 06 lớp bồi dưỡng.", "06", 6, "number", "lớp", None),
        ("Sau 06 tháng triển khai.", "06", 6, "number", "tháng", None),
        ("Xây dựng 41 mô hình mới.", "41", 41, "number", "mô hình", None),
        ("Tổ chức 1.208 cuộc sinh hoạt.", "1.208", 1208, "number", "cuộc", None),
        ("Vốn 2,75 tỷ đồng.", "2,75 tỷ", 2750000000, "number", "đồng", None),
    ],
)
def test_figures(text, raw, value, kind, unit, target) -> None:
    s = _one(text, raw)
    assert same_value(s.value, value)
    assert s.kind == kind
    assert s.unit == unit
    assert (s.target is None and target is None) or same_value(s.target, target)
    assert s.is_figure


@pytest.mark.parametrize(
    "text,raw,day,month,year",
    [
        ("Ngày 23/11/2022, Đảng ủy tổ chức hội nghị.", "23/11/2022", 23, 11, 2022),
        ("Sáng 14-2, Ban Thường vụ họp.", "14-2", 14, 2, None),
        ("Chiều ngày 30/6, đoàn công tác làm việc.", "30/6", 30, 6, None),
        ("Kết luận ban hành ngày 7-9-2021 của Bộ Chính trị.", "7-9-2021", 7, 9, 2021),
        ("Quyết định ngày 3-3-2020 của Tỉnh ủy.", "3-3-2020", 3, 3, 2020),
        ("Thứ Sáu, ngày 9 tháng 12 năm 2022", "9 tháng 12 năm 2022", 9, 12, 2022),
    ],
)
def test_dates_are_not_figures(text, raw, day, month, year) -> None:
    s = _one(text, raw)
    assert s.kind == "date" and not s.is_figure
    assert (s.day, s.month, s.year) == (day, month, year)
    # A weekday name is not an ordinal
    assert all(sp.kind != "ordinal" for sp in find_numbers(text))


@pytest.mark.parametrize(
    "text,raw,value",
    [
        ("Nhiệm vụ năm 2023 rất nặng nề.", "2023", 2023),
        ("Giai đoạn 2021-2025 có nhiều thách thức.", "2021-2025", 2021),
        ("Đại hội nhiệm kỳ 2020 - 2025 thành công.", "2020 - 2025", 2020),
    ],
)
def test_years(text, raw, value) -> None:
    s = _one(text, raw)
    assert s.kind == "year" and s.value == value


def test_four_digit_count_is_not_a_year() -> None:
    s = _one("Tổ chức được 2041 cuộc tuyên truyền.", "2041")
    assert s.kind == "number" and s.unit == "cuộc"


@pytest.mark.parametrize(
    "text,raw,value",
    [
        ("Thực hiện Chỉ thị 09-CT/TW của Ban Bí thư.", "09-CT/TW", 9),
        ("Theo Quyết định số 2117-QĐ/TU của Tỉnh ủy.", "2117-QĐ/TU", 2117),
        ("Nghị quyết số 36-NQ/TU về chuyển đổi số.", "36-NQ/TU", 36),
        ("Thực hiện Quy định 3951, Quy định 3952 của Ban Thường vụ.", "3951", 3951),
        ("Thực hiện Quy định 3951, Quy định 3952 của Ban Thường vụ.", "3952", 3952),
        ("Kế hoạch số 77 của Huyện ủy.", "77", 77),
        ("Công văn 1234/UBND-VX ngày hôm qua.", "1234/UBND-VX", 1234),
    ],
)
def test_codes(text, raw, value) -> None:
    s = _one(text, raw)
    assert s.kind == "code" and s.value == value


@pytest.mark.parametrize(
    "text,raw,value",
    [
        ("Hội nghị Ban Chấp hành lần thứ 9 đã bế mạc.", "lần thứ 9", 9),
        ("Nghị quyết Trung ương khóa XII được quán triệt.", "khóa XII", 12),
        ("Hội nghị lần thứ năm Ban Chấp hành Trung ương.", "lần thứ năm", 5),
        ("Nghị quyết Đại hội XIV của Đảng.", "Đại hội XIV", 14),
    ],
)
def test_ordinals(text, raw, value) -> None:
    s = _one(text, raw)
    assert s.kind == "ordinal" and s.value == value


def test_times_and_phones_ignored() -> None:
    spans = find_numbers("Cập nhật lúc 09:45, 12/03/2022. Điện thoại: 0290.3812345.")
    assert [(s.raw, s.kind) for s in spans] == [("12/03/2022", "date")]


def test_range_with_unit_is_not_a_date() -> None:
    spans = find_numbers("Phát triển từ 2-3 chi bộ mới.")
    assert all(s.kind != "date" for s in spans)


def test_offsets_are_exact() -> None:
    text = "Năm 2022, có 1.530 đảng viên (đạt 97,2%) và 64/60 chi bộ; ngày 5/8 họp."
    for s in find_numbers(text):
        assert text[s.start:s.end] == s.raw


@pytest.mark.parametrize(
    "raw,notation,expected",
    [
        ("6.321", "vi", {6321}),
        ("6.321", "en", {6.321}),
        ("6.321", "auto", {6321, 6.321}),
        ("6,321", "auto", {6321, 6.321}),
        ("6,321", "vi", {6.321}),
        ("6,321", "en", {6321}),
        ("104.56", "auto", {104.56}),
        ("104,56%", "vi", {104.56}),
        ("1,5", "auto", {1.5}),
        ("1,5", "en", set()),
        ("07", "vi", {7}),
        ("1.234.567", "vi", {1234567}),
        ("1,234,567", "auto", {1234567}),
        ("37 ngàn", "vi", {37000}),
        ("2.5 million", "en", {2500000}),
        ("2,5 triệu", "vi", {2500000}),
        ("seven", "auto", {7}),
        ("twenty", "auto", {20}),
        ("hai", "vi", {2}),
        ("mười hai", "vi", {12}),
        ("tư", "vi", {4}),
        ("XIII", "auto", {13}),
        ("9th", "en", {9}),
        ("abc", "auto", set()),
        ("", "auto", set()),
    ],
)
def test_parse_number(raw, notation, expected) -> None:
    got = parse_number(raw, notation)
    assert len(got) == len(expected)
    assert all(any(same_value(g, e) for g in got) for e in expected)


def test_values_in_english_and_vietnamese() -> None:
    en = "The bloc had 6,321 members [1] in 74 organisations [2, 3], reaching 104.56% and twelve classes."
    vals = values_in(en)
    assert len(vals) == 4
    assert 6321 in vals[0] and 74 in vals[1] and 104.56 in vals[2] and 12 in vals[3]
    vi = "Có 6.321 đảng viên, đạt 104,56%, thu 2,5 triệu đồng lúc 08:30."
    vals = values_in(vi)
    assert [6321 in vals[0], 104.56 in vals[1], 2500000 in vals[2]] == [True, True, True]
    assert len(vals) == 3
    assert values_in("1. First point\n2. Second point") == []


def test_dates_in_free_text() -> None:
    text = "On 23 November 2022 (23/11/2022, 2022-11-23), also ngày 23 tháng 11 năm 2022 and November 23, 2022."
    assert [d for *_, d in dates_in(text)] == [(23, 11, 2022)] * 5


def test_same_value() -> None:
    assert same_value(0.1 + 0.2, 0.3)
    assert same_value(103.33, 103.33000000001)
    assert not same_value(103.33, 103.3)


# --- real corpus --------------------------------------------------------------------------------


@pytest.mark.skipif(not (CORPUS.is_dir() and (GOLD / "extract.dev.json").is_file()), reason="no shared corpus")
def test_every_gold_figure_is_found() -> None:
    gold = json.loads((GOLD / "extract.dev.json").read_text(encoding="utf-8"))
    missing = []
    for doc_id, g in gold.items():
        text = nfc((CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8"))
        spans = [s for s in find_numbers(text) if s.kind in ("number", "percent", "ratio")]
        for v in g.get("figures", []):
            value = v["value"] if isinstance(v, dict) else v
            if not any(same_value(s.value, value) or (s.target is not None and same_value(s.target, value)) for s in spans):
                missing.append((doc_id, value))
    assert missing == []


@pytest.mark.parametrize("text, kind, value, unit", [
    ("Huyện ủy thi hành kỷ luật 57 đảng viên vi phạm.", "number", 57.0, "đảng viên"),  # discipline, not a law
    ("Thực hiện Luật 57 về đất đai.", "code", 57.0, ""),
    ("Xã Tân Lập làm mới 4.435m đường giao thông nông thôn.", "number", 4435.0, "m"),  # a glued metric unit, not "million"
    ("Phường Hòa Bình trồng 1.250m2 cây xanh.", "number", 1250.0, "m2"),
])
def test_discipline_is_not_a_law_and_glued_metric_units_stay_units(text, kind, value, unit):
    [n] = find_numbers(text)
    assert (n.kind, n.value, n.unit) == (kind, value, unit)
