"""A VerificationResult in plain words: an overall verdict and one sentence per check.

Pure: no Flask, no database. The caller passes what only storage knows (the names of our
issuers, the reason a credential of ours was revoked), so pages and the JSON API say the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from .credentials.errors import CredentialError
from .credentials.identity import ABSENT, MATCHES, NO_MATCH
from .credentials.kinds import kind_of
from .credentials.results import FAILED, OK, UNCHECKED, UNSUPPORTED, VerificationResult
from .credentials.vocab import parse_datetime

VERDICTS = {OK: "Verified", FAILED: "Not verified", UNCHECKED: "Could not be fully checked",
            UNSUPPORTED: "Cannot be checked here"}
TONES = {OK: "ok", FAILED: "failed", UNCHECKED: "unchecked", UNSUPPORTED: "unsupported"}  # CSS classes
NOT_JUDGED = ("This says nothing about whether it is genuine: a verifier that supports this kind "
              "of credential can check it.")
KINDS = {"platform": "platform", "community": "community", "person": "member"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


@dataclass(frozen=True)
class IssuerName:
    """Who an issuer id is, as far as this service knows: a name and a kind (or None)."""

    name: str
    kind: str | None = None  # platform | community | person


def explain(result: VerificationResult, *, revocation_reason: str | None = None,
            issuers: Mapping[str, IssuerName] | None = None) -> dict:
    """The verdict and a plain sentence per check, with each embedded endorsement explained too."""
    issuers = issuers or {}
    signer = _who(result.issuer_id, issuers)
    lines = [_format_line(result)]
    lines += [_signature_line(result, signer), _issuer_line(result, signer, issuers),
              _status_line(result, revocation_reason), _validity_line(result),
              _related_line(result)]
    lines += [_line(c.name, c.outcome, f"Something else went wrong: {c.message}.")
              for c in result.checks if c.name not in
              ("format", "structure", "schema", "proof", "issuer", "status", "validity",
               "relatedResource")]
    endorsements = [_endorsement(e, issuers) for e in result.endorsements]
    lines += [e["line"] for e in endorsements]
    overall = verdict_of(result)
    return {"verified": result.verified, "verdict": VERDICTS[overall], "tone": TONES[overall],
            "issuer": signer, "checks": [line for line in lines if line is not None],
            "warnings": [_warning(w.message) for w in result.warnings],
            "endorsements": endorsements}


def verdict_of(result: VerificationResult) -> str:
    """ok when every check is ok; failed when any failed (or nothing was checked); unsupported
    when something could not be checked because we do not implement it; else unchecked."""
    if result.verified:
        return OK
    outcomes = {c.outcome for c in result.checks}
    if not outcomes or FAILED in outcomes:
        return FAILED
    return UNSUPPORTED if UNSUPPORTED in outcomes else UNCHECKED


def date_words(value: datetime) -> str:
    """3 May 2026: dates as people write them, in UTC."""
    value = value.astimezone(timezone.utc) if value.tzinfo else value
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _who(issuer_id: str | None, issuers: Mapping[str, IssuerName]) -> str:
    known = issuers.get(issuer_id) if issuer_id else None
    return known.name if known else issuer_id or "an unnamed issuer"


BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential")
EMAIL_ANSWERS = {MATCHES: "matches", NO_MATCH: "does not match", ABSENT: "no e-mail fingerprint"}


def _signed_statement(result: VerificationResult) -> str | None:
    """None when what the credential says is its issuer's signed statement (signature valid,
    key theirs); else why it is not, in words that finish "… so …"."""
    proof, issuer = result.outcome("proof"), result.outcome("issuer")
    if proof == OK and issuer == OK:
        return None
    if proof == FAILED:
        return "its signature is not valid"
    if proof == OK:
        return "the signing key does not belong to the issuer it names"
    return "its signature could not be checked"


def recipient_words(names: list[str], result: VerificationResult, signer: str) -> dict | None:
    """Whose badge it is, from the name identifiers it carries, said only as far as the checks
    allow: a signed name is what the issuer states, not proof of who shows the badge. None
    for a credential that is not a badge."""
    if not any(t in BADGE_TYPES for t in result.types):
        return None
    if not names:
        return {"names": [], "awardedTo": None, "text": "The credential names no one by name."}
    named = " and ".join(names)
    doubt = _signed_statement(result)
    if doubt is not None:
        return {"names": names, "awardedTo": None,
                "text": f"It names {named}, but {doubt}, so that name cannot be trusted."}
    return {"names": names, "awardedTo": f"Awarded to {named}",
            "text": f"{signer} put this name in the badge and signed it. It says who the badge "
                    "was issued to, not who is showing it to you: to tie it to a person, check the "
                    "e-mail address they gave you."}


def email_words(outcome: str, result: VerificationResult, signer: str) -> dict:
    """The answer to "was it issued to this e-mail address?" (identity.MATCHES, NO_MATCH, ABSENT)."""
    answer, doubt = EMAIL_ANSWERS[outcome], _signed_statement(result)
    if outcome == ABSENT:
        text = "This credential carries no e-mail fingerprint, so it cannot be checked against an address."
    elif doubt is not None:
        text = (f"The address {answer} the e-mail fingerprint in the credential, but {doubt}, "
                "so this proves nothing.")
    elif outcome == MATCHES:
        text = f"It matches: {signer} issued this badge to this e-mail address."
    else:
        text = ("It does not match: this badge was not issued to this e-mail address (check the "
                "spelling; people often have more than one address).")
    return {"answer": answer, "text": text, "trusted": doubt is None and outcome == MATCHES}


def _line(check: str, outcome: str, text: str) -> dict:
    return {"check": check, "outcome": outcome, "tone": TONES.get(outcome, "unchecked"),
            "text": text}


def _worst(result: VerificationResult, name: str) -> tuple[str, str] | None:
    """The worst outcome of a check and the message that goes with it."""
    outcome = result.outcome(name)
    if outcome is None:
        return None
    return outcome, next(c.message for c in result.checks if c.name == name and c.outcome == outcome)


def _warning(message: str) -> str:
    """A conformance warning as a sentence (it stands beside the verdict, it does not change it)."""
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _format_line(result: VerificationResult) -> dict:
    unsupported = _worst(result, "format")
    if unsupported is not None:
        return _line("format", UNSUPPORTED, f"This service cannot check this credential: "
                     f"{unsupported[1]}. {NOT_JUDGED}")
    structure, schema = _worst(result, "structure"), _worst(result, "schema")
    if structure is None or structure[0] != OK:
        message = structure[1] if structure else "nothing could be read"
        return _line("format", FAILED, f"This is not a well-formed credential: {message}.")
    if schema is not None and schema[0] != OK:
        return _line("format", FAILED, "It does not follow the Open Badges 3.0 rules "
                     f"(1EdTech JSON Schema): {schema[1]}.")
    kind = kind_of(result.types).label
    rules = " and follows the Open Badges 3.0 rules" if schema is not None else ""
    if any(w.name == "conformance" for w in result.warnings):
        rules = ", with deviations from the Open Badges 3.0 rules that do not affect its validity"
    return _line("format", OK, f"It is a well-formed {kind}{rules}.")


def _related_line(result: VerificationResult) -> dict | None:
    """VC 2.0 §5.3: the digests of linked resources we hold (pinned contexts)."""
    found = _worst(result, "relatedResource")
    if found is None:
        return None
    if found[0] == OK:
        return _line("relatedResource", OK, "The resources it names by digest are unchanged.")
    return _line("relatedResource", found[0], f"A resource it names by digest has changed: {found[1]}.")


def _signature_line(result: VerificationResult, signer: str) -> dict | None:
    found = _worst(result, "proof")
    if found is None:
        return None
    outcome, message = found
    text = {OK: f"The signature is valid: nothing was changed since {signer} signed it.",
            FAILED: f"The signature is not valid ({message}): the credential was changed after "
                    "it was signed, or it was not signed by the key it names.",
            UNCHECKED: f"The signature could not be checked: {message}.",
            UNSUPPORTED: f"The signature cannot be checked here: {message}. {NOT_JUDGED}"}[outcome]
    return _line("signature", outcome, text)


def _issuer_line(result: VerificationResult, signer: str,
                 issuers: Mapping[str, IssuerName]) -> dict | None:
    found = _worst(result, "issuer")
    if found is None:
        return None
    outcome, message = found
    known = issuers.get(result.issuer_id or "")
    kind = f" ({KINDS.get(known.kind, known.kind)})" if known and known.kind else ""
    if outcome == OK:
        return _line("issuer", OK, f"Signed by {signer}{kind}, and the key belongs to them.")
    return _line("issuer", outcome, f"The signing key does not belong to {signer}{kind}: {message}.")


def _status_line(result: VerificationResult, reason: str | None) -> dict | None:
    found = _worst(result, "status")
    if found is None:  # only a document that was read can be said to have no status
        read = result.outcome("structure") is not None
        return _line("revocation", OK, "It has no revocation status: the issuer cannot revoke it.") if read else None
    outcome, message = found
    word, _, signer = message.partition(" (the status list is signed by ")
    by = f" (according to a status list signed by {signer.rstrip(')')})" if signer else ""
    if outcome == OK:
        return _line("revocation", OK, f"It is {word}{by}.")
    if outcome == UNCHECKED:
        return _line("revocation", UNCHECKED, f"Whether it was revoked could not be checked: {message}.")
    if outcome == UNSUPPORTED:
        return _line("revocation", UNSUPPORTED, f"Whether it was revoked cannot be checked here: "
                     f"{message}.")
    if word in ("revoked", "suspended"):
        # No reason: none was given, or it is not for this viewer to read (services.showing).
        return _line("revocation", FAILED, f"It was {word}{by}" + (f" ({reason})." if reason else "."))
    return _line("revocation", FAILED, f"Its revocation status is not trustworthy: {message}.")


def _validity_line(result: VerificationResult) -> dict | None:
    found = _worst(result, "validity")
    if found is None:
        return None
    outcome, message = found
    try:
        dates = [date_words(parse_datetime(d)) for d in DATE.findall(message)]
    except CredentialError:
        dates = []
    if outcome == OK:
        start = dates.pop(0) if message.startswith("valid from") and dates else None
        end = dates[0] if "until" in message and dates else None
        since = f"Valid since {start}" if start else "No start date"
        return _line("validity", OK, since + (f", until {end}." if end else ", no end date."))
    if message.startswith("expired on") and dates:
        return _line("validity", outcome, f"Expired on {dates[0]}.")
    if message.startswith("not valid yet") and dates:
        return _line("validity", outcome, f"Not valid before {dates[0]}.")
    return _line("validity", outcome, f"Its dates cannot be read: {message}.")


def _endorsement(endorsement: VerificationResult, issuers: Mapping[str, IssuerName]) -> dict:
    """An embedded endorsement's own explanation, and the one line it adds to its credential."""
    inner = explain(endorsement, issuers=issuers)
    outcome = verdict_of(endorsement)
    inner["line"] = _line("endorsement", outcome, f"Endorsement by {inner['issuer']}: "
                          f"{inner['verdict'].lower()}.")
    return inner
