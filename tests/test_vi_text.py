"""toolkit.vi codes, chrome and events on invented lines."""

from __future__ import annotations

from datetime import datetime

import pytest

from toolkit.vi import chrome, codes, events


def test_document_codes_with_inner_spaces_are_normalised():
    text = "theo Nghị quyết 18 -NQ/TW, Nghị quyết 19 - NQ/TW, Chỉ thị 05-CT/TW, Kế hoạch 248-KH/TU, giai đoạn 2021 - 2025, Covid-19"
    assert [c for _, _, c in codes.find_codes(text)] == ["18-NQ/TW", "19-NQ/TW", "05-CT/TW", "248-KH/TU"]
    assert codes.normalize_code("01 - KL/TW") == "01-KL/TW"


@pytest.mark.parametrize("line", ["7,937 lượt xem", "Tiếng Việt | English", "In bài này", "date 2022-12", "A+ A-", "."])
def test_chrome_lines(line):
    assert chrome.is_chrome(line)


def test_chrome_spans_inside_a_line():
    text = "Hà Tĩnh 31°C 26°C - 34°C (GMT +7) 12:45 04:163670"
    got = [text[s:e] for s, e in chrome.chrome_spans(text)]
    assert "31°C" in got and "26°C - 34°C" in got and "(GMT +7)" in got and "12:45" in got and "04:163670" in got
    assert chrome.chrome_spans("kết nạp 155 đảng viên, đạt 103,33%") == []


@pytest.mark.parametrize("line,day", [
    ("Thứ Ba, 14/03/2023, 08:15 [GMT+7]", datetime(2023, 3, 14)),
    ("Cập nhật lúc 16:20, Thứ Sáu, 02/06/2023 (GMT+7)", datetime(2023, 6, 2)),
    ("Thứ năm - 05/01/2023 09:102345", datetime(2023, 1, 5)),
])
def test_datelines_with_chrome_around(line, day):
    assert chrome.dateline(line) == day


def test_a_sentence_with_a_date_is_not_a_dateline():
    assert chrome.dateline("Ngày 14/03/2023, Huyện ủy tổ chức hội nghị") is None
    assert chrome.date_marker("date 2023-04 Sáng 3-4, Huyện ủy họp") == (2023, 4)


@pytest.mark.parametrize("lead,kind", [
    ("Sáng 3-10, Đại hội đại biểu Đảng bộ huyện lần thứ XX khai mạc", "party_congress"),
    ("Ngày 12-7, HĐND thị xã khóa V tổ chức kỳ họp thứ 9", "council_session"),
    ("Chiều 5-4, UBND tỉnh tổ chức phiên họp thường kỳ tháng 3", "committee_meeting"),
    ("Ngày 20-5, Ban Chấp hành Đảng bộ huyện tổ chức hội nghị lần thứ 15", "executive_conference"),
    ("Sáng 2-3, Đoàn kiểm tra của Ban Thường vụ Tỉnh ủy công bố quyết định kiểm tra đối với Huyện ủy", "inspection_announcement"),
    ("Ngày 8-8, Huyện ủy tổ chức hội nghị sơ kết 5 năm thực hiện Chỉ thị 05-CT/TW", "thematic_review"),
    ("Sáng 6-6, Ban Tổ chức Tỉnh ủy tổ chức giao ban công tác tổ chức xây dựng Đảng quý II", "briefing"),
    ("Chiều 1-2, Ban Thường vụ Tỉnh ủy công bố quyết định điều động cán bộ", "personnel_decision"),
    ("Ngày 5-1, Đảng ủy xã tổ chức hội nghị tổng kết công tác năm 2022", "year_review"),
    ("Tối 2-9, tỉnh tổ chức chương trình nghệ thuật mừng Quốc khánh", "other"),
])
def test_event_types_from_data(lead, kind):
    assert events.event_type(lead) == kind
    assert kind in events.event_types()


def test_places_before_and_after_the_2025_merger():
    from toolkit.vi.places import MERGED_2025, PROVINCES, UNITS_2025, find_provinces, unit_2025

    assert len(PROVINCES) == 63 and set(MERGED_2025) == set(PROVINCES) and len(UNITS_2025) == 34
    assert unit_2025("Bạc Liêu") == "Cà Mau" and unit_2025("Thanh Hóa") == "Thanh Hóa"
    assert [c for c, _, _ in find_provinces("Đoàn công tác làm việc tại tỉnh Kon Tum và Quảng Ngãi")] == ["Kon Tum", "Quảng Ngãi"]


def test_chrome_spans_can_leave_clock_times_alone():
    text = "Hội nghị khai mạc lúc 8h30 ngày 4/6, Cao Bằng 29°C (UTC+7) 2.104 lượt xem"
    got = [text[s:e] for s, e in chrome.chrome_spans(text, clocks=False)]
    assert got == ["29°C", "(UTC+7)", "2.104 lượt xem"]
    assert "8h30" in [text[s:e] for s, e in chrome.chrome_spans(text)]


def test_summary_sentences_are_judged_by_the_one_chrome_list():
    from toolkit.verify import chrome_problems

    # the hour of a meeting and ordinary words ("chia sẻ kinh nghiệm", "exchanged views") are not chrome
    assert chrome_problems("Hội nghị khai mạc lúc 8h30 sáng 4/6 tại Hội trường tỉnh ủy.") == []
    assert chrome_problems("Các đại biểu đã chia sẻ kinh nghiệm xây dựng chi bộ vững mạnh.") == []
    assert chrome_problems("Delegates exchanged views on the 2026 plan of the district.") == []
    # toolkit.vi.chrome's spans and lines
    for text in ("Thời tiết Lạng Sơn hôm nay 24°C - 30°C trời nắng nhẹ",
                 "Cập nhật lúc 09:15 (GMT+7) bài viết của phóng viên thường trú",
                 "Bài viết này đã có 3.518 lượt xem từ bạn đọc",
                 "Tổng biên tập: Lê Văn Sáu, Phó Tổng biên tập Hoàng Thị Bảy"):
        assert chrome_problems(text), text
    # what only a summary sentence must not carry: a menu row's pipes, an image file name
    assert chrome_problems("Trang chủ | Tin tức | Hoạt động của Đảng bộ huyện")
    assert chrome_problems("Đồng chí Bí thư phát biểu tại hội nghị anh-hoi-nghi-2.jpg")
