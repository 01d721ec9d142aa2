"""Words for people: one template per service error code (issuer/errors.py), filled with its params.

The services decide and name the decision; only this table says it in English, so a translation
is one more table. Templates use str.format fields (``{limit}``, ``{url!r}``); ``{field}`` is
the FieldError's field, and a list or tuple parameter reads as its items joined by commas.
"""

from __future__ import annotations

import string

from ..errors import FieldError, ServiceError

MESSAGES = {
    # accounts and API tokens
    "handle.invalid": "use 1–40 lower-case letters, digits or hyphens",
    "handle.taken": "this handle is taken",
    "email.invalid": "enter an email address",
    "email.taken": "an account with this email exists",
    "display-name.invalid": "enter a name of at most {limit} characters",
    "password.too-short": "use at least {minimum} characters",
    "token.name-invalid": "name the token (at most {limit} characters)",
    # your profile
    "profile.required": "enter your name",
    "profile.too-long": "use at most {limit} characters (this has {length})",
    "profile.one-line": "write it on one line",
    "profile.control-characters": "remove the invisible control characters",
    # communities, roles and invitations
    "community.text-required": "enter the {field} of the community",
    "community.text-too-long": "use at most {limit} characters",
    "community.slug-invalid": "use up to 50 lower-case letters, digits or hyphens",
    "community.slug-taken": "a community with this address exists; choose another",
    "community.linkedin-id-invalid": "use the digits of the community's LinkedIn company page id (at most 20), or leave it empty",
    "community.last-leader": "{name} is the last leader of {community}; make someone else leader first",
    "community.not-a-member": "you are not a member of {community}",
    "community.no-pending-request": "{name} has no pending request",
    "community.members-hidden": "{community} is a closed community: only its members see who belongs to it",
    "community.members-only": "only members of {community} can do this",
    "community.leaders-only": "only leaders and coordinators of {community} can do this",
    "community.manage-own-role": "only leaders of {community} can change or remove your own role",
    "community.manage-role": "only leaders of {community} can change or remove a {role}",
    "community.grant-role": "only leaders of {community} can make someone {role}",
    "community.invite-role": "only leaders of {community} can invite someone as {role}",
    "community.no-peer-badges": "{community} does not allow peer badges",
    "community.no-endorsement": "{community} has no endorsement {id}",
    "role.unknown": "choose one of: {roles}",
    "invitation.days": "choose between 1 and {limit} days",
    "invitation.uses": "choose between 1 and {limit} uses",
    "invitation.expired": "this invitation to {community} has expired; ask a leader for a new one",
    "invitation.used-up": "this invitation to {community} has been used up; ask a leader for a new one",
    "invitation.taken": "this invitation has been used up; ask a leader for a new one",
    # achievements and badges
    "achievement.text-length": "enter a {field} of 1–{limit} characters",
    "achievement.type-unknown": "choose one of {types}",
    "achievement.tags": "use at most {limit} tags of at most {length} characters",
    "achievement.define-forbidden": "only leaders and coordinators of {community} can define achievements",
    "achievement.edit-forbidden": "only leaders and coordinators of {community} can edit achievements",
    "alignment.unparsed": "write each alignment as 'name | https://url', not {line!r}",
    "alignment.invalid": "an alignment needs a name and an http(s) URL, not {url!r}",
    "member.unknown": "there is no member @{handle}",
    "recipients.none": "choose at least one member",
    "recipient.not-member": "@{handle} is not an active member of {community}",
    "peer-badge.to-self": "a peer badge recognises someone else, not yourself",
    "evidence.too-many": "give at most {limit} evidence links",
    "evidence.not-a-link": "{url!r} is not an http(s) link",
    "narrative.too-long": "write at most {limit} characters",
    "badge.revocation-reason": "say in at most {limit} characters why the badge is revoked",
    "badge.already-revoked": "this badge is already revoked; revocation is final",
    "badge.not-visible": "no badge {id} that you can see",
    # endorsements and the recipient's consent
    "endorsement.comment-required": "say in a few words what you recognise",
    "endorsement.too-long": "write at most {limit} characters",
    "endorsement.link-invalid": "give an http(s) link to the contribution, or leave it empty",
    "endorsement.of-yourself": "you cannot endorse yourself",
    "endorsement.of-own-badge": "you cannot endorse a badge you received or gave yourself",
    "endorsement.of-revoked-badge": "this badge was revoked, so it cannot be endorsed",
    "endorsement.by-leader": "leaders and coordinators of {community} define its achievements, "
                             "so they cannot endorse them",
    "endorsement.members-only": "only members of {community} can endorse its achievements",
    "endorsement.duplicate": "you endorsed this a moment ago; edit that endorsement instead of "
                             "writing a second one",
    "endorsement.rate-limited": "you made {limit} endorsements in the last hour; please try again later",
    "endorsement.not-yours": "you have no endorsement {id}",
    "endorsement.revocation-reason": "say in at most {limit} characters why you withdraw it",
    "endorsement.already-revoked": "this endorsement is already revoked; revocation is final",
    "decision.unknown": "choose {decisions}",
    "decision.needs-consent": "accept it first: only accepted endorsements can be public",
    "recognition.not-yours": "you have no badge or endorsement {id}",
    "record.not-your-public-item": "{id} is not one of your public badges or endorsements",
    "record.nothing-chosen": "choose at least one badge for your record",
    "record.needs-a-badge": "a record holds at least one badge; choose one besides the endorsements",
    "record.too-many": "a record holds at most {limit} items",
    "consent.unknown": "choose accepted or declined",
    "visibility.unknown": "choose public or private",
    "visibility.needs-consent": "accept it first: only accepted items can be public",
    "visibility.revoked": "it was revoked by its issuer, so it cannot be public",
    # images
    "image.empty": "the file is empty; choose a PNG or SVG image",
    "image.too-many-bytes": "the image is larger than {kilobytes} KB; make it smaller",
    "image.format-refused": "{format} images are not accepted; upload a PNG or an SVG",
    "image.format-unknown": "this file is not a PNG or SVG image",
    "image.animated": "animated PNG images are not accepted",
    "image.too-large-to-decode": "the image is too large to decode; at most {side}×{side} pixels is accepted",
    "image.damaged": "the PNG file is damaged and cannot be read",
    "image.too-many-pixels": "the image is {width}×{height} pixels; at most {side}×{side} is accepted",
    "image.alt-required": "describe the image for people who cannot see it",
    "image.alt-too-long": "use at most {limit} characters",
    "svg.declarations": "SVG files with a DTD or entity declarations are not accepted",
    "svg.malformed": "the SVG file is not well-formed XML ({error})",
    "svg.not-svg": "the file is not an SVG image (its root element is not <svg>)",
    "svg.too-deep": "the SVG nests elements more than {limit} levels deep",
    # issuing through the platform API token (VC-API); the member path comes first
    "issuer.required": "issuer: required; name the platform issuer {did} (as a URL string or a "
                       "Profile object whose id it is)",
    "issuer.malformed": "issuer: must be a URL string or an object whose id is a URL string",
    "issuer.not-the-platform": "issuer: the platform API token signs only as the platform issuer "
                               "{did}, not as {given!r}; members and communities issue through "
                               "their own accounts",
    "credential.id-taken": "{member}: {id!r} is the id of a credential already issued here; give "
                           "a new id or leave it out",
    "credential.id-ambiguous": "credentialId: several credentials were issued with the id {id!r}, "
                               "so it does not say which one is meant",
    # the Learner Credential Wallet (DIDAuth)
    "didauth.not-a-presentation": "send a DIDAuth verifiable presentation (a JSON object of type "
                                  "VerifiablePresentation)",
    "didauth.holder-not-did-key": "holder: {holder!r} is not a did:key; sign the DIDAuth "
                                  "presentation with a did:key",
    "didauth.one-proof": "proof: the DIDAuth presentation needs exactly one proof",
    "didauth.suite": "proof.type: {suite!r} is not accepted here; sign with {expected}",
    "didauth.challenge": "proof.challenge: not the challenge of this offer",
    "didauth.refused": "the DIDAuth presentation did not verify: {reason}",
    # taking a badge or an endorsement to a wallet (OpenID4VCI, the Learner Credential Wallet)
    "offer.not-yours": "no badge, endorsement or record {id} of yours to take to a wallet",
    "offer.not-deliverable": "a {kind} cannot be taken to a wallet here",
    "offer.not-bindable": "an {what} goes to a wallet as it was signed, not as a copy made out to "
                          "the wallet",
    "offer.revoked": "this {what} was revoked; it cannot be taken to a wallet",
    "offer.not-accepted": "accept this {what} before taking it to a wallet",
    "offer.unknown": "this offer is unknown, was already used or has expired; create a new one",
    "offer.code-refused": "this pre-authorized code is unknown, was already used or has expired",
    "offer.token-refused": "this access token is unknown, was already used or has expired",
    "proof.nonce-refused": "the proof's nonce is unknown, was already used or has expired; "
                           "use the c_nonce given with this answer",
    "proof.invalid": "the key proof does not hold: {reason}",
    "proof.missing": "a key proof (jwt) over a c_nonce is required",
    "holder.not-a-did": "{holder!r} is not a DID; a copy is bound to the holder's DID",
    "revocation.reason-required": "reason: say why the credential is revoked",
    "revocation.no-status-entry": "credentialStatus: this credential was issued without a "
                                  "revocation entry of this service, so verifiers could not learn "
                                  "it is revoked",
    "revocation.not-the-platform": "credentialId: {id} was not signed by the platform issuer; the "
                                   "platform API token revokes only the platform's own credentials",
    # the verify page (raised in issuer/web/verifier.py)
    "verify.nothing-given": "paste a credential, upload a JSON file or give a URL",
    "verify.upload-too-large": "the file is too large: the limit is {limit} bytes",
    "verify.nested-too-deeply": "the JSON is nested too deeply",
    "verify.nested-beyond-limit": "the JSON is nested more than {limit} levels deep",
    "verify.not-json": "this is not valid JSON ({error})",
    "verify.fetched-not-json": "{url} did not return JSON (nor a VC-JWT)",
    "verify.refused": "{reason}",
    "verify.not-an-object": "a credential is a JSON object ({{…}}), not {kind}",
    # baked badges: reading an uploaded image (issuer/baking.py) and serving one (services/baked.py)
    "baked.not-an-image": "this file is neither JSON nor a PNG or SVG badge image",
    "baked.damaged-png": "the PNG file is damaged: its chunks cannot be read",
    "baked.damaged-svg": "the SVG file cannot be read ({error})",
    "baked.svg-declarations": "the SVG declares a DTD or entities, which are not accepted here",
    "baked.no-credential": "this {format} image holds no credential (no baked badge inside)",
    "baked.several-credentials": "this {format} image holds {count} credentials; a baked badge "
                                 "holds exactly one",
    "baked.compressed": "the credential in this PNG is compressed; Open Badges 3.0 forbids "
                        "compressing it",
    "baked.not-utf8": "the credential in this PNG is not UTF-8 text",
    "baked.empty": "the credential element in this SVG is empty",
    "baked.no-image": "this credential's achievement has no image, so there is no badge image "
                      "to download; download the signed credential (JSON) instead",
    "baked.svg-too-complex": "this badge's SVG image repeats its shapes into more than {limit} "
                             "elements, too many to draw as PNG: download badge.svg instead",
    "baked.svg-not-drawable": "this badge's SVG image cannot be drawn as PNG: download badge.svg "
                              "instead",
}


class _Formatter(string.Formatter):
    """str.format, except that a list or tuple reads as "a, b, c"."""

    def format_field(self, value, format_spec):
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(item) for item in value)
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()


def words(error: ServiceError) -> str:
    """The error as a person reads it; an unworded code (a bug the tests catch) reads as itself."""
    template = MESSAGES.get(error.code)
    if template is None:
        return error.code
    params = {"field": error.field, **error.params} if isinstance(error, FieldError) else error.params
    return _FORMATTER.vformat(template, (), params)


def field_words(error: FieldError) -> str:
    """The error with the field it is about in front ("reason: …"), for forms without that field."""
    return f"{error.field}: {words(error)}"
