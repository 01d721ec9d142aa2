"""Thin web views: parse → one service or core call → render."""

from flask import Flask

from . import errors, public, vcapi


def init_app(app: Flask) -> None:
    app.register_blueprint(public.bp)
    app.register_blueprint(vcapi.bp)
    errors.init_app(app)
