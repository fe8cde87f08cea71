"""Layout with site chrome around the article: two datelines, markers, counters, language switches."""

from __future__ import annotations

from datetime import datetime

from toolkit.layout import classify

PAGE = """Thứ Sáu, 03/11/2023, 07:30 [GMT+7]
Tiếng Việt | English
date 2023-10 Huyện ủy Tam Nông sơ kết 10 tháng
Thứ Ba, 31/10/2023 | 16:02:11
5,120 lượt xem
Chiều 30-10, Ban Thường vụ Huyện ủy Tam Nông tổ chức hội nghị sơ kết công tác xây dựng Đảng 10 tháng đầu năm 2023, triển khai nhiệm vụ những tháng cuối năm.
In bài này
"""


def test_the_article_dateline_wins_over_the_site_header_date():
    lay = classify(PAGE)
    kinds = {ln.text: ln.kind for ln in lay.lines}
    assert lay.published.date() == datetime(2023, 10, 31).date()  # the dateline below the title, not today's date in the header
    assert kinds["Thứ Sáu, 03/11/2023, 07:30 [GMT+7]"] == "dateline"
    assert kinds["Tiếng Việt | English"] == "boilerplate" and kinds["5,120 lượt xem"] == "boilerplate"
    assert kinds["In bài này"] == "boilerplate"
    assert lay.title == "Huyện ủy Tam Nông sơ kết 10 tháng"  # the "date 2023-10" marker is not part of the headline
    assert [ln.kind for ln in lay.lines if ln.text.startswith("Chiều 30-10")] == ["body"]
