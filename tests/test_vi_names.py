"""toolkit.vi.names: the one name finder, on invented sentences in many styles."""

from __future__ import annotations

import pytest

from toolkit.vi.names import find_people, name_like_runs, person_names


def people(text: str) -> dict[str, tuple[str, str]]:
    return {m.name: (m.title, m.honorific) for m in find_people(text)}


@pytest.mark.parametrize("text,name,title", [
    ("Ông Trịnh Văn Khải, Chủ tịch UBND huyện chủ trì hội nghị.", "Trịnh Văn Khải", "Chủ tịch UBND huyện"),
    ("Bà Hứa Thị Lan - Phó Trưởng ban Dân vận Tỉnh ủy phát biểu.", "Hứa Thị Lan", "Phó Trưởng ban Dân vận Tỉnh ủy"),
    ("Đồng chí Dương Văn Tâm Bí thư Huyện ủy phát biểu kết luận.", "Dương Văn Tâm", "Bí thư Huyện ủy"),
    ("Phó Bí thư Thường trực Tỉnh ủy Lò Văn Mừng dự hội nghị.", "Lò Văn Mừng", "Phó Bí thư Thường trực Tỉnh ủy"),
    ("Đ/c Cao Minh Tú – UVBTV, Trưởng Ban Tổ chức Thị ủy trình bày báo cáo.", "Cao Minh Tú", "UVBTV, Trưởng Ban Tổ chức Thị ủy"),
    ("Đại tá Lương Quốc Bảo, Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh tham dự.", "Lương Quốc Bảo",
     "Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh"),
    ("Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy Sơn La Hoàng Minh Quân phát biểu.", "Hoàng Minh Quân",
     "Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy Sơn La"),
    ("Theo nhận xét của nguyên Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy - Đinh Công Hậu, hội nghị thành công.", "Đinh Công Hậu",
     "nguyên Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy"),
    ("Tại đại hội, đồng chí Ksor Hơ Nin tái đắc cử Bí thư Huyện ủy Chư Pah khóa XIX.", "Ksor Hơ Nin", "Bí thư Huyện ủy Chư Pah khóa XIX"),
])
def test_names_with_titles_before_after_and_glued(text, name, title):
    got = people(text)
    assert name in got, got
    assert got[name][0] == title


def test_honorifics_are_not_part_of_names():
    got = people("Ông Nguyễn Hữu Phước và bà Lê Thị Hạnh cùng dự. Anh Phan Đức Lộc phát biểu.")
    assert set(got) == {"Nguyễn Hữu Phước", "Lê Thị Hạnh", "Phan Đức Lộc"}
    assert got["Lê Thị Hạnh"][1] == "bà" and got["Phan Đức Lộc"][1] == "Anh"


def test_names_listed_after_one_title_share_it():
    got = people("Dự có các Phó Chủ tịch UBND tỉnh Vi Văn Sơn và Tạ Thị Yên.")
    assert got["Vi Văn Sơn"][0] == got["Tạ Thị Yên"][0] == "Phó Chủ tịch UBND tỉnh"
    got = people("Đồng chí Mạc Văn Hòa và đồng chí Chu Thị Mai giữ chức vụ Phó Bí thư Huyện ủy.")
    assert got["Mạc Văn Hòa"][0] == got["Chu Thị Mai"][0] == "Phó Bí thư Huyện ủy"
    # a title after a dash belongs to its own name only
    got = people("Đến dự có các ông: Ngô Văn Bình - Bí thư Thị ủy; Đào Minh Sang - Chủ tịch UBND thị xã.")
    assert got["Ngô Văn Bình"] == ("Bí thư Thị ủy", "các ông") and got["Đào Minh Sang"][0] == "Chủ tịch UBND thị xã"


def test_places_and_bodies_are_not_people():
    text = ("Bí thư Huyện ủy Châu Thành dự; đoàn làm việc tại xã Mai Sơn, tỉnh Hà Giang; Tỉnh ủy Kiên Giang Lâm Văn Tú chủ trì; "
            "các đồng chí Ban Chấp hành Đảng bộ Khối dự.")
    names = [text[a:b] for a, b in person_names(text)]
    assert names == ["Lâm Văn Tú"]


def test_name_like_runs_in_english_and_vietnamese():
    assert name_like_runs("Mr Tran Van Hung chaired the Provincial Party Committee meeting.") == ["Tran Van Hung"]
    assert name_like_runs("Hội nghị Ban Chấp hành Đảng bộ tỉnh") == []


@pytest.mark.parametrize("text, name", [
    ("Đồng chí Lù Thị Pham, Phó Bí thư Đảng ủy xã trình bày báo cáo.", "Lù Thị Pham"),
    ("Bà Giàng Thị Mai - Chủ tịch Hội Phụ nữ huyện phát biểu.", "Giàng Thị Mai"),
    ("Dự hội nghị có đồng chí Sùng Seo Dìn, Bí thư Đảng ủy xã.", "Sùng Seo Dìn"),
])
def test_minority_surnames_and_the_middle_name_thi(text, name):
    assert [text[a:b] for a, b in person_names(text)] == [name]
