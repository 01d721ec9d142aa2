"""The one error family of the services: every refusal the services decide is a ServiceError.

Each carries a stable ``code`` and its parameters, never a sentence: issuer/web/messages.py
words every code, issuer/web/errors.py maps every class to HTTP.
"""

from __future__ import annotations

from ..errors import FieldError, ServiceError

__all__ = ["DuplicateCredential", "FieldError", "Forbidden", "Invalid", "InvitationRefused",
           "NotFound", "RateLimited", "ServiceError", "WalletRefused"]


class Forbidden(ServiceError):
    """The user may not do this here."""


class NotFound(ServiceError):
    """No such item of this person (unknown, or someone else's: the same answer for both)."""


class RateLimited(FieldError):
    """Too many new endorsements in the last hour."""


class InvitationRefused(ServiceError):
    """An invitation that can no longer be used."""


class DuplicateCredential(ServiceError):
    """A credential id that a stored credential already has (ids identify one credential)."""


class Invalid(ServiceError):
    """A request the service refuses to carry out as given (an API member missing or unusable)."""


class WalletRefused(ServiceError):
    """A wallet's step that cannot go on (unknown, used or expired offer, code, token or nonce,
    or a key proof that does not hold); the wallet APIs answer it as an OAuth error."""
