"""The phrasing step: the model's answer streams through a gate that never releases an ungrounded
figure, name or code, and falls back to the composed answer. Fake model; invented sentences."""

from __future__ import annotations

import pytest

from toolkit.answer.candidates import Candidate
from toolkit.answer.phrase import Delta, Final, Gate, grounds_of, phrase_stream, settled
from toolkit.answer.spans import spans_of
from toolkit.llm.fake import FakeLLM, split_tokens
from toolkit.schemas import Answer
from toolkit.settings import Settings
from toolkit.vi.question import analyse_question

SENT = ("Năm 2025, Đảng bộ huyện Krông Pắc kết nạp 214 đảng viên mới, trong đó có 38 đảng viên là người dân tộc thiểu số; "
        "tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ đạt 86,4%.")
Q_VI = "Năm 2025 huyện Krông Pắc kết nạp bao nhiêu đảng viên mới?"


def _cand(text: str = SENT) -> Candidate:
    return Candidate(doc_id="x1", paragraph_id="p001", paragraph_text=text, start=0, end=len(text), rank=0,
                     spans=spans_of(text))


def _picked(value: str, text: str = SENT):
    c = _cand(text)
    return [(c, [s for s in c.spans if s.text.startswith(value)])]


def _fallback(question: str, lang: str = "vi") -> Answer:
    return Answer(question=question, answer="(composed)", language=lang, abstained=False, route="extractive")


def _run(reply, question=Q_VI, value="214", text=SENT):
    info = analyse_question(question)
    llm = FakeLLM([reply])
    events = list(phrase_stream(info, _picked(value, text), _fallback(question, info.lang), settings=Settings(), llm=llm))
    return events, llm


def test_picked_span_exists():
    assert _picked("214")[0][1], "the fixture sentence must yield the span 214 đảng viên"


def test_correct_answer_streams_in_more_than_one_piece_and_passes():
    events, llm = _run("Năm 2025, Đảng bộ huyện Krông Pắc kết nạp 214 đảng viên mới.")
    deltas = [e.text for e in events if isinstance(e, Delta)]
    final = events[-1]
    assert isinstance(final, Final) and final.phrased, final.stopped
    assert len(deltas) > 1
    assert "".join(deltas).strip() == final.answer.answer
    assert final.answer.route == "phrased" and "214" in final.answer.answer
    assert llm.calls[0].get("stream") is True


def test_a_streamed_wrong_number_is_never_released():
    # 38 is in the same sentence but is not the picked span; 215 is in no source at all
    for wrong in ("Huyện kết nạp 38 đảng viên mới trong năm 2025.", "Huyện Krông Pắc kết nạp 215 đảng viên mới."):
        events, _ = _run(wrong)
        shown = "".join(e.text for e in events if isinstance(e, Delta))
        final = events[-1]
        assert isinstance(final, Final) and not final.phrased
        assert final.answer.answer == "(composed)" and final.answer.route == "extractive"
        assert "38" not in shown and "215" not in shown
        assert "not grounded" in final.stopped


def test_the_tail_of_a_figure_is_held_back_until_it_is_complete():
    # "21" would be a wrong figure if released before the model finished writing "214"
    gate = Gate(["214 đảng viên"], [SENT], [])
    shown = ""
    for piece in ["Kết", " nạp", " ", "2", "1"]:
        shown += gate.feed(piece)
    assert "2" not in shown
    shown += gate.feed("4")
    shown += gate.feed(" đảng")
    shown += gate.feed(" viên")
    assert "214" in shown and not gate.stopped


def test_a_name_not_picked_stops_the_stream():
    sent = "Đồng chí Hoàng Thị Mai, Phó Bí thư Huyện ủy, chủ trì hội nghị; đồng chí Lò Văn Sáng dự."
    events, _ = _run("Hội nghị do đồng chí Lò Văn Sáng chủ trì.", question="Ai chủ trì hội nghị?", value="Hoàng Thị Mai",
                     text=sent)
    final = events[-1]
    assert not final.phrased and "Sáng" not in "".join(e.text for e in events if isinstance(e, Delta))


def test_an_unsupported_word_stops_the_stream_where_it_is_written():
    events, llm = _run("Đảng bộ huyện Krông Pắc kết nạp 214 đảng viên mới nhờ chính sách thu hút nhân tài xuất sắc.")
    shown = "".join(e.text for e in events if isinstance(e, Delta))
    assert not events[-1].phrased and "not grounded" in events[-1].stopped
    assert "214" in shown and "nhờ" not in shown and "xuất sắc" not in shown
    assert "xuất" not in events[-1].draft  # it stopped reading the model there


def test_english_phrasing_passes_with_the_rendered_span():
    events, _ = _run("According to the source, 214 party members were admitted in 2025.",
                     question="How many new party members did Krông Pắc admit in 2025?")
    final = events[-1]
    assert final.phrased, final.stopped
    assert final.answer.language == "en"


def test_model_failure_falls_back():
    from toolkit.errors import LLMError

    events, _ = _run(["Năm", " 2025", LLMError("boom")])
    assert isinstance(events[-1], Final) and not events[-1].phrased and "model failed" in events[-1].stopped


def test_a_year_is_grounded_only_when_the_sentence_states_it_alone():
    c = _cand()
    assert "2025" in grounds_of("Năm 2025 huyện kết nạp bao nhiêu?", [(c, [])])[0]
    assert "2021" not in grounds_of("Năm 2021 huyện kết nạp bao nhiêu?", [(c, [])])[0]
    two = _cand("Năm 2024 kết nạp 97 đảng viên mới; năm 2025 phấn đấu kết nạp 120 đảng viên mới.")
    grounded = grounds_of("Kết nạp bao nhiêu đảng viên mới?", [(two, [])])[0]
    assert "2024" not in grounded and "2025" not in grounded  # two years: which goes with which is not for the model to say


@pytest.mark.parametrize("text,upto", [
    ("Huyện kết nạp 21", len("Huyện kết nạp")),
    ("Huyện kết nạp 214 đảng ", len("Huyện kết nạp 214 đảng")),
    ("Đồng chí Hoàng Thị", len("Đồng chí")),
    ("Tỷ lệ đạt 86,", len("Tỷ lệ đạt")),
])
def test_settled_holds_back_what_may_still_grow(text, upto):
    assert settled(text) == upto


def test_fake_stream_cuts_digits_one_by_one():
    assert split_tokens("đạt 86,4%") == ["đạt", " ", "8", "6", ",", "4", "%"]


def test_the_phrasing_stops_after_two_sentences():
    events, _ = _run("Huyện Krông Pắc kết nạp 214 đảng viên mới. Đảng bộ huyện có tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ. Ngoài ra còn 999 việc.")
    final = events[-1]
    assert final.phrased, final.stopped
    assert "999" not in final.answer.answer and final.answer.answer.endswith("nhiệm vụ.")


def test_library_ask_gives_the_phrased_answer_when_phrasing_is_on(tmp_settings, tmp_path):
    from toolkit import library

    art = tmp_path / "krong_pac.txt"
    art.write_text("Hội nghị tổng kết năm 2025 của Đảng bộ huyện Krông Pắc\n\n" + SENT + "\n", encoding="utf-8")
    library.ingest(tmp_settings, [art])
    tmp_settings.answer.phrase = True
    tmp_settings.answer.use_model = False
    base = library.ask(tmp_settings.model_copy(update={"answer": tmp_settings.answer.model_copy(update={"phrase": False})}),
                       [(1, Q_VI)], llm=FakeLLM())[0][1]
    if base.abstained:
        pytest.skip("the reader abstains on this fixture with the hash embedder")
    [(_, got)] = library.ask(tmp_settings, [(1, Q_VI)], llm=FakeLLM(["Huyện Krông Pắc kết nạp 214 đảng viên mới."]))
    assert got.route == "phrased" and got.answer == "Huyện Krông Pắc kết nạp 214 đảng viên mới."
    assert got.citations == base.citations
    [(_, wrong)] = library.ask(tmp_settings, [(1, Q_VI)], llm=FakeLLM(["Huyện Krông Pắc kết nạp 38 đảng viên mới."]))
    assert wrong.answer == base.answer and wrong.route == base.route


def test_vietnamese_function_words_are_not_taken_for_unsupported_words():
    from toolkit.verify import verify_answer

    v = verify_answer("Số đảng viên của huyện là 214 đảng viên", ["214 đảng viên"], [SENT], [])
    assert "cua" not in v.unsupported_words


@pytest.mark.parametrize("after_pick", [False, True])
def test_the_phrasing_starts_from_the_readers_choice_unless_told_to_wait_for_the_pick(monkeypatch, after_pick):
    """The English span pick (a long prompt) before the phrasing put the first model token past 3 s:
    by default the stream answers from the reader's choice, and the model is called once, to phrase."""
    import toolkit.chat_stream as stream

    seen = {}
    question = "How many new party members did Krông Pắc admit in 2025?"

    def fake_ask(q, *, settings, store, index, llm, grounds):
        seen["use_model"] = settings.answer.use_model
        grounds.update(info=analyse_question(q), picked=_picked("214"))
        return _fallback(q, "en")

    monkeypatch.setattr(stream, "ask", fake_ask)
    settings = Settings()
    settings.answer.phrase, settings.answer.use_model, settings.answer.phrase_after_pick = True, True, after_pick
    llm = FakeLLM(["Krông Pắc admitted 214 new party members in 2025."])
    events = list(stream.ask_stream(question, settings=settings, store=None, index=None, llm=llm))
    assert seen["use_model"] is after_pick
    assert events[-1].phrased, events[-1].stopped
    assert [c.get("stream") for c in llm.calls] == [True]


EN_SENT = "Đến ngày 14-9-2025, Đảng bộ tỉnh Kon Tum có 17/19 đảng bộ trực thuộc đã hoàn thành đại hội; thu ngân sách giảm 12,6%."


def test_english_phrasing_may_inflect_the_questions_words_but_not_add_its_own():
    q = "By what percentage did Kon Tum's budget revenue fall?"
    events, _ = _run("Kon Tum's budget revenue fell by 12.6%.", question=q, value="12,6%", text=EN_SENT)
    assert events[-1].phrased, events[-1].stopped
    for claim in ("Kon Tum's budget revenue collapsed by 12.6%.", "Kon Tum's budget revenue fell by 17%."):
        events, _ = _run(claim, question=q, value="12,6%", text=EN_SENT)
        assert not events[-1].phrased and not [e for e in events if isinstance(e, Delta) and ("collapsed" in e.text or "17" in e.text)]


def test_a_date_of_the_question_is_grounded_only_when_a_cited_sentence_states_it():
    value = "17/19"
    ok, _ = _run("By 14 September 2025, 17 of 19 Party organisations had completed their congresses.",
                 question="By 14 September 2025, how many Party organisations had completed their congresses?", value=value, text=EN_SENT)
    assert ok[-1].phrased, ok[-1].stopped
    bad, _ = _run("By 15 September 2025, 17 of 19 Party organisations had completed their congresses.",
                  question="By 15 September 2025, how many Party organisations had completed their congresses?", value=value, text=EN_SENT)
    assert not bad[-1].phrased and "15 September" in bad[-1].stopped


def test_the_prompt_shows_no_figure_of_the_question_the_gate_would_refuse():
    """An answer restates its question; a year no cited sentence states is not shown to the model."""
    from toolkit.answer.phrase import stateable_question

    c = _cand()
    grounded, cited = grounds_of("x", _picked("214"))
    q = "In the first half of 2024, at its 3rd conference, how many members did Krông Pắc admit by 14/9/2025?"
    shown = stateable_question(q, grounded + ["2025"], cited)
    assert "2024" not in shown and "3rd" not in shown and "14/9" not in shown and "…" not in shown, shown
    assert shown.startswith("In the first half of that year, at its conference,"), shown  # no gap for the model to fill
    assert stateable_question("Năm 2025 huyện kết nạp bao nhiêu đảng viên mới?", grounded + ["2025"], [c.quote]).startswith("Năm 2025 ")


def test_the_words_standing_for_an_unstated_year_may_be_written_but_never_the_year():
    q = "How many new party members did Krông Pắc admit in 2024?"  # the sentence gives 2025 only
    ok, llm = _run("Krông Pắc admitted 214 new party members in that year.", question=q)
    assert ok[-1].phrased, ok[-1].stopped
    assert "2024" not in llm.calls[0]["messages"][1]["content"] and "in that year" in llm.calls[0]["messages"][1]["content"]
    bad, _ = _run("Krông Pắc admitted 214 new party members in 2024.", question=q)
    assert not bad[-1].phrased and "2024" in bad[-1].stopped


def test_the_prompt_leaves_out_a_name_and_a_period_year_the_gate_would_refuse():
    from toolkit.answer.phrase import stateable_question

    grounded, cited = grounds_of("x", _picked("214"))
    shown = stateable_question("Theo hội nghị quý II/2024 (Báo Hoàng Văn Thụ), huyện Krông Pắc kết nạp bao nhiêu đảng viên?",
                               grounded, cited, "vi")
    assert shown == "Theo hội nghị quý II, huyện Krông Pắc kết nạp bao nhiêu đảng viên?", shown


def test_the_year_of_a_quarter_in_the_cited_sentence_is_stateable():
    text = "Sáng 14-10, Ủy ban Kiểm tra Huyện ủy Krông Pắc tổ chức hội nghị giao ban quý III/2025 với các chi bộ."
    events, _ = _run("Ủy ban Kiểm tra Huyện ủy Krông Pắc tổ chức hội nghị giao ban quý III/2025 vào sáng 14-10.",
                     question="Ủy ban Kiểm tra Huyện ủy Krông Pắc tổ chức hội nghị giao ban quý III/2025 vào ngày nào?",
                     value="Sáng 14-10", text=text)
    assert events[-1].phrased, events[-1].stopped
    wrong, _ = _run("Ủy ban Kiểm tra Huyện ủy Krông Pắc tổ chức hội nghị giao ban quý III/2024 vào sáng 14-10.",
                    question="Ủy ban Kiểm tra Huyện ủy Krông Pắc tổ chức hội nghị giao ban quý III/2025 vào ngày nào?",
                    value="Sáng 14-10", text=text)
    assert not wrong[-1].phrased


def test_a_name_in_the_questions_own_sentence_is_not_cut_out_of_it():
    from toolkit.answer.phrase import stateable_question

    grounded, cited = grounds_of("x", _picked("214"))
    q = "How many members did the conference opened by Hoàng Văn Thụ admit?"
    assert stateable_question(q, grounded, cited, "en") == q  # cut, it left "opened by" for the model to fill
