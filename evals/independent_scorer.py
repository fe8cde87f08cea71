"""An independent scorer of the Q&A gold format, written from ../shared/gold/README.md only.

It imports neither `toolkit` nor `evals.metrics` (its own number parser and normalisation), so it
can cross-check the harness:

    python -m evals.independent_scorer --gold ../shared/gold/qa.dev.jsonl --answers OUT.jsonl [--json]

OUT.jsonl is the `toolkit ask --questions FILE --out OUT.jsonl` format:
{"id", "question", "answer", "abstained", "citations": [{"doc_id", "paragraph_id", "text"}], "latency_s"}.

Definitions (from the README, aggregation as documented in evals/README.md):
- answer accuracy: answerable -> not abstained, every must_include group has one alternative in
  the answer, no must_not_include string; unanswerable -> abstained, cites nothing, no
  must_not_include string. Mean over all items.
- citation precision: correct citations / all citations on answerable items; a citation is correct
  when its text contains an evidence string after NFC and whitespace folding. Citation recall:
  share of answerable items with at least one correct citation.
- abstention accuracy: unanswerable -> abstained with no citations; answerable -> not abstained.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata

_NUM_TOKEN = re.compile(r"(?<![\w])\d+(?:[.,]\d+)*")
_ONLY_NUMBER = re.compile(r"^\s*\d[\d.,]*\s*%?\s*$")


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s or "")


def _spaces(s: str) -> str:
    return " ".join(_nfc(s).split())


def _plain(s: str) -> str:
    return _spaces(s).casefold()


def _no_marks(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def _readings(tok: str) -> set[float]:
    """Values a number token can mean in Vietnamese ('.' thousands, ',' decimal) or English notation."""
    out: set[float] = set()
    if re.fullmatch(r"\d+", tok):
        return {float(tok)}
    for thousands, decimal in ((".", ","), (",", ".")):
        whole, _, frac = tok.partition(decimal)
        if decimal in frac:
            continue
        groups = whole.split(thousands)
        if any(not g.isdigit() for g in groups) or (frac and not frac.isdigit()):
            continue
        if len(groups) > 1 and (any(len(g) != 3 for g in groups[1:]) or len(groups[0]) > 3):
            continue
        out.add(float("".join(groups) + ("." + frac if frac else "")))
    return out


def _numbers(text: str) -> list[set[float]]:
    return [_readings(m.group(0)) for m in _NUM_TOKEN.finditer(_nfc(text))]


def _has(answer: str, alt: str, lang: str) -> bool:
    if _ONLY_NUMBER.match(alt):
        want = _readings(alt.strip().rstrip("%").strip())
        return any(abs(a - w) < 1e-9 for vals in _numbers(answer) for a in vals for w in want)
    a, b = _plain(answer), _plain(alt)
    if b and b in a:
        return True
    return lang == "en" and bool(b) and _no_marks(b) in _no_marks(a)


def _cites_evidence(text: str, evidence: list[str]) -> bool:
    hay = _spaces(text)
    return any(_spaces(e) and _spaces(e) in hay for e in evidence)


def score(gold: list[dict], answers: dict[str, dict]) -> dict[str, float | None]:
    acc, abst, n_cit, n_ok, n_ans, n_hit = [], [], 0, 0, 0, 0
    for g in gold:
        a = answers.get(str(g["id"]), {})
        text, abstained, cits = a.get("answer", "") or "", bool(a.get("abstained")), a.get("citations") or []
        lang = g.get("lang", "vi")
        clean = not any(_has(text, s, lang) for s in g.get("must_not_include") or [])
        if g.get("answerable", True):
            acc.append((not abstained) and clean and all(any(_has(text, alt, lang) for alt in grp) for grp in g.get("must_include") or []))
            abst.append(not abstained)
            flags = [_cites_evidence(c.get("text", ""), g.get("evidence") or []) for c in cits]
            n_ans += 1
            n_cit += len(flags)
            n_ok += sum(flags)
            n_hit += any(flags)
        else:
            acc.append(abstained and not cits and clean)
            abst.append(abstained and not cits)
    return {
        "answer_accuracy": sum(acc) / len(acc) if acc else None,
        "citation_precision": n_ok / n_cit if n_cit else None,
        "citation_recall": n_hit / n_ans if n_ans else None,
        "abstention_accuracy": sum(abst) / len(abst) if abst else None,
    }


def _jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="independent_scorer", description=__doc__.splitlines()[0])
    p.add_argument("--gold", required=True, help="qa.dev.jsonl")
    p.add_argument("--answers", required=True, help="answers JSONL from `toolkit ask --questions ... --out ...`")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    result = score(_jsonl(a.gold), {str(d["id"]): d for d in _jsonl(a.answers)})
    if a.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:<20} {'-' if v is None else f'{v:.4f}'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
