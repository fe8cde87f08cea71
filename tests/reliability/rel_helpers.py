"""Helpers of the reliability suite: fictional articles in the genre, settings, store assertions.

The articles below are written for these tests (fictional commune, people and figures); no real
article text is copied into the repository.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples" / "articles"

TITLE = "Đảng ủy xã Tân Lập sơ kết công tác xây dựng Đảng 6 tháng đầu năm 2024"
DATELINE = "08:30, 16/07/2024"
P_OPEN = ("Sáng 15-7, Đảng ủy xã Tân Lập, huyện Đồng Phú tổ chức hội nghị sơ kết công tác xây dựng Đảng "
          "6 tháng đầu năm và triển khai nhiệm vụ 6 tháng cuối năm 2024. Đồng chí Vương Thị Lan - Bí thư Đảng ủy xã chủ trì hội nghị.")
P_FACT = ("Trong 6 tháng đầu năm, Đảng bộ xã đã kết nạp 37 đảng viên mới, đạt 74% chỉ tiêu năm; "
          "tổ chức 05 lớp bồi dưỡng lý luận chính trị cho 412 lượt đảng viên.")
P_CHECK = ("Ủy ban Kiểm tra Đảng ủy xã đã kiểm tra 6 tổ chức đảng và giám sát chuyên đề 11 đảng viên; "
           "thu nộp đảng phí đạt 128.450.000 đồng.")
P_CLOSE = "Hội nghị đã thống nhất các giải pháp trọng tâm cho 6 tháng cuối năm 2024."
AUTHOR = "Minh Châu"

# question -> what a right answer must contain (and the paragraph holding it)
Q_VI = "Đảng bộ xã Tân Lập đã kết nạp bao nhiêu đảng viên mới?"
Q_EN = "How many new party members did the Tan Lap commune party committee admit?"
FACT_NUMBER = "37"


def article_text(extra: list[str] | None = None, title: str = TITLE, body: list[str] | None = None) -> str:
    paras = body if body is not None else [P_OPEN, P_FACT, *(extra or []), P_CHECK, P_CLOSE]
    return "\n\n".join([title, DATELINE, *paras, AUTHOR]) + "\n"


def numbered_article(i: int) -> str:
    """A distinct small article (own doc, own numbers) for bulk ingest."""
    return "\n\n".join([
        f"Đảng ủy xã Thử Nghiệm {i} tổng kết công tác năm 2023",
        "07:45, 10/01/2024",
        f"Sáng 9-1, Đảng ủy xã Thử Nghiệm {i} tổ chức hội nghị tổng kết công tác xây dựng Đảng năm 2023. "
        f"Đồng chí Nguyễn Văn Số{i} - Bí thư Đảng ủy xã chủ trì hội nghị.",
        f"Năm 2023, Đảng bộ xã kết nạp {10 + i % 50} đảng viên mới, đạt {100 + i % 20}% chỉ tiêu; "
        f"có {80 + i % 15}% tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ. Hội nghị biểu dương {i % 9 + 1} tập thể.",
        "Hội nghị đề ra các nhiệm vụ trọng tâm năm 2024.",
        "Thu Trang",
    ]) + "\n"


def write(dir_: Path, name: str, text: str | bytes) -> Path:
    dir_.mkdir(parents=True, exist_ok=True)
    p = dir_ / name
    (p.write_bytes if isinstance(text, bytes) else lambda t: p.write_text(t, encoding="utf-8"))(text)
    return p


def make_settings(root: Path, use_model: bool = False) -> Settings:
    s = Settings(store=root / "store")
    s.embed = s.embed.model_copy(update={"name": "hash"})
    s.answer = s.answer.model_copy(update={"use_model": use_model})
    return s


def ingest_and_index(settings: Settings, paths: list[Path]):
    from toolkit.index import Index
    from toolkit.ingest import ingest_paths
    from toolkit.store import Store

    store = Store(settings.store)
    report = ingest_paths(paths, store, settings)
    index = Index(settings, store)
    index.sync()
    return store, index, report


def assert_store_ok(settings: Settings) -> None:
    """`toolkit check` passes, and Chroma and BM25 hold exactly the chunks of the stored paragraphs."""
    from toolkit.check import check_store
    from toolkit.chunking import chunk_document, chunk_settings
    from toolkit.index import Index
    from toolkit.store import Store

    problems = check_store(settings)
    assert problems == [], problems
    store = Store(settings.store)
    docs = store.documents()  # every stored document parses
    assert sorted(d.doc_id for d in docs) == store.doc_ids()
    index = Index(settings, store)
    want = {d.doc_id: len(chunk_document(d, **chunk_settings(settings))) for d in docs}
    want = {k: v for k, v in want.items() if v}
    chroma = index.dense_counts() or {}
    bm: dict[str, int] = {}
    for c in index.lexical_chunks():
        bm[c["doc_id"]] = bm.get(c["doc_id"], 0) + 1
    assert chroma == want, (chroma, want)
    assert bm == want, (bm, want)
    ids = [c["chunk_id"] for c in index.lexical_chunks()]
    assert len(ids) == len(set(ids)), "duplicate chunk ids in BM25"


def one_line(msg: str) -> str:
    assert msg and "\n" not in msg.strip(), repr(msg)
    return msg
