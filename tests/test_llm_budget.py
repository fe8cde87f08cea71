"""A model call's wall-clock budget (complete(..., max_seconds=S)): generation stops and LLMError names the budget."""

from __future__ import annotations

import time

import pytest

from pydantic import BaseModel, Field


class _Reply(BaseModel):
    answer: str


class _FakeLlama:
    """llama_cpp.Llama's streaming chat completion: one chunk per piece, `delay` seconds apart; records what was asked
    and how many chunks were taken before the stream was closed."""

    def __init__(self, pieces, delay=0.0, finish="stop"):
        self.pieces, self.delay, self.finish = pieces, delay, finish
        self.kwargs: dict = {}
        self.taken = 0
        self.closed = False
        self.n_tokens = 0

    def create_chat_completion(self, **kwargs):
        self.kwargs = kwargs

        def gen():
            try:
                for i, piece in enumerate(self.pieces):
                    time.sleep(self.delay)
                    self.taken += 1
                    self.n_tokens = 50 + self.taken
                    last = i == len(self.pieces) - 1
                    yield {"choices": [{"delta": {"content": piece}, "finish_reason": self.finish if last else None}]}
            finally:
                self.closed = True

        return gen()


def _llm(fake):
    from toolkit.llm.llamacpp import LlamaCppLLM
    from toolkit.settings import Settings

    llm = LlamaCppLLM("/nonexistent/model.gguf", Settings().llm)
    llm._llama = fake
    return llm


def test_generation_stops_between_tokens_once_the_budget_is_spent():
    from toolkit.errors import LLMError

    fake = _FakeLlama(["{", '"answer"', ": ", '"', "x"] * 200, delay=0.01)
    with pytest.raises(LLMError, match=r"time budget of 0.1 s \(\d+ tokens written\)"):
        _llm(fake).complete([{"role": "user", "content": "q"}], schema=_Reply, max_tokens=5000, max_seconds=0.1)
    assert fake.closed and fake.taken < 100  # stopped long before the 1,000 pieces
    assert fake.kwargs["stream"] and fake.kwargs["response_format"]["schema"]["properties"]["answer"]  # grammar-bound


def test_a_timed_reply_is_validated_and_a_cut_one_is_an_error():
    from toolkit.errors import LLMError

    llm = _llm(_FakeLlama(["{", '"answer": ', '"yes"', "}"]))
    assert llm.complete([{"role": "user", "content": "q"}], schema=_Reply, max_tokens=50, max_seconds=30) == _Reply(answer="yes")
    assert llm.last_usage["completion_tokens"] == 4 and llm.last_usage["prompt_tokens"] == 50
    with pytest.raises(LLMError, match="cut at max_tokens=3"):
        _llm(_FakeLlama(["{", '"answer": ', '"ye'], finish="length")).complete(
            [{"role": "user", "content": "q"}], schema=_Reply, max_tokens=3, max_seconds=30)
    with pytest.raises(LLMError, match="does not fit its schema"):
        _llm(_FakeLlama(["{", '"other": 1', "}"])).complete([{"role": "user", "content": "q"}], schema=_Reply, max_tokens=50,
                                                            max_seconds=30)


class _Long(BaseModel):
    items: list[str] = Field(max_length=500)


@pytest.mark.slow
def test_a_long_structured_reply_stops_at_its_time_budget(real_llm):
    from toolkit.errors import LLMError

    messages = [{"role": "user", "content": "List the numbers from 1 to 400 as words, as JSON {\"items\": [...]}."}]
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="time budget of 4 s"):  # not max_tokens: 3,000 tokens take minutes
        real_llm.complete(messages, schema=_Long, max_tokens=3000, max_seconds=4)
    spent = time.monotonic() - t0
    assert spent < 60, spent  # prompt evaluation plus one token after the deadline, even on a busy machine
    assert real_llm.complete([{"role": "user", "content": "Say OK."}], max_tokens=4, max_seconds=60)  # usable after
