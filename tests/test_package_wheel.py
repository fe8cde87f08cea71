"""A wheel built from the repository installs like a package: in a fresh venv, from a folder that
is not the repository, `toolkit --version`, `ingest`, `ask`, `models` and the UI import work.

Dependencies are not downloaded: the fresh venv sees the project venv's site-packages through a
.pth file (after its own, so the installed wheel is what `import toolkit` finds)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTICLE = (
    "Đảng ủy phường Hòa Khánh tổng kết công tác năm 2024\n\n"
    "Ngày 14/1/2025, Đảng ủy phường Hòa Khánh tổ chức hội nghị tổng kết công tác xây dựng Đảng năm 2024. "
    "Đồng chí Lương Thế Hiển, Bí thư Đảng ủy phường chủ trì hội nghị.\n\n"
    "Năm 2024, Đảng bộ phường kết nạp mới 38 đảng viên, đạt 126,7% chỉ tiêu.\n"
)


def _copy_tree(dst: Path) -> None:
    """The files a clone would have (tracked and new, not ignored), symlinks kept as links."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if not (src.exists() or src.is_symlink()):
            continue  # deleted in the working tree
        out = dst / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), out)
        else:
            shutil.copy2(src, out)


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repository(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is needed to list the repository's files")
    src, wheels, env_dir, work = tmp_path / "src", tmp_path / "wheels", tmp_path / "venv", tmp_path / "work"
    _copy_tree(src)
    # an isolated build, as `pip install .` does: setuptools comes from the configured index
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0 and "No matching distribution found for setuptools" in r.stderr:
        pytest.skip("no package index to fetch the build backend (setuptools) from")
    assert r.returncode == 0, r.stderr[-2000:]
    [wheel] = wheels.glob("vn_meeting_toolkit-*.whl")
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"toolkit/_prompts/{p.name}" for p in (REPO / "prompts").glob("*.j2")}
    assert shipped and shipped <= names, sorted(shipped - names)  # every prompt of the repository is in the wheel
    assert "toolkit/data/models_manifest.json" in names
    assert not any(n.endswith(".gguf") for n in names)

    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "zz_project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]

    work.mkdir()
    (work / "hoakhanh.txt").write_text(ARTICLE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOOLKIT_", "PYTHON"))}
    env["TOOLKIT_ANSWER__USE_MODEL"] = "false"
    toolkit = str(env_dir / "bin" / "toolkit")

    def run(*args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True, timeout=300, **kw)

    where = run(str(py), "-c", "import toolkit, ui.app; print(toolkit.__file__)")
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(site), where.stdout  # the installed copy, not the repository

    from toolkit import __version__

    v = run(toolkit, "--version")
    assert v.returncode == 0 and v.stdout.strip() == f"toolkit {__version__}", v.stderr

    ing = run(toolkit, "ingest", "hoakhanh.txt", "--embedder", "hash", "--json")
    assert ing.returncode == 0, ing.stderr
    assert json.loads(ing.stdout)["added"] == ["hoakhanh"]
    assert (work / "index").is_dir()  # the store is under the current directory

    ask = run(toolkit, "ask", "Đảng bộ phường Hòa Khánh kết nạp mới bao nhiêu đảng viên năm 2024?", "--embedder", "hash", "--json")
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert "38" in answer["answer"] and answer["citations"][0]["doc_id"] == "hoakhanh"

    models = run(toolkit, "models", "--json", "--no-verify")  # the packaged manifest; no model file here
    rows = json.loads(models.stdout)
    [conf] = [row for row in rows if row["configured"]]
    assert conf["name"] == "qwen2.5-coder-1.5b" and conf["exists"] is False and str(work / "models") in conf["path"]

    prompt = run(str(py), "-c", "from toolkit.prompts import version; from toolkit.settings import Settings; "
                 "print(version(Settings(), 'answer_pick_system'))")
    assert prompt.returncode == 0 and prompt.stdout.strip(), prompt.stderr

    ui = run(toolkit, "ui", "--help")
    assert ui.returncode == 0 and "--ingest" in ui.stdout
