"""Verifier: web pages and JSON API endpoints (filled in by its own change)."""

from flask import Blueprint

bp = Blueprint("verifier", __name__)
