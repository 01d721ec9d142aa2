"""flask commands: did, api-token."""

from __future__ import annotations

import click
from flask import Flask, current_app

from . import storage


def init_app(app: Flask) -> None:
    app.cli.add_command(did)
    app.cli.add_command(api_token)


@click.command("did")
def did() -> None:
    """Print the platform issuer's DID."""
    issuer = storage.issuer_by_slug(storage.get_session(), "platform")
    click.echo(issuer.did)


@click.command("api-token")
def api_token() -> None:
    """Print the bearer token of POST /credentials/issue."""
    click.echo(current_app.config["ISSUER_API_TOKEN"])
