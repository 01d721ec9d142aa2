"""A VerificationResult in plain words: an overall verdict and one sentence per check.

Pure: no Flask, no database. The caller passes what only storage knows (the names of our
issuers, the reason a credential of ours was revoked), so pages and the JSON API say the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from .credentials.errors import CredentialError
from .credentials.identity import ABSENT, MATCHES, NO_MATCH
from .credentials.kinds import CLR, kind_of
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
# What decides the headline when several checks share the verdict's outcome: the most basic.
HEADLINE_ORDER = ("format", "signature", "issuer", "revocation", "validity", "relatedResource")
STATUS_SIGNER = " (the status list is signed by "
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


@dataclass(frozen=True)
class IssuerName:
    """Who an issuer id is, as far as this service knows: a name and a kind (or None)."""

    name: str
    kind: str | None = None  # platform | community | person


def explain(result: VerificationResult, *, revocation_reason: str | None = None,
            revoked_on: datetime | None = None,
            issuers: Mapping[str, IssuerName] | None = None,
            member_reasons: Sequence[str | None] = ()) -> dict:
    """The verdict, the one reason that decides it, and a plain sentence per check, with each
    embedded endorsement explained too (and, for a record, each credential inside, with
    ``member_reasons`` for revoked ones). ``revoked_on`` and ``revocation_reason`` are what
    storage tells about a credential of ours that the viewer may see (else None)."""
    issuers = issuers or {}
    signer = _who(result.issuer_id, issuers)
    lines = [_format_line(result)]
    lines += [_signature_line(result, signer), _issuer_line(result, signer, issuers),
              _status_line(result, revocation_reason), _validity_line(result),
              _related_line(result), _members_line(result)]
    lines += [_line(c.name, c.outcome, f"Something else went wrong: {c.message}.")
              for c in result.checks if c.name not in
              ("format", "structure", "schema", "proof", "issuer", "status", "validity",
               "relatedResource", "credentials")]
    endorsements = [_endorsement(e, issuers) for e in result.endorsements]
    lines += [e["line"] for e in endorsements]
    overall = verdict_of(result)
    revocation = revocation_of(result, signer, issuers, revoked_on, revocation_reason)
    checked = [line for line in lines if line is not None]
    found = {"verified": result.verified, "verdict": VERDICTS[overall], "tone": TONES[overall],
             "reason": _headline(overall, checked, signer, revocation),
             "revocation": revocation, "issuer": signer, "checks": checked,
             "warnings": [_warning(w.message) for w in result.warnings],
             "endorsements": endorsements}
    if result.members:  # a record: each credential inside explained on its own
        reasons = list(member_reasons) + [None] * len(result.members)
        found["credentials"] = [_member(m, issuers, r) for m, r in zip(result.members, reasons)]
    return found


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
    standard = "CLR 2.0" if kind_of(result.types) is CLR else "Open Badges 3.0"
    if schema is not None and schema[0] != OK:
        return _line("format", FAILED, f"It does not follow the {standard} rules "
                     f"(1EdTech JSON Schema): {schema[1]}.")
    kind = kind_of(result.types).label
    rules = f" and follows the {standard} rules" if schema is not None else ""
    if any(w.name == "conformance" for w in result.warnings):
        rules = f", with deviations from the {standard} rules that do not affect its validity"
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
    """The signature in words. It names the issuer as signer only when the key is theirs:
    a valid signature by someone else's key says nothing about the issuer."""
    found = _worst(result, "proof")
    if found is None:
        return None
    outcome, message = found
    since = f"{signer} signed it" if result.outcome("issuer") == OK else "that key signed it"
    valid = "valid" if result.outcome("issuer") == OK else "valid for the key it names"
    text = {OK: f"The signature is {valid}: nothing was changed since {since}.",
            FAILED: f"The signature is not valid ({message}): the credential was changed after "
                    "it was signed, or it was not signed by the key it names.",
            UNCHECKED: f"The signature could not be checked: {message}.",
            UNSUPPORTED: f"The signature cannot be checked here: {message}. {NOT_JUDGED}"}[outcome]
    return _line("signature", outcome, text)


def _issuer_line(result: VerificationResult, signer: str,
                 issuers: Mapping[str, IssuerName]) -> dict | None:
    """Whose key it is, worded against the signature: a key of theirs never reads as 'signed by
    them' beside a signature that failed or was not checked."""
    found = _worst(result, "issuer")
    if found is None:
        return None
    outcome, message = found
    known = issuers.get(result.issuer_id or "")
    who = signer + (f" ({KINDS.get(known.kind, known.kind)})" if known and known.kind else "")
    signature = result.outcome("proof")
    if outcome == OK:
        text = {OK: f"Signed by {who}, and the key belongs to them.",
                FAILED: f"The key it names belongs to {who}, but the content does not match what "
                        f"that key signed: it was changed after signing, or {signer} never "
                        "signed it.",
                UNCHECKED: f"The key it names belongs to {who}; whether that key signed this "
                           "content could not be checked.",
                UNSUPPORTED: f"The key it names belongs to {who}; whether that key signed this "
                             "content cannot be checked here."}
        return _line("issuer", OK, text.get(signature, f"The key it names belongs to {who}."))
    if outcome == FAILED:
        either = " either" if signature == FAILED else ""
        then = f", so {signer} did not sign it" if signature == OK else ""
        return _line("issuer", FAILED, f"The signing key does not belong to {who}{either}: "
                     f"{message}{then}.")
    if outcome == UNCHECKED:
        return _line("issuer", outcome, f"Whether the key belongs to {who} could not be "
                     f"checked: {message}.")
    return _line("issuer", outcome, f"Whether the key belongs to {who} cannot be checked "
                 f"here: {message}. {NOT_JUDGED}")


def _status_line(result: VerificationResult, reason: str | None) -> dict | None:
    found = _worst(result, "status")
    if found is None:  # only a document that was read can be said to have no status
        read = result.outcome("structure") is not None
        return _line("revocation", OK, "It has no revocation status: the issuer cannot revoke it.") if read else None
    outcome, message = found
    word, _, signer = message.partition(STATUS_SIGNER)
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
        told = f" ({reason.rstrip('.')})." if reason else "."
        return _line("revocation", FAILED, f"It was {word}{by}{told}")
    return _line("revocation", FAILED, f"Its revocation status is not trustworthy: {message}.")


def revocation_of(result: VerificationResult, signer: str, issuers: Mapping[str, IssuerName],
                  revoked_on: datetime | None, reason: str | None) -> dict | None:
    """What the revocation banner says: revoked or suspended, by whom, and when and why when
    storage told us (a credential of ours the viewer may see); a status list says neither."""
    found = _worst(result, "status")
    word = found[1].partition(STATUS_SIGNER)[0] if found and found[0] == FAILED else None
    if revoked_on is not None:
        word = "revoked"
    if word not in ("revoked", "suspended"):
        return None
    return {"word": word, "by": signer, "ours": (result.issuer_id or "") in issuers,
            "date": date_words(revoked_on) if revoked_on else None, "reason": reason}


def _headline(overall: str, lines: list[dict], signer: str, revocation: dict | None) -> str:
    """The one sentence under the verdict: the check that decides it, the most basic first."""
    if overall == OK:
        return "Every check below passed."
    deciding = sorted((line for line in lines if line["outcome"] == overall
                       and line["check"] != "endorsement"),
                      key=lambda line: HEADLINE_ORDER.index(line["check"])
                      if line["check"] in HEADLINE_ORDER else len(HEADLINE_ORDER))
    if not deciding:
        return "Nothing in it could be read."
    check, text = deciding[0]["check"], deciding[0]["text"]
    if check == "format" and overall == FAILED:
        return ("It is not a well-formed credential." if text.startswith("This is not")
                else "It does not follow the Open Badges 3.0 rules.")
    if check == "revocation" and revocation is not None:  # what the banner says, in short
        when = f" on {revocation['date']}" if revocation["date"] else ""
        who = signer if revocation["ours"] else "Its issuer"
        return f"{who} {revocation['word']} it{when}."
    if check == "revocation" and overall == FAILED:
        return "Its revocation status is not trustworthy."
    words = {("signature", FAILED): "Its signature does not match its content: it was changed "
             "after it was signed, or not signed by the key it names.",
             ("issuer", FAILED): f"It was not signed with a key of {signer}.",
             ("issuer", UNCHECKED): f"Whether the signing key belongs to {signer} could not be "
             "checked.",
             ("issuer", UNSUPPORTED): f"Whether the signing key belongs to {signer} cannot be "
             "checked here.",
             ("signature", UNCHECKED): "Its signature could not be checked.",
             ("signature", UNSUPPORTED): "Its kind of signature cannot be checked here.",
             ("revocation", UNCHECKED): "Whether it was revoked could not be checked.",
             ("revocation", UNSUPPORTED): "Whether it was revoked cannot be checked here.",
             ("format", UNSUPPORTED): "This service cannot check this kind of credential."}
    return words.get((check, overall), text)


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


def _members_line(result: VerificationResult) -> dict | None:
    """A record (CLR): whether every credential inside verifies, naming those that do not."""
    found = _worst(result, "credentials")
    if found is None:
        return None
    outcome, message = found
    count = len(result.members)
    if outcome == OK:
        text = ("The credential inside verifies on its own." if count == 1 else
                f"Each of the {count} credentials inside verifies on its own.")
        return _line("credentials", OK, text)
    names = [f"“{m.name or m.credential_id or 'unnamed'}”" for m in result.members if not m.verified]
    if not names:
        text = f"A credential inside is not about the person the record names: {message}."
    elif count == 1:
        text = f"The credential inside, {names[0]}, is not verified (see below)."
    else:
        verb = "is" if len(names) == 1 else "are"
        text = f"{len(names)} of the {count} credentials inside {verb} not verified: {', '.join(names)} (see below)."
    if names and "is about" in message:
        text += " " + "; ".join(p for p in message.split("; ") if "is about" in p).capitalize() + "."
    return _line("credentials", outcome, text)


def _member(member: VerificationResult, issuers: Mapping[str, IssuerName],
            reason: str | None) -> dict:
    """One credential of a record, explained on its own, with its name."""
    inner = explain(member, issuers=issuers, revocation_reason=reason)
    inner["name"] = member.name or member.credential_id or "A credential"
    return inner
