"""The chat's answer stream (toolkit.chat_stream): the composed answer at once, the model held only
while it works, and a phrasing prompt bounded in tokens however long the cited sentences are.
Fake model and reader; invented sentences."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

import toolkit.chat_stream as chat_stream
from toolkit.answer.candidates import Candidate
from toolkit.answer.phrase import Delta, Final
from toolkit.answer.spans import spans_of
from toolkit.chat_stream import Composed, ask_stream, prompt_tokens
from toolkit.llm.fake import FakeLLM
from toolkit.schemas import Answer
from toolkit.settings import Settings
from toolkit.vi.question import analyse_question

Q = "Năm 2024 huyện Mường Tè kết nạp bao nhiêu đảng viên mới?"
SHORT = "Năm 2024, Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới."
# one sentence of many clauses, the asked figure in the third (invented)
LONG = ("Năm 2024, toàn huyện trồng mới 1.250 ha rừng, vượt 4% kế hoạch, tỷ lệ che phủ rừng đạt 61,3%; "
        "thu ngân sách trên địa bàn ước đạt 312 tỷ đồng, bằng 108% dự toán tỉnh giao, tăng 9% so với năm trước; "
        "Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới, đạt 115% chỉ tiêu; "
        "có 27/29 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ trở lên, 2 tổ chức hoàn thành nhiệm vụ; "
        "số hộ nghèo giảm 6,2% so với đầu năm, còn 3.118 hộ, trong đó hộ cận nghèo 904 hộ.")


def _picked(text: str, value: str = "173"):
    c = Candidate(doc_id="d1", paragraph_id="p001", paragraph_text=text, start=0, end=len(text), rank=0, spans=spans_of(text))
    return [(c, [s for s in c.spans if s.text.startswith(value)])]


def _composed(question: str = Q) -> Answer:
    return Answer(question=question, answer="Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới.", language="vi",
                  abstained=False, route="extractive")


class _Hold:
    """A stand-in model lock that records whether it was held."""

    def __init__(self):
        self.held = False
        self.entries = 0

    @contextmanager
    def __call__(self):
        self.held, self.entries = True, self.entries + 1
        try:
            yield
        finally:
            self.held = False


@pytest.fixture
def reader(monkeypatch):
    """chat_stream's reader replaced: it answers from `state['text']` and notes whether the lock was held."""
    state = {"text": SHORT, "held_while_reading": None, "hold": _Hold()}

    def fake_ask(q, *, settings, store, index, llm, grounds):
        state["held_while_reading"] = state["hold"].held
        grounds.update(info=analyse_question(q), picked=_picked(state["text"]))
        return _composed(q)

    monkeypatch.setattr(chat_stream, "ask", fake_ask)
    return state


def _settings(phrase: bool = True, bound: int | None = None) -> Settings:
    s = Settings()
    s.answer.phrase = phrase
    if bound is not None:
        s.answer.phrase_prompt_tokens = bound
    return s


def test_the_composed_answer_comes_before_the_models_tokens(reader):
    llm = FakeLLM(["Năm 2024, Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới."])
    events = list(ask_stream(Q, settings=_settings(), store=None, index=None, llm=llm, hold=reader["hold"]))
    assert isinstance(events[0], Composed) and "173" in events[0].composed.answer
    assert any(isinstance(e, Delta) for e in events[1:-1]) and isinstance(events[-1], Final)
    assert events[-1].phrased, events[-1].stopped


def test_the_model_lock_is_held_only_while_the_model_works(reader):
    hold = reader["hold"]
    llm = FakeLLM(["Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới."])
    list(ask_stream(Q, settings=_settings(), store=None, index=None, llm=llm, hold=hold))
    assert reader["held_while_reading"] is False and hold.entries == 1  # the phrasing only

    hold2 = reader["hold"] = _Hold()
    events = list(ask_stream(Q, settings=_settings(phrase=False), store=None, index=None, llm=FakeLLM(), hold=hold2))
    assert [type(e) for e in events] == [Final] and hold2.entries == 0  # a composed answer never waits for the model


def test_a_long_sentence_is_cut_to_the_clauses_that_carry_the_asked_figure(reader):
    reader["text"] = LONG
    settings = _settings(bound=120)
    whole = chat_stream.phrase_messages(analyse_question(Q), _picked(LONG), settings)[-1]["content"]
    assert prompt_tokens(whole, None) > 120  # the uncut prompt is over the bound
    llm = FakeLLM(["Năm 2024, Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới."])
    events = list(ask_stream(Q, settings=settings, store=None, index=None, llm=llm))
    prompt = llm.calls[0]["messages"][-1]["content"]
    assert "Năm 2024, … Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới, đạt 115% chỉ tiêu" in prompt  # its clause, whole, and its period
    assert "1.250 ha" not in prompt and "3.118" not in prompt and "312 tỷ" not in prompt
    assert prompt_tokens(prompt, None) <= 120
    assert events[-1].phrased, events[-1].stopped


def test_a_prompt_still_over_its_bound_is_not_phrased_and_the_composed_answer_stands(reader):
    reader["text"] = LONG
    llm = FakeLLM(["never asked"])
    events = list(ask_stream(Q, settings=_settings(bound=40), store=None, index=None, llm=llm))
    assert llm.calls == []
    assert isinstance(events[0], Composed) and isinstance(events[-1], Final) and not events[-1].phrased
    assert "bound" in events[-1].stopped and events[-1].answer.answer == _composed().answer


def test_prompt_tokens_counts_with_the_models_tokenizer_when_it_has_one():
    class Counting:
        def count_tokens(self, text):
            return len(text.split())

    class Broken:
        def count_tokens(self, text):
            raise AttributeError("no tokenizer")

    text = "Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới"
    assert prompt_tokens(text, Counting()) == 11
    assert prompt_tokens(text, Broken()) == prompt_tokens(text, None) > 11  # the estimate errs long


def test_a_cut_keeps_every_picked_span_on_its_own_words():
    for text, value in ((LONG, "173"), (LONG, "27/29"), (LONG.replace("Năm 2024, ", "Toàn huyện đã ", 1), "312"), (SHORT, "173")):
        [(c, spans)] = _picked(text, value)
        cut, moved = chat_stream._clause_cut(c, spans)
        assert moved and all(cut.quote[s.start:s.end] == s.text for s in moved)
        assert len(cut.quote) <= len(c.quote)


def test_a_system_message_the_cache_does_not_hold_counts_against_the_bound(reader):
    """After a background call the model reads the phrasing's system message again: it counts."""

    class ColdThenWarm(FakeLLM):
        def __init__(self, replies, warm):
            super().__init__(replies)
            self.warm = warm

        def head_cached(self, messages):
            return self.warm

    reader["text"] = SHORT
    settings = _settings()
    msgs = chat_stream.phrase_messages(analyse_question(Q), _picked(SHORT), settings)
    user, system = prompt_tokens(msgs[-1]["content"], None), prompt_tokens(msgs[0]["content"], None)
    settings.answer.phrase_prompt_tokens = user + system // 2  # fits warm, not cold
    reply = "Đảng bộ huyện Mường Tè kết nạp 173 đảng viên mới."
    warm = list(ask_stream(Q, settings=settings, store=None, index=None, llm=ColdThenWarm([reply], True)))
    cold = list(ask_stream(Q, settings=settings, store=None, index=None, llm=ColdThenWarm([reply], False)))
    assert warm[-1].phrased and not cold[-1].phrased and "bound" in cold[-1].stopped

    cold_llm = ColdThenWarm([], False)
    list(ask_stream(Q, settings=settings, store=None, index=None, llm=cold_llm))
    # the answer went out unphrased; the model then read the system message, for the next question
    assert [c.get("stream") for c in cold_llm.calls] == [None]
    assert cold_llm.calls[0]["messages"][0] == msgs[0] and cold_llm.calls[0]["max_tokens"] == 1
