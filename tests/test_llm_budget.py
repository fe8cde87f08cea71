"""A model call's wall-clock budget (complete(..., max_seconds=S)): generation stops and LLMError names the budget."""

from __future__ import annotations

import time

import pytest

from pydantic import BaseModel, Field


def test_the_clock_check_passes_scores_through_until_the_deadline_then_stops_generation():
    pytest.importorskip("llama_cpp")
    from toolkit.llm.llamacpp import _OutOfTime, _clock_check

    scores = [0.5, 0.25]
    assert _clock_check(time.monotonic() + 60)(None, scores) is scores
    with pytest.raises(_OutOfTime):
        _clock_check(time.monotonic() - 0.01)(None, scores)


class _Long(BaseModel):
    items: list[str] = Field(max_length=500)


@pytest.mark.slow
def test_a_long_structured_reply_stops_at_its_time_budget(real_llm):
    from toolkit.errors import LLMError

    messages = [{"role": "user", "content": "List the numbers from 1 to 400 as words, as JSON {\"items\": [...]}."}]
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="time budget of 4 s"):
        real_llm.complete(messages, schema=_Long, max_tokens=3000, max_seconds=4)
    spent = time.monotonic() - t0
    assert spent < 30, spent  # prompt evaluation plus at most one token after the deadline (retries stop at once)
    assert real_llm.complete([{"role": "user", "content": "Say OK."}], max_tokens=4, max_seconds=60)  # usable after
