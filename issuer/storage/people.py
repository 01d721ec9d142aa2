"""People and communities: accounts, API tokens, communities, memberships, invitations,
uploaded images and achievements (badge classes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, Issuer, new_uuid, one_of, utcnow

ROLES = ("sponsor", "leader", "coordinator", "coach", "member")
MEMBERSHIP_STATUSES = ("active", "pending")


class User(Base):
    """A person: an account, a public profile URL and an issuer identity (custodial key)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(300))
    bio: Mapped[str | None] = mapped_column(Text)  # plain text, line breaks kept on the page
    headline: Mapped[str | None] = mapped_column(String(160))  # one line under the name
    photo_id: Mapped[str | None] = mapped_column(ForeignKey("stored_image.id"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped when the person logs out (or changes password): older sessions are refused.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Consent: badges issued to them from now on carry their name and a salted e-mail hash.
    identify_in_badges: Mapped[bool] = mapped_column(default=True, server_default=true())

    issuer: Mapped[Issuer] = relationship()
    photo: Mapped[StoredImage | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    # Flask-Login protocol
    is_active = True
    is_anonymous = False
    is_authenticated = True

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token of the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    name: Mapped[str] = mapped_column(String(80))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class StoredImage(Base):
    """An uploaded, validated image (PNG, or sanitised SVG) with its required alt text."""

    __tablename__ = "stored_image"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    mime: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    alt: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Community(Base):
    """A community of practice; it is an issuer with its own DID and Profile."""

    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    domain: Mapped[str] = mapped_column(Text)  # what it is about
    purpose: Mapped[str] = mapped_column(Text)
    practice: Mapped[str | None] = mapped_column(Text)
    open_membership: Mapped[bool] = mapped_column(default=True)
    allow_peer_badges: Mapped[bool] = mapped_column(default=False)
    # its LinkedIn company page id (digits), named in members' "Add to profile" links
    linkedin_organization_id: Mapped[str | None] = mapped_column(String(20))
    image_id: Mapped[str | None] = mapped_column(ForeignKey("stored_image.id"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    issuer: Mapped[Issuer] = relationship()
    image: Mapped[StoredImage | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(back_populates="community")


class Membership(Base):
    """A person's place in a community: a role, and whether it is active or still requested."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("community_id", "user_id"), one_of("membership", "role", ROLES),
                      one_of("membership", "status", MEMBERSHIP_STATUSES))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | pending
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class Invitation(Base):
    """An invitation link into a community (also into a closed one)."""

    __tablename__ = "invitation"
    __table_args__ = (one_of("invitation", "role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    uses_left: Mapped[int] = mapped_column(default=50)

    community: Mapped[Community] = relationship()


class Achievement(Base):
    """A badge class defined by a community's leaders; public at /achievements/<id>."""

    __tablename__ = "achievement"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)  # Markdown narrative
    achievement_type: Mapped[str] = mapped_column(String(60), default="Badge")
    tags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    alignments: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {name, url, …}
    image_id: Mapped[str | None] = mapped_column(ForeignKey("stored_image.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community] = relationship()
    image: Mapped[StoredImage | None] = relationship()
