"""UI logic with a fake pipeline: chat turns, citations, escaping, uploads, library, targets, evals."""

from __future__ import annotations

import json

import pytest

from toolkit.pipeline import Pipeline
from toolkit.targets import build_timeline
from toolkit.schemas import Citation
from ui import evals_view, logic, render, render_targets, views
from ui_fakes import ANSWER, DOC_A, DOC_B, DOC_C, NUMBER_Q, P1, PAYLOAD, REC_A, REC_C, FakePipeline


@pytest.fixture
def fp() -> FakePipeline:
    return FakePipeline(answers={NUMBER_Q: ANSWER})


# --- chat ---------------------------------------------------------------------------------------


def test_chat_step_answers_with_numbered_citations(fp):
    hist, cits, labels = logic.chat_step(fp, NUMBER_Q, [])
    assert [m["role"] for m in hist] == ["user", "assistant"]
    assert "152" in hist[-1]["content"] and "\\[1\\]" in hist[-1]["content"] and "\\[2\\]" in hist[-1]["content"]
    assert [c.doc_id for c in cits] == ["a_001", "b_002"]
    assert labels[0] == f"[1] {DOC_A.title} (2021-12-20) · đoạn p001" and labels[1].startswith("[2] Bài có mã độc")
    assert "a_001" not in labels[0]  # readable names, not ids
    assert fp.asked == [NUMBER_Q]


def test_chat_is_multi_turn_and_accepts_gradio6_content_parts(fp):
    prior = [{"role": "user", "content": [{"type": "text", "text": "xin chào"}]},
             {"role": "assistant", "content": [{"type": "text", "text": "Chào bạn"}]}]
    hist, _, _ = logic.chat_step(fp, NUMBER_Q, prior)
    assert [m["content"] for m in hist[:2]] == ["xin chào", "Chào bạn"] and len(hist) == 4


def test_extractive_answer_shows_whole_at_once_with_citations_last(fp):
    steps = list(logic.stream_chat(fp, NUMBER_Q, []))
    texts = [s[0][-1]["content"] for s in steps]
    assert texts[0] == "…" and len(steps) == 2
    assert steps[-1][3] and steps[-1][1] and not steps[0][3] and not steps[0][1]


class _StreamingPipeline(FakePipeline):
    """ask_stream as the real pipeline gives it: released text pieces, then the final answer."""

    def ask_stream(self, question, filters=None):
        from toolkit.answer.phrase import Delta, Final

        self.asked.append(question)
        for piece in ("Đảng bộ xã Tân Phú", " kết nạp", " 152 đảng viên", " mới."):
            yield Delta(piece)
        yield Final(ANSWER.model_copy(update={"answer": "Đảng bộ xã Tân Phú kết nạp 152 đảng viên mới.", "route": "phrased"}),
                    phrased=True)


def test_phrased_answer_grows_as_pieces_are_released_then_citations_last():
    steps = list(logic.stream_chat(_StreamingPipeline(), NUMBER_Q, []))
    texts = [s[0][-1]["content"].rstrip(" …") for s in steps]
    growing = texts[1:-1]
    assert len(growing) == 4 and all(len(a) < len(b) for a, b in zip(growing, growing[1:]))
    assert all(not s[3] and not s[1] for s in steps[:-1]) and steps[-1][3] and steps[-1][1]
    assert "152" in texts[-1] and r"\[1\]" in texts[-1]


class _ComposedFirstPipeline(FakePipeline):
    """ask_stream as the real pipeline gives it with phrasing on: the composed answer, the model's
    released pieces, then the final (phrased) answer."""

    def ask_stream(self, question, filters=None):
        from toolkit.answer.phrase import Delta, Final
        from toolkit.chat_stream import Composed

        self.asked.append(question)
        yield Composed(ANSWER.model_copy(update={"citations": []}))
        for piece in ("Năm 2021 xã Tân Phú", " kết nạp", " 152 đảng viên."):
            yield Delta(piece)
        yield Final(ANSWER.model_copy(update={"answer": "Năm 2021 xã Tân Phú kết nạp 152 đảng viên.", "route": "phrased"}),
                    phrased=True)


def test_the_composed_answer_shows_at_once_while_the_model_phrases_it():
    steps = list(logic.stream_chat(_ComposedFirstPipeline(), NUMBER_Q, []))
    texts = [s[0][-1]["content"] for s in steps]
    assert texts[0] == "…"
    composed = texts[1]  # the step after the question: the whole composed answer, no markers yet
    assert "152 đảng viên mới, đạt 101,33% kế hoạch" in composed and "diễn đạt lại" in composed and r"\[1\]" not in composed
    growing = texts[2:-1]
    assert len(growing) == 3 and all(t.startswith(composed.split("\n\n")[0]) for t in growing)
    assert all(len(a) < len(b) for a, b in zip(growing, growing[1:])) and "kết nạp 152" in growing[-1]
    assert all(not s[3] and not s[1] for s in steps[:-1])
    assert steps[-1][3] and steps[-1][1] and r"\[1\]" in texts[-1] and "diễn đạt" not in texts[-1]
    assert "101,33%" not in texts[-1]  # the final (phrased) answer takes the composed one's place


def test_a_waiting_question_shows_its_place_in_the_line(fp):
    from ui.turns import Turns

    turns = Turns()
    first = logic.stream_chat(fp, NUMBER_Q, [], turns=turns)
    next(first)  # question shown
    next(first)  # its turn taken: it is being answered
    second = logic.stream_chat(fp, "Ai chủ trì?", [], turns=turns)
    next(second)
    waiting = next(second)[0][-1]["content"]
    assert "còn 1 câu hỏi" in waiting
    list(first)  # the first finishes and passes the turn on
    rest = list(second)
    assert rest[-1][3] and "còn" not in rest[-1][0][-1]["content"]


def test_abstention_is_said_plainly_and_cites_nothing(fp):
    hist, cits, labels = logic.chat_step(fp, "Ai là tổng thống Pháp?", [])
    assert hist[-1]["content"].startswith("**Không tìm thấy câu trả lời trong các bài viết.**")  # the answer is Vietnamese
    assert cits == [] and labels == []


def test_pipeline_error_is_shown_not_raised(fp):
    hist, cits, _ = logic.chat_step(fp, "boom", [])
    assert "Lỗi" in hist[-1]["content"] and "toolkit models" in hist[-1]["content"] and cits == []
    out = logic.api_ask(fp, "boom")
    assert out["abstained"] and "toolkit models" in out["error"] and out["citations"] == []


def test_empty_message_does_not_call_the_model(fp):
    hist, cits, labels = logic.chat_step(fp, "   ", [])
    assert hist == [] and fp.asked == []


def test_api_ask_returns_json_able_dict(fp):
    out = logic.api_ask(fp, NUMBER_Q)
    json.dumps(out)
    assert out["abstained"] is False and "152" in out["answer"]
    assert out["citations"][0] == {"doc_id": "a_001", "paragraph_id": "p001", "text": P1, "quote": ANSWER.citations[0].quote}


# --- citations and escaping ---------------------------------------------------------------------------


def test_citation_panel_marks_the_supporting_sentence_and_shows_metadata(fp):
    _, cits, labels = logic.chat_step(fp, NUMBER_Q, [])
    html = logic.citation_panel(fp, [c.model_dump() for c in cits], labels[0], "en")
    assert "<mark>Năm 2021, Đảng bộ xã Tân Phú đã kết nạp 152/150 đảng viên mới, đạt 101,33% kế hoạch.</mark>" in html
    assert "Công tác kiểm tra" in html.split("</mark>")[1]  # rest of the paragraph, outside the mark
    assert DOC_A.title in html and "2021-12-20" in html and "Long An" in html and "paragraph p001 · a_001" in html
    assert "Tiêu đề" in logic.citation_panel(fp, cits, labels[0], "vi")


def test_citation_with_wrong_offsets_is_found_by_search():
    c = Citation(doc_id="a_001", paragraph_id="p001", text=P1, quote="Công tác kiểm tra, giám sát được tăng cường.", start=0, end=5)
    html = render.render_citation(c, DOC_A, None)
    assert "<mark>Công tác kiểm tra, giám sát được tăng cường.</mark>" in html


def test_payload_is_escaped_everywhere(fp):
    _, cits, labels = logic.chat_step(fp, NUMBER_Q, [])
    panel = logic.citation_panel(fp, cits, labels[1])
    record_html, _, doc_html = logic.article_view(fp, "b_002")
    for html in (panel, doc_html, render.render_citation(cits[1], DOC_B)):
        assert "<script>" not in html and "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<mark>&lt;script&gt;" in panel
    md = render.answer_markdown(PAYLOAD, False, 0)
    assert "<script>" not in md and "<img" not in md


def test_markdown_escape_neutralises_links():
    md = render.md_esc("[click](javascript:alert(1)) **b**")
    assert "](" not in md and "\\[click\\]" in md


def test_citation_panel_with_unknown_label(fp):
    assert "no longer available" in logic.citation_panel(fp, [], "[3] x", "en")
    assert "Bấm một nguồn dẫn" in logic.citation_panel(fp, [], None)


# --- library ----------------------------------------------------------------------------------------


def test_library_filters(fp):
    rows, status = logic.library_rows(fp)
    assert [r[0] for r in rows] == ["a_001", "b_002", "c_003"] and status == "3 article(s)"
    assert [r[0] for r in logic.library_rows(fp, province="Long An")[0]] == ["a_001"]
    assert [r[0] for r in logic.library_rows(fp, province="(all)", date_from="2022-01-01")[0]] == ["b_002", "c_003"]
    assert [r[0] for r in logic.library_rows(fp, date_to="2022-06-30")[0]] == ["a_001", "b_002"]
    assert [r[0] for r in logic.library_rows(fp, text="ket nap 40")[0]] == ["c_003"]  # diacritics-insensitive
    rows, status = logic.library_rows(fp, date_from="hôm qua")
    assert rows == [] and "YYYY-MM-DD" in status


def test_article_view_has_record_tables_summaries_and_paragraph_ids(fp):
    rec, summ, doc = logic.article_view(fp, "a_001", "en")
    assert "Nguyễn Văn An" in rec and "Bí thư Huyện ủy" in rec and "05-CT/TW" in rec
    assert "<td>152</td><td>150</td><td>101.33</td>" in rec
    assert "Tiếng Việt" in summ and "English" in summ and "152 new members admitted." in summ
    assert '<td class="tk-pid">p001</td>' in doc and "Công tác kiểm tra" in doc
    assert "Model" not in rec  # no internal model hash for users
    rec_b, summ_b, _ = logic.article_view(fp, "b_002")
    assert "toolkit extract b_002" in rec_b and "toolkit summarize b_002" in summ_b


# --- targets ---------------------------------------------------------------------------------------


def test_targets_timeline_pairs_a_target_with_its_periods_result_and_names_evidence(fp):
    rows = fp.targets()
    assert len(rows) == 2
    slash = next(r for r in rows if r.target.value == 150)
    assert (slash.result.value, slash.percent, slash.target.ref) == (152, 101.33, "a_001/p001")
    later = next(r for r in rows if r.target.value == 40)
    assert later.period == "năm 2022" and later.result.value == 25 and later.partial and later.percent == 62.5
    assert later.target.ref == "c_003/p001" and later.result.ref == "c_003/p002"
    html = render_targets.targets_table(rows, views.article_names(fp), "en")
    assert "a_001/p001" in html and "c_003/p002" in html and "62.5%" in html and "part of the period" in html
    svg = render_targets.targets_charts(rows)
    assert svg.startswith("<svg") and svg.count("<rect") == 4


def test_targets_view_filters_and_opens_evidence(fp):
    chart, table, choices, rows = views.targets_view(fp, province="Tây Ninh")
    assert [r.province for r in rows] == ["Tây Ninh"] and [v for _, v in choices] == ["c_003/p001", "c_003/p002"]
    assert views.targets_view(fp, organisation="phường 9")[3] == []
    panel = views.evidence_panel(fp, "c_003/p002", rows)
    assert "<mark>kết nạp 25 đảng viên mới</mark>" in panel and "Sơ kết 6 tháng đầu năm 2022" in panel


def test_targets_empty_says_how_to_fill():
    assert "toolkit extract" in render_targets.targets_table([]) and render_targets.targets_charts([]) == ""


# --- uploads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,expected", [
    ("../../x.txt", "x.txt"), ("..\\..\\evil.txt", "evil.txt"), ("/etc/passwd", "passwd"), ("a/b/../c.md", "c.md"),
    ("bài viết.txt", "bài viết.txt"), (".hidden.txt", "hidden.txt"), ("x\x00y.txt", "xy.txt"),
    ("..", None), ("../", None), ("", None), ("/", None), ("  ", None), ("...", None),
])
def test_sanitize_upload_name(name, expected):
    assert logic.sanitize_upload_name(name) == expected


def test_stage_uploads_never_writes_outside_dest(tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("x", encoding="utf-8")
    dest = tmp_path / "up" / "inner"
    staged, rejected = logic.stage_uploads([("../../escape.txt", src), ("..", src), ("ok.txt", src), ("sub/ok.txt", src)], dest)
    assert [p.name for p in staged] == ["escape.txt", "ok.txt"] and all(p.parent == dest.resolve() for p in staged)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "up" / "escape.txt").exists()
    assert [r["status"] for r in rejected] == ["error", "error"] and "empty" in rejected[0]["detail"]


def test_ingest_uploads_reports_per_file_and_documents_appear(fp, tmp_path):
    good = tmp_path / "g.txt"
    good.write_text(f"Hội nghị mới {PAYLOAD}\nĐoạn một.\n", encoding="utf-8")
    bad = tmp_path / "b.pdf"
    bad.write_bytes(b"%PDF")
    calls = []
    results, status = logic.ingest_uploads(fp, [("../../new_article.txt", good), ("report.pdf", bad), ("", good)],
                                           progress=lambda f, desc="": calls.append(f))
    by = {r["name"]: r for r in results}
    assert by["new_article.txt"]["status"] == "added"
    assert by["report.pdf"]["status"] == "error" and "extension" in by["report.pdf"]["detail"]
    assert by[""]["status"] == "error"
    assert status == "1 file(s) ingested, 2 error(s)" and calls[-1] == 1.0
    assert all(p.name in ("new_article.txt", "report.pdf") for p in fp.ingested[0])
    assert "new_article" in [r[0] for r in logic.library_rows(fp, text="hội nghị mới")[0]]
    html = render.render_ingest_results(results)
    assert "new_article.txt" in html and "<script>" not in html


# --- evals ------------------------------------------------------------------------------------------


def test_evals_view_shows_latest_scores_and_trend(tmp_path):
    latest = tmp_path / "latest.json"
    assert "toolkit evals" in evals_view.render_evals(evals_view.load_reports(latest))
    (tmp_path / "history").mkdir()
    for i, acc in enumerate([0.40, 0.52]):
        (tmp_path / "history" / f"r{i}.json").write_text(json.dumps(
            {"meta": {"timestamp": f"2026-11-0{i + 1}T10:00:00"}, "totals": {"qa": {"answer_accuracy": acc, "n": 30}}}))
    latest.write_text(json.dumps({"meta": {"timestamp": "2026-11-05T10:00:00", "note": PAYLOAD},
                                  "totals": {"qa": {"answer_accuracy": 0.61, "wrong_answer_rate": 0.02}}}))
    reports = evals_view.load_reports(latest)
    assert [r["totals"]["qa"]["answer_accuracy"] for r in reports] == [0.40, 0.52, 0.61]
    assert evals_view.trend(reports)["qa.answer_accuracy"][-1] == ("2026-11-05T10:00:00", 0.61)
    html = evals_view.render_evals(reports, "en")
    assert "0.610" in html and "0.400 → 0.520 → 0.610" in html and "<polyline" in html and "<script>" not in html


def test_background_evals_run_does_not_block(tmp_path):
    import sys
    import time

    runner = evals_view.BackgroundEvals(tmp_path / "latest.json", ["--only", "qa"], python=sys.executable)
    runner.command = lambda report: [sys.executable, "-c", "import time; time.sleep(0.5)"]
    t0 = time.monotonic()
    assert runner.start() and time.monotonic() - t0 < 0.4
    assert not runner.start()  # one run at a time
    assert "background" in runner.status("en")
    runner.proc.wait(10)
    assert "exit 0" in runner.status("en")


def test_pipeline_reads_latest_report(tmp_path):
    from toolkit.settings import Settings

    p = Pipeline(Settings(store=tmp_path / "store"), report_path=tmp_path / "latest.json")
    assert p.latest_eval_report() is None
    (tmp_path / "latest.json").write_text('{"totals": {"qa": {"f1": 0.5}}}', encoding="utf-8")
    assert p.latest_eval_report() == {"totals": {"qa": {"f1": 0.5}}}
    (tmp_path / "latest.json").write_text("{oops", encoding="utf-8")
    assert "toolkit evals" in p.latest_eval_report()["meta"]["error"]


def test_pipeline_documents_and_records_over_a_real_store(tmp_path):
    from toolkit.settings import Settings

    p = Pipeline(Settings(store=tmp_path / "store"))
    p.store.put_document(DOC_A)
    p.store.put_document(DOC_C)
    p.store.put_record(REC_A)
    assert [d.doc_id for d in p.documents(province="long an")] == ["a_001"]
    assert [d.doc_id for d in p.documents(text="Tân Phú phấn đấu")] == ["c_003"]
    assert p.record("a_001") == REC_A and p.summary("a_001") is None and p.provinces() == ["Long An"]
    assert [r.target.value for r in p.targets()] == [150]


# --- the app ----------------------------------------------------------------------------------------


def test_build_app_constructs_with_named_ask_endpoint(fp):
    pytest.importorskip("gradio")
    from ui.app import build_app

    demo = build_app(fp)
    names = [getattr(d, "api_name", None) for d in demo.fns.values()]
    assert "ask" in names
    cfg = demo.get_config_file()
    labels = {c.get("props", {}).get("label") for c in cfg["components"]}
    assert "Nguồn dẫn — bấm để mở đoạn gốc" in labels and "Tỉnh" in labels


def test_pipeline_runs_one_generation_at_a_time(tmp_path, monkeypatch):
    import threading
    import time

    import toolkit.answer
    from toolkit.settings import Settings

    state = {"now": 0, "max": 0}
    guard = threading.Lock()

    def slow_ask(question, **kw):
        with guard:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with guard:
            state["now"] -= 1
        return ANSWER

    monkeypatch.setattr(toolkit.answer, "ask", slow_ask)
    p = Pipeline(Settings(store=tmp_path / "s"), llm=object())
    p._index = p._reader = object()  # no real index needed: ask is replaced
    threads = [threading.Thread(target=p.ask, args=(f"q{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["max"] == 1


class _SlowPipeline(FakePipeline):
    def __init__(self):
        super().__init__(answers={NUMBER_Q: ANSWER})
        self.now = self.max = 0
        self.guard = __import__("threading").Lock()

    def ask(self, question):
        import time

        with self.guard:
            self.now += 1
            self.max = max(self.max, self.now)
        time.sleep(0.3)
        with self.guard:
            self.now -= 1
        return super().ask(NUMBER_Q)


def test_four_concurrent_api_clients_all_answered_one_at_a_time():
    pytest.importorskip("gradio")
    gradio_client = pytest.importorskip("gradio_client")
    import socket
    from concurrent.futures import ThreadPoolExecutor

    from ui.app import launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pipe = _SlowPipeline()
    demo = launch(None, port=port, pipeline=pipe, block=False)
    try:
        client = gradio_client.Client(f"http://127.0.0.1:{port}/", verbose=False)
        with ThreadPoolExecutor(4) as ex:
            outs = list(ex.map(lambda i: client.predict(f"câu hỏi {i}", api_name="/ask"), range(4)))
    finally:
        demo.close()
    assert len(outs) == 4 and all("152" in o["answer"] and o["citations"][0]["doc_id"] == "a_001" for o in outs)
    assert pipe.max == 1 and len(pipe.asked) == 4


# --- follow-ups -------------------------------------------------------------------------------------


def test_follow_up_is_completed_from_the_chat_history_before_asking(fp):
    hist, _, _ = logic.chat_step(fp, NUMBER_Q, [])
    hist, _, _ = logic.chat_step(fp, "Còn năm 2022 thì sao?", hist)
    assert fp.asked == [NUMBER_Q, "Năm 2022 xã Tân Phú kết nạp bao nhiêu đảng viên?"]
    assert "Hiểu là: Năm 2022 xã Tân Phú" in hist[-1]["content"]
    hist, _, _ = logic.chat_step(fp, "And the targets?", hist)
    assert fp.asked[-1] == "Năm 2022 xã Tân Phú đặt chỉ tiêu kết nạp bao nhiêu đảng viên?"
    assert "Understood as:" in hist[-1]["content"]


def test_standalone_question_in_a_chat_is_asked_as_written(fp):
    hist, _, _ = logic.chat_step(fp, NUMBER_Q, [])
    logic.chat_step(fp, "Ai chủ trì hội nghị của Huyện ủy Cát Tiên?", hist)
    assert fp.asked[-1] == "Ai chủ trì hội nghị của Huyện ủy Cát Tiên?"


def test_md_unescape_round_trips():
    for s in ["a [b](c) *d* _e_ <x> & \\ `f` #1 | ~", PAYLOAD, "Còn năm 2021 thì sao?"]:
        assert render.md_unesc(render.md_esc(s)) == s


# --- citations inside the answer, filters, readable names, language ---------------------------------


def test_markers_follow_the_claims_they_support():
    c1 = Citation(doc_id="x", paragraph_id="p001", text="", quote="Xã Đạ Tông kết nạp 31 đảng viên mới.")
    c2 = Citation(doc_id="y", paragraph_id="p004", text="", quote="Thị trấn Mađaguôi thành lập 2 chi bộ mới.")
    md = render.answer_markdown("Thị trấn Mađaguôi thành lập 2 chi bộ. Xã Đạ Tông kết nạp 31 đảng viên.", False, [c1, c2], "vi")
    assert md == "Thị trấn Mađaguôi thành lập 2 chi bộ \\[2\\]. Xã Đạ Tông kết nạp 31 đảng viên \\[1\\]."
    unrelated = Citation(doc_id="z", paragraph_id="p009", text="", quote="Hội nghị bế mạc.")
    assert render.answer_markdown("Xã Đạ Tông kết nạp 31 đảng viên.", False, [c1, unrelated]).endswith("\\[1\\]. \\[2\\]")


def test_english_abstention_is_framed_in_english():
    md = render.answer_markdown("", True, [], "en")
    assert md.startswith("**No answer in the articles.**") and "could not find" in md


def test_chat_filters_reach_the_pipeline_and_the_answer_names_them(fp):
    names = views.article_names(fp)
    filters = views.chosen_filters("Long An", "2021", views.ALL, "a_001")
    hist, _, _ = logic.chat_step(fp, NUMBER_Q, [], filters=filters)
    assert fp.filters[-1] == {"province": "Long An", "period": "2021", "article": "a_001"}
    hist, _, _ = logic.chat_step(fp, NUMBER_Q, [], filters=filters | {"article": "a_001"})
    text = list(logic.stream_chat(fp, NUMBER_Q, [], filters=filters, names=names))[-1][0][-1]["content"]
    assert "Đã lọc theo: Tỉnh: Long An; Kỳ \\(năm\\): 2021; Bài viết: " + render.md_esc(names["a_001"]) in text
    logic.chat_step(fp, NUMBER_Q, [], filters=views.chosen_filters(views.ALL, views.ALL, views.ALL, views.ALL))
    assert fp.filters[-1] is None


def test_library_table_names_articles_by_title_and_keeps_ids_behind(fp):
    rows, ids, status = views.library_table(fp, lang="en")
    assert ids == ["a_001", "b_002", "c_003"] and status == "3 article(s)"
    assert rows[0] == [DOC_A.title, "2021-12-20", "Long An", "3"] and not any("a_001" in c for c in rows[0])
    ch = views.filter_choices(fp)
    assert ch["province"][1:] == [("Long An", "Long An"), ("Tây Ninh", "Tây Ninh")]
    assert [v for _, v in ch["period"][1:]] == ["2022", "2021"]
    assert (f"{DOC_A.title} (2021-12-20)", "a_001") in ch["article"]


def test_filtered_index_adds_the_filters_to_every_search(tmp_path):
    from toolkit.filters import FilteredIndex, SearchFilters
    from toolkit.settings import Settings

    class Spy:
        calls = []

        def search(self, query, k=5, mode="hybrid", **kw):
            self.calls.append((query, k, kw))
            return []

        other = "kept"

    p = Pipeline(Settings(store=tmp_path / "store"))
    for d in (DOC_A, DOC_C):
        p.store.put_document(d)
    p.store.put_record(REC_A)
    p.store.put_record(REC_C)
    kw = SearchFilters.from_dict({"province": "Long An", "period": "2021"}).search_kwargs(p.store)
    assert kw == {"province": "Long An", "doc_ids": ["a_001"]}
    assert SearchFilters.from_dict({"organisation": "xã Tân Phú"}).search_kwargs(p.store) == {"doc_ids": ["a_001", "c_003"]}
    spy = Spy()
    idx = FilteredIndex(spy, **kw)
    idx.search("q", k=3)
    assert spy.calls[-1] == ("q", 3, {"province": "Long An", "doc_ids": ["a_001"]}) and idx.other == "kept"


def test_app_is_vietnamese_by_default_and_english_on_request(fp):
    pytest.importorskip("gradio")
    from ui.app import build_app

    def labels(demo):
        return {c.get("props", {}).get("label") for c in demo.get_config_file()["components"]}

    vi, en = labels(build_app(fp)), labels(build_app(fp, lang="en"))
    assert {"Hỏi đáp", "Thư viện", "Chỉ tiêu", "Tỉnh", "Kỳ (năm)"} <= vi and "Chat" not in vi
    assert {"Chat", "Library", "Targets", "Province", "Period (year)"} <= en


def test_background_records_fill_the_library_and_report_progress(fp):
    assert "Còn 1 bài chưa có bản trích xuất, 2 bài chưa có tóm tắt" in views.records_progress(fp, "vi")  # b_002; b_002, c_003
    assert ("Điện Biên", "Điện Biên") not in views.filter_choices(fp)["province"]
    assert views.schedule_all(fp) == 3  # b_002: record and summary; c_003: summary only
    assert fp.jobs.wait(10)
    assert fp.missing() == {"extract": [], "summarise": []}
    assert ("Điện Biên", "Điện Biên") in views.filter_choices(fp)["province"]  # the filters fill as records arrive
    p = fp.progress()
    assert p.done == p.total == 3 and p.changes == 3 and not p.busy
    assert "xong (3 bước)" in views.records_progress(fp, "vi")


def test_a_failed_record_is_reported_and_its_summary_skipped(fp):
    doc = DOC_B.model_copy(update={"doc_id": "z_009", "title": "Bài hỏng"})
    fp.docs["z_009"] = doc
    fp.schedule(["z_009"])
    assert fp.jobs.wait(10)
    line = views.records_progress(fp, "en")
    assert "Failed" in line and "record schema" in line
    assert "z_009" not in fp.summaries
