"""Pure credential core: contexts, canonicalization, keys, proofs, documents, status, verification.

Nothing in this package imports Flask, SQLAlchemy or any other part of ``issuer``.
"""
