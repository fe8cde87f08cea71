"""The answer verifier (toolkit.verify.verify_answer): an answer passes only when every number,
date, name and code in it is a picked span lying in a cited sentence and it says nothing of
substance the spans do not carry. Invented sentences, written for these tests."""

from __future__ import annotations

from toolkit.answer.compose import TEMPLATE_WORDS, compose_en, render_span
from toolkit.answer.candidates import Candidate
from toolkit.answer.spans import spans_of
from toolkit.verify import check, verify_answer

SENT = ("Kết quả đánh giá, xếp loại năm 2023 có 18,6% đảng viên hoàn thành xuất sắc nhiệm vụ, "
        "72,4% đảng viên hoàn thành tốt nhiệm vụ.")


def _span(text: str):
    return next(s for s in spans_of(SENT) if s.text.startswith(text))


def test_fluent_answer_with_the_paragraphs_wrong_figure_is_rejected():
    excellent = _span("18,6%")
    wrong = "According to the source, 72.4% of Party members were rated as completing their tasks excellently."
    v = verify_answer(wrong, [excellent.text], [SENT], list(TEMPLATE_WORDS))
    assert not v.ok and v.missing_numbers
    # the old paragraph-level check accepts it: the number is in the paragraph
    assert check(wrong, [SENT]).ok


def test_unsupported_sentence_without_numbers_or_names_is_rejected():
    slogan = "The Party organisation must always strive for solidarity and a prosperous homeland."
    v = verify_answer(slogan, [_span("18,6%").text], [SENT], list(TEMPLATE_WORDS))
    assert not v.ok and {"strive", "solidarity", "prosperous", "homeland"} <= set(v.unsupported_words)
    assert not v.missing_numbers and not v.missing_names


def test_composed_answer_from_picked_spans_passes():
    sp = _span("18,6%")
    c = Candidate("d", "p001", SENT, 0, len(SENT), 0, spans=[sp])
    text = compose_en([(c, [sp])], "number")
    assert "18.6%" in text and "72" not in text
    v = verify_answer(text, [sp.text], [SENT], list(TEMPLATE_WORDS) + [render_span(sp)])
    assert v.ok, v


def test_picked_span_outside_the_cited_sentence_is_rejected():
    v = verify_answer("According to the source, 41 members.", ["41 đảng viên"], [SENT], list(TEMPLATE_WORDS))
    assert not v.ok and v.problems


def test_name_and_code_must_be_picked_spans():
    sent = "Đồng chí Trịnh Văn Lực, Phó Bí thư Thường trực Huyện ủy, quán triệt Chỉ thị 21-CT/HU."
    v = verify_answer("According to the source: Trịnh Văn Lực; 22-CT/HU.", ["Trịnh Văn Lực"], [sent], list(TEMPLATE_WORDS))
    assert not v.ok and v.missing_codes == ["22-CT/HU"]
    v2 = verify_answer("According to the source: Hoàng Văn Lực.", ["Trịnh Văn Lực"], [sent], list(TEMPLATE_WORDS))
    assert not v2.ok and v2.missing_names
