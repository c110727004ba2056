"""File digests remembered by size and modification time.

Loading an index checks that the corpus has not changed and that no index file is damaged:
both are SHA-256 digests of every file, some 300 MB for a library of 270 PDFs, which took
longer than the search itself. A digest is computed once and then reused while the file's
size and modification time stay the same (git's index does the same). A file changed in
the same instant as its digest was taken is hashed again next time: entries younger than
two seconds are not kept.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

_RACY_NS = 2_000_000_000


def _stamp(paths: Sequence[Path]) -> list[int] | None:
    """Size and modification time of each file (0, 0 for one that does not exist)."""
    stamp: list[int] = []
    for path in paths:
        try:
            st = path.stat()
        except FileNotFoundError:
            stamp += [0, 0]
            continue
        except OSError:
            return None
        stamp += [st.st_size, st.st_mtime_ns]
    return stamp


class DigestCache:
    """{file: (stamp, digest)} kept in one JSON file; without a file (None) or when it is
    unreadable, every digest is computed. One cache serves one set of files (a corpus, an
    index build): saving keeps the files asked about since it was opened."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, list] = {}
        self.changed = False
        self.used: set[str] = set()
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    self.entries = data
            except (OSError, ValueError):
                pass

    def digest(self, path: Path, compute: Callable[[Path], str], also: Sequence[Path] = ()) -> str:
        """compute(path), or the digest taken when `path` (and the files in `also`, such as
        its sidecar) last had this size and modification time."""
        key = str(path.absolute())
        self.used.add(key)
        stamp = _stamp([path, *also])
        entry = self.entries.get(key)
        if stamp is not None and isinstance(entry, list) and len(entry) == 2:
            if entry[0] == stamp and isinstance(entry[1], str):
                return entry[1]
        value = compute(path)
        now = time.time_ns()
        if stamp is not None and all(now - t > _RACY_NS for t in stamp[1::2] if t):
            self.entries[key] = [stamp, value]
            self.changed = True
        return value

    def save(self) -> None:
        """Write the entries (atomically) when new ones were taken; a folder that cannot be
        written just means digests are computed again next time."""
        if self.path is None or not (self.changed or self.entries.keys() - self.used):
            return
        self.entries = {k: v for k, v in self.entries.items() if k in self.used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}")
            tmp.write_text(json.dumps(self.entries), encoding="utf-8")
            os.replace(tmp, self.path)
            self.changed = False
        except OSError:
            pass
