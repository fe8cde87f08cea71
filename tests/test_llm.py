"""LLM back-ends: the fake, the structured-output plumbing (stubbed), and the real model (slow).
Server dialects and concurrency: tests/test_llm_server.py."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, field_validator

from toolkit.errors import LLMError
from toolkit.llm import LLM, load_llm
from toolkit.llm.fake import FakeLLM
from toolkit.llm.structured import rewrite_response_format
from toolkit.settings import LLMSettings, Settings


class Meeting(BaseModel):
    province: str = Field(description="tỉnh (province) where the meeting took place")
    year: int = Field(description="year of the meeting")
    delegates: int = Field(description="number of delegates attending")


class Even(BaseModel):
    n: int

    @field_validator("n")
    @classmethod
    def even(cls, v: int) -> int:
        if v % 2:
            raise ValueError("n must be even")
        return v


# --- FakeLLM --------------------------------------------------------------------------------


def test_fake_llm_queue_and_calls():
    llm = FakeLLM(["plain", {"n": 2}, Even(n=4)])
    assert isinstance(llm, LLM)
    assert llm.complete([{"role": "user", "content": "a"}]) == "plain"
    assert llm.complete([{"role": "user", "content": "b"}], schema=Even) == Even(n=2)
    assert llm.complete([{"role": "user", "content": "c"}], schema=Even, max_tokens=5).n == 4
    assert [c["messages"][0]["content"] for c in llm.calls] == ["a", "b", "c"]
    assert llm.calls[2]["max_tokens"] == 5 and llm.calls[1]["schema"] is Even
    with pytest.raises(LLMError, match="no reply queued"):
        llm.complete([{"role": "user", "content": "d"}])


def test_fake_llm_validates_like_the_real_path():
    llm = FakeLLM(['{"n": 3}', lambda msgs: {"n": len(msgs) * 2}])
    with pytest.raises(LLMError) as ei:
        llm.complete([], schema=Even)
    assert ei.value.last_completion == '{"n": 3}'
    assert llm.complete([{"role": "user", "content": "x"}], schema=Even).n == 2


# --- structured plumbing, without a model ---------------------------------------------------


def test_rewrite_response_format_turns_json_schema_into_json_object():
    schema = Even.model_json_schema()
    kw = {"messages": [], "response_format": {"type": "json_schema", "json_schema": {"name": "Even", "schema": schema}}}
    out = rewrite_response_format(kw)
    assert out["response_format"] == {"type": "json_object", "schema": schema}
    assert kw["response_format"]["type"] == "json_schema"  # the caller's dict is untouched
    assert rewrite_response_format({"messages": []}) == {"messages": []}


def test_rewrite_response_format_json_schema_dialect_keeps_the_standard_form():
    schema = Even.model_json_schema()
    spec = {"schema": schema, "strict": False}
    kw = {"messages": [], "response_format": {"type": "json_schema", "json_schema": spec}}
    out = rewrite_response_format(kw, "json_schema")["response_format"]
    # the standard requires a name: taken from the schema's title when missing, cleaned to [A-Za-z0-9_-]
    assert out == {"type": "json_schema", "json_schema": {"name": "Even", "schema": schema, "strict": False}}
    odd = {"type": "json_schema", "json_schema": {"name": "Họp kỳ 12", "schema": schema}}
    assert rewrite_response_format({"response_format": odd}, "json_schema")["response_format"]["json_schema"]["name"] == "H_p_k__12"
    assert "name" not in spec  # the caller's dict is untouched
    with pytest.raises(ValueError, match="dialect"):
        rewrite_response_format(kw, "openai")


def _completion(text: str, finish: str = "stop"):
    from openai.types.chat import ChatCompletion

    return ChatCompletion.model_validate({
        "id": "x", "object": "chat.completion", "created": 0, "model": "stub",
        "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
    })


class StubLlama:
    """Stands in for llama_cpp.Llama: replies from a list, records kwargs and resets."""

    def __init__(self, replies: list[str]):
        self.replies = list(replies)
        self.kwargs: list[dict] = []
        self.resets = 0

    def create_chat_completion_openai_v1(self, **kw):
        self.kwargs.append(kw)
        return _completion(self.replies.pop(0))

    def create_chat_completion(self, **kw):
        self.kwargs.append(kw)
        return {"choices": [{"message": {"content": self.replies.pop(0)}}], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}

    def reset(self):
        self.resets += 1


def _stubbed(replies, **kw):
    from toolkit.llm.llamacpp import LlamaCppLLM

    llm = LlamaCppLLM("/nonexistent/stub.gguf", LLMSettings(max_retries=2, max_tokens=50), **kw)
    llm._llama = StubLlama(replies)
    return llm


def test_llamacpp_structured_sends_grammar_schema_and_validates():
    llm = _stubbed(['{"n": 4}'])
    got = llm.complete([{"role": "user", "content": "even?"}], schema=Even)
    assert got == Even(n=4) and type(got) is Even and got.model_dump() == {"n": 4}
    [kw] = llm._llama.kwargs
    assert kw["response_format"] == {"type": "json_object", "schema": Even.model_json_schema()}
    assert kw["max_tokens"] == 50 and kw["temperature"] == 0.0
    assert llm.last_usage["attempts"] == 1 and llm.last_usage["prompt_tokens"] == 10
    assert llm.last_text == '{"n": 4}'


def test_llamacpp_structured_retries_then_succeeds():
    llm = _stubbed(['{"n": 3}', '{"n": 6}'])
    assert llm.complete([{"role": "user", "content": "even?"}], schema=Even).n == 6
    assert llm.last_usage["attempts"] == 2 and llm.last_usage["prompt_tokens"] == 20
    # the retry tells the model what was wrong
    assert "n must be even" in json.dumps(llm._llama.kwargs[1]["messages"], ensure_ascii=False)


def test_llamacpp_structured_failure_becomes_llmerror():
    # max_retries=2: the first attempt and two retries
    llm = _stubbed(['{"n": 3}', '{"n": 5}', '{"n": 7}'])
    with pytest.raises(LLMError) as ei:
        llm.complete([{"role": "user", "content": "even?"}], schema=Even)
    e = ei.value
    assert e.n_attempts == 3 and e.last_completion == '{"n": 7}' and llm._llama.replies == []
    assert "Even after 3 attempt(s)" in str(e) and "n must be even" in str(e) and "\n" not in str(e)


def test_llamacpp_plain_and_reuse_prefix_flag():
    llm = _stubbed(["hello", "again"])
    assert llm.complete([{"role": "user", "content": "hi"}], max_tokens=9) == "hello"
    assert llm._llama.kwargs[0]["max_tokens"] == 9 and llm._llama.resets == 0
    assert llm.last_usage["completion_tokens"] == 2
    llm.reuse_prefix = False
    llm.complete([{"role": "user", "content": "hi"}])
    assert llm._llama.resets == 1


def test_load_llm_picks_server_when_url_set():
    from toolkit.llm.openai_server import OpenAIServerLLM

    s = Settings()
    s.llm = s.llm.model_copy(update={"url": "http://127.0.0.1:9/v1"})
    assert isinstance(load_llm(s), OpenAIServerLLM)


def test_server_unreachable_is_one_line_llmerror():
    from toolkit.llm.openai_server import OpenAIServerLLM

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    llm = OpenAIServerLLM(LLMSettings(url=f"http://127.0.0.1:{port}/v1", timeout_s=5))
    for schema in (None, Even):
        with pytest.raises(LLMError, match="cannot reach the model server"):
            llm.complete([{"role": "user", "content": "hi"}], schema=schema)


# --- the real model ------------------------------------------------------------------------

PROMPTS = [
    ("Sáng 12/3/2023, Hội đồng nhân dân tỉnh Nghệ An khai mạc kỳ họp thứ 12 với 84 đại biểu tham dự.",
     Meeting(province="Nghệ An", year=2023, delegates=84)),
    ("Ngày 5/6/2022, Đảng bộ tỉnh Quảng Ninh tổ chức hội nghị sơ kết, có 150 đại biểu dự.",
     Meeting(province="Quảng Ninh", year=2022, delegates=150)),
    ("Trong hai ngày 20 và 21/1/2021, 320 đại biểu dự Đại hội Đảng bộ tỉnh Bắc Giang lần thứ XIX.",
     Meeting(province="Bắc Giang", year=2021, delegates=320)),
]


def _messages(text: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "Extract facts from the Vietnamese news sentence. Reply with JSON only: "
                                      "province (keep Vietnamese diacritics), year, delegates."},
        {"role": "user", "content": text},
    ]


@pytest.mark.slow
def test_real_model_structured_output_parses_first_try(real_llm):
    results = []
    for text, expected in PROMPTS:
        got = real_llm.complete(_messages(text), schema=Meeting, max_tokens=96)
        assert isinstance(got, Meeting)
        assert real_llm.last_usage["attempts"] == 1, real_llm.last_text
        assert Meeting.model_validate(json.loads(real_llm.last_text)) == got  # raw text is plain JSON
        results.append((got, expected))
    # the grammar guarantees the shape, not the values: most should still be right on such easy input
    right = sum(g.year == e.year and g.delegates == e.delegates for g, e in results)
    assert right >= 2, results
    print(f"\nload {real_llm.load_seconds:.2f}s; last call {real_llm.last_usage}")


@pytest.mark.slow
def test_real_model_plain_completion_and_usage(real_llm):
    text = real_llm.complete([{"role": "user", "content": "Say the word 'xin chào' and nothing else."}], max_tokens=16)
    assert isinstance(text, str) and text.strip()
    u = real_llm.last_usage
    assert 0 < u["completion_tokens"] <= 16 and u["prompt_tokens"] > 5 and u["seconds"] > 0


@pytest.mark.slow
def test_llama_cpp_python_server_gets_its_dialect(real_model_path: Path, tmp_path: Path):
    """llama-cpp-python's server: detected as llama.cpp, sent json_object+schema (the form it turns
    into a grammar), and it refuses the standard json_schema form (HTTP 500, a validation error)."""
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] extras not installed")
    from toolkit.llm.servers import running_llama_cpp_python

    with running_llama_cpp_python(real_model_path, log_path=tmp_path / "server.log",
                                  n_threads=min(2, os.cpu_count() or 1)) as url:
        settings = Settings()
        # generous timeout: on a busy 2-core machine one reply can take minutes
        settings.llm = settings.llm.model_copy(update={"url": url, "timeout_s": 900})
        llm = load_llm(settings)
        text, expected = PROMPTS[0]
        got = llm.complete(_messages(text), schema=Meeting, max_tokens=96)
        assert llm.dialect == "llamacpp" and "openapi" in llm.detection.reason
        assert isinstance(got, Meeting) and llm.last_usage["attempts"] == 1
        assert json.loads(llm.last_text) == got.model_dump()
        plain = llm.complete([{"role": "user", "content": "Say 'ok'."}], max_tokens=8)
        assert isinstance(plain, str) and plain.strip()
        # the standard form is refused before any generation: the dialect matters
        standard = settings.llm.model_copy(update={"dialect": "json_schema"})
        with pytest.raises(LLMError, match="HTTP 500.*response_format.*--llm-dialect llamacpp"):
            load_llm(settings.model_copy(update={"llm": standard})).complete(_messages(text), schema=Meeting, max_tokens=8)
