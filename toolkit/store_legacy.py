"""Moving a store of the older layout (documents/, records/, summaries/: one JSON file per object)
into store.sqlite. Called by the store on its first write in a process (toolkit.store).

Per folder, in batches of BATCH files: each file is read and validated, the good ones inserted in
one transaction (INSERT OR IGNORE: a row already there is as new or newer, e.g. written by another
process after its own migration), and only after the commit are the batch's files removed. A kill
at any point leaves every object either in a file or in the database (or, between a commit and the
removal, in both: the next run finds the row and only removes the file). A file that cannot be read
stays where it is, is still read as before (a one-line error naming it) and is named by
`toolkit check`.
"""

from __future__ import annotations

import logging
import sys

from pydantic import ValidationError

log = logging.getLogger("toolkit.store")
BATCH = 500


def legacy_present(store) -> bool:
    for kind in ("documents", "records", "summaries"):
        folder = store.root / kind
        if folder.is_dir() and any(p.suffix == ".json" and not p.name.startswith(".") for p in folder.iterdir()):
            return True
    return False


def migrate_if_needed(store) -> int:
    """Move the older layout's files into the database (once per Store object); returns how many."""
    if getattr(store, "_legacy_checked", False):
        return 0
    store._legacy_checked = True
    if not legacy_present(store):
        _remove_empty(store)
        return 0
    return migrate(store)


def migrate(store, show: bool = True) -> int:
    moved = 0
    for kind, cls in store.kinds.items():
        folder = store.root / kind
        files = sorted(p for p in folder.glob("*.json") if not p.name.startswith(".")) if folder.is_dir() else []
        for i in range(0, len(files), BATCH):
            rows, done = [], []
            for p in files[i : i + BATCH]:
                try:
                    text = p.read_text(encoding="utf-8")
                    obj = cls.model_validate_json(text)
                    st = p.stat()
                except (OSError, UnicodeDecodeError, ValidationError, ValueError) as e:
                    log.warning("%s: not moved into %s (%s); run `toolkit check`", p, store.db_path, type(e).__name__)
                    continue
                if obj.doc_id != p.stem:
                    log.warning("%s: holds doc_id %r; not moved, run `toolkit check`", p, obj.doc_id)
                    continue
                rows.append((obj.doc_id, obj.model_dump_json(), st.st_mtime_ns))
                done.append(p)
            with store.batch() as c:
                c.executemany(f"INSERT OR IGNORE INTO {kind} VALUES (?,?,?)", rows)
            for p in done:
                p.unlink(missing_ok=True)
            moved += len(done)
            if show:
                print(f"\rmoving {kind} into {store.db_path.name}: {min(i + BATCH, len(files))}/{len(files)}", end="",
                      file=sys.stderr, flush=True)
        if files and show:
            print(file=sys.stderr)
    _remove_empty(store)
    return moved


def _remove_empty(store) -> None:
    """The older layout's folders, once empty (a folder still holding a file stays)."""
    for kind in ("documents", "records", "summaries"):
        try:
            (store.root / kind).rmdir()
        except OSError:
            pass
