"""llama.cpp's own `llama-server` with two parallel slots (slow: runs the real model).

No registry package ships the binary for this platform; `make llama-server` builds it from the
llama.cpp sources that the installed llama-cpp-python's sdist carries (vendor/llama.cpp) into
~/.cache/vn-toolkit/llama.cpp/<version>/ and prints the TOOLKIT_LLAMA_SERVER line to set. By hand:

    cmake -S vendor/llama.cpp -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \\
          -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \\
          -DLLAMA_BUILD_SERVER=ON -DLLAMA_USE_PREBUILT_UI=OFF -DBUILD_SHARED_LIBS=OFF
    cmake --build build --target llama-server -j2

and point TOOLKIT_LLAMA_SERVER at build/bin/llama-server. Skipped without it. llama-server's replies
under the grammar are indented JSON (about 30 tokens for three fields), hence max_tokens=64.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from pydantic import BaseModel

from toolkit.llm import load_llm
from toolkit.llm.parallel import map_concurrent, workers_for
from toolkit.llm.servers import running_llama_server
from toolkit.settings import Settings


class Session(BaseModel):
    province: str
    session: int
    delegates: int


TEXTS = {
    "Tây Ninh": "Ngày 9/7/2024, HĐND tỉnh Tây Ninh khai mạc kỳ họp thứ 14 với 52 đại biểu.",
    "Phú Yên": "Sáng 2/12/2023, HĐND tỉnh Phú Yên họp kỳ thứ 16, có 47 đại biểu dự.",
}


def _ask(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Reply with JSON only: province (with diacritics), session number, delegates."},
            {"role": "user", "content": text}]


@pytest.fixture(scope="module")
def llama_server_url(real_model_path: Path, tmp_path_factory):
    binary = os.environ.get("TOOLKIT_LLAMA_SERVER")
    if not binary or not Path(binary).is_file():
        pytest.skip("set TOOLKIT_LLAMA_SERVER to a llama-server binary (see this module's docstring)")
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with running_llama_server(binary, real_model_path, log_path=log, parallel=2, n_ctx=1024,
                              n_threads=min(2, os.cpu_count() or 1)) as url:
        yield url


def _settings(url: str, **kw) -> Settings:
    s = Settings()
    s.llm = s.llm.model_copy(update={"url": url, "timeout_s": 900, "max_retries": 1, **kw})
    return s


@pytest.mark.slow
def test_llama_server_is_detected_and_serves_two_slots_at_once(llama_server_url: str):
    root = llama_server_url.removesuffix("/v1")
    props = json.loads(urllib.request.urlopen(root + "/props", timeout=10).read())
    assert props["total_slots"] == 2
    llm = load_llm(_settings(llama_server_url, workers=2))
    out = dict(map_concurrent(lambda p: llm.complete(_ask(TEXTS[p]), schema=Session, max_tokens=64),
                              list(TEXTS), workers_for(llm, 2)))
    assert llm.dialect == "llamacpp" and "owned_by llamacpp" in llm.detection.reason
    assert set(out) == set(TEXTS) and all(isinstance(v, Session) for v in out.values())
    assert sum(v.delegates in (52, 47) for v in out.values()) >= 1, out  # the grammar fixes the shape, not the values


@pytest.mark.slow
def test_llama_server_also_honours_the_standard_form(llama_server_url: str):
    llm = load_llm(_settings(llama_server_url, dialect="json_schema"))
    got = llm.complete(_ask(TEXTS["Phú Yên"]), schema=Session, max_tokens=64)
    assert isinstance(got, Session) and llm.last_usage["attempts"] == 1, llm.last_text
    assert json.loads(llm.last_text) == got.model_dump()  # plain JSON: the schema was enforced
