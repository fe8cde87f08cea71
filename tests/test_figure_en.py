"""English figure labels read from a number's own clause (toolkit.figure_en), checked by the one verifier
(toolkit.verify.gloss_problems), and the English figure sentences built from them. Invented clauses."""

from __future__ import annotations

import pytest

from toolkit.figure_en import counted, english_label, label_en, noun_phrase, own_clause
from toolkit.vi.glossary import load_glossary
from toolkit.verify import gloss_problems, mentions


@pytest.fixture(scope="module")
def g():
    return load_glossary()


def split(text: str, raw: str) -> tuple[str, str]:
    i = text.index(raw)
    return text[:i], text[i + len(raw):]


@pytest.mark.parametrize("text, raw, want", [
    # a noun phrase before its number, after estimates and approximators
    ("Năm 2023, tổng giá trị sản xuất toàn huyện ước đạt trên 9.120 tỷ đồng, tăng 8,2% so với cùng kỳ.", "9.120",
     "total production value"),
    ("Thu nhập bình quân đầu người đạt 48,6 triệu đồng/năm.", "48,6", "average income per capita"),
    ("trong đó thu ngân sách nhà nước trên địa bàn đạt 415 tỷ đồng", "415", "state budget revenue collected locally"),
    ("Kim ngạch xuất khẩu ước đạt gần 230 triệu USD.", "230", "export turnover"),
    # a change right after a figure is the change of that figure's subject
    ("tổng giá trị sản xuất toàn huyện ước đạt trên 9.120 tỷ đồng, tăng 8,2% so với cùng kỳ.", "8,2%",
     "growth in total production value"),
    ("Tỷ lệ hộ nghèo giảm 1,9% so với năm 2022.", "1,9%", "decline in poverty rate"),
    # the genre's counting patterns
    ("Trong năm, Đảng ủy xã đã kết nạp mới 37 đảng viên.", "37", "Party members admitted"),
    ("có 88,5% chi bộ và 93% đảng viên hoàn thành tốt nhiệm vụ", "93%", "share of Party members who completed their tasks well"),
    ("có 88,5% chi bộ và 93% đảng viên hoàn thành tốt nhiệm vụ", "88,5%", "share of Party cells who completed their tasks well"),
    ("Giá trị sản xuất nông nghiệp đạt hơn 101,4% kế hoạch.", "101,4%", "share of the plan reached"),
])
def test_a_number_is_labelled_from_its_own_clause(g, text, raw, want):
    before, after = split(text, raw)
    assert label_en(g, "", before, after, raw) == want


@pytest.mark.parametrize("text, raw", [
    ("Tốc độ tăng trưởng kinh tế đạt 9,1%, thu nhập bình quân đầu người đạt khá, trên 52 triệu đồng.", "52"),  # neighbour's subject
    ("Toàn xã có 14 thôn, 2 tổ dân phố.", "14"),  # a bare count with no action, no total
    ("Huyện có 6 sản phẩm OCOP được xếp hạng 4 sao.", "4"),  # a rating, not a quantity of anything the glossary knows
    ("chỉ số cải cách hành chính tăng 3,1 bậc", "3,1"),  # an index the glossary cannot render: no word-by-word English
])
def test_no_label_when_the_clause_does_not_say_it(g, text, raw):
    before, after = split(text, raw)
    assert not label_en(g, "", before, after, raw)


def test_a_record_label_from_a_neighbouring_clause_is_not_the_numbers(g):
    text = "Tốc độ tăng trưởng kinh tế đạt 9,1%, thu nhập bình quân đầu người đạt khá, trên 52 triệu đồng."
    before, after = split(text, "52")
    # the word window put the neighbour's words in the label and its gloss
    assert english_label(g, "tốc độ tăng trưởng kinh tế", "economic growth rate", before, after, "52") == ""
    before, after = split(text, "9,1%")
    assert english_label(g, "tốc độ tăng trưởng kinh tế", "economic growth rate", before, after, "9,1%") == "economic growth rate"


def test_a_proposed_label_is_kept_only_when_its_words_map_back_to_the_clause(g):
    before, after = split("Chi bộ đã kết nạp mới 12 đảng viên trong quý I.", "12")
    assert english_label(g, "kết nạp đảng viên mới", "new Party members admitted", before, after, "12") == "new Party members admitted"
    # a word the clause does not carry ('youth') is an invention: the clause's own reading replaces it
    assert english_label(g, "kết nạp đảng viên mới", "youth Party members admitted", before, after, "12") == "Party members admitted"
    # a word-by-word rendering is not a gloss either
    assert english_label(g, "kết nạp mới đảng viên", "admitted new Party members", before, after, "12") in (
        "admitted new Party members", "Party members admitted")


def test_gloss_problems(g):
    assert gloss_problems("state budget revenue", "thu ngân sách nhà nước", g) == []
    assert gloss_problems("growth in average income", "thu nhập bình quân tăng", g) == []
    assert gloss_problems("household income", "thu nhập bình quân", g)  # 'household' is not in the Vietnamese
    assert gloss_problems("12 Party members", "12 đảng viên", g) == ["holds a number"]
    assert gloss_problems("đảng viên", "đảng viên", g) == ["not English"]


def test_mentions_reads_a_change_said_with_a_verb():
    assert mentions("Total production value grew 8.2% year-on-year.", "growth in total production value")
    assert mentions("Budget revenue stood at 415 billion VND, up 6% year-on-year.", "growth in budget revenue")
    assert mentions("The poverty rate fell 1.9% on 2022.", "decline in poverty rate")
    assert not mentions("Growth was 8.2%.", "growth in total production value")  # says what grew: required
    assert mentions("Revenue stood at 90 billion VND, reaching 104% of the plan.", "share of the plan reached")


def test_counted_and_noun_phrase_helpers(g):
    assert counted(g, "Ban Thường vụ đã tặng Giấy khen cho ", " tổ chức cơ sở đảng") == "grassroots Party organisations awarded commendations"
    assert noun_phrase(g, "Trong quý II, doanh thu thương mại - dịch vụ đạt ") == "trade and services revenue"
    assert own_clause("đạt 9,1%, thu nhập bình quân đạt ", " triệu đồng; tỷ lệ").split() == "thu nhập bình quân đạt triệu đồng".split()


def test_the_outlets_tag_is_not_part_of_a_vietnamese_summary_sentence():
    from toolkit.summarise.base import vi_clause

    assert vi_clause("(KTO) - Sáng 3-5, Huyện ủy Ngọc Hồi tổ chức hội nghị") == "Sáng 3-5, Huyện ủy Ngọc Hồi tổ chức hội nghị."
    assert vi_clause("(UBND) tỉnh họp") == "(UBND) tỉnh họp."  # a tag is followed by a dash; a parenthesised body is not one


def test_an_approximator_before_the_number_does_not_hide_the_action(g):
    assert counted(g, "Trong năm, Đảng bộ tỉnh đã thành lập mới gần ", " tổ chức đảng, kết nạp") == "Party organisations newly established"
    assert counted(g, "xã đã kết nạp hơn ", " đảng viên") == "Party members admitted"


def test_what_a_change_is_compared_with_and_what_a_money_figure_is_per():
    from toolkit.summarise.figures import _compared, _per

    assert _compared(" tỷ đồng so cùng kỳ; kim ngạch") == " year-on-year"
    assert _compared(" so với năm 2019.") == " on 2019"
    assert _compared(") so với năm trước") == " on the previous year"
    assert _compared(" triệu đồng so với đầu nhiệm kỳ") == " on the start of the term"
    assert _compared(", góp phần") == ""
    assert _per(" triệu đồng/người/năm, cơ cấu") == " per person per year"
    assert _per(" triệu đồng/tháng") == " per month"
    assert _per(" tỷ đồng, tăng 5%") == ""
