"""The dense side of the index: the Chroma client and this store's collection (a mixin of Index).

Local (no chroma_url): a PersistentClient in `<store>/chroma`, collection `settings.index.collection`.
A server (`chroma run`): the collection is `<collection>-<store id>` (the id is kept in the index
database), so two stores on one server never meet. The store drops a server collection only when
its index database records that it created it; a collection of that name it did not create, or a
server without the collection the store's index says it holds, is a one-line StoreError.
"""

from __future__ import annotations

from ..errors import StoreError


class ChromaMixin:
    """Needs self.settings, self.store, self.read_only, self._client_obj, self.db(), self.store_id()."""

    def _client(self):
        if self._client_obj is not None:
            if self.settings.index.chroma_url or (self.store.chroma_dir / "chroma.sqlite3").exists():
                return self._client_obj
            self._client_obj = None  # the folder was deleted under a running app: open a fresh one
        import chromadb

        cs = chromadb.Settings(anonymized_telemetry=False)
        url = self.settings.index.chroma_url
        if url:
            from urllib.parse import urlparse

            u = urlparse(url if "://" in url else f"http://{url}")
            try:
                self._client_obj = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                                       ssl=u.scheme == "https", settings=cs)
                self._client_obj.heartbeat()
            except Exception as e:  # chromadb raises several kinds on connection errors
                self._client_obj = None
                raise StoreError(f"chroma server {url} is unreachable ({type(e).__name__}); start `chroma run --path DIR --port N` or drop --chroma-url") from e
        else:
            path = self.store.chroma_dir
            if not (path / "chroma.sqlite3").exists():
                # a deleted folder must not be served from chroma's per-process client cache
                from chromadb.api.client import SharedSystemClient

                SharedSystemClient.clear_system_cache()
            path.mkdir(parents=True, exist_ok=True)
            self._client_obj = chromadb.PersistentClient(path=str(path), settings=cs)
        return self._client_obj

    def collection_name(self) -> str:
        """The collection this store uses: the setting locally, `<setting>-<store id>` on a server."""
        name = self.settings.index.collection
        return f"{name}-{self.store_id()}" if self.settings.index.chroma_url else name

    def _created_here(self, name: str) -> bool:
        db = self.db()
        return db is not None and name in (db.get_meta("collections_created") or [])

    def collection(self, create: bool = True):
        """The Chroma collection. Never with Chroma's default embedding function: we always
        pass precomputed embeddings (the default one would download a model)."""
        server = bool(self.settings.index.chroma_url)
        if self.read_only and not server and not (self.store.chroma_dir / "chroma.sqlite3").exists():
            return None  # a reader never creates the index
        client = self._client()
        name = self.collection_name()
        try:
            col = client.get_collection(name, embedding_function=None)
        except Exception:  # noqa: BLE001 - chromadb raises NotFoundError / ValueError by version
            col = None
        if col is not None and server and not self._created_here(name):
            raise StoreError(f"chroma server {self.settings.index.chroma_url} has a collection {name!r} this store did not create; "
                             "point --chroma-url at another server or delete that collection there")
        if col is None and create:
            col = client.create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
            if server:
                db = self.db()
                with db.conn:
                    db.set_meta("collections_created", sorted({*(db.get_meta("collections_created") or []), name}))
        return col

    def _drop_collection(self) -> None:
        """Drop this store's collection: locally always (the folder is the store's), on a server only
        when this store created it."""
        name = self.collection_name()
        if self.settings.index.chroma_url and not self._created_here(name):
            return
        try:
            self._client().delete_collection(name)
        except Exception:  # noqa: BLE001 - missing already
            pass

    def chroma_counts(self) -> dict[str, int] | None:
        """Chunks per doc_id as Chroma holds them (None when the collection is missing)."""
        col = self.collection(create=False)
        if col is None:
            return None
        counts: dict[str, int] = {}
        n = col.count()
        for off in range(0, n, 5000):
            got = col.get(include=["metadatas"], limit=5000, offset=off)
            for m in got["metadatas"] or []:
                d = (m or {}).get("doc_id", "?")
                counts[d] = counts.get(d, 0) + 1
        return counts
