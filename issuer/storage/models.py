"""SQLAlchemy 2.0 typed models: issuers, their keys, status lists, awards and issued credentials."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, and_, text
from sqlalchemy.orm import DeclarativeBase, Mapped, foreign, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from ..credentials.kinds import BY_NAME


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_uuid() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Stores aware UTC datetimes; SQLite returns naive ones, so the zone is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


def one_of(table: str, column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK, named ck_<table>_<column>, that a string column holds one of ``values``."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=f"ck_{table}_{column}")


ISSUER_KINDS = ("platform", "community", "person")
STATUS_PURPOSES = ("revocation", "suspension")
AWARD_KINDS = ("badge", "endorsement")
CONSENTS = ("pending", "accepted", "declined")
VISIBILITIES = ("private", "public")
CREDENTIAL_KINDS = tuple(BY_NAME)  # every type name of the core's table of kinds


class Issuer(Base):
    """A party that signs: the platform, later communities and members."""

    __tablename__ = "issuer"
    __table_args__ = (one_of("issuer", "kind", ISSUER_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # platform | community | person
    name: Mapped[str] = mapped_column(String(200))
    did: Mapped[str] = mapped_column(String(512), unique=True)
    url: Mapped[str | None] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(600))
    image_caption: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    keys: Mapped[list[SigningKey]] = relationship(back_populates="issuer", order_by="SigningKey.id")


class SigningKey(Base):
    """An Ed25519 key; the private half only ever stored encrypted under the key-encryption key."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    vm_id: Mapped[str] = mapped_column(String(600), unique=True)
    public_multibase: Mapped[str] = mapped_column(String(100))
    private_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    issuer: Mapped[Issuer] = relationship(back_populates="keys")


class StatusList(Base):
    """A Bitstring Status List of one issuer.

    The bits are not stored: they are the revoked rows of issued_credential, so concurrent
    revocations cannot overwrite each other. Every revocation bumps ``version`` and, in the
    same transaction (the bump holds the row), stores the list signed as of that version, only
    over an older ``signed_version``; serving the list only reads it.
    ``seq`` numbers an issuer's lists of one purpose (1, 2, …): unique, so processes that
    find the newest list full at the same moment cannot each start a new one.
    """

    __tablename__ = "status_list"
    __table_args__ = (Index("uq_status_list_issuer_purpose_seq", "issuer_id", "purpose", "seq",
                            unique=True),
                      one_of("status_list", "purpose", STATUS_PURPOSES))

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    purpose: Mapped[str] = mapped_column(String(32), default="revocation")
    seq: Mapped[int] = mapped_column(server_default="0")
    size: Mapped[int]
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    signed_version: Mapped[int | None] = mapped_column(default=None)
    signed_json: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Award(Base):
    """The fact of a recognition: who recognised whom, for what, when, and what became of it.

    A badge recognises a member for an achievement of a community; an endorsement is about a
    person, a badge or an achievement (``subject_ref``, its id as signed). The author acted; the
    issuer signs (the community, or the author's own issuer for peer badges and endorsements).
    The recipient (for an endorsement of an achievement: its community, through a leader)
    consents: pending → accepted or declined; accepted ones may be public.

    The signed documents it produced are :class:`IssuedCredential` rows: the custodial copy
    (``holder_did`` NULL) whose id is the award's id, so the award's pages are that credential's
    URL, and later copies bound to a holder's DID. Revoking the award revokes every copy.
    """

    __tablename__ = "award"
    __table_args__ = (one_of("award", "kind", AWARD_KINDS), one_of("award", "consent", CONSENTS),
                      one_of("award", "visibility", VISIBILITIES),
                      CheckConstraint("kind <> 'endorsement' OR subject_ref IS NOT NULL",
                                      name="ck_award_endorsement_has_subject"),
                      CheckConstraint("(revoked_at IS NULL) = (revocation_reason IS NULL)",
                                      name="ck_award_revocation_has_reason"),
                      Index("ix_award_recipient", "recipient_user_id"),
                      Index("ix_award_author", "author_user_id"),
                      Index("ix_award_subject", "subject_ref"),
                      Index("ix_award_community", "community_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(16))  # badge | endorsement
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))  # who signs its credentials
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # who acted
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    achievement_id: Mapped[str | None] = mapped_column(ForeignKey("achievement.id"))
    subject_ref: Mapped[str | None] = mapped_column(String(600))  # what an endorsement is about
    peer_issued: Mapped[bool] = mapped_column(default=False)
    consent: Mapped[str] = mapped_column(String(16), default="pending")
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)  # an endorsement edited
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    issuer: Mapped[Issuer] = relationship()
    credentials: Mapped[list[IssuedCredential]] = relationship(
        back_populates="award", order_by="IssuedCredential.created_at")
    credential: Mapped[IssuedCredential] = relationship(  # the custodial copy, shown on pages
        primaryjoin=lambda: and_(Award.id == foreign(IssuedCredential.award_id),
                                 IssuedCredential.holder_did.is_(None)),
        viewonly=True, uselist=False)


class IssuedCredential(Base):
    """A credential we signed, kept as the exact signed JSON text and served as such forever.

    A credential made for an :class:`Award` names it (``award_id``); one signed through the
    VC-API (POST /credentials/issue) has none: the caller owns what it means, this service only
    signs, serves and revokes it. ``revoked_at`` and ``revocation_reason`` are this document's
    status (its bit in the status list); an award's revocation sets them on every copy.
    """

    __tablename__ = "issued_credential"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),
                      Index("ix_issued_credential_vc_id", "vc_id", unique=True),
                      Index("uq_issued_credential_custodial", "award_id", unique=True,
                            sqlite_where=text("holder_did IS NULL"),
                            postgresql_where=text("holder_did IS NULL")),
                      UniqueConstraint("award_id", "holder_did", name="uq_issued_credential_holder"),
                      one_of("issued_credential", "kind", CREDENTIAL_KINDS))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    vc_id: Mapped[str] = mapped_column(String(600))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    kind: Mapped[str] = mapped_column(String(40))  # OpenBadgeCredential, EndorsementCredential, …
    signed_json: Mapped[str] = mapped_column(Text)
    status_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_list.id"))
    status_index: Mapped[int | None]
    award_id: Mapped[str | None] = mapped_column(ForeignKey("award.id"))
    holder_did: Mapped[str | None] = mapped_column(String(512))  # None: the custodial copy
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)  # signed again in place
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    issuer: Mapped[Issuer] = relationship()
    award: Mapped[Award | None] = relationship(back_populates="credentials")


# sent-to-wallet: a copy bound to the holder's DID was sent; sent-as-signed: the stored
# credential itself (an endorsement: its subject is what it endorses), the wallet's DID if it said
AWARD_EVENTS = ("offer-created", "sent-to-wallet", "sent-as-signed")


class CredentialOffer(Base):
    """An offer to take a credential to a wallet: single use and short lived, made by its owner.

    What it carries is ``credential_id``, a stored credential (for an award: its custodial
    copy, and ``award_id`` names the award, whose log records each step); what the wallet then
    gets depends on its kind (issuer.services.delivery.DELIVERABLES): a copy bound to its DID,
    or that credential as signed. Only hashes of its secrets are stored. The offer secret (in
    the offer's URL) answers once with a pre-authorized code; the code is redeemed once for an
    access token; the token is used once (``delivered_at``; ``holder_did`` when the wallet
    proved a DID).
    """

    __tablename__ = "credential_offer"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="ck_credential_offer_expiry"),
                      CheckConstraint("(code_hash IS NULL) = (opened_at IS NULL)",
                                      name="ck_credential_offer_code_when_opened"),
                      CheckConstraint("(token_hash IS NULL) = (redeemed_at IS NULL)",
                                      name="ck_credential_offer_token_when_redeemed"),
                      CheckConstraint("holder_did IS NULL OR delivered_at IS NOT NULL",
                                      name="ck_credential_offer_holder_once_delivered"),
                      CheckConstraint("redeemed_at IS NULL OR opened_at IS NOT NULL",
                                      name="ck_credential_offer_redeemed_after_opened"),
                      CheckConstraint("delivered_at IS NULL OR redeemed_at IS NOT NULL",
                                      name="ck_credential_offer_delivered_after_redeemed"),
                      UniqueConstraint("secret_hash", name="uq_credential_offer_secret"),
                      UniqueConstraint("code_hash", name="uq_credential_offer_code"),
                      UniqueConstraint("token_hash", name="uq_credential_offer_token"),
                      Index("ix_credential_offer_award", "award_id"),
                      Index("ix_credential_offer_credential", "credential_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    credential_id: Mapped[str] = mapped_column(ForeignKey("issued_credential.id"))
    award_id: Mapped[str | None] = mapped_column(ForeignKey("award.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    secret_hash: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    token_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    opened_at: Mapped[datetime | None] = mapped_column(default=None)  # the offer URL answered
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)  # the code was exchanged
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)  # the copy was sent
    holder_did: Mapped[str | None] = mapped_column(String(512))

    credential: Mapped[IssuedCredential] = relationship()
    award: Mapped[Award | None] = relationship()


class WalletNonce(Base):
    """A ``c_nonce`` handed to a wallet (its hash): accepted once in a proof, before it expires."""

    __tablename__ = "wallet_nonce"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="ck_wallet_nonce_expiry"),)

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class AwardEvent(Base):
    """One step of an award's way to its holder, logged on the award ("sent to a wallet on …")."""

    __tablename__ = "award_event"
    __table_args__ = (one_of("award_event", "kind", AWARD_EVENTS),
                      CheckConstraint("kind <> 'sent-to-wallet' OR holder_did IS NOT NULL",
                                      name="ck_award_event_sent_names_holder"),
                      Index("ix_award_event_award", "award_id"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("award.id"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    holder_did: Mapped[str | None] = mapped_column(String(512))
