"""Migration 0007 over offers written before it: each names the credential it carries (the
award's custodial copy), and a database taken back to 0006 keeps the badge offers and drops
only what 0006 cannot hold (endorsements sent as signed, with or without a holder)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select, text

from issuer import storage
from issuer.services import delivery
from issuer.storage import Award, IssuedCredential, User, get_session
from tests.conftest import make_app
from tests.services.test_deliverables import endorsement_for


def _to(app, revision: str) -> None:
    config = storage.alembic_config()
    with app.extensions["issuer.engine"].begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _rows(app, sql: str) -> list[tuple]:
    with app.extensions["issuer.engine"].connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_offers_made_before_0007_name_their_award_s_credential_and_0006_keeps_badge_offers(tmp_path):
    app = make_app(tmp_path, ISSUER_DEMO=True)
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        badge = session.scalar(select(Award).where(Award.kind == "badge", Award.consent == "accepted",
                                                   Award.revoked_at.is_(None)))
        badge_offer, _ = delivery.create_offer(session, platform, session.get(User, badge.recipient_user_id),
                                               badge)
        badge_offer_id, badge_id = badge_offer.id, badge.id
    row_id, recipient_id = endorsement_for(app)
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        _, secret = delivery.create_offer(session, platform, session.get(User, recipient_id),
                                          session.get(IssuedCredential, row_id))
        _, code = delivery.open_offer(session, secret)
        _, token, _ = delivery.redeem_code(session, code)
        delivery.deliver(session, platform, token, None)
    app.extensions["issuer.engine"].dispose()

    _to(app, "0006")
    columns = {c["name"] for c in inspect(app.extensions["issuer.engine"]).get_columns("credential_offer")}
    assert "credential_id" not in columns
    assert _rows(app, "SELECT id, award_id FROM credential_offer") == [(badge_offer_id, badge_id)]
    assert _rows(app, "SELECT kind FROM award_event WHERE kind = 'sent-as-signed'") == []

    storage.migrate(app.extensions["issuer.engine"])
    assert _rows(app, "SELECT id, credential_id, award_id FROM credential_offer") == \
        [(badge_offer_id, badge_id, badge_id)]
    with app.app_context():  # and it is an offer like any other
        offer = get_session().get(storage.CredentialOffer, badge_offer_id)
        assert offer.credential.id == badge_id and delivery.deliverable_of(offer).bound
