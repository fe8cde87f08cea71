"""Follow-up questions completed from the conversation (toolkit/conversation.py). Invented names."""

from __future__ import annotations

import pytest

from toolkit.conversation import is_follow_up, read, resolve, resolve_turns, understood_line


def _chain(*turns: str) -> list[str]:
    return [r.question for r in resolve_turns(list(turns))]


def test_vi_year_follow_up_takes_the_earlier_body_and_subject():
    first = "Năm 2020 Đảng bộ xã Tân Phú kết nạp bao nhiêu đảng viên?"
    _, second = _chain(first, "Còn năm 2021 thì sao?")
    assert second == "Năm 2021 Đảng bộ xã Tân Phú kết nạp bao nhiêu đảng viên?"


def test_vi_sub_year_period_replaces_the_whole_period():
    _, q = _chain("Huyện ủy Lạc Dương tổ chức bao nhiêu lớp bồi dưỡng trong 6 tháng đầu năm 2022?", "Vậy quý III/2022?")
    assert q == "Huyện ủy Lạc Dương tổ chức bao nhiêu lớp bồi dưỡng trong quý III/2022?"


def test_en_targets_follow_up_asks_the_same_thing_for_its_target():
    first = "How many new members did the Đức Trọng District Party Committee admit in 2021?"
    _, q = _chain(first, "And the targets?")
    assert q == "How many new members did the Đức Trọng District Party Committee plan to admit in 2021?"


def test_vi_result_follow_up_drops_the_target_words():
    _, q = _chain("Chỉ tiêu kết nạp đảng viên năm 2022 của huyện Bảo Lâm là bao nhiêu?", "Còn kết quả thì sao?")
    assert q == "Kết quả kết nạp đảng viên năm 2022 của huyện Bảo Lâm là bao nhiêu?"


def test_place_follow_up_replaces_the_place_inside_a_body():
    _, q = _chain("Tỉnh ủy Bình Phước kết nạp bao nhiêu đảng viên trong 6 tháng đầu năm 2022?", "What about Lâm Đồng?")
    assert q == "Tỉnh ủy Lâm Đồng kết nạp bao nhiêu đảng viên trong 6 tháng đầu năm 2022?"


def test_en_place_follow_up_replaces_the_province():
    _, q = _chain("Who chaired the year-end conference of Kon Tum province in 2021?", "What about Gia Lai province?")
    assert q == "Who chaired the year-end conference of Gia Lai province in 2021?"


def test_follow_up_adds_a_slot_the_earlier_question_lacked():
    _, q = _chain("Hội Nông dân huyện Di Linh có bao nhiêu hội viên?", "Còn năm 2019?")
    assert q == "Hội Nông dân huyện Di Linh có bao nhiêu hội viên năm 2019?"
    _, q = _chain("How many members does the Di Linh farmers' association have?", "And in 2019?")
    assert q == "How many members does the Di Linh farmers' association have in 2019?"


def test_three_turns_chain_on_the_resolved_question():
    qs = _chain("Năm 2020 Đảng bộ phường 3 kết nạp bao nhiêu đảng viên?", "Còn năm 2021 thì sao?", "Còn chỉ tiêu thì sao?")
    assert qs[2] == "Năm 2021 Đảng bộ phường 3 đặt chỉ tiêu kết nạp bao nhiêu đảng viên?"


def test_new_subject_after_a_cue_keeps_the_earlier_slots():
    _, q = _chain("Năm 2022 huyện Đam Rông kết nạp bao nhiêu đảng viên?", "Còn số chi bộ được thành lập thì sao?")
    assert q.startswith("Số chi bộ được thành lập") and "năm 2022" in q and "huyện Đam Rông" in q


@pytest.mark.parametrize("turns", [
    ("Năm 2020 xã Tân Phú kết nạp bao nhiêu đảng viên?", "Ai chủ trì hội nghị tổng kết của Huyện ủy Cát Tiên năm 2021?"),
    ("How many members were admitted in 2021?", "Who chaired the Hà Giang conference in 2022?"),
    ("How many members were admitted in 2021?", "What resolution did the Standing Committee issue about land use?"),
])
def test_a_standalone_question_is_never_rewritten(turns):
    prev, now = resolve_turns(list(turns))
    assert not now.rewritten and now.question == turns[1]
    assert understood_line(now, "vi") == ""


def test_first_question_is_never_rewritten_even_when_short():
    r = resolve("Còn năm 2021 thì sao?", None)
    assert not r.rewritten and r.question == "Còn năm 2021 thì sao?"


def test_reading_slots():
    f = read("Đảng bộ xã Tân Phú kết nạp bao nhiêu đảng viên năm 2021?")
    assert [(s.kind, s.text) for s in f.slots] == [("body", "Đảng bộ xã Tân Phú"), ("period", "năm 2021")]
    assert not f.cue and not is_follow_up(f)
    assert is_follow_up(read("Lâm Đồng?")) and is_follow_up(read("And the targets?"))
    assert [s.text for s in read("What about the first half of 2023?").slots] == ["the first half of 2023"]


def test_understood_line_in_each_language():
    r = resolve_turns(["Năm 2020 xã Tân Phú kết nạp bao nhiêu đảng viên?", "Còn năm 2021 thì sao?"])[1]
    assert understood_line(r, "vi") == "Hiểu là: Năm 2021 xã Tân Phú kết nạp bao nhiêu đảng viên?"
    assert understood_line(r, "en").startswith("Understood as: Năm 2021")


def test_a_bare_place_keeps_the_unit_word_it_replaces():
    _, q = _chain("Trong 9 tháng đầu năm 2021, Đảng ủy Khối tỉnh Sóc Trăng kết nạp mới bao nhiêu đảng viên?", "Còn Bạc Liêu năm 2020 thì sao?")
    assert q == "Trong năm 2020, Đảng ủy Khối tỉnh Bạc Liêu kết nạp mới bao nhiêu đảng viên?"


def test_a_cue_word_is_not_part_of_the_place():
    _, q = _chain("How many 'Dân vận khéo' models did the Sóc Trăng bloc register in 2021?", "And Mỹ Xuyên district?")
    assert q == "How many 'Dân vận khéo' models did the Mỹ Xuyên district bloc register in 2021?"


def test_an_english_body_names_its_place_before_the_head():
    _, q = _chain("Who is the Secretary of the Mỹ Tú District Party Committee?", "What about Hậu Giang?")
    assert "Mỹ Tú District Party Committee" in q and q.endswith("in Hậu Giang?")


def test_en_follow_up_with_a_pronoun_takes_the_counted_thing_and_the_subject():
    _, q = _chain("What target for recruiting new Party members did the Kon Tum bloc set for 2026?",
                  "And how many did it recruit in 2025?")
    assert q == "How many new Party members did the Kon Tum bloc recruit in 2025?"
    _, q = _chain("How many new Party members did Sa Thầy district admit in 2023?", "And how many did it admit in 2024?")
    assert q == "How many new Party members did Sa Thầy district admit in 2024?"


def test_en_follow_up_of_another_verb_keeps_its_own_counted_thing():
    _, q = _chain("How many new Party members did the Gia Lai Provincial Party Committee admit in 2023?",
                  "And how much did they spend on training?")
    assert "members" not in q and q.startswith("How much did the Gia Lai Provincial Party Committee spend on training")


# --- the follow-up's own words (target or result, a new place, a new period) join or replace ---------


@pytest.mark.parametrize("first, follow, expected", [
    # the target asked: the follow-up's own word at the head of the predicate, what was done dropped
    ("Năm 2019, Đảng ủy Khối Cơ quan tỉnh Hà Nam đã quyết định kết nạp bao nhiêu đảng viên?", "Còn chỉ tiêu năm 2020 thì sao?",
     "Năm 2020, Đảng ủy Khối Cơ quan tỉnh Hà Nam đặt chỉ tiêu kết nạp bao nhiêu đảng viên?"),
    ("Năm 2023 huyện Mộc Châu đã trồng mới bao nhiêu ha rừng?", "Thế còn mục tiêu năm 2025?",
     "Năm 2025 huyện Mộc Châu đặt mục tiêu trồng mới bao nhiêu ha rừng?"),
    ("Trong 6 tháng đầu năm 2024, thị xã Ba Đồn thu ngân sách được bao nhiêu tỷ đồng?", "Vậy phấn đấu cả năm 2024?",
     "Trong năm 2024, thị xã Ba Đồn phấn đấu thu ngân sách được bao nhiêu tỷ đồng?"),
    # the result asked of a target question: the target's words give way
    ("Năm 2024 huyện Mường Nhé đề ra chỉ tiêu kết nạp bao nhiêu đảng viên?", "Còn kết quả thì sao?",
     "Năm 2024 huyện Mường Nhé đã kết nạp bao nhiêu đảng viên?"),
    ("Mục tiêu giảm hộ nghèo năm 2023 của huyện Si Ma Cai là bao nhiêu phần trăm?", "Còn kết quả thực hiện thì sao?",
     "Kết quả giảm hộ nghèo năm 2023 của huyện Si Ma Cai là bao nhiêu phần trăm?"),
    ("Năm 2022 thành phố Vị Thanh phấn đấu có bao nhiêu xã đạt chuẩn nông thôn mới?", "Còn kết quả năm 2022?",
     "Năm 2022 thành phố Vị Thanh đã có bao nhiêu xã đạt chuẩn nông thôn mới?"),
    # a question without target words already asks the result; a percentage of the plan is a result
    ("Năm 2021 huyện Tủa Chùa kết nạp bao nhiêu đảng viên?", "Còn kết quả thì sao?",
     "Năm 2021 huyện Tủa Chùa kết nạp bao nhiêu đảng viên?"),
    ("Chỉ tiêu thu ngân sách năm 2022 của huyện Sốp Cộp là bao nhiêu, đạt bao nhiêu phần trăm kế hoạch?", "Còn kết quả thì sao?",
     "Kết quả thu ngân sách năm 2022 của huyện Sốp Cộp là bao nhiêu, đạt bao nhiêu phần trăm kế hoạch?"),
    # a new place or period in place of the earlier one, the facet kept
    ("Năm 2024 huyện Mường Nhé đề ra chỉ tiêu kết nạp bao nhiêu đảng viên?", "Còn huyện Nậm Pồ thì sao?",
     "Năm 2024 huyện Nậm Pồ đề ra chỉ tiêu kết nạp bao nhiêu đảng viên?"),
    ("Năm 2020 Đảng bộ quận 4 kết nạp bao nhiêu đảng viên?", "Còn quận 11 thì sao?",
     "Năm 2020 Đảng bộ quận 11 kết nạp bao nhiêu đảng viên?"),
    # English
    ("How many hectares of forest did Yên Bái province plant in 2023?", "And the targets?",
     "How many hectares of forest did Yên Bái province plan to plant in 2023?"),
    ("How many new members did the Bắc Hà District Party Committee plan to admit in 2024?", "And the results?",
     "How many new members did the Bắc Hà District Party Committee admit in 2024?"),
    ("How many communes of Hậu Giang province met the new-rural standard in 2022?", "What about 2025?",
     "How many communes of Hậu Giang province met the new-rural standard in 2025?"),
    ("What was the 2024 target for new Party members of Điện Biên province?", "And the result?",
     "What was the 2024 result for new Party members of Điện Biên province?"),
    # a question the target's words have no place in: said after a dash
    ("How many new members were admitted in Bát Xát district in 2023?", "And the targets?",
     "How many new members were admitted in Bát Xát district in 2023 — the target?"),
    # a follow-up in the other language takes the earlier question's words
    ("Năm 2023 xã Tả Van kết nạp bao nhiêu đảng viên?", "And the targets?",
     "Năm 2023 xã Tả Van đặt chỉ tiêu kết nạp bao nhiêu đảng viên?"),
])
def test_the_follow_ups_own_words_join_or_replace_the_earlier_questions(first, follow, expected):
    _, q = _chain(first, follow)
    assert q == expected
