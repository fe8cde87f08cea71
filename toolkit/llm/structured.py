"""Shared pieces of the two real back-ends: the response_format dialects and error wrapping.

instructor's JSON_SCHEMA mode sends the OpenAI standard
response_format={"type": "json_schema", "json_schema": {"name": N, "schema": S, ...}}, which vLLM,
Ollama and OpenAI-style servers honour. llama-cpp-python (in-process and `llama_cpp.server`) only
turns {"type": "json_object", "schema": S} into a grammar. `rewrite_response_format(kw, dialect)`
sends each its own form (see toolkit/llm/dialect.py), so the grammar guarantees the shape while
validation and retries stay instructor's.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import LLMError


def rewrite_response_format(kwargs: dict[str, Any], dialect: str = "llamacpp") -> dict[str, Any]:
    """kwargs with response_format in `dialect`: "llamacpp" -> {"type": "json_object", "schema": S};
    "json_schema" -> the standard form, with a name (required by the standard) filled in if missing.
    The caller's dict is never changed."""
    rf = kwargs.get("response_format")
    if not (isinstance(rf, dict) and rf.get("type") == "json_schema"):
        return kwargs
    spec = rf.get("json_schema") or {}
    schema = spec.get("schema") or {}
    if dialect == "llamacpp":
        return {**kwargs, "response_format": {"type": "json_object", "schema": schema}}
    if dialect != "json_schema":
        raise ValueError(f"unknown response_format dialect {dialect!r}")
    name = re.sub(r"[^A-Za-z0-9_-]", "_", str(spec.get("name") or schema.get("title") or "reply"))[:64]
    return {**kwargs, "response_format": {"type": "json_schema", "json_schema": {**spec, "name": name, "schema": schema}}}


def completion_text(completion: Any) -> str | None:
    """The message text of an OpenAI-style completion (object or dict), or None."""
    if completion is None:
        return None
    try:
        if isinstance(completion, dict):
            return completion["choices"][0]["message"]["content"]
        return completion.choices[0].message.content
    except (AttributeError, IndexError, KeyError, TypeError):
        return str(completion)


def patched_create(create):
    """instructor-patched version of an OpenAI-style `create(**kwargs)` function."""
    import instructor

    return instructor.patch(create=create, mode=instructor.Mode.JSON_SCHEMA)


def wrap_instructor_error(e: Exception, model: str, schema_name: str, max_tokens: int) -> LLMError:
    """Turn instructor's exceptions into the toolkit's one-line LLMError."""
    from instructor.core import IncompleteOutputException, InstructorRetryException

    if isinstance(e, InstructorRetryException):
        last = completion_text(getattr(e, "last_completion", None))
        n = int(getattr(e, "n_attempts", 1) or 1)
        attempts = getattr(e, "failed_attempts", None) or []
        cause = describe_exception(attempts[-1].exception) if attempts else type(e).__name__
        if last is not None and _cut_short(e):
            cause = f"reply cut at max_tokens={max_tokens}"
        return LLMError(f"{model}: no valid {schema_name} after {n} attempt(s): {cause}", n_attempts=n, last_completion=last)
    if isinstance(e, IncompleteOutputException):
        last = completion_text(getattr(e, "last_completion", None))
        return LLMError(f"{model}: {schema_name} reply cut at max_tokens={max_tokens}; raise llm.max_tokens or shorten the input",
                        n_attempts=1, last_completion=last)
    return LLMError(f"{model}: {schema_name} request failed: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}")


def describe_exception(exc: Exception) -> str:
    """One short line for a validation or parsing error."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            errs = errors()
            first = errs[0]
            loc = ".".join(str(x) for x in first.get("loc", ())) or "reply"
            more = f" (+{len(errs) - 1} more)" if len(errs) > 1 else ""
            return f"{loc}: {first.get('msg', '')}{more}"[:200]
        except Exception:  # noqa: BLE001 - fall back to the text
            pass
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def clean_result(result, schema):
    """instructor returns an instance of its own subclass of `schema` with `_raw_response` in its
    __dict__; rebuild a plain, already-validated `schema` instance so results compare and serialise
    like any other."""
    if type(result) is schema or not isinstance(result, schema):
        return result
    data = {k: v for k, v in result.__dict__.items() if not k.startswith("_")}
    return schema.model_construct(_fields_set=set(result.model_fields_set), **data)


def _cut_short(e: Exception) -> bool:
    last = getattr(e, "last_completion", None)
    try:
        return last.choices[0].finish_reason == "length"
    except (AttributeError, IndexError, TypeError):
        return False
