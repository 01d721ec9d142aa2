"""A demo community so a newcomer sees the product at once (ISSUER_DEMO=true, empty database).

Everything goes through the real services: accounts, a community with roles, achievements with
images, leader-issued and peer badges, endorsements, consent. Demo accounts share one password,
printed in the README; never turn ISSUER_DEMO on for a real deployment.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .services import badges, communities, endorsing, people, recognition
from .services.platform import Platform
from .storage import User

PASSWORD = "demo-password-123"
PEOPLE = [("amara", "Amara Okafor"), ("bram", "Bram de Vries"), ("chen", "Chen Li"),
          ("dana", "Dana Fischer")]
BADGE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
<circle cx="100" cy="100" r="92" fill="{fill}" stroke="#1d2330" stroke-width="6"/>
<circle cx="100" cy="100" r="70" fill="#ffffff" opacity="0.9"/>
<text x="100" y="118" font-family="sans-serif" font-size="54" font-weight="700" text-anchor="middle"
 fill="#1d2330">{letters}</text></svg>"""
ACHIEVEMENTS = [
    ("Session host", "ext:Facilitation", "#2e8b6f", "SH",
     "Hosts the community's weekly pairing sessions.",
     "Host at least four pairing sessions: open the call, pair newcomers with mentors, and post "
     "the notes afterwards."),
    ("Newcomer guide", "ext:Mentoring", "#3a6ea5", "NG",
     "Guides a newcomer to their first merged contribution.",
     "Pair with a newcomer until their first contribution is merged, and write down what helped."),
    ("FAQ gardener", "ext:KnowledgeSharing", "#c07a1c", "FG",
     "Keeps the shared FAQ accurate and kind.",
     "Answer or improve at least five FAQ entries from questions asked in sessions."),
]


def seed(session: Session, platform: Platform) -> bool:
    """Create the demo once; returns False when the database already has people in it."""
    if session.scalar(select(User.id).limit(1)) is not None:
        return False
    users = {handle: people.create_user(session, platform, handle=handle, display_name=name,
                                        email=f"{handle}@demo.example", password=PASSWORD)
             for handle, name in PEOPLE}
    community = communities.create_community(
        session, platform, users["amara"], name="Open Source Mentors",
        domain="Helping newcomers make their first open source contributions.",
        purpose="We pair newcomers with experienced contributors and learn from each other how "
                "to mentor well.",
        practice="Weekly pairing sessions, a shared FAQ and a monthly retrospective.",
        open_membership=True, allow_peer_badges=True,
        image=BADGE_SVG.format(fill="#1f6f5c", letters="OSM").encode(),
        image_filename="community.svg", image_alt="A green round emblem with the letters OSM")
    for handle in ("bram", "chen", "dana"):
        communities.join(session, community, users[handle])
    made = {name: badges.define_achievement(
                session, platform, community, users["amara"], name=name, description=description,
                criteria=criteria, achievement_type=kind, tags=["mentoring", "community"],
                image=(BADGE_SVG.format(fill=fill, letters=letters).encode(), f"{letters.lower()}.svg"),
                alt=f"A round badge with the letters {letters}")
            for name, kind, fill, letters, description, criteria in ACHIEVEMENTS}
    host = badges.issue_badge(session, platform, achievement=made["Session host"],
                              recipient=users["bram"], author=users["amara"],
                              narrative="Bram hosted every Tuesday session this spring.")
    guide = badges.issue_badge(session, platform, achievement=made["Newcomer guide"],
                               recipient=users["chen"], author=users["amara"],
                               evidence=["https://example.org/pulls/42"])
    peer = badges.issue_badge(session, platform, achievement=made["FAQ gardener"],
                              recipient=users["dana"], author=users["bram"], peer=True)
    for user, row in ((users["bram"], host), (users["chen"], guide), (users["dana"], peer)):
        recognition.set_consent(session, user, row.id, "accepted")
        recognition.set_visibility(session, user, row.id, "public")
    endorsing.endorse(session, platform, users["chen"],
                      endorsing.person_subject(users["chen"], users["bram"]),
                      endorsing.points("Bram makes every newcomer feel welcome.",
                                       "We host sessions together.", "Patient, clear explanations."))
    endorsing.endorse(session, platform, users["dana"],
                      endorsing.credential_subject(session, users["dana"], host.id),
                      endorsing.points("I was in most of these sessions: well earned."))
    praise = endorsing.endorse(session, platform, users["chen"],
                               endorsing.achievement_subject(session, platform, users["chen"],
                                                             made["Newcomer guide"]),
                               endorsing.points("The clearest description of mentoring I know.",
                                                observed="Newcomers who had a guide came back."))
    for decision in ("accept", "public"):  # the community's consent, given by its leader
        endorsing.decide_achievement_endorsement(session, users["amara"], community, praise.id, decision)
    for item in recognition.incoming(session, users["bram"]):
        if item.row.consent == "pending":
            recognition.set_consent(session, users["bram"], item.row.id, "accepted")
            recognition.set_visibility(session, users["bram"], item.row.id, "public")
    return True
