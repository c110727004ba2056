"""LiveIndex: an Index that follows its folder, switching to a new build once it is whole."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .config import DEFAULT_K, DEFAULT_MODE, Settings, settings
from .search import Hit, Index, open_index
from .store import MANIFEST, load_index, read_manifest

# How often (at most) a search looks at manifest.json: one stat() call.
CHECK_INTERVAL = 1.0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _signature(path: Path) -> tuple[int, int, int] | None:
    """What changes when `qa build` replaces the manifest (os.replace gives a new inode)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class LiveIndex:
    """Serves searches from the current build and swaps in a new one after `qa build`.

    `qa build` replaces index/manifest.json last, when the new build is whole. A search looks
    at the manifest at most every `interval` seconds (one stat call); when it has changed, the
    new build loads and is tried with one query in a background thread while searches go on
    with the old one, then replaces it in one assignment. A build that cannot be loaded is
    logged and the old one goes on serving. `reload()` does the same at once, in the caller.

    Reads like an Index: `search(question, k, mode)`, `manifest`, `documents`, and any other
    Index attribute of the build in use.
    """

    def __init__(
        self,
        index: Index,
        index_dir: str | Path,
        *,
        interval: float = CHECK_INTERVAL,
        log: Callable[[str], None] = _stderr,
    ) -> None:
        self._index = index
        self.index_dir = Path(index_dir)
        self.interval = interval
        self._log = log
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._checked_at = time.monotonic()
        # The manifest as seen when `index` was loaded; a change starts a reload.
        self._seen = _signature(self.index_dir / MANIFEST)
        self._loader: threading.Thread | None = None
        self.last_error: str | None = None
        self.switches = 0

    @classmethod
    def open(cls, conf: Settings | None = None, **kwargs) -> LiveIndex:
        """Load (building first if needed) the index for these settings, and warm up the model
        in the background so that the first search does not pay for loading it."""
        conf = conf or settings()
        live = cls(open_index(conf), conf.index_dir, **kwargs)
        threading.Thread(target=live._warm_up, name="qa-warm-up", daemon=True).start()
        return live

    # --- reading like an Index ---------------------------------------------------------------

    @property
    def index(self) -> Index:
        """The build in use now."""
        return self._index

    @property
    def manifest(self):
        return self._index.manifest

    @property
    def documents(self):
        return self._index.documents

    def __getattr__(self, name: str):
        # Only called for names LiveIndex lacks: passages, paragraph(), encoder, …
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._index, name)

    def search(
        self,
        question: str,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        documents: Sequence[str] | None = None,
        **filters,
    ) -> list[Hit]:
        """Index.search on the build in use (see Index.search; `filters` are its organ, kind,
        since, until, symbol and group_by)."""
        self.check()
        return self._index.search(question, k=k, mode=mode, documents=documents, **filters)

    # --- following the folder ----------------------------------------------------------------

    def check(self) -> None:
        """Start loading a new build in the background if manifest.json changed; cheap."""
        if time.monotonic() - self._checked_at < self.interval:
            return
        with self._lock:
            now = time.monotonic()
            if now - self._checked_at < self.interval:
                return
            self._checked_at = now
            if self._loader is not None and self._loader.is_alive():
                return
            signature = _signature(self.index_dir / MANIFEST)
            if signature == self._seen:
                return
            self._seen = signature
            self._loader = threading.Thread(target=self.reload, name="qa-reload", daemon=True)
            self._loader.start()

    def reload(self) -> bool:
        """Load the build manifest.json names now; True if searches switched to it.

        Never raises: a build that fails to load is logged (and kept in `last_error`) and the
        build in use stays.
        """
        with self._load_lock:
            self._seen = _signature(self.index_dir / MANIFEST)
            current = self._index
            try:
                manifest = read_manifest(self.index_dir)
                if manifest.build == current.manifest.build:
                    return False
                fresh = Index(load_index(self.index_dir), encoder=self._shared_encoder(manifest))
                probe = "trafficking in persons"
                dimension = len(fresh.query_vector(probe))
                if dimension != fresh.manifest.dimension:
                    raise ValueError(
                        f"model {fresh.manifest.model} gives {dimension}-d vectors, the index "
                        f"holds {fresh.manifest.dimension}-d ones; run `qa build`"
                    )
                fresh.search(probe, k=1)  # the first real query must work
            except Exception as exc:  # whatever went wrong, the build in use goes on serving
                self.last_error = f"{exc.__class__.__name__}: {exc}"
                self._log(
                    f"qa: the new index in {self.index_dir} cannot be used ({self.last_error}); "
                    f"still serving build {current.manifest.build}"
                )
                return False
            self._index = fresh
            # load_index froze every object for the collector (qa/store.py); the build just
            # replaced is garbage now, so everything goes back under collection.
            gc.unfreeze()
            self.last_error = None
            self.switches += 1
            self._log(
                f"qa: now serving index build {manifest.build} (built {manifest.built_at}, "
                f"{manifest.passage_count} passages; was {current.manifest.build})"
            )
            return True

    def _shared_encoder(self, manifest):
        """The model already loaded, when the new build uses the same one and reads queries
        with it; a build's own ONNX query encoder is loaded from that build instead."""
        from .embed import Encoder

        current = self._index
        loaded = getattr(current, "_encoder", None)
        if isinstance(loaded, Encoder) and manifest.model == current.manifest.model:
            return loaded
        return None

    def _warm_up(self) -> None:
        try:
            self._index.search("trafficking in persons", k=1)
        except Exception as exc:  # the same error will reach the first request, with its message
            self._log(f"qa: warm-up search failed ({exc.__class__.__name__}: {exc})")
