"""Before signing: complete a credential with what the issuing service owns, then check it once.

Pure: the service passes plain values (its issuer's DID and Profile, the default id, the time,
which contexts it serves) and does the storage work (rows, status indexes, keys) itself.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime

from . import digests, status
from .errors import ContextError, DocumentError
from .kinds import kind_of_document
from .vocab import (DATA_INTEGRITY_CONTEXT, ED25519_2020_CONTEXT, STATUS_CONTEXT, VC1_CONTEXT,
                    VC2_CONTEXT, xsd_datetime)


def wants_status_entry(credential: dict) -> bool:
    """Whether the service adds its revocation entry when the client did not say.

    VC 2.0: yes, unless the client brought its own credentialStatus (kept as given). VC 1.1: no.
    The VC 1.1 context does not define BitstringStatusListEntry, so an entry needs the
    status context ``credentials/status/v1``, which many VC 1.1 verifiers do not have offline
    (the W3C eddsa suite's verifier among them): their credential would then not verify
    anywhere. A VC 1.1 credential gets the entry only when asked (options.credentialStatus).
    """
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else None
    return first != VC1_CONTEXT and "credentialStatus" not in credential


def complete(credential: dict, *, issuer_did: str, issuer_profile: dict, default_id: str,
             now: datetime, suites: tuple[str, ...], serves: Callable[[str], bool],
             credential_id: str | None = None, status_entry: bool = True) -> dict:
    """A copy filled with what the service owns: id, issuer, dates, contexts the proofs need.

    ``issuer_profile`` is the Profile an Open Badge names for ``issuer_did``; ``serves(url)``
    says whether a context URL is pinned; ``status_entry`` whether the service will add its
    revocation entry (the caller adds it, with an index it allocates).
    """
    document = copy.deepcopy(credential)
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] not in (VC2_CONTEXT, VC1_CONTEXT):
        raise DocumentError("@context: must be a list whose first item is "
                            f"{VC2_CONTEXT} (or {VC1_CONTEXT} for VC 1.1)")
    _check_contexts(contexts, serves)
    if "proof" in document:
        raise DocumentError("proof: the service sets proof itself; leave it out")
    _check_client_status(document, status_entry)
    _set_issuer(document, issuer_did, issuer_profile)
    if credential_id is not None:
        if document.get("id", credential_id) != credential_id:
            raise DocumentError(f"options.credentialId: {credential_id!r} differs from the "
                                f"credential's id {document['id']!r}; give one of them")
        document["id"] = credential_id
    document.setdefault("id", default_id)
    v1 = contexts[0] == VC1_CONTEXT
    document.setdefault("issuanceDate" if v1 else "validFrom", xsd_datetime(now))
    if v1:
        _add_context(document, DATA_INTEGRITY_CONTEXT)
        if status_entry:
            _add_context(document, STATUS_CONTEXT)
    if "Ed25519Signature2020" in suites:
        _add_context(document, ED25519_2020_CONTEXT)
    return document


def check(document: dict, *, schemas, canonicalizer) -> None:
    """Refuse what would be invalid or silently unsigned, naming the property.

    Each check runs once: structure (the VC rules, then the kind's), the kind's JSON Schema,
    relatedResource digests, and the safe-mode expansion (nothing left unsigned).
    """
    kind = kind_of_document(document)
    kind.check(document)
    schema_id = kind.schema_for(document)
    if schema_id is not None:
        schemas.check(document, schema_id)
    _check_digests(document, canonicalizer.loader.pinned_bytes)
    canonicalizer.expand(document)


def _check_contexts(contexts: list, serves: Callable[[str], bool]) -> None:
    """Pinned context URLs and inline context objects; never a URL that would need a fetch.

    An inline object needs no fetch; the safe-mode expansion in :func:`check` still refuses
    any term it leaves undefined, and a URL it imports must be pinned too.
    """
    for index, context in enumerate(contexts):
        if isinstance(context, dict):
            continue
        if not isinstance(context, str):
            raise DocumentError(f"@context[{index}]: must be a context URL or an inline context "
                                "object")
        if not serves(context):
            raise ContextError(f"@context: {context} is not one of the pinned contexts this "
                               "service signs with (contexts are never fetched; give the "
                               "context inline instead)")


def _check_client_status(document: dict, status_entry: bool) -> None:
    """A client's credentialStatus is kept when usable; OB 3.0 allows one entry, not two."""
    if "credentialStatus" not in document:
        return
    given = document["credentialStatus"]
    if not given:  # null, [] or {}: nothing a verifier could use, and nothing signed
        raise DocumentError("credentialStatus: must be a status object or a list of them "
                            "(leave it out for none)")
    entries = given if isinstance(given, list) else [given]
    for index, entry in enumerate(entries):
        status.check_entry(entry, "credentialStatus" + (f"[{index}]" if isinstance(given, list) else ""))
    if status_entry and kind_of_document(document).one_status_entry:
        raise DocumentError("credentialStatus: an Open Badge has one status entry; this service "
                            "would add its revocation entry too (leave options.credentialStatus "
                            "out to keep yours, or leave credentialStatus out)")


def _set_issuer(document: dict, issuer_did: str, issuer_profile: dict) -> None:
    profile_issuer = kind_of_document(document).profile_issuer
    if "issuer" not in document:
        document["issuer"] = copy.deepcopy(issuer_profile) if profile_issuer else issuer_did
        return
    given = document["issuer"]
    if given is None:  # VC 2.0 §4.7: null is no issuer
        raise DocumentError(f"issuer: must be a URL or an object with an id, not null (this "
                            f"service signs as {issuer_did})")
    given_id = given.get("id") if isinstance(given, dict) else given
    if given_id != issuer_did:
        raise DocumentError(f"issuer: {given_id!r} is not an issuer of this service "
                            f"(this service signs as {issuer_did})")
    if given == issuer_did and profile_issuer:  # OB 3.0: the issuer is a Profile
        document["issuer"] = copy.deepcopy(issuer_profile)


def _add_context(document: dict, url: str) -> None:
    if url not in document["@context"]:
        document["@context"].append(url)


def _check_digests(document: dict, pinned: Callable[[str], bytes | None]) -> None:
    """Refuse a relatedResource digest that contradicts a context we pin (VC 2.0 §5.3); one we
    cannot compute offline is the issuer's claim to make."""
    wrong = [found.message for found in digests.check_related(document, pinned)
             if found.outcome == digests.MISMATCH]
    if wrong:
        raise DocumentError("; ".join(wrong))
