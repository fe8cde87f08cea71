"""Ingest: decoding, bad input, idempotent storage, layout (chrome, captions, bylines, datelines)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from toolkit import cli
from toolkit.errors import InputError
from toolkit.ingest import ingest_paths, load_document
from toolkit.layout import classify, parse_byline, parse_dateline
from toolkit.settings import Settings
from toolkit.store import Store

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "articles"
CORPUS = REPO.parent / "shared" / "corpus"

ARTICLE = """Đảng ủy Khối các cơ quan tỉnh Bến Tre sơ kết 6 tháng đầu năm

14:20, 05/07/2024

Ngày 4-7, Đảng ủy Khối các cơ quan tỉnh Bến Tre tổ chức Hội nghị sơ kết công tác xây dựng Đảng 6 tháng đầu năm 2024. Toàn Đảng bộ Khối kết nạp mới 44/80 đảng viên, đạt 55% chỉ tiêu năm.

Đồng chí Trần Minh Quân - Phó Bí thư Tỉnh ủy phát biểu chỉ đạo hội nghị

Hội nghị đề ra nhiệm vụ 6 tháng cuối năm, trong đó tập trung thực hiện Chỉ thị số 05-CT/TW và chuẩn bị đại hội chi bộ nhiệm kỳ 2025 - 2027.

Thu Hà

Tin khác
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store")


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store(settings.store)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def body_texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.kind == "body"]


# --- bad input, one class at a time ------------------------------------------------------------


def test_empty_file_is_refused(tmp_path, settings):
    with pytest.raises(InputError, match="empty file"):
        load_document(write(tmp_path / "a.txt", b""), settings)


def test_whitespace_only_file_is_refused(tmp_path, settings):
    with pytest.raises(InputError, match="only whitespace"):
        load_document(write(tmp_path / "a.txt", " \n\t\n\u00a0\n"), settings)


def test_html_without_visible_text_is_refused(tmp_path, settings):
    with pytest.raises(InputError, match="no visible text"):
        load_document(write(tmp_path / "a.html", "<html><script>var a = 1;</script><nav>Trang chủ</nav></html>"), settings)


def test_binary_with_nul_bytes_is_refused(tmp_path, settings):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))
    with pytest.raises(InputError, match="binary"):
        load_document(write(tmp_path / "photo.txt", png), settings)


def test_binary_with_control_characters_is_refused(tmp_path, settings):
    data = b"Tieu de\n" + b"\x01\x02\x03\x04\x05\x06\x07\x0e\x0f\x10" * 5 + b"\nnoi dung\n"
    with pytest.raises(InputError, match="control characters"):
        load_document(write(tmp_path / "a.txt", data), settings)


@pytest.mark.parametrize(
    "data",
    [
        b"Ti\x81u \x8d\x8f\x90 \x9d\x9e" * 4,  # bytes undefined in cp1258, invalid in UTF-8
        "Đảng ủy Khối tổ chức hội nghị".encode("utf-8")[:-1] + b"\xe1\xbb" + "ủy viên".encode("utf-8") * 3,  # broken UTF-8
    ],
    ids=["undefined-bytes", "broken-utf8"],
)
def test_undecodable_is_refused(tmp_path, settings, data):
    with pytest.raises(InputError, match="undecodable"):
        load_document(write(tmp_path / "a.txt", data), settings)


def test_over_size_limit_is_refused_before_reading(tmp_path, settings):
    settings.ingest = settings.ingest.model_copy(update={"max_bytes": 50})
    with pytest.raises(InputError, match="over the 50-byte limit"):
        load_document(write(tmp_path / "big.txt", ARTICLE), settings)
    # exactly at the limit is fine
    small = "Tiêu đề\n\nNội dung ngắn gọn của bài."
    assert len(small.encode()) <= 50
    assert load_document(write(tmp_path / "small.txt", small), settings).title == "Tiêu đề"


def test_unsupported_extension_is_reported(tmp_path, settings, store):
    pdf = write(tmp_path / "report.pdf", b"%PDF-1.4 fake")
    report = ingest_paths([pdf], store, settings)
    assert [f.path for f in report.failed] == [str(pdf)]
    assert "unsupported file type '.pdf'" in report.failed[0].problem
    with pytest.raises(InputError, match="unsupported"):
        load_document(pdf, settings)


def test_missing_path_is_reported(tmp_path, settings, store):
    report = ingest_paths([tmp_path / "nope.txt"], store, settings)
    assert len(report.failed) == 1 and "no such file" in report.failed[0].problem


def test_mixed_folder_stores_good_files_and_reports_each_bad_one(tmp_path, capsys):
    store_dir = tmp_path / "store"
    # something stored before must survive the failing batch
    earlier = write(tmp_path / "earlier" / "earlier.txt", ARTICLE)
    assert cli.main(["ingest", str(earlier), "--no-index", "--store", str(store_dir)]) == 0
    capsys.readouterr()

    folder = tmp_path / "in"
    write(folder / "good1.txt", ARTICLE)
    write(folder / "sub" / "good2.md", "# Tiêu đề bài\n\nNgày 3-5, Đảng ủy Khối tổ chức hội nghị với đầy đủ các đồng chí ủy viên Ban Chấp hành Đảng bộ Khối tham dự.\n")
    write(folder / "good3.html", "<h1>Tiêu đề</h1><p>Ngày 3-5, Đảng ủy Khối tổ chức hội nghị sơ kết công tác quý I với sự tham dự của các đồng chí.</p>")
    bad = {
        folder / "empty.txt": b"",
        folder / "binary.htm": b"\x00\x01\x02\x03" * 10,
        folder / "notes.docx": b"PK\x03\x04",
        folder / "sub" / "garbled.txt": b"\x81\x8d\x8f\x90\x9d" * 5,
    }
    for p, data in bad.items():
        write(p, data)
    write(folder / ".hidden" / "x.txt", ARTICLE)  # hidden folders are skipped silently

    rc = cli.main(["ingest", str(folder), "--no-index", "--store", str(store_dir)])
    out, err = capsys.readouterr()
    assert rc != 0
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == len(bad)
    for p in bad:
        assert sum(ln.startswith(f"error: {p}: ") for ln in lines) == 1, (p, lines)
    assert "3 added" in out and "4 failed" in out
    assert Store(store_dir).doc_ids() == ["earlier", "good1", "good2", "good3"]


def test_duplicate_doc_id_in_one_batch_is_reported(tmp_path, settings, store):
    a = write(tmp_path / "a" / "same.txt", ARTICLE)
    b = write(tmp_path / "b" / "same.md", ARTICLE)
    report = ingest_paths([a, b], store, settings)
    assert report.added == ["same"]
    assert len(report.failed) == 1 and "also given by" in report.failed[0].problem


# --- encodings -------------------------------------------------------------------------------


def test_utf8_with_bom(tmp_path, settings):
    doc = load_document(write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + ARTICLE.encode("utf-8")), settings)
    assert doc.encoding == "utf-8-sig"
    assert doc.title == "Đảng ủy Khối các cơ quan tỉnh Bến Tre sơ kết 6 tháng đầu năm"
    assert "\ufeff" not in doc.text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16(tmp_path, settings, codec):
    data = ARTICLE.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    doc = load_document(write(tmp_path / "u16.txt", data), settings)
    assert doc.encoding == "utf-16"
    assert doc.author == "Thu Hà"
    assert "kết nạp mới 44/80 đảng viên, đạt 55%" in doc.text


def test_utf16_without_bom(tmp_path, settings):
    doc = load_document(write(tmp_path / "u16.txt", ARTICLE.encode("utf-16-le")), settings)
    assert doc.encoding == "utf-16-le"
    assert doc.published == datetime(2024, 7, 5, 14, 20)


def test_windows_1258_example_decodes_to_nfc(settings):
    path = EXAMPLES / "bentre_kiem_tra_cp1258.txt"
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    doc = load_document(path, settings)
    assert doc.encoding == "cp1258"
    assert doc.text == unicodedata.normalize("NFC", doc.text)
    assert "Đảng uỷ Khối" in doc.text  # the original (old-style) spelling is kept for quoting
    assert "kết nạp mới 41/90 đảng viên, đạt 45,56%" in doc.text
    assert doc.published == datetime(2024, 5, 28, 10, 20)
    assert doc.author == "Ngọc Diễm"
    assert not any("Lượt xem" in t or "Tin khác" in t for t in body_texts(doc))


def test_nfd_input_is_composed(tmp_path, settings):
    nfd = unicodedata.normalize("NFD", ARTICLE)
    assert nfd != ARTICLE
    doc = load_document(write(tmp_path / "nfd.txt", nfd), settings)
    assert doc.text == ARTICLE
    assert doc.title == "Đảng ủy Khối các cơ quan tỉnh Bến Tre sơ kết 6 tháng đầu năm"


def test_crlf_newlines(tmp_path, settings):
    doc = load_document(write(tmp_path / "crlf.txt", ARTICLE.replace("\n", "\r\n")), settings)
    assert "\r" not in doc.text
    lf = load_document(write(tmp_path / "lf.txt", ARTICLE), settings)
    assert doc.text == lf.text
    assert [(p.kind, p.start, p.end) for p in doc.paragraphs] == [(p.kind, p.start, p.end) for p in lf.paragraphs]


# --- storage ---------------------------------------------------------------------------------


def test_reingest_unchanged_writes_nothing(tmp_path, settings, store):
    src = write(tmp_path / "art.txt", ARTICLE)
    first = ingest_paths([src], store, settings)
    assert first.added == ["art"] and first.ok
    before = (store.signature("art"), len(store.get_document("art").paragraphs))
    second = ingest_paths([tmp_path], store, settings)
    assert second.unchanged == ["art"] and not second.added and not second.replaced
    assert (store.signature("art"), len(store.get_document("art").paragraphs)) == before
    assert store.doc_ids() == ["art"]


def test_changed_file_replaces_its_document(tmp_path, settings, store):
    src = write(tmp_path / "art.txt", ARTICLE)
    ingest_paths([src], store, settings)
    old_hash = store.get_document("art").content_hash
    write(src, ARTICLE.replace("44/80", "46/80"))
    report = ingest_paths([src], store, settings)
    assert report.replaced == ["art"] and not report.added
    doc = store.get_document("art")
    assert doc.content_hash != old_hash and "46/80" in doc.text and "44/80" not in doc.text
    assert store.doc_ids() == ["art"]
    assert not list(store.root.glob(".*.tmp"))


def test_corrupt_stored_copy_is_replaced(tmp_path, settings, store):
    src = write(tmp_path / "art.txt", ARTICLE)
    with store.ensure().batch() as c:  # a damaged stored copy
        c.execute("INSERT INTO documents VALUES ('art', '{not json', 1)")
    report = ingest_paths([src], store, settings)
    assert report.ok and store.get_document("art").title.startswith("Đảng ủy Khối")


# --- layout ----------------------------------------------------------------------------------


def test_paragraph_offsets_ids_and_kinds_on_examples(settings):
    files = sorted(EXAMPLES.iterdir())
    assert len(files) >= 3 and {f.suffix for f in files} >= {".txt", ".html"}
    for f in files:
        doc = load_document(f, settings)
        assert [p.paragraph_id for p in doc.paragraphs] == [f"p{i:03d}" for i in range(len(doc.paragraphs))]
        for p in doc.paragraphs:
            assert doc.text[p.start:p.end] == p.text and p.text == p.text.strip()
        assert doc.body, f.name
        assert doc.author, f.name
        assert doc.published is not None, f.name
        assert "<" not in doc.text and ">" not in doc.text.replace("»", ""), f.name


def test_plain_article_layout(tmp_path, settings):
    doc = load_document(write(tmp_path / "art.txt", ARTICLE), settings)
    kinds = [p.kind for p in doc.paragraphs]
    assert kinds == ["title", "dateline", "body", "caption", "body", "byline", "boilerplate"]
    assert doc.published == datetime(2024, 7, 5, 14, 20)
    assert doc.author == "Thu Hà"


def test_html_chrome_and_captions_are_not_body(settings):
    doc = load_document(EXAMPLES / "quangtri_so_ket_quy_1.html", settings)
    assert doc.title == "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh Quảng Trị sơ kết quý I năm 2024"
    assert doc.published == datetime(2024, 4, 12, 15, 30)
    assert doc.author == "Phan Thu Trang"
    assert doc.outlet == "Báo Quảng Trị điện tử"
    body = "\n".join(body_texts(doc))
    for chrome in ("Trang chủ", "tracker", "color", "Thống kê truy cập", "Đang online", "Hôm nay",
                   "Tin khác", "Tổng biên tập", "Tòa soạn", "Điện thoại", "Email", "Chia sẻ", "©",
                   "phát biểu tại hội nghị\n", "Các đại biểu dự hội nghị"):
        assert chrome not in body + "\n", chrome
    assert "tracker" not in doc.text and "<p>" not in doc.text  # scripts never reach the text
    assert "Xã hội" not in doc.text and "color" not in doc.text  # nor navigation or styles
    assert "Triển khai học tập chuyên đề năm 2024 & các nhiệm vụ trọng tâm" in doc.text  # entities unescaped
    captions = [p.text for p in doc.paragraphs if p.kind == "caption"]
    assert captions == [
        "Đồng chí Trương Văn Lực - Phó Bí thư Thường trực Tỉnh ủy phát biểu tại hội nghị",
        "Các đại biểu dự hội nghị sơ kết quý I.",
    ]
    assert len(doc.body) == 4 and "kết nạp mới 26/100 đảng viên, đạt 26%" in body


def test_markdown_is_stripped(settings):
    doc = load_document(EXAMPLES / "hagiang_hoi_nghi_ban_chap_hanh.md", settings)
    assert doc.title == "Đảng ủy Khối các cơ quan tỉnh Hà Giang họp Ban Chấp hành mở rộng"
    assert not any(ch in doc.text for ch in "#*[]()")
    assert "kết nạp mới 52/85 đảng viên" in doc.text and "Kết luận số 14-KL/TW của Bộ Chính trị" in doc.text
    assert doc.published == datetime(2024, 6, 20, 14, 5)
    assert doc.author == "Vàng Mí Sính"
    assert [p.text for p in doc.paragraphs if p.kind == "caption"] == ["Các đại biểu biểu quyết thông qua nghị quyết"]


def test_captions_versus_short_body_paragraphs():
    text = "\n\n".join([
        "Tiêu đề bài viết",
        "Ngày 11-1, Đảng ủy Khối Cơ quan tỉnh tổ chức Hội nghị tổng kết công tác xây dựng Đảng năm 2023, triển khai nhiệm vụ năm 2024.",
        "Năm 2023, toàn Đảng bộ Khối kết nạp mới 87/80 đảng viên, đạt 108,75% chỉ tiêu; 92% tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, vượt chỉ tiêu đề ra.",
        "Đồng chí Hoàng Minh Khôi, Phó Bí thư Tỉnh ủy trao Cờ thi đua của Ban Thường vụ Tỉnh ủy\ncho tập thể Đảng bộ Sở Tài chính.",
        "Dịp này, Ban Thường vụ Đảng ủy Khối tặng Giấy khen cho 9 tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ.",
        "Lãnh đạo Đảng ủy Khối tặng Giấy khen cho các tổ chức cơ sở đảng tiêu biểu năm 2023.",
        "Hội nghị đã thống nhất các nhiệm vụ trọng tâm của năm 2024, trong đó có việc thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị.",
    ])
    lay = classify(text)
    kinds = {ln.text[:25]: ln.kind for ln in lay.lines}
    assert kinds["Ngày 11-1, Đảng ủy Khối C"] == "body"
    assert kinds["Đồng chí Hoàng Minh Khôi,"] == "caption"
    assert kinds["cho tập thể Đảng bộ Sở Tà"] == "caption"
    assert kinds["Dịp này, Ban Thường vụ Đả"] == "body"
    assert kinds["Lãnh đạo Đảng ủy Khối tặn"] == "caption"


@pytest.mark.parametrize(
    "line, expected",
    [
        ("08:01, 20/01/2021", datetime(2021, 1, 20, 8, 1)),
        ("Thứ Năm, ngày 14 tháng 4 năm 2022 - 09:06", datetime(2022, 4, 14, 9, 6)),
        ("20/01/2021 08:01", datetime(2021, 1, 20, 8, 1)),
        ("Ngày đăng: 20/01/2021", datetime(2021, 1, 20)),
        ("Cập nhật lúc 08:01, 20-01-2021", datetime(2021, 1, 20, 8, 1)),
        ("Thứ hai, 18/01/2021 | 16:45 (GMT+7)", datetime(2021, 1, 18, 16, 45)),
        ("Ngày 19/10/2021, Ban Thường vụ Đảng ủy Khối tổ chức Hội nghị", None),
        ("31/02/2021", None),
    ],
)
def test_dateline_parsing(line, expected):
    assert parse_dateline(line) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Tin, ảnh: Minh Châu", ("Minh Châu", None)),
        ("Bài và ảnh: LÊ HẢI YẾN", ("Lê Hải Yến", None)),
        ("Thu HàBÁO BẾN TRE ĐIỆN TỬ", ("Thu Hà", "Báo Bến Tre điện tử")),
        ("Theo Minh Anh/baohagiang.vn", ("Minh Anh", "baohagiang.vn")),
        ("Theo Báo Quảng Trị", (None, "Báo Quảng Trị")),
        ("Ngọc Diễm", ("Ngọc Diễm", None)),
        ("Quang cảnh hội nghị", None),
        ("Theo kế hoạch, hội nghị kết thúc trong ngày.", None),
    ],
)
def test_byline_parsing(line, expected):
    assert parse_byline(line) == expected


# --- the real corpus (read from ../shared/corpus, never copied) -------------------------------

CAPTIONS = [
    "Quang cảnh Hội nghị",
    "phát biểu chỉ đạo hội nghị",
    "Các đại biểu dự Hội nghị.",
    "Phó Bí thư Tỉnh ủy Lâm Minh Đằng phát biểu tại buổi làm việc",
    "Quang cảnh buổi làm việc",
    "trao cờ của BTV Tỉnh ủy",
    "cho tập thể Đảng bộ Văn phòng Tỉnh ủy.",
]
CHROME = ["Thống kê truy cập", "Đang online", "Hôm nay:", "Trong tuần:", "Tất cả:", "Tin khác", "VĂN BẢN MỚI",
          "Lượt xem", "Tổng biên tập", "Tòa soạn", "Điện thoại", "Email", "Xem tin theo ngày", "BÁO NAM ĐỊNH"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_real_corpus(tmp_path, capsys):
    store_dir = tmp_path / "store"
    assert cli.main(["ingest", str(CORPUS), "--no-index", "--store", str(store_dir)]) == 0
    docs = {d.doc_id[:3]: d for d in Store(store_dir).documents()}
    assert sorted(docs) == ["000", "001", "002", "003", "004"]
    for d in docs.values():
        for p in d.paragraphs:
            assert d.text[p.start:p.end] == p.text
        body = body_texts(d)
        assert body, d.doc_id
        for text in body:
            for bad in CHROME:
                assert bad not in text or len(text) > 300, (d.doc_id, bad, text[:80])
            assert not any(text == c or (len(text) < 200 and c in text) for c in CAPTIONS), (d.doc_id, text[:80])
            assert text not in ("Tin, ảnh: Đào Đức", "Ngọc Hồng")
    assert {k: docs[k].author for k in docs} == {
        "000": "Đào Đức", "001": "Thanh Tuấn", "002": None, "003": "Ngọc Hồng", "004": "Khánh Vân"}
    assert docs["001"].outlet == "Báo Nam Định điện tử"
    assert docs["004"].outlet == "baotuyenquang.com.vn"
    assert docs["001"].published == datetime(2021, 1, 20, 8, 1)
    assert docs["004"].published == datetime(2022, 4, 14, 9, 6)
    assert docs["000"].published is None
    caption_count = sum(p.kind == "caption" for d in docs.values() for p in d.paragraphs)
    assert caption_count == 8  # 2 + 0 + 1 + 2 + 3 (the split caption counts twice)
    # the long lead with a date stays body even though it is the shortest body paragraph of 002
    assert docs["002"].body[0].text.startswith("Ngày 11-1,")
    # second run: nothing changes
    capsys.readouterr()
    assert cli.main(["ingest", str(CORPUS), "--no-index", "--store", str(store_dir)]) == 0
    assert "0 added, 0 replaced, 5 unchanged" in capsys.readouterr().out
    assert {d.doc_id[:3]: len(d.paragraphs) for d in Store(store_dir).documents()} == {k: len(v.paragraphs) for k, v in docs.items()}


def test_everything_after_a_closing_marker_is_boilerplate_even_without_byline():
    text = "\n\n".join([
        "Tiêu đề bài viết",
        "Ngày 3-5, Đảng ủy Khối các cơ quan tỉnh Quảng Trị tổ chức hội nghị sơ kết quý I với sự tham dự của 120 đại biểu đại diện các tổ chức cơ sở đảng.",
        "Tin khác",
        "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15",
        "Đảng ủy Khối triển khai học tập chuyên đề năm 2024 đến toàn thể cán bộ, đảng viên trong các cơ quan, đơn vị, doanh nghiệp trực thuộc.",
    ])
    lay = classify(text)
    assert [ln.kind for ln in lay.lines] == ["title", "body", "boilerplate", "boilerplate", "boilerplate"]
    assert lay.author is None


def test_same_file_name_in_two_subfolders_gets_two_ids(tmp_path, settings, store):
    """Two index.html in different folders of one ingest cannot overwrite each other; a rerun keeps the ids."""
    site = tmp_path / "site"
    write(site / "index.html", "<h1>Trang chủ</h1><p>Ngày 2-3, Đảng ủy xã Hòa An tổ chức hội nghị sơ kết công tác quý I năm 2025.</p>")
    write(site / "tin-a" / "index.html", "<h1>Tin A</h1><p>Ngày 5-3, Đảng ủy xã Hòa Bình kết nạp 12 đảng viên mới trong quý I năm 2025.</p>")
    write(site / "tin b" / "index.html", "<h1>Tin B</h1><p>Ngày 9-3, Đảng ủy xã Hòa Lợi tổ chức lớp bồi dưỡng cho 45 quần chúng ưu tú.</p>")
    write(site / "tin-a" / "other.txt", ARTICLE)
    first = ingest_paths([site], store, settings)
    assert sorted(first.added) == ["index", "other", "tin-a__index", "tin_b__index"] and not first.failed
    assert "Hòa Bình" in store.get_document("tin-a__index").text and "Hòa Lợi" in store.get_document("tin_b__index").text
    assert "Hòa An" in store.get_document("index").text
    again = ingest_paths([site], store, settings)
    assert sorted(again.unchanged) == sorted(first.added) and not again.added


def test_index_html_of_two_separate_ingests_never_replace_each_other(tmp_path, settings, store):
    """Two folders ingested one after the other, each with its own index.html: two documents, and a
    rerun of either leaves both unchanged. The same file edited is still replaced in place."""
    a, b = tmp_path / "site-a", tmp_path / "site-b"
    write(a / "index.html", "<h1>Tin xã Hòa An</h1><p>Ngày 2-3, Đảng ủy xã Hòa An kết nạp 7 đảng viên mới.</p>")
    write(b / "index.html", "<h1>Tin xã Phú Lộc</h1><p>Ngày 4-3, Đảng ủy xã Phú Lộc kết nạp 9 đảng viên mới.</p>")
    first = ingest_paths([a], store, settings)
    second = ingest_paths([b], store, settings)
    assert first.added == ["index"] and len(second.added) == 1 and second.added[0].startswith("index__")
    assert "Hòa An" in store.get_document("index").text and "Phú Lộc" in store.get_document(second.added[0]).text
    again = ingest_paths([b], store, settings), ingest_paths([a], store, settings)
    assert again[0].unchanged == second.added and again[1].unchanged == ["index"]
    write(a / "index.html", "<h1>Tin xã Hòa An</h1><p>Ngày 2-3, Đảng ủy xã Hòa An kết nạp 8 đảng viên mới.</p>")
    assert ingest_paths([a], store, settings).replaced == ["index"]
    assert sorted(store.doc_ids()) == sorted(["index", second.added[0]])
