"""Deterministic candidates on hand-written sentences in the genre (no real article text)."""

from __future__ import annotations

from datetime import datetime

import pytest

from toolkit.extract import candidates as C, facts, figures, people as P
from toolkit.schemas import Document, Paragraph


def make_doc(title: str, paras: list[tuple[str, str]], published: datetime | None = None, author: str | None = None,
             outlet: str | None = None) -> Document:
    """A Document from (kind, text) pairs; offsets are consistent with Document.text."""
    items = [("title", title)] + paras
    text = ""
    out = []
    for i, (kind, t) in enumerate(items):
        start = len(text)
        text += t + "\n\n"
        out.append(Paragraph(paragraph_id=f"p{i:03d}", kind=kind, text=t, start=start, end=start + len(t)))
    return Document(doc_id="t1", source_path="t1.txt", title=title, published=published, author=author, outlet=outlet,
                    encoding="utf-8", content_hash="h1", text=text, paragraphs=out)


def by_value(figs):
    return {f.value: f for f in figs}


# --- figures -------------------------------------------------------------------------------------


def test_figures_parse_vietnamese_notation_and_skip_dates_codes_ordinals():
    doc = make_doc("Huyện ủy A sơ kết 6 tháng đầu năm 2023", [
        ("body", "Ngày 12-7, Huyện ủy A tổ chức hội nghị lần thứ 8 sơ kết 6 tháng đầu năm 2023."),
        ("body", "Trong 6 tháng, kết nạp mới 152/150 đảng viên, đạt 101,3% chỉ tiêu; toàn Đảng bộ có 6.059 đảng viên; "
                 "mở 04 lớp bồi dưỡng cho hơn 44 ngàn lượt người theo Chỉ thị 05-CT/TW và phòng chống Covid-19."),
    ])
    figs = figures.figure_candidates(doc)
    vals = by_value(figs)
    assert vals[152.0].target == 150.0 and vals[152.0].raw == "152/150"
    assert vals[101.3].raw == "101,3%"
    assert 6059.0 in vals and vals[6059.0].unit.startswith("đảng viên")
    assert 4.0 in vals and vals[4.0].raw == "04"
    # a multiplier stays in the unit, the value is as written ("44 ngàn" = 44 thousand)
    assert vals[44.0].raw == "44" and vals[44.0].unit.startswith("ngàn")
    # dates, years, codes, ordinals, durations are not figures
    for v in (12.0, 7.0, 2023.0, 5.0, 19.0, 6.0):
        assert v not in vals, v
    # a session number is a figure (the web gold counts "hội nghị lần thứ 8"), quoted by its digits
    assert vals[8.0].raw == "8" and "lần thứ" in vals[8.0].default_label
    # every quote is an exact substring of its paragraph and contains the raw number
    for f in figs:
        p = doc.paragraph(f.paragraph_id)
        assert f.quote in p.text and f.raw in f.quote


def test_figure_default_kinds():
    doc = make_doc("Đảng ủy B tổng kết năm 2023", [
        ("body", "Năm 2023 kết nạp 120 đảng viên, đạt 96,5% kế hoạch."),
        ("body", "Năm 2024 phấn đấu kết nạp từ 130 đảng viên trở lên; ít nhất 90% đảng viên hoàn thành tốt nhiệm vụ."),
    ])
    vals = by_value(figures.figure_candidates(doc))
    assert vals[120.0].default_kind == "result"
    assert vals[96.5].default_kind == "rate"
    assert vals[130.0].default_kind == "target"
    assert vals[90.0].default_kind == "target"
    assert "đảng viên" in vals[120.0].default_label


def test_figures_ignore_captions_and_boilerplate():
    doc = make_doc("Tin hội nghị", [
        ("body", "Năm qua kết nạp 77 đảng viên."),
        ("caption", "Trao 55 suất quà tại hội nghị"),
        ("boilerplate", "Lượt xem: 9876"),
    ])
    assert [f.value for f in figures.figure_candidates(doc)] == [77.0]


# --- people --------------------------------------------------------------------------------------


def test_people_patterns_titles_roles_and_merging():
    doc = make_doc("Huyện ủy Hòa Lạc tổng kết năm 2023", [
        ("body", "Sáng 5-1, Huyện ủy Hòa Lạc tổ chức hội nghị. Các đồng chí: Lê Văn Bình, Phó Chủ tịch UBND tỉnh; "
                 "Trần Thị Cúc, Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng Ban Dân vận Tỉnh ủy tới dự. "
                 "Đồng chí Nguyễn Văn An - Tỉnh ủy viên, Bí thư Huyện ủy chủ trì hội nghị."),
        ("caption", "Phó Bí thư Tỉnh ủy Lâm Văn Dũng phát biểu tại hội nghị"),
        ("body", "Phát biểu kết luận, đồng chí Nguyễn Văn An nhấn mạnh nhiệm vụ học tập tư tưởng Hồ Chí Minh."),
        ("boilerplate", "Tổng biên tập: Phạm Văn Trường"),
    ])
    people = {p.name: p for p in P.people_candidates(doc)}
    assert set(people) == {"Lê Văn Bình", "Trần Thị Cúc", "Nguyễn Văn An", "Lâm Văn Dũng"}
    assert people["Lê Văn Bình"].title == "Phó Chủ tịch UBND tỉnh"
    assert people["Trần Thị Cúc"].title == "Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng Ban Dân vận Tỉnh ủy"
    assert people["Trần Thị Cúc"].default_role == "attendee"
    an = people["Nguyễn Văn An"]
    assert an.title == "Tỉnh ủy viên, Bí thư Huyện ủy" and an.default_role == "chair" and an.mentions == 2
    assert people["Lâm Văn Dũng"].title == "Phó Bí thư Tỉnh ủy"
    assert people["Lâm Văn Dũng"].default_role == "speaker"
    for p in people.values():
        assert p.quote in doc.paragraph(p.paragraph_id).text and p.name in p.quote


def test_head_of_delegation_and_honorifics():
    doc = make_doc("Tỉnh ủy kiểm tra tại Huyện ủy C", [
        ("body", "Chiều 25/5, đoàn công tác Tỉnh ủy do ông Võ Minh Khoa, Phó Bí thư Tỉnh ủy làm trưởng đoàn đã làm việc "
                 "tại Huyện ủy C. Làm việc với đoàn có bà Huỳnh Thị Lan, Bí thư Huyện ủy C."),
        ("body", "Không có gì đáng chú ý; ông Khoa đề nghị tiếp tục cố gắng."),
    ])
    people = {p.name: p for p in P.people_candidates(doc)}
    assert people["Võ Minh Khoa"].default_role == "head_of_delegation"
    assert people["Võ Minh Khoa"].title == "Phó Bí thư Tỉnh ủy"
    assert people["Huỳnh Thị Lan"].title == "Bí thư Huyện ủy C"
    assert len(people) == 2


def test_author_only_from_byline():
    doc = make_doc("Tin", [("body", "Hội nghị diễn ra."), ("byline", "Tin, ảnh: Minh Khang")], author="Minh Khang")
    [a] = P.author_candidates(doc)
    assert a.default_role == "author" and a.paragraph_id == "p002"
    assert P.author_candidates(make_doc("Tin", [("body", "x y")], author="Minh Khang")) == []


# --- documents, awards ---------------------------------------------------------------------------


def test_document_codes_with_type_date_issuer():
    doc = make_doc("Tin", [
        ("body", "Thực hiện Kết luận số 01-KL/TW, ngày 18-5-2021 của Bộ Chính trị về tiếp tục thực hiện Chỉ thị số "
                 "05-CT/TW; Quyết định 1415-QĐ/TU của Tỉnh ủy và Đề án 03-ĐA/TU, ngày 13/4/2020."),
    ])
    docs = {d.code: d for d in facts.document_candidates(doc)}
    assert set(docs) == {"01-KL/TW", "05-CT/TW", "1415-QĐ/TU", "03-ĐA/TU"}
    kl = docs["01-KL/TW"]
    assert (kl.type, kl.date, kl.issuer) == ("Kết luận", "2021-05-18", "Bộ Chính trị")
    assert kl.quote == "Kết luận số 01-KL/TW, ngày 18-5-2021 của Bộ Chính trị"
    assert docs["1415-QĐ/TU"].type == "Quyết định" and docs["1415-QĐ/TU"].issuer == "Tỉnh ủy"
    assert docs["03-ĐA/TU"].date == "2020-04-13"


def test_awards():
    doc = make_doc("Tin", [("body", "Nhân dịp này, Ban Thường vụ đã tặng Bằng khen cho 3 tập thể và 5 cá nhân; "
                                    "trao Cờ Thi đua của Tỉnh ủy tặng 2 đảng bộ.")])
    aw = facts.award_candidates(doc)
    assert [(a.name, a.recipients) for a in aw] == [("Bằng khen", "3 tập thể và 5 cá nhân"), ("Cờ Thi đua", "2 đảng bộ.")] or \
        [(a.name, a.recipients) for a in aw] == [("Bằng khen", "3 tập thể và 5 cá nhân"), ("Cờ Thi đua", "2 đảng bộ")]


# --- date ----------------------------------------------------------------------------------------


def test_date_full_and_inferred_from_published():
    full = make_doc("Tin", [("body", "Ngày 19/10/2021, Đảng ủy Khối tổ chức hội nghị.")])
    d = facts.date_candidate(full)
    assert d.date.isoformat() == "2021-10-19" and not d.inferred_year and d.quote == "Ngày 19/10/2021"
    pub = make_doc("Tin", [("body", "Sáng 20-1, Đảng bộ Khối tổng kết công tác năm 2020.")], published=datetime(2021, 1, 20, 8, 1))
    d = facts.date_candidate(pub)
    assert d.date.isoformat() == "2021-01-20" and d.inferred_year and d.quote == "Sáng 20-1"
    late = make_doc("Tin", [("body", "Chiều ngày 30-12, Huyện ủy họp.")], published=datetime(2022, 1, 2))
    assert facts.date_candidate(late).date.isoformat() == "2021-12-30"


def test_date_year_from_title_when_no_published():
    doc = make_doc("Đảng ủy Khối X: Triển khai nhiệm vụ năm 2022", [
        ("body", "Ngày 11-1, Đảng ủy Khối X tổ chức Hội nghị tổng kết công tác năm 2021, triển khai nhiệm vụ năm 2022."),
    ])
    d = facts.date_candidate(doc)
    assert d.date.isoformat() == "2022-01-11" and d.inferred_year


def test_date_ignores_document_issue_dates():
    doc = make_doc("Tin", [("body", "Triển khai Kết luận số 01-KL/TW, ngày 18-5-2021 của Bộ Chính trị.")])
    assert facts.date_candidate(doc) is None


# --- province, event type, period, organisation ---------------------------------------------------


def test_province_only_from_body_and_null_when_absent():
    named = make_doc("Tin", [("body", "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Trà Vinh dự hội nghị tại tỉnh Trà Vinh.")])
    assert facts.province_of(named) == "Trà Vinh"
    footer_only = make_doc("Tin", [("body", "Đảng ủy Khối tỉnh tổ chức hội nghị."),
                                   ("boilerplate", "Tòa soạn: 68 Trần Phú, tỉnh Nam Định")], outlet="Báo Nam Định")
    assert facts.province_of(footer_only) is None


@pytest.mark.parametrize("title,first,expected", [
    ("Đảng ủy Khối sơ kết 9 tháng đầu năm", "Ngày 19/10, hội nghị sơ kết.", "period_review"),
    ("Triển khai nhiệm vụ năm 2022", "Ngày 11-1, Hội nghị tổng kết công tác năm 2021.", "year_review"),
    ("Thường trực Tỉnh ủy kiểm tra tại Huyện ủy C", "Chiều 25/5, đoàn công tác làm việc.", "inspection_visit"),
    ("Hội nghị giữa nhiệm kỳ", "Ngày 3-3, hội nghị đánh giá giữa nhiệm kỳ.", "mid_term_review"),
    ("Tin", "Ngày 13-4, Hội nghị Ban Chấp hành Đảng bộ lần thứ 8.", "executive_conference"),
])
def test_event_type_rules(title, first, expected):
    et, _sure, hints = facts.event_type_of(make_doc(title, [("body", first)]))
    assert et == expected and hints


def test_period_and_organization():
    doc = make_doc("Đảng ủy Khối các cơ quan tỉnh sơ kết 09 tháng đầu năm", [
        ("body", "Ngày 19/10/2021, Ban Thường vụ Đảng ủy Khối tổ chức hội nghị sơ kết 09 tháng đầu năm.")])
    assert facts.period_of(doc, 2021) == "9 tháng đầu năm 2021"
    assert facts.organization_of(doc) == "Đảng ủy Khối các cơ quan tỉnh"


def test_figure_labels_are_the_noun_phrase_of_the_number():
    doc = make_doc("Huyện ủy Bảo Lâm tổng kết năm 2023", [
        ("body", "Năm 2023, các hợp tác xã trong huyện đạt tổng doanh thu 1.250 tỷ đồng, tăng 8,2% so với năm 2022; "
                 "nâng cấp 2.150m đường giao thông nông thôn."),
        ("body", "Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ 9 biểu dương 12 tập thể và 12 cá nhân; toàn huyện kết nạp 37 đảng viên mới."),
        ("body", "Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ 9 biểu dương 12 tập thể và 12 cá nhân; toàn huyện kết nạp 37 đảng viên mới."),
    ])
    figs = figures.figure_candidates(doc)
    labels = {(f.value, f.unit): f.default_label for f in figs}
    assert labels[(1250.0, "tỷ đồng")] == "tổng doanh thu"  # value as written, multiplier in the unit
    assert "doanh thu" in labels[(8.2, "%")] and "tăng" in labels[(8.2, "%")]  # a bare change takes its base's subject
    assert labels[(2150.0, "m")] == "nâng cấp đường giao thông nông thôn"
    assert "lần thứ" in labels[(9.0, "")]
    assert labels[(37.0, "đảng viên mới")].endswith("kết nạp đảng viên mới")
    # two equal numbers of one clause are two figures; a paragraph printed twice gives them once
    assert sorted(f.default_label for f in figs if f.value == 12.0) == ["biểu dương tập thể", "cá nhân"]
    for f in figs:
        assert not any(ch.isdigit() for ch in f.default_label) and len(f.default_label.split()) <= 10


@pytest.mark.parametrize("title, first, expected", [
    # the body before the verb that holds the meeting, after a place clause
    ("Tổng kết công tác Đảng năm 2024", "Sáng 28/12, tại hội trường UBND xã, Đảng bộ xã Tân Lập đã tổ chức hội nghị tổng kết.",
     "Đảng bộ xã Tân Lập"),
    # a committee of a bloc, when the title starts with the bloc's short name
    ("Khối cơ quan tỉnh triển khai nhiệm vụ", "Chiều 3/4, Ban Chấp hành Đảng bộ Khối các cơ quan tỉnh tổ chức hội nghị lần thứ 5.",
     "Ban Chấp hành Đảng bộ Khối các cơ quan tỉnh"),
    ("Kỳ họp thứ 9", "Ngày 12-7, HĐND huyện Mường Tè khai mạc kỳ họp thứ 9.", "HĐND huyện Mường Tè"),
    # the title names the body the committee belongs to: the committee that holds the meeting is kept
    ("Đảng bộ xã Hòa Tiến sơ kết 6 tháng", "Chiều 9-7, Ban Chấp hành Đảng bộ xã Hòa Tiến vừa tổ chức hội nghị lần thứ 6.",
     "Ban Chấp hành Đảng bộ xã Hòa Tiến"),
    # the short name in brackets is not the body
    ("Tin hoạt động", "Ngày 5-1, Đảng ủy Khối Doanh nghiệp tỉnh (Đảng ủy Khối) tổ chức hội nghị tổng kết.",
     "Đảng ủy Khối Doanh nghiệp tỉnh"),
    # no body before an event verb: the one the lead opens with
    ("Tin địa phương", "Ngày 2/3, Huyện ủy Cờ Đỏ triển khai nghị quyết mới.", "Huyện ủy Cờ Đỏ"),
])
def test_organization_is_the_body_that_holds_the_meeting(title, first, expected):
    assert facts.organization_of(make_doc(title, [("body", first)])) == expected


@pytest.mark.parametrize("title, paras, expected", [
    # a headline written under its body, '<body>: <headline>'
    ("Khối thi đua các cơ quan Đảng tỉnh Bắc Kạn: Ký kết giao ước thi đua năm 2024",
     [("body", "(BK) - Ngày 12.3, Khối thi đua các cơ quan Đảng tỉnh Bắc Kạn đóng trên địa bàn thị xã tổ chức ký kết giao ước.")],
     "Khối thi đua các cơ quan Đảng tỉnh Bắc Kạn"),
    # a page whose lead was cut off: the body a later paragraph or a caption says held the meeting, in lower case
    ("Dự hội nghị có đồng chí Lò Văn Tâm - Phó Bí thư Huyện ủy.",
     [("body", "Tại buổi lễ, 5 đảng viên được nhận huy hiệu 40 năm tuổi đảng."),
      ("caption", "Sau lễ trao huy hiệu, đảng ủy phường Tân Lập đã tổ chức hội nghị sơ kết 6 tháng đầu năm.")],
     "Đảng ủy phường Tân Lập"),
    # a quarterly report under a period, not a body: none
    ("Quý II/2023: Toàn huyện kết nạp 45 đảng viên mới",
     [("body", "Trong quý II, các chi bộ, đảng bộ cơ sở tập trung lãnh đạo công tác phát triển đảng viên.")], None),
    # a title opened by a body doing something else is no headline under a body
    ("Đảng bộ tỉnh Kon Tum hoàn thành đại hội cấp cơ sở: 100% chi bộ đạt yêu cầu",
     [("body", "Đến ngày 30-6, 350/350 tổ chức cơ sở đảng đã tổ chức xong đại hội.")], "Đảng bộ tỉnh Kon Tum"),
])
def test_organization_from_a_headline_under_a_body_or_a_later_paragraph(title, paras, expected):
    assert facts.organization_of(make_doc(title, paras)) == expected
