"""A store indexed with local Chroma, converted to the dense matrix without re-embedding or re-chunking.

The vectors are read from Chroma page by page, written at their chunks' rows of the matrix, and the
new config is committed last: a kill before that commit leaves the old index as it was (the next
sync converts again). The Chroma folder is removed once the commit is made.
"""

from __future__ import annotations

import logging
import shutil
import sys

log = logging.getLogger("toolkit.index")
PAGE = 10_000


def chroma_to_matrix(index, db) -> bool:
    """Convert; False (nothing changed) when Chroma cannot be read or disagrees with the database."""
    try:
        col = index.collection(create=False)
        if col is None:
            return False
        n = col.count()
    except Exception as e:  # noqa: BLE001 - chromadb raises its own kinds on a damaged folder
        log.warning("local Chroma cannot be read (%s); the index is rebuilt", type(e).__name__)
        return False
    if n != db.conn.execute("SELECT count(*) FROM chunks").fetchone()[0] or n != db.n_chunks():
        return False
    index.matrix.reset()
    done = 0
    for off in range(0, n, PAGE):
        got = col.get(include=["embeddings"], limit=PAGE, offset=off)
        ids = {r["chunk_id"]: r["id"] for r in db.chunk_rows(chunk_ids=got["ids"])}
        if len(ids) != len(got["ids"]):
            index.matrix.reset()
            return False
        index.matrix.write([ids[c] for c in got["ids"]], got["embeddings"], None)
        done += len(got["ids"])
        print(f"\rconverting Chroma to the dense matrix: {done}/{n} vectors", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if done != n:
        index.matrix.reset()
        return False
    with db.conn:
        db.set_meta("config", index.config())
    _drop_local_chroma(index)
    return True


def _drop_local_chroma(index) -> None:
    from chromadb.api.client import SharedSystemClient

    index._client_obj = None
    index._col_cache = None
    SharedSystemClient.clear_system_cache()
    shutil.rmtree(index.store.chroma_dir, ignore_errors=True)
