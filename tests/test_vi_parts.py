"""Questions that ask several things are split into parts, each with the question's context;
comparisons are recognised. Invented fixtures in several styles."""

from toolkit.answer.records import named_by_title
from toolkit.schemas import Evidence, Person
from toolkit.vi.parts import is_comparison, split_parts


def test_vietnamese_two_counts_split_with_context():
    parts = split_parts("Năm 2023, Đảng bộ xã Phú Lộc kết nạp bao nhiêu đảng viên mới và làm được bao nhiêu km đường giao thông?")
    assert len(parts) == 2
    assert parts[0].startswith("Năm 2023, Đảng bộ xã Phú Lộc kết nạp bao nhiêu")
    assert parts[1].startswith("làm được bao nhiêu km đường giao thông")
    assert "Phú Lộc" in parts[1] and "2023" in parts[1]


def test_english_two_questions_split_at_comma_and():
    parts = split_parts("In the first nine months of 2024, how many households did Tân Hòa commune help out of poverty, "
                        "and what was its per-capita income?")
    assert len(parts) == 2
    assert "per-capita income" in parts[1] and "Tân Hòa" in parts[1]


def test_one_cue_or_a_list_inside_one_clause_is_one_part():
    assert split_parts("Huyện Lạc Sơn đã kiểm tra, giám sát bao nhiêu tổ chức đảng?") == [
        "Huyện Lạc Sơn đã kiểm tra, giám sát bao nhiêu tổ chức đảng?"]
    assert len(split_parts("Who chaired the Bắc Kạn conference on 3 March?")) == 1


def test_comparisons_are_recognised():
    assert is_comparison("So sánh thu ngân sách năm 2023 của huyện A Lưới và huyện Phong Điền: huyện nào cao hơn?")
    assert is_comparison("Which admitted more new members in 2023: Hòa Bình or Sơn La?")
    assert is_comparison("Tổng thu ngân sách của huyện X và huyện Y lần lượt là bao nhiêu?")
    assert not is_comparison("Huyện Mai Châu thu ngân sách bao nhiêu năm 2023?")


def _p(name: str, title: str, role: str) -> Person:
    ev = Evidence(doc_id="d1", paragraph_id="p1", quote=name, start=0, end=len(name))
    return Person(name=name, title=title, role=role, evidence=ev)


def test_a_title_named_in_the_question_picks_its_holder():
    people = [_p("Hà Văn Bình", "Ủy viên Ban Thường vụ, Trưởng Ban Tổ chức Tỉnh ủy", "attendee"),
              _p("Lò Thị Mai", "Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh", "speaker")]
    got = named_by_title(people, "Ai là Phó Bí thư Thường trực Tỉnh ủy dự hội nghị của Đảng bộ Khối tỉnh Lai Châu?")
    assert [p.name for p in got] == ["Lò Thị Mai"]
    # no title of theirs in the question: everyone stays
    assert named_by_title(people, "Ai dự hội nghị của Đảng bộ Khối tỉnh Lai Châu?") == people


def test_a_clear_lead_answers_under_the_bar_and_a_close_race_abstains():
    from toolkit.answer.candidates import Candidate, matched_terms
    from toolkit.answer.reader import choose
    from toolkit.settings import AnswerSettings
    from toolkit.vi.question import analyse_question

    text = "Ngày 5-3, Huyện ủy Mường Tè họp. Năm 2023 huyện đạt 12 chỉ tiêu. Trồng 40 ha rừng."
    def cand(start: int, end: int, score: float) -> Candidate:
        c = Candidate("d1", "p1", text, start, end, rank=0, feats={"type": 1.0}, score=score)
        c.matched = matched_terms(text[start:end], info)  # "họp": what is asked, beyond the body's name
        return c
    info = analyse_question("Ngày nào Huyện ủy Mường Tè họp?")
    cfg = AnswerSettings(abstain_below=0.84, lead_below=0.6, lead_gap=0.2)
    lead = [cand(0, 32, 0.7), cand(33, 64, 0.3)]
    assert [c.start for c in choose(lead, info, cfg)] == [0]
    race = [cand(0, 32, 0.7), cand(33, 64, 0.6)]
    assert choose(race, info, cfg) == []
    low = [cand(0, 32, 0.55), cand(33, 64, 0.1)]  # a lead, but under lead_below
    assert choose(low, info, cfg) == []


class _Store:
    def __init__(self, record):
        self.record = record

    def get_record(self, doc_id):
        return self.record

    def get_document(self, doc_id):
        return None


def test_record_route_answers_the_role_after_the_who_word_and_never_a_person_the_question_names():
    from toolkit.answer.records import role_people
    from toolkit.schemas import Record
    from toolkit.vi.question import analyse_question

    chair = _p("Lường Văn Toản", "Bí thư Huyện ủy", "chair")
    presenter = _p("Quàng Thị Nga", "Chánh Văn phòng Huyện ủy", "presenter")
    store = _Store(Record(doc_id="d1", title="t", people=[chair, presenter]))
    info = analyse_question("Ai trình bày báo cáo tại hội nghị do ông Lường Văn Toản chủ trì?")
    assert [p.name for p, _ in role_people(info, [("d1", "p1")], store)] == ["Quàng Thị Nga"]
    info = analyse_question("Ông Lường Văn Toản chủ trì hội nghị nào, ai chủ trì?")
    assert role_people(info, [("d1", "p1")], store) == []  # the only chair is named by the question


def test_a_date_right_after_a_document_code_is_that_documents_date():
    from toolkit.answer.candidates import type_cue
    from toolkit.answer.spans import spans_of
    from toolkit.vi.question import analyse_question

    cited = spans_of("Triển khai Nghị quyết số 12-NQ/HU, ngày 03-02-2023 của Huyện ủy Mộc Châu về chuyển đổi số.")
    own = spans_of("Sáng 14/3, Huyện ủy Mộc Châu tổ chức hội nghị sơ kết.")
    bracket = spans_of("Kế hoạch 45-KH/TU (ngày 9/6/2024) được quán triệt tới chi bộ.")
    assert [s.label for s in cited if s.kind == "date"] == ["12-NQ/HU"]
    assert [s.label for s in own if s.kind == "date"] == [""]
    assert [s.label for s in bracket if s.kind == "date"] == ["45-KH/TU"]
    event = analyse_question("Huyện ủy Mộc Châu tổ chức hội nghị vào ngày nào?")
    issued = analyse_question("Nghị quyết số 12-NQ/HU được ban hành ngày nào?")
    other = analyse_question("Nghị quyết số 7-NQ/HU được ban hành ngày nào?")
    assert type_cue(cited, event, 0) == 0.0 and type_cue(own, event, 0) == 1.0
    assert type_cue(cited, issued, 0) == 1.0 and type_cue(cited, other, 0) == 0.0


def _cand(text: str, score: float, start: int = 0, end: int | None = None, doc: str = "d1", pid: str = "p1"):
    from toolkit.answer.candidates import Candidate
    from toolkit.answer.spans import spans_of

    c = Candidate(doc, pid, text, start, len(text) if end is None else end, rank=0, feats={"type": 1.0}, score=score)
    c.spans = spans_of(c.quote, [])
    return c


def test_the_asked_document_kind_or_the_named_documents_date_answers_under_the_bar():
    from toolkit.answer.keys import key_match
    from toolkit.answer.reader import choose
    from toolkit.settings import AnswerSettings
    from toolkit.vi.question import analyse_question

    cfg = AnswerSettings(abstain_below=0.84, lead_below=0.6, lead_gap=0.2)
    kind = analyse_question("Đại hội Đảng bộ huyện Tân Uyên được đánh giá theo tinh thần chỉ thị nào của Bộ Chính trị?")
    holds = _cand("Đại hội thành công theo tinh thần Chỉ thị 42-CT/TW của Bộ Chính trị.", 0.7)
    other = _cand("Đại hội quán triệt Nghị quyết 21-NQ/TW của Trung ương.", 0.69)
    assert key_match(holds, kind) and not key_match(other, kind)
    assert choose([holds, other], kind, cfg) == [holds]  # no lead over the runner-up, but the asked kind
    assert choose([other, holds], kind, cfg) == [holds]  # nearly tied: the asked kind takes the best's place
    low = _cand("Đại hội thành công theo tinh thần Chỉ thị 42-CT/TW của Bộ Chính trị.", 0.55)
    assert choose([other, low], kind, cfg) == []  # far below the best: the bar stands

    named = analyse_question("Quy định số 17-QĐ/TU của Tỉnh ủy Lai Châu được ban hành ngày nào?")
    dated = _cand("Thực hiện Quy định số 17-QĐ/TU, ngày 3-6-2022 của Tỉnh ủy về công tác cán bộ.", 0.65)
    undated = _cand("Thực hiện Quy định số 17-QĐ/TU của Tỉnh ủy, sáng 9-6 huyện tổ chức hội nghị.", 0.65)
    assert key_match(dated, named) and not key_match(undated, named)

    both = analyse_question("Huyện ủy triển khai kết luận nào, và chỉ thị nào của Tỉnh ủy?")
    one_kind = _cand("Huyện ủy triển khai Kết luận số 14-KL/TW của Bộ Chính trị.", 0.7)
    assert both.code_types == {"KL", "CT"} and not key_match(one_kind, both)  # half of what is asked

    figure = analyse_question("Theo chỉ thị nào, huyện kết nạp bao nhiêu đảng viên?")
    assert not key_match(_cand("Theo Chỉ thị 42-CT/TW, huyện kết nạp 40 đảng viên.", 0.7), figure)


def test_a_sentence_answers_no_more_parts_than_it_holds_new_spans():
    from toolkit.answer.partwise import respond_parts as _respond_parts
    from toolkit.settings import Settings
    from toolkit.vi.question import analyse_question

    settings = Settings()
    question = "Ai chủ trì hội nghị của Huyện ủy Phong Thổ, và ai trình bày báo cáo?"
    info = analyse_question(question)
    one_person = _cand("Đồng chí Lò Văn Mừng, Bí thư Huyện ủy chủ trì và phát biểu tại hội nghị.", 0.95)
    second = _cand("Đồng chí Tao Thị Hoa, Chánh Văn phòng Huyện ủy trình bày báo cáo.", 0.93, pid="p2")
    p1 = analyse_question("Ai chủ trì hội nghị của Huyện ủy Phong Thổ")
    p2 = analyse_question("ai trình bày báo cáo (Phong Thổ)")
    got = _respond_parts(question, info, [(p1, [one_person, second]), (p2, [one_person, second])], settings=settings, t0=0.0)
    assert got is not None
    assert {c.quote for c in got.citations} == {one_person.quote, second.quote}  # two people, two sentences
    alone = _respond_parts(question, info, [(p1, [one_person]), (p2, [one_person])], settings=settings, t0=0.0)
    assert alone is None  # one person cannot answer both parts


def test_a_code_the_question_names_never_answers_one_of_its_parts():
    from toolkit.answer.partwise import _new_spans

    c = _cand("Triển khai Kết luận số 14-KL/TW về tiếp tục thực hiện Chỉ thị 05-CT/TW.", 0.8)
    question = "Tỉnh ủy triển khai kết luận nào về tiếp tục thực hiện Chỉ thị 05-CT/TW, và chỉ thị nào của Tỉnh ủy?"
    assert [sp.text for sp in _new_spans(c, "code", question)] == ["14-KL/TW"]


def test_a_one_figure_question_matches_a_figure_in_its_own_words_and_tense():
    from toolkit.answer.candidates import focus_hits
    from toolkit.answer.keys import key_match
    from toolkit.vi.periods import sets_target
    from toolkit.vi.question import analyse_question

    def cand(text, info):
        c = _cand(text, 0.7)
        c.covers = focus_hits(c.spans, text, info)
        marks = sets_target(text)
        c.feats.update(target_match=float("target" in info.wants and marks), target_clash=float("target" not in info.wants and marks))
        return c

    target = analyse_question("Năm 2024, Đảng bộ huyện Tam Đường đặt chỉ tiêu kết nạp mới bao nhiêu đảng viên?")
    assert key_match(cand("Phấn đấu kết nạp mới 120 đảng viên trở lên.", target), target)
    assert not key_match(cand("Năm 2023 đã kết nạp mới 131 đảng viên.", target), target)  # a result, not the target
    result = analyse_question("Năm 2023, Đảng bộ huyện Tam Đường kết nạp mới bao nhiêu đảng viên?")
    assert key_match(cand("Năm 2023 đã kết nạp mới 131 đảng viên.", result), result)
    assert not key_match(cand("Toàn Đảng bộ hiện có 4.210 đảng viên.", result), result)  # the same thing, another verb
    assert not key_match(cand("Đã kết nạp mới 12 chi bộ.", result), result)  # another thing


def test_a_meeting_date_the_verified_record_holds_answers_a_date_question_under_the_bar():
    from datetime import date

    from toolkit.answer.reader import choose
    from toolkit.answer.records import mark_meeting_dates
    from toolkit.schemas import Evidence, Record
    from toolkit.settings import AnswerSettings
    from toolkit.vi.question import analyse_question

    text = "Sáng 14.3, Huyện ủy Bát Xát tổ chức hội nghị sơ kết quý I. Ngày 20-3, huyện ra quân trồng rừng."
    meeting = _cand(text, 0.7, 0, 60)
    other = _cand(text, 0.69, 61, len(text))
    rec = Record(doc_id="d1", title="Huyện ủy Bát Xát sơ kết quý I", date=date(2024, 3, 14),
                 date_evidence=Evidence(doc_id="d1", paragraph_id="p1", quote="Sáng 14.3", start=0, end=9))
    # (the question names the meeting by one word: no sentence states its event in the question's terms)
    info = analyse_question("On what date did the Bát Xát District Party Committee meet?")
    cfg = AnswerSettings(abstain_below_en=0.76, lead_below_en=0.6, key_below_en=0.6)
    assert choose([meeting, other], info, cfg) == []  # no lead: abstain
    mark_meeting_dates([meeting, other], _Store(rec))
    assert meeting.feats.get("record_date") and not other.feats.get("record_date")
    assert choose([meeting, other], info, cfg) == [meeting]
    assert choose([other, meeting], info, cfg) == [meeting]  # nearly tied: the record's date takes the best's place
    far = _cand(text, 0.55, 0, 60)
    far.feats.update(meeting.feats)
    assert choose([other, far], info, cfg) == []  # far below the best: the bar stands


def test_officials_of_the_asked_level_are_those_whose_title_is_at_that_level():
    from toolkit.answer.records import at_asked_level

    people = [_p("Lường Văn Sơn", "HUV, Trưởng Ban Dân vận Huyện ủy", "speaker"),
              _p("Hà Thị Lan", "Chủ tịch UBND xã", "attendee"),
              _p("Vi Văn Kiên", "Phó Bí thư Tỉnh ủy", "attendee")]
    assert [p.name for p in at_asked_level(people, "Which district Party officials attended the commune's review?")] == ["Lường Văn Sơn"]
    assert [p.name for p in at_asked_level(people, "Lãnh đạo tỉnh nào dự hội nghị?")] == ["Vi Văn Kiên"]
    assert at_asked_level(people, "Who attended the district's review?") is None  # a place, not the officials' level


def test_a_comparison_that_finds_only_one_side_abstains():
    from toolkit.answer import respond
    from toolkit.settings import Settings
    from toolkit.vi.question import analyse_question

    question = "So sánh số đảng viên kết nạp mới năm 2023 của huyện Sìn Hồ và huyện Than Uyên: huyện nào nhiều hơn?"
    info = analyse_question(question)
    one_side = [_cand("Năm 2023, huyện Sìn Hồ kết nạp mới 97 đảng viên.", 0.95)]
    got = respond(question, info, one_side, settings=Settings(), store=_Store(None), llm=None, t0=0.0)
    assert got.abstained
    both = one_side + [_cand("Năm 2023, huyện Than Uyên kết nạp mới 84 đảng viên.", 0.9, doc="d2")]
    got = respond(question, info, both, settings=Settings(), store=_Store(None), llm=None, t0=0.0)
    assert not got.abstained and {c.doc_id for c in got.citations} == {"d1", "d2"}


def test_a_part_whose_sentence_frames_its_figure_in_its_own_words_answers_under_the_part_bar():
    from toolkit.answer.partwise import respond_parts as _respond_parts
    from toolkit.answer.candidates import focus_hits
    from toolkit.settings import Settings
    from toolkit.vi.question import analyse_question

    question = "Năm 2023, xã Nậm Cha kết nạp bao nhiêu đảng viên, và mở được bao nhiêu lớp bồi dưỡng?"
    p1 = analyse_question("Năm 2023, xã Nậm Cha kết nạp bao nhiêu đảng viên")
    p2 = analyse_question("mở được bao nhiêu lớp bồi dưỡng (Nậm Cha; 2023)")

    def cand(text, info, pid):
        c = _cand(text, 0.7, pid=pid)
        c.covers = focus_hits(c.spans, text, info)
        c.feats.update(target_match=0.0, target_clash=0.0)
        return c

    a = cand("Năm 2023, Đảng bộ xã kết nạp 14 đảng viên.", p1, "p1")
    b = cand("Đảng ủy xã mở được 3 lớp bồi dưỡng chính trị.", p2, "p2")
    got = _respond_parts(question, analyse_question(question), [(p1, [a]), (p2, [b])], settings=Settings(), t0=0.0)
    assert got is not None and len(got.citations) == 2
    loose = cand("Toàn xã hiện có 212 đảng viên.", p1, "p3")  # the thing, not in the question's words
    assert _respond_parts(question, analyse_question(question), [(p1, [loose]), (p2, [b])], settings=Settings(), t0=0.0) is None


def test_a_part_takes_the_sentence_in_its_own_words_over_a_better_scored_one():
    from toolkit.answer.partwise import respond_parts as _respond_parts
    from toolkit.answer.candidates import focus_hits
    from toolkit.settings import Settings
    from toolkit.vi.question import analyse_question

    question = "Năm 2023, Đảng bộ huyện Mường Nhé kết nạp mới bao nhiêu đảng viên, và đạt bao nhiêu phần trăm chỉ tiêu?"
    p1 = analyse_question("Năm 2023, Đảng bộ huyện Mường Nhé kết nạp mới bao nhiêu đảng viên")
    p2 = analyse_question("đạt bao nhiêu phần trăm chỉ tiêu (Mường Nhé; 2023)")

    def cand(text, info, pid, score):
        c = _cand(text, score, pid=pid)
        c.covers = focus_hits(c.spans, text, info)
        c.feats.update(target_match=0.0, target_clash=0.0)
        return c

    loose = cand("Kiểm tra, giám sát 31 tổ chức đảng và 96 đảng viên.", p1, "p1", 0.93)
    own = cand("Qua đó kết nạp mới 88 đảng viên, đạt 110% chỉ tiêu.", p1, "p2", 0.91)
    got = _respond_parts(question, analyse_question(question), [(p1, [loose, own]), (p2, [own])], settings=Settings(), t0=0.0)
    assert got is not None and [c.quote for c in got.citations] == [own.quote]


def test_a_target_never_answers_what_was_done_and_an_expected_figure_is_a_target_question():
    from tests.test_answer import make_doc
    from toolkit.answer.candidates import build_candidates
    from toolkit.answer.stats import Stats
    from toolkit.index.retrieval import Hit
    from toolkit.vi.periods import sets_target
    from toolkit.vi.question import analyse_question

    text = "Năm 2024 kết nạp mới 96 đảng viên. Năm 2025 phấn đấu kết nạp mới từ 90 đảng viên trở lên."
    doc = make_doc("d1", [("title", "Huyện ủy Si Ma Cai tổng kết năm 2024"), ("body", text)])
    hit = Hit(chunk_id="c1", doc_id="d1", paragraph_id="p001", text=text, paragraph_text=text, start=0, end=len(text), score=1.0)
    for question, gated in (("Huyện Si Ma Cai kết nạp mới bao nhiêu đảng viên?", [False, True]),
                            ("Huyện Si Ma Cai đặt chỉ tiêu kết nạp mới bao nhiêu đảng viên?", [False, False])):
        cands = build_candidates(analyse_question(question), [hit], {"d1": doc}, Stats([doc]), None, 3)
        assert [c.gated for c in cands if c.paragraph_id == "p001"] == gated, question
    # "hoàn thành tốt nhiệm vụ trở lên" rates in its own clause; the admitted count is a result
    mixed = "Năm 2024 kết nạp mới 96 đảng viên; 90% chi bộ hoàn thành tốt nhiệm vụ trở lên."
    doc = make_doc("d2", [("title", "Huyện ủy Si Ma Cai tổng kết năm 2024"), ("body", mixed)])
    hit = Hit(chunk_id="c2", doc_id="d2", paragraph_id="p001", text=mixed, paragraph_text=mixed, start=0, end=len(mixed), score=1.0)
    cands = build_candidates(analyse_question("Huyện Si Ma Cai kết nạp mới bao nhiêu đảng viên?"), [hit], {"d2": doc}, Stats([doc]), None, 3)
    assert [c.gated for c in cands if c.paragraph_id == "p001"] == [False]

    assert "target" in analyse_question("Dự kiến đến hết năm 2024, huyện Si Ma Cai có bao nhiêu xã đạt chuẩn nông thôn mới?").wants
    assert "target" in analyse_question("How many communes is Si Ma Cai expected to bring up to the new-rural standard?").wants
    assert "target" not in analyse_question("How many new Party members did Si Ma Cai admit in 2024?").wants
    assert sets_target("Phấn đấu kết nạp mới từ 90 đảng viên trở lên.")
    assert not sets_target("Năm 2024 kết nạp mới 96 đảng viên, vượt chỉ tiêu đề ra.")
