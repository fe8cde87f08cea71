"""Which structured-output dialect an OpenAI-compatible server speaks, found by asking it.

    "json_schema": the OpenAI standard, response_format={"type": "json_schema", "json_schema":
                   {"name": N, "schema": S, "strict": B}}; vLLM, Ollama, OpenAI, LM Studio, and
                   llama.cpp's own `llama-server` (recent builds) honour it.
    "llamacpp":    response_format={"type": "json_object", "schema": S}; the only form
                   llama-cpp-python's server (`python -m llama_cpp.server`) accepts: its request
                   model allows type "text" or "json_object" and answers "json_schema" with HTTP 500
                   (a validation error on response_format.type; 0.3.36).
                   `llama-server` honours it too.

`detect_dialect(url)` sends at most three cheap GETs, each with a short timeout:
  1. {url}/models        any model with owned_by "llamacpp"      -> llamacpp   (llama-server)
  2. {root}/props        JSON with llama-server's slot settings   -> llamacpp   (llama-server)
  3. {root}/openapi.json an API title naming "llama.cpp"          -> llamacpp   (llama-cpp-python)
and otherwise answers "json_schema", the standard: a server that ignores the schema still has
every reply validated (and retried) by instructor. {root} is url without a trailing /v1.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Literal

Dialect = Literal["json_schema", "llamacpp"]
DIALECTS: tuple[str, ...] = ("auto", "json_schema", "llamacpp")


@dataclass(frozen=True)
class Detection:
    dialect: Dialect
    reason: str  # which answer decided it, for logs and reports
    answered: bool = True  # False when nothing answered: the guess is not worth keeping


def server_root(url: str) -> str:
    """The server's root URL: the OpenAI base URL without its trailing /v1."""
    url = url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


class _Probe:
    """GETs of one detection; remembers whether the server answered any of them (even with 404)."""

    def __init__(self, api_key: str | None, timeout: float):
        self.headers = {"Accept": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})}
        self.timeout = timeout
        self.answered = False

    def get_json(self, url: str) -> object | None:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=self.headers), timeout=self.timeout) as resp:
                self.answered = True
                return json.loads(resp.read(2_000_000).decode("utf-8", "replace"))
        except urllib.error.HTTPError:
            self.answered = True
            return None
        except (OSError, ValueError):
            return None


def _owned_by(models: object) -> list[str]:
    data = models.get("data") if isinstance(models, dict) else None
    return [str(m.get("owned_by", "")) for m in data or [] if isinstance(m, dict)]


def _is_llama_server_props(props: object) -> bool:
    return isinstance(props, dict) and ("default_generation_settings" in props or "total_slots" in props)


def _api_title(openapi: object) -> str:
    info = openapi.get("info") if isinstance(openapi, dict) else None
    return str(info.get("title", "")) if isinstance(info, dict) else ""


def detect_dialect(url: str, api_key: str | None = None, timeout: float = 5.0) -> Detection:
    """Ask the server at `url` (an OpenAI base URL, e.g. http://host:8080/v1) which dialect it speaks."""
    base = url.rstrip("/")
    root = server_root(base)
    probe = _Probe(api_key, timeout)
    owners = _owned_by(probe.get_json(base + "/models"))
    if "llamacpp" in owners:
        return Detection("llamacpp", "GET /v1/models: owned_by llamacpp (llama.cpp llama-server)")
    if _is_llama_server_props(probe.get_json(root + "/props")):
        return Detection("llamacpp", "GET /props: llama.cpp llama-server slot settings")
    title = _api_title(probe.get_json(root + "/openapi.json"))
    if "llama.cpp" in title.lower():
        return Detection("llamacpp", f"GET /openapi.json: title {title!r} (llama-cpp-python server)")
    if not probe.answered:
        return Detection("json_schema", "the server did not answer; standard OpenAI json_schema", answered=False)
    seen = f"owned_by {sorted(set(owners))}" if owners else "no llama.cpp signature"
    return Detection("json_schema", f"standard OpenAI json_schema ({seen})")
