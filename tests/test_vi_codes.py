"""Documents cited by kind and number, dotted dates after a time cue and month-year dates are
answer spans (invented sentences, several provinces and styles)."""

import pytest

from toolkit.answer.spans import spans_of
from toolkit.vi.codes import find_doc_numbers
from toolkit.vi.number_spans import find_numbers


def kinds(sentence):
    return [(s.kind, s.text) for s in spans_of(sentence, [])]


@pytest.mark.parametrize("sentence, cited", [
    ("Đoàn công tác đã công bố Quyết định 215 của Ban Thường vụ Tỉnh ủy Phú Yên.", "Quyết định 215"),
    ("Hội nghị quán triệt Chương trình hành động số 27 của Tỉnh ủy Cà Mau.", "Chương trình hành động số 27"),
    ("Kiểm tra việc thực hiện Quy định số 11 ngày 3/2/2019 về trách nhiệm nêu gương.", "Quy định số 11"),
    ("Thực hiện nghị quyết số 36 của Ban Chấp hành Đảng bộ huyện Krông Pắc.", "nghị quyết số 36"),
    ("Triển khai Kế hoạch liên tịch số 4 giữa Mặt trận và Hội Nông dân.", "Kế hoạch liên tịch số 4"),
])
def test_a_document_cited_by_kind_and_number_is_a_code_span(sentence, cited):
    assert ("code", cited) in kinds(sentence)


@pytest.mark.parametrize("sentence", [
    "Năm 2023, huyện hoàn thành kế hoạch 2023 với 5 mục tiêu.",  # a plan year
    "Đã kỷ luật 12 đảng viên vi phạm.",  # discipline, not a law
    "Báo cáo 9 tháng đầu năm cho thấy thu ngân sách tăng.",  # a period
    "báo cáo tại hội nghị 3 nội dung lớn.",  # an everyday word
    "Thu nhập đạt 103% kế hoạch đề ra.",
])
def test_plan_years_periods_and_everyday_words_are_not_documents(sentence):
    assert find_doc_numbers(sentence) == []
    assert not any(k == "code" for k, _ in kinds(sentence))


@pytest.mark.parametrize("sentence, text, day, month", [
    ("(PY) - Ngày 17.3, Đảng ủy Khối tổ chức hội nghị sơ kết.", "Ngày 17.3", 17, 3),
    ("Chiều 5.11, Ban Dân vận Huyện ủy Tuy An tổng kết công tác.", "Chiều 5.11", 5, 11),
    ("Đại hội bế mạc sáng 28.9.", "sáng 28.9", 28, 9),
])
def test_a_dotted_day_month_after_a_time_cue_is_a_date(sentence, text, day, month):
    dates = [s for s in spans_of(sentence, []) if s.kind == "date"]
    assert [(s.text, s.date[:2]) for s in dates] == [(text, (day, month))]


def test_a_dotted_figure_without_a_time_cue_stays_a_figure():
    assert [n.kind for n in find_numbers("Tổng vốn đạt 12.500 tỷ đồng, tăng 9.2% so với cùng kỳ.")] == ["number", "percent"]


def test_a_month_of_a_year_is_a_date_not_a_ratio():
    spans = find_numbers("Chi bộ được thành lập từ tháng 4/2022, hiện có 11 đảng viên.")
    first = spans[0]
    assert (first.kind, first.month, first.year, first.day) == ("date", 4, 2022, None)
    assert not any(n.kind == "ratio" for n in spans)
