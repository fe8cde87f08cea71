"""The one period reader (toolkit/vi/periods.py) in both of its uses: period phrases read into keys
(follow-ups, filters, the targets timeline) and the reader's year/period gate. Invented sentences."""

from __future__ import annotations

import pytest

from toolkit.vi.periods import (
    find_periods,
    own_years,
    period_gate,
    period_key,
    period_label,
    periods_in,
    within,
    years_in,
)


# --- follow-ups, filters, targets: phrase -> key ------------------------------------------------

@pytest.mark.parametrize("phrase, key", [
    ("năm 2024", (2024, "year")),
    ("6 tháng đầu năm 2023", (2023, "m6")),
    ("sáu tháng cuối năm 2023", (2023, "last6")),
    ("9 tháng năm 2021", (2021, "m9")),
    ("12 tháng năm 2021", (2021, "year")),
    ("quý III/2023", (2023, "q3")),
    ("quý 2 năm 2019", (2019, "q2")),
    ("the first half of 2021", (2021, "m6")),
    ("the fourth quarter of 2020", (2020, "q4")),
    ("Q1 2026", (2026, "q1")),
    ("nhiệm kỳ 2025-2030", (2025, "term2030")),
    ("the 2020–2025 term", (2020, "term2025")),
])
def test_period_key_reads_a_phrase(phrase, key):
    assert period_key(phrase) == key


def test_period_key_without_a_year_is_none():
    assert period_key("6 tháng đầu năm") is None
    assert period_key("") is None and period_key(None) is None


def test_find_periods_gives_each_phrase_with_offsets():
    text = "Trong quý II/2024, huyện Ea Súp kết nạp 41 đảng viên; cả nhiệm kỳ 2020-2025 đạt 96%."
    found = find_periods(text)
    assert [p for p, _, _ in found] == ["quý II/2024", "nhiệm kỳ 2020-2025"]
    assert all(text[s:e] == p for p, s, e in found)


def test_within_and_label():
    assert within((2022, "m6"), (2022, "year"))
    assert not within((2022, "m6"), (2023, "year"))
    assert not within((2020, "term2025"), (2020, "year"))
    assert period_label((2022, "q2")) == "quý II/2022"
    assert period_label((2022, "q2"), "en") == "Q2 2022"
    assert period_label((2021, "last6"), "en") == "last 6 months of 2021"
    assert period_label(None, "en") == "(period not stated)"


# --- the reader's gate: what a sentence names --------------------------------------------------

def test_years_and_sub_year_periods_a_text_names():
    s = "Sáng 14/3/2025, Đảng ủy xã Tân Phú tổng kết 9 tháng năm 2024, so với cùng kỳ năm 2023 tăng 12%."
    assert years_in(s) == {2025, 2024, 2023}
    assert own_years(s) == {2025, 2024}  # the comparison base is not the period reported
    assert periods_in(s) == {"m9"}
    assert periods_in("Kết quả quý IV và cả năm 2022") == {"q4"}


def test_gate_drops_a_sentence_about_another_year_or_period():
    asked_years, asked_periods = {2024}, set()
    assert period_gate(asked_years, asked_periods, False, "Năm 2023, huyện kết nạp 120 đảng viên.")
    assert not period_gate(asked_years, asked_periods, False, "Năm 2024, huyện kết nạp 131 đảng viên.")
    # no year in the sentence: the paragraph before it decides
    assert period_gate(asked_years, asked_periods, False, "Huyện kết nạp 120 đảng viên.", before="Kết quả năm 2022:")
    # a sub-year period when the whole year is asked
    assert period_gate(asked_years, asked_periods, False, "6 tháng đầu năm 2024 kết nạp 60 đảng viên.")
    assert not period_gate({2024}, {"m6"}, False, "6 tháng đầu năm 2024 kết nạp 60 đảng viên.")
    assert period_gate({2024}, {"q3"}, False, "Quý II/2024 kết nạp 20 đảng viên.")
    assert not period_gate(set(), set(), False, "Năm 2023, huyện kết nạp 120 đảng viên.")


# --- both uses agree ----------------------------------------------------------------------------

@pytest.mark.parametrize("phrase", [
    "6 tháng đầu năm 2022", "9 tháng năm 2021", "quý III/2023", "quý 1 năm 2020", "the first half of 2021",
    "the second quarter of 2024", "Q4 2019", "nine months of 2022",
])
def test_the_key_of_a_phrase_is_a_period_the_gate_sees(phrase):
    year, part = period_key(phrase)
    assert part in periods_in(phrase)
    assert year in years_in(phrase)


def test_a_target_sentence_is_told_from_a_result_measured_against_its_target():
    from toolkit.vi.periods import sets_target

    assert sets_target("Năm 2026, Đảng bộ thị xã Ba Đồn phấn đấu kết nạp 95 đảng viên mới.")
    assert sets_target("Mục tiêu năm 2026 là kết nạp 95 đảng viên mới.")
    assert sets_target("Dự kiến thu ngân sách 1.200 tỷ đồng.")
    assert sets_target("Tỷ lệ chi bộ hoàn thành tốt nhiệm vụ đạt 85% trở lên.")  # "or more": a target's floor
    # a result stated against the target it exceeded or reached
    assert not sets_target("Năm 2025, Đảng bộ thị xã Ba Đồn kết nạp 102 đảng viên mới, vượt chỉ tiêu đề ra.")
    assert not sets_target("Thu ngân sách 1.310 tỷ đồng, đạt 109% kế hoạch năm 2025.")
    assert not sets_target("Kết nạp 102 đảng viên, hoàn thành vượt mức mục tiêu.")
