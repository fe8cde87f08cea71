"""Packaging: settings paths follow $TOOLKIT_HOME or the current directory, every setting is
described, shipped files are reached through the package, and the modules stay small."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from toolkit import resources
from toolkit.settings import Settings

REPO = Path(__file__).resolve().parents[1]
OWNED_SMALL = ["toolkit/cli.py", "toolkit/options.py", "toolkit/library.py", "toolkit/pipeline.py",
               "toolkit/settings.py", "toolkit/prompts.py", "toolkit/resources.py", "toolkit/progress.py"]


def test_paths_default_to_the_current_directory(tmp_path, monkeypatch):
    for var in ("TOOLKIT_HOME", "TOOLKIT_STORE", "TOOLKIT_MODELS_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.home == tmp_path and s.store == tmp_path / "index" and s.models_dir == tmp_path / "models"
    assert s.eval_report == tmp_path / "evals" / "reports" / "latest.json"


def test_toolkit_home_and_single_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TOOLKIT_STORE", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("TOOLKIT_MODELS_DIR", raising=False)
    s = Settings()
    assert s.store == tmp_path / "elsewhere" and s.models_dir == tmp_path / "home" / "models"
    assert Settings(store=tmp_path / "x").store == tmp_path / "x"


def _fields(model: type[BaseModel], prefix: str = ""):
    for name, f in model.model_fields.items():
        yield f"{prefix}{name}", f
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _fields(ann, f"{prefix}{name}.")


def test_every_setting_has_a_description():
    missing = [name for name, f in _fields(Settings) if not (f.description or "").strip()]
    assert missing == []


def test_every_nested_section_forbids_unknown_keys():
    sections = [f.annotation for _, f in _fields(Settings) if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)]
    assert sections and all(s.model_config.get("extra") == "forbid" for s in sections)


def test_prompts_and_manifest_are_inside_the_package():
    pkg = REPO / "toolkit"
    assert resources.prompts_dir().parent.resolve() == pkg.resolve() or resources.prompts_dir().parent == pkg
    shipped = sorted(p.name for p in resources.prompts_dir().glob("*.j2"))
    assert shipped == sorted(p.name for p in (REPO / "prompts").glob("*.j2")) and shipped
    assert resources.model_manifest().read_bytes() == (REPO / "models" / "manifest.json").read_bytes()
    assert Settings().prompts_dir == resources.prompts_dir()


def test_pyproject_ships_prompts_data_and_manifest():
    import tomllib

    cfg = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    data = cfg["tool"]["setuptools"]["package-data"]["toolkit"]
    assert {"data/*.json", "_prompts/*.j2"} <= set(data)
    assert "server" in cfg["project"]["optional-dependencies"]
    deps = " ".join(cfg["project"]["dependencies"])
    assert "numpy" in deps and "underthesea" not in deps and "gradio>=6" in deps


def test_manifest_falls_back_to_the_packaged_one(tmp_path):
    from toolkit.models import load_manifest

    assert load_manifest(tmp_path)["default"] == load_manifest(REPO / "models")["default"]


@pytest.mark.parametrize("path", OWNED_SMALL)
def test_modules_stay_small(path):
    n = len((REPO / path).read_text(encoding="utf-8").splitlines())
    assert n <= 400, f"{path}: {n} lines"
