"""flask commands: did, api-token."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import storage


def init_app(app: Flask) -> None:
    app.cli.add_command(did)
    app.cli.add_command(api_token)


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
