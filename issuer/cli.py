"""flask commands: did, api-token, purge-expired; db-upgrade (found without loading the app, see setup.cfg)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import storage


def init_app(app: Flask) -> None:
    app.cli.add_command(did)
    app.cli.add_command(api_token)
    app.cli.add_command(purge_expired)


@click.command("did")
@with_appcontext
def did() -> None:
    """Print the platform issuer's DID."""
    issuer = storage.issuer_by_slug(storage.get_session(), "platform")
    click.echo(issuer.did)


@click.command("api-token")
@with_appcontext
def api_token() -> None:
    """Print the bearer token of POST /credentials/issue."""
    click.echo(current_app.config["ISSUER_API_TOKEN"])


@click.command("purge-expired")
@with_appcontext
def purge_expired() -> None:
    """Delete wallet offers and spent nonces that expired over a day ago (safe to run any time)."""
    from .services import delivery

    offers, nonces = delivery.purge_expired(storage.get_session())
    click.echo(f"deleted {offers} expired wallet offer(s) and {nonces} spent nonce(s), "
               f"each expired more than {delivery.RETENTION.days} day(s) ago")


def upgrade_database(test_config: dict | None = None) -> tuple[str | None, str]:
    """Bring the configured database to the newest migration (what db-upgrade runs).

    Configuration is read as create_app reads it; (revision before, revision after).
    """
    from . import config

    app = Flask("issuer", instance_relative_config=True)
    config.load(app, test_config)
    return storage.upgrade(app.config["ISSUER_DATABASE_URL"])


@click.command("db-upgrade")
def db_upgrade() -> None:
    """Bring the database (ISSUER_DATABASE_URL) to the newest migration.

    A Flask plugin command (entry point flask.commands): create_app refuses to start on a
    configured database whose schema is behind, so this command must not need the app.
    """
    before, after = upgrade_database()
    if before == after:
        click.echo(f"database schema already at revision {after}")
    else:
        click.echo(f"database schema upgraded from {before or 'nothing'} to revision {after}")
