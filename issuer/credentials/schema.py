"""1EdTech JSON Schema validation over the pinned schemas; every ``$ref`` resolves offline.

The schemas and their SHA-256 are listed in ``schemas/manifest.json``. They are loaded into a
``referencing.Registry`` that has no retrieval function, so a ``$ref`` outside the pinned set is
an error, never a network request. ``format`` is not asserted (it is an annotation in draft
2019-09); :mod:`.documents` checks date-time values strictly. Validation checks the open CPU
budget (:mod:`.budget`) as it goes: a huge document stops when the request's budget is spent.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator, Draft202012Validator, validators
from jsonschema.exceptions import SchemaError as _MetaSchemaError
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT201909

from . import budget
from .errors import CredentialError, DocumentError
from .kinds import BY_NAME
from .vocab import (ACHIEVEMENT_CREDENTIAL_SCHEMA, CLR_CREDENTIAL_SCHEMA,
                    ENDORSEMENT_CREDENTIAL_SCHEMA, PROFILE_SCHEMA)

DEFAULT_SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"  # link to top-level schemas/
_VALIDATORS = {  # by $schema, without the empty fragment the 1EdTech files carry
    "https://json-schema.org/draft/2019-09/schema": Draft201909Validator,
    "https://json-schema.org/draft/2020-12/schema": Draft202012Validator,
}
MAX_MESSAGE = 200
CHECK_SHOWS = 5

__all__ = ["ACHIEVEMENT_CREDENTIAL_SCHEMA", "CLR_CREDENTIAL_SCHEMA", "ENDORSEMENT_CREDENTIAL_SCHEMA",
           "PROFILE_SCHEMA", "SchemaError", "SchemaRegistry", "default_registry", "schema_id_for"]


class SchemaError(CredentialError):
    """A pinned schema that is missing, altered, invalid or refers outside the pinned set."""

    code = "SCHEMA_ERROR"


def schema_id_for(doc: Any) -> str | None:
    """The pinned 1EdTech schema for a VC 2.0 credential by its type (None for other documents)."""
    types = doc.get("type") if isinstance(doc, dict) else None
    for name in [types] if isinstance(types, str) else types if isinstance(types, list) else []:
        kind = BY_NAME.get(name) if isinstance(name, str) else None
        if kind is not None and kind.schema is not None:
            return kind.schema
    return None


class SchemaRegistry:
    """The pinned schemas, hash-checked at load; compiled validators are cached per schema id."""

    def __init__(self, schemas_dir: Path | str | None = None):
        self.schemas_dir = Path(schemas_dir or DEFAULT_SCHEMAS_DIR)
        with open(self.schemas_dir / "manifest.json", encoding="utf-8") as fh:
            manifest = json.load(fh)["schemas"]
        self._schemas = {url: self._read_pinned(url, entry) for url, entry in manifest.items()}
        resources = [(url, Resource.from_contents(schema, default_specification=DRAFT201909))
                     for url, schema in self._schemas.items()]
        self._registry = Registry().with_resources(resources).crawl()  # no retrieve: offline
        self._validators: dict[str, Any] = {}

    def _read_pinned(self, url: str, entry: dict) -> dict:
        data = (self.schemas_dir / entry["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise SchemaError(f"pinned schema {url} does not match its sha256 in manifest.json")
        schema = json.loads(data)
        if schema.get("$id", url) != url:
            raise SchemaError(f"pinned schema file {entry['file']} has $id {schema['$id']}, not {url}")
        return schema

    @property
    def schema_ids(self) -> frozenset[str]:
        """The schema ids this registry can validate against."""
        return frozenset(self._schemas)

    def validator(self, schema_id: str):
        """The compiled validator for ``schema_id``; built once, after checking every $ref resolves."""
        cached = self._validators.get(schema_id)
        if cached is not None:
            return cached
        schema = self._schemas.get(schema_id)
        if schema is None:
            raise SchemaError(f"schema {schema_id!r} is not one of the pinned schemas")
        cls = _VALIDATORS.get(str(schema.get("$schema", "")).rstrip("#"))
        if cls is None:
            raise SchemaError(
                f"schema {schema_id} uses an unsupported $schema {schema.get('$schema')!r}")
        try:
            cls.check_schema(schema)
        except _MetaSchemaError as error:
            raise SchemaError(
                f"schema {schema_id} is not a valid JSON Schema: {error.message}") from None
        self._check_refs(schema_id, schema)
        validator = self._validators[schema_id] = _bounded(cls)(schema, registry=self._registry)
        return validator

    def warm(self) -> "SchemaRegistry":
        """Build every validator now (~0.2 s), so no request pays for it inside its CPU budget."""
        for schema_id in sorted(self._schemas):
            self.validator(schema_id)
        return self

    def _check_refs(self, schema_id: str, schema: dict) -> None:
        """Resolve every $ref now, so a reference outside the pinned set fails loudly and early."""
        resolver = self._registry.resolver(base_uri=schema_id)
        for ref in sorted(set(_refs(schema))):
            try:
                resolver.lookup(ref)
            except Unresolvable:
                raise SchemaError(f"schema {schema_id}: $ref {ref!r} does not resolve to a pinned "
                                  "schema (schemas are never fetched)") from None

    def validate(self, doc: Any, schema_id: str) -> list[str]:
        """Problems of ``doc`` against ``schema_id`` as "path: problem" strings; empty when valid."""
        return [_message(error) for error in self.validator(schema_id).iter_errors(doc)]

    def check(self, doc: Any, schema_id: str) -> None:
        """Raise DocumentError naming the first problems of ``doc`` against ``schema_id``."""
        problems = self.validate(doc, schema_id)
        if problems:
            more = f" (and {len(problems) - CHECK_SHOWS} more)" if len(problems) > CHECK_SHOWS else ""
            name = schema_id.rsplit("/", 1)[-1]
            raise DocumentError(f"does not match {name}: " + "; ".join(problems[:CHECK_SHOWS]) + more)


_CHECK_EVERY = 64  # keyword checks between two readings of the CPU clock
_calls = [0]  # a sampling counter; a lost update between threads only delays one reading


@functools.cache
def _bounded(cls):
    """``cls`` whose keyword checks stop when the open CPU budget is spent."""
    def bounded(check):
        def checked(validator, value, instance, schema):
            _calls[0] += 1
            if _calls[0] % _CHECK_EVERY == 0:
                budget.check()
            return check(validator, value, instance, schema)
        return checked

    return validators.extend(cls, {name: bounded(check) for name, check in cls.VALIDATORS.items()})


@functools.cache
def default_registry() -> SchemaRegistry:
    """One registry over the repository's schemas, shared by the process (every app in it): the
    pinned files never change, and building the validators costs ~0.2 s."""
    return SchemaRegistry()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            elif key not in ("enum", "const"):  # literal values, not subschemas
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _message(error: ValidationError) -> str:
    """A one-line "path: problem"; for oneOf/anyOf the most relevant branch explains the failure."""
    if error.context:
        error = best_match(error.context)  # type: ignore[assignment]
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = next((k for k in error.validator_value if error.message.startswith(repr(k))), None)
        if missing is not None:
            return f"{_path([*parts, missing])}: required property is missing"
    text = error.message if len(error.message) <= MAX_MESSAGE else error.message[:MAX_MESSAGE] + "…"
    return f"{_path(parts)}: {text}"
