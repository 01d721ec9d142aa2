"""LinkedIn's "Add to profile" link for a certification: which fields it takes, and the URL.

LinkedIn offers no API to add a certification for ordinary issuers, only a link that opens the
member's "Add license or certification" form with the fields filled in. The prefill is best effort
(LinkedIn may drop fields), so pages show the same values for copying as well. Every value is
percent-encoded: a name with ``&``, ``#``, ``+`` or ``%`` must arrive as typed.
Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
TASK = "CERTIFICATION_NAME"
# The numeric id of a LinkedIn company page (the digits of linkedin.com/company/<id>/admin).
ORGANIZATION_ID = re.compile(r"[0-9]{1,20}")


def valid_organization_id(value: str) -> bool:
    return bool(ORGANIZATION_ID.fullmatch(value))


@dataclass(frozen=True)
class Certification:
    """What LinkedIn's certification form asks for."""

    name: str                      # the badge (achievement) name
    organization_name: str         # who issued it, in words; sent only without an organization id
    organization_id: str | None    # the issuer's LinkedIn company page id, when known
    issued: datetime               # validFrom
    expires: datetime | None       # validUntil, if any
    cert_url: str                  # the credential's public page
    cert_id: str                   # the credential's id

    def fields(self) -> list[tuple[str, str]]:
        """The query parameters after ``startTask``, in order, as plain (unencoded) text."""
        found = [("name", self.name)]
        if self.organization_id:
            found.append(("organizationId", self.organization_id))
        else:
            found.append(("organizationName", self.organization_name))
        found += [("issueYear", str(self.issued.year)), ("issueMonth", str(self.issued.month))]
        if self.expires is not None:
            found += [("expirationYear", str(self.expires.year)),
                      ("expirationMonth", str(self.expires.month))]
        return found + [("certUrl", self.cert_url), ("certId", self.cert_id)]

    def url(self) -> str:
        return add_to_profile_url(self.fields())


def add_to_profile_url(fields: list[tuple[str, str]]) -> str:
    """The "Add to profile" link with these fields, every value percent-encoded (UTF-8; a space
    is %20, never ``+``, and ``/``, ``:``, ``&``, ``#``, ``=``, ``+``, ``%`` are encoded too)."""
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in [("startTask", TASK), *fields])
    return f"{ADD_TO_PROFILE}?{query}"
