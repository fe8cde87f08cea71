"""English summary sentences say what each number is: a counted noun with what was done to it written after it,
the meeting's own ordinal in the lead, and a rank is never taken for a count. Invented articles and clauses."""

from __future__ import annotations

from datetime import date

import pytest

from tests.test_figure_en import g, split  # noqa: F401 - g is a fixture
from tests.test_summarise_record import en_text, ev, fig, make_doc
from toolkit.figure_en import label_en
from toolkit.schemas import Record
from toolkit.settings import Settings
from toolkit.summarise import summarise
from toolkit.summarise.lead import meeting_ordinal, ordinal_en
from toolkit.verify import record_problems
from toolkit.vi.glossary import load_glossary


@pytest.mark.parametrize("text, raw, want", [
    # Vietnamese puts the counted subject first and what was done to it after it
    ("Năm 2024, huyện có 22/25 chỉ tiêu chủ yếu hoàn thành và hoàn thành vượt mức kế hoạch.", "22/25", "targets completed"),
    ("Kết quả có 14/16 chỉ tiêu đạt và vượt kế hoạch đề ra.", "14/16", "targets met or exceeded"),
    ("toàn xã có 6 tập thể được khen thưởng, 2 cá nhân được biểu dương", "6", "collectives commended"),
    # the action before the number, with verbs of the genre's reports
    ("Tại kỳ họp, HĐND thị xã đã thông qua 11 nghị quyết quan trọng và 3 đề án", "3", "schemes adopted"),  # shared verb
    ("Tại kỳ họp, HĐND thị xã đã thông qua 11 nghị quyết quan trọng và 3 đề án", "11", "resolutions adopted"),
    ("Kết quả xếp loại: 41 đảng viên HTTNV, 3 đảng viên KHTNV.", "41", "Party members who completed their tasks well"),
    ("UBKT Huyện ủy đã giải quyết 7 đơn thư đúng thời hạn.", "7", "complaints and petitions resolved"),
    ("Ban Thường vụ đã thành lập 3 đoàn kiểm tra theo kế hoạch.", "3", "inspection teams established"),
    # a share of a whole named after 'chiếm'; what a total is made of ('..., với N đảng viên')
    ("doanh thu ước đạt 410 tỷ đồng, chiếm khoảng 12% tổng doanh thu của huyện.", "12%", "share of total revenue"),
    ("Hiện nay, toàn huyện có 61 tổ chức cơ sở đảng, với 3.905 đảng viên.", "3.905", "Party members in total"),
    ("28 đảng viên hoàn thành xuất sắc nhiệm vụ, chiếm 9,5%;", "9,5%", None),  # a share of nothing named
])
def test_what_was_done_to_a_counted_noun(g, text, raw, want):
    before, after = split(text, raw)
    assert label_en(g, "", before, after, raw) == want


@pytest.mark.parametrize("text, raw", [
    ("Trong năm có 4 chỉ tiêu chưa hoàn thành do ảnh hưởng của thiên tai.", "4"),  # a negation is not the action
    ("có 5 chỉ tiêu không đạt kế hoạch", "5"),
    ("có 9 chỉ tiêu hoàn thành tốt công tác tuyên truyền ở 3 xã", "9"),  # the clause goes on to something else
])
def test_no_action_label_when_the_clause_denies_it_or_goes_on(g, text, raw):
    before, after = split(text, raw)
    assert label_en(g, "", before, after, raw) is None


@pytest.mark.parametrize("clause, want", [
    ("Sáng 9-5, HĐND huyện Tam Nông khóa XII tổ chức kỳ họp thứ 7 nhằm xem xét các báo cáo.", 7),
    ("Đảng ủy Khối Cơ quan tỉnh tổ chức Hội nghị Ban Chấp hành Đảng bộ lần thứ 21 (mở rộng).", 21),
    ("UBND tỉnh tổ chức phiên họp thường kỳ thứ 3 năm 2024.", 3),
    ("Hội nghị quán triệt Nghị quyết Hội nghị lần thứ 8 Ban Chấp hành Trung ương Đảng khóa XIII.", None),  # cited
    ("Huyện ủy tổ chức hội nghị sơ kết 3 năm thực hiện Chỉ thị 12-CT/HU.", None),  # a count, not an ordinal
])
def test_the_meetings_own_ordinal(clause, want):
    assert meeting_ordinal(clause) == want


def test_english_ordinals():
    assert [ordinal_en(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd", "111th"]


SESSION = [
    ("title", "HĐND huyện Tam Nông khai mạc kỳ họp thứ 7"),
    ("body", "Sáng 9-5-2024, HĐND huyện Tam Nông khóa XII tổ chức kỳ họp thứ 7 nhằm xem xét các báo cáo kinh tế - xã hội."),
    ("body", "Tại kỳ họp, HĐND huyện đã thông qua 6 nghị quyết; có 21/23 chỉ tiêu đạt và vượt kế hoạch đề ra."),
]


def session_record(doc) -> Record:
    return Record(
        doc_id=doc.doc_id, title=doc.title, date=date(2024, 5, 9), date_evidence=ev(doc, "p001", "Sáng 9-5-2024"),
        province=None, organization="HĐND huyện Tam Nông", event_type="council_session",
        figures=[fig(doc, "p001", "kỳ họp thứ 7", "7", 7, label="kỳ họp thứ"),
                 fig(doc, "p002", "có 21/23 chỉ tiêu đạt và vượt kế hoạch đề ra", "21/23", 21, "chỉ tiêu", label="chỉ tiêu",
                     target=23)],
        content_hash=doc.content_hash)


def test_the_lead_gives_the_sessions_ordinal_and_a_count_says_what_was_done(tmp_path):
    doc = make_doc("session", SESSION)
    en = en_text(summarise(doc, session_record(doc), None, Settings(store=tmp_path / "store")))
    assert "held the 7th session" in en
    assert "The number of targets met or exceeded stood at 21 of 23" in en


def test_a_rank_is_not_a_count_but_a_count_must_say_what_it_counts():
    doc = make_doc("session", SESSION)
    rec = session_record(doc)
    g = load_glossary()
    assert not record_problems("The council held the 7th session.", rec, lang="en", glossary=g)
    assert record_problems("The council counted 7.", rec, lang="en", glossary=g)


MEETINGS = [
    ("title", "Văn phòng Huyện ủy Cư Kuin tổng kết công tác năm 2023"),
    ("body", "Chiều 5-1-2024, Đảng bộ Văn phòng Huyện ủy Cư Kuin tổ chức hội nghị tổng kết công tác năm 2023."),
    ("body", "Trong năm, Văn phòng đã tham mưu tổ chức trên 320 cuộc họp, trong đó có 45 cuộc họp trực tuyến."),
]


def test_a_count_is_said_as_a_number_without_the_classifier_after_it(tmp_path):
    doc = make_doc("meetings", MEETINGS)
    rec = Record(doc_id=doc.doc_id, title=doc.title, date=date(2024, 1, 5), date_evidence=ev(doc, "p001", "Chiều 5-1-2024"),
                 organization="Đảng bộ Văn phòng Huyện ủy Cư Kuin", event_type="year_review",
                 figures=[fig(doc, "p002", "tổ chức trên 320 cuộc họp", "320", 320, "cuộc", label="cuộc họp")],
                 content_hash=doc.content_hash)
    en = en_text(summarise(doc, rec, None, Settings(store=tmp_path / "store")))
    assert "The number of meetings held stood at more than 320." in en  # not "... at more than 320 sessions"


def test_a_count_is_a_phrase_headed_by_a_counted_noun(g):
    assert g.names_counted("Party members admitted") and g.names_counted("new Party members admitted")
    assert not g.names_counted("total revenue of enterprises") and not g.names_counted("budget revenue")


REPEATED = [
    ("title", "Khối Doanh nghiệp tỉnh Bình Phước sơ kết 6 tháng"),
    ("body", "Tổng doanh thu các doanh nghiệp trong khối đạt 9.400 tỷ đồng."),
    ("body", "Chiều 12-7-2024, Đảng ủy Khối Doanh nghiệp tỉnh tổ chức hội nghị sơ kết 6 tháng đầu năm."),
    ("body", "Tổng doanh thu các doanh nghiệp trong khối đạt 9.400 tỷ đồng, tăng 600 tỷ đồng so cùng kỳ."),
]


def test_a_figure_repeated_by_a_sapo_is_stated_once(tmp_path):
    doc = make_doc("repeated", REPEATED)
    rec = Record(doc_id=doc.doc_id, title=doc.title, date=date(2024, 7, 12), date_evidence=ev(doc, "p002", "Chiều 12-7-2024"),
                 organization="Đảng ủy Khối Doanh nghiệp tỉnh", event_type="mid_term_review",
                 figures=[fig(doc, "p001", "Tổng doanh thu các doanh nghiệp trong khối đạt 9.400 tỷ đồng", "9.400", 9400, "tỷ đồng"),
                          fig(doc, "p003", "Tổng doanh thu các doanh nghiệp trong khối đạt 9.400 tỷ đồng", "9.400", 9400, "tỷ đồng"),
                          fig(doc, "p003", "tăng 600 tỷ đồng so cùng kỳ", "600", 600, "tỷ đồng")],
                 content_hash=doc.content_hash)
    en = en_text(summarise(doc, rec, None, Settings(store=tmp_path / "store")))
    assert en.count("9,400") == 1 and "Total revenue of enterprises stood at 9,400 billion VND, up 600 billion VND" in en
