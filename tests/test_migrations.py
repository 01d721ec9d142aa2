"""Migrations over data written before them: revision 0002 on a database made at 0001."""

from __future__ import annotations

import logging

from alembic import command
from sqlalchemy import inspect, text

from issuer import storage
from tests.conftest import make_app
from tests.web.test_vcapi import _revoke, badge, issue


def _at_0001_with(app, *statements: str) -> None:
    """Take the app's database back to 0001, run ``statements``, then up to the newest again."""
    engine = app.extensions["issuer.engine"]
    config = storage.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        for statement in statements:
            connection.execute(text(statement))
    storage.migrate(engine)


def _vc_id_index_unique(app) -> bool:
    indexes = inspect(app.extensions["issuer.engine"]).get_indexes("issued_credential")
    return bool(next(i for i in indexes if i["name"] == "ix_issued_credential_vc_id")["unique"])


def test_status_lists_are_numbered_and_ids_become_unique(tmp_path, auth):
    app = make_app(tmp_path)
    client = app.test_client()
    issue(client, auth)
    _at_0001_with(app, "INSERT INTO status_list (issuer_id, purpose, size, created_at) "
                       "SELECT issuer_id, purpose, size, created_at FROM status_list")
    with app.extensions["issuer.engine"].connect() as connection:
        numbers = connection.execute(text("SELECT seq FROM status_list ORDER BY id")).scalars().all()
    assert numbers == [1, 2]
    assert _vc_id_index_unique(app)


def test_ids_stored_twice_before_0002_get_a_409_not_a_500_on_revoke(tmp_path, auth, caplog):
    app = make_app(tmp_path)
    client = app.test_client()
    vc = issue(client, auth, badge(id="urn:uuid:0b6f6a52-7c1e-4c55-9f35-2d6f3c1b9a01")).get_json()
    with caplog.at_level(logging.WARNING, logger="alembic.runtime.migration"):
        _at_0001_with(app, "INSERT INTO issued_credential (id, vc_id, issuer_id, kind, signed_json, "
                           "created_at, peer_issued, consent, visibility) SELECT 'a-copy', vc_id, "
                           "issuer_id, kind, signed_json, created_at, peer_issued, consent, visibility "
                           "FROM issued_credential")
    assert "urn:uuid:0b6f6a52" in caplog.text and not _vc_id_index_unique(app)
    response = _revoke(client, auth, vc["verifiableCredential"]["id"])
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["detail"].startswith("credentialId: ")
    again = issue(client, auth, badge(id="urn:uuid:0b6f6a52-7c1e-4c55-9f35-2d6f3c1b9a01"))
    assert again.status_code == 409
