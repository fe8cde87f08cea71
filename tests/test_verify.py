"""verify: evidence, unsupported numbers and names, check (hand-made articles)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.schemas import Document, Paragraph
from toolkit.vi.text import locate, nfc
from toolkit.verify import SourceFacts, Verdict, check, evidence_for, unsupported_names, unsupported_numbers

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
GOLD = SHARED / "gold"

P1 = "Ngày 23/11/2022, Ban Thường vụ Đảng ủy Khối tổ chức Hội nghị sơ kết công tác năm."
P2 = (
    "Đồng chí Trần Thị Mỹ Hạnh, Phó Bí thư Thường trực Đảng ủy Khối chủ trì Hội nghị. "
    "Năm qua, Đảng bộ kết nạp mới 87/80 đảng viên, đạt 108,75% chỉ tiêu; toàn Đảng bộ có 6.321 đảng viên "
    "sinh hoạt ở 74 tổ chức cơ sở Đảng; tổ chức hơn 37 ngàn lượt tuyên truyền; mở hai lớp bồi dưỡng."
)
P3 = "Theo Kết luận số 14-KL/TW, ngày 22-9-2021 của Bộ Chính trị, đồng chí Lê Hoà Bình phát biểu chỉ đạo."


def _doc() -> Document:
    text = P1 + "\n\n" + P2 + "\n\n" + P3
    paras = []
    pos = 0
    for i, p in enumerate((P1, P2, P3), 1):
        start = text.index(p, pos)
        paras.append(Paragraph(paragraph_id=f"p{i:03d}", kind="body", text=p, start=start, end=start + len(p)))
        pos = start + len(p)
    return Document(
        doc_id="sample", source_path="sample.txt", title="Hội nghị sơ kết", encoding="utf-8",
        content_hash="x", text=text, paragraphs=paras,
    )


SOURCES = [P1, P2, P3]


def test_evidence_exact() -> None:
    ev = evidence_for(_doc(), "p002", "kết nạp mới 87/80 đảng viên")
    assert ev is not None
    assert ev.doc_id == "sample" and ev.paragraph_id == "p002"
    assert P2[ev.start:ev.end] == ev.quote == "kết nạp mới 87/80 đảng viên"


def test_evidence_tolerant_returns_original_text() -> None:
    ev = evidence_for(_doc(), "p003", "đồng chí lê hòa bình  phát biểu")
    assert ev is not None
    assert ev.quote == "đồng chí Lê Hoà Bình phát biểu"
    assert P3[ev.start:ev.end] == ev.quote


@pytest.mark.parametrize(
    "pid,quote",
    [
        ("p001", "kết nạp mới 87/80 đảng viên"),  # in another paragraph
        ("p009", "Hội nghị"),  # no such paragraph
        ("p002", ""),
        ("p002", "a"),
        ("p002", "kết nạp mới 88/80 đảng viên"),
    ],
)
def test_evidence_rejected(pid: str, quote: str) -> None:
    assert evidence_for(_doc(), pid, quote) is None


def test_numbers_supported_in_any_notation() -> None:
    answers = [
        "Đảng bộ có 6.321 đảng viên ở 74 tổ chức cơ sở Đảng [1].",
        "The bloc had 6,321 Party members in 74 grassroots organisations [2].",
        "It admitted 87 new members against a target of 80, reaching 108.75%.",
        "Hơn 37 ngàn lượt; more than 37,000 times; 37 thousand.",
        "They opened two classes.",
        "Hội nghị ngày 23/11/2022.",
        "The conference was held on 23 November 2022 (2022-11-23).",
        "Conclusion 14-KL/TW of 22/9/2021.",
    ]
    for a in answers:
        assert unsupported_numbers(a, SOURCES) == [], a


def test_numbers_unsupported() -> None:
    assert unsupported_numbers("Đảng bộ có 6.322 đảng viên, đạt 108,7%.", SOURCES) == ["6.322", "108,7%"]
    assert unsupported_numbers("The meeting was on 24/11/2022 with five speakers.", SOURCES) == ["24/11/2022", "five"]
    assert unsupported_numbers("Held on 23 November 2021.", SOURCES) == ["23 November 2021"]


def test_date_components_across_sources() -> None:
    # A day-month in one place and the year elsewhere still support the full date.
    srcs = ["Sáng 14-2, Đảng ủy họp.", "Nhiệm vụ năm 2023."]
    assert unsupported_numbers("Họp ngày 14/2/2023.", srcs) == []
    assert unsupported_numbers("Họp ngày 15/2/2023.", srcs) == ["15/2/2023"]


def test_citation_markers_ignored() -> None:
    assert unsupported_numbers("Có 74 tổ chức [3][12] và [1, 2].", SOURCES) == []


def test_source_facts_reusable() -> None:
    facts = SourceFacts(SOURCES)
    assert unsupported_numbers("6,321 members", facts) == []
    assert unsupported_numbers("6,320 members", facts) == ["6,320"]


def test_names() -> None:
    assert unsupported_names("Đồng chí Trần Thị Mỹ Hạnh chủ trì.", SOURCES) == []
    assert unsupported_names("Comrade Tran Thi My Hanh chaired it.", SOURCES) == []
    assert unsupported_names("Đồng chí Lê Hòa Bình phát biểu.", SOURCES) == []  # tone placement folded
    assert unsupported_names("Đồng chí Nguyễn Văn Tâm phát biểu.", SOURCES) == ["Nguyễn Văn Tâm"]
    assert unsupported_names("Mr Pham Quoc Dung spoke.", SOURCES) == ["Pham Quoc Dung"]


def test_organisation_words_are_not_names() -> None:
    text = (
        "Ban Thường vụ Đảng ủy Khối, Ủy ban Kiểm tra Tỉnh ủy và Bộ Chính trị đã chỉ đạo. "
        "Hội nghị Ban Chấp hành Đảng bộ tỉnh. Theo Kết luận của Ban Bí thư. "
        "The Provincial Party Committee Standing Board met."
    )
    assert unsupported_names(text, ["không liên quan"]) == []


def test_names_with_titles_around() -> None:
    text = "Phó Bí thư Thường trực Tỉnh ủy Đỗ Minh Quân và Chủ tịch Ủy ban Hoàng Thu Trang dự."
    assert unsupported_names(text, ["Đỗ Minh Quân dự họp"]) == ["Hoàng Thu Trang"]


def test_check() -> None:
    good = check("Đồng chí Trần Thị Mỹ Hạnh chủ trì; kết nạp 87/80 đảng viên [1].", SOURCES)
    assert good == Verdict(ok=True, missing_numbers=[], missing_names=[])
    bad = check("Đồng chí Võ Thanh Tùng cho biết có 90 đảng viên.", SOURCES)
    assert not bad.ok
    assert bad.missing_numbers == ["90"]
    assert bad.missing_names == ["Võ Thanh Tùng"]


# --- real corpus --------------------------------------------------------------------------------


@pytest.mark.skipif(not (CORPUS.is_dir() and (GOLD / "qa.dev.jsonl").is_file()), reason="no shared corpus")
def test_every_gold_evidence_is_located() -> None:
    texts = [nfc(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    missing = []
    n = 0
    for line in (GOLD / "qa.dev.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        for ev in q.get("evidence", []):
            n += 1
            if not any(locate(t, ev) for t in texts):
                missing.append((q["id"], ev))
    assert n > 0
    assert missing == []


@pytest.mark.skipif(not (CORPUS.is_dir() and (GOLD / "qa.dev.jsonl").is_file()), reason="no shared corpus")
def test_gold_references_have_supported_numbers() -> None:
    """The reference answers only use numbers of their documents: the verifier must not flag them."""
    flagged = []
    for line in (GOLD / "qa.dev.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        if not q.get("answerable") or not q.get("docs"):
            continue
        srcs = [nfc((CORPUS / f"{d}.txt").read_text(encoding="utf-8")) for d in q["docs"]]
        miss = unsupported_numbers(q["reference"], srcs)
        if miss:
            flagged.append((q["id"], miss))
    assert flagged == []


def test_common_given_names_and_ho_chi_minh() -> None:
    srcs = ["Đồng chí Nguyễn Văn Minh phát biểu."]
    assert unsupported_names("Học tập và làm theo tư tưởng Hồ Chí Minh.", srcs) == []
    assert unsupported_names("Đồng chí Nguyễn Văn Minh phát biểu.", srcs) == []
    assert unsupported_names("Đồng chí Hồ Văn Minh phát biểu.", srcs) == ["Hồ Văn Minh"]


def test_english_function_word_before_a_place_is_not_a_missing_name():
    from toolkit.verify import unsupported_names

    src = ["Đồng chí Nguyễn Văn Sáu ở tỉnh Điện Biên"]
    assert unsupported_names("The Điện Biên bloc met. In Điện Biên, Nguyễn Văn Sáu chaired.", src) == []
    assert unsupported_names("The Nguyễn Văn Bảy spoke.", src) == ["Nguyễn Văn Bảy"]
