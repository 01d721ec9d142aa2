"""What verification reports: each check with an outcome (ok / failed / could not check /
unsupported), and conformance warnings that stand beside the verdict without changing it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import CredentialError

OK, FAILED, UNCHECKED, UNSUPPORTED = "ok", "failed", "could not check", "unsupported"
WORST_FIRST = (FAILED, UNSUPPORTED, UNCHECKED, OK)


class KeyUnavailable(CredentialError):
    """The verification method could not be retrieved (network, unknown host): not a failure."""

    code = "KEY_UNAVAILABLE"


class StatusUnavailable(CredentialError):
    """The status list could not be retrieved: status is unknown, never 'not revoked'."""

    code = "STATUS_RETRIEVAL_ERROR"


class Unsupported(CredentialError):
    """A format, proof suite, DID method or status type this verifier does not implement.

    Not a failure of the credential: nothing about it was found wrong, it just cannot be checked
    here. Raised before anything is fetched."""

    code = "UNSUPPORTED"


@dataclass(frozen=True)
class KeyInfo:
    """A resolved verification method: its key, controller and verification relationships."""

    vm_id: str
    public_key: object
    controller: str
    relationships: frozenset[str]


@dataclass
class Check:
    name: str
    outcome: str
    message: str
    problem: str | None = None

    def as_dict(self) -> dict:
        data = {"check": self.name, "outcome": self.outcome, "message": self.message}
        if self.problem:
            data["problem"] = self.problem
        return data


@dataclass
class VerificationResult:
    """What was checked and how it came out; ``verified`` only when every check is ok."""

    credential_id: str | None
    issuer_id: str | None
    types: list[str]
    checks: list[Check] = field(default_factory=list)
    endorsements: list[VerificationResult] = field(default_factory=list)
    warnings: list[Check] = field(default_factory=list)  # beside the verdict, never changing it
    members: list[VerificationResult] = field(default_factory=list)  # a record's credentials
    name: str | None = None  # the name the document gives itself, for lists of members

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(check.outcome == OK for check in self.checks)

    def add(self, name: str, outcome: str, message: str, problem: str | None = None) -> None:
        self.checks.append(Check(name, outcome, message, problem))

    def warn(self, name: str, message: str, outcome: str = "warning") -> None:
        """Beside the verdict, never deciding it: a deviation that does not stop the credential
        being verified (conformance, extra proofs), or, with ``outcome=UNCHECKED``, something
        we could not check (a digest of a resource we cannot read offline)."""
        self.warnings.append(Check(name, outcome, message))

    def outcome(self, name: str | None = None) -> str | None:
        """The worst outcome of the check ``name`` (of every check when None)."""
        outcomes = [c.outcome for c in self.checks if name is None or c.name == name]
        for worst in WORST_FIRST:
            if worst in outcomes:
                return worst
        return None

    def as_dict(self) -> dict:
        return {
            "verified": self.verified,
            "credentialId": self.credential_id,
            "issuer": self.issuer_id,
            "type": self.types,
            "checks": [c.as_dict() for c in self.checks],
            "warnings": [c.as_dict() for c in self.warnings],
            "endorsements": [e.as_dict() for e in self.endorsements],
            **({"credentials": [m.as_dict() for m in self.members]} if self.members else {}),
        }

    def to_vcapi(self) -> dict:
        """VC-API body: verified, names of passed checks, warnings, errors (same shape either way).

        Errors are the failed and the unsupported checks, each with its outcome, so a client tells
        "this credential is wrong" from "this service cannot check this kind of credential"."""
        passed = sorted({c.name for c in self.checks if c.outcome == OK}
                        - {c.name for c in self.checks if c.outcome != OK})
        warnings = [c.as_dict() for c in self.checks if c.outcome == UNCHECKED]
        warnings += [c.as_dict() for c in self.warnings]
        warnings += [{"check": "endorsement", "outcome": FAILED, "message":
                      f"embedded endorsement {e.credential_id} does not verify"}
                     for e in self.endorsements if not e.verified]
        errors = [c.as_dict() for c in self.checks if c.outcome in (FAILED, UNSUPPORTED)]
        return {"verified": self.verified, "checks": passed, "warnings": warnings,
                "errors": errors, "result": self.as_dict()}


# How a presentation's answer words a credential in it that is not verified, by its worst outcome.
CREDENTIAL_ANSWER = {FAILED: "does not verify",
                     UNSUPPORTED: "is of a kind this service cannot check (see credentialResults)",
                     UNCHECKED: "could not be fully checked (see credentialResults)"}


@dataclass
class PresentationResult:
    """A presentation's own checks (its proof for authentication, challenge and domain) and the
    result of each credential it carries; verified only when all of them are."""

    presentation: VerificationResult
    credentials: list[VerificationResult] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.presentation.verified and all(c.verified for c in self.credentials)

    def to_vcapi(self) -> dict:
        """The presentation's VC-API body, an error entry for each credential not verified
        (with its worst outcome: failed, unsupported, could not check) and every credential's
        own body under credentialResults."""
        payload = self.presentation.to_vcapi()
        for index, result in enumerate(self.credentials):
            if not result.verified:
                outcome = result.outcome() or FAILED
                payload["errors"].append({"check": "credential", "outcome": outcome, "message":
                                          f"verifiableCredential[{index}] {CREDENTIAL_ANSWER[outcome]}"})
        payload.update(verified=self.verified,
                       credentialResults=[r.to_vcapi() for r in self.credentials])
        return payload
