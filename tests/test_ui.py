"""UI logic with a fake pipeline: chat turns, citations, escaping, uploads, library, targets, evals."""

from __future__ import annotations

import json

import pytest

from toolkit.pipeline import Pipeline, build_targets, norm_label
from toolkit.schemas import Citation
from ui import logic, render
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
    assert labels[0].startswith("[1] a_001 · p001") and labels[1].startswith("[2] b_002")
    assert fp.asked == [NUMBER_Q]


def test_chat_is_multi_turn_and_accepts_gradio6_content_parts(fp):
    prior = [{"role": "user", "content": [{"type": "text", "text": "xin chào"}]},
             {"role": "assistant", "content": [{"type": "text", "text": "Chào bạn"}]}]
    hist, _, _ = logic.chat_step(fp, NUMBER_Q, prior)
    assert [m["content"] for m in hist[:2]] == ["xin chào", "Chào bạn"] and len(hist) == 4


def test_stream_yields_growing_text_then_citations_last(fp):
    steps = list(logic.stream_chat(fp, NUMBER_Q, [], chunk_words=2))
    assert len(steps) >= 4
    texts = [s[0][-1]["content"] for s in steps]
    assert texts[0] == "…"
    assert all(not s[3] and not s[1] for s in steps[:-1]) and steps[-1][3] and steps[-1][1]
    middle = [t.rstrip(" …") for t in texts[1:-1]]
    assert all(len(a) < len(b) for a, b in zip(middle, middle[1:]))


def test_abstention_is_said_plainly_and_cites_nothing(fp):
    hist, cits, labels = logic.chat_step(fp, "Ai là tổng thống Pháp?", [])
    assert hist[-1]["content"].startswith(render.ABSTAIN_PREFIX)
    assert cits == [] and labels == []


def test_pipeline_error_is_shown_not_raised(fp):
    hist, cits, _ = logic.chat_step(fp, "boom", [])
    assert "Error" in hist[-1]["content"] and "toolkit models" in hist[-1]["content"] and cits == []
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
    html = logic.citation_panel(fp, [c.model_dump() for c in cits], labels[0])
    assert "<mark>Năm 2021, Đảng bộ xã Tân Phú đã kết nạp 152/150 đảng viên mới, đạt 101,33% kế hoạch.</mark>" in html
    assert "Công tác kiểm tra" in html.split("</mark>")[1]  # rest of the paragraph, outside the mark
    assert DOC_A.title in html and "2021-12-20" in html and "Long An" in html and "a_001 / p001" in html


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
    assert "no longer available" in logic.citation_panel(fp, [], "[3] x")
    assert "Click a citation" in logic.citation_panel(fp, [], None)


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
    rec, summ, doc = logic.article_view(fp, "a_001")
    assert "Nguyễn Văn An" in rec and "Bí thư Huyện ủy" in rec and "05-CT/TW" in rec
    assert "<td>152</td><td>150</td><td>101.33</td>" in rec
    assert "Tiếng Việt" in summ and "English" in summ and "152 new members admitted." in summ
    assert '<td class="tk-pid">p001</td>' in doc and "Công tác kiểm tra" in doc
    rec_b, summ_b, _ = logic.article_view(fp, "b_002")
    assert "toolkit extract b_002" in rec_b and "toolkit summarize b_002" in summ_b


# --- targets ----------------------------------------------------------------------------------------


def test_targets_pair_targets_with_results_and_name_evidence(fp):
    rows = fp.targets()
    assert len(rows) == 2
    slash = next(r for r in rows if r["target"] == 150)
    assert (slash["result"], slash["percent"], slash["target_ref"]) == (152, 101.33, "a_001/p001")
    later = next(r for r in rows if r["target"] == 40)
    assert later["result"] == 25 and later["percent"] == 62.5
    assert later["target_ref"] == "c_003/p001" and later["result_ref"] == "c_003/p002"
    html = render.targets_table(rows)
    assert "a_001/p001" in html and "c_003/p002" in html and "62.5%" in html
    svg = render.targets_svg(rows)
    assert svg.startswith("<svg") and svg.count("<rect") == 4


def test_targets_do_not_match_other_organisations_or_labels():
    other = REC_C.model_copy(update={"organization": "Đảng bộ phường 1", "doc_id": "d"})
    rows = build_targets([REC_C.model_copy(update={"figures": REC_C.figures[:1]}),
                          other.model_copy(update={"figures": other.figures[1:]})])
    assert len(rows) == 1 and rows[0]["result"] is None
    assert norm_label("chỉ tiêu kết nạp đảng viên mới", "đảng viên") == norm_label("kết nạp đảng viên mới", "đảng viên")
    assert norm_label("kết nạp đảng viên", "") != norm_label("thu ngân sách", "tỷ đồng")


def test_targets_empty_says_how_to_fill():
    assert "toolkit extract" in render.targets_table([]) and render.targets_svg([]) == ""


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


def test_eval_report_rendering():
    assert "toolkit evals" in render.render_eval_report(None)
    rep = {"meta": {"model": "qwen", "when": "2024"}, "totals": {"qa": {"accuracy": 0.75, "n": 12}},
           "items": {"qa": [{"id": "q1", "ok": True, "answer": PAYLOAD}]}}
    html = render.render_eval_report(rep)
    assert "qa: totals" in html and "0.750" in html and "q1" in html and "<script>" not in html and "<svg" in html


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
    assert [r["target"] for r in p.targets()] == [150]


# --- the app ----------------------------------------------------------------------------------------


def test_build_app_constructs_with_named_ask_endpoint(fp):
    pytest.importorskip("gradio")
    from ui.app import build_app

    demo = build_app(fp)
    names = [getattr(d, "api_name", None) for d in demo.fns.values()]
    assert "ask" in names
    cfg = demo.get_config_file()
    labels = {c.get("props", {}).get("label") for c in cfg["components"]}
    assert "Citations — click one to open its source" in labels and "Province" in labels


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
    assert fp.asked[-1].startswith("Năm 2022 xã Tân Phú kết nạp bao nhiêu đảng viên") and fp.asked[-1].endswith("chỉ tiêu đề ra?")
    assert "Understood as:" in hist[-1]["content"]


def test_standalone_question_in_a_chat_is_asked_as_written(fp):
    hist, _, _ = logic.chat_step(fp, NUMBER_Q, [])
    logic.chat_step(fp, "Ai chủ trì hội nghị của Huyện ủy Cát Tiên?", hist)
    assert fp.asked[-1] == "Ai chủ trì hội nghị của Huyện ủy Cát Tiên?"


def test_md_unescape_round_trips():
    for s in ["a [b](c) *d* _e_ <x> & \\ `f` #1 | ~", PAYLOAD, "Còn năm 2021 thì sao?"]:
        assert render.md_unesc(render.md_esc(s)) == s
