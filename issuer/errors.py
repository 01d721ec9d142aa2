"""The base of the service errors: a refusal named by a stable code, with its parameters.

Services (and images.py, which they use) decide; issuer.web words the decision for people
(issuer/web/messages.py, one template per code) and maps it to HTTP (issuer/web/errors.py).
No sentence is carried here, so the wording can change or be translated in one place.
The rest of the family is in issuer/services/errors.py; these two live beside the package root
so that modules below the services (images.py) can raise them without importing the services.
Errors of the pure core about a document (issuer.credentials.errors) are not of this family:
they carry their own message.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A decision of the service: ``code`` ("<subject>.<what>") names it, ``params`` fill its wording."""

    def __init__(self, code: str, **params: object):
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:  # for logs and tracebacks; people read issuer.web.messages.words
        return f"{self.code} {self.params}" if self.params else self.code


class FieldError(ServiceError):
    """Bad input for one form field or request member; ``field`` names it so forms show it in place."""

    def __init__(self, code: str, *, field: str, **params: object):
        super().__init__(code, **params)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {super().__str__()}"
