"""Roles are read from the person's own clause (toolkit.vi.roles): invented sentences in many styles."""

from __future__ import annotations

import pytest

from toolkit.vi.names import find_people
from toolkit.vi.roles import cues, own_roles


def roles_of(sentence: str) -> dict[str, list[str]]:
    ms = sorted(find_people(sentence), key=lambda m: m.quote_span)
    return {m.name: r for m, r in zip(ms, own_roles(sentence, [m.quote_span for m in ms]))}


@pytest.mark.parametrize("sentence, name, want", [
    # a title holding a cue word is not a role: head of the provincial National Assembly delegation
    ("Phó Bí thư Tỉnh ủy, Trưởng đoàn Đại biểu Quốc hội tỉnh Hà Văn Khải đến dự.", "Hà Văn Khải", ["attendee"]),
    ("Bà Đinh Thị Lụa, Trưởng Đoàn ĐBQH tỉnh Sơn La, tham dự và phát biểu tại kỳ họp.", "Đinh Thị Lụa", ["speaker", "attendee"]),
    ("Ông Tạ Quang Vinh - Trưởng đoàn ĐBQH tỉnh chủ trì buổi tiếp xúc cử tri.", "Tạ Quang Vinh", ["chair"]),
    # the genre's ways of saying who led a delegation
    ("Đoàn công tác của Tỉnh ủy Lai Châu do đồng chí Giàng Páo Mỷ, Bí thư Tỉnh ủy dẫn đầu đã làm việc với huyện.", "Giàng Páo Mỷ", ["head_of_delegation"]),
    ("Đoàn giám sát do ông Lò Văn Piếng - Phó Chủ tịch HĐND tỉnh làm trưởng đoàn đã giám sát tại xã.", "Lò Văn Piếng", ["head_of_delegation"]),
    # a cue opening the sentence: the subject after it, not the people it mentions later
    ("Phát biểu kết luận, đồng chí Vi Văn Sơn, Bí thư Huyện ủy ghi nhận đóng góp của ông Hầu A Lềnh cho huyện.", "Hầu A Lềnh", []),
    ("Phát biểu kết luận, đồng chí Vi Văn Sơn, Bí thư Huyện ủy ghi nhận đóng góp của ông Hầu A Lềnh cho huyện.", "Vi Văn Sơn", ["speaker"]),
    # a noun written like a cue is no role
    ("Ông Châu Văn Lâm, Chánh Văn phòng Tỉnh ủy cho biết dự thảo nghị quyết đã được lấy ý kiến rộng rãi.", "Châu Văn Lâm", []),
    ("Đồng chí Mùa A Sơn, Bí thư Huyện ủy đã lãnh đạo, chỉ đạo hoàn thành các chỉ tiêu năm 2023.", "Mùa A Sơn", []),
    ("Theo đánh giá của nguyên Phó Trưởng Ban Dân vận Tỉnh ủy - Ninh Văn Tám, đại hội thể hiện đúng quan điểm chỉ đạo của Trung ương.",
     "Ninh Văn Tám", []),
])
def test_role_is_the_persons_own_verb(sentence, name, want):
    assert roles_of(sentence)[name] == want


def test_a_list_after_co_shares_the_fronted_cue():
    got = roles_of("Tới dự hội nghị có các đồng chí: Quàng Văn Bình - Phó Chủ tịch UBND huyện; Lường Thị Hoa - Trưởng ban Dân vận Huyện ủy.")
    assert got == {"Quàng Văn Bình": ["attendee"], "Lường Thị Hoa": ["attendee"]}


def test_names_listed_under_one_title_share_the_verb_after_them():
    got = roles_of("Các Phó Chủ tịch UBND tỉnh Trịnh Văn Chín và Mai Thị Mười đồng chủ trì phiên họp.")
    assert got == {"Trịnh Văn Chín": ["chair"], "Mai Thị Mười": ["chair"]}


def test_a_cue_of_another_clause_is_not_the_persons():
    got = roles_of("Đồng chí Kha Văn Tám, Bí thư Đảng ủy xã chủ trì hội nghị; bà Lục Thị Nhung, Chủ tịch Hội Phụ nữ xã dự.")
    assert got == {"Kha Văn Tám": ["chair"], "Lục Thị Nhung": ["attendee"]}


def test_cues_skip_nouns_and_compounds():
    found = [role for _, _, role in cues("đảng viên dự bị, dự án, dự toán, Kết luận số 21-KL/TW, theo báo cáo, dự thảo báo cáo")]
    assert found == []
    assert [role for _, _, role in cues("đến dự và phát biểu, tham dự, dẫn đầu, chủ trì")] == ["attendee", "speaker", "attendee",
                                                                                                  "head_of_delegation", "chair"]
