"""The JSON APIs: /api/v1 (v1.py, per-user bearer tokens, and one module per area adding its
endpoints to v1.bp) and the W3C VC-API (vcapi.py). Importing the package registers every
endpoint; web/__init__.py registers the blueprints. Pages (issuer/web/*.py) and these modules do
not import each other: what both need is in web/body.py, lookups.py, submitted.py, negotiation.py."""

from . import achievements, communities, credentials, lcw, oid4vci, people, record, tokens, v1, vcapi  # noqa: F401  (they add routes)

BLUEPRINTS = (v1.bp, vcapi.bp, oid4vci.bp, lcw.bp)
