"""What every view needs from the app: the wired core (one Platform per app)."""

from __future__ import annotations

from flask import current_app

from ..services.platform import Platform


def platform() -> Platform:
    """The Platform that create_app built for this app."""
    return current_app.extensions["issuer.platform"]
