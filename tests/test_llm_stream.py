"""stream() of each LLM implementation, without a real model: llama-cpp-python's chunk iterator and
an OpenAI-compatible client's SSE chunks are stood in for by small fakes."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from toolkit.llm.llamacpp import LlamaCppLLM
from toolkit.llm.openai_server import OpenAIServerLLM
from toolkit.settings import Settings


class _FakeLlama:
    def __init__(self, pieces):
        self.pieces = pieces
        self.produced = 0
        self.kwargs = None

    def create_chat_completion(self, **kw):
        self.kwargs = kw
        yield {"choices": [{"delta": {"role": "assistant"}}]}
        for p in self.pieces:
            self.produced += 1
            time.sleep(0.01)
            yield {"choices": [{"delta": {"content": p}}]}


def test_llamacpp_streams_pieces_as_written_and_stops_when_closed():
    llm = LlamaCppLLM("/nonexistent.gguf", Settings().llm)
    llm._llama = _FakeLlama(["Năm", " 2024", ",", " huyện"] + [" x"] * 200)
    it = llm.stream([{"role": "user", "content": "q"}], max_tokens=10)
    got = [next(it) for _ in range(4)]
    assert got == ["Năm", " 2024", ",", " huyện"]
    assert llm._llama.kwargs["stream"] is True and llm._llama.kwargs["max_tokens"] == 10
    it.close()
    time.sleep(0.2)
    assert llm._llama.produced < 50  # the worker stopped soon after the consumer closed the stream
    assert llm._lock.acquire(timeout=2)  # and let go of the model
    llm._lock.release()
    assert llm.last_stream.first_piece_s is not None and llm.last_stream.pieces == 4


def test_llamacpp_stream_can_be_resumed_from_other_threads():
    llm = LlamaCppLLM("/nonexistent.gguf", Settings().llm)
    llm._llama = _FakeLlama(["a", "b", "c"])
    it = llm.stream([{"role": "user", "content": "q"}])
    out = []
    for _ in range(3):  # Gradio resumes a generator from its worker pool
        t = threading.Thread(target=lambda: out.append(next(it)))
        t.start()
        t.join(2)
    assert out == ["a", "b", "c"] and list(it) == []


def test_openai_server_streams_sse_chunks():
    calls = {}

    def create(**kw):
        calls.update(kw)
        return iter([SimpleNamespace(choices=[SimpleNamespace(delta=SimpleNamespace(content=c))]) for c in ("Hà", " Nội", None, ".")])

    client = SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=create)))
    s = Settings().llm.model_copy(update={"url": "http://127.0.0.1:1/v1"})
    llm = OpenAIServerLLM(s, client=client)
    assert list(llm.stream([{"role": "user", "content": "q"}], max_tokens=5)) == ["Hà", " Nội", "."]
    assert calls["stream"] is True and calls["max_tokens"] == 5
