"""verify(document, …) → VerificationResult: every check with an outcome, never an exception.

Order (DESIGN.md §2, OB 3.0 §verification): structure → schema → proofs (key resolved from the
verification method and bound to the issuer through ``assertionMethod``) → status → validity
dates → embedded endorsements, each verified the same way. Time, key resolution and status
retrieval are injected so that tests and the web layer decide what may be fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from . import budget, chains, clr, digests, documents, proof, status, tolerated
from .canonical import Canonicalizer
from .errors import CanonicalizationError, ContextError, CredentialError, WorkLimitExceeded
from .kinds import CLR, kind_of
from .vocab import type_list
from .results import (FAILED, OK, UNCHECKED, UNSUPPORTED, WORST_FIRST, Check, KeyInfo,
                      KeyUnavailable, PresentationResult, StatusUnavailable, Unsupported,
                      VerificationResult)
from .tolerated import JWT_MESSAGE, NOT_CONFORMING, looks_like_jwt

__all__ = ["CHECK_NAMES", "FAILED", "OK", "UNCHECKED", "UNSUPPORTED", "Check", "KeyInfo",
           "KeyUnavailable", "PresentationResult", "StatusUnavailable", "Unsupported",
           "VerificationResult", "Verifier", "looks_like_jwt"]

SECURITY = "https://w3id.org/security#"
STATUS = "https://www.w3.org/ns/credentials/status-list#"
VC = "https://www.w3.org/TR/vc-data-model#"
MAX_ENDORSEMENT_DEPTH = 2
# The checks a caller may name (VC-API options.checks). structure always runs: nothing else can
# be read without it; proof and issuer run together: a signature by a key the issuer does not
# control proves nothing about the issuer.
CHECK_NAMES = ("structure", "schema", "proof", "issuer", "status", "validity")
SIGNED_BY = "(the status list is signed by"  # completed with ")" below
# How a record's "credentials" check words a credential inside that is not verified.
MEMBER_ANSWER = {FAILED: "does not verify", UNSUPPORTED: "is of a kind this service cannot check",
                 UNCHECKED: "could not be fully checked"}


@dataclass
class Verifier:
    """The injected world: canonicalizer, clock, key resolution, status retrieval, schemas."""

    canonicalizer: Canonicalizer
    resolve_key: Callable[[str], KeyInfo]
    get_status: Callable[[str], dict]
    schemas: object | None = None  # schema.SchemaRegistry
    now: datetime | None = None

    def verify(self, document: object, *, purpose: str = "assertionMethod", depth: int = 0,
               challenge: str | None = None, domain: str | None = None,
               checks: frozenset[str] | None = None) -> VerificationResult:
        """Verify one credential (or presentation with purpose='authentication'); never raises.

        Every check runs even after an earlier one failed, so a malformed credential still says
        whether its signature and its status hold. ``checks`` names the checks to run and report
        (see CHECK_NAMES); None runs them all, embedded endorsements included.
        """
        doc = document if isinstance(document, dict) else {}
        result = VerificationResult(_str(doc.get("id")), _issuer_id(doc), type_list(doc.get("type")),
                                    name=_str(doc.get("name")))
        wanted = _wanted(checks)
        try:
            budget.check()  # spent (a presentation or endorsements before this one): stop here
            if not self._readable(document, result):
                return result
            stages = [("structure", lambda: self._structure(doc, result, purpose)),
                      ("schema", lambda: self._schema(doc, result)),
                      ("proof", lambda: self._proofs(doc, result, purpose, challenge, domain))]
            if purpose == "assertionMethod":
                stages += [("status", lambda: self._status(doc, result)),
                           ("validity", lambda: self._validity(doc, result))]
            for name, stage in stages:
                if name in wanted:
                    _run(name, stage, result)
            if purpose == "assertionMethod" and checks is None and depth < MAX_ENDORSEMENT_DEPTH:
                result.endorsements = [self.verify(e, depth=depth + 1) for e in _endorsements(doc)]
                if kind_of(result.types) is CLR:  # a record's credentials (a record in a record:
                    self._members(doc, result, depth)  # its own proof covers what that holds)
        except WorkLimitExceeded as error:  # the CPU budget is spent: say so, check no further
            result.add("verification", FAILED, str(error), VC + "PARSING_ERROR")
        return result

    def verify_presentation(self, presentation: object, *, challenge: str | None = None,
                            domain: str | None = None,
                            checks: frozenset[str] | None = None) -> PresentationResult:
        """Verify a presentation and every credential in it; never raises.

        The presentation's own proof always runs (purpose authentication): without it the
        challenge and domain mean nothing. An unsigned or malformed presentation is never
        verified: it fails the proof or structure check. ``checks`` applies to each credential.
        """
        outer = self.verify(presentation, purpose="authentication", challenge=challenge,
                            domain=domain, checks=None if checks is None else checks | {"proof"})
        carried = presentation.get("verifiableCredential", []) if isinstance(presentation, dict) else []
        carried = carried if isinstance(carried, list) else [carried]
        return PresentationResult(outer, [self.verify(c, checks=checks) for c in carried])

    def _members(self, doc, result, depth) -> None:
        """A record's credentials, each verified on its own; the record's "credentials" check
        says which do not verify and which are about someone other than the record's subject.
        A changed credential also breaks the record's own proof, which covers it."""
        held = clr.members(doc)
        result.members = [self.verify(m, depth=depth + 1) for m in held]
        if not held:
            return  # the structure check already says a record needs credentials
        person, problems, outcomes = clr.subject_id(doc), [], {OK}
        for index, (member, found) in enumerate(zip(held, result.members)):
            label = f"credential {index + 1} ({found.name or found.credential_id or 'unnamed'})"
            if not found.verified:
                outcome = found.outcome() or FAILED
                outcomes.add(outcome)
                problems.append(f"{label} {MEMBER_ANSWER[outcome]}")
            about = clr.subject_id(member)
            if person and about and about != person:
                outcomes.add(FAILED)
                problems.append(f"{label} is about {about}, not the record's subject {person}")
        if problems:
            worst = next(o for o in WORST_FIRST if o in outcomes)
            result.add("credentials", worst, "; ".join(problems), VC + "MALFORMED_VALUE_ERROR")
        else:
            words = "the credential inside verifies" if len(held) == 1 else \
                f"all {len(held)} credentials inside verify"
            result.add("credentials", OK, words)

    def _readable(self, document, result) -> bool:
        """A JSON object in a format we implement; a VC-JWT or an envelope is 'unsupported'."""
        if isinstance(document, str) and looks_like_jwt(document):
            result.add("format", UNSUPPORTED, JWT_MESSAGE, VC + "PARSING_ERROR")
            return False
        if not isinstance(document, dict):
            result.add("structure", FAILED, "a credential must be a JSON object", VC + "PARSING_ERROR")
            return False
        if not kind_of(result.types).readable:
            result.add("format", UNSUPPORTED, "an enveloped credential (" + JWT_MESSAGE + ")",
                       VC + "PARSING_ERROR")
            return False
        return True

    def _structure(self, document, result, purpose) -> None:
        try:
            if purpose == "authentication":
                _check_presentation(document)
            else:
                kind_of(result.types).check(document)
        except CredentialError as error:
            problems = getattr(error, "problems", None) or str(error).split("; ")
            failures = [p for p in problems if not tolerated.structure_nit(document, p)]
            for problem in problems:
                if problem not in failures:
                    result.warn("conformance", f"{NOT_CONFORMING}: {problem}")
            if failures:
                result.add("structure", FAILED, "; ".join(failures), VC + "MALFORMED_VALUE_ERROR")
                return
        result.add("structure", OK, "well-formed " + " / ".join(result.types or ["document"]))
        self._related_digests(document, result)

    def _related_digests(self, doc, result) -> None:
        """VC 2.0 §5.3: a digest that contradicts a pinned context fails; others are a warning."""
        loader = getattr(self.canonicalizer, "loader", None)
        pinned = getattr(loader, "pinned_bytes", lambda url: None)
        for found in digests.check_related(doc, pinned):
            if found.outcome == digests.MISMATCH:
                result.add("relatedResource", FAILED, found.message, VC + "MALFORMED_VALUE_ERROR")
            elif found.outcome == digests.UNKNOWN:
                result.warn("relatedResource", found.message, UNCHECKED)
            else:
                result.add("relatedResource", OK, found.message)

    def _schema(self, doc, result) -> None:
        schema_id = kind_of(result.types).schema_for(doc)
        if self.schemas is None or schema_id is None:
            return
        problems = self.schemas.validate(doc, schema_id)
        if problems:  # judged again with the tolerated deviations in their conforming form
            remaining = self.schemas.validate(tolerated.conforming_copy(doc), schema_id)
            if not remaining and not result.warnings:  # else the structure warnings said it
                result.warn("conformance", f"{NOT_CONFORMING} (1EdTech JSON Schema): "
                            + "; ".join(problems[:5]))
            problems = remaining
        if problems:
            result.add("schema", FAILED, "; ".join(problems[:5]), VC + "MALFORMED_VALUE_ERROR")
        else:
            result.add("schema", OK, f"valid against {schema_id.rsplit('/', 1)[-1]}")

    def _proofs(self, doc, result, purpose, challenge, domain) -> None:
        proofs = proof.proofs_of(doc)
        if not proofs:
            message = ("the presentation is not signed: it has no proof"
                       if purpose == "authentication" else "the document has no proof")
            result.add("proof", FAILED, message, SECURITY + "PROOF_VERIFICATION_ERROR")
            return
        start = len(result.checks)
        outcomes: dict[int, str] = {}
        for step in chains.chain_order(proofs):  # a chained proof after the proofs it names
            budget.check()  # many proofs, each canonicalizing the document, share the budget
            outcomes[step.position] = self._chained_proof(doc, step, outcomes, result, purpose,
                                                          challenge, domain)
        _demote_unsupported_beside_valid(result, start)

    def _chained_proof(self, doc, step, outcomes, result, purpose, challenge, domain) -> str:
        """One proof of a set or chain: verified only if the proofs it names are (DI §4.5)."""
        if step.problem:
            result.add("proof", FAILED, step.problem, SECURITY + "PROOF_VERIFICATION_ERROR")
            return FAILED
        blocked = [outcomes[position] for position in step.previous if outcomes[position] != OK]
        if blocked:
            outcome = FAILED if FAILED in blocked else UNCHECKED
            which = "that proof" if len(step.previous) == 1 else "one of those proofs"
            words = "did not verify" if outcome == FAILED else "could not be checked"
            result.add("proof", outcome, f"the proof by {step.proof.get('verificationMethod')} "
                       f"builds on {chains.describe_previous(step.proof)}, and {which} {words}",
                       SECURITY + "PROOF_VERIFICATION_ERROR")
            return outcome
        before = len(result.checks)
        self._one_proof(doc, step.proof, result, purpose, challenge, domain)
        added = {c.outcome for c in result.checks[before:] if c.name == "proof"}
        return OK if added == {OK} else FAILED if FAILED in added else UNCHECKED

    def _one_proof(self, doc, item, result, purpose, challenge, domain) -> None:
        if isinstance(item, dict) and not isinstance(item.get("type"), str):
            result.add("proof", FAILED, "proof has no type", SECURITY + "MALFORMED_PROOF_ERROR")
            return
        if isinstance(item, dict) and proof.suite_of(item) is None:  # decided first, with no fetch
            result.add("proof", UNSUPPORTED, f"it is signed with {_suite(item)}, a kind of "
                       "signature this service cannot check", SECURITY + "PROOF_VERIFICATION_ERROR")
            return
        vm_id = item.get("verificationMethod") if isinstance(item, dict) else None
        if not isinstance(vm_id, str):
            result.add("proof", FAILED, "proof has no verificationMethod", SECURITY + "MALFORMED_PROOF_ERROR")
            return
        if item.get("proofPurpose") != purpose:
            result.add("proof", FAILED, f"proofPurpose is {item.get('proofPurpose')!r}, expected "
                       f"{purpose!r}", SECURITY + "MISMATCHED_PROOF_PURPOSE_ERROR")
            return
        if challenge is not None and item.get("challenge") != challenge:
            result.add("proof", FAILED, "proof challenge does not match", SECURITY + "INVALID_CHALLENGE_ERROR")
            return
        if domain is not None and item.get("domain") != domain:
            result.add("proof", FAILED, "proof domain does not match", SECURITY + "INVALID_DOMAIN_ERROR")
            return
        key = self._key(vm_id, result)
        if key is None:
            return
        self._binding(doc, key, purpose, result)
        try:
            proof.verify_document_proof(doc, item, key.public_key, canonicalizer=self.canonicalizer)
        except ContextError as error:  # never fetched: the signature is unknown, not wrong
            result.add("proof", UNCHECKED, f"context not available offline ({error}); contexts "
                       "are never fetched", SECURITY + "PROOF_TRANSFORMATION_ERROR")
        except CanonicalizationError as error:
            result.add("proof", FAILED, str(error), SECURITY + "PROOF_TRANSFORMATION_ERROR")
        except CredentialError as error:
            result.add("proof", FAILED, str(error), SECURITY + "PROOF_VERIFICATION_ERROR")
        else:
            result.add("proof", OK, f"{_suite(item)} signature is valid ({vm_id})")

    def _key(self, vm_id, result) -> KeyInfo | None:
        try:
            return self.resolve_key(vm_id)
        except Unsupported as error:
            result.add("proof", UNSUPPORTED, str(error), SECURITY + "INVALID_VERIFICATION_METHOD")
        except KeyUnavailable as error:
            result.add("proof", UNCHECKED, f"the issuer's key could not be retrieved: {error}",
                       SECURITY + "PROOF_VERIFICATION_ERROR")
        except CredentialError as error:
            result.add("proof", FAILED, f"verification method {vm_id}: {error}",
                       SECURITY + "INVALID_VERIFICATION_METHOD")
        return None

    def _binding(self, doc, key: KeyInfo, purpose, result) -> None:
        expected = _str(doc.get("holder")) if purpose == "authentication" else result.issuer_id
        if purpose not in key.relationships:
            result.add("issuer", FAILED, f"key {key.vm_id} is not authorised for {purpose} by "
                       f"{key.controller}", SECURITY + "INVALID_VERIFICATION_METHOD")
        elif expected is not None and key.controller != expected:
            who = "holder" if purpose == "authentication" else "issuer"
            result.add("issuer", FAILED, f"the key belongs to {key.controller}, not to the {who} "
                       f"{expected}", SECURITY + "INVALID_VERIFICATION_METHOD")
        else:
            result.add("issuer", OK, f"the key belongs to {key.controller}")

    def _status(self, doc, result) -> None:
        entries = doc.get("credentialStatus")
        for entry in entries if isinstance(entries, list) else [entries] if entries else []:
            budget.check()  # each entry fetches and verifies a list
            self._one_status(entry, result)

    def _one_status(self, entry, result) -> None:
        kind = entry.get("type") if isinstance(entry, dict) else None
        if isinstance(kind, str) and kind not in status.ENTRY_TYPES:  # decided before any fetch
            result.add("status", UNSUPPORTED, f"its status is of the type {kind}, which this "
                       "service cannot check", STATUS + "STATUS_VERIFICATION_ERROR")
            return
        url = entry.get("statusListCredential") if isinstance(entry, dict) else None
        if not isinstance(url, str):
            result.add("status", FAILED, "credentialStatus has no statusListCredential",
                       STATUS + "STATUS_VERIFICATION_ERROR")
            return
        try:
            listing = self.get_status(url)
        except CredentialError as error:
            result.add("status", UNCHECKED, f"status list {url} could not be retrieved: {error}",
                       STATUS + "STATUS_RETRIEVAL_ERROR")
            return
        listed = self.verify(listing, depth=MAX_ENDORSEMENT_DEPTH)
        if listed.outcome("proof") == UNSUPPORTED:
            result.add("status", UNSUPPORTED, f"status list {url} is signed in a way this service "
                       "cannot check", STATUS + "STATUS_VERIFICATION_ERROR")
            return
        if listed.outcome("proof") == UNCHECKED:
            result.add("status", UNCHECKED, f"the signature of status list {url} could not be "
                       "checked", STATUS + "STATUS_VERIFICATION_ERROR")
            return
        if listed.outcome("proof") != OK or listed.outcome("issuer") != OK or not listed.issuer_id:
            result.add("status", FAILED, f"status list {url} is not validly signed",
                       STATUS + "STATUS_VERIFICATION_ERROR")
            return
        # The list is validly signed by its own issuer. Bitstring Status List lets a credential's
        # issuer delegate its list to another party: the signed credential names the list URL,
        # so only the issuer chose who answers. Who signed it is said in the result.
        signer = "" if listed.issuer_id == result.issuer_id else f" {SIGNED_BY} {listed.issuer_id})"
        try:
            set_bit = _status_bit(entry, listing, result)
        except CredentialError as error:
            result.add("status", FAILED, str(error), STATUS + getattr(error, "code", "STATUS_VERIFICATION_ERROR"))
            return
        purpose = entry.get("statusPurpose", "revocation")
        if set_bit:
            word = {"revocation": "revoked", "suspension": "suspended"}.get(purpose, f"{purpose} set")
            result.add("status", FAILED, word + signer)
        else:
            word = {"revocation": "not revoked", "suspension": "not suspended"}.get(purpose, f"{purpose} not set")
            result.add("status", OK, word + signer)

    def _validity(self, doc, result) -> None:
        now = self.now or datetime.now(timezone.utc)
        start = doc.get("validFrom", doc.get("issuanceDate"))
        end = doc.get("validUntil", doc.get("expirationDate"))
        try:
            start_at = documents.parse_datetime(start) if start else None
            end_at = documents.parse_datetime(end) if end else None
        except CredentialError as error:
            result.add("validity", FAILED, str(error), VC + "MALFORMED_VALUE_ERROR")
            return
        if start_at and now < start_at:
            result.add("validity", FAILED, f"not valid yet: valid from {start}", VC + "RANGE_ERROR")
        elif end_at and now > end_at:
            result.add("validity", FAILED, f"expired on {end}", VC + "RANGE_ERROR")
        else:
            span = f"valid from {start}" if start else "no start date"
            result.add("validity", OK, span + (f" until {end}" if end else ", no end date"))


def _status_bit(entry: dict, listing: dict, result: VerificationResult) -> bool:
    """The entry's bit. A list shorter than the 131,072 entries Bitstring Status List asks for
    (herd privacy) is still read, with a warning: DCC's verifier reads such lists, and the
    issuer's answer about this credential is in it."""
    try:
        return status.check_status(entry, listing)
    except status.StatusListError as error:
        if getattr(error, "code", None) != status.LENGTH:
            raise
        result.warn("status", f"{error}; this list is shorter than Bitstring Status List asks, "
                    "so it tells more about who holds which entry, but its answer is used")
        return status.check_status(entry, listing, minimum_entries=1)


def _wanted(checks: frozenset[str] | None) -> frozenset[str]:
    """The checks to run: the named ones, with structure, and proof and issuer together."""
    if checks is None:
        return frozenset(CHECK_NAMES)
    wanted = set(checks) | {"structure"}
    if wanted & {"proof", "issuer"}:
        wanted |= {"proof", "issuer"}
    return frozenset(wanted)


def _run(name: str, stage, result: VerificationResult) -> None:
    """One stage; an unexpected error is that stage's failure, and the next stage still runs."""
    try:
        stage()
    except WorkLimitExceeded:
        raise
    except Exception as error:  # verification reports, it never raises
        result.add(name, FAILED, f"unexpected problem: {error}", VC + "PARSING_ERROR")


def _demote_unsupported_beside_valid(result: VerificationResult, start: int) -> None:
    """With several proofs, one we cannot check beside a valid one is reported, not fatal."""
    mine = result.checks[start:]
    proofs = [c for c in mine if c.name == "proof"]
    if not any(c.outcome == OK for c in proofs) or any(c.outcome in (FAILED, UNCHECKED) for c in proofs):
        return
    for check in [c for c in proofs if c.outcome == UNSUPPORTED]:
        result.checks.remove(check)
        result.warn("proof", f"another proof could not be checked: {check.message}")


def _check_presentation(doc: dict) -> None:
    """The few rules a presentation must meet before its proof is checked."""
    contexts = doc.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first not in (documents.VC2_CONTEXT, documents.VC1_CONTEXT):
        raise CredentialError("@context: the first context must be the VC 2.0 or 1.1 context")
    if "VerifiablePresentation" not in type_list(doc.get("type")):
        raise CredentialError("type: a presentation must have type VerifiablePresentation")
    credentials = doc.get("verifiableCredential", [])
    items = credentials if isinstance(credentials, list) else [credentials]
    if not all(isinstance(item, dict) or looks_like_jwt(item) for item in items):
        raise CredentialError("verifiableCredential: must be a credential (a JSON object or a "
                              "VC-JWT) or an array of credentials")
    documents.check_presentation(doc)


def _str(value) -> str | None:
    return value if isinstance(value, str) else None


def _issuer_id(doc: dict) -> str | None:
    issuer = doc.get("issuer")
    return issuer if isinstance(issuer, str) else _str(issuer.get("id")) if isinstance(issuer, dict) else None


def _suite(item: dict) -> str:
    return item.get("cryptosuite") or item.get("type") or "unknown"


def _endorsements(doc: dict) -> list:
    """Embedded endorsements on the credential, its issuer and its achievement."""
    found = list(doc.get("endorsement") or [])
    issuer = doc.get("issuer")
    if isinstance(issuer, dict):
        found += issuer.get("endorsement") or []
    subject = doc.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("achievement"), dict):
        found += subject["achievement"].get("endorsement") or []
    return found
