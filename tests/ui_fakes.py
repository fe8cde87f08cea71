"""A fake pipeline and sample objects for the UI tests (unit and browser). Written for the tests:
no real article text."""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.pipeline import Pipeline
from toolkit.targets import build_timeline
from toolkit.schemas import (Answer, Citation, Document, DocumentRef, Evidence, Figure, IngestFailure, IngestReport,
                             Paragraph, Person, Record, Summary, SummarySentence)

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def make_doc(doc_id: str, title: str, paras: list[str], published: datetime | None = None) -> Document:
    text, out, pos = "", [], 0
    for i, t in enumerate([title] + paras):
        start = len(text)
        text += t + "\n\n"
        out.append(Paragraph(paragraph_id=f"p{i:03d}", kind="title" if i == 0 else "body", text=t, start=start,
                             end=start + len(t)))
    return Document(doc_id=doc_id, source_path=f"/x/{doc_id}.txt", title=title, published=published, encoding="utf-8",
                    content_hash=doc_id, text=text, paragraphs=out)


def ev(doc: Document, pid: str, quote: str) -> Evidence:
    t = doc.paragraph(pid).text
    i = t.index(quote)
    return Evidence(doc_id=doc.doc_id, paragraph_id=pid, quote=quote, start=i, end=i + len(quote))


P1 = ("Năm 2021, Đảng bộ xã Tân Phú đã kết nạp 152/150 đảng viên mới, đạt 101,33% kế hoạch. "
      "Công tác kiểm tra, giám sát được tăng cường.")
P2 = "Đồng chí Nguyễn Văn An, Bí thư Huyện ủy, phát biểu chỉ đạo hội nghị."
DOC_A = make_doc("a_001", "Hội nghị tổng kết công tác xây dựng Đảng năm 2021", [P1, P2], datetime(2021, 12, 20, 8, 0))
DOC_B = make_doc("b_002", f"Bài có mã độc {PAYLOAD}", [f"Đoạn văn chứa {PAYLOAD} ở giữa câu."], datetime(2022, 3, 1))
DOC_C = make_doc("c_003", "Sơ kết 6 tháng đầu năm 2022", ["Đảng bộ xã Tân Phú phấn đấu kết nạp 40 đảng viên mới trong năm 2022.",
                                                          "Sáu tháng đầu năm đã kết nạp 25 đảng viên mới."], datetime(2022, 7, 5))

REC_A = Record(doc_id="a_001", title=DOC_A.title, date=date(2021, 12, 20), province="Long An",
               organization="Đảng bộ xã Tân Phú", period="năm 2021",
               people=[Person(name="Nguyễn Văn An", title="Bí thư Huyện ủy", role="chair", evidence=ev(DOC_A, "p002", "Nguyễn Văn An"))],
               figures=[Figure(label="kết nạp đảng viên mới", value=152, target=150, unit="đảng viên", raw="152/150",
                               kind="result", evidence=ev(DOC_A, "p001", "152/150"))],
               documents=[DocumentRef(code="05-CT/TW", type="Chỉ thị", evidence=ev(DOC_A, "p001", "kết nạp"))])
REC_C = Record(doc_id="c_003", title=DOC_C.title, date=date(2022, 7, 5), province="Tây Ninh",
               organization="Đảng bộ xã Tân Phú",
               figures=[Figure(label="chỉ tiêu kết nạp đảng viên mới", value=40, unit="đảng viên", raw="40", kind="target",
                               period="năm 2022", evidence=ev(DOC_C, "p001", "kết nạp 40 đảng viên mới")),
                        Figure(label="kết nạp đảng viên mới", value=25, unit="đảng viên", raw="25", kind="result",
                               period="6 tháng đầu năm 2022", evidence=ev(DOC_C, "p002", "kết nạp 25 đảng viên mới"))])


# a 2021 year-end article setting a 2022 target, and the 2022 article reporting its result (invented)
DOC_D = make_doc("d_004", "Đảng bộ huyện Lâm Hà tổng kết năm 2021", ["Năm 2021 kết nạp 61 đảng viên mới.",
                                                                    "Năm 2022 phấn đấu kết nạp 70 đảng viên mới."],
                 datetime(2021, 12, 27))
DOC_E = make_doc("e_005", "Đảng bộ huyện Lâm Hà tổng kết năm 2022", ["Trong năm 2022 đã kết nạp 73 đảng viên mới."],
                 datetime(2022, 12, 26))
REC_D = Record(doc_id="d_004", title=DOC_D.title, date=date(2021, 12, 27), province="Lâm Đồng", organization="Đảng bộ huyện Lâm Hà",
               period="năm 2021", event_type="year_review",
               figures=[Figure(label="kết nạp đảng viên mới", value=61, unit="đảng viên", raw="61", kind="result",
                               evidence=ev(DOC_D, "p001", "kết nạp 61 đảng viên mới")),
                        Figure(label="kết nạp đảng viên mới", value=70, unit="đảng viên", raw="70", kind="target",
                               evidence=ev(DOC_D, "p002", "Năm 2022 phấn đấu kết nạp 70 đảng viên mới"))])
REC_E = Record(doc_id="e_005", title=DOC_E.title, date=date(2022, 12, 26), province="Lâm Đồng", organization="Đảng bộ huyện Lâm Hà",
               period="năm 2022", event_type="year_review",
               figures=[Figure(label="kết nạp đảng viên mới", value=73, unit="đảng viên", raw="73", kind="result",
                               evidence=ev(DOC_E, "p001", "kết nạp 73 đảng viên mới"))])


class FakePipeline:
    """The methods of toolkit.pipeline.Pipeline the UI uses, over in-memory objects."""

    def __init__(self, answers: dict[str, Answer] | None = None, report: dict | None = None, timeline: bool = False):
        self.docs = {d.doc_id: d for d in (DOC_A, DOC_B, DOC_C) + ((DOC_D, DOC_E) if timeline else ())}
        self.records = {"a_001": REC_A, "c_003": REC_C} | ({"d_004": REC_D, "e_005": REC_E} if timeline else {})
        self.summaries = {"a_001": Summary(doc_id="a_001", summary_vi=[SummarySentence(text="Kết nạp 152 đảng viên.",
                                                                                        citations=[ev(DOC_A, "p001", "152/150")])],
                                           summary_en=[SummarySentence(text="152 new members admitted.")])}
        self.answers = answers or {}
        self.report = report
        self.asked: list[str] = []
        self.filters: list[dict | None] = []
        self.ingested: list[list[Path]] = []

    def ask(self, question: str, filters: dict | None = None) -> Answer:
        self.asked.append(question)
        self.filters.append(filters)
        if question == "boom":
            raise ToolkitError("models/x.gguf: missing; run `toolkit models`")
        return self.answers.get(question) or Answer(question=question, answer="Không có thông tin.", language="vi",
                                                    abstained=True, route="abstain")

    def document(self, doc_id):
        return self.docs.get(doc_id)

    def record(self, doc_id):
        return self.records.get(doc_id)

    def summary(self, doc_id):
        return self.summaries.get(doc_id)

    def provinces(self):
        return sorted({r.province for r in self.records.values() if r.province})

    def documents(self, province=None, date_from=None, date_to=None, text=None):
        # reuse the real filter logic over our fake store
        p = Pipeline.__new__(Pipeline)
        p._store = _MemStore(self)
        p._build_lock = threading.Lock()
        return Pipeline.documents(p, province=province, date_from=date_from, date_to=date_to, text=text)

    def targets(self):
        return build_timeline(list(self.records.values()))

    def ingest_paths(self, paths):
        self.ingested.append(list(paths))
        rep = IngestReport()
        for p in paths:
            if p.suffix != ".txt":
                rep.failed.append(IngestFailure(path=str(p), problem="unsupported extension; use .txt, .html, .htm or .md"))
                continue
            t = p.read_text(encoding="utf-8").splitlines()
            self.docs[p.stem] = make_doc(p.stem, t[0], [x for x in t[1:] if x.strip()])
            rep.added.append(p.stem)
        return rep

    def latest_eval_report(self):
        return self.report

    # background records and summaries, as toolkit.pipeline.Pipeline gives them (a real RecordJobs)
    def _run_stage(self, doc_id, stage, force):
        doc = self.docs[doc_id]
        if stage == "extract":
            if "hỏng" in doc.title:
                raise ToolkitError(f"{doc_id}: the model's reply did not fit the record schema")
            self.records[doc_id] = Record(doc_id=doc_id, title=doc.title, province="Điện Biên", organization="Đảng bộ xã Mường Phăng")
        else:
            self.summaries[doc_id] = Summary(doc_id=doc_id, summary_vi=[SummarySentence(text=f"Tóm tắt: {doc.title}")],
                                             summary_en=[SummarySentence(text="Summary.")])

    @property
    def jobs(self):
        from toolkit.jobs import RecordJobs

        if getattr(self, "_jobs", None) is None:
            self._jobs = RecordJobs(self._run_stage)
        return self._jobs

    def schedule(self, doc_ids, stages=("extract", "summarise"), force=False):
        return self.jobs.submit(list(doc_ids), stages=stages, force=force)

    def progress(self):
        return self.jobs.progress()

    def missing(self):
        return {"extract": [d for d in self.docs if d not in self.records],
                "summarise": [d for d in self.docs if d not in self.summaries]}


class _MemStore:
    def __init__(self, fp: FakePipeline):
        self.fp = fp

    def documents(self):
        return list(self.fp.docs.values())

    def get_record(self, doc_id):
        return self.fp.records.get(doc_id)


NUMBER_Q = "Năm 2021 xã Tân Phú kết nạp bao nhiêu đảng viên?"
ANSWER = Answer(question=NUMBER_Q, answer="Đảng bộ xã Tân Phú kết nạp 152 đảng viên mới, đạt 101,33% kế hoạch.", language="vi",
                abstained=False, route="extractive",
                citations=[Citation(doc_id="a_001", paragraph_id="p001", text=P1,
                                    quote="Năm 2021, Đảng bộ xã Tân Phú đã kết nạp 152/150 đảng viên mới, đạt 101,33% kế hoạch.",
                                    start=0, end=87),
                           Citation(doc_id="b_002", paragraph_id="p001", text=DOC_B.paragraphs[1].text, quote=PAYLOAD)])




def cited(question: str, doc: Document, pid: str, quote: str, answer: str, lang: str = "vi") -> Answer:
    """An answer citing one paragraph of a fake document."""
    text = doc.paragraph(pid).text
    i = text.index(quote)
    return Answer(question=question, answer=answer, language=lang, abstained=False, route="extractive",
                  citations=[Citation(doc_id=doc.doc_id, paragraph_id=pid, text=text, quote=quote, start=i, end=i + len(quote))])
