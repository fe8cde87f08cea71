"""toolkit.vi.dates: the one date reader (styles, cited documents, year resolution)."""

from __future__ import annotations

from datetime import date

import pytest

from toolkit.vi.dates import meeting_date, mentions, year_from_datelines, year_from_period


@pytest.mark.parametrize("text,dm", [
    ("Ngày 9.2, Hội đồng nhân dân huyện họp.", (9, 2, None)),
    ("Sáng 24.6, Đảng bộ xã tổ chức đại hội.", (24, 6, None)),
    ("Chiều 15/2, UBND tỉnh họp phiên thường kỳ.", (15, 2, None)),
    ("ngày 7-1, Đảng ủy Khối tổ chức hội nghị", (7, 1, None)),
    ("Sáng ngày 23/02/2022, Huyện ủy tổ chức hội nghị", (23, 2, 2022)),
    ("Sáng nay, ngày 30 tháng 12 năm 2021, tại hội trường", (30, 12, 2021)),
    ("Sáng ngày 28-12-2021, Đảng ủy xã tổng kết", (28, 12, 2021)),
    ("Trong 2 ngày 14 và 15/7, HĐND thị xã tổ chức kỳ họp", (14, 7, None)),
])
def test_date_styles(text, dm):
    m = mentions(text)[0]
    assert (m.day, m.month, m.year) == dm and m.cued and not m.cited


def test_numbers_are_not_dates_and_cited_documents_are_marked():
    assert mentions("tăng 9.2% so với cùng kỳ, đạt 3/4 chỉ tiêu") == []
    cited = mentions("Thực hiện Kết luận số 21-KL/TW ngày 25/10/2021 của Ban Chấp hành Trung ương")
    assert cited and cited[0].cited
    assert mentions("Đến ngày 15-8-2020, toàn tỉnh đã hoàn thành")[0].status


def test_meeting_is_never_dated_by_a_cited_document():
    lead = "Thực hiện Nghị quyết số 18-NQ/TW ngày 25/10/2017, chiều 12-3, Ban Thường vụ Huyện ủy tổ chức sơ kết."
    found = meeting_date([lead], [date(2023, 3, 13)], None)
    assert found.date == date(2023, 3, 12) and found.inferred_year


def test_year_from_the_closest_dateline_after_the_day():
    # the site header says today's date; the article's dateline is the closer one after the meeting
    assert year_from_datelines(23, 11, [date(2024, 1, 5), date(2022, 11, 24)]) == 2022
    assert year_from_datelines(30, 12, [date(2023, 1, 2)]) == 2022
    assert year_from_datelines(3, 1, [date(2025, 7, 1)]) is None  # too far from any dateline


def test_year_from_marker_and_period_or_none():
    assert meeting_date(["Ngày 19-12, HĐND huyện khai mạc kỳ họp."], [], (2021, 12)).date == date(2021, 12, 19)
    assert year_from_period(8, 1, "Chiều 8-1, Đảng ủy tổ chức hội nghị tổng kết năm 2021, triển khai nhiệm vụ năm 2022") == 2022
    assert year_from_period(29, 12, "Sáng 29-12, tổng kết năm 2021, triển khai nhiệm vụ năm 2022") == 2021
    assert year_from_period(10, 1, "Sáng 10-1, Huyện ủy tổng kết công tác năm 2023") == 2024
    assert meeting_date(["Ngày 24/2, Ban Thường vụ công bố quyết định, nhiệm kỳ 2020 - 2025."], [], None) is None
    assert meeting_date(["Đảng bộ vừa tổ chức hội nghị sơ kết."], [date(2022, 5, 1)], None) is None
