"""One definition of what of a person's recognition is public: an endorsement of a badge goes
when its badge is made private or revoked, from every place that shows public recognition — the
people API, the profile page, its card counts, the recognition graph and the record's items; and
no other module decides from an award's visibility."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from issuer.services import badges, communities, endorsing, graph, profiles, recognition, record
from issuer.services.people import create_user, user_by_handle
from issuer.storage import Award, get_session
from tests.conftest import make_app
from tests.web.browsing import Browser


def _accept(session, user, award_id):
    recognition.set_consent(session, user, award_id, "accepted")
    recognition.set_visibility(session, user, award_id, "public")


@pytest.fixture
def endorsed(tmp_path):
    """Ada's public badge from Lea, endorsed by Bob (accepted and public): (app, ids)."""
    app = make_app(tmp_path)
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        lea, ada, bob = (create_user(session, platform, handle=h, display_name=h.title(),
                                     email=f"{h}@example.org", password="a-long-password-1")
                         for h in ("lea", "ada", "bob"))
        knitters = communities.create_community(session, platform, lea, name="Knitters", domain="Wool",
                                                purpose="Knit")
        for member in (ada, bob):
            communities.join(session, knitters, member)
        purler = badges.define_achievement(session, platform, knitters, lea, name="Purler",
                                           description="Purls.", criteria="Purl a row.")
        badge = badges.issue_badge(session, platform, achievement=purler, recipient=ada, author=lea).id
        _accept(session, ada, badge)
        endorsement = endorsing.endorse(session, platform, bob, endorsing.credential_subject(session, bob, badge),
                                        endorsing.points("Even rows.")).id
        _accept(session, ada, endorsement)
    return app, {"badge": badge, "endorsement": endorsement}


def public_ids(app) -> dict[str, set[str]]:
    """The award ids each place shows of Ada's (given by Bob, for the graph and counts)."""
    listed = app.test_client().get("/api/v1/people/ada").get_json()["credentials"]
    html = Browser(app).get("/people/ada", headers={"Accept": "text/html"}).get_data(as_text=True)
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        ada, bob = (user_by_handle(session, h) for h in ("ada", "bob"))
        rows = {row.id: row.credential.vc_id for row in session.query(Award)}
        in_graph = {c["id"] for c in graph.recognition_graph(session, platform, bob)["verifiableCredential"]}
        counts = profiles.public_counts(session, ada), profiles.public_counts(session, bob)
        return {"api": {item["id"] for item in listed},
                "page": {award_id for award_id in rows if award_id in html},
                "record": {row.id for row in record.record_items(session, ada)},
                "graph of bob": {award_id for award_id, vc_id in rows.items() if vc_id in in_graph},
                "counts": {f"ada received {counts[0].endorsements}", f"bob gave {counts[1].given}"}}


def test_every_place_shows_the_badge_and_its_endorsement_while_both_are_public(endorsed):
    app, ids = endorsed
    both = {ids["badge"], ids["endorsement"]}
    assert public_ids(app) == {"api": both, "page": both, "record": both, "graph of bob": {ids["endorsement"]},
                               "counts": {"ada received 1", "bob gave 1"}}


@pytest.mark.parametrize("hide", ["private", "revoked"])
def test_an_endorsement_of_a_private_or_revoked_badge_goes_with_it_everywhere(endorsed, hide):
    app, ids = endorsed
    with app.app_context():
        session = get_session()
        badge = session.get(Award, ids["badge"])
        lea, ada = (user_by_handle(session, h) for h in ("lea", "ada"))
        if hide == "private":
            recognition.set_visibility(session, ada, ids["badge"], "private")
        else:
            badges.revoke_badge(session, app.extensions["issuer.platform"], badge, lea, "Given twice")
    assert public_ids(app) == {"api": set(), "page": set(), "record": set(), "graph of bob": set(),
                               "counts": {"ada received 0", "bob gave 0"}}


def test_only_the_published_module_reads_whether_an_award_is_public():
    """Another place comparing an award's visibility would be a second definition of public."""
    root = Path(__file__).resolve().parents[2] / "issuer"
    compared = re.compile(r"\.visibility\s*(==|!=)|\.visibility\.(in_|not_in|is_)\(")
    found = {str(path.relative_to(root)) for path in root.rglob("*.py") if compared.search(path.read_text())}
    assert found == {"services/published.py"}
