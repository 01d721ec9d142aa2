"""Configuration: defaults, ISSUER_* environment (typed), test_config last."""

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
