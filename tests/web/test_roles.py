"""Who may change whose role: leaders steward, coordinators organise, nobody else manages."""

from __future__ import annotations

import pytest

from tests.web.browsing import Browser
from tests.web.test_communities import create, members, text

SLUG = "/communities/accessible-web-guild"
API = "/api/v1/communities/accessible-web-guild"


@pytest.fixture
def guild(app):
    """Ada founded the guild (leader); Cora is coordinator, Mo member, Sam sponsor, Lee a second leader."""
    people = {h: Browser(app).sign_up(h) for h in ("ada", "cora", "mo", "sam", "lee")}
    create(people["ada"])
    for handle, role in (("cora", "coordinator"), ("mo", "member"), ("sam", "sponsor"), ("lee", "leader")):
        people[handle].submit(f"{SLUG}/join", form_url=SLUG)
        if role != "member":
            people["ada"].submit(f"{SLUG}/members/{handle}/role", {"role": role}, form_url=SLUG)
    assert members(app) == {"ada": ("leader", "active"), "cora": ("coordinator", "active"),
                            "mo": ("member", "active"), "sam": ("sponsor", "active"),
                            "lee": ("leader", "active")}
    return people


def bearer(browser: Browser) -> dict:
    return {"Authorization": f"Bearer {browser.api_token()}"}


@pytest.mark.parametrize("handle, role", [("cora", "leader"), ("ada", "member"), ("ada", "coach"),
                                          ("mo", "leader"), ("mo", "coordinator"), ("sam", "member"),
                                          ("cora", "member")])
def test_a_coordinator_cannot_raise_anyone_to_leader_nor_touch_leaders(guild, app, handle, role):
    before = members(app)
    refused = guild["cora"].submit(f"{SLUG}/members/{handle}/role", {"role": role}, form_url=SLUG)
    assert refused.status_code == 403 and "only leaders" in text(refused)
    api = app.test_client().patch(f"{API}/members/{handle}", json={"role": role}, headers=bearer(guild["cora"]))
    assert api.status_code == 403 and api.mimetype == "application/problem+json"
    assert members(app) == before


@pytest.mark.parametrize("handle", ["ada", "lee", "sam"])
def test_a_coordinator_cannot_remove_leaders_or_sponsors(guild, app, handle):
    refused = guild["cora"].submit(f"{SLUG}/members/{handle}/remove", form_url=SLUG)
    assert refused.status_code == 403
    assert app.test_client().delete(f"{API}/members/{handle}", headers=bearer(guild["cora"])).status_code == 403
    assert handle in members(app)


@pytest.mark.parametrize("role", ["leader", "coordinator", "sponsor"])
def test_a_coordinator_cannot_invite_above_coach(guild, app, role):
    refused = guild["cora"].submit(f"{SLUG}/invitations", {"role": role, "days": "7", "uses": "1"}, form_url=SLUG)
    assert refused.status_code == 403
    api = app.test_client().post(f"{API}/invitations", json={"role": role}, headers=bearer(guild["cora"]))
    assert api.status_code == 403


def test_a_coordinator_organises_members_and_coaches(guild, app):
    made = guild["cora"].submit(f"{SLUG}/invitations", {"role": "coach", "days": "7", "uses": "1"}, form_url=SLUG)
    assert made.status_code == 302
    guild["cora"].submit(f"{SLUG}/members/mo/role", {"role": "coach"}, form_url=SLUG)
    assert members(app)["mo"] == ("coach", "active")
    guild["cora"].submit(f"{SLUG}/members/mo/remove", form_url=SLUG)
    assert "mo" not in members(app)
    page = text(guild["cora"].get(SLUG))
    assert 'id="role-ada"' not in page and '<option value="leader"' not in page  # no controls she cannot use


def test_leaders_give_any_role_and_members_manage_nobody(guild, app):
    guild["lee"].submit(f"{SLUG}/members/mo/role", {"role": "coordinator"}, form_url=SLUG)
    guild["lee"].submit(f"{SLUG}/members/ada/role", {"role": "sponsor"}, form_url=SLUG)
    assert members(app)["mo"] == ("coordinator", "active") and members(app)["ada"] == ("sponsor", "active")
    assert guild["sam"].submit(f"{SLUG}/members/lee/role", {"role": "member"}, form_url=SLUG).status_code == 403
    made = app.test_client().post(f"{API}/invitations", json={"role": "leader"}, headers=bearer(guild["lee"]))
    assert made.status_code == 201 and made.get_json()["role"] == "leader"


def test_a_closed_communitys_members_are_shown_to_its_members_only(app):
    ada, bob, eve = (Browser(app).sign_up(h, f"{h.title()} Person") for h in ("ada", "bob", "eve"))
    create(ada, open_membership="")
    bob.submit(f"{SLUG}/join", form_url=SLUG)
    ada.submit(f"{SLUG}/members/bob/approve", form_url=SLUG)
    for outsider in (Browser(app), eve):
        page = text(outsider.get(SLUG))
        assert "Members (2)" in page and "only its members see who belongs" in page
        assert "Ada Person" not in page and "Bob Person" not in page
    assert "Ada Person" in text(bob.get(SLUG)) and "Bob Person" in text(bob.get(SLUG))
    client = app.test_client()
    refused = client.get(f"{API}/members", headers=bearer(eve))
    assert refused.status_code == 403 and "closed community" in refused.get_json()["detail"]
    assert {m["handle"] for m in client.get(f"{API}/members", headers=bearer(bob)).get_json()} == {"ada", "bob"}


def test_an_open_communitys_members_are_public(app):
    ada = Browser(app).sign_up("ada", "Ada Person")
    create(ada)
    assert "Ada Person" in text(Browser(app).get(SLUG))
    eve = Browser(app).sign_up("eve")
    assert [m["handle"] for m in app.test_client().get(f"{API}/members", headers=bearer(eve)).get_json()] == ["ada"]
