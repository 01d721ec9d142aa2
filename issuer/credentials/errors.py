"""Errors raised by the credential core; only issuer.web maps them to HTTP."""


class CredentialError(Exception):
    """Base class: a credential, key or context problem the caller can explain to a user."""

    code = "CREDENTIAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class ContextError(CredentialError):
    """A JSON-LD context that is not pinned, or a pinned file whose hash does not match."""

    code = "CONTEXT_NOT_ALLOWED"


class CanonicalizationError(CredentialError):
    """The document cannot be turned into canonical N-Quads (undefined term, bad JSON-LD)."""

    code = "CANONICALIZATION_ERROR"


class WorkLimitExceeded(CanonicalizationError):
    """Canonicalization would exceed the configured work bound (blank-node poisoning)."""

    code = "CANONICALIZATION_WORK_LIMIT"


class KeyMaterialError(CredentialError):
    """A key that cannot be decoded, resolved or used."""

    code = "INVALID_KEY"


class ProofError(CredentialError):
    """A proof that cannot be created (bad options, bad key)."""

    code = "PROOF_GENERATION_ERROR"


class DocumentError(CredentialError):
    """A document that breaks a data-model rule; the message names the property."""

    code = "INVALID_DOCUMENT"


class StatusListError(CredentialError):
    """A status list that cannot be encoded, decoded or indexed."""

    code = "STATUS_LIST_ERROR"
