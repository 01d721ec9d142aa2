"""Units of work — issue, revoke, publish status lists, verify — and the only place that commits."""

from .issuers import (did_document, ensure_platform_issuer, issuer_profile, new_issuer,
                      require_platform_signed, signing_issuer)
from .issuing import SUITES, credential_by_vc_id, issue, revoke, status_list_json
from .platform import Platform, now_utc
from .showing import revocation_reason
from .verifying import get_status, resolve_key, verifier

__all__ = ["SUITES", "Platform", "credential_by_vc_id", "did_document", "ensure_platform_issuer",
           "get_status", "issue", "issuer_profile", "new_issuer", "now_utc", "resolve_key", "revocation_reason",
           "require_platform_signed", "revoke", "signing_issuer", "status_list_json", "verifier"]
