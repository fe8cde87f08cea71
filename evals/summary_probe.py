"""Print the summary checks of issue 6 over the corpus articles, and the summaries themselves.

    python -m evals.summary_probe [--store DIR] [--corpus DIR] [--template-only] [--fake-extract] [--force]

Uses a scratch store (a temporary folder unless --store): ingests ../shared/corpus, extracts the
records (real model; --fake-extract labels with the deterministic defaults, no model), then
summarises (real model polishes; --template-only passes no model: template English only).

Checks, per article and language:
- unsupported: numbers in the summary that the article (title, dateline, body, captions) does not
  hold (toolkit.verify.unsupported_numbers; 'vi' notation for Vietnamese, 'auto' for English);
- key figures: the salient figures the summariser chose from the record (Fact.key_values of
  toolkit.summarise.build_facts: admissions against target, totals, ratings, targets, awards...)
  present by value in each language; coverage = present / chosen;
- Vietnamese words in the English: toolkit.summarise.vietnamese_share: a word counts as Vietnamese
  when it has a letter outside ASCII (ă â đ ê ô ơ ư or a tone mark) or is in a small list of
  unmarked Vietnamese words (va, cua, cac, dang, uy...); words of person names in the record,
  provinces (gazetteer) and places named after huyện/xã/tỉnh/Huyện ủy... are set aside; must be < 15%;
- provinces: every province the summary names (toolkit.vi.places.find_provinces) is named by the article.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"


def check_summary(doc, record, summary) -> dict:
    """The issue's checks for one summary (pure; used by the probe and the tests)."""
    from toolkit.vi.numbers import same_value, values_in
    from toolkit.summarise import build_facts, foreign_provinces, article_provinces, name_tokens, source_paragraphs, vietnamese_share
    from toolkit.verify import unsupported_numbers

    sources = source_paragraphs(doc)
    vi_text = " ".join(s.text for s in summary.summary_vi)
    en_text = " ".join(s.text for s in summary.summary_en)
    facts = build_facts(doc, record)
    keys = [v for f in facts for v in f.key_values]

    def covered(text: str, notation: str) -> int:
        have = [x for vals in values_in(text, notation) for x in vals]
        return sum(any(same_value(k, h) for h in have) for k in keys)

    vi_words, words = vietnamese_share(en_text, name_tokens(doc, record))
    provinces = article_provinces(doc)
    return {
        "doc_id": doc.doc_id,
        "sentences_vi": len(summary.summary_vi),
        "sentences_en": len(summary.summary_en),
        "unsupported_vi": unsupported_numbers(vi_text, sources, "vi"),
        "unsupported_en": unsupported_numbers(en_text, sources, "auto"),
        "key_figures": len(keys),
        "key_in_vi": covered(vi_text, "vi"),
        "key_in_en": covered(en_text, "auto"),
        "en_vi_words": vi_words,
        "en_words": words,
        "en_vi_share": round(vi_words / words, 3) if words else 0.0,
        "foreign_provinces": foreign_provinces(vi_text, provinces) + foreign_provinces(en_text, provinces),
        "uncited_sentences": sum(not s.citations for s in summary.summary_vi + summary.summary_en),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="summary_probe", description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="store directory (default: a new temporary folder)")
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--template-only", action="store_true", help="no model polish (template English)")
    ap.add_argument("--fake-extract", action="store_true", help="extract without the model (deterministic labels)")
    ap.add_argument("--force", action="store_true", help="recompute cached summaries")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    corpus = Path(args.corpus)
    files = sorted(corpus.glob("*.txt")) if corpus.is_dir() else []
    if not files:
        print(f"summary_probe: no corpus at {corpus}; nothing to check", file=sys.stderr)
        return 0

    from toolkit.extract import extract_store
    from toolkit.ingest import ingest_paths
    from toolkit.llm.fake import FakeLLM
    from toolkit.settings import Settings
    from toolkit.store import Store
    from toolkit.summarise import summarise_store

    store_dir = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="summary_probe_"))
    settings = Settings(store=store_dir)
    store = Store(settings.store).ensure()
    ingest_paths(files, store, settings)
    ids = [f.stem for f in files]

    llm = None
    if not (args.template_only and args.fake_extract):
        from toolkit.llm import load_llm

        llm = load_llm(settings)
    t0 = time.perf_counter()
    records = extract_store(settings, doc_ids=ids, progress=False, llm=FakeLLM() if args.fake_extract else llm, store=store)
    t_extract = time.perf_counter() - t0

    class _NoModel:  # template-only: a model that is never good enough (every polish falls back)
        name = "template-only"

        def complete(self, messages, schema=None, max_tokens=None):
            from toolkit.errors import LLMError

            raise LLMError("template-only run")

    t0 = time.perf_counter()
    summaries = summarise_store(settings, doc_ids=ids, force=args.force, progress=False,
                                llm=_NoModel() if args.template_only else llm, store=store)
    t_sum = time.perf_counter() - t0

    rows = []
    for rec, s in zip(records, summaries):
        doc = store.get_document(s.doc_id)
        rows.append(check_summary(doc, rec, s))
    if args.json:
        print(json.dumps({"rows": rows, "summaries": [s.model_dump() for s in summaries]}, ensure_ascii=False, indent=1))
        return 0

    print(f"store: {store_dir}   model: {summaries[0].model if summaries else '-'}   extract {t_extract:.1f}s   summarise {t_sum:.1f}s")
    for s in summaries:
        print(f"\n== {s.doc_id}")
        print("[vi] " + " ".join(f"{x.text} [{','.join(c.paragraph_id for c in x.citations)}]" for x in s.summary_vi))
        print("[en] " + " ".join(f"{x.text} [{','.join(c.paragraph_id for c in x.citations)}]" for x in s.summary_en))
    print("\ndoc_id                 sent vi/en  unsupported vi/en  key figs  in vi  in en  en VI-words  provinces-not-in-article")
    tot_keys = tot_vi = tot_en = unsup = 0
    worst_share = 0.0
    bad_prov = 0
    for r in rows:
        print(f"{r['doc_id']:<22} {r['sentences_vi']:>4}/{r['sentences_en']:<4}  {len(r['unsupported_vi']):>6}/{len(r['unsupported_en']):<6}"
              f"  {r['key_figures']:>8}  {r['key_in_vi']:>5}  {r['key_in_en']:>5}  {r['en_vi_words']:>3}/{r['en_words']:<4}={r['en_vi_share']:.1%}"
              f"  {r['foreign_provinces'] or '-'}")
        if r["unsupported_vi"] or r["unsupported_en"]:
            print(f"   unsupported: vi={r['unsupported_vi']} en={r['unsupported_en']}")
        tot_keys += r["key_figures"]
        tot_vi += r["key_in_vi"]
        tot_en += r["key_in_en"]
        unsup += len(r["unsupported_vi"]) + len(r["unsupported_en"])
        worst_share = max(worst_share, r["en_vi_share"])
        bad_prov += len(r["foreign_provinces"])
    print(f"\nTOTAL unsupported numbers: {unsup}   key-figure coverage vi {tot_vi}/{tot_keys}  en {tot_en}/{tot_keys}"
          f"   worst English Vietnamese-word share {worst_share:.1%} (limit 15%)   provinces not in article: {bad_prov}")
    ok = unsup == 0 and tot_vi == tot_keys and tot_en == tot_keys and worst_share < 0.15 and bad_prov == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
