"""Where signing keys live: encrypted in the database under a key-encryption key (KEK).

The KEK comes from ``ISSUER_KEK`` (base64url of 32 bytes) or from a 0600 file, created on first
start. A file readable by group or others is refused rather than used.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from .config import private_file
from .credentials import keys
from .credentials.errors import KeyMaterialError
from .storage import Issuer, SigningKey


def load_kek(config: dict) -> bytes:
    """The key-encryption key from the environment, or from its 0600 file (made if missing)."""
    if config.get("ISSUER_KEK"):
        return _decode_kek(config["ISSUER_KEK"], "ISSUER_KEK")
    path = Path(config.get("ISSUER_KEK_FILE") or Path(config["ISSUER_DATA_DIR"]) / "kek")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = private_file(path, "key-encryption key",
                        lambda: base64.urlsafe_b64encode(keys.new_kek()).decode().rstrip("="),
                        error=KeyMaterialError)
    return _decode_kek(text, str(path))


def _decode_kek(text: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise KeyMaterialError(f"{where} is not base64url") from None
    if len(raw) != 32:
        raise KeyMaterialError(f"{where} must hold 32 bytes, it holds {len(raw)}")
    return raw


def add_key(issuer: Issuer, kek: bytes, vm_id: str | None = None, private_key=None) -> SigningKey:
    """Give an issuer a new key (generated unless given); the caller's session commits it."""
    private_key = private_key or keys.generate_private_key()
    public = keys.public_key_multibase(private_key.public_key())
    vm_id = vm_id or f"{issuer.did}#{public}"
    record = SigningKey(vm_id=vm_id, public_multibase=public,
                        private_encrypted=keys.encrypt_private_key(
                            private_key, kek, associated_data=vm_id.encode()))
    issuer.keys.append(record)
    return record


def active_key(issuer: Issuer) -> SigningKey:
    """The key an issuer signs with now: its newest one that is not retired."""
    live = [k for k in issuer.keys if k.retired_at is None]
    if not live:
        raise KeyMaterialError(f"issuer {issuer.did} has no active signing key")
    return live[-1]


def private_key(record: SigningKey, kek: bytes):
    """Decrypt a key for one signing operation; bound to its vm id so rows cannot be swapped."""
    return keys.decrypt_private_key(record.private_encrypted, kek,
                                    associated_data=record.vm_id.encode())
