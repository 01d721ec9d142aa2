"""Peer endorsements through real forms and the JSON API: signed, verifiable, editable, revocable."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from issuer.services import endorsing, recognition
from issuer.services.people import create_user
from issuer.storage import Award, get_session
from tests.web.browsing import Browser
from tests.web.test_people import issue_badge, row_of, token

POINTS = {"comment": "Ada made our *calls* welcoming.", "how_known": "We co-host the calls.",
          "observed": "She answered every newcomer.", "link": "https://example.org/notes/42"}


@pytest.fixture
def people(app):
    return {handle: Browser(app).sign_up(handle, name)
            for handle, name in (("ada", "Ada Lovelace"), ("lea", "Lea Leader"), ("bob", "Bob"),
                                 ("cy", "Cy"))}


def endorsements(app, author: str) -> list[Award]:
    """The endorsements signed by @author, each with its custodial credential loaded."""
    with app.app_context():
        session = get_session()
        rows = session.query(Award).filter_by(kind="endorsement").all()
        found = [r for r in rows if r.issuer.slug == f"person:{author}"]
        for row in found:
            row.credential  # noqa: B018 (loaded while the session is open)
        session.expunge_all()
        return found


def signed(row: Award) -> dict:
    return json.loads(row.credential.signed_json)


def verifies(app, credential: dict) -> bool:
    response = app.test_client().post("/credentials/verify", json={"verifiableCredential": credential})
    return response.status_code == 200


def did_of(app, handle: str) -> str:
    with app.app_context():
        from issuer.services.people import user_by_handle

        return user_by_handle(get_session(), handle).issuer.did


def test_endorsing_a_person_signs_a_verifiable_endorsement_in_the_endorsers_name(app, people):
    response = people["bob"].submit("/people/ada/endorse", POINTS)
    assert response.status_code == 302 and response.headers["Location"] == "/people/ada"
    [row] = endorsements(app, "bob")
    vc = signed(row)
    assert vc["issuer"]["id"] == did_of(app, "bob") and vc["name"] == "Endorsement of Ada Lovelace"
    assert vc["credentialSubject"]["id"] == did_of(app, "ada")
    assert vc["credentialSubject"]["endorsementComment"] == (
        "Ada made our *calls* welcoming.\n\n**How I know them:** We co-host the calls.\n\n"
        "**What I observed:** She answered every newcomer.\n\n**Contribution:** <https://example.org/notes/42>")
    assert vc["awardedDate"] == vc["validFrom"] and vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert (row.consent, row.visibility, row.subject_ref) == ("pending", "private", did_of(app, "ada"))
    assert verifies(app, vc)


def test_a_person_endorsement_shows_only_once_accepted_and_public(app, people):
    people["bob"].submit("/people/ada/endorse", POINTS)
    [row] = endorsements(app, "bob")
    public = app.test_client()
    assert row.id not in public.get("/people/ada", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "endorsement" not in public.get("/people/ada", headers={"Accept": "application/json"}).get_json()
    inbox = people["ada"].get("/me/recognition").get_data(as_text=True)
    assert row.id in inbox and "<strong>How I know them:</strong>" in inbox
    people["ada"].submit(f"/me/recognition/{row.id}/accept", form_url="/me/recognition")
    people["ada"].submit(f"/me/recognition/{row.id}/public", form_url="/me/recognition")
    page = public.get("/people/ada", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert row.id in page and 'href="/people/bob"' in page and "<em>calls</em>" in page
    profile = public.get("/people/ada", headers={"Accept": "application/ld+json"}).get_json(force=True)
    assert [e["id"] for e in profile["endorsement"]] == [row.credential.vc_id]
    assert verifies(app, profile["endorsement"][0])


def test_nobody_endorses_themselves(app, people):
    assert people["ada"].get("/people/ada/endorse").status_code == 403
    assert people["ada"].submit("/people/ada/endorse", POINTS, form_url="/people/bob/endorse").status_code == 403
    api = app.test_client().post("/api/v1/people/ada/endorsements", json={"comment": "me!"},
                                 headers=token(people["ada"]))
    assert api.status_code == 403 and api.mimetype == "application/problem+json"
    assert endorsements(app, "ada") == []


def test_endorse_forms_need_login_csrf_and_a_known_subject(app, people):
    anonymous = app.test_client()
    assert anonymous.get("/people/ada/endorse").status_code == 302
    no_csrf = people["bob"].client.post("/people/ada/endorse", data=POINTS)
    assert no_csrf.status_code == 400 and endorsements(app, "bob") == []
    assert people["bob"].get("/people/nobody/endorse").status_code == 404
    assert people["bob"].get("/credentials/no-such-badge/endorse").status_code == 404
    assert people["bob"].get("/achievements/no-such-achievement/endorse").status_code == 404
    client, auth = app.test_client(), token(people["bob"])
    for url in ("/api/v1/people/nobody/endorsements", "/api/v1/credentials/nope/endorsements",
                "/api/v1/achievements/nope/endorsements"):
        assert client.post(url, json={"comment": "hi"}, headers=auth).status_code == 404
    assert client.post("/api/v1/people/ada/endorsements", json={"comment": "hi"}).status_code == 401


def test_form_errors_keep_what_was_typed_and_html_is_escaped(app, people):
    bad = people["bob"].submit("/people/ada/endorse", {**POINTS, "comment": "<b>bold</b> claim",
                                                       "link": "javascript:alert(1)"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "give an http(s) link" in page
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in page and "<b>bold</b>" not in page
    empty = people["bob"].submit("/people/ada/endorse", {**POINTS, "comment": "  "})
    assert empty.status_code == 400 and endorsements(app, "bob") == []
    api = app.test_client().post("/api/v1/people/ada/endorsements", json={"comment": "ok", "link": "ftp://x"},
                                 headers=token(people["bob"]))
    assert api.status_code == 422 and api.get_json()["field"] == "link"


def test_scripts_and_javascript_links_in_comments_are_never_rendered(app, people):
    evil = {"comment": "Hi <script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>"}
    people["bob"].submit("/people/ada/endorse", evil)
    [row] = endorsements(app, "bob")
    assert "<script>" in signed(row)["credentialSubject"]["endorsementComment"]  # signed as written
    people["ada"].submit(f"/me/recognition/{row.id}/accept", form_url="/me/recognition")
    people["ada"].submit(f"/me/recognition/{row.id}/public", form_url="/me/recognition")
    for page in (people["ada"].get("/me/recognition"), app.test_client().get("/people/ada", headers={"Accept": "text/html"}),
                 people["bob"].get(f"/endorsements/{row.id}/revoke")):
        text = page.get_data(as_text=True)
        assert "<script>alert" not in text and "javascript:" not in text and "onerror" not in text
        assert "click" in text


def test_endorsing_a_badge_uses_its_signed_id_and_goes_to_its_recipient(app, people):
    uuid = issue_badge(app, members=("bob", "cy"))
    people["ada"].submit(f"/me/recognition/{uuid}/accept", form_url="/me/recognition")
    people["ada"].submit(f"/me/recognition/{uuid}/public", form_url="/me/recognition")
    badge = row_of(app, uuid)
    response = people["bob"].submit(f"/credentials/{uuid}/endorse", POINTS)
    assert response.status_code == 302 and response.headers["Location"] == f"/credentials/{uuid}"
    [row] = endorsements(app, "bob")
    vc = signed(row)
    assert vc["credentialSubject"]["id"] == badge.credential.vc_id and vc["name"] == "Endorsement of Facilitator"
    assert row.recipient_user_id == badge.recipient_user_id and row.community_id == badge.community_id
    assert verifies(app, vc)
    api = app.test_client().post(f"/api/v1/credentials/{uuid}/endorsements", json={"comment": "Yes!"},
                                 headers=token(people["cy"]))
    assert api.status_code == 201 and verifies(app, api.get_json()["verifiableCredential"])


def test_badges_you_received_gave_or_cannot_see_are_not_endorsable(app, people):
    uuid = issue_badge(app, members=("bob",))
    assert people["ada"].get(f"/credentials/{uuid}/endorse").status_code == 403  # received it
    assert people["lea"].get(f"/credentials/{uuid}/endorse").status_code == 403  # gave it
    assert people["cy"].get(f"/credentials/{uuid}/endorse").status_code == 404  # pending: private
    api = app.test_client().post(f"/api/v1/credentials/{uuid}/endorsements", json={"comment": "x"},
                                 headers=token(people["ada"]))
    assert api.status_code == 403


def test_endorsing_an_achievement_waits_for_the_communitys_consent(app, people):
    uuid = issue_badge(app)
    achievement_id = row_of(app, uuid).achievement_id
    response = people["bob"].submit(f"/achievements/{achievement_id}/endorse",
                                    {"comment": "A fine badge.", "observed": "Clear criteria."})
    assert response.status_code == 302
    [row] = endorsements(app, "bob")
    base = app.config["ISSUER_BASE_URL"]
    assert signed(row)["credentialSubject"]["id"] == f"{base}/achievements/{achievement_id}"
    assert (row.recipient_user_id, row.consent, row.visibility) == (None, "pending", "private")
    assert row.achievement_id == achievement_id and verifies(app, signed(row))
    page = f"/credentials/{row.id}"
    assert Browser(app).get(page).status_code == 404 and people["cy"].get(page).status_code == 404
    assert people["bob"].get(page).status_code == 200  # its author
    community = "/communities/open-knitting"
    listed = people["lea"].get(community).get_data(as_text=True)
    assert "Endorsements of our achievements" in listed and "A fine badge." in listed
    assert "<strong>What I observed:</strong> Clear criteria." in listed  # Markdown, rendered
    refused = people["lea"].submit(f"{community}/endorsements/{row.id}/public", form_url=community)
    assert "accept it first" in people["lea"].get(refused.headers["Location"]).get_data(as_text=True)
    people["lea"].submit(f"{community}/endorsements/{row.id}/accept", form_url=community)
    assert Browser(app).get(page).status_code == 404  # accepted, still private
    people["lea"].submit(f"{community}/endorsements/{row.id}/public", form_url=community)
    assert Browser(app).get(page).status_code == 200
    assert people["ada"].submit(f"{community}/endorsements/{row.id}/private", form_url=community).status_code == 403


def test_the_api_applies_the_same_consent_to_achievement_endorsements(app, people):
    achievement_id = row_of(app, issue_badge(app)).achievement_id
    api = app.test_client()
    made = api.post(f"/api/v1/achievements/{achievement_id}/endorsements",
                    json={"comment": "Agreed.", "howKnown": "I hold it"}, headers=token(people["cy"]))
    assert made.status_code == 201 and made.get_json()["visibility"] == "private"
    row_id = made.get_json()["id"]
    decisions = "/api/v1/communities/open-knitting/endorsements"
    assert api.get(decisions, headers=token(people["cy"])).status_code == 403
    assert api.post(f"{decisions}/{row_id}/accept", headers=token(people["ada"])).status_code == 403
    lead = token(people["lea"])
    assert [e["id"] for e in api.get(decisions, headers=lead).get_json()] == [row_id]
    assert api.post(f"{decisions}/{row_id}/public", headers=lead).status_code == 422
    assert api.post(f"{decisions}/{row_id}/accept", headers=lead).get_json()["consent"] == "accepted"
    shown = api.post(f"{decisions}/{row_id}/public", headers=lead).get_json()
    assert (shown["consent"], shown["visibility"]) == ("accepted", "public")
    assert api.post(f"{decisions}/nope/accept", headers=lead).status_code == 404
    assert api.post(f"{decisions}/{row_id}/crown", headers=lead).status_code == 404


def test_who_may_endorse_an_achievement(app, people):
    """Not its community's leaders and coordinators; of a closed community only its members."""
    open_id = row_of(app, issue_badge(app)).achievement_id
    assert people["lea"].get(f"/achievements/{open_id}/endorse").status_code == 403
    assert people["cy"].get(f"/achievements/{open_id}/endorse").status_code == 200  # open: anyone
    closed_id = row_of(app, issue_badge(app, community="Closed Circle", name="Inner")).achievement_id
    with app.app_context():
        from issuer.storage import Achievement

        session = get_session()
        session.get(Achievement, closed_id).community.open_membership = False
        session.commit()
    refused = people["cy"].submit(f"/achievements/{closed_id}/endorse", {"comment": "From outside."})
    assert refused.status_code == 403 and endorsements(app, "cy") == []
    api = app.test_client().post(f"/api/v1/achievements/{closed_id}/endorsements", json={"comment": "x"},
                                 headers=token(people["cy"]))
    assert api.status_code == 403
    assert people["bob"].submit(f"/achievements/{closed_id}/endorse", {"comment": "From inside."}).status_code == 302


def test_endorsing_again_edits_the_same_credential(app, people, monkeypatch):
    earlier = recognition.now_utc() - timedelta(minutes=5)
    with monkeypatch.context() as patched:
        patched.setattr(endorsing, "now_utc", lambda: earlier)
        people["bob"].submit("/people/ada/endorse", POINTS)
    [first] = endorsements(app, "bob")
    form = people["bob"].get("/people/ada/endorse").get_data(as_text=True)
    assert "Edit your endorsement" in form and "We co-host the calls." in form
    assert 'value="https://example.org/notes/42"' in form
    people["ada"].submit(f"/me/recognition/{first.id}/accept", form_url="/me/recognition")
    assert row_of(app, first.id).consent == "accepted"
    response = people["bob"].submit("/people/ada/endorse", {**POINTS, "comment": "Even better now."})
    assert response.status_code == 302
    [second] = endorsements(app, "bob")
    before, after = signed(first), signed(second)
    assert second.id == first.id and after["id"] == before["id"]
    assert after["awardedDate"] == before["awardedDate"] and after["validFrom"] > before["validFrom"]
    assert after["credentialStatus"] == before["credentialStatus"] and after["proof"] != before["proof"]
    assert after["credentialSubject"]["endorsementComment"].startswith("Even better now.")
    assert second.updated_at is not None and second.consent == "pending"
    assert verifies(app, after)
    api = app.test_client().post("/api/v1/people/ada/endorsements", json={"comment": "Third take"},
                                 headers=token(people["bob"]))
    assert api.status_code == 200 and api.get_json()["edited"] and api.get_json()["id"] == first.id
    assert verifies(app, api.get_json()["verifiableCredential"])


def test_the_endorser_revokes_with_a_reason(app, people):
    people["bob"].submit("/people/ada/endorse", POINTS)
    [row] = endorsements(app, "bob")
    assert people["ada"].get(f"/endorsements/{row.id}/revoke").status_code == 404  # not hers
    no_reason = people["bob"].submit(f"/endorsements/{row.id}/revoke", {"reason": ""})
    assert no_reason.status_code == 400 and row_of(app, row.id).revoked_at is None
    done = people["bob"].submit(f"/endorsements/{row.id}/revoke", {"reason": "Wrong person"})
    assert done.status_code == 302 and row_of(app, row.id).revocation_reason == "Wrong person"
    result = app.test_client().post("/credentials/verify", json={"verifiableCredential": signed(row)})
    assert result.status_code == 422 and "revocationReason" not in result.get_json()  # not public
    page = people["bob"].submit("/verify", {"credential": row.credential.signed_json})  # the author sees it
    assert "It was revoked (Wrong person)." in page.get_data(as_text=True)
    again = people["bob"].submit("/people/ada/endorse", POINTS)  # a new one may follow
    assert again.status_code == 302 and len(endorsements(app, "bob")) == 2


def test_api_revocation_needs_a_reason_and_your_own_endorsement(app, people):
    auth = token(people["bob"])
    made = app.test_client().post("/api/v1/people/ada/endorsements", json={"comment": "Great"}, headers=auth)
    uuid = made.get_json()["id"]
    client = app.test_client()
    assert client.post(f"/api/v1/endorsements/{uuid}/revoke", json={"reason": "x"},
                       headers=token(people["ada"])).status_code == 404
    assert client.post(f"/api/v1/endorsements/{uuid}/revoke", json={}, headers=auth).status_code == 422
    done = client.post(f"/api/v1/endorsements/{uuid}/revoke", json={"reason": "Changed my mind"}, headers=auth)
    assert done.status_code == 200 and done.get_json()["status"] == "revoked"


def test_at_most_twenty_new_endorsements_an_hour(app, people):
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        handles = [create_user(session, platform, handle=f"p{n}", email=f"p{n}@example.org",
                               display_name=f"P{n}", password="long enough pw").handle for n in range(21)]
    client, auth = app.test_client(), token(people["bob"])
    for handle in handles[:recognition.RATE_LIMIT_PER_HOUR]:
        response = client.post(f"/api/v1/people/{handle}/endorsements", json={"comment": "Thanks"}, headers=auth)
        assert response.status_code == 201
    limited = client.post(f"/api/v1/people/{handles[20]}/endorsements", json={"comment": "Thanks"}, headers=auth)
    assert limited.status_code == 429 and "20 endorsements" in limited.get_json()["detail"]
    page = people["bob"].submit(f"/people/{handles[20]}/endorse", {"comment": "Thanks"})
    assert page.status_code == 429 and "try again later" in page.get_data(as_text=True)
    edit = client.post(f"/api/v1/people/{handles[0]}/endorsements", json={"comment": "Edited"}, headers=auth)
    assert edit.status_code == 200  # editing is not a new endorsement
    assert len(endorsements(app, "bob")) == 20



def test_the_migration_links_older_achievement_endorsements_to_their_achievement(app, people):
    """Endorsements made public before the community consented stay public, now listed to leaders."""
    from alembic import command

    from issuer.storage import alembic_config, migrate

    achievement_id = row_of(app, issue_badge(app)).achievement_id
    people["bob"].submit(f"/achievements/{achievement_id}/endorse", {"comment": "Older praise."})
    [row] = endorsements(app, "bob")
    engine = app.extensions["issuer.engine"]
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        connection.exec_driver_sql("UPDATE issued_credential SET achievement_id = NULL, consent = 'accepted', "
                                   f"visibility = 'public' WHERE id = '{row.id}'")  # as stored before
    migrate(engine)
    [row] = endorsements(app, "bob")
    assert (row.achievement_id, row.consent, row.visibility) == (achievement_id, "accepted", "public")
    assert Browser(app).get(f"/credentials/{row.id}").status_code == 200
    assert "Older praise." in people["lea"].get("/communities/open-knitting").get_data(as_text=True)
