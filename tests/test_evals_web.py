"""The harness on the web dev set's shapes: gold loading under both file names, the tuning / check
halves, false-abstention and wrong-answer rates, the paired McNemar comparison, figure-label
scoring, chrome figures, and skipping a corpus folder that is absent.

Articles and names below are invented for these tests."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from evals import chrome, gold, paired, report
from evals import extract_metrics as X
from evals import metrics as M
from evals.results import EvalRun, ItemResult
from evals.scoring import extraction_breakdown, qa_breakdown, score_qa

REPO = Path(__file__).resolve().parents[1]
WEB_GOLD = gold.shared_dir() / "gold" / "web"
WEB_CORPUS = REPO / ".cache" / "webcorpus"


# --- gold loading ------------------------------------------------------------------------------


def _q(qid, docs, lang="vi", answerable=True, **kw):
    return {"id": qid, "lang": lang, "question": f"câu hỏi {qid}?", "answerable": answerable, "docs": docs,
            "must_include": kw.get("must_include", [["12"]] if answerable else []),
            "must_not_include": kw.get("must_not_include", []), "evidence": kw.get("evidence", ["kết nạp 12 đảng viên"])}


def _write(dirpath: Path, files: dict[str, object]) -> Path:
    dirpath.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if name.endswith(".jsonl"):
            text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in content)
        else:
            text = json.dumps(content, ensure_ascii=False)
        (dirpath / name).write_text(text, encoding="utf-8")
    return dirpath


def test_web_file_names_and_dev_file_names_both_load(tmp_path):
    web = _write(tmp_path / "web", {"qa.jsonl": [_q("x-q1", ["x01"])], "extract.json": {"x01": {"date": None}},
                                    "manifest.json": [{"doc": "x03", "url": "u"}]})
    dev = _write(tmp_path / "gold", {"qa.dev.jsonl": [_q("d1", ["a_doc"])], "extract.dev.json": {"a_doc": {}}})
    w, d = gold.load_gold_sets([web, dev])
    assert (w.name, d.name) == ("web", "dev")
    assert [q["id"] for q in w.qa] == ["x-q1"] and "x01" in w.extract
    assert w.doc_ids() == {"x01", "x03"} and d.doc_ids() == {"a_doc"}
    # two folders of the same name stay apart
    other = _write(tmp_path / "b" / "web", {"qa.jsonl": [_q("y1", [])]})
    assert [s.name for s in gold.load_gold_sets([web, other])] == ["web", "web2"]


def test_a_broken_gold_line_names_the_file_and_line(tmp_path):
    (tmp_path / "qa.jsonl").write_text('{"id": "a", "question": "q"}\n{not json\n', encoding="utf-8")
    with pytest.raises(gold.GoldError, match=r"qa.jsonl:2: not JSON"):
        gold.load_gold_set(tmp_path)


# --- halves ------------------------------------------------------------------------------------


def test_half_split_odd_is_tuning_even_is_check_dev_ids_have_none():
    assert [gold.half_of_doc(d) for d in ("w01", "w02", "w29", "w30", "x7")] == ["tune", "check", "tune", "check", "tune"]
    assert gold.half_of_doc("000_e50d61db275e66f8") == "all"
    assert gold.half_of_question(_q("w-q005", ["w02"])) == "check"
    assert gold.half_of_question(_q("w-q006", ["w03", "w11"])) == "tune"  # documents agree: their half
    # documents in both halves, or none: the parity of the question's own number
    assert gold.half_of_question(_q("w-q107", ["w06", "w07"])) == "tune"
    assert gold.half_of_question(_q("w-q108", ["w06", "w07"])) == "check"
    assert gold.half_of_question(_q("w-q104", [], answerable=False)) == "check"
    assert gold.half_of_question(_q("d07", ["001_d929c2c2327d43ea"])) == "all"
    # a set without numbered documents has no halves, not even for its unanswerable questions
    dev = [_q("d07", ["001_d929c2c2327d43ea"]), _q("d25", [], answerable=False)]
    assert not gold.has_halves(dev) and gold.has_halves([_q("w-q1", ["w01"])])
    assert gold.half_of_question(dev[1], halved=gold.has_halves(dev)) == "all"


# --- Q&A rates -----------------------------------------------------------------------------------


def test_false_abstention_and_wrong_answer_rates():
    # (answerable, abstained): 1 of 4 answerable abstained
    assert M.false_abstention_rate([(True, True), (True, False), (True, False), (True, False), (False, True)]) == 0.25
    assert M.false_abstention_rate([(False, True)]) is None
    # (correct, abstained): answered-but-wrong over all; abstentions are never wrong answers
    assert M.wrong_answer_rate([(True, False), (False, False), (False, True), (False, False)]) == 0.5
    assert M.wrong_answer_rate([]) is None
    assert M.unanswerable_abstention_rate([(False, True, 0), (False, True, 1), (False, False, 0), (True, False, 0)]) == pytest.approx(1 / 3)


GOLD = [
    _q("w-q001", ["w01"]),                     # tune, answered right
    _q("w-q002", ["w01"], lang="en"),          # tune, abstained (false abstention)
    _q("w-q003", ["w02"]),                     # check, answered wrong
    _q("w-q004", ["w04"], lang="en"),          # check, answered right, one bad citation
    _q("w-q101", [], answerable=False, must_not_include=["31"]),  # tune (odd id), trap answered
    _q("w-q102", [], lang="en", answerable=False),                # check, abstained
]
GOOD = {"doc_id": "w01", "paragraph_id": "p1", "text": "Huyện đã kết nạp 12 đảng viên mới."}
BAD = {"doc_id": "w04", "paragraph_id": "p2", "text": "Đoạn khác."}
ANSWERS = {
    "w-q001": {"answer": "Kết nạp 12 đảng viên.", "abstained": False, "citations": [GOOD], "latency_s": 1.0},
    "w-q002": {"answer": "", "abstained": True, "citations": [], "latency_s": 2.0},
    "w-q003": {"answer": "Kết nạp 21 đảng viên.", "abstained": False, "citations": [GOOD], "latency_s": 3.0},
    "w-q004": {"answer": "12 members were admitted.", "abstained": False, "citations": [GOOD, BAD], "latency_s": 4.0},
    "w-q101": {"answer": "Năm 2021 có 31.", "abstained": False, "citations": [], "latency_s": 5.0},
    "w-q102": {"answer": "Not stated.", "abstained": True, "citations": [], "latency_s": 6.0},
}


def test_score_qa_totals_and_breakdown_by_half_and_language():
    items, t = score_qa(GOLD, ANSWERS, gold_set="web")
    assert [i.half for i in items] == ["tune", "tune", "check", "check", "tune", "check"]
    assert t["answer_accuracy"] == pytest.approx(3 / 6)  # q001, q004, q102
    assert t["false_abstention_rate"] == pytest.approx(1 / 4)
    assert t["wrong_answer_rate"] == pytest.approx(2 / 6)  # q003 wrong, q101 trap answered
    assert t["unanswerable_abstention"] == 0.5 and t["traps_answered"] == 1
    assert t["citation_recall"] == pytest.approx(3 / 4) and t["citation_precision"] == pytest.approx(3 / 4)
    br = qa_breakdown(items)
    assert list(br)[:4] == ["vi", "en", "tune", "check"]
    assert br["tune"]["n"] == 3 and br["tune"]["answer_accuracy"] == pytest.approx(1 / 3)
    assert br["tune"]["false_abstention_rate"] == 0.5 and br["tune"]["wrong_answer_rate"] == pytest.approx(1 / 3)
    assert br["check"]["answer_accuracy"] == pytest.approx(2 / 3) and br["check"]["false_abstention_rate"] == 0.0
    assert br["check.en"]["n"] == 2 and br["check.en"]["answer_accuracy"] == 1.0
    assert br["check.en"]["latency_p50_s"] == pytest.approx(5.0)
    assert br["tune.vi"]["unanswerable_abstention"] == 0.0 and br["check.en"]["unanswerable_abstention"] == 1.0
    # dev-style ids have no halves: only languages
    dev_items, _ = score_qa([_q("d1", ["001_abc"]), _q("d2", [], lang="en", answerable=False)],
                            {"d1": ANSWERS["w-q001"], "d2": ANSWERS["w-q102"]})
    assert list(qa_breakdown(dev_items)) == ["vi", "en"]


# --- paired comparison -------------------------------------------------------------------------


def test_mcnemar_exact_on_hand_computed_values():
    assert paired.mcnemar_exact(0, 0) == 1.0
    assert paired.mcnemar_exact(6, 0) == pytest.approx(2 / 64)            # 2 * (1/2)^6
    assert paired.mcnemar_exact(9, 1) == pytest.approx(2 * 11 / 1024)      # 2 * (C(10,0) + C(10,1)) / 2^10
    assert paired.mcnemar_exact(3, 5) == pytest.approx(2 * 93 / 256)       # 2 * (1 + 8 + 28 + 56) / 2^8
    assert paired.mcnemar_exact(4, 4) == 1.0
    assert paired.mcnemar_exact(2, 9) == paired.mcnemar_exact(9, 2)


def test_paired_counts_shared_items_and_says_noise_or_not():
    old = {f"q{i}": False for i in range(20)} | {"only_old": True}
    new = {f"q{i}": i < 7 for i in range(20)} | {"only_new": False}
    r = paired.paired(old, new)
    assert (r["n"], r["improved"], r["worsened"], r["both_fail"]) == (20, 7, 0, 13)
    assert r["p_value"] == pytest.approx(2 / 128) and "larger than the noise of 20 questions" in r["verdict"]
    small = paired.paired({"a": False, "b": True, "c": False}, {"a": True, "b": False, "c": True})
    assert small["improved"] == 2 and small["worsened"] == 1 and "within noise" in small["verdict"]


def _run_with(correct: dict[str, bool]) -> EvalRun:
    return EvalRun(items=[ItemResult(part="qa", id=k, gold_set="web", scores={"answer_correct": v}, passed=v)
                          for k, v in correct.items()],
                   totals={"web.qa": {"answer_accuracy": sum(correct.values()) / len(correct)}})


def test_compare_prints_a_paired_verdict(tmp_path, capsys):
    from evals import cli as ecli

    old = report.write(_run_with({f"q{i}": False for i in range(12)}), tmp_path / "old.json")["json"]
    args = argparse.Namespace(report=str(tmp_path / "new.json"), compare=str(old), fail_under=[])
    assert ecli.finish(_run_with({f"q{i}": i < 8 for i in range(12)}), args) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("web.qa.answer_correct"))
    assert "+8 / -0" in line and "larger than the noise of 12 questions" in line


# --- extraction: titles, labels, chrome ---------------------------------------------------------

ARTICLE = """Thứ Ba, 14/3/2023 | 08:15 [GMT+7]
1.204 lượt xem
Hải Lâm: 29°C - 34°C
 date 2023-03 Sáng 13/3, Huyện ủy Tân Phước tổng kết công tác năm 2022. Đồng chí Trịnh Văn Khải, Bí thư Huyện ủy chủ trì.
Năm 2022, toàn huyện kết nạp 312 đảng viên mới, đạt 104% chỉ tiêu; thu ngân sách đạt 1.250 tỷ đồng.
Tiếng Việt | English
In bài này"""


def _fig(value, raw, quote, label=""):
    return {"value": value, "raw": raw, "label": label, "evidence": {"quote": quote, "start": 0, "end": len(quote)}}


def test_chrome_lines_and_the_date_marker_are_chrome_body_is_not():
    lines = ARTICLE.split("\n")
    assert [chrome.is_chrome_line(x) for x in lines] == [True, True, True, False, False, True, True]
    spans = chrome.chrome_spans(ARTICLE)
    marker = next(ARTICLE[a:b] for a, b in spans if "date" in ARTICLE[a:b])
    assert marker == " date 2023-03"  # the body after the marker on the same line stays body
    assert not chrome.is_chrome_line("Đại hội bầu 35 đồng chí vào Ban Chấp hành, nhiệt độ không phải chủ đề.")


def test_figures_from_chrome():
    body = _fig(312, "312", "kết nạp 312 đảng viên mới")
    weather = _fig(29, "29", "29°C - 34°C")
    counter = _fig(1204, "1.204", "1.204 lượt xem")
    clock = _fig(8.15, "08:15", "08:15 [GMT+7]")
    marker = _fig(2023, "2023", "date 2023-03")
    invented = _fig(77, "77", "kết nạp 77 đảng viên")  # not in the text at all
    after_marker = _fig(13, "13", "Sáng 13/3, Huyện ủy")
    flags = [chrome.figure_from_chrome(f, ARTICLE) for f in (body, weather, counter, clock, marker, invented, after_marker)]
    assert flags == [False, True, True, True, True, True, False]
    rec = {"doc_id": "x02", "figures": [body, weather, counter]}
    res = X.score_records([rec], {"x02": {"figures": [312]}}, {"x02": ARTICLE})
    assert res["figures_from_chrome"] == 2 and res["figures_from_chrome_list"] == ["x02:29", "x02:1.204"]


def test_figure_labels_nfc_casefold_and_value_match():
    rec = {"figures": [_fig(312, "312", "q", label="Số ĐẢNG VIÊN kết nạp mới"),
                       _fig(104, "104%", "q", label="tỷ lệ so với năm trước"),
                       _fig(1250, "1.250", "q", label="Thu nga\u0302n sa\u0301ch")]}  # NFD label
    g = {"figure_labels": [{"value": 312, "label_contains": ["kết nạp"]},
                           {"value": 104, "label_contains": ["chỉ tiêu"]},
                           {"value": 1250, "label_contains": ["ngân sách"]},
                           {"value": 9, "label_contains": ["tổ chức"]}]}
    assert X.label_correct(rec, 312, ["đảng viên"]) and not X.label_correct(rec, 312, ["ngân sách"])
    ok, total, missed = X.labels_found(rec, g)
    assert (ok, total, missed) == (2, 4, [104.0, 9.0])


def test_titles_count_only_found_people_with_a_wanted_title():
    rec = {"people": [{"name": "Trịnh Văn Khải", "title": "Bí thư Huyện ủy"}, {"name": "Lò Thị Mai", "title": "Phó Chủ tịch"}]}
    g = {"people": [{"name": "Trịnh Văn Khải", "title_contains": ["Bí thư Huyện ủy"]},
                    {"name": "Lò Thị Mai", "title_contains": ["Chủ tịch UBND huyện"]},
                    {"name": "Hà Văn Sơn", "title_contains": ["Trưởng ban"]},  # not found: people recall's business
                    {"name": "Vi Văn Tú", "title_contains": []}]}
    assert X.titles_found(rec, g) == (1, 2)


def test_extraction_breakdown_per_half():
    texts = {"x01": ARTICLE, "x02": ARTICLE}
    recs = [{"doc_id": "x01", "date": "2023-03-13", "figures": [_fig(312, "312", "kết nạp 312 đảng viên mới", "kết nạp")]},
            {"doc_id": "x02", "date": None, "figures": [_fig(29, "29", "29°C - 34°C")]}]
    g = {"x01": {"date": "2023-03-13", "figures": [312], "figure_labels": [{"value": 312, "label_contains": ["kết nạp"]}]},
         "x02": {"date": "2023-03-13", "figures": [312]}}
    br = extraction_breakdown(recs, g, texts)
    assert br["tune"]["date_accuracy"] == 1.0 and br["tune"]["figure_label_accuracy"] == 1.0 and br["tune"]["figures_from_chrome"] == 0
    assert br["check"]["date_accuracy"] == 0.0 and br["check"]["figure_recall"] == 0.0 and br["check"]["figures_from_chrome"] == 1
    assert extraction_breakdown(recs, {"000_abc": {}}, texts) == {}


# --- corpus folders ------------------------------------------------------------------------------


def test_an_absent_corpus_folder_is_skipped_with_a_note(tmp_path):
    present = tmp_path / "corpus"
    present.mkdir()
    (present / "y01.txt").write_text("Bài viết.", encoding="utf-8")
    notes: list[str] = []
    paths = gold.corpus_paths([tmp_path / "webcorpus", present], [".txt"], notes)
    assert [p.name for p in paths] == ["y01.txt"]
    assert len(notes) == 1 and "webcorpus absent: skipped" in notes[0]
    with pytest.raises(gold.GoldError, match="no article files"):
        gold.corpus_paths([tmp_path / "nothing"], [".txt"], [])


def test_suite_web_dev_resolves_both_golds_and_both_corpora():
    from evals import cli as ecli

    if not (WEB_GOLD.is_dir() and (gold.shared_dir() / "gold" / "qa.dev.jsonl").exists()):
        pytest.skip("../shared/gold (web and dev) not present")
    g, c = ecli.resolve_dirs(argparse.Namespace(gold=None, corpus=None, suite="web+dev"))
    assert [p.name for p in g] == ["web", "gold"] and [p.name for p in c] == ["webcorpus", "corpus"]
    g, c = ecli.resolve_dirs(argparse.Namespace(gold=None, corpus=None, suite=None))
    assert [p.name for p in g] == ["gold"]


# --- the real web gold (skipped when absent) -----------------------------------------------------


def test_real_web_gold_loads_and_both_halves_hold_questions_and_documents():
    if not WEB_GOLD.is_dir():
        pytest.skip("../shared/gold/web not present")
    gs = gold.load_gold_set(WEB_GOLD)
    assert gs.name == "web" and len(gs.qa) >= 100 and len(gs.extract) == 30
    halves = [gold.half_of_question(q) for q in gs.qa]
    assert set(halves) == {"tune", "check"}
    assert min(halves.count("tune"), halves.count("check")) >= 0.4 * len(halves)
    assert {gold.half_of_doc(d) for d in gs.extract} == {"tune", "check"}


def test_real_web_gold_evidence_never_lies_in_chrome():
    """The chrome definition must not swallow article content: no Q&A evidence string and no gold
    figure's number in a body sentence sits inside a chrome span of the fetched texts."""
    if not (WEB_GOLD.is_dir() and WEB_CORPUS.is_dir()):
        pytest.skip(".cache/webcorpus or ../shared/gold/web not present")
    gs = gold.load_gold_set(WEB_GOLD)
    checked = 0
    for q in gs.qa:
        for d in q.get("docs") or []:
            path = WEB_CORPUS / f"{d}.txt"
            if not path.exists():
                continue
            raw = path.read_text(encoding="utf-8")
            spans = chrome.chrome_spans(raw)
            for e in q.get("evidence") or []:
                pos = raw.find(e)
                while pos >= 0:
                    checked += 1
                    assert not any(a <= pos < b for a, b in spans), (q["id"], e)
                    pos = raw.find(e, pos + 1)
    assert checked > 0


def test_paired_compare_pairs_by_id_across_old_reports_without_set_names():
    old = [ItemResult(part="qa", id=f"w-q{i:03d}", scores={"answer_correct": False}) for i in range(10)]
    new = [ItemResult(part="qa", id=f"w-q{i:03d}", gold_set="web", scores={"answer_correct": i < 3}) for i in range(12)]
    new.append(ItemResult(part="qa", id="d01", gold_set="dev", scores={"answer_correct": True}))
    rows = paired.compare_runs(old, new)
    assert [(r["part"], r["gold_set"], r["metric"], r["n"], r["improved"]) for r in rows] == [("qa", "web", "answer_correct", 10, 3)]


def test_breakdown_tables_in_console_markdown_and_html(tmp_path):
    items, totals = score_qa(GOLD, ANSWERS, gold_set="web")
    run = EvalRun(items=items, totals={"web.qa": totals}, breakdown={"web.qa": qa_breakdown(items)})
    lines = report.breakdown_lines(run)
    header = next(x for x in lines if x.startswith("web.qa"))
    assert "f.abst" in header and "wrong" in header
    check = next(x for x in lines if x.strip().startswith("check "))
    assert check.split()[1:4] == ["3", "0.667", "0.000"]  # n, accuracy, false abstention
    paths = report.write(run, tmp_path / "r.json")
    md, page = paths["md"].read_text(encoding="utf-8"), paths["html"].read_text(encoding="utf-8")
    assert "| check.en |" in md and "<td>tune.vi</td>" in page
    assert report.load_run(paths["json"]).breakdown["web.qa"]["tune"]["n"] == 3


def test_harness_and_independent_scorer_agree_on_figures_with_multiplier_words():
    from evals import independent_scorer

    g = [_q("m1", ["x01"], must_include=[["2.541", "2541"]], evidence=["nộp 2.541 tỷ đồng"]),
         _q("m2", ["x02"], lang="en", must_include=[["1.262,3", "1262.3"], ["274,2", "274.2"]], evidence=["1.262,3 tỷ đồng"]),
         _q("m3", ["x03"], must_include=[["84"]], evidence=["84 tỷ"])]
    cit = {"doc_id": "x01", "paragraph_id": "p1", "text": "Công ty nộp 2.541 tỷ đồng."}
    a = {"m1": {"answer": "Công ty nộp 2.541 tỷ đồng.", "abstained": False, "citations": [cit]},
         "m2": {"answer": "Budget revenue was 1,262.3 billion VND, 274.2% of the plan.", "abstained": False, "citations": []},
         "m3": {"answer": "Thu 8,4 tỷ đồng.", "abstained": False, "citations": []}}
    items, totals = score_qa(g, a)
    assert [i.scores["answer_correct"] for i in items] == [True, True, False]
    for k, v in independent_scorer.score(g, a).items():
        assert totals[k] == pytest.approx(v), k


def test_rescore_an_answers_file_against_two_gold_sets(tmp_path, capsys):
    from evals import rescore

    web = _write(tmp_path / "web", {"qa.jsonl": GOLD})
    dev = _write(tmp_path / "gold", {"qa.dev.jsonl": [_q("d01", ["a_doc"]), _q("d02", ["a_doc"])]})
    lines = [{"id": k, "question": "", **v} for k, v in ANSWERS.items()] + [{"id": "d01", "question": "", **ANSWERS["w-q001"]}]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    assert rescore.main(["--answers", str(path), "--gold", str(web), "--gold", str(dev)]) == 0
    out = capsys.readouterr().out
    assert "web.qa" in out and "dev.qa" in out and "1 of 2 questions have no answer" in out
    ev = rescore.rescore({d["id"]: d for d in lines}, [web, dev])
    assert ev.totals["web.qa"]["answer_accuracy"] == pytest.approx(0.5) and ev.totals["dev.qa"]["n"] == 1
    assert ev.breakdown["web.qa"]["check"]["n"] == 3


def test_contributions_per_gold_set():
    run = EvalRun(totals={"web.retrieval_bm25": {"recall@5": 0.5}, "web.retrieval_dense": {"recall@5": 0.7},
                          "dev.retrieval_bm25": {"recall@5": 0.9}, "dev.retrieval_dense": {"recall@5": 0.8},
                          "web.qa": {"answer_accuracy": 0.4}, "web.qa_extractive": {"answer_accuracy": 0.3}})
    rows = {(r["what"], r["metric"]): r["delta"] for r in report.contributions(run)}
    assert rows[("web: dense vs BM25", "recall@5")] == pytest.approx(0.2)
    assert rows[("dev: dense vs BM25", "recall@5")] == pytest.approx(-0.1)
    assert rows[("web: model vs extractive answer", "answer_accuracy")] == pytest.approx(0.1)
