"""In-process GGUF model through llama-cpp-python.

    llm = LlamaCppLLM(path, settings.llm)
    llm.complete(messages)                 -> str
    llm.complete(messages, schema=Model)   -> Model (grammar-constrained JSON, validated by instructor)
    llm.stream(messages)                   -> Iterator[str] (text pieces as llama.cpp writes them)

The model loads on first use. One generation runs at a time (a lock). llama-cpp-python reuses
the longest token prefix shared with the previous prompt (its KV cache); `reuse_prefix=False`
clears the cache before every call, to measure what the cache is worth. `last_usage` holds the
prompt/completion tokens and seconds of the last call (summed over instructor's attempts).
`complete(..., max_seconds=S)` streams the reply and stops generating once S seconds have passed (checked
at every token; an exception raised inside llama.cpp's sampler, e.g. by a logits processor, is ignored by its
ctypes callback, so the clock is read between tokens), then raises LLMError. Such a call has no retries: at
temperature 0 a retry writes the same reply again.

llama.cpp's "extra buffer types" are off by default (`extra_buffers=False`): on CPUs that report
AMX (Sapphire Rapids, as on these machines) llama.cpp repacks the weights for AMX and the first
prompt longer than one token crashes the process (segfault in llama_decode) where the sandbox does
not grant AMX tile state. Plain CPU buffers work everywhere and load faster.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import LLMError, ModelFileError
from .streaming import Stopped, StreamStats, threaded
from .structured import clean_result, completion_text, patched_create, rewrite_response_format, wrap_instructor_error


_PARAMS_LOCK = threading.Lock()


def disable_extra_buffers() -> None:
    """Make every later `llama_cpp.Llama(...)` in this process load without extra buffer types
    (AMX/repacked weights). Used by `python -m toolkit.llm.openai_server`."""
    import llama_cpp.llama_cpp as lib

    if getattr(lib.llama_model_default_params, "_toolkit_patched", False):
        return
    orig = lib.llama_model_default_params

    def params():
        p = orig()
        if hasattr(p, "use_extra_bufts"):
            p.use_extra_bufts = False
        return p

    params._toolkit_patched = True  # type: ignore[attr-defined]
    params._toolkit_orig = orig  # type: ignore[attr-defined]
    lib.llama_model_default_params = params


@contextmanager
def _plain_cpu_buffers(enabled: bool) -> Iterator[None]:
    """While loading: default model params without extra buffer types (see module docstring)."""
    import llama_cpp.llama_cpp as lib

    if not enabled or getattr(lib.llama_model_default_params, "_toolkit_patched", False):
        yield
        return
    with _PARAMS_LOCK:
        orig = lib.llama_model_default_params
        disable_extra_buffers()
        try:
            yield
        finally:
            lib.llama_model_default_params = orig


class LlamaCppLLM:
    concurrent = False  # one generation at a time (toolkit/llm/parallel.py sends it one request at a time)

    def __init__(self, model_path: Path | str, llm_settings: Any, *, reuse_prefix: bool = True,
                 extra_buffers: bool = False):
        self.model_path = Path(model_path)
        self.settings = llm_settings
        self.name = self.model_path.stem
        self.reuse_prefix = reuse_prefix
        self.extra_buffers = extra_buffers
        self.last_usage: dict[str, float] | None = None
        self.last_text: str | None = None  # raw text of the last reply (last attempt)
        self.load_seconds: float | None = None
        self.last_stream: StreamStats | None = None  # timing of the last stream()
        self.last_messages: list | None = None  # the messages of the last stream()
        self._cached_head: str | None = None  # the first message of the last call: its tokens lead the KV cache
        self._llama = None
        self._structured = None
        self._lock = threading.RLock()

    # --- model --------------------------------------------------------------------------

    @property
    def llama(self):
        """The loaded `llama_cpp.Llama` (loads it on first access)."""
        if self._llama is None:
            with self._lock:
                if self._llama is None:
                    self._llama = self._load()
        return self._llama

    def _load(self):
        from llama_cpp import Llama

        t0 = time.perf_counter()
        try:
            with _plain_cpu_buffers(not self.extra_buffers):
                llama = Llama(model_path=str(self.model_path), n_ctx=self.settings.n_ctx,
                              n_threads=self.settings.n_threads, verbose=False)
        except (ValueError, RuntimeError, OSError) as e:
            raise ModelFileError(str(self.model_path), f"llama.cpp could not load it ({e})",
                                 "run `python -m toolkit.models check` or `make setup` to rebuild it") from e
        self.load_seconds = time.perf_counter() - t0
        return llama

    def reset(self) -> None:
        """Forget the KV cache: the next prompt is evaluated from its first token."""
        with self._lock:
            if self._llama is not None:
                self._llama.reset()

    # --- calls --------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` by the model's tokenizer (no special tokens added)."""
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def head_cached(self, messages) -> bool:
        """Whether the KV cache already holds the first message of `messages` (the last call began with
        the same one and prefixes are reused), so only the rest of the prompt is read."""
        return bool(messages) and self.reuse_prefix and self._cached_head == messages[0].get("content")

    def _note_head(self, messages) -> None:
        self._cached_head = messages[0].get("content") if messages else None


    def _create(self, **kwargs):
        """OpenAI-style create used under instructor: rewrites response_format, counts usage."""
        kwargs = rewrite_response_format(kwargs, "llamacpp")  # the only form llama-cpp-python honours
        kwargs.pop("model", None)
        t0 = time.perf_counter()
        out = self.llama.create_chat_completion_openai_v1(**kwargs)
        self._add_usage(getattr(out, "usage", None), time.perf_counter() - t0)
        self.last_text = completion_text(out)
        return out

    def _add_usage(self, usage: Any, seconds: float) -> None:
        u = self.last_usage or {"prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0, "attempts": 0}
        get = (lambda k: usage.get(k, 0)) if isinstance(usage, dict) else (lambda k: getattr(usage, k, 0) or 0)
        u["prompt_tokens"] += get("prompt_tokens") if usage else 0
        u["completion_tokens"] += get("completion_tokens") if usage else 0
        u["seconds"] += seconds
        u["attempts"] += 1
        self.last_usage = u

    def stream(self, messages, max_tokens=None) -> Iterator[str]:
        """The reply's text pieces as llama.cpp writes them (create_chat_completion(stream=True)),
        generated in a worker thread that holds the model lock; closing the iterator stops it."""
        max_tokens = int(max_tokens or self.settings.max_tokens)
        llama = self.llama
        self.last_stream = stats = StreamStats()
        self.last_messages = messages

        def produce(emit) -> None:
            with self._lock:
                if not self.reuse_prefix:
                    llama.reset()
                self._note_head(messages)
                try:
                    chunks = llama.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                          temperature=self.settings.temperature, stream=True)
                    for chunk in chunks:
                        choice = (chunk.get("choices") or [{}])[0]
                        emit((choice.get("delta") or {}).get("content") or "")
                except Stopped:
                    raise
                except Exception as e:  # noqa: BLE001 - every model failure becomes the toolkit's LLMError
                    raise LLMError(f"{self.name}: generation failed: {type(e).__name__}: {str(e)[:200]}") from e

        return threaded(produce, stats)

    def complete(self, messages, schema=None, max_tokens=None, max_seconds=None):
        max_tokens = int(max_tokens or self.settings.max_tokens)
        llama = self.llama
        with self._lock:
            if not self.reuse_prefix:
                llama.reset()
            self._note_head(messages)
            self.last_usage = None
            self.last_text = None
            try:
                if max_seconds:
                    return self._timed(llama, messages, schema, max_tokens, float(max_seconds))
                if schema is None:
                    t0 = time.perf_counter()
                    out = llama.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                       temperature=self.settings.temperature)
                    self._add_usage(out.get("usage"), time.perf_counter() - t0)
                    self.last_text = completion_text(out) or ""
                    return self.last_text
                if self._structured is None:
                    self._structured = patched_create(self._create)
                return clean_result(self._structured(
                    messages=messages, response_model=schema, max_retries=self.settings.max_retries,
                    max_tokens=max_tokens, temperature=self.settings.temperature), schema)
            except LLMError:
                raise
            except Exception as e:  # noqa: BLE001 - every model failure becomes the toolkit's LLMError
                if "context window" in str(e):
                    raise LLMError(f"{self.name}: prompt longer than the context window (n_ctx={self.settings.n_ctx}); "
                                   "raise llm.n_ctx or shorten the input") from e
                if schema is None:
                    raise LLMError(f"{self.name}: generation failed: {type(e).__name__}: {str(e)[:200]}") from e
                raise wrap_instructor_error(e, self.name, schema.__name__, max_tokens) from e

    def _timed(self, llama, messages, schema, max_tokens: int, max_seconds: float):
        """One reply (grammar-bound to `schema` when given), streamed and stopped at the deadline; LLMError when
        it is cut (time or max_tokens) or does not validate."""
        from pydantic import ValidationError

        from .structured import describe_exception

        deadline = time.monotonic() + max_seconds
        extra = {"response_format": {"type": "json_object", "schema": schema.model_json_schema()}} if schema is not None else {}
        t0 = time.perf_counter()
        pieces: list[str] = []
        finish = None
        chunks = llama.create_chat_completion(messages=messages, max_tokens=max_tokens, temperature=self.settings.temperature,
                                              stream=True, **extra)
        try:
            for chunk in chunks:
                choice = (chunk.get("choices") or [{}])[0]
                pieces.append((choice.get("delta") or {}).get("content") or "")
                finish = choice.get("finish_reason") or finish
                if finish is None and time.monotonic() > deadline:
                    break
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()  # stops generation
        text = "".join(pieces)
        n = sum(1 for x in pieces if x)
        self._add_usage({"prompt_tokens": max(0, int(getattr(llama, "n_tokens", 0)) - n), "completion_tokens": n},
                        time.perf_counter() - t0)
        self.last_text = text
        if finish is None:
            raise LLMError(f"{self.name}: no reply within its time budget of {max_seconds:g} s ({n} tokens written); "
                           "raise the budget or use a faster model", last_completion=text)
        if schema is None:
            return text
        if finish == "length":
            raise LLMError(f"{self.name}: {schema.__name__} reply cut at max_tokens={max_tokens}; raise the bound or shorten "
                           "the input", last_completion=text)
        try:
            return schema.model_validate_json(text)
        except ValidationError as e:
            raise LLMError(f"{self.name}: {schema.__name__} reply does not fit its schema: {describe_exception(e)}",
                           last_completion=text) from e
