"""A fake model for tests: a queue of canned replies, and a record of every call.

`stream` takes its reply from the same queue: a list of strings is streamed as those pieces; a
string is streamed a few characters at a time, digits one by one (as Qwen's tokenizer writes them).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Callable, Iterator

from pydantic import BaseModel

from ..errors import LLMError


class FakeLLM:
    """Replies from a queue (strings, dicts, BaseModels or callables of the messages).

    With schema, a string or dict reply is validated against it, as the real structured path does.
    When the queue is empty, `default` (if given) is used, otherwise LLMError is raised.
    """

    name = "fake"
    concurrent = True  # thread-safe: calls from several threads are recorded in arrival order

    def __init__(self, replies: list | None = None, default: object | None = None):
        self.replies = list(replies or [])
        self.default = default
        self.calls: list[dict] = []
        self._lock = threading.Lock()

    def queue(self, *replies: object) -> "FakeLLM":
        self.replies.extend(replies)
        return self

    def _next(self, record: dict):
        with self._lock:
            self.calls.append(record)
            if self.replies:
                return self.replies.pop(0)
            if self.default is not None:
                return self.default
            raise LLMError("FakeLLM: no reply queued", n_attempts=1)

    def stream(self, messages, max_tokens=None) -> Iterator[str]:
        reply = self._next({"messages": messages, "schema": None, "max_tokens": max_tokens, "stream": True})
        if isinstance(reply, Callable) and not isinstance(reply, type):
            reply = reply(messages)
        if isinstance(reply, Exception):
            raise reply
        pieces = list(reply) if isinstance(reply, (list, tuple)) else split_tokens(str(reply))
        for piece in pieces:
            if isinstance(piece, Exception):
                raise piece
            yield piece

    def complete(self, messages, schema=None, max_tokens=None, max_seconds=None):
        with self._lock:
            self.calls.append({"messages": messages, "schema": schema, "max_tokens": max_tokens, "max_seconds": max_seconds})
            if self.replies:
                reply = self.replies.pop(0)
            elif self.default is not None:
                reply = self.default
            else:
                raise LLMError("FakeLLM: no reply queued", n_attempts=1)
        if isinstance(reply, Callable) and not isinstance(reply, type):
            reply = reply(messages)
        if isinstance(reply, Exception):
            raise reply
        if schema is None:
            return reply if isinstance(reply, str) else json.dumps(reply if not isinstance(reply, BaseModel) else reply.model_dump())
        if isinstance(reply, schema):
            return reply
        if isinstance(reply, BaseModel):
            reply = reply.model_dump()
        try:
            return schema.model_validate_json(reply) if isinstance(reply, str) else schema.model_validate(reply)
        except Exception as e:  # noqa: BLE001 - surfaced as the toolkit's error, as the real path does
            raise LLMError(f"FakeLLM reply does not fit {schema.__name__}: {e}", last_completion=str(reply)) from e


def split_tokens(text: str) -> list[str]:
    """Text cut as a tokenizer would: digits one by one, words with their leading space, punctuation."""
    return re.findall(r"\d| ?[^\W\d_]+|\s+|[^\w\s]", text)
