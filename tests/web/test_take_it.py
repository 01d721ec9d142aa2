"""The recipient's "Take it with you" panel: every way out in one place, for the recipient only."""

from __future__ import annotations

from tests.web.browsing import Browser
from tests.web.test_linkedin import make_public, page, world  # noqa: F401 (a fixture)

PANEL = ('<h2 id="take-it-title">Take it with you</h2>', 'id="wallet-offer-button"', 'id="lcw-request"',
         "Add to LinkedIn profile", "Download badge image (PNG)", "Download badge image (SVG)",
         "Download the signed credential (JSON)")


def test_the_recipient_sees_every_way_out_of_a_public_badge_in_one_panel(world):  # noqa: F811
    make_public(world)
    shown = page(world["ada"], world["uuid"])
    panel = shown[shown.index('<section class="take-it"'):shown.index("</aside>")]
    for part in PANEL:
        assert part in panel, part
    offer = world["ada"].submit(f"/me/recognition/{world['uuid']}/wallet-offer",
                                form_url=f"/credentials/{world['uuid']}")
    assert offer.status_code == 200 and "openid-credential-offer://" in offer.get_data(as_text=True)
    lcw = world["ada"].submit(f"/credentials/{world['uuid']}/lcw",
                              form_url=f"/credentials/{world['uuid']}").get_data(as_text=True)
    assert "https://lcw.app/request.html?" in lcw and "dccrequest://request?" in lcw


def test_a_badge_not_yet_accepted_offers_only_the_downloads(world):  # noqa: F811
    shown = page(world["ada"], world["uuid"])
    assert "Take it with you" in shown and "Accept this badge under" in shown
    assert 'id="wallet-offer-button"' not in shown and 'id="lcw-request"' not in shown
    assert "Add to LinkedIn profile" not in shown and "Download badge image (PNG)" in shown


def test_strangers_and_other_members_see_none_of_it(world):  # noqa: F811
    make_public(world)
    for who in (Browser(world["app"]), world["bob"], world["lea"]):
        shown = page(who, world["uuid"])
        assert "Download the signed credential (JSON)" in shown  # the credential stays public
        for part in PANEL[:-1]:
            assert part not in shown, part


def test_each_wallet_delivery_is_listed_for_the_recipient_only(world):  # noqa: F811
    from issuer.services import delivery
    from issuer.storage import Award, get_session

    make_public(world)
    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    with world["app"].app_context():
        session = get_session()
        delivery.sign_holder_copy(session, world["app"].extensions["issuer.platform"],
                                  session.get(Award, world["uuid"]), holder)
    shown = page(world["ada"], world["uuid"])
    assert "Sent to a wallet on " in shown and holder in shown
    for who in (Browser(world["app"]), world["bob"], world["lea"]):
        assert holder not in page(who, world["uuid"])
