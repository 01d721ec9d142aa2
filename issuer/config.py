"""Defaults, then the instance file, then ISSUER_* environment variables, then test_config."""

from __future__ import annotations

import os
import secrets
import stat
import warnings
from pathlib import Path

DEFAULTS = {
    "ISSUER_BASE_URL": "http://127.0.0.1:5000",
    "ISSUER_NAME": "Open Recognition",
    "ISSUER_DATA_DIR": None,  # None: the Flask instance folder
    "ISSUER_DATABASE_URL": None,  # None: sqlite file in the data directory
    "ISSUER_DATABASE_POOL": "queue",  # "none": a connection per session, closed after it
    "ISSUER_KEK": None,  # base64url of 32 bytes; None: the 0600 file ISSUER_KEK_FILE
    "ISSUER_KEK_FILE": None,  # None: <data dir>/kek
    "ISSUER_API_TOKEN": None,  # bearer token for POST /credentials/issue; None: generated file
    "ISSUER_MAX_BODY_BYTES": 1_000_000,
    "ISSUER_MAX_JSON_DEPTH": 64,
    "ISSUER_CANON_WORK_FACTOR": 1,
    "ISSUER_CANON_MAX_QUADS": 20_000,
    "ISSUER_CANON_MAX_SECONDS": 0.5,  # CPU s per request for JSON-LD + JSON Schema work; 0: none
    "ISSUER_MAX_ARRAY_ITEMS": 1_000,  # structural limits on every JSON body and document,
    "ISSUER_MAX_JSON_VALUES": 100_000,  # checked before any JSON-LD work
    "ISSUER_MAX_STRING_CHARS": 500_000,
    "ISSUER_STATUS_LIST_SIZE": 131_072,
    "ISSUER_STATUS_CACHE_SECONDS": 300,
    "ISSUER_LEGACY_PROOF": False,  # also sign with Ed25519Signature2020
    "ISSUER_FETCH_TIMEOUT": 5.0,
    "ISSUER_FETCH_MAX_BYTES": 2_000_000,
    "ISSUER_FETCH_ALLOW_PRIVATE": False,  # let outbound fetches reach loopback/private addresses
    "ISSUER_PROXY_HOPS": 0,  # reverse proxies in front whose X-Forwarded-For/-Proto are trusted
    "ISSUER_DEMO": False,  # seed a demo community into an empty database (make run turns it on)
}


def load(app, test_config: dict | None) -> None:
    """Fill app.config in the documented order and resolve the data directory."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_from_environment(os.environ))
    if test_config:
        app.config.update(test_config)
    data_dir = Path(app.config["ISSUER_DATA_DIR"] or app.instance_path)
    private_dir(data_dir)
    app.config["ISSUER_DATA_DIR"] = str(data_dir)
    embedded = not app.config["ISSUER_DATABASE_URL"]
    if embedded:
        app.config["ISSUER_DATABASE_URL"] = f"sqlite:///{data_dir / 'issuer.sqlite3'}"
    # a configured database is migrated by `flask --app issuer db-upgrade`, never by workers
    app.config["ISSUER_MIGRATE_ON_START"] = embedded or bool(app.config["ISSUER_DEMO"])
    app.config["ISSUER_BASE_URL"] = app.config["ISSUER_BASE_URL"].rstrip("/")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_file(data_dir / "secret_key")
    if app.config["ISSUER_FETCH_ALLOW_PRIVATE"] and not app.testing:
        warnings.warn("ISSUER_FETCH_ALLOW_PRIVATE is on: outbound fetches may reach private "
                      "addresses; use it for development only", stacklevel=2)


def _from_environment(environ) -> dict:
    """ISSUER_* variables, typed like their defaults (numbers, true/false); ISSUER_SECRET_KEY too."""
    values = {}
    for name, default in DEFAULTS.items():
        raw = environ.get(name)
        if raw is None:
            continue
        if isinstance(default, bool):
            values[name] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, (int, float)):
            values[name] = type(default)(raw)
        else:
            values[name] = raw
    if environ.get("ISSUER_SECRET_KEY"):
        values["SECRET_KEY"] = environ["ISSUER_SECRET_KEY"]
    return values


class UnsafeFile(RuntimeError):
    """A secret file that others than the service's own user may read or write."""


def private_dir(path: Path) -> None:
    """The data directory, made (or narrowed to) 0700: the database and secrets live there."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError as error:
            warnings.warn(f"the data directory {path} is open to other users and cannot be "
                          f"narrowed ({error}); run: chmod 700 {path}", stacklevel=2)


def private_file(path: Path, what: str, make, error: type[Exception] = UnsafeFile) -> str:
    """The secret in ``path``, first written by ``make()`` into a 0600 file; refused if others
    may read it.

    The file appears complete or not at all (written aside, then hard-linked into place), so
    workers starting together all read the same full value and none trips on another's write.
    """
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
            try:
                os.link(aside, path)
            except FileExistsError:  # another process was first: use its secret
                pass
        finally:
            os.unlink(aside)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise error(f"{what} file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
    return path.read_text().strip()


def _secret_file(path: Path) -> str:
    """A random secret kept in a 0600 file so sessions survive restarts."""
    return private_file(path, "session secret", lambda: os.urandom(32).hex())
