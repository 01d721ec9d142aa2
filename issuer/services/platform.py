"""The core wired for one app, shared by every request; and the service clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property

from ..credentials.canonical import Canonicalizer
from ..credentials.schema import SchemaRegistry
from ..fetch import FetchPolicy
from ..urls import Urls


@dataclass
class Platform:
    """The core wired for one app: built once by create_app, shared by every request."""

    base_url: str
    name: str
    canonicalizer: Canonicalizer
    schemas: SchemaRegistry
    kek: bytes
    fetch_policy: FetchPolicy
    status_list_size: int
    legacy_proof: bool

    @property
    def https(self) -> bool:
        return self.urls.https

    @cached_property
    def urls(self) -> Urls:
        """The permanent URLs under this service's base URL."""
        return Urls(self.base_url)

    def credential_url(self, uuid_: str) -> str:
        return self.urls.credential(uuid_)

    def status_list_url(self, list_id: int) -> str:
        return self.urls.status_list(list_id)


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)
