"""Offline JSON-LD document loader: serves pinned contexts (hash-checked) and did:key, nothing else."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

from .errors import ContextError

# issuer/schemas is a link to the top-level schemas/, so this works in a checkout and installed
DEFAULT_CONTEXTS_DIR = Path(__file__).resolve().parents[1] / "schemas" / "contexts"


def load_manifest(contexts_dir: Path) -> dict:
    """Read ``manifest.json``: context URL → {file, sha256, production?}."""
    with open(Path(contexts_dir) / "manifest.json", encoding="utf-8") as fh:
        return json.load(fh)["contexts"]


def load_served(contexts_dir: Path) -> dict:
    """The service's own contexts in ``manifest.json``: path → {file, sha256}."""
    with open(Path(contexts_dir) / "manifest.json", encoding="utf-8") as fh:
        return json.load(fh).get("served", {})


def served_bytes(path: str, contexts_dir: Path | str | None = None) -> bytes:
    """One of the service's own contexts exactly as pinned (hash-checked), by its path."""
    contexts_dir = Path(contexts_dir or DEFAULT_CONTEXTS_DIR)
    entry = load_served(contexts_dir)[path]
    data = (contexts_dir / entry["file"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ContextError(f"pinned context {path} does not match its sha256 in manifest.json")
    return data


class DocumentLoader:
    """A pyld document loader over the pinned contexts.

    Every file is read once, its SHA-256 compared with the manifest, and parsed once; callers
    get a deep copy (pyld edits context documents in place). ``did:key`` URLs resolve to their
    DID document computed locally. Any other URL raises :class:`ContextError`: the network is
    never used. With ``base_url`` the service's own contexts (pinned like the others, served by
    the service at that base URL + their path) are known under that URL too: for reading the
    documents that use them (a recognition graph), never for issuing or verifying credentials
    (the recognition context names VC and OB properties under other names).
    """

    def __init__(self, contexts_dir: Path | str | None = None, *, allow_test_contexts: bool = False,
                 extra: dict[str, dict] | None = None, base_url: str | None = None):
        self.contexts_dir = Path(contexts_dir or DEFAULT_CONTEXTS_DIR)
        manifest = load_manifest(self.contexts_dir)
        self._docs: dict[str, dict] = {}
        self._files: dict[str, tuple[str, str]] = {}
        for url, entry in manifest.items():
            if entry.get("production", True) or allow_test_contexts:
                self._docs[url] = self._read_pinned(url, entry)
                self._files[url] = (entry["file"], entry["sha256"])
        if base_url is not None:
            for path, entry in load_served(self.contexts_dir).items():
                url = base_url.rstrip("/") + path
                self._docs[url] = self._read_pinned(url, entry)
                self._files[url] = (entry["file"], entry["sha256"])
        for url, document in (extra or {}).items():
            self._docs[url] = document

    def _read_pinned(self, url: str, entry: dict) -> dict:
        data = (self.contexts_dir / entry["file"]).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise ContextError(f"pinned context {url} does not match its sha256 in manifest.json")
        return json.loads(data)

    def pinned_bytes(self, url: str) -> bytes | None:
        """The bytes of a pinned context exactly as pinned (hash-checked), or None if not pinned."""
        if url not in self._files:
            return None
        name, sha256 = self._files[url]
        data = (self.contexts_dir / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ContextError(f"pinned context {url} does not match its sha256 in manifest.json")
        return data

    @property
    def urls(self) -> frozenset[str]:
        """The context URLs this loader serves."""
        return frozenset(self._docs)

    def serves(self, url: str) -> bool:
        return url in self._docs

    def document(self, url: str) -> dict:
        """A private copy of the pinned document at ``url``."""
        try:
            return copy.deepcopy(self._docs[url])
        except KeyError:
            raise ContextError(f"context {url!r} is not one of the pinned contexts") from None

    def __call__(self, url: str, options: dict | None = None) -> dict:
        if url.startswith("did:key:"):
            from .keys import did_key_document  # local import: keys imports nothing from here

            document = did_key_document(url.split("#", 1)[0])
        else:
            document = self.document(url)
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}
