"""Keys at rest: the key-encryption key file, and what the database holds."""

from __future__ import annotations

import base64
import os
import stat

import pytest

from issuer import keystore
from issuer.credentials.errors import KeyMaterialError
from issuer.storage import SigningKey, get_session
from tests.conftest import make_app


def test_kek_file_is_created_owner_only(tmp_path):
    kek = keystore.load_kek({"ISSUER_DATA_DIR": str(tmp_path)})
    assert len(kek) == 32
    assert stat.S_IMODE((tmp_path / "kek").stat().st_mode) == 0o600
    assert keystore.load_kek({"ISSUER_DATA_DIR": str(tmp_path)}) == kek  # stable across starts


def test_kek_file_readable_by_others_is_refused(tmp_path):
    keystore.load_kek({"ISSUER_DATA_DIR": str(tmp_path)})
    os.chmod(tmp_path / "kek", 0o644)
    with pytest.raises(KeyMaterialError, match="readable by others .* chmod 600"):
        keystore.load_kek({"ISSUER_DATA_DIR": str(tmp_path)})


@pytest.mark.parametrize("value,words", [("!!!", "not base64url"), ("AAAA", "must hold 32 bytes")])
def test_bad_kek_from_the_environment_is_refused(tmp_path, value, words):
    with pytest.raises(KeyMaterialError, match=words):
        keystore.load_kek({"ISSUER_DATA_DIR": str(tmp_path), "ISSUER_KEK": value})


def test_private_keys_are_stored_encrypted_and_need_the_right_kek(tmp_path):
    kek = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    app = make_app(tmp_path, ISSUER_KEK=kek)
    with app.app_context():
        record = get_session().query(SigningKey).one()
        private = keystore.private_key(record, app.extensions["issuer.platform"].kek)
        seed = private.private_bytes_raw()
        assert record.private_encrypted.startswith("v1.")
    stored = record.private_encrypted.encode()
    assert seed not in stored and base64.urlsafe_b64encode(seed).rstrip(b"=") not in stored
    database_file = tmp_path / "issuer.sqlite3"
    if database_file.exists():  # SQLite: not anywhere in the file either
        assert seed not in database_file.read_bytes()
    assert not (tmp_path / "kek").exists()  # the environment's KEK is used, no file is written
    other = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    same_database = app.config["ISSUER_DATABASE_URL"]
    with make_app(tmp_path, ISSUER_KEK=other, ISSUER_DATABASE_URL=same_database).app_context():
        record = get_session().query(SigningKey).one()
        with pytest.raises(KeyMaterialError, match="cannot decrypt"):
            keystore.private_key(record, keystore.load_kek({"ISSUER_KEK": other}))
