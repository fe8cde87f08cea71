"""Print the extraction gold metrics for the records in a store (and optionally make them first).

    python -m evals.extract_probe --store DIR                 # score the stored records
    python -m evals.extract_probe --store DIR --run [--force] [--no-reuse] [DOC...]
                                                              # extract first (real model), then score

--no-reuse clears llama.cpp's KV cache before every call, to measure what the shared prefix saves.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = REPO_ROOT.parent / "shared" / "gold"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="extract_probe", description=__doc__.splitlines()[0])
    ap.add_argument("docs", nargs="*")
    ap.add_argument("--store", default=os.environ.get("TOOLKIT_STORE"), help="store directory")
    ap.add_argument("--gold", default=str(DEFAULT_GOLD), help="gold folder with extract.dev.json")
    ap.add_argument("--run", action="store_true", help="extract first (uses the configured model)")
    ap.add_argument("--force", action="store_true", help="with --run: ignore cached records")
    ap.add_argument("--no-reuse", action="store_true", help="with --run: clear the KV cache before every model call")
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = ap.parse_args(argv)

    from evals.extract_metrics import score_records
    from toolkit.settings import Settings
    from toolkit.store import Store

    settings = Settings(**({"store": Path(args.store)} if args.store else {}))
    store = Store(settings.store)
    gold_path = Path(args.gold) / "extract.dev.json"
    if not gold_path.exists():
        print(f"error: {gold_path} not found; pass --gold DIR", file=sys.stderr)
        return 2
    gold = json.loads(gold_path.read_text(encoding="utf-8"))

    if args.run:
        from toolkit.extract import extract_store
        from toolkit.llm import load_llm

        llm = load_llm(settings)
        if args.no_reuse:
            llm.reuse_prefix = False
        records = extract_store(settings, doc_ids=args.docs or None, force=args.force, progress=False, llm=llm)
        for r in records:
            print(f"{r.doc_id}: {r.seconds:.1f}s rejected={r.rejected} people={len(r.people)} figures={len(r.figures)} "
                  f"documents={len(r.documents)} (reuse_prefix={getattr(llm, 'reuse_prefix', None)})")
    else:
        records = store.records()
        if args.docs:
            records = [r for r in records if r.doc_id in set(args.docs)]

    docs = {d.doc_id: d for d in store.documents()}
    texts = {i: d.text for i, d in docs.items()}
    result = score_records([r.model_dump(mode="json") for r in records], gold, texts)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    for k, v in result.items():
        if k != "per_doc":
            print(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}")
    for doc_id, d in result["per_doc"].items():
        brief = {k: v for k, v in d.items() if v not in (None, [], {})}
        print(f"  {doc_id}: {json.dumps(brief, ensure_ascii=False)}")
    secs = [r.seconds for r in records]
    if secs:
        print(f"seconds per article (as recorded): {sum(secs) / len(secs):.1f} ({', '.join(f'{s:.1f}' for s in secs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
