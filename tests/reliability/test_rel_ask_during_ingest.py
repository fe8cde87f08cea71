"""A question asked while a folder of articles is being ingested is answered, from another process
(`toolkit ask`: read-only, no writer lock, no sync). The ingest and the questions are
evals/scale_files.py's (the scale benchmark's `--files ... --ask-during S`); TOOLKIT_REL_INGEST_DOCS
sets the folder's size (1,000 by default; the issue's figure is for 10,000). reliability_slow."""

from __future__ import annotations

import os

import pytest
from rel_helpers import assert_store_ok, make_settings

from evals import scale_files

pytestmark = pytest.mark.reliability_slow


def test_question_answered_while_a_folder_is_ingested(tmp_path, note):
    """Questions through `toolkit ask` during a `toolkit ingest` of synthetic articles: answered with the article's figure, store consistent after."""
    n = int(os.environ.get("TOOLKIT_REL_INGEST_DOCS", "1000"))
    s = make_settings(tmp_path)
    folder = tmp_path / "articles"
    scale_files.write_articles(folder, n)
    run = scale_files.run_ingest(folder, s.store, "hash", tmp_path / "ingest.log", ask_every=5.0)
    asks = run["questions_during"]
    note(f"{n} articles ingested in {run['wall_s']}s; questions during it: "
         + ", ".join(f"{a['wall_s']}s at {a['indexed_docs']} indexed" for a in asks))
    assert run["rc"] == 0
    assert asks, "the ingest ended before the index held a document: raise TOOLKIT_REL_INGEST_DOCS"
    for a in asks:
        assert a["rc"] == 0 and not a.get("error"), a
        assert not a["abstained"], a
    # several articles may share the asked heading (and the reader may pick another's figure), not most
    assert sum(a["figure_in_answer"] for a in asks) * 2 >= len(asks), asks
    counts = scale_files.counts(s.store, "hash")
    assert counts["store_documents"] == [n, n] and counts["index_docs"][:2] == [n, n]
    assert counts["chunk_rows"][0] == counts["chunk_rows"][1] == counts["fts_rows"] == counts["index_docs"][2]
    assert_store_ok(s)
