"""RDFC-1.0 canonical N-Quads through pyld: safe mode, a work bound, correct escaping, and speed.

This is the only module that imports pyld. What differs from calling pyld directly:

* **Escaping.** pyld 3.3.0 escapes only ``\\ \\t \\n \\r "`` in literals. RDFC-1.0 serialises
  with the RDF 1.2 canonical N-Quads form, where U+0008 is ``\\b``, U+000C is ``\\f`` and the other
  control characters (U+0000–U+001F, U+007F) are ``\\uXXXX`` with upper-case hex. Without that a
  credential holding such a character gets a signature no other implementation verifies.
  :func:`escape_literal` replaces pyld's ``nquads.escape`` for the whole process.
* **Safe mode.** An undefined term is silently dropped by expansion, so it would not be signed.
  Here a dropped property, a relative ``@type`` or a relative ``@id`` is an error naming it.
* **Speed.** pyld processes a type-scoped context by cloning the active context with a fresh
  ``_uuid`` and only then looking in its processed-context cache, which is keyed by that uuid,
  so the cache never hits and every typed node re-processes its scoped context.
  :class:`Canonicalizer` memoises context processing for contexts that come from the pinned
  files (the only ones it can trust to be identical next time), keyed by object identity with
  a reference held so an identity is never reused.
* **Base direction.** A string with ``@direction`` becomes an i18n-datatype literal
  (``"…"^^<https://www.w3.org/ns/i18n#en_ltr>``, ``#_rtl`` without a language), as JSON-LD 1.1
  toRdf does with ``rdfDirection: "i18n-datatype"`` and as the JavaScript eddsa-rdfc-2022
  cryptosuite canonicalizes; pyld's default drops the direction, which would leave it unsigned.
  pyld lower-cases every ``@language`` during expansion, so the datatype IRI is the same as the
  JavaScript one, which lower-cases it again. A document without ``@direction`` gives the
  same dataset as before.
* **Bounded work.** Untrusted documents first pass the structural limits of :mod:`.limits`.
  One CPU-time deadline covers expansion, the node map, RDF conversion and blank-node
  labelling, checked inside pyld's recursive steps; :meth:`Canonicalizer.budget` makes every
  canonicalization of a unit of work (a request) share one deadline. pyld's duplicate check
  while building the node map scans every value already there (quadratic in a wide array); an
  index with the same equality answers it in constant time. Running out of stack (a long
  blank-node chain) is a work limit too, not a crash.
"""

from __future__ import annotations

import math
import re
from contextvars import ContextVar
from typing import Any

from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld import nquads as _nquads
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from . import budget as _budget
from .errors import CanonicalizationError, ContextError, WorkLimitExceeded
from .limits import StructureLimits, check_structure
from .loader import DocumentLoader

_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_ESCAPES = {chr(c): _ECHAR.get(chr(c), "\\u%04X" % c) for c in [*range(0x20), 0x7F]}
_ESCAPES.update(_ECHAR)
_NEEDS_ESCAPE = re.compile('[\\\\"\x00-\x1f\x7f]')


# How a string's base direction (@direction) becomes RDF: JSON-LD 1.1 toRdf's rdfDirection.
RDF_DIRECTION = "i18n-datatype"
_I18N = "https://www.w3.org/ns/i18n#"
# A BCP 47 language tag as JSON-LD processors check it (pyld and jsonld.js use this pattern).
_LANGUAGE_TAG = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")

RDFC = "rdfc-1.0"
LEGACY = "urdna2015-legacy"
_ESCAPING: ContextVar[str] = ContextVar("escaping", default=RDFC)
_LEGACY_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_LEGACY_NEEDS_ESCAPE = re.compile('[\\\\"\n\r]')


def escape_literal(value: str) -> str:
    """Escape a literal's lexical form as RDF 1.2 canonical N-Quads requires (RDFC-1.0 §4).

    Under the LEGACY escaping only backslash, quote, LF and CR are escaped, as URDNA2015 did in
    the JavaScript reference's Ed25519Signature2020 suite (rdf-canonize 3.x).
    """
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    if _ESCAPING.get() == LEGACY:
        return _LEGACY_NEEDS_ESCAPE.sub(lambda m: _LEGACY_ESCAPES[m.group()], value)
    return _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], value)


_nquads.escape = escape_literal  # serialize_nquad looks the name up at call time

# pyld's _is_absolute_iri compiles-or-looks-up its pattern on every call (~250 calls per badge);
# the same pattern, compiled once, gives the same answers.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$").match


def _is_absolute_iri(value):
    return isinstance(value, str) and _ABSOLUTE_IRI(value)


jsonld._is_absolute_iri = _is_absolute_iri

_stock_add_value = jsonld.JsonLdProcessor.add_value
# While a Canonicalizer builds its node map: (id(subject), property) -> _ValueIndex.
_NODE_INDEX: ContextVar[dict | None] = ContextVar("node_index", default=None)


def _value_key(value: Any) -> tuple | None:
    """A hashable key equal for two values exactly when pyld's compare_values says they are equal.

    None where that cannot be promised (a @json value, NaN, an object without @id that is not a
    value): such values keep pyld's own scan.
    """
    if isinstance(value, str):
        return ("s", value)
    if not isinstance(value, dict):
        return None
    if "@value" in value:
        literal = value["@value"]
        if isinstance(literal, bool):
            literal = ("bool", literal)  # compare_values never equates True with 1
        elif isinstance(literal, float) and not math.isfinite(literal):
            return None
        elif not isinstance(literal, (str, int, float)):
            return None
        meta = (value.get("@type"), value.get("@language"), value.get("@index"))
        if not all(item is None or isinstance(item, str) for item in meta):
            return None
        return ("v", *meta, literal)
    node_id = value.get("@id")
    return ("id", node_id) if isinstance(node_id, str) else None


def _direction(value: Any) -> str | None:
    return value.get("@direction") if isinstance(value, dict) else None


class _ValueIndex:
    """The keys of the values already in one subject's property list, with their direction."""

    __slots__ = ("subject", "values", "seen", "keys")

    def __init__(self, subject: dict, values: list):
        self.subject, self.values, self.seen, self.keys = subject, values, 0, {}

    def contains(self, key: tuple) -> bool:
        values = self.values
        while self.seen < len(values):  # catch up with values added by other paths
            found = _value_key(values[self.seen])
            if found is not None:
                self.keys.setdefault(found, _direction(values[self.seen]))
            self.seen += 1
        return key in self.keys


def _refuse_lost_direction(property: str, kept: Any, dropped: Any) -> None:
    """JSON-LD's duplicate check ignores @direction: of two values equal but for their direction
    only the first is kept, so the other's direction would be unsigned (jsonld.js does the same)."""
    if _direction(kept) != _direction(dropped):
        raise CanonicalizationError(
            f"two values of {property!r} differ only in their direction ({_direction(kept)!r} and "
            f"{_direction(dropped)!r}): JSON-LD keeps one of them, so the other direction would "
            "be left unsigned")


def _indexed_add_value(subject, property, value, options=None):
    """pyld's add_value, with the no-duplicates check answered by an index while one is active."""
    index = _NODE_INDEX.get()
    if (index is None or not options or options.get("allowDuplicate", True)
            or not options.get("propertyIsArray") or isinstance(value, list)
            or not isinstance(subject.get(property), list)):
        return _stock_add_value(subject, property, value, options)
    key = _value_key(value)
    if key is None:
        return _stock_add_value(subject, property, value, options)
    values = subject[property]
    entry = index.get((id(subject), property))
    if entry is None or entry.subject is not subject or entry.values is not values:
        entry = index[(id(subject), property)] = _ValueIndex(subject, values)
    if not entry.contains(key):
        values.append(value)
        entry.keys[key] = _direction(value)
        entry.seen += 1
    else:
        _refuse_lost_direction(property, {"@direction": entry.keys[key]}, value)
    return None


jsonld.JsonLdProcessor.add_value = staticmethod(_indexed_add_value)

_CHECK_EVERY = 64  # recursive steps between two clock readings


MEMO_LIMIT = 50_000
IRI_MEMO_LIMIT = 20_000


class _Dropped(Exception):
    """Raised from pyld's dropped-property hook; turned into a CanonicalizationError."""


def _raise_dropped(expanded_property: str | None) -> None:
    raise _Dropped(expanded_property)


class _Processor(jsonld.JsonLdProcessor):
    """A JsonLdProcessor whose context processing is memoised for trusted contexts."""

    def __init__(self, memo: dict, trusted: dict, pinned_urls: frozenset[str], iri_memo: dict,
                 deadline: float | None = None, seconds: float | None = None):
        super().__init__(on_property_dropped=_raise_dropped)
        self._memo = memo
        self._trusted = trusted  # id(object) -> object, for contexts derived from pinned files
        self._pinned = pinned_urls
        self._iri_memo = iri_memo
        self._deadline, self._seconds, self._steps = deadline, seconds, 0

    def _tick(self) -> None:
        """Every few recursive steps, stop if this canonicalization is past its deadline."""
        self._steps += 1
        if (self._deadline is not None and self._steps % _CHECK_EVERY == 0
                and _budget.cpu_now() > self._deadline):
            raise _budget.exceeded(self._seconds)

    def _expand(self, *args, **kwargs):
        self._tick()
        return super()._expand(*args, **kwargs)

    def _create_node_map(self, *args, **kwargs):
        self._tick()
        return super()._create_node_map(*args, **kwargs)

    def _object_to_rdf(self, *args, **kwargs):
        self._tick()
        return super()._object_to_rdf(*args, **kwargs)

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None):
        """Term → IRI lookups against a trusted (immutable, memoised) context are memoised too."""
        if (not vocab or local_ctx is not None or defined is not None or not isinstance(value, str)
                or self._trusted.get(id(active_ctx)) is not active_ctx):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (id(active_ctx), value, base)
        hit = self._iri_memo.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[1]
        result = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        if len(self._iri_memo) >= IRI_MEMO_LIMIT:  # bounded: strings come from untrusted input
            self._iri_memo.clear()
        self._iri_memo[key] = (active_ctx, result)
        return result

    def _local_key(self, local_ctx: Any) -> Any:
        if isinstance(local_ctx, str):
            return local_ctx if local_ctx in self._pinned else None
        if isinstance(local_ctx, list):
            keys = tuple(self._local_key(item) for item in local_ctx)
            return None if None in keys else keys
        if self._trusted.get(id(local_ctx)) is local_ctx:
            return id(local_ctx)
        return None

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False,
                         propagate=True, validate_scoped=True, cycles=None):
        local_key = self._local_key(local_ctx)
        trusted_active = self._trusted.get(id(active_ctx)) is active_ctx
        if local_key is None or not trusted_active:
            return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                            propagate, validate_scoped, cycles)
        key = (id(active_ctx), local_key, override_protected, propagate, validate_scoped,
               options.get("base", ""), options.get("processingMode"))
        hit = self._memo.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[2]
        result = super()._process_context(active_ctx, local_ctx, options, override_protected,
                                          propagate, validate_scoped, cycles)
        if isinstance(result, frozendict) and len(self._memo) < MEMO_LIMIT:
            self._memo[key] = (active_ctx, local_ctx, result)
            self._trust(result)
        return result

    def _trust(self, active_ctx: frozendict) -> None:
        self._trusted[id(active_ctx)] = active_ctx
        for definition in active_ctx["mappings"].values():
            scoped = definition.get("@context") if definition else None
            if scoped is not None and not isinstance(scoped, str):
                self._trusted[id(scoped)] = scoped


class _BoundedURDNA2015(URDNA2015):
    """RDFC-1.0 with a bound on deep iterations per blank node (poisoned-graph defence)."""

    def __init__(self, work_factor: int, deadline: float | None, seconds: float | None = None):
        super().__init__()
        self._work_factor = work_factor
        self._deadline = deadline
        self._seconds = seconds
        self._limit: int | None = None
        self._deep: dict[str, int] = {}

    def modify_first_degree_component(self, id_, component, key):
        """As pyld's, with a shallow copy: a component is a flat dict of strings."""
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}

    def hash_n_degree_quads(self, id_, issuer):
        if self._limit is None:
            self._limit = max(1, len(self.blank_node_info)) ** self._work_factor
        count = self._deep.get(id_, 0) + 1
        if count > self._limit:
            raise WorkLimitExceeded(
                f"canonicalization needs more than {self._limit} deep iterations for one blank "
                "node; the document looks like a poisoned graph")
        self._check_time()
        self._deep[id_] = count
        return super().hash_n_degree_quads(id_, issuer)

    def hash_first_degree_quads(self, id_):
        self._check_time()
        return super().hash_first_degree_quads(id_)

    def hash_related_blank_node(self, related, quad, issuer, position):
        self._check_time()
        return super().hash_related_blank_node(related, quad, issuer, position)

    def _check_time(self) -> None:
        if self._deadline is not None and _budget.cpu_now() > self._deadline:
            raise _budget.exceeded(self._seconds)


def _json_copy(value: Any) -> Any:
    """A deep copy of parsed JSON (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


def _is_absolute(iri: str) -> bool:
    return iri.startswith("_:") or jsonld._is_absolute_iri(iri)


def _check_expanded(element: Any) -> None:
    """Refuse what toRdf would silently drop or serialise ambiguously.

    Relative ``@id`` and ``@type`` values and blank-node properties make no statement; a
    language tag that is not BCP 47 (``"en us"``) would be written into the N-Quads verbatim.
    The JavaScript reference refuses all of them in safe mode.
    """
    if isinstance(element, list):
        for item in element:
            _check_expanded(item)
        return
    if not isinstance(element, dict):
        return
    if "@value" in element:
        datatype = element.get("@type")
        if isinstance(datatype, str) and datatype != "@json" and not _is_absolute(datatype):
            raise CanonicalizationError(f"value type {datatype!r} is not defined by any @context")
        language = element.get("@language")
        if isinstance(language, str) and not _LANGUAGE_TAG.fullmatch(language):
            raise CanonicalizationError(f"language {language!r} is not a BCP 47 language tag")
        return
    node_id = element.get("@id")
    if isinstance(node_id, str) and not _is_absolute(node_id):
        raise CanonicalizationError(
            f"id {node_id!r} is not an absolute IRI (it would be dropped and left unsigned)")
    for type_ in element.get("@type", []):
        if not _is_absolute(type_):
            raise CanonicalizationError(
                f"type {type_!r} is not defined by any @context (it would be dropped and left unsigned)")
    for key, value in element.items():
        if key.startswith("_:"):
            raise CanonicalizationError(
                f"property {key!r} is a blank node identifier: RDF has no statement with it "
                "(it would be dropped and left unsigned)")
        if not key.startswith("@") or key in ("@list", "@set", "@graph", "@included", "@reverse"):
            _check_expanded(value)  # @reverse's keys are properties: checked in the call


class Canonicalizer:
    """Safe, bounded, memoised RDFC-1.0 over one :class:`DocumentLoader`.

    ``limits`` are the structural limits every document meets before any JSON-LD work;
    ``work_factor`` bounds deep iterations per blank node to ``n ** work_factor`` (n = blank
    nodes), ``max_quads`` the size of the dataset and ``max_seconds`` the CPU time (of the
    calling thread) of one canonicalization — expansion, node map, RDF and labelling — or of
    all canonicalizations inside one :meth:`budget`. One instance is shared by all threads.
    """

    def __init__(self, loader: DocumentLoader | None = None, *, work_factor: int = 1,
                 max_quads: int = 20_000, max_seconds: float | None = 0.5,
                 limits: StructureLimits | None = None):
        self.loader = loader or DocumentLoader()
        self.work_factor = work_factor
        self.max_quads = max_quads
        self.max_seconds = max_seconds
        self.limits = limits or StructureLimits()
        self._memo: dict = {}
        self._trusted: dict = {}
        self._iri_memo: dict = {}
        self._resolved = LRUCache(maxsize=1000)
        initial = jsonld.JsonLdProcessor()._get_initial_context({"processingMode": "json-ld-1.1"})
        self._trusted[id(initial)] = initial

    def budget(self, seconds: float | None = None):
        """A block in which all bounded work (this canonicalizer's, JSON Schema validation's)
        shares one CPU-time budget of ``seconds`` (default ``max_seconds``): a request's."""
        return _budget.work_budget(self.max_seconds if seconds is None else seconds)

    def _deadline(self) -> tuple[float, float] | None:
        """(deadline, seconds): the open budget's, else ``max_seconds`` from now."""
        shared = _budget.current()
        if shared is not None:
            return shared
        return (_budget.cpu_now() + self.max_seconds, self.max_seconds) if self.max_seconds else None

    def _options(self) -> dict:
        return {
            "documentLoader": self.loader,
            "contextResolver": ContextResolver(self._resolved, self.loader),
            "base": None,  # pyld resolves relative IRIs against example.org when base is ""
            "processingMode": "json-ld-1.1",
            "extractAllScripts": True,
        }

    def _processor(self, deadline: tuple[float, float] | None) -> _Processor:
        return _Processor(self._memo, self._trusted, self.loader.urls, self._iri_memo,
                          *(deadline or (None, None)))

    def expand(self, document: dict, *, deadline: tuple[float, float] | None = None) -> list:
        """JSON-LD expansion in safe mode: every key must map to an IRI."""
        deadline = deadline if deadline is not None else self._deadline()
        if deadline is not None and _budget.cpu_now() > deadline[0]:
            raise _budget.exceeded(deadline[1])  # spent already: not even the structural walk
        check_structure(document, self.limits)
        processor = self._processor(deadline)
        options = {**self._options(), "isFrame": False, "keepFreeFloatingNodes": False}
        try:
            # pyld's expand() deep-copies its input with copy.deepcopy; a JSON copy is the same
            # for a parsed JSON document and several times cheaper.
            active_ctx = processor._get_initial_context(options)
            expanded = processor._expand(active_ctx, None, _json_copy(document), options,
                                         inside_list=False)
        except _Dropped as dropped:
            name = dropped.args[0]
            what = f"property {name!r}" if name else "a property mapped to null"
            raise CanonicalizationError(
                f"{what} is not defined by any @context (it would be dropped and left unsigned)"
            ) from None
        except RecursionError:
            raise _too_deep() from None
        except jsonld.JsonLdError as error:
            raise _explain(error) from None
        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        expanded = [] if expanded is None else expanded if isinstance(expanded, list) else [expanded]
        _check_expanded(expanded)
        return expanded

    def dataset(self, document: dict, *, deadline: tuple[float, float] | None = None) -> dict:
        """The RDF dataset of ``document`` (pyld's internal form), after a safe expansion."""
        deadline = deadline if deadline is not None else self._deadline()
        expanded = self.expand(document, deadline=deadline)
        processor = self._processor(deadline)
        issuer = IdentifierIssuer("_:b")
        node_map: dict = {"@default": {}}
        token = _NODE_INDEX.set({})
        try:
            processor._create_node_map(expanded, node_map, "@default", issuer)
        except RecursionError:
            raise _too_deep() from None
        except jsonld.JsonLdError as error:
            raise _explain(error) from None
        finally:
            _NODE_INDEX.reset(token)
        options = {"produceGeneralizedRdf": False, "rdfDirection": RDF_DIRECTION,
                   "processingMode": "json-ld-1.1"}
        dataset = {}
        try:
            for graph_name, graph in sorted(node_map.items()):
                if graph_name == "@default" or jsonld._is_absolute_iri(graph_name):
                    dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)
        except RecursionError:
            raise _too_deep() from None
        return dataset

    def canonize(self, document: dict, *, escaping: str = RDFC) -> str:
        """Canonical N-Quads (RDFC-1.0) of ``document``, safe mode, bounded work.

        ``escaping=LEGACY`` serialises literals as the legacy Ed25519Signature2020 suite does.
        """
        deadline = self._deadline()
        dataset = self.dataset(document, deadline=deadline)
        size = sum(len(triples) for triples in dataset.values())
        if size > self.max_quads:
            raise WorkLimitExceeded(f"document has {size} statements; the limit is {self.max_quads}")
        if escaping == LEGACY and _has_direction(dataset):
            # The legacy suite's reference (jsonld.canonize without rdfDirection, safe mode)
            # refuses a base direction; signing it any other way would verify nowhere else.
            raise CanonicalizationError(
                "a string has a base direction (@direction), which the Ed25519Signature2020 "
                "suite cannot sign; use eddsa-rdfc-2022")
        token = _ESCAPING.set(escaping)
        try:
            return _BoundedURDNA2015(self.work_factor, *(deadline or (None, None))).main(
                dataset, {"format": "application/n-quads"})
        except RecursionError:
            raise _too_deep() from None
        finally:
            _ESCAPING.reset(token)


def _has_direction(dataset: dict) -> bool:
    """True when some literal of ``dataset`` carries a base direction (an i18n datatype)."""
    return any(triple["object"].get("datatype", "").startswith(_I18N)
               for triples in dataset.values() for triple in triples)


def _too_deep() -> WorkLimitExceeded:
    return WorkLimitExceeded("the document's nodes are linked too deeply to process (a chain "
                             "or ring of nodes longer than the stack allows)")


def _explain(error: Exception) -> CanonicalizationError:
    """Turn a pyld error chain into one plain message, keeping context refusals distinct."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ContextError):
            return ContextError(str(cause))
        cause = cause.__cause__ or cause.__context__
    details = getattr(error, "details", None) or {}
    code = getattr(error, "code", None)
    message = str(error).split("\n", 1)[0]
    inner = error.__cause__
    while inner is not None and getattr(inner, "__cause__", None) is not None:
        inner = inner.__cause__
    if inner is not None and inner is not error:
        message = str(inner).split("\n", 1)[0]
        code = getattr(inner, "code", code)
        details = getattr(inner, "details", None) or details
    term = details.get("term") if isinstance(details, dict) else None
    suffix = f" (term {term!r})" if term else ""
    return CanonicalizationError(f"invalid JSON-LD: {message}{suffix}" + (f" [{code}]" if code else ""))


_STOCK_CACHES: dict[int, tuple[DocumentLoader, LRUCache]] = {}


def stock_canonize(document: dict, loader: DocumentLoader) -> str:
    """Canonical N-Quads from unmodified pyld (with the escaping fix): the reference for tests.

    It runs with the same ``rdfDirection`` as :class:`Canonicalizer` (stock pyld implements
    i18n-datatype; only its default is to drop the direction). It has no safe mode.

    pyld's resolved-context cache is kept per loader across calls, which is pyld at its best.
    """
    entry = _STOCK_CACHES.get(id(loader))
    if entry is None or entry[0] is not loader:
        entry = _STOCK_CACHES[id(loader)] = (loader, LRUCache(maxsize=100))
    return jsonld.normalize(document, {
        "algorithm": "URDNA2015",
        "rdfDirection": RDF_DIRECTION,
        "format": "application/n-quads",
        "documentLoader": loader,
        "contextResolver": ContextResolver(entry[1], loader),
    })
