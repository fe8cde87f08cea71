"""The language-model protocol. Stages hold an `LLM` and never know which implementation it is.

    complete(messages, schema=None, max_tokens=None, max_seconds=None) -> str | BaseModel
    stream(messages, max_tokens=None) -> Iterator[str]   (text pieces as the model writes them)

`max_seconds` bounds a call's wall-clock time (generation stops, LLMError names the budget); None: no bound
beyond max_tokens (and a server's llm.timeout_s).

Implementations: `llamacpp.LlamaCppLLM` (in-process GGUF), `openai_server.OpenAIServerLLM`
(any OpenAI-compatible server, in its structured-output dialect: `dialect.py`), `fake.FakeLLM` (a
reply queue for tests). An LLM with a true `concurrent` attribute takes calls from several threads
at once (`parallel.map_concurrent`). `load_llm(settings)`
chooses one from the settings; nothing heavy is imported until it is called.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Iterator, Protocol, TypeVar, overload, runtime_checkable

from pydantic import BaseModel

if TYPE_CHECKING:
    from ..settings import Settings

M = TypeVar("M", bound=BaseModel)
Message = dict[str, str]


@runtime_checkable
class LLM(Protocol):
    name: str

    @overload
    def complete(self, messages: list[Message], schema: None = None, max_tokens: int | None = None,
                 max_seconds: float | None = None) -> str: ...
    @overload
    def complete(self, messages: list[Message], schema: type[M], max_tokens: int | None = None,
                 max_seconds: float | None = None) -> M: ...
    def complete(self, messages, schema=None, max_tokens=None, max_seconds=None): ...
    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]: ...


def load_llm(settings: "Settings") -> LLM:
    """The configured model: a server when llm.url is set, else an in-process GGUF."""
    if settings.llm.url:
        from .openai_server import OpenAIServerLLM

        return OpenAIServerLLM(settings.llm)
    from ..models import resolve_model_path
    from .llamacpp import LlamaCppLLM

    return LlamaCppLLM(resolve_model_path(settings), settings.llm)


class LazyLLM:
    """An LLM that loads the configured model (load_llm) on its first use only, so browsing and
    extractive answers never pay for loading it. Give `llm` to wrap a model that is already loaded."""

    def __init__(self, settings: "Settings", llm: LLM | None = None):
        self._settings = settings
        self._llm = llm
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._llm.name if self._llm is not None else "lazy"

    @property
    def concurrent(self) -> bool:
        """Whether the model takes concurrent calls (a server does), without loading an in-process one."""
        return getattr(self._llm, "concurrent", False) if self._llm is not None else bool(self._settings.llm.url)

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def get(self) -> LLM:
        """The real model, loading it now if needed."""
        with self._lock:
            if self._llm is None:
                self._llm = load_llm(self._settings)
        return self._llm

    def complete(self, messages, schema=None, max_tokens=None, max_seconds=None):
        return self.get().complete(messages, schema=schema, max_tokens=max_tokens, max_seconds=max_seconds)

    def stream(self, messages, max_tokens=None) -> Iterator[str]:
        return self.get().stream(messages, max_tokens=max_tokens)

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` by the model's own tokenizer (loads the model); AttributeError when it has none."""
        return self.get().count_tokens(text)

    def head_cached(self, messages) -> bool:
        """Whether the loaded model's KV cache holds the first message already (False before it loads)."""
        check = getattr(self._llm, "head_cached", None)
        return bool(check(messages)) if check is not None else False
