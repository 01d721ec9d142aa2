"""The profile tells the story: badges with their endorsements nested, recognition received and
given, grouped by community with the person's role, a timeline, and revoked items gone (shown,
marked, to their owner only) — across the demo community and a second one."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from issuer.services import badges, communities, endorsing, recognition
from issuer.services.people import create_user, user_by_handle
from issuer.services.published import public_awards, public_awards_given
from issuer.storage import Award, get_session
from tests.conftest import make_app
from tests.web.browsing import Browser

PASSWORD = "demo-password-123"


def _accept(session, user, award_id):
    recognition.set_consent(session, user, award_id, "accepted")
    recognition.set_visibility(session, user, award_id, "public")


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The demo (Open Source Mentors, led by Amara) and Data Stewards, led by Dana, with Bram and
    Erin as members: ids of what was awarded and endorsed there, by name."""
    app = make_app(tmp_path_factory.mktemp("story"), ISSUER_DEMO=True)
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        people = {h: user_by_handle(session, h) for h in ("amara", "bram", "chen", "dana")}
        for handle, name in (("erin", "Erin Novak"), ("fay", "Fay Empty")):
            people[handle] = create_user(session, platform, handle=handle, display_name=name,
                                         email=f"{handle}@example.org", password=PASSWORD)
        stewards = communities.create_community(session, platform, people["dana"], name="Data Stewards",
                                                domain="Open data", purpose="Keep data tidy")
        for handle in ("bram", "erin"):
            communities.join(session, stewards, people[handle])
        steward = badges.define_achievement(session, platform, stewards, people["dana"], name="Data steward",
                                            description="Looks after a shared data set.",
                                            criteria="Curate a data set for a season.")
        ids = {"steward": badges.issue_badge(session, platform, achievement=steward, recipient=people["bram"],
                                             author=people["dana"], narrative="Curated the *bird count*.",
                                             evidence=["https://example.org/birds"]).id}
        _accept(session, people["bram"], ids["steward"])
        ids["erin-of-badge"] = endorsing.endorse(
            session, platform, people["erin"], endorsing.credential_subject(session, people["erin"], ids["steward"]),
            endorsing.points("Careful work.", observed="Every record checked twice.")).id
        ids["erin-of-bram"] = endorsing.endorse(
            session, platform, people["erin"], endorsing.person_subject(people["erin"], people["bram"]),
            endorsing.points("A generous colleague.", how_known="We curate together.")).id
        for key in ("erin-of-badge", "erin-of-bram"):
            _accept(session, people["bram"], ids[key])
        # what Bram gave that its recipients did not make public stays off his profile
        ids["bram-of-dana"] = endorsing.endorse(
            session, platform, people["bram"], endorsing.person_subject(people["bram"], people["dana"]),
            endorsing.points("Runs a tight ship.")).id
        recognition.set_consent(session, people["dana"], ids["bram-of-dana"], "accepted")  # but private
        ids["bram-of-erin"] = endorsing.endorse(
            session, platform, people["bram"], endorsing.person_subject(people["bram"], people["erin"]),
            endorsing.points("Welcoming.")).id  # pending
        demo = {(a.kind, a.recipient_user_id, a.author_user_id): a.id for a in session.query(Award)}
        ids["host"] = demo[("badge", people["bram"].id, people["amara"].id)]
        ids["dana-of-host"] = demo[("endorsement", people["bram"].id, people["dana"].id)]
        ids["chen-of-bram"] = demo[("endorsement", people["bram"].id, people["chen"].id)]
        ids["faq"] = demo[("badge", people["dana"].id, people["bram"].id)]
        # distinct moments, so the timeline has one right order (the demo signs all in one second)
        start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
        for days, key in enumerate(("host", "dana-of-host", "chen-of-bram", "faq", "steward",
                                    "erin-of-badge", "erin-of-bram")):
            session.get(Award, ids[key]).created_at = start + timedelta(days=30 * days)
        session.commit()
    return app, ids


def page(app, handle: str, browser: Browser | None = None, **query) -> str:
    response = (browser or Browser(app)).get(f"/people/{handle}", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def card(html: str, award_id: str) -> str:
    """The badge card (article) of this award on the page."""
    start = html.index(f'id="badge-{award_id}"')
    return html[start:html.index("</article>", start)]


def section(html: str, community: str) -> str:
    """The part of the page about one community."""
    start = html.index(f">{community}</a></h3>")
    end = html.find('<section class="story-group">', start)
    return html[start:end if end > 0 else len(html)]


def test_endorsements_of_a_badge_nest_under_it(story):
    app, ids = story
    html = page(app, "bram")
    steward = card(html, ids["steward"])
    assert f'id="endorsement-{ids["erin-of-badge"]}"' in steward and "Every record checked twice." in steward
    assert "What they observed" in steward and 'href="/people/erin"' in steward
    assert html.count(f'id="endorsement-{ids["erin-of-badge"]}"') == 1  # not also a card of its own
    host = card(html, ids["host"])
    assert f'id="endorsement-{ids["dana-of-host"]}"' in host and 'href="/people/dana"' in host
    # the card tells the badge: image, description, how it was earned, evidence, who and when
    assert 'class="badge-image"' in host and "Looks after a shared data set." in steward
    assert "<em>bird count</em>" in steward and 'href="https://example.org/birds"' in steward
    assert 'Awarded by <a href="/people/dana">Dana Fischer</a> for Data Stewards' in steward
    assert ">30 June 2026</time>" in steward


def test_groups_by_community_with_roles_and_colleagues_in_their_community(story):
    app, ids = story
    html = page(app, "bram")
    osm, stewards = section(html, "Open Source Mentors"), section(html, "Data Stewards")
    assert "Member since" in osm and "Member since" in stewards
    assert ids["host"] in osm and ids["chen-of-bram"] in osm  # Chen is a fellow mentor
    assert ids["steward"] in stewards and ids["erin-of-bram"] in stewards  # Erin a fellow steward
    assert "Outside their communities" not in html and "Across communities" not in html
    dana = page(app, "dana")
    assert "Leader · member since" in section(dana, "Data Stewards")
    assert "Member since" in section(dana, "Open Source Mentors")


def test_recognition_given_follows_the_consent_of_its_recipients(story):
    app, ids = story
    bram = page(app, "bram")
    gave = bram[bram.index("Recognition Bram de Vries gave"):]
    assert ids["faq"] in gave and 'Awarded to <a href="/people/dana">Dana Fischer</a>' in gave
    assert ids["bram-of-dana"] not in bram and ids["bram-of-erin"] not in bram  # private, pending
    amara = page(app, "amara")
    assert "Nothing public yet" not in amara and "Recognition Amara Okafor gave" in amara
    assert ids["host"] in amara and 'Awarded to <a href="/people/bram">Bram de Vries</a>' in amara
    erin = page(app, "erin")
    assert ids["erin-of-badge"] in erin and ids["erin-of-bram"] in erin
    assert "Nothing public yet" in page(app, "fay")


def test_human_dates_and_no_iso_dates_in_the_text(story):
    app, _ = story
    text = re.sub(r"<[^>]+>", " ", page(app, "bram"))
    assert "2 March 2026" in text and not re.search(r"\d{4}-\d\d-\d\d", text)


def test_timeline_is_the_same_items_newest_first(story):
    app, ids = story
    html = page(app, "bram", view="timeline")
    assert 'href="/people/bram?view=timeline" aria-current="page"' in html
    order = ["erin-of-bram", "steward", "faq", "chen-of-bram", "host"]  # newest first
    positions = [html.index(ids[key]) for key in order]
    assert positions == sorted(positions)
    assert html.index(ids["dana-of-host"]) > html.index(f'id="badge-{ids["host"]}"')  # still nested
    assert "Joined <a" in html and "Awarded a badge" in html
    assert Browser(app).get("/people/bram", query_string={"view": "gallery"}).status_code == 400


def test_a_revoked_badge_leaves_with_its_endorsements_but_its_owner_sees_it_marked(story):
    app, ids = story
    with app.app_context():
        session = get_session()
        badges.revoke_badge(session, app.extensions["issuer.platform"], session.get(Award, ids["host"]),
                            user_by_handle(session, "amara"), "Awarded to the wrong person")
        bram = user_by_handle(session, "bram")
        received = {p.award.id for p in public_awards(session, bram)}
        given_by_dana = {p.award.id for p in public_awards_given(session, user_by_handle(session, "dana"))}
    assert ids["host"] not in received and ids["dana-of-host"] not in received
    assert ids["steward"] in received and ids["dana-of-host"] not in given_by_dana
    for handle in ("bram", "dana", "amara"):
        for view in ("communities", "timeline"):
            html = page(app, handle, view=view)
            assert ids["host"] not in html and ids["dana-of-host"] not in html, (handle, view)
    owner = Browser(app)
    owner.submit("/login", {"email": "bram@demo.example", "password": PASSWORD})
    mine = card(page(app, "bram", owner), ids["host"])
    assert "Revoked on" in mine and "Awarded to the wrong person" in mine and "Only you see this" in mine
    assert ids["dana-of-host"] in mine
    other = Browser(app)
    other.submit("/login", {"email": "chen@demo.example", "password": PASSWORD})
    assert ids["host"] not in page(app, "bram", other)


def test_a_join_comes_before_what_followed_it_in_the_same_second(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        lea, ada = (create_user(session, platform, handle=h, display_name=h.title(), email=f"{h}@example.org",
                                password=PASSWORD) for h in ("lea", "ada"))
        knitters = communities.create_community(session, platform, lea, name="Knitters", domain="Wool",
                                                purpose="Knit")
        communities.join(session, knitters, ada)
        achievement = badges.define_achievement(session, platform, knitters, lea, name="Purler",
                                                description="Purls.", criteria="Purl a row.")
        award_id = badges.issue_badge(session, platform, achievement=achievement, recipient=ada, author=lea).id
        _accept(session, ada, award_id)
    html = page(app, "ada", view="timeline")
    assert html.index(f'id="badge-{award_id}"') < html.index("Joined <a")
