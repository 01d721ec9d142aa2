"""Configuration: defaults, ISSUER_* environment (typed), test_config last."""

import pytest

from issuer import config


def test_environment_values_are_typed_like_their_defaults():
    values = config._from_environment({
        "ISSUER_MAX_BODY_BYTES": "2048", "ISSUER_LEGACY_PROOF": "true",
        "ISSUER_CANON_MAX_SECONDS": "2.5", "ISSUER_API_TOKEN": "12345",
        "ISSUER_BASE_URL": "https://badges.example.org/", "ISSUER_SECRET_KEY": "s3cret",
        "UNRELATED": "x"})
    assert values == {"ISSUER_MAX_BODY_BYTES": 2048, "ISSUER_LEGACY_PROOF": True,
                      "ISSUER_CANON_MAX_SECONDS": 2.5, "ISSUER_API_TOKEN": "12345",
                      "ISSUER_BASE_URL": "https://badges.example.org/", "SECRET_KEY": "s3cret"}


def test_environment_applies_and_test_config_wins(tmp_path, monkeypatch):
    from tests.conftest import make_app

    monkeypatch.setenv("ISSUER_NAME", "From the environment")
    monkeypatch.setenv("ISSUER_BASE_URL", "http://localhost:8080/")
    app = make_app(tmp_path, ISSUER_NAME="From the test", ISSUER_DATABASE_URL=None)
    assert app.config["ISSUER_NAME"] == "From the test"
    assert app.config["ISSUER_BASE_URL"] == "http://localhost:8080"  # trailing slash dropped
    assert app.config["ISSUER_DATABASE_URL"] == f"sqlite:///{tmp_path / 'issuer.sqlite3'}"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def _mode(path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


def test_data_directory_and_every_file_in_it_are_private(tmp_path):
    """Data dir 0700; database, its -wal/-shm, KEK, session secret and API token 0600."""
    import os

    from issuer import create_app

    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # as a checkout's instance/ folder usually is
    app = create_app({"TESTING": True, "ISSUER_DATA_DIR": str(data), "ISSUER_API_TOKEN": None,
                      "ISSUER_DATABASE_URL": None})
    try:
        assert _mode(data) == 0o700
        names = ("issuer.sqlite3", "issuer.sqlite3-wal", "issuer.sqlite3-shm", "kek", "secret_key",
                 "api_token")
        assert {name: _mode(data / name) for name in names} == {name: 0o600 for name in names}
    finally:
        app.extensions["issuer.engine"].dispose()


def test_database_files_left_world_readable_are_narrowed(tmp_path):
    import os

    from issuer import create_app

    settings = {"TESTING": True, "ISSUER_DATA_DIR": str(tmp_path), "ISSUER_DATABASE_URL": None,
                "ISSUER_API_TOKEN": "t"}
    create_app(settings).extensions["issuer.engine"].dispose()
    os.chmod(tmp_path / "issuer.sqlite3", 0o644)
    app = create_app(settings)
    try:
        assert _mode(tmp_path / "issuer.sqlite3") == 0o600
    finally:
        app.extensions["issuer.engine"].dispose()


@pytest.mark.parametrize("name, what", [("api_token", "API token"), ("secret_key", "session secret")])
def test_secret_files_readable_by_others_are_refused_like_the_kek(tmp_path, name, what):
    import os

    from issuer import create_app

    (tmp_path / name).write_text("a-secret-someone-left-open")
    os.chmod(tmp_path / name, 0o644)
    with pytest.raises(config.UnsafeFile, match=f"{what} file .*{name} is readable by others "
                                                 r"\(mode 644\); run: chmod 600"):
        create_app({"TESTING": True, "ISSUER_DATA_DIR": str(tmp_path), "ISSUER_API_TOKEN": None,
                    "ISSUER_DATABASE_URL": "sqlite://"})
