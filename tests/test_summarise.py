"""Bilingual summaries: templates, glossary, polish verification, province guard, JSON, caching.

The article below is written for these tests (same genre as the corpus, invented names and figures).
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from toolkit.vi.glossary import en_number, load_glossary
from toolkit.llm.fake import FakeLLM
from toolkit.schemas import Award, Document, Evidence, Figure, Paragraph, Person, Record
from toolkit.settings import Settings
from toolkit.store import Store
from toolkit.summarise import (
    parse_numbered,
    summarise,
    summarise_store,
    summary_json,
    vi_ratio,
)
from toolkit.vi.text import strip_marks
from toolkit.verify import unsupported_numbers

TITLE = "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh tổng kết công tác năm 2023"
P1 = ("Ngày 12/01/2024, Ban Thường vụ Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh tổ chức Hội nghị tổng kết "
      "công tác xây dựng Đảng năm 2023, triển khai nhiệm vụ năm 2024. Đồng chí Phạm Thị Hoa - Tỉnh ủy viên, "
      "Bí thư Đảng ủy Khối chủ trì Hội nghị.")
P2 = ("Trong năm 2023, Đảng ủy Khối đã kết nạp mới 214/200 đảng viên, đạt 107,5% chỉ tiêu Tỉnh ủy giao, nâng tổng số "
      "toàn Đảng bộ có 7.412 đảng viên sinh hoạt ở 93 tổ chức cơ sở đảng. Qua đánh giá, xếp loại, có 92,3% TCCS Đảng "
      "và 96% đảng viên hoàn thành tốt nhiệm vụ.")
P3 = "Năm 2024, Đảng ủy Khối phấn đấu kết nạp mới 200 đảng viên trở lên."
P4 = "Nhân dịp này, Ban Thường vụ Đảng ủy Khối tặng Giấy khen cho 15 tổ chức cơ sở đảng và 20 đảng viên hoàn thành xuất sắc nhiệm vụ."


def make_doc(content_hash: str = "h1") -> Document:
    parts = [("p000", "title", TITLE), ("p001", "body", P1), ("p002", "body", P2), ("p003", "body", P3), ("p004", "body", P4)]
    text = "\n\n".join(t for _, _, t in parts)
    paras, pos = [], 0
    for pid, kind, t in parts:
        s = text.index(t, pos)
        paras.append(Paragraph(paragraph_id=pid, kind=kind, text=t, start=s, end=s + len(t)))
        pos = s + len(t)
    return Document(doc_id="sample", source_path="sample.txt", title=TITLE, encoding="utf-8", content_hash=content_hash,
                    text=text, paragraphs=paras)


def ev(doc: Document, pid: str, quote: str) -> Evidence:
    t = doc.paragraph(pid).text
    i = t.index(quote)
    return Evidence(doc_id=doc.doc_id, paragraph_id=pid, quote=quote, start=i, end=i + len(quote))


def make_record(doc: Document, province: str | None = None) -> Record:
    def fig(pid, quote, raw, value, unit, kind="result", target=None, label="", label_en="", period=None):
        return Figure(label=label, label_en=label_en, value=value, unit=unit, raw=raw, kind=kind, target=target, period=period,
                      evidence=ev(doc, pid, quote))

    return Record(
        doc_id=doc.doc_id, title=doc.title, date=date(2024, 1, 12), date_evidence=ev(doc, "p001", "Ngày 12/01/2024"),
        province=province, organization="Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh", event_type="year_review",
        period="năm 2023",
        people=[Person(name="Phạm Thị Hoa", title="Tỉnh ủy viên, Bí thư Đảng ủy Khối", role="chair",
                       evidence=ev(doc, "p001", "Đồng chí Phạm Thị Hoa - Tỉnh ủy viên, Bí thư Đảng ủy Khối chủ trì Hội nghị."))],
        figures=[
            fig("p002", "Đảng ủy Khối đã kết nạp mới 214/200 đảng viên,", "214/200", 214, "đảng viên", target=200,
                label="đảng viên mới kết nạp", label_en="new Party members admitted"),
            fig("p002", "đạt 107,5% chỉ tiêu Tỉnh ủy giao,", "107,5%", 107.5, "%", kind="rate",
                label="tỷ lệ đạt chỉ tiêu", label_en="share of the admission target reached"),
            fig("p002", "nâng tổng số toàn Đảng bộ có 7.412 đảng viên sinh hoạt ở 93 tổ chức cơ sở đảng.", "7.412", 7412, "đảng viên",
                label="tổng số đảng viên", label_en="Party members in total"),
            fig("p002", "nâng tổng số toàn Đảng bộ có 7.412 đảng viên sinh hoạt ở 93 tổ chức cơ sở đảng.", "93", 93, "tổ chức cơ sở đảng",
                label="tổ chức cơ sở đảng"),
            fig("p002", "có 92,3% TCCS Đảng và 96% đảng viên hoàn thành tốt nhiệm vụ.", "92,3%", 92.3, "%", kind="rate",
                label="TCCS Đảng hoàn thành tốt nhiệm vụ", label_en="grassroots Party organisations that completed their tasks well"),
            fig("p002", "có 92,3% TCCS Đảng và 96% đảng viên hoàn thành tốt nhiệm vụ.", "96%", 96, "%", kind="rate",
                label="đảng viên hoàn thành tốt nhiệm vụ", label_en="Party members who completed their tasks well"),
            fig("p003", "Đảng ủy Khối phấn đấu kết nạp mới 200 đảng viên trở lên.", "200", 200, "đảng viên", kind="target",
                label="đảng viên mới kết nạp", label_en="new Party members to admit", period="năm 2024"),
        ],
        awards=[Award(name="Giấy khen", recipients="15 tổ chức cơ sở đảng và 20 đảng viên hoàn thành xuất sắc nhiệm vụ",
                      evidence=ev(doc, "p004", "Giấy khen cho 15 tổ chức cơ sở đảng và 20 đảng viên hoàn thành xuất sắc nhiệm vụ"))],
        content_hash=doc.content_hash,
    )


def facts_in_prompt(messages) -> list[str]:
    user = messages[-1]["content"]
    block = user.split("<<<", 1)[1].split(">>>", 1)[0]
    return [parse_numbered(block)[k] for k in sorted(parse_numbered(block))]


def polisher(edit):
    """A FakeLLM reply function: the numbered facts of the prompt, each passed through edit(i, text)."""
    def reply(messages):
        return "\n".join(f"{i}. {edit(i, t)}" for i, t in enumerate(facts_in_prompt(messages), 1))
    return reply


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store")


def all_sources(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


# --- templates ---------------------------------------------------------------------------------


def test_template_summary_is_cited_verified_and_in_english_notation(settings):
    doc = make_doc()
    s = summarise(doc, make_record(doc), None, settings)
    vi = " ".join(x.text for x in s.summary_vi)
    en = " ".join(x.text for x in s.summary_en)
    assert 3 <= len(s.summary_vi) <= 6 and 3 <= len(s.summary_en) <= 6
    assert all(x.citations for x in s.summary_vi + s.summary_en)
    assert unsupported_numbers(vi, all_sources(doc), "vi") == []
    assert unsupported_numbers(en, all_sources(doc), "auto") == []
    # key figures in both languages, English notation in English
    for raw in ("214/200", "107,5%", "7.412", "92,3%"):
        assert raw in vi
    assert "new Party members admitted stood at 214 against a target of 200" in en  # each figure names its subject
    assert "The targets for 2024 include new Party members to admit: at least 200." in en
    assert "year-end review conference" in en  # the record's event type, from the event glossary
    assert "107.5%" in en and "7,412" in en and "92.3%" in en
    assert "107,5" not in en and "7.412" not in en
    # names keep their diacritics, glossary terms used
    assert "Phạm Thị Hoa" in en
    assert "Provincial Agencies and Enterprises Bloc Party Committee" in en
    assert "grassroots Party organisations" in en and "commendations" in en.lower()
    assert "On 12 January 2024" in en
    assert vi_ratio(en, {"phạm", "thị", "hoa"}) < 0.15


def test_vietnamese_sentences_are_source_clauses(settings):
    doc = make_doc()
    s = summarise(doc, make_record(doc), None, settings)
    for sent in s.summary_vi:
        for c in sent.citations:
            para = doc.paragraph(c.paragraph_id).text
            assert para[c.start:c.end] == c.quote


# --- polish ------------------------------------------------------------------------------------


def test_good_polish_is_shown(settings):
    doc = make_doc()
    llm = FakeLLM([polisher(lambda i, t: t.replace(" held ", " convened "))])
    s = summarise(doc, make_record(doc), llm, settings)
    assert len(llm.calls) == 1 and llm.calls[0]["max_tokens"] <= 384
    assert "convened" in s.summary_en[0].text
    prompt = llm.calls[0]["messages"][-1]["content"]
    assert "Phạm Thị Hoa" in prompt and "accents" in prompt  # told to keep the diacritics


def test_polish_with_a_wrong_number_is_replaced_by_the_template(settings):
    doc = make_doc()
    template = summarise(doc, make_record(doc), None, settings)
    llm = FakeLLM([polisher(lambda i, t: t.replace("7,412", "7,421").replace(" held ", " convened "))])
    s = summarise(doc, make_record(doc), llm, settings)
    en = " ".join(x.text for x in s.summary_en)
    assert "7,421" not in en and "7,412" in en
    wrong = next(i for i, x in enumerate(template.summary_en) if "7,412" in x.text)
    assert s.summary_en[wrong].text == template.summary_en[wrong].text  # the template sentence
    assert "convened" in s.summary_en[0].text  # the other sentences keep the polish


def test_polish_that_drops_a_figure_or_adds_a_province_is_rejected(settings):
    doc = make_doc()
    template = summarise(doc, make_record(doc), None, settings)
    llm = FakeLLM([polisher(lambda i, t: re.sub(r", reaching [^,]*,", ",", t) if "7,412" in t else t + " in Nam Định province")])
    s = summarise(doc, make_record(doc), llm, settings)
    en = " ".join(x.text for x in s.summary_en)
    assert "Nam Định" not in en
    assert "107.5%" in en
    assert [x.text for x in s.summary_en] == [x.text for x in template.summary_en]


def test_polish_that_drops_diacritics_from_names_is_rejected(settings):
    doc = make_doc()
    llm = FakeLLM([polisher(lambda i, t: strip_marks(t).replace(" held ", " convened "))])
    s = summarise(doc, make_record(doc), llm, settings)
    en = " ".join(x.text for x in s.summary_en)
    assert "Pham Thi Hoa" not in en and "Phạm Thị Hoa" in en


def test_model_failure_falls_back_to_templates(settings):
    doc = make_doc()
    template = summarise(doc, make_record(doc), None, settings)
    s = summarise(doc, make_record(doc), FakeLLM(), settings)  # empty queue: LLMError
    assert [x.text for x in s.summary_en] == [x.text for x in template.summary_en]


def test_strong_model_writes_freely_under_verification(settings):
    doc = make_doc()
    strong = settings.model_copy(update={"llm": settings.llm.model_copy(update={"url": "http://127.0.0.1:9/v1"})})
    reply = ("The Bloc Party Committee admitted 214 new Party members in 2023 [p002]. "
             "It now has 9,999 Party members [p002]. "
             "The conference was chaired by Pham Thi Hoa [p001].")
    s = summarise(doc, make_record(doc), FakeLLM([reply]), strong)
    en = [x.text for x in s.summary_en]
    assert en[0].startswith("The Bloc Party Committee admitted 214 new Party members in 2023")
    assert en[0] and s.summary_en[0].citations[0].paragraph_id == "p002"
    assert not any("9,999" in t for t in en)  # unsupported number: dropped
    assert not any("Pham Thi Hoa" in t for t in en)  # diacritics lost: dropped
    assert any("Phạm Thị Hoa" in t for t in en)  # the fact comes back as its template sentence
    assert any("7,412" in t for t in en)  # key figures the model left out are added back


# --- province guard ----------------------------------------------------------------------------


def test_no_province_the_article_does_not_name(settings):
    doc = make_doc()
    s = summarise(doc, make_record(doc, province="Nam Định"), None, settings)  # a wrong record
    text = " ".join(x.text for x in s.summary_vi + s.summary_en)
    assert "Nam Định" not in text


def test_province_named_by_the_article_is_used(settings):
    doc = make_doc()
    doc.paragraphs[1].text = doc.paragraphs[1].text.replace("tỉnh tổ chức", "tỉnh Hà Giang tổ chức")
    rec = make_record(doc, province="Hà Giang")
    s = summarise(doc, rec, None, settings)
    assert "Hà Giang" in s.summary_en[0].text


# --- glossary and numbers ----------------------------------------------------------------------


def test_glossary_terms():
    g = load_glossary()
    assert g.org("Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh") == "Provincial Agencies and Enterprises Bloc Party Committee"
    assert g.org("Đảng uỷ Khối các cơ quan và doanh nghiệp tỉnh") == "Provincial Agencies and Enterprises Bloc Party Committee"
    assert g.translate("kết nạp đảng viên mới").text == "new Party members admitted"
    assert [g.lookup(w).en for w in ("Chỉ thị", "Nghị quyết", "Kết luận", "Quyết định")] == ["Directive", "Resolution", "Conclusion", "Decision"]
    assert g.lookup("tổ chức cơ sở đảng").sg == "grassroots Party organisation"
    assert g.org("Huyện ủy Cầu Ngang") == "Cầu Ngang District Party Committee"
    assert g.title("Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh") == (
        "Standing Deputy Secretary of the Provincial Party Committee and Chairman of the Provincial People's Council")
    assert g.translate("2 đảng bộ và 1 chi bộ").text == "2 Party organisations and 1 Party cell"
    assert g.title("Giám đốc Sở Tài chính") is None  # not in the glossary: no half-English title
    assert not g.translate("hoàn thành chỉ tiêu về thu ngân sách").ok
    assert 60 <= len(g.terms) <= 400


def test_english_notation():
    assert en_number("103,33%") == "103.33%"
    assert en_number("6.059") == "6,059"
    assert en_number("04") == "4"
    assert en_number("2021") == "2021"
    assert en_number("2017-2021") == "2017-2021"


# --- JSON --------------------------------------------------------------------------------------


def test_summary_json_shape(settings):
    doc = make_doc()
    s = summarise(doc, make_record(doc), None, settings)
    j = summary_json(s, doc)
    assert set(j) == {"doc_id", "summary_vi", "summary_en", "citations"}
    assert isinstance(j["summary_vi"], str) and isinstance(j["summary_en"], str)
    assert j["citations"]
    for c in j["citations"]:
        assert set(c) == {"doc_id", "paragraph_id", "text", "quote", "language", "sentence"}
        assert c["text"] == doc.paragraph(c["paragraph_id"]).text
        assert c["quote"] in c["text"]
        assert c["language"] in ("vi", "en")
        assert c["sentence"] in (j["summary_vi"] if c["language"] == "vi" else j["summary_en"])
    assert {c["language"] for c in j["citations"]} == {"vi", "en"}


# --- store and cache ---------------------------------------------------------------------------


def _store_with(settings: Settings, doc: Document, record: Record | None) -> Store:
    st = Store(settings.store).ensure()
    st.put_document(doc)
    if record is not None:
        st.put_record(record)
    return st


def test_cache_second_call_does_not_call_the_model(settings):
    doc = make_doc()
    st = _store_with(settings, doc, make_record(doc))
    llm = FakeLLM(default=polisher(lambda i, t: t))
    first = summarise_store(settings, progress=False, llm=llm)
    assert len(llm.calls) == 1 and st.get_summary("sample") is not None
    second = summarise_store(settings, progress=False, llm=llm)
    assert len(llm.calls) == 1
    assert second[0] == first[0]
    summarise_store(settings, progress=False, llm=llm, force=True)
    assert len(llm.calls) == 2


def test_cache_recomputes_on_prompt_version_and_content_hash(settings, tmp_path):
    prompts = tmp_path / "prompts"
    shutil.copytree(Path(__file__).resolve().parents[1] / "prompts", prompts)
    settings = settings.model_copy(update={"prompts_dir": prompts})
    doc = make_doc()
    st = _store_with(settings, doc, make_record(doc))
    llm = FakeLLM(default=polisher(lambda i, t: t))
    summarise_store(settings, progress=False, llm=llm)
    assert len(llm.calls) == 1
    p = prompts / "summary_polish_en.j2"
    p.write_text(p.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    summarise_store(settings, progress=False, llm=llm)
    assert len(llm.calls) == 2
    summarise_store(settings, progress=False, llm=llm)
    assert len(llm.calls) == 2
    doc2 = make_doc(content_hash="h2")
    st.put_document(doc2)  # drops the record and summary of the old content
    st.put_record(make_record(doc2))
    out = summarise_store(settings, progress=False, llm=llm)
    assert len(llm.calls) == 3 and out[0].content_hash == "h2"


def test_missing_record_is_an_error_naming_the_fix(settings):
    from toolkit.summarise import MissingRecordError

    doc = make_doc()
    st = _store_with(settings, doc, None)
    llm = FakeLLM(default=polisher(lambda i, t: t))
    with pytest.raises(MissingRecordError) as e:
        summarise_store(settings, progress=False, llm=llm)
    assert str(e.value) == "no current record for sample: run `toolkit extract sample` first"
    assert st.get_record("sample") is None and not llm.calls  # summarising never extracts


# --- real model --------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_article_has_no_unsupported_numbers(real_llm, corpus_dir, tmp_path):
    from toolkit.extract import extract_store
    from toolkit.ingest import ingest_paths
    from toolkit.summarise import source_paragraphs

    settings = Settings(store=tmp_path / "store")
    st = Store(settings.store).ensure()
    path = sorted(corpus_dir.glob("002_*.txt"))[0]
    ingest_paths([path], st, settings)
    rec = extract_store(settings, progress=False, llm=FakeLLM(), store=st)[0]  # rule labels: no model time
    doc = st.get_document(path.stem)
    s = summarise(doc, rec, real_llm, settings)
    sources = source_paragraphs(doc)
    assert s.summary_en and s.summary_vi
    assert unsupported_numbers(" ".join(x.text for x in s.summary_en), sources, "auto") == []
    assert unsupported_numbers(" ".join(x.text for x in s.summary_vi), sources, "vi") == []


def test_a_failed_model_call_is_not_cached_as_the_models(settings):
    doc = make_doc()
    st = _store_with(settings, doc, make_record(doc))
    failing = FakeLLM()  # no replies: every call raises LLMError
    failing.name = "qwen"
    out = summarise_store(settings, progress=False, llm=failing)
    assert out[0].summary_en and out[0].model == ""  # template English, shown, but not cached as the model's
    good = FakeLLM(default=polisher(lambda i, t: t.replace(" held ", " convened ")))
    good.name = "qwen"
    out = summarise_store(settings, progress=False, llm=good)
    assert len(good.calls) == 1 and "convened" in out[0].summary_en[0].text and out[0].model == "qwen"
    assert st.get_summary("sample").model == "qwen"


def test_vietnamese_word_share_sets_names_aside():
    from toolkit.summarise import vietnamese_share

    assert vietnamese_share("Phạm Thị Hoa chaired the conference.", {"phạm", "thị", "hoa"}) == (0, 3)
    vi, total = vietnamese_share("The Dang uy Khoi held a hội nghị tổng kết.")
    assert (vi, total) == (7, 10)
    assert vi_ratio("The Đảng ủy Khối held a conference.") > 0.15


def test_polish_that_changes_a_title_is_rejected(settings):
    doc = make_doc()
    template = summarise(doc, make_record(doc), None, settings)
    llm = FakeLLM([polisher(lambda i, t: t.replace("Secretary of the Bloc Party Committee", "Chairman of the Provincial Party Committee"))])
    s = summarise(doc, make_record(doc), llm, settings)
    en = " ".join(x.text for x in s.summary_en)
    assert "Chairman of the Provincial Party Committee" not in en
    assert [x.text for x in s.summary_en] == [x.text for x in template.summary_en]
