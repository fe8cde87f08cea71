"""The runner with two gold sets on one store (FakeLLM, hash embedder): per-set totals, per-half
breakdowns, doc ids equal to file stems, an absent corpus folder skipped with a note, a gold set
whose documents are all absent skipped. Articles are invented for this test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("chromadb", reason="the index needs chromadb")

ART = {
    "k01": """Đảng ủy xã Tân Mỹ tổng kết năm 2023

Ngày 28/12/2023, Đảng ủy xã Tân Mỹ tổ chức hội nghị tổng kết công tác xây dựng Đảng năm 2023. Đồng chí Lương Văn Hòa, Bí thư Đảng ủy xã chủ trì hội nghị.

Trong năm, Đảng bộ xã kết nạp 17 đảng viên mới, đạt 113% chỉ tiêu; 96% chi bộ được xếp loại hoàn thành tốt nhiệm vụ.
""",
    "k02": """Huyện ủy Bình Lục giao ban quý I năm 2024

Sáng 2/4, Huyện ủy Bình Lục tổ chức giao ban công tác quý I năm 2024. Đồng chí Mạc Thị Thu, Phó Bí thư Thường trực Huyện ủy chủ trì.

Quý I, toàn huyện thu ngân sách đạt 84 tỷ đồng, bằng 27% dự toán năm.
""",
    "a_dev": """Đảng ủy Khối Cơ quan tỉnh Sơn Hà sơ kết 6 tháng

Ngày 10/7/2022, Đảng ủy Khối Cơ quan tỉnh Sơn Hà sơ kết công tác 6 tháng đầu năm. Khối đã tổ chức 14 lớp bồi dưỡng chính trị.
""",
}


def _q(qid, docs, question, must, evidence, lang="vi"):
    return {"id": qid, "lang": lang, "kind": "fact", "question": question, "answerable": True, "must_include": must,
            "must_not_include": [], "evidence": evidence, "docs": docs, "reference": ""}


def _setup(tmp: Path) -> tuple[Path, Path, Path, Path]:
    web_c, dev_c = tmp / "webcorpus", tmp / "corpus"
    for d in (web_c, dev_c):
        d.mkdir()
    for stem, text in ART.items():
        (dev_c if stem == "a_dev" else web_c).joinpath(f"{stem}.txt").write_text(text, encoding="utf-8")
    web_g, dev_g = tmp / "g" / "web", tmp / "g" / "gold"
    web_g.mkdir(parents=True)
    dev_g.mkdir(parents=True)
    web_qs = [_q("k-q001", ["k01"], "Đảng bộ xã Tân Mỹ kết nạp bao nhiêu đảng viên mới năm 2023?", [["17"]], ["kết nạp 17 đảng viên mới"]),
              _q("k-q002", ["k02"], "Quý I năm 2024 huyện Bình Lục thu ngân sách được bao nhiêu?", [["84"]], ["thu ngân sách đạt 84 tỷ đồng"]),
              {"id": "k-q003", "lang": "en", "kind": "unanswerable", "question": "How many members did Tân Mỹ admit in 2019?",
               "answerable": False, "must_include": [], "must_not_include": ["17"], "evidence": [], "docs": []}]
    (web_g / "qa.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in web_qs), encoding="utf-8")
    (web_g / "extract.json").write_text(json.dumps({"k01": {"date": "2023-12-28", "figures": [17, 113, 96]},
                                                    "k02": {"date": None, "figures": [84, 27]}}), encoding="utf-8")
    dev_q = _q("d01", ["a_dev"], "Khối Cơ quan tỉnh Sơn Hà tổ chức bao nhiêu lớp bồi dưỡng chính trị?", [["14"]], ["tổ chức 14 lớp bồi dưỡng"])
    (dev_g / "qa.dev.jsonl").write_text(json.dumps(dev_q, ensure_ascii=False) + "\n", encoding="utf-8")
    return web_g, dev_g, web_c, dev_c


def test_two_gold_sets_on_one_store_with_halves(tmp_path, tmp_settings):
    from evals import report
    from evals.runner import run
    from toolkit.llm.fake import FakeLLM
    from toolkit.store import Store

    web_g, dev_g, web_c, dev_c = _setup(tmp_path)
    ev = run(tmp_settings, [web_g, dev_g], [web_c, dev_c, tmp_path / "absent"], ["qa"], llm=FakeLLM(default="—"), baselines=False)

    assert sorted(Store(tmp_settings.store).doc_ids()) == ["a_dev", "k01", "k02"]  # ids are the file stems the gold uses
    assert {"web.qa", "dev.qa", "web.retrieval_hybrid", "dev.retrieval_hybrid"} <= set(ev.totals)
    assert ev.totals["web.qa"]["n"] == 3 and ev.totals["dev.qa"]["n"] == 1
    assert set(ev.breakdown["web.qa"]) >= {"tune", "check", "vi", "en"} and "tune" not in ev.breakdown["dev.qa"]
    assert ev.breakdown["web.qa"]["tune"]["n"] == 2 and ev.breakdown["web.qa"]["check"]["n"] == 1  # k-q003: odd id
    assert {i.gold_set for i in ev.items if i.part == "qa"} == {"web", "dev"}
    assert any("absent: skipped" in n for n in ev.notes)
    flat = ev.flat_metrics()
    assert "web.qa.check.vi.false_abstention_rate" in flat and "dev.qa.vi.answer_accuracy" in flat
    lines = "\n".join(report.breakdown_lines(ev))
    assert "web.qa" in lines and "check.vi" in lines

    # a gold set none of whose documents is in the store is skipped with a note
    ev2 = run(tmp_settings, [web_g, dev_g], [dev_c], ["qa"], llm=FakeLLM(default="—"), baselines=False)
    assert any("gold set web" in n and "skipped" in n for n in ev2.notes) and "dev.qa" in ev2.totals and "web.qa" not in ev2.totals


def test_extraction_on_two_gold_sets_per_half(tmp_path, tmp_settings):
    """--only extract end to end: records of the one store, scored per set that has extraction gold, per half."""
    from evals.runner import run
    from toolkit.llm.fake import FakeLLM

    web_g, dev_g, web_c, dev_c = _setup(tmp_path)
    ev = run(tmp_settings, [web_g, dev_g], [web_c, dev_c], ["extract"], llm=FakeLLM(default={}), baselines=False)
    assert "web.extract" in ev.totals and "dev.extract" not in ev.totals
    assert any("dev: extract skipped" in n for n in ev.notes)
    br = ev.breakdown["web.extract"]
    assert br["tune"]["n_gold_docs"] == 1 and br["check"]["n_gold_docs"] == 1
    assert ev.totals["web.extract"]["figures_from_chrome"] == 0 and ev.totals["web.extract"]["n_docs"] == 2
    assert {i.id: i.half for i in ev.items if i.part == "extract"} == {"k01": "tune", "k02": "check"}
