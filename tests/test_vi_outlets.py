"""The outlet a question names (who reported) is not content the answering sentence must hold;
and a who-question that names a title asks for its holder, never the deputy. Invented fixtures."""

import pytest

from toolkit.answer.records import asked_title, holds_title
from toolkit.schemas import Evidence, Person
from toolkit.vi.outlets import outlet_spans, without_outlets
from toolkit.vi.question import analyse_question


@pytest.mark.parametrize("text, outlet", [
    ("Theo Báo Sơn La, huyện Mai Sơn kết nạp bao nhiêu đảng viên?", "Báo Sơn La"),
    ("(Báo Bà Rịa - Vũng Tàu, tháng 3/2024)", "Báo Bà Rịa - Vũng Tàu"),
    ("According to the Báo Hậu Giang's report of May 2023, how many ...", "Báo Hậu Giang's"),
    ("Theo baolaocai.vn (11/2023), ...", "baolaocai.vn"),
    ("the tuyengiao.vn's report of 2 June", "tuyengiao.vn's"),
    ("Đài Phát thanh - Truyền hình Yên Bái đưa tin", "Đài Phát thanh - Truyền hình Yên Bái"),
    ("What did the Cao Bang Newspaper report?", "Cao Bang Newspaper"),
])
def test_outlets_are_found(text, outlet):
    assert [text[a:b] for a, b in outlet_spans(text)] == [outlet]


@pytest.mark.parametrize("text", [
    "Theo báo cáo tại kỳ họp thứ 9 HĐND huyện Bảo Yên, tổng thu ngân sách là bao nhiêu?",  # "báo cáo" is a report
    "Báo cáo chính trị trình Đại hội nêu bao nhiêu chỉ tiêu?",
    "Đảng bộ huyện Quản Bạ kết nạp bao nhiêu đảng viên năm 2024?",
])
def test_reports_and_plain_questions_name_no_outlet(text):
    assert outlet_spans(text) == [] and without_outlets(text) == text


def test_outlet_words_are_not_question_terms_but_its_period_still_counts():
    info = analyse_question("Năm 2023, Đảng bộ Khối cơ quan tỉnh (Báo Tuyên Quang, tháng 12/2023) kết nạp bao nhiêu đảng viên?")
    sources = {t.source for t in info.terms}
    assert "tuyên" not in sources and "quang" not in sources and "tuyên quang" not in sources
    assert "kết nạp" in sources and 2023 in info.years
    en = analyse_question("How many Party members did the bloc admit in 2023, according to the baoninhbinh.vn report?")
    assert not any("baoninhbinh" in t.source for t in en.terms)


def _p(name: str, title: str) -> Person:
    return Person(name=name, title=title, role="chair", evidence=Evidence(doc_id="d", paragraph_id="p1", quote=name, start=0, end=len(name)))


def test_a_who_question_naming_a_title_asks_for_its_holder_not_the_deputy():
    assert asked_title("Ai là Bí thư Huyện ủy chủ trì hội nghị tổng kết của huyện Tủa Chùa?") == "Bí thư Huyện ủy"
    assert asked_title("Ai là Chủ tịch UBND xã, giữ chức vụ gì?") == "Chủ tịch UBND xã"
    assert asked_title("Ai chủ trì hội nghị?") is None and asked_title("Ai là người trao huy hiệu?") is None
    secretary = _p("Lầu Văn Sáng", "Bí thư Huyện ủy, Chủ tịch HĐND huyện")
    deputy = _p("Giàng A Tủa", "Phó Bí thư Thường trực Huyện ủy")
    assert holds_title(secretary, "Bí thư Huyện ủy") and not holds_title(deputy, "Bí thư Huyện ủy")
    assert holds_title(deputy, "Phó Bí thư Thường trực Huyện ủy")
