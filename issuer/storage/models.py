"""SQLAlchemy 2.0 typed models: issuers, their keys, status lists and issued credentials."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator


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


class Issuer(Base):
    """A party that signs: the platform, later communities and members."""

    __tablename__ = "issuer"

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
                            unique=True),)

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


class IssuedCredential(Base):
    """A credential we signed, kept as the exact signed JSON text and served as such forever.

    Badges and endorsements made through the web app also record who received them, what they
    are about, and the recipient's consent (pending → accepted or declined) and visibility.
    """

    __tablename__ = "issued_credential"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),
                      Index("ix_issued_credential_vc_id", "vc_id", unique=True),
                      Index("ix_issued_credential_recipient", "recipient_user_id"),
                      Index("ix_issued_credential_subject", "subject_ref"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    vc_id: Mapped[str] = mapped_column(String(600))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    kind: Mapped[str] = mapped_column(String(40))  # OpenBadgeCredential, EndorsementCredential, …
    signed_json: Mapped[str] = mapped_column(Text)
    status_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_list.id"))
    status_index: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # who acted
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    achievement_id: Mapped[str | None] = mapped_column(ForeignKey("achievement.id"))
    subject_ref: Mapped[str | None] = mapped_column(String(600))  # what an endorsement is about
    peer_issued: Mapped[bool] = mapped_column(default=False)
    consent: Mapped[str] = mapped_column(String(16), default="accepted")  # pending|accepted|declined
    visibility: Mapped[str] = mapped_column(String(16), default="private")  # private|public
    updated_at: Mapped[datetime | None] = mapped_column(default=None)

    issuer: Mapped[Issuer] = relationship()
