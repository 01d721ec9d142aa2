"""The permanent URLs of the service, built in one place from its base URL.

Signed credentials and DID documents embed these URLs (credential ids, status lists, achievements,
profiles, images, did:web identifiers), so they must never change: a credential signed years ago
still names them. Each builder has a route that serves it (tests/test_urls.py checks the pair).
Pure: no Flask, so services and the core can build URLs without a request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .credentials import keys
from .credentials.vocab import RECOGNITION_CONTEXT_PATH


class Urls:
    """The URLs under one base URL (``https://issuer.example``, no trailing slash)."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")

    @property
    def https(self) -> bool:
        """did:web identifiers need an https base URL; otherwise issuers get a did:key."""
        return self.base.startswith("https://")

    def home(self) -> str:
        """The service's front page: the platform issuer's ``url``."""
        return self.base

    def host(self) -> str:
        """The base URL's host (and port): the ``domain`` a wallet's DIDAuth proof names."""
        return urlsplit(self.base).netloc

    def credential(self, uuid: str) -> str:
        """A signed credential (its ``id``): the JSON or, for browsers, its page."""
        return f"{self.base}/credentials/{uuid}"

    def credential_verify(self, uuid: str) -> str:
        """A credential's verification page: what its QR code encodes."""
        return f"{self.credential(uuid)}/verify"

    def status_list(self, list_id: int) -> str:
        """A Bitstring Status List credential (``statusListCredential`` of every entry on it)."""
        return f"{self._status_lists}{list_id}"

    def status_list_id(self, url: object) -> str | None:
        """What follows our status list prefix when ``url`` starts with it (not checked), else None."""
        prefix = self._status_lists
        return url[len(prefix):] if isinstance(url, str) and url.startswith(prefix) else None

    @property
    def _status_lists(self) -> str:
        return f"{self.base}/credentials/status/"

    def achievement(self, achievement_id: str) -> str:
        """A community's achievement (the ``id`` of the OB Achievement)."""
        return f"{self.base}/achievements/{achievement_id}"

    def person(self, handle: str) -> str:
        """A member's public profile (the ``url`` of their issuer Profile)."""
        return f"{self.base}/people/{handle}"

    def person_card(self, handle: str) -> str:
        """A member's link-preview card (PNG): the ``og:image`` of their profile page."""
        return f"{self.person(handle)}/card.png"

    def community(self, slug: str) -> str:
        """A community's page (the ``url`` of its issuer Profile)."""
        return f"{self.base}/communities/{slug}"

    def recognition_context(self) -> str:
        """The JSON-LD context of people's recognition graphs (pinned in schemas/contexts as
        "served"; also the ``profile`` a client names in Accept to get a graph)."""
        return self.base + RECOGNITION_CONTEXT_PATH

    def image(self, image_id: str) -> str:
        """A stored image (achievement and community images)."""
        return f"{self.base}/images/{image_id}"

    def invitation(self, token: str) -> str:
        """An invitation to join a community."""
        return f"{self.base}/join/{token}"

    # OpenID4VCI: the credential issuer is the service's base URL (its identifier, byte for byte).

    def credential_issuer_metadata(self) -> str:
        return f"{self.base}/.well-known/openid-credential-issuer"

    def authorization_server_metadata(self) -> str:
        return f"{self.base}/.well-known/oauth-authorization-server"

    def credential_offer(self, secret: str) -> str:
        """A credential offer by reference: answers once with the pre-authorized code."""
        return f"{self.base}/oid4vci/offers/{secret}"

    def oid4vci_token(self) -> str:
        return f"{self.base}/oid4vci/token"

    def oid4vci_nonce(self) -> str:
        return f"{self.base}/oid4vci/nonce"

    def oid4vci_credential(self) -> str:
        return f"{self.base}/oid4vci/credential"

    # The Learner Credential Wallet (and VC-API wallets): one exchange per offer, named by its secret.

    def lcw_didauth(self, secret: str) -> str:
        """The ``vc_request_url`` of the link LCW binds: the bare DIDAuth presentation goes here."""
        return f"{self.lcw_exchange(secret)}/didauth"

    def lcw_exchange(self, secret: str) -> str:
        """The VC-API exchange: ``{}`` starts it, the DIDAuth presentation completes it."""
        return f"{self.base}/exchanges/{secret}"

    def lcw_interaction(self, secret: str) -> str:
        """The VCALM interaction URL (the link carries ``?iuv=1``): the protocols spoken."""
        return f"{self.lcw_exchange(secret)}/interaction"

    # did:web (did:web §3.1): an issuer's DID names the page it belongs to; its DID document lives at
    # that page + /did.json, the platform's at /.well-known/did.json. None without an https base URL.

    def platform_did(self) -> str | None:
        return keys.did_web(self.home()) if self.https else None

    def community_did(self, slug: str) -> str | None:
        return keys.did_web(self.community(slug)) if self.https else None

    def person_did(self, handle: str) -> str | None:
        return keys.did_web(self.person(handle)) if self.https else None
