"""The targets-vs-results timeline over hand-made records (invented organisations and figures)."""

from __future__ import annotations

import csv
import io
from datetime import date

from toolkit.vi.periods import period_key
from toolkit.schemas import Evidence, Figure, Record
from toolkit.targets import build_timeline, filter_rows, indicator_words, to_csv


def fig(doc: str, pid: str, quote: str, label: str, value: float, kind: str, unit: str = "đảng viên", period: str | None = None,
        raw: str | None = None, target: float | None = None) -> Figure:
    return Figure(label=label, value=value, unit=unit, raw=raw or str(value).rstrip("0").rstrip("."), kind=kind, period=period,
                  target=target, evidence=Evidence(doc_id=doc, paragraph_id=pid, quote=quote, start=0, end=len(quote)))


ORG = "Đảng bộ huyện Chư Sê"
Y2021 = Record(doc_id="gl_2021", title="Tổng kết năm 2021", date=date(2021, 12, 28), province="Gia Lai", organization=ORG,
               period="năm 2021", event_type="year_review", figures=[
                   fig("gl_2021", "p004", "kết nạp 210 đảng viên mới", "kết nạp đảng viên mới", 210, "result"),
                   fig("gl_2021", "p009", "năm 2022 phấn đấu kết nạp 230 đảng viên mới", "chỉ tiêu kết nạp đảng viên mới", 230, "target"),
                   fig("gl_2021", "p009", "tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ đạt 85% trở lên",
                       "tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ", 85, "target", unit="%", raw="85%", period="năm 2022"),
                   fig("gl_2021", "p010", "phấn đấu thành lập mới 4 chi bộ", "thành lập mới chi bộ", 4, "target", unit="chi bộ"),
               ])
Y2022 = Record(doc_id="gl_2022", title="Tổng kết năm 2022", date=date(2022, 12, 21), province="Gia Lai",
               organization="Đảng bộ huyện Chư Sê", period="năm 2022", event_type="year_review", figures=[
                   fig("gl_2022", "p003", "kết nạp được 241 đảng viên mới", "kết nạp đảng viên mới", 241, "result"),
                   fig("gl_2022", "p003", "tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ đạt 88,6%",
                       "tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ", 88.6, "result", unit="%", raw="88,6%"),
                   fig("gl_2022", "p003", "88 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ",
                       "tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ", 88, "count", unit="tổ chức"),
                   fig("gl_2022", "p008", "năm 2023 phấn đấu kết nạp 250 đảng viên mới", "kết nạp đảng viên mới", 250, "target"),
               ])
H2023 = Record(doc_id="gl_2023h1", title="Sơ kết 6 tháng đầu năm 2023", date=date(2023, 7, 12), province="Gia Lai",
               organization="Đảng bộ huyện Chư Sê", period="6 tháng đầu năm 2023", event_type="period_review", figures=[
                   fig("gl_2023h1", "p002", "kết nạp 118 đảng viên mới", "kết nạp đảng viên mới", 118, "result"),
               ])
# the same organisation name in another province: never the same organisation
OTHER = Record(doc_id="cm_2022", title="Hội nghị tổng kết", date=date(2022, 12, 30), province="Cà Mau",
               organization="Đảng bộ huyện Chư Sê", period="năm 2022", figures=[
                   fig("cm_2022", "p001", "kết nạp 999 đảng viên mới", "kết nạp đảng viên mới", 999, "result")])
SLASH = Record(doc_id="hg_2021", title="Tổng kết", date=date(2022, 1, 6), province="Hà Giang", organization="Đảng ủy xã Lũng Cú",
               period="năm 2021", figures=[fig("hg_2021", "p002", "kết nạp 17/15 đảng viên", "kết nạp đảng viên", 17, "result",
                                               raw="17/15", target=15)])

ALL = [Y2021, Y2022, H2023, OTHER, SLASH]


def _row(rows, indicator_part: str, period: str):
    hits = [r for r in rows if indicator_part in r.indicator and r.period == period]
    assert len(hits) == 1, [(r.indicator, r.period) for r in rows]
    return hits[0]


def test_a_target_set_in_a_2021_article_meets_its_result_in_the_2022_article():
    rows = build_timeline(ALL)
    r = _row(rows, "kết nạp đảng viên mới", "năm 2022")
    assert (r.target.value, r.target.ref) == (230, "gl_2021/p009")
    assert (r.result.value, r.result.ref) == (241, "gl_2022/p003")
    assert r.percent == 104.78 and not r.partial and r.province == "Gia Lai"


def test_a_years_targets_are_never_shown_under_the_year_the_article_reviews():
    rows = build_timeline(ALL)
    periods_of_targets_from_2021 = {r.period for r in rows if r.target.doc_id == "gl_2021"}
    assert "năm 2021" not in periods_of_targets_from_2021
    # the 2021 result (210) sits beside no target: the 2022 target gets the 2022 result
    assert all(r.result is None or r.result.value != 210 for r in rows)


def test_percentages_match_percentages_and_counts_stay_apart():
    rows = build_timeline(ALL)
    r = _row(rows, "hoàn thành tốt nhiệm vụ", "năm 2022")
    assert r.scale == "percent" and r.result.value == 88.6 and r.result.raw == "88,6%"


def test_a_part_of_the_period_is_shown_as_partial():
    r = _row(build_timeline(ALL), "kết nạp đảng viên mới", "năm 2023")
    assert r.result.value == 118 and r.partial and r.result.period == "6 tháng đầu năm 2023"


def test_a_target_without_a_period_is_listed_unmatched():
    r = _row(build_timeline(ALL), "chi bộ", "(chưa rõ kỳ)")
    assert r.result is None and r.percent is None


def test_another_province_is_another_organisation():
    rows = build_timeline(ALL)
    assert all(r.result is None or r.result.doc_id != "cm_2022" for r in rows)
    assert not [r for r in rows if r.province == "Cà Mau"]  # a result without a target is no row


def test_a_written_ratio_is_one_row():
    r = _row(build_timeline(ALL), "kết nạp đảng viên", "năm 2021")
    assert (r.result.value, r.target.value, r.percent, r.target.ref) == (17, 15, 113.33, "hg_2021/p002")
    assert (r.result.raw, r.target.raw) == ("17/15", "15")


def test_filters_by_province_and_organisation():
    rows = build_timeline(ALL)
    assert {r.province for r in filter_rows(rows, province="gia lai")} == {"Gia Lai"}
    assert {r.organisation for r in filter_rows(rows, organisation="Lũng Cú")} == {"Đảng ủy xã Lũng Cú"}
    assert filter_rows(rows, province="Hà Giang", organisation="Chư Sê") == []


def test_csv_export_names_evidence():
    text = to_csv(build_timeline(ALL))
    lines = list(csv.DictReader(io.StringIO(text)))
    row = next(x for x in lines if x["period"] == "năm 2022" and x["unit"] == "đảng viên")
    assert row["target_evidence"] == "gl_2021/p009" and row["result_evidence"] == "gl_2022/p003"
    assert row["percent"] == "104.78" and "241" in row["result_quote"]


def test_indicator_words_drop_target_and_result_words():
    assert indicator_words("chỉ tiêu kết nạp đảng viên mới") == indicator_words("kết quả kết nạp đảng viên mới")
    assert period_key("năm 2022 phấn đấu kết nạp") == (2022, "year")
