"""The model extractor (settings.extract.extractor = 'model'): every item the model returns is grounded or dropped."""

from __future__ import annotations

from datetime import date, datetime

from tests.test_candidates import make_doc
from toolkit.extract import extract
from toolkit.llm.fake import FakeLLM
from toolkit.settings import Settings

PARAS = [
    ("dateline", "Thứ Tư, 14/06/2023, 10:05 [GMT+7]"),
    ("body", "Sáng 13-6, Ban Thường vụ Thị ủy Sa Đéc tổ chức hội nghị sơ kết 5 năm thực hiện Chỉ thị 05-CT/TW. "
             "Đồng chí Huỳnh Văn Nhàn, Bí thư Thị ủy chủ trì hội nghị."),
    ("body", "Thực hiện Nghị quyết số 18 -NQ/TW ngày 25/10/2017, toàn Đảng bộ đã kết nạp 312 đảng viên, đạt 104% kế hoạch."),
]


def doc():
    return make_doc("Thị ủy Sa Đéc sơ kết 5 năm thực hiện Chỉ thị 05-CT/TW", PARAS, published=datetime(2023, 6, 14, 10, 5))


def settings(tmp_path):
    return Settings(store=tmp_path / "store", extract={"extractor": "model"})


REPLY = {
    "date_quote": "Sáng 13-6",
    "event_type": "thematic_review",
    "organization": "Ban Thường vụ Thị ủy Sa Đéc",
    "people": [
        {"name": "Huỳnh Văn Nhàn", "title": "Bí thư Thị ủy", "role": "chair"},
        {"name": "Trần Văn Bịa", "title": "Phó Bí thư", "role": "speaker"},
        {"name": "Sa Đéc", "title": "", "role": "attendee"},
    ],
    "figures": [
        {"raw": "312", "label": "kết nạp 312 đảng viên"},
        {"raw": "104%", "label": "đạt kế hoạch"},
        {"raw": "999", "label": "đảng viên"},
        {"raw": "2017", "label": "năm"},
    ],
    "documents": [
        "18 -NQ/TW",
        "99-NQ/TW",
    ],
}


def test_model_record_is_grounded_item_by_item(tmp_path):
    rec = extract(doc(), FakeLLM([REPLY]), settings(tmp_path))
    assert [p.name for p in rec.people] == ["Huỳnh Văn Nhàn"]  # invented and place names dropped
    assert rec.people[0].role == "chair" and rec.people[0].title == "Bí thư Thị ủy"
    figs = {f.value: f for f in rec.figures}
    assert set(figs) == {312.0, 104.0}  # the invented 999 and the year are dropped
    assert figs[312.0].label == "kết nạp đảng viên"  # the number stripped from the label, not rejected
    assert figs[312.0].label_en == "Party members admitted"  # read from the clause with the glossary
    assert [d.code for d in rec.documents] == ["18-NQ/TW"]
    assert rec.date == date(2023, 6, 13) and rec.date_inferred_year
    assert rec.organization == "Ban Thường vụ Thị ủy Sa Đéc" and rec.event_type == "thematic_review"
    assert rec.rejected >= 4
    for item in rec.people + rec.figures + rec.documents:
        para = doc().paragraph(item.evidence.paragraph_id).text
        assert para[item.evidence.start:item.evidence.end] == item.evidence.quote


def test_model_cannot_date_the_meeting_by_a_cited_document_or_name_a_fragment(tmp_path):
    bad = dict(REPLY, date_quote="ngày 25/10/2017", organization="Thị ủy Sa Đéc tổ chức hội nghị", event_type="party_congress")
    rec = extract(doc(), FakeLLM([bad]), settings(tmp_path))
    assert rec.date is None and rec.organization is None
    assert rec.event_type == "thematic_review"  # the keyword rules decide against an unsupported type


def test_a_failed_model_call_falls_back_to_the_candidates_record_and_says_why(tmp_path):
    from toolkit.errors import LLMError

    out_of_time = LLMError("fake: no reply within its time budget of 0.5 s; raise the budget or use a faster model")
    llm = FakeLLM([out_of_time], default={"items": []})  # then the candidates extractor's (role) calls
    s = Settings(store=tmp_path / "store", extract={"extractor": "model", "model_seconds": 0.5, "model_max_tokens": 300})
    rec = extract(doc(), llm, s)
    first = llm.calls[0]
    assert first["schema"].__name__ == "ModelRecord" and first["max_seconds"] == 0.5 and first["max_tokens"] == 300
    assert rec.rejected_reasons[0].startswith("model record dropped") and "time budget of 0.5 s" in rec.rejected_reasons[0]
    assert "candidates extractor" in rec.rejected_reasons[0]
    # what the rules read is kept: the chair, the figures, the code with inner spaces, the meeting day
    assert [p.name for p in rec.people] == ["Huỳnh Văn Nhàn"]
    assert {f.value for f in rec.figures} >= {312.0, 104.0}
    assert "18-NQ/TW" in [d.code for d in rec.documents] and rec.date == date(2023, 6, 13)


def test_an_unusable_reply_falls_back_too(tmp_path):
    rec = extract(doc(), FakeLLM(["not json"], default={"items": []}), settings(tmp_path))
    assert rec.rejected_reasons[0].startswith("model record dropped") and rec.people and rec.figures


PARAS_2 = [
    ("body", "Chiều 9.11, HĐND huyện Tân Phước khai mạc kỳ họp thứ 7. Bà Lê Thị Mận, Chủ tịch HĐND huyện chủ trì kỳ họp."),
    ("body", "Năm 2024, huyện có 27 xã đạt chuẩn nông thôn mới, thu ngân sách đạt 27 tỷ đồng."),
    ("body", "Trời hôm nay 27°C. Ông Phan Văn Bưởi, Phó Chủ tịch UBND huyện báo cáo tình hình kinh tế."),
]


def test_figures_land_in_the_clause_of_their_label_and_titles_next_to_their_name(tmp_path):
    d = make_doc("HĐND huyện Tân Phước khai mạc kỳ họp thứ 7", PARAS_2, published=datetime(2024, 11, 10, 8, 0))
    reply = {
        "date_quote": "Chiều 9.11", "event_type": "council_session", "organization": "HĐND huyện Tân Phước",
        "people": [{"name": "Lê Thị Mận", "title": "Chủ tịch HĐND huyện", "role": "chair"},
                   {"name": "Phan Văn Bưởi", "title": "Chủ tịch HĐND huyện", "role": "presenter"}],
        "figures": [{"raw": "27 tỷ đồng/năm", "label": "thu ngân sách"}, {"raw": "27", "label": "xã đạt chuẩn nông thôn mới"},
                    {"raw": "9.11", "label": "ngày"}, {"raw": "27", "label": "nhiệt độ"}],
        "documents": [],
    }
    rec = extract(d, FakeLLM([reply]), settings(tmp_path))
    by_label = {f.label: f for f in rec.figures}
    assert "tỷ đồng" in by_label["thu ngân sách"].evidence.quote  # the clause holding the label's words
    assert "nông thôn mới" in by_label["xã đạt chuẩn nông thôn mới"].evidence.quote
    assert len(rec.figures) == 2  # the day (9.11) is a date; the third 27 has no figure left but the widget's
    titles = {p.name: p.title for p in rec.people}
    assert titles["Lê Thị Mận"] == "Chủ tịch HĐND huyện"
    assert titles["Phan Văn Bưởi"] != "Chủ tịch HĐND huyện"  # another person's title: the name finder's is used
    assert rec.date == date(2024, 11, 9)


def test_model_role_must_be_the_persons_own_verb(tmp_path):
    """A title holding 'Trưởng đoàn' (head of the provincial National Assembly delegation) is no delegation to lead:
    the model's head_of_delegation falls back to the role the person's own clause states."""
    paras = [("body", "Chiều 4-9, Đảng ủy xã Tân Phước tổ chức hội nghị sơ kết. Phó Bí thư Tỉnh ủy, Trưởng đoàn ĐBQH tỉnh "
                      "Đoàn Văn Quý đến dự. Phát biểu tại hội nghị, ông Đoàn Văn Quý ghi nhận kết quả của xã.")]
    d = make_doc("Xã Tân Phước sơ kết", paras, published=datetime(2023, 9, 5, 8, 0))
    reply = dict(REPLY, people=[{"name": "Đoàn Văn Quý", "title": "Phó Bí thư Tỉnh ủy", "role": "head_of_delegation"}])
    rec = extract(d, FakeLLM([reply]), settings(tmp_path))
    assert [(p.name, p.role) for p in rec.people] == [("Đoàn Văn Quý", "speaker")]
    assert any("has no cue in the source" in r for r in rec.rejected_reasons)
