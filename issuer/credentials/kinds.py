"""One table of credential kinds: per kind, its type names, builder, structure rules, JSON Schema,
status rule and the word people read for it. Issuing, verifying and explaining ask this table
instead of testing type names themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from . import checks, clr, documents, status
from .vocab import (ACHIEVEMENT_CREDENTIAL_SCHEMA, CLR_CREDENTIAL_SCHEMA,
                    ENDORSEMENT_CREDENTIAL_SCHEMA, ENDORSEMENT_TYPE, OPEN_BADGE_TYPES, VC2_CONTEXT,
                    type_list)


@dataclass(frozen=True)
class Kind:
    """What applies to the credentials whose ``type`` names one of ``types``."""

    types: tuple[str, ...]  # the type names that mark it; builders emit the first
    label: str  # "It is a well-formed <label>" (explain)
    builder: Callable[..., dict] | None = None  # documents.open_badge_credential, …
    rules: Callable[..., Iterator[str]] | None = None  # its own structure rules, beyond the VC ones
    schema: str | None = None  # the pinned 1EdTech JSON Schema of its type
    schema_checked: bool = False  # issue and verify check VC 2.0 documents against ``schema``
    profile_issuer: bool = False  # OB 3.0: the issuer is a Profile object, not a bare URL
    one_status_entry: bool = False  # OB 3.0: one credentialStatus, so a client's and ours clash
    readable: bool = True  # a format this service reads (an enveloped credential is not)

    @property
    def name(self) -> str:
        return self.types[0]

    def check(self, document: Any) -> None:
        """Structure: the VC rules, then this kind's own; raises DocumentError naming paths."""
        checks.check_as(document, self.rules)

    def schema_for(self, document: dict) -> str | None:
        """The schema that issue and verify check ``document`` against (VC 1.1 predates them)."""
        contexts = document.get("@context")
        v2 = isinstance(contexts, list) and bool(contexts) and contexts[0] == VC2_CONTEXT
        return self.schema if v2 and self.schema_checked else None

    def type_name(self, types: Any) -> str:
        """The one of this kind's names that ``types`` (a ``type`` value) holds: the name
        stored with an issued credential."""
        found = set(type_list(types))
        return next((name for name in self.types if name in found), self.name)


# An enveloped credential (a VC-JWT or other securing format) is decided before anything else.
ENVELOPED = Kind(("EnvelopedVerifiableCredential",), "enveloped credential", readable=False)
OPEN_BADGE = Kind(OPEN_BADGE_TYPES, "Open Badge", documents.open_badge_credential,
                  checks.open_badge_rules, ACHIEVEMENT_CREDENTIAL_SCHEMA, schema_checked=True,
                  profile_issuer=True, one_status_entry=True)
ENDORSEMENT = Kind((ENDORSEMENT_TYPE,), "endorsement", documents.endorsement_credential,
                   checks.endorsement_rules, ENDORSEMENT_CREDENTIAL_SCHEMA, schema_checked=True)
# A person's record (CLR 2.0): its credentials inside are verified one by one as well.
CLR = Kind((clr.CLR_TYPE,), "Comprehensive Learner Record", clr.clr_credential, clr.clr_rules,
           CLR_CREDENTIAL_SCHEMA, schema_checked=True, profile_issuer=True, one_status_entry=True)
STATUS_LIST = Kind(("BitstringStatusListCredential",), "credential", status.status_list_credential)
LEGACY_STATUS_LIST = Kind(("StatusList2021Credential",), "credential")  # read, never issued
CREDENTIAL = Kind(("VerifiableCredential",), "credential")  # any other credential

# In order of precedence: a document typed both OpenBadgeCredential and EndorsementCredential
# is an Open Badge.
KINDS = (ENVELOPED, OPEN_BADGE, ENDORSEMENT, CLR, STATUS_LIST, LEGACY_STATUS_LIST, CREDENTIAL)
BY_NAME = {name: kind for kind in KINDS for name in kind.types}
OB_TYPES = frozenset(OPEN_BADGE.types)


def kind_of(types: Any) -> Kind:
    """The kind of a document with these type names (a ``type`` value or a list of names)."""
    found = set(type_list(types))
    return next((kind for kind in KINDS[:-1] if found.intersection(kind.types)), CREDENTIAL)


def kind_of_document(document: Any) -> Kind:
    """The kind of a credential by its ``type``."""
    return kind_of(document.get("type") if isinstance(document, dict) else None)
