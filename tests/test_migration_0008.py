"""Migration 0008: a person's headline and photo, added to accounts made before it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from issuer import storage
from tests.conftest import make_app
from tests.web.browsing import Browser


def _columns(engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("app_user")}


def test_headline_and_photo_columns_come_and_go_with_0008(tmp_path):
    app = make_app(tmp_path)
    Browser(app).sign_up("ada", "Ada Lovelace")
    engine = app.extensions["issuer.engine"]
    config = storage.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    assert not {"headline", "photo_id"} & _columns(engine)
    storage.migrate(engine)
    assert {"headline", "photo_id"} <= _columns(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT handle, display_name, headline, photo_id FROM app_user")).all()
    assert [tuple(row) for row in rows] == [("ada", "Ada Lovelace", None, None)]
    references = [fk for fk in inspect(engine).get_foreign_keys("app_user")
                  if fk["constrained_columns"] == ["photo_id"]]
    assert [(fk["referred_table"], fk["referred_columns"]) for fk in references] == [("stored_image", ["id"])]
