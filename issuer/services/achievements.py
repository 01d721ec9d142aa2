"""Achievements (badge classes) of communities: defined and edited by leaders, public as OB JSON.

The Achievement JSON is built from the stored columns each time it is served or embedded; badges
already issued keep the Achievement exactly as it was signed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import images
from ..credentials import documents
from ..storage import Achievement, Community, User
from .issuers import issuer_profile
from .errors import FieldError
from .platform import Platform
from .roles import require_leader
from .transaction import transaction

ACHIEVEMENT_TYPES = ("Badge", "Achievement", "Competency", "CommunityService", "Membership", "Award",
                     "ext:Contribution", "ext:Mentoring", "ext:Facilitation", "ext:KnowledgeSharing",
                     "ext:Leadership")
MAX_TAGS = 20


def achievement_url(platform: Platform, achievement: Achievement) -> str:
    return platform.urls.achievement(achievement.id)


def achievement_json(platform: Platform, achievement: Achievement, *, context: bool = False) -> dict:
    """The OB Achievement; with ``context`` a stand-alone JSON-LD document (not for embedding)."""
    image = achievement.image
    found = documents.achievement(
        achievement_url(platform, achievement), achievement.name, achievement.description,
        documents.criteria(achievement.criteria), achievement_type=achievement.achievement_type,
        image=documents.image(platform.urls.image(image.id), image.alt) if image else None,
        tags=json.loads(achievement.tags),
        alignments=[documents.alignment(a["name"], a["url"]) for a in json.loads(achievement.alignments)],
        creator=issuer_profile(achievement.community.issuer))
    return {"@context": list(documents.OB_CONTEXTS), **found} if context else found


def parse_tags(text: str | None) -> list[str]:
    """Comma-separated tags → a list without blanks or repeats."""
    return list(dict.fromkeys(t.strip() for t in (text or "").split(",") if t.strip()))


def parse_alignments(text: str | None) -> list[dict]:
    """Lines "name | https://url" → [{"name", "url"}]."""
    found = []
    for line in lines(text):
        name, bar, url = line.rpartition("|")
        if not bar or not name.strip():
            raise FieldError("alignment.unparsed", field="alignments", line=line)
        found.append({"name": name.strip(), "url": url.strip()})
    return found


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def define_achievement(session: Session, platform: Platform, community: Community, user: User,
                       **fields) -> Achievement:
    """A new achievement of the community (leaders only); commits."""
    require_leader(session, community, user)
    with transaction(session):
        achievement = Achievement(community=community, created_by=user.id)
        _apply(session, platform, achievement, {"achievement_type": "Badge", **fields}, new=True)
        session.add(achievement)
    return achievement


def update_achievement(session: Session, platform: Platform, achievement: Achievement, user: User,
                       **fields) -> Achievement:
    """Change an achievement (leaders only); badges already issued keep what they were signed with."""
    require_leader(session, achievement.community, user)
    with transaction(session):
        _apply(session, platform, achievement, fields, new=False)
    return achievement


def _apply(session: Session, platform: Platform, achievement: Achievement, fields: dict, *,
           new: bool) -> None:
    """Validate and set the given fields; ``new`` makes name, description and criteria required."""
    for name, limit in (("name", 120), ("description", 2000), ("criteria", 5000)):
        value = (fields.get(name) or "").strip()
        if name in fields or new:
            if not value or len(value) > limit:
                raise FieldError("achievement.text-length", field=name, limit=limit)
            setattr(achievement, name, value)
    if "achievement_type" in fields:
        if fields["achievement_type"] not in ACHIEVEMENT_TYPES:
            raise FieldError("achievement.type-unknown", field="achievement_type", types=ACHIEVEMENT_TYPES)
        achievement.achievement_type = fields["achievement_type"]
    if fields.get("tags") is not None:
        achievement.tags = json.dumps(_tags(fields["tags"]))
    if fields.get("alignments") is not None:
        achievement.alignments = json.dumps(_alignments(fields["alignments"]))
    _apply_image(session, achievement, fields.get("image"), fields.get("alt"))


def _tags(tags: Iterable[str]) -> list[str]:
    found = list(dict.fromkeys(t.strip() for t in tags if isinstance(t, str) and t.strip()))
    if len(found) > MAX_TAGS or any(len(t) > 60 for t in found):
        raise FieldError("achievement.tags", field="tags", limit=MAX_TAGS, length=60)
    return found


def _alignments(entries: Iterable[dict]) -> list[dict]:
    found = []
    for entry in entries:
        name, url = str(entry.get("name") or "").strip(), str(entry.get("url") or "").strip()
        if not name or not web_url(url):
            raise FieldError("alignment.invalid", field="alignments", url=url)
        found.append({"name": name, "url": url})
    return found


def _apply_image(session: Session, achievement: Achievement, image: tuple[bytes, str] | None,
                 alt: str | None) -> None:
    """A new image needs alt text (it becomes the OB Image caption); alt alone re-describes."""
    alt = (alt or "").strip()
    if image is not None:
        if not alt:
            raise FieldError("image.alt-required", field="alt")
        achievement.image = images.store_image(session, image[0], image[1], alt)
    elif alt and achievement.image is not None:
        achievement.image.alt = alt[:300]


def achievement_by_id(session: Session, achievement_id: str) -> Achievement | None:
    return session.get(Achievement, achievement_id)


def achievements_of(session: Session, community: Community) -> list[Achievement]:
    return list(session.scalars(select(Achievement).where(Achievement.community_id == community.id)
                                .order_by(Achievement.created_at, Achievement.name)))


def web_url(url: str) -> bool:
    """An absolute http(s) URL without spaces, as alignments and evidence need."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 600 \
        and not any(c.isspace() for c in url)
