"""Open Recognition issuer: Open Badges 3.0 credentials for communities of practice."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the pure core (issuer.credentials) must not load Flask
    from flask import Flask

PACKAGE = Path(__file__).resolve().parent  # issuer/schemas and issuer/templates link to the top level


def create_app(test_config: dict | None = None) -> Flask:
    """Config → storage → core → web → errors → cli: the table of contents of the service."""
    from flask import Flask

    app = Flask(__name__, instance_relative_config=True, template_folder=str(PACKAGE / "templates"))
    from . import cli, config, storage, web

    config.load(app, test_config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["ISSUER_MAX_BODY_BYTES"]
    _api_token(app)
    storage.init_app(app)
    app.extensions["issuer.platform"] = _platform(app)
    _first_rows(app)
    web.init_app(app)
    cli.init_app(app)
    return app


def _first_rows(app: Flask) -> None:
    """The platform issuer and, with ISSUER_DEMO, the demo: one process at a time, once."""
    from . import services, storage

    with app.app_context(), storage.startup_lock(app):
        services.ensure_platform_issuer(storage.get_session(), app.extensions["issuer.platform"])
        if app.config["ISSUER_DEMO"]:
            from . import demo

            if demo.seed(storage.get_session(), app.extensions["issuer.platform"]):
                app.logger.warning("demo community created; demo accounts use the password %r",
                                   demo.PASSWORD)


def _platform(app: Flask):
    """Wire the pure core once per process: contexts, schemas, keys, limits; warm it up."""
    from . import keystore
    from .credentials.canonical import Canonicalizer
    from .credentials.limits import StructureLimits
    from .credentials.loader import DocumentLoader
    from .credentials.schema import default_registry
    from .credentials.vocab import OB_CONTEXTS
    from .fetch import FetchPolicy
    from .services import Platform

    cfg = app.config
    canonicalizer = Canonicalizer(DocumentLoader(PACKAGE / "schemas" / "contexts"),
                                  work_factor=cfg["ISSUER_CANON_WORK_FACTOR"],
                                  max_quads=cfg["ISSUER_CANON_MAX_QUADS"],
                                  max_seconds=cfg["ISSUER_CANON_MAX_SECONDS"],
                                  limits=StructureLimits(
                                      max_array_items=cfg["ISSUER_MAX_ARRAY_ITEMS"],
                                      max_values=cfg["ISSUER_MAX_JSON_VALUES"],
                                      max_string_chars=cfg["ISSUER_MAX_STRING_CHARS"]))
    canonicalizer.expand({"@context": OB_CONTEXTS,
                          "type": ["VerifiableCredential", "OpenBadgeCredential"]})
    return Platform(
        base_url=cfg["ISSUER_BASE_URL"], name=cfg["ISSUER_NAME"], canonicalizer=canonicalizer,
        schemas=default_registry().warm(), kek=keystore.load_kek(cfg),
        fetch_policy=FetchPolicy(timeout=cfg["ISSUER_FETCH_TIMEOUT"], max_bytes=cfg["ISSUER_FETCH_MAX_BYTES"],
                                 allow_private=cfg["ISSUER_FETCH_ALLOW_PRIVATE"]),
        status_list_size=cfg["ISSUER_STATUS_LIST_SIZE"], legacy_proof=cfg["ISSUER_LEGACY_PROOF"],
    )


def _api_token(app: Flask) -> None:
    """ISSUER_API_TOKEN, or a random token kept in <data dir>/api_token (0600)."""
    if app.config["ISSUER_API_TOKEN"]:
        return
    from .config import private_file

    path = Path(app.config["ISSUER_DATA_DIR"]) / "api_token"
    app.config["ISSUER_API_TOKEN"] = private_file(path, "API token", lambda: secrets.token_urlsafe(32))
