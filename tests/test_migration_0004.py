"""Migration 0004 over a database the demo filled under schema 0003 (tests/fixtures/demo-0003.json).

The rows were captured from the code before awards were split from their credentials, with the
key-encryption key that opens their signing keys, so the upgraded service must serve every old
credential byte for byte, verify it, and keep every award's consent, visibility and revocation.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import MetaData, create_engine, event, insert, select, text

from issuer import storage
from issuer.services import badges
from issuer.storage import Award, IssuedCredential, User, get_session
from tests.conftest import _database_url, make_app
from tests.web.browsing import Browser

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "demo-0003.json").read_text())
OLD = {row["id"]: row for row in FIXTURE["tables"]["issued_credential"]}
AWARDED = {i: r for i, r in OLD.items() if r["author_user_id"] is not None}
HANDLES = {row["id"]: row["handle"] for row in FIXTURE["tables"]["app_user"]}
AWARD_COLUMNS = ("recipient_user_id", "author_user_id", "community_id", "achievement_id",
                 "subject_ref", "peer_issued", "consent", "visibility", "revocation_reason")


def _at(value: str | None) -> datetime | None:
    """A time as SQLite stored it (naive UTC text), as an aware datetime."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _row(table, row: dict) -> dict:
    """A fixture row as values of the reflected table's column types."""
    values = {}
    for name, value in row.items():
        kind = table.c[name].type
        if value is not None and isinstance(kind, sa.DateTime):
            value = _at(value)
        elif value is not None and isinstance(kind, sa.Boolean):
            value = bool(value)
        elif isinstance(value, dict) and "base64" in value:
            value = base64.b64decode(value["base64"])
        values[name] = value
    return values


def _old_database(tmp_path) -> str:
    """A database at revision 0003 holding the fixture's rows; returns its URL."""
    url = _database_url() or f"sqlite:///{tmp_path / 'issuer.sqlite3'}"
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys=ON"))
    storage.migrate(engine, "0003")
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table, rows in FIXTURE["tables"].items():
            if rows:
                connection.execute(insert(metadata.tables[table]),
                                   [_row(metadata.tables[table], row) for row in rows])
                if engine.dialect.name == "postgresql" and "id" in rows[0] \
                        and isinstance(rows[0]["id"], int):
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                            f"(SELECT max(id) FROM {table}))"))
    engine.dispose()
    return url


@pytest.fixture
def upgraded(tmp_path):
    """The service started on the old database: start-up migrates it to the newest revision."""
    url = _old_database(tmp_path)
    return make_app(tmp_path, ISSUER_DATABASE_URL=url, ISSUER_KEK=FIXTURE["kek"],
                    ISSUER_BASE_URL=FIXTURE["base_url"])


def _viewer(app, row: dict) -> Browser:
    """Someone who may see the credential: anyone when it is public, else its recipient or author."""
    browser = Browser(app)
    public = row["recipient_user_id"] is None and row["achievement_id"] is None \
        or (row["consent"], row["visibility"]) == ("accepted", "public")
    if not public:
        handle = HANDLES[row["recipient_user_id"] or row["author_user_id"]]
        response = browser.submit("/login", {"email": f"{handle}@demo.example",
                                             "password": "demo-password-123"})
        assert response.status_code == 302
    return browser


def test_every_old_credential_url_serves_the_same_signed_bytes_and_verifies(upgraded):
    client = upgraded.test_client()
    assert len(OLD) == 11 and len(AWARDED) == 8
    for uuid, row in OLD.items():
        response = _viewer(upgraded, row).client.get(f"/credentials/{uuid}",
                                                     headers={"Accept": "application/ld+json"})
        assert response.status_code == 200, uuid
        assert response.get_data(as_text=True) == row["signed_json"]
        verified = client.post("/credentials/verify",
                               json={"verifiableCredential": json.loads(row["signed_json"])})
        checks = {c["check"]: c["outcome"] for c in verified.get_json()["result"]["checks"]}
        if row["revoked_at"] is None:
            assert verified.status_code == 200, (uuid, verified.get_json())
        else:
            assert verified.status_code == 422 and checks["status"] == "failed", uuid
        assert checks["proof"] == "ok", (uuid, checks)


def test_private_credentials_stay_private_after_the_upgrade(upgraded):
    hidden = [uuid for uuid, row in AWARDED.items()
              if (row["consent"], row["visibility"]) != ("accepted", "public")]
    assert len(hidden) == 4
    for uuid in hidden:
        assert Browser(upgraded).get(f"/credentials/{uuid}").status_code == 404


def test_awards_keep_consent_visibility_and_revocation(upgraded):
    with upgraded.app_context():
        session = get_session()
        awards = {a.id: a for a in session.scalars(select(Award))}
        assert set(awards) == set(AWARDED)
        for uuid, row in AWARDED.items():
            award = awards[uuid]
            assert award.kind == ("endorsement" if row["kind"] == "EndorsementCredential" else "badge")
            assert {c: getattr(award, c) for c in AWARD_COLUMNS} == {c: row[c] for c in AWARD_COLUMNS}
            assert (award.revoked_at, award.updated_at) == (_at(row["revoked_at"]), _at(row["updated_at"]))
            assert award.created_at == _at(row["created_at"]) and award.issuer_id == row["issuer_id"]
            assert [c.id for c in award.credentials] == [uuid] and award.credential.id == uuid
        for credential in session.scalars(select(IssuedCredential)):
            old = OLD[credential.id]
            assert credential.award_id == (credential.id if credential.id in AWARDED else None)
            assert (credential.vc_id, credential.signed_json, credential.status_list_id,
                    credential.status_index, credential.revocation_reason) == \
                (old["vc_id"], old["signed_json"], old["status_list_id"], old["status_index"],
                 old["revocation_reason"])
            assert credential.revoked_at == _at(old["revoked_at"])


def test_the_upgraded_service_goes_on_awarding_and_revoking(upgraded):
    """Profiles still list what was public; a pending badge revoked now turns its bit on."""
    [pending] = [uuid for uuid, row in AWARDED.items() if row["consent"] == "pending"
                 and row["kind"] == "OpenBadgeCredential"]
    assert "Session host" in Browser(upgraded).get("/people/bram").get_data(as_text=True)
    with upgraded.app_context():
        session = get_session()
        amara = session.scalar(select(User).where(User.handle == "amara"))
        badges.revoke_badge(session, upgraded.extensions["issuer.platform"],
                            badges.badge_by_id(session, pending), amara, "Awarded twice.")
    verified = upgraded.test_client().post("/credentials/verify", json={
        "verifiableCredential": json.loads(OLD[pending]["signed_json"])})
    assert verified.status_code == 422


def test_downgrading_to_0003_gives_back_the_old_rows(upgraded):
    engine = upgraded.extensions["issuer.engine"]
    with engine.begin() as connection:
        config = storage.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    with engine.connect() as connection:
        rows = {r.id: r._mapping for r in connection.execute(text("SELECT * FROM issued_credential"))}
    assert set(rows) == set(OLD)
    for uuid, old in OLD.items():
        for column in (*AWARD_COLUMNS, "vc_id", "signed_json", "kind", "status_index"):
            assert rows[uuid][column] == old[column], (uuid, column)
