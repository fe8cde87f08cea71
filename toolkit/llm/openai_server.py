"""Any OpenAI-compatible server (e.g. `python -m llama_cpp.server --model X.gguf`) through `openai`.

Structured output uses instructor's JSON_SCHEMA mode with the same response_format rewrite as the
in-process model: llama_cpp.server accepts {"type": "json_object", "schema": S} and turns it into
a grammar. Same protocol and errors as `LlamaCppLLM`.

To serve a GGUF with the same loading fix as the in-process model (no AMX extra buffers):

    python -m toolkit.llm.openai_server --model models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf --port 8080

takes every `python -m llama_cpp.server` option.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..errors import LLMError
from .structured import clean_result, completion_text, patched_create, rewrite_response_format, wrap_instructor_error


class OpenAIServerLLM:
    def __init__(self, llm_settings: Any, *, client: Any = None):
        self.settings = llm_settings
        self.url = llm_settings.url
        self.name = f"server:{llm_settings.api_model}"
        self.last_usage: dict[str, float] | None = None
        self.last_text: str | None = None  # raw text of the last reply (last attempt)
        self._client = client
        self._structured = None
        self._lock = threading.Lock()

    @property
    def client(self):
        if self._client is None:
            import openai

            self._client = openai.OpenAI(base_url=self.url, api_key=self.settings.api_key,
                                         timeout=self.settings.timeout_s, max_retries=0)
        return self._client

    def _create(self, **kwargs):
        kwargs = rewrite_response_format(kwargs)
        kwargs.setdefault("model", self.settings.api_model)
        t0 = time.perf_counter()
        out = self.client.chat.completions.create(**kwargs)
        self._add_usage(getattr(out, "usage", None), time.perf_counter() - t0)
        self.last_text = completion_text(out)
        return out

    def _add_usage(self, usage: Any, seconds: float) -> None:
        u = self.last_usage or {"prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0, "attempts": 0}
        u["prompt_tokens"] += getattr(usage, "prompt_tokens", 0) or 0
        u["completion_tokens"] += getattr(usage, "completion_tokens", 0) or 0
        u["seconds"] += seconds
        u["attempts"] += 1
        self.last_usage = u

    def reset(self) -> None:
        """Nothing to reset client-side (the server keeps its own cache)."""

    def complete(self, messages, schema=None, max_tokens=None):
        import openai

        max_tokens = int(max_tokens or self.settings.max_tokens)
        with self._lock:
            self.last_usage = None
            self.last_text = None
            try:
                if schema is None:
                    out = self._create(messages=messages, max_tokens=max_tokens, temperature=self.settings.temperature)
                    return completion_text(out) or ""
                if self._structured is None:
                    self._structured = patched_create(self._create)
                return clean_result(self._structured(
                    messages=messages, response_model=schema, max_retries=self.settings.max_retries,
                    max_tokens=max_tokens, temperature=self.settings.temperature), schema)
            except (openai.APIConnectionError, openai.APITimeoutError) as e:
                raise LLMError(f"cannot reach the model server at {self.url} ({type(e).__name__}); start it or drop --llm-url") from e
            except openai.APIStatusError as e:
                raise LLMError(f"model server at {self.url} answered HTTP {e.status_code}: {str(e)[:200]}") from e
            except LLMError:
                raise
            except Exception as e:  # noqa: BLE001 - instructor's exceptions become LLMError
                cause = e.__cause__ or e.__context__
                if isinstance(cause, (openai.APIConnectionError, openai.APITimeoutError)):
                    raise LLMError(f"cannot reach the model server at {self.url}; start it or drop --llm-url") from e
                if schema is None:
                    raise LLMError(f"{self.name}: request failed: {type(e).__name__}: {str(e)[:200]}") from e
                raise wrap_instructor_error(e, self.name, schema.__name__, max_tokens) from e


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
