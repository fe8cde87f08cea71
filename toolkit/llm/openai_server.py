"""Any OpenAI-compatible server (llama.cpp's llama-server, llama-cpp-python's server, vLLM, Ollama,
OpenAI-style services) through `openai`.

Structured output uses instructor's JSON_SCHEMA mode; the response_format goes out in the
server's dialect (toolkit/llm/dialect.py): llm.dialect, or with "auto" the one the server's
answers reveal, asked once before the first structured request. Same protocol and errors as
`LlamaCppLLM`.

Thread-safe: calls from several threads go out at once over one HTTP client (see
toolkit/llm/parallel.py); `last_usage` and `last_text` are those of the calling thread's last call.

To serve a GGUF with llama-cpp-python and the same loading fix as the in-process model (no AMX
extra buffers):

    python -m toolkit.llm.openai_server --model models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf --port 8080

takes every `python -m llama_cpp.server` option; toolkit/llm/servers.py starts it (or llama.cpp's
llama-server) for tests and benches.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Iterator

from ..errors import LLMError
from .dialect import Detection, detect_dialect
from .structured import clean_result, completion_text, patched_create, rewrite_response_format, wrap_instructor_error


class OpenAIServerLLM:
    concurrent = True  # see toolkit/llm/parallel.py

    def __init__(self, llm_settings: Any, *, client: Any = None):
        self.settings = llm_settings
        self.url = llm_settings.url
        self.name = f"server:{llm_settings.api_model}"
        self.detection: Detection | None = None  # set when the dialect was asked of the server
        self._dialect: str | None = None if llm_settings.dialect == "auto" else llm_settings.dialect
        self._client = client
        self._structured = None
        self._init_lock = threading.Lock()
        self._local = threading.local()

    # per-thread results of the last call
    last_usage = property(lambda self: getattr(self._local, "usage", None))
    last_text = property(lambda self: getattr(self._local, "text", None))

    @property
    def client(self):
        if self._client is None:
            with self._init_lock:
                if self._client is None:
                    import openai

                    self._client = openai.OpenAI(base_url=self.url, api_key=self.settings.api_key,
                                                 timeout=self.settings.timeout_s, max_retries=0)
        return self._client

    @property
    def dialect(self) -> str:
        """The response_format dialect sent to this server (asks the server once when "auto")."""
        if self._dialect is None:
            with self._init_lock:
                if self._dialect is None:
                    found = detect_dialect(self.url, self.settings.api_key, timeout=min(10.0, self.settings.timeout_s))
                    self.detection = found
                    if not found.answered:
                        return found.dialect  # server down: ask again next time
                    self._dialect = found.dialect
        return self._dialect

    @property
    def structured(self):
        if self._structured is None:
            with self._init_lock:
                if self._structured is None:
                    self._structured = patched_create(self._create)
        return self._structured

    def _create(self, **kwargs):
        if "response_format" in kwargs:
            kwargs = rewrite_response_format(kwargs, self.dialect)
        kwargs.setdefault("model", self.settings.api_model)
        t0 = time.perf_counter()
        out = self.client.chat.completions.create(**kwargs)
        self._add_usage(getattr(out, "usage", None), time.perf_counter() - t0)
        self._local.text = completion_text(out)
        return out

    def _add_usage(self, usage: Any, seconds: float) -> None:
        u = self.last_usage or {"prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0, "attempts": 0}
        u["prompt_tokens"] += getattr(usage, "prompt_tokens", 0) or 0
        u["completion_tokens"] += getattr(usage, "completion_tokens", 0) or 0
        u["seconds"] += seconds
        u["attempts"] += 1
        self._local.usage = u

    def reset(self) -> None:
        """Nothing to reset client-side (the server keeps its own cache)."""

    def stream(self, messages, max_tokens=None) -> Iterator[str]:
        """The reply's text pieces as the server sends them (SSE, `stream: true`)."""
        import openai

        max_tokens = int(max_tokens or self.settings.max_tokens)
        try:
            chunks = self.client.chat.completions.create(model=self.settings.api_model, messages=messages,
                                                         max_tokens=max_tokens, temperature=self.settings.temperature,
                                                         stream=True)
            try:
                for chunk in chunks:
                    if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
            finally:
                close = getattr(chunks, "close", None)
                if close:
                    close()  # a consumer that stops early drops the connection, so the server stops generating
        except (openai.APIConnectionError, openai.APITimeoutError) as e:
            raise LLMError(f"cannot reach the model server at {self.url} ({type(e).__name__}); start it or drop --llm-url") from e
        except openai.APIStatusError as e:
            raise LLMError(f"model server at {self.url} answered HTTP {e.status_code}: {_first_line(e)}") from e

    def complete(self, messages, schema=None, max_tokens=None, max_seconds=None):
        import openai

        max_tokens = int(max_tokens or self.settings.max_tokens)
        self._local.usage = None
        self._local.text = None
        t0 = time.monotonic()
        # the time budget is each request's timeout (the client gives up); a call past it is reported as such
        extra = {"timeout": float(max_seconds)} if max_seconds else {}
        try:
            if schema is None:
                out = self._create(messages=messages, max_tokens=max_tokens, temperature=self.settings.temperature, **extra)
                return completion_text(out) or ""
            return clean_result(self.structured(
                messages=messages, response_model=schema, max_retries=self.settings.max_retries,
                max_tokens=max_tokens, temperature=self.settings.temperature, **extra), schema)
        except Exception as e:
            if max_seconds and time.monotonic() - t0 >= float(max_seconds):
                raise LLMError(f"{self.name}: no reply within its time budget of {float(max_seconds):g} s; "
                               "raise the budget or use a faster model") from e
            self._raise(e, schema, max_tokens)

    def _raise(self, e: Exception, schema, max_tokens: int):
        """Re-raise a failed call's exception as the toolkit's one-line LLMError."""
        import openai

        try:
            raise e
        except (openai.APIConnectionError, openai.APITimeoutError) as e:
            raise LLMError(f"cannot reach the model server at {self.url} ({type(e).__name__}); start it or drop --llm-url") from e
        except openai.APIStatusError as e:
            raise LLMError(f"model server at {self.url} answered HTTP {e.status_code}: {_first_line(e)}{self._dialect_hint(e)}") from e
        except LLMError:
            raise
        except Exception as e:  # noqa: BLE001 - instructor's exceptions become LLMError
            cause = e.__cause__ or e.__context__
            if isinstance(cause, (openai.APIConnectionError, openai.APITimeoutError)):
                raise LLMError(f"cannot reach the model server at {self.url}; start it or drop --llm-url") from e
            if isinstance(cause, openai.APIStatusError):
                raise LLMError(f"model server at {self.url} answered HTTP {cause.status_code}: "
                               f"{_first_line(cause)}{self._dialect_hint(cause)}") from e
            if schema is None:
                raise LLMError(f"{self.name}: request failed: {type(e).__name__}: {str(e)[:200]}") from e
            raise wrap_instructor_error(e, self.name, schema.__name__, max_tokens) from e

    def _dialect_hint(self, e: Any) -> str:
        """A fix to suggest when the server refused the request's response_format."""
        if (getattr(e, "status_code", 0) or 0) >= 400 and "response_format" in str(e) and self._dialect:
            other = "llamacpp" if self._dialect == "json_schema" else "json_schema"
            return f"; the server refused the {self._dialect} response_format: try --llm-dialect {other}"
        return ""


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return (text.splitlines()[0] if text else type(e).__name__)[:200]


def serve(argv: list[str] | None = None) -> None:
    """`python -m llama_cpp.server` with extra buffer types disabled (see toolkit.llm.llamacpp)."""
    import sys

    from .llamacpp import disable_extra_buffers

    disable_extra_buffers()
    from llama_cpp.server.__main__ import main

    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    main()


if __name__ == "__main__":
    serve()
