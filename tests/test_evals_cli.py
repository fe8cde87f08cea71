"""The eval harness end to end on hand-made data: scoring vs the independent scorer, report files,
--compare, --fail-under, and the runner over a tiny gold dir + corpus (FakeLLM, hash embedder).

The sample articles below are written for these tests (same genre, invented content)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
from pathlib import Path

import pytest

from evals import cli as ecli
from evals import independent_scorer, report
from evals.runner import EvalRun, ItemResult, RunMeta, score_qa

ARTICLE_A = """Đảng ủy Khối Doanh nghiệp tỉnh Hòa Sơn sơ kết công tác 6 tháng đầu năm 2023

Ngày 14/7/2023, Ban Thường vụ Đảng ủy Khối Doanh nghiệp tỉnh Hòa Sơn tổ chức Hội nghị sơ kết công tác xây dựng Đảng 6 tháng đầu năm 2023. Đồng chí Phạm Văn Lộc, Tỉnh ủy viên, Bí thư Đảng ủy Khối chủ trì hội nghị.

Trong 6 tháng đầu năm, toàn Đảng bộ Khối kết nạp mới 1.245 đảng viên, đạt 62,25% chỉ tiêu năm; hiện Đảng bộ có 7.318 đảng viên sinh hoạt ở 94 tổ chức cơ sở Đảng.

Các cấp ủy đã tổ chức 36 lớp bồi dưỡng lý luận chính trị cho 2.150 lượt đảng viên và quần chúng ưu tú.

Hội nghị đề ra nhiệm vụ 6 tháng cuối năm: phấn đấu kết nạp từ 2.000 đảng viên mới trở lên.
"""

ARTICLE_B = """Huyện ủy Đông Giang tổng kết công tác kiểm tra, giám sát năm 2022

Ngày 20-12, Huyện ủy Đông Giang tổ chức hội nghị tổng kết công tác kiểm tra, giám sát năm 2022. Đồng chí Lý Thị Mai, Bí thư Huyện ủy phát biểu chỉ đạo hội nghị.

Trong năm, Ủy ban Kiểm tra các cấp đã kiểm tra 58 tổ chức đảng và 112 đảng viên khi có dấu hiệu vi phạm; thi hành kỷ luật 9 đảng viên.

Hội nghị quán triệt Quy định số 22-QĐ/TW về công tác kiểm tra, giám sát và kỷ luật của Đảng.
"""

GOLD = [
    {"id": "t01", "lang": "vi", "kind": "fact", "question": "Trong 6 tháng đầu năm 2023, Đảng bộ Khối Doanh nghiệp tỉnh Hòa Sơn kết nạp mới bao nhiêu đảng viên?",
     "answerable": True, "must_include": [["1.245", "1,245", "1245"], ["62,25", "62.25"]], "must_not_include": [],
     "reference": "1.245 đảng viên, đạt 62,25% chỉ tiêu năm.", "evidence": ["kết nạp mới 1.245 đảng viên, đạt 62,25%"], "docs": ["a_hoason"]},
    {"id": "t02", "lang": "en", "kind": "fact", "question": "How many Party members does the Hòa Sơn business bloc have, in how many grassroots organisations?",
     "answerable": True, "must_include": [["7318", "7.318", "7,318"], ["94"]], "must_not_include": [],
     "reference": "7,318 Party members in 94 grassroots organisations.", "evidence": ["7.318 đảng viên sinh hoạt ở 94 tổ chức cơ sở Đảng"], "docs": ["a_hoason"]},
    {"id": "t03", "lang": "vi", "kind": "person", "question": "Ai là Bí thư Huyện ủy Đông Giang phát biểu chỉ đạo hội nghị?",
     "answerable": True, "must_include": [["Lý Thị Mai"]], "must_not_include": ["Phạm Văn Lộc"],
     "reference": "Đồng chí Lý Thị Mai, Bí thư Huyện ủy.", "evidence": ["Lý Thị Mai, Bí thư Huyện ủy"], "docs": ["b_donggiang"]},
    {"id": "t04", "lang": "vi", "kind": "fact", "question": "Ủy ban Kiểm tra huyện Đông Giang đã thi hành kỷ luật bao nhiêu đảng viên?",
     "answerable": True, "must_include": [["9"]], "must_not_include": [],
     "reference": "9 đảng viên.", "evidence": ["thi hành kỷ luật 9 đảng viên"], "docs": ["b_donggiang"]},
    {"id": "t05", "lang": "en", "kind": "unanswerable", "question": "What was the provincial GDP growth rate of Hòa Sơn in 2023?",
     "answerable": False, "must_include": [], "must_not_include": [], "reference": "", "evidence": [], "docs": []},
]


def _write_gold(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "qa.dev.jsonl").write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in GOLD) + "\n", encoding="utf-8")
    (d / "extract.dev.json").write_text(json.dumps({
        "a_hoason": {"date": "2023-07-14", "province": "Hòa Sơn", "people": [{"name": "Phạm Văn Lộc", "title_contains": ["Bí thư Đảng ủy Khối"]}],
                     "allowed_extra_people": [], "not_people": [], "figures": [1245, 62.25, 7318, 94, 36, 2150, 2000], "documents": []},
        "b_donggiang": {"date": "2022-12-20", "province": None, "people": [{"name": "Lý Thị Mai", "title_contains": ["Bí thư Huyện ủy"]}],
                        "allowed_extra_people": [], "not_people": [], "figures": [58, 112, 9], "documents": ["22-QĐ/TW"]},
    }, ensure_ascii=False), encoding="utf-8")
    return d


def _write_corpus(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "a_hoason.txt").write_text(ARTICLE_A, encoding="utf-8")
    (d / "b_donggiang.txt").write_text(ARTICLE_B, encoding="utf-8")
    return d


def _paragraph(article: str, needle: str) -> str:
    return next(p for p in article.split("\n\n") if needle in p)


# Canned answers: t01 right with a correct + a wrong citation, t02 right in English notation without
# diacritics, t03 violates must_not_include, t04 abstains wrongly, t05 abstains correctly.
CANNED = {
    "t01": {"id": "t01", "answer": "Kết nạp mới 1.245 đảng viên, đạt 62,25% chỉ tiêu năm.", "abstained": False, "latency_s": 0.2,
            "citations": [{"doc_id": "a_hoason", "paragraph_id": "p002", "text": _paragraph(ARTICLE_A, "1.245").replace(" đảng viên, đạt", "  đảng viên,\n đạt")},
                          {"doc_id": "a_hoason", "paragraph_id": "p003", "text": _paragraph(ARTICLE_A, "36 lớp")}]},
    "t02": {"id": "t02", "answer": "The bloc has 7,318 Party members in 94 grassroots Party organisations (Hoa Son).", "abstained": False,
            "latency_s": 1.5, "citations": [{"doc_id": "a_hoason", "paragraph_id": "p002", "text": _paragraph(ARTICLE_A, "7.318")}]},
    "t03": {"id": "t03", "answer": "Đồng chí Lý Thị Mai; đồng chí Phạm Văn Lộc chủ trì.", "abstained": False, "latency_s": 0.3,
            "citations": [{"doc_id": "b_donggiang", "paragraph_id": "p001", "text": _paragraph(ARTICLE_B, "Lý Thị Mai")}]},
    "t04": {"id": "t04", "answer": "Các nguồn hiện có không chứa thông tin này.", "abstained": True, "latency_s": 0.1, "citations": []},
    "t05": {"id": "t05", "answer": "The sources do not contain this information.", "abstained": True, "latency_s": 0.1, "citations": []},
}


# --- harness scoring vs the independent scorer ------------------------------------------------


def test_harness_and_independent_scorer_agree_on_canned_answers(tmp_path):
    gold_dir = _write_gold(tmp_path / "gold")
    answers = tmp_path / "answers.jsonl"
    answers.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in CANNED.values()), encoding="utf-8")

    items, totals = score_qa(GOLD, CANNED)
    indep = independent_scorer.score(GOLD, {a["id"]: a for a in CANNED.values()})

    # Expected by hand: t01, t02, t05 correct; t03 (must_not_include) and t04 (abstained) wrong.
    assert [i.passed for i in items] == [True, True, False, False, True]
    assert totals["answer_accuracy"] == pytest.approx(3 / 5)
    assert totals["citation_precision"] == pytest.approx(3 / 4)  # t01: 1 of 2, t02 1/1, t03 1/1
    assert totals["citation_recall"] == pytest.approx(3 / 4)  # t01, t02, t03 of 4 answerable
    assert totals["abstention_accuracy"] == pytest.approx(4 / 5)
    for k, v in indep.items():
        assert totals[k] == pytest.approx(v), k

    # and through its command line
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert independent_scorer.main(["--gold", str(gold_dir / "qa.dev.jsonl"), "--answers", str(answers), "--json"]) == 0
    assert json.loads(buf.getvalue()) == pytest.approx(indep)


def test_independent_scorer_imports_neither_toolkit_nor_metrics():
    src = Path(independent_scorer.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+(toolkit|evals)", src, re.M)


# --- reports ----------------------------------------------------------------------------------


def _canned_run(acc: float = 0.6, r5: float = 0.8) -> EvalRun:
    items, totals = score_qa(GOLD, CANNED)
    items[0].answer = "<script>alert('x')</script> & 1.245 đảng viên"
    return EvalRun(
        meta=RunMeta(model="fake", embedder="hash", git_commit="abc123", timestamp="2024-01-01T00:00:00+00:00", parts=["qa"],
                     prompt_versions={"answer": "v1"}),
        items=items + [ItemResult(part="retrieval_hybrid", id="t01", question=GOLD[0]["question"], passed=True,
                                  citations=[{"doc_id": "a_hoason", "paragraph_id": "p002", "text": "<b>bold</b> đoạn", "correct": True}])],
        totals={"qa": {**totals, "answer_accuracy": acc},
                "qa_extractive": {**totals, "answer_accuracy": acc - 0.2},
                "retrieval_bm25": {"recall@1": 0.5, "recall@5": 0.7, "mrr": 0.6},
                "retrieval_dense": {"recall@1": 0.6, "recall@5": r5, "mrr": 0.7},
                "retrieval_hybrid": {"recall@1": 0.6, "recall@5": 0.9, "mrr": 0.72}},
        notes=["summary skipped: test"],
    )


def test_report_writes_json_md_and_self_contained_escaped_html(tmp_path):
    paths = report.write(_canned_run(), tmp_path / "out" / "r.json")
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["meta"]["git_commit"] == "abc123" and data["totals"]["qa"]["answer_accuracy"] == 0.6
    assert EvalRun.model_validate(data).flat_metrics()["retrieval_hybrid.recall@5"] == 0.9

    md = paths["md"].read_text(encoding="utf-8")
    assert "`qa.answer_accuracy`" in md and "What each part adds" in md and "hybrid vs best single" in md

    page = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page  # answer text escaped
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page  # paragraph text escaped
    assert "<svg" in page and "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no external assets
    assert "<link" not in page
    # one row per item with pass / fail
    assert page.count('<tr class="pass">') + page.count('<tr class="fail">') == len(GOLD) + 1


def test_compare_prints_deltas(tmp_path, capsys):
    old = report.write(_canned_run(acc=0.6), tmp_path / "old.json")["json"]
    rows = {r["metric"]: r for r in report.compare(old, _canned_run(acc=0.8))}
    assert rows["qa.answer_accuracy"]["delta"] == pytest.approx(0.2) and rows["qa.answer_accuracy"]["better"] is True
    assert rows["qa.latency_p50_s"]["delta"] == pytest.approx(0)

    args = argparse.Namespace(report=str(tmp_path / "new.json"), compare=str(old), fail_under=[])
    assert ecli.finish(_canned_run(acc=0.4), args) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("qa.answer_accuracy "))
    assert "-0.200" in line and "WORSE" in line


# --- --fail-under ------------------------------------------------------------------------------


def test_fail_under_names_each_metric_below_threshold(tmp_path, capsys):
    args = argparse.Namespace(report=str(tmp_path / "r.json"), compare=None,
                              fail_under=["qa.answer_accuracy=0.7", "retrieval_dense.recall@5=0.9", "retrieval_hybrid.recall@5=0.85"])
    assert ecli.finish(_canned_run(acc=0.6, r5=0.8), args) == 1
    err = capsys.readouterr().err
    assert "qa.answer_accuracy" in err and "retrieval_dense.recall@5" in err
    assert "retrieval_hybrid.recall@5" not in err  # 0.9 >= 0.85

    args.fail_under = ["qa.answer_accuracy=0.6", "retrieval_hybrid.recall@5=0.9"]
    assert ecli.finish(_canned_run(acc=0.6), args) == 0

    args.fail_under = ["qa.no_such_metric=0.1"]
    assert ecli.finish(_canned_run(), args) == 1
    assert "not in this run" in capsys.readouterr().err


def test_fail_under_bad_spec_is_a_clear_error():
    with pytest.raises(ecli.EvalArgsError, match="METRIC=VALUE"):
        ecli.parse_thresholds(["qa.answer_accuracy"])
    with pytest.raises(ecli.EvalArgsError):
        ecli.parse_thresholds(["qa.answer_accuracy=high"])


def test_main_exits_1_through_toolkit_cli_when_a_metric_drops(tmp_path, monkeypatch, capsys):
    """`toolkit evals ... --fail-under` end to end through argparse, with the runner stubbed."""
    import evals.runner
    from toolkit.cli import main as toolkit_main

    seen = {}

    def fake_run(settings, gold, corpus, parts, **kw):
        seen.update(gold=gold, corpus=corpus, parts=parts, store=settings.store)
        return _canned_run(acc=0.5)

    monkeypatch.setattr(evals.runner, "run", fake_run)
    gold, corpus = _write_gold(tmp_path / "g"), _write_corpus(tmp_path / "c")
    base = ["evals", "--gold", str(gold), "--corpus", str(corpus), "--store", str(tmp_path / "s"), "--report", str(tmp_path / "r.json"), "--only", "qa"]
    assert toolkit_main(base + ["--fail-under", "qa.answer_accuracy=0.6"]) == 1
    assert "qa.answer_accuracy = 0.5000 is below 0.6" in capsys.readouterr().err
    assert seen["parts"] == ["qa"] and seen["gold"] == [gold] and seen["corpus"] == [corpus] and Path(seen["store"]) == tmp_path / "s"
    assert toolkit_main(base + ["--fail-under", "qa.answer_accuracy=0.5"]) == 0
    assert (tmp_path / "r.html").exists() and (tmp_path / "r.md").exists()
    # standalone `evals` script: same options; a missing gold folder is a one-line error
    assert ecli.standalone(["--gold", str(tmp_path / "nope"), "--corpus", str(corpus), "--report", str(tmp_path / "x.json")]) == 1
    assert "nope: not a folder; pass --gold DIR" in capsys.readouterr().err


# --- the runner on a tiny gold dir + corpus -----------------------------------------------------

_MISSING = [m for m in ("toolkit.ingest", "toolkit.index", "toolkit.answer") if importlib.util.find_spec(m) is None]


@pytest.mark.skipif(bool(_MISSING), reason=f"runner needs modules not written yet: {', '.join(_MISSING)}")
def test_runner_over_tiny_gold_with_fake_llm_and_hash_embedder(tmp_path, tmp_settings):
    from evals.runner import run
    from toolkit.llm.fake import FakeLLM

    gold, corpus = _write_gold(tmp_path / "gold"), _write_corpus(tmp_path / "corpus")
    llm = FakeLLM(default="The bloc has 7,318 Party members in 94 grassroots Party organisations.")
    tmp_settings.answer = tmp_settings.answer.model_copy(update={"use_model": True})  # the model route and its extractive baseline
    ev = run(tmp_settings, gold, corpus, ["qa"], llm=llm)

    assert {"qa", "qa_extractive", "retrieval_bm25", "retrieval_dense", "retrieval_hybrid"} <= set(ev.totals)
    assert [i.id for i in ev.items if i.part == "qa"] == [g["id"] for g in GOLD]
    # every answerable question's evidence paragraph is in the top 5 of a 2-article corpus
    assert ev.totals["retrieval_bm25"]["recall@5"] == 1.0
    assert ev.totals["retrieval_hybrid"]["n"] == 4
    for part in ("qa", "qa_extractive"):
        t = ev.totals[part]
        assert t["n"] == 5 and 0.0 <= t["answer_accuracy"] <= 1.0 and t["abstention_accuracy"] is not None
    # the extractive baseline never calls the model
    assert all(i.route != "model" for i in ev.items if i.part == "qa_extractive")
    assert ev.meta.git_commit and ev.meta.settings["embed"]["name"] == "hash" and ev.meta.timestamp
    # a second run finds the corpus already ingested and scores the same
    ev2 = run(tmp_settings, gold, corpus, ["qa"], llm=FakeLLM(default=llm.default))
    assert ev2.totals["qa_extractive"]["answer_accuracy"] == ev.totals["qa_extractive"]["answer_accuracy"]
    assert ev2.totals["retrieval_bm25"]["recall@5"] == ev.totals["retrieval_bm25"]["recall@5"]
    paths = report.write(ev, tmp_path / "rep.json")
    assert "t05" in paths["html"].read_text(encoding="utf-8")
    # the independent scorer, reading the answers file the report wrote, agrees with the harness
    lines = [json.loads(x) for x in paths["answers"].read_text(encoding="utf-8").splitlines()]
    indep = independent_scorer.score(GOLD, {d["id"]: d for d in lines})
    for k, v in indep.items():
        assert ev.totals["qa"][k] == pytest.approx(v), k


def test_score_summaries_coverage_unsupported_and_rouge():
    pytest.importorskip("toolkit.verify", reason="toolkit.verify not written yet")
    from evals.runner import score_summaries

    rows = [{"doc_id": "a_hoason",
             "summary_vi": "Ngày 14/7/2023, Đảng ủy Khối kết nạp mới 1.245 đảng viên, đạt 62,25% chỉ tiêu.",
             "summary_en": "On 14 July 2023 the bloc admitted 1,245 new members (62.25% of the target) and 9,999 others."}]
    gold_summary = {"a_hoason": {"key_figures": [1245, 62.25, 7318, 94], "reference_vi": "Kết nạp mới 1.245 đảng viên, đạt 62,25% chỉ tiêu năm."}}
    items, totals = score_summaries(rows, {"a_hoason": ARTICLE_A}, gold_summary, None)
    assert totals["key_figure_coverage_vi"] == pytest.approx(0.5) and totals["key_figure_coverage_en"] == pytest.approx(0.5)
    assert totals["unsupported_numbers_vi"] == 0 and totals["unsupported_numbers_en"] >= 1  # 9,999 is in no source
    assert 0 < totals["rouge1_vi"] <= 1 and "rouge1_en" not in totals  # no English reference
    by_id = {i.id: i for i in items}
    assert by_id["a_hoason:vi"].passed and not by_id["a_hoason:en"].passed
    # without summary gold, key figures fall back to the extraction gold's figures
    _, t2 = score_summaries(rows, {"a_hoason": ARTICLE_A}, None, {"a_hoason": {"figures": [1245]}})
    assert t2["key_figure_coverage_vi"] == 1.0


def test_score_extraction_uses_extract_metrics():
    pytest.importorskip("evals.extract_metrics", reason="evals/extract_metrics.py not written yet")
    from evals.runner import score_extraction

    gold = json.loads(_write_gold_tmp().joinpath("extract.dev.json").read_text(encoding="utf-8"))
    para = _paragraph(ARTICLE_A, "Phạm Văn Lộc")
    ev = lambda q: {"doc_id": "a_hoason", "paragraph_id": "p001", "quote": q, "start": para.index(q), "end": para.index(q) + len(q)}  # noqa: E731
    rec = {"doc_id": "a_hoason", "title": "t", "date": "2023-07-14", "province": "Hòa Sơn",
           "people": [{"name": "Phạm Văn Lộc", "title": "Tỉnh ủy viên, Bí thư Đảng ủy Khối", "role": "chair", "evidence": ev("Phạm Văn Lộc")}],
           "figures": [], "documents": [], "awards": []}
    items, totals = score_extraction([rec], gold, {"a_hoason": ARTICLE_A, "b_donggiang": ARTICLE_B})
    assert totals["people_recall"] > 0 and "figure_recall" in totals
    assert any(i.id == "a_hoason" for i in items)


def _write_gold_tmp() -> Path:
    import tempfile

    return _write_gold(Path(tempfile.mkdtemp()) / "gold")


# --- bench helpers (no model) -------------------------------------------------------------------


def test_synthetic_documents_are_valid_and_vietnamese_notation():
    import random

    from evals.bench import synthetic_document

    d = synthetic_document(random.Random(1), 42)
    assert d.doc_id == "syn_000042" and len(d.body) == 4
    for p in d.paragraphs:
        assert d.text[p.start:p.end] == p.text
    assert re.search(r"\d{1,3}(\.\d{3})+ đảng viên|\d{1,3} đảng viên", d.text)  # thousands with dots
    assert synthetic_document(random.Random(1), 42).text == d.text  # deterministic


def test_timed_llama_records_calls_and_replay_uses_same_kwargs():
    from evals.bench import TimedLlama, replay_raw, table

    class FakeLlama:
        def __init__(self):
            self.seen, self.resets = [], 0

        def reset(self):
            self.resets += 1

        def create_chat_completion(self, **kw):
            self.seen.append(kw)
            return {"usage": {"prompt_tokens": 10, "completion_tokens": 2}}

    inner = FakeLlama()
    timed = TimedLlama(inner)
    kw = {"messages": [{"role": "user", "content": "Hỏi?"}], "max_tokens": 8, "response_format": {"type": "json_object"}}
    timed.create_chat_completion(**kw)
    timed.reset()
    assert len(timed.calls) == 1 and timed.calls[0]["kwargs"] == kw and inner.resets == 1
    r = replay_raw(inner, timed.calls)
    assert inner.seen == [kw, kw] and r["calls"] == 1 and r["raw_seconds"] >= 0
    text = table({"ingest": {"docs": 5, "docs_per_s": 10.0, "chars_per_s": 1000.0, "index_seconds": 1.0, "chunks": 9, "embedder": "hash"},
                  "raw_answer": {**r, "overhead_ratio": 1.05, "pipeline_seconds": 1.0}, "peak_rss_mb": 100.0, "notes": ["n1"]})
    assert "pipeline overhead answer (goal <= 1.15)" in text and "x1.05" in text and "note: n1" in text


def test_combine_paired_replays_gives_overhead_and_token_rates():
    from evals.bench import _combine

    r1 = {"raw_seconds": 1.0, "prompt_tokens_evaluated": 100, "generated_tokens": 10, "prompt_tok_s": 100.0, "gen_tok_s": 10.0,
          "pipeline": {"prompt_tokens_evaluated": 100, "generated_tokens": 10, "prompt_tok_s": 50.0, "gen_tok_s": 10.0}}
    r2 = {**r1, "raw_seconds": 3.0, "prompt_tokens_evaluated": 300, "prompt_tok_s": 300.0}
    r2["pipeline"] = {**r1["pipeline"], "prompt_tokens_evaluated": 300}
    c = _combine([(1.2, [{"seconds": 1.1}], r1), (3.3, [{"seconds": 3.1}], r2)])
    assert c["overhead_ratio"] == pytest.approx(4.5 / 4.0) and c["calls"] == 2
    assert c["prompt_tok_s"] == pytest.approx(400 / 2.0)  # 1 s + 1 s of prompt evaluation
    assert c["gen_tok_s"] == pytest.approx(10.0)
