"""--llm-url against real HTTP servers on 127.0.0.1: a small standard-OpenAI server written here
(stdlib http.server) that records every request, dressed as vLLM, llama.cpp's llama-server or
llama-cpp-python's server; dialect detection; concurrent requests. No model runs here."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import pytest
from pydantic import BaseModel

from toolkit.errors import LLMError
from toolkit.llm import LazyLLM, load_llm
from toolkit.llm.dialect import detect_dialect, server_root
from toolkit.llm.openai_server import OpenAIServerLLM
from toolkit.llm.servers import free_port
from toolkit.llm.parallel import map_concurrent, workers_for
from toolkit.llm.llamacpp import LlamaCppLLM
from toolkit.llm.fake import FakeLLM
from toolkit.settings import LLMSettings, Settings


class Vote(BaseModel):
    commune: str
    in_favour: int


class FakeOpenAI:
    """What the server saw and how it behaves. `reply(body) -> str` writes each message content."""

    def __init__(self, *, owned_by: str = "vllm", props: dict | None = None, title: str | None = None,
                 reply: Callable[[dict], str] | None = None, refuse_json_schema: bool = False,
                 barrier: threading.Barrier | None = None):
        self.owned_by, self.props, self.title = owned_by, props, title
        self.reply = reply or (lambda body: json.dumps({"commune": "Xã Tân Lập", "in_favour": 41}))
        self.refuse_json_schema = refuse_json_schema
        self.barrier = barrier
        self.gets: list[str] = []
        self.posts: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.url = ""


def _handler(state: FakeOpenAI):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):  # quiet
            pass

        def _send(self, code: int, data: object) -> None:
            raw = json.dumps(data).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self):
            with state.lock:
                state.gets.append(self.path)
            if self.path == "/v1/models" and state.owned_by:
                return self._send(200, {"object": "list", "data": [{"id": "m", "object": "model", "owned_by": state.owned_by}]})
            if self.path == "/props" and state.props is not None:
                return self._send(200, state.props)
            if self.path == "/openapi.json" and state.title is not None:
                return self._send(200, {"openapi": "3.1.0", "info": {"title": state.title}})
            self._send(404, {"detail": "Not Found"})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.posts.append(body)
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"detail": "Not Found"})
                rf = body.get("response_format") or {}
                if state.refuse_json_schema and rf.get("type") not in (None, "text", "json_object"):
                    # what llama-cpp-python 0.3.36's server answers (its request model allows text|json_object)
                    return self._send(500, {"error": {"message": "1 validation error:\n  {'type': 'literal_error', "
                                                      "'loc': ('body', 'response_format', 'type'), "
                                                      "'msg': \"Input should be 'text' or 'json_object'\"}",
                                                      "type": "internal_server_error"}})
                if state.barrier is not None:
                    state.barrier.wait(timeout=10)  # passes only when requests overlap
                text = state.reply(body)
                self._send(200, {
                    "id": "c1", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
                })
            except threading.BrokenBarrierError:
                self._send(500, {"error": "requests did not overlap"})
            finally:
                with state.lock:
                    state.in_flight -= 1

    return Handler


@contextmanager
def fake_openai(port: int = 0, **kw) -> Iterator[FakeOpenAI]:
    state = FakeOpenAI(**kw)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _llm(url: str, **kw) -> OpenAIServerLLM:
    return OpenAIServerLLM(LLMSettings(url=url, timeout_s=20, max_retries=1, **kw))


ASK = [{"role": "user", "content": "Xã nào, bao nhiêu phiếu tán thành?"}]


# --- what each kind of server receives ------------------------------------------------------


def test_unknown_server_gets_the_standard_json_schema():
    with fake_openai(owned_by="vllm") as srv:
        llm = _llm(srv.url)
        got = llm.complete(ASK, schema=Vote, max_tokens=40)
        llm.complete(ASK, schema=Vote)
    assert got == Vote(commune="Xã Tân Lập", in_favour=41)
    body = srv.posts[0]
    rf = body["response_format"]
    assert rf["type"] == "json_schema" and "schema" not in rf
    assert rf["json_schema"]["name"] == "Vote" and rf["json_schema"]["schema"] == Vote.model_json_schema()
    assert body["max_tokens"] == 40 and body["model"] == "local"
    assert llm.dialect == "json_schema" and "vllm" in llm.detection.reason
    # asked once, before the first request, not again for the second
    assert srv.gets == ["/v1/models", "/props", "/openapi.json"] and len(srv.posts) == 2


@pytest.mark.parametrize("sign", [{"owned_by": "llamacpp"},
                                  {"owned_by": "", "props": {"total_slots": 2, "default_generation_settings": {}}},
                                  {"owned_by": "me", "title": "🦙 llama.cpp Python API"}],
                         ids=["llama-server-models", "llama-server-props", "llama-cpp-python-openapi"])
def test_llama_cpp_servers_get_json_object_with_schema(sign):
    with fake_openai(**sign) as srv:
        llm = _llm(srv.url)
        assert llm.complete(ASK, schema=Vote).in_favour == 41
    assert srv.posts[0]["response_format"] == {"type": "json_object", "schema": Vote.model_json_schema()}
    assert llm.dialect == "llamacpp"


def test_set_dialect_is_not_asked_of_the_server():
    with fake_openai(owned_by="llamacpp") as srv:
        llm = _llm(srv.url, dialect="json_schema")
        llm.complete(ASK, schema=Vote)
        assert srv.gets == [] and srv.posts[0]["response_format"]["type"] == "json_schema"
    with fake_openai(owned_by="ollama") as srv:
        _llm(srv.url, dialect="llamacpp").complete(ASK, schema=Vote)
        assert srv.gets == [] and srv.posts[0]["response_format"]["type"] == "json_object"


def test_plain_request_sends_no_response_format_and_asks_nothing():
    with fake_openai(reply=lambda body: "Xin chào") as srv:
        llm = _llm(srv.url)
        assert llm.complete(ASK, max_tokens=5) == "Xin chào"
    assert srv.gets == [] and "response_format" not in srv.posts[0]
    assert llm.last_usage["completion_tokens"] == 5 and llm.last_text == "Xin chào"


def test_server_ignoring_the_schema_is_caught_by_validation_and_retried():
    replies = iter(["Đây là kết quả: xã Tân Lập, 41 phiếu.", '{"commune": "Xã Tân Lập", "in_favour": 41}'])
    with fake_openai(owned_by="someone", reply=lambda body: next(replies)) as srv:
        llm = _llm(srv.url)
        assert llm.complete(ASK, schema=Vote).in_favour == 41
    assert len(srv.posts) == 2 and llm.last_usage["attempts"] == 2
    assert all(p["response_format"]["type"] == "json_schema" for p in srv.posts)


def test_refused_dialect_is_one_line_error_with_the_fix():
    with fake_openai(owned_by="me", refuse_json_schema=True) as srv:
        llm = _llm(srv.url, dialect="json_schema")
        with pytest.raises(LLMError) as ei:
            llm.complete(ASK, schema=Vote)
    msg = str(ei.value)
    assert "HTTP 500" in msg and "--llm-dialect llamacpp" in msg and "\n" not in msg


def test_detection_of_a_closed_port_falls_back_to_the_standard():
    d = detect_dialect(f"http://127.0.0.1:{free_port()}/v1", timeout=2)
    assert d.dialect == "json_schema" and not d.answered
    with fake_openai(owned_by="") as srv:  # answers 404 everywhere: still a server, so the guess is kept
        assert detect_dialect(srv.url).answered
    assert server_root("http://h:1/v1/") == "http://h:1" and server_root("http://h:1") == "http://h:1"


def test_dialect_is_asked_again_when_the_server_was_down():
    port = free_port()
    llm = _llm(f"http://127.0.0.1:{port}/v1")
    with pytest.raises(LLMError, match="cannot reach"):
        llm.complete(ASK, schema=Vote)
    with fake_openai(port=port, owned_by="llamacpp") as srv:
        assert llm.complete(ASK, schema=Vote).in_favour == 41
    assert srv.posts[0]["response_format"]["type"] == "json_object" and llm.dialect == "llamacpp"


# --- concurrency ---------------------------------------------------------------------------


def test_two_workers_put_two_requests_in_flight_at_once():
    # the server's barrier only opens when two requests are inside it together
    names = ["Xã An Phú", "Xã Bình Minh", "Xã Cát Tiên", "Xã Đông Hòa"]

    def reply(body):
        who = body["messages"][-1]["content"]
        return json.dumps({"commune": who, "in_favour": len(who)})

    with fake_openai(reply=reply, barrier=threading.Barrier(2)) as srv:
        llm = _llm(srv.url)
        n = workers_for(llm, 2)

        def ask(name):
            got = llm.complete([{"role": "user", "content": name}], schema=Vote)
            # per-thread usage and text: this thread's own call, not a neighbour's
            assert json.loads(llm.last_text)["commune"] == name and llm.last_usage["attempts"] == 1
            return got

        out = dict(map_concurrent(ask, names, n))
    assert n == 2 and srv.max_in_flight == 2
    assert {k: v.commune for k, v in out.items()} == {n_: n_ for n_ in names}
    assert len(srv.gets) == 3  # the dialect was asked once, not once per thread


def test_one_worker_sends_one_at_a_time():
    with fake_openai() as srv:
        llm = _llm(srv.url)
        got = list(map_concurrent(lambda i: llm.complete(ASK, schema=Vote), range(3), workers_for(llm, 1)))
    assert [i for i, _ in got] == [0, 1, 2] and srv.max_in_flight == 1


def test_map_concurrent_keeps_every_item_and_raises_the_first_error():
    seen = []
    out = dict(map_concurrent(lambda x: x * x, range(10), 3))
    assert out == {x: x * x for x in range(10)}

    def boom(x):
        seen.append(x)
        if x == 2:
            raise ValueError("bad item 2")
        time.sleep(0.01)
        return x

    with pytest.raises(ValueError, match="bad item 2"):
        list(map_concurrent(boom, range(100), 2))
    assert len(seen) < 100  # stopped early, did not run the whole list


def test_only_concurrent_models_get_more_than_one_worker():
    assert workers_for(FakeLLM(), 4) == 4
    assert workers_for(LlamaCppLLM("/nonexistent.gguf", LLMSettings()), 4) == 1
    s = Settings()
    assert workers_for(LazyLLM(s), 3) == 1  # in-process model: not loaded to find out
    s.llm = s.llm.model_copy(update={"url": "http://127.0.0.1:9/v1"})
    assert workers_for(LazyLLM(s), 3) == 3 and workers_for(load_llm(s), 0) == 1


def test_cli_arguments_map_to_settings():
    from typing import get_args

    from toolkit.llm.dialect import DIALECTS
    from toolkit.options import LLM_DIALECTS, Parser, add_common, add_workers, settings_from_args

    assert LLM_DIALECTS == DIALECTS == get_args(LLMSettings.model_fields["dialect"].annotation)
    p = Parser(prog="t")
    add_common(p, llm=True)
    add_workers(p)
    s = settings_from_args(p.parse_args(["--llm-url", "http://h:1/v1", "--llm-dialect", "json_schema", "--workers", "3"])).llm
    assert (s.url, s.dialect, s.workers) == ("http://h:1/v1", "json_schema", 3)
    s = settings_from_args(p.parse_args([])).llm
    assert (s.dialect, s.workers) == ("auto", 1)
    for bad in (["--workers", "0"], ["--workers", "two"], ["--llm-dialect", "openai"]):
        with pytest.raises(SystemExit):
            p.parse_args(bad)
    with pytest.raises(Exception):
        LLMSettings(dialect="openai")