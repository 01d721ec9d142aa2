"""Canonicalization: vectors, safe mode, escaping and the work bound."""

import hashlib
import json
from pathlib import Path

import pytest

from issuer.credentials.canonical import Canonicalizer, escape_literal, stock_canonize
from issuer.credentials.errors import CanonicalizationError, ContextError, WorkLimitExceeded
from issuer.credentials.loader import DocumentLoader

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
EDDSA = VECTORS / "eddsa-rdfc-2022"
OB_CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader())


@pytest.fixture(scope="module")
def test_canon():
    citizenship = json.loads((VECTORS / "contexts" / "w3id.org_citizenship_v4rc1.jsonld").read_text())
    loader = DocumentLoader(allow_test_contexts=True,
                            extra={"https://w3id.org/citizenship/v4rc1": citizenship})
    return Canonicalizer(loader)


def read(path: Path):
    return json.loads(path.read_text()) if path.suffix == ".json" else path.read_text()


@pytest.mark.parametrize("folder,unsigned,canon_file,hash_file", [
    (EDDSA, "unsigned.json", "canonDocDataInt.txt", "docHashDataInt.txt"),
    (EDDSA / "employ", "employmentAuth.json", "canonDocDataInt.txt", "docHashDataInt.txt"),
])
def test_w3c_vectors_byte_for_byte(test_canon, folder, unsigned, canon_file, hash_file):
    nquads = test_canon.canonize(read(folder / unsigned))
    assert nquads == read(folder / canon_file)
    assert hashlib.sha256(nquads.encode()).hexdigest() == read(folder / hash_file).strip()


@pytest.mark.parametrize("name", ["1edtech-ob-v3p0", "1edtech-clr-v2p0"])
def test_1edtech_vectors_byte_for_byte(canon, name):
    folder = EDDSA / name
    assert canon.canonize(read(folder / "unsigned-credential.json")) == read(folder / "document-canon.txt")


def test_memoised_output_equals_stock_pyld_on_spec_examples(canon):
    for path in sorted((VECTORS / "examples" / "unsigned").glob("*.json")):
        document = read(path)
        assert canon.canonize(document) == stock_canonize(document, canon.loader), path.name


def test_escaping_follows_rdf12_canonical_form():
    assert escape_literal('a"b\\c') == 'a\\"b\\\\c'
    assert escape_literal("\t\n\r\b\f") == "\\t\\n\\r\\b\\f"
    assert escape_literal("\x00\x01\x1f\x7f") == "\\u0000\\u0001\\u001F\\u007F"
    assert escape_literal("é ☃ \U0001f600") == "é ☃ \U0001f600"


def test_control_characters_reach_the_nquads_escaped(canon):
    document = {"@context": OB_CONTEXTS, "id": "urn:uuid:1", "type": ["VerifiableCredential"],
                "name": "bell\x07 back\b"}
    assert '"bell\\u0007 back\\b"' in canon.canonize(document)


def test_undefined_property_is_an_error_naming_it(canon):
    document = {"@context": OB_CONTEXTS, "id": "urn:uuid:1", "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:1", "favouriteColour": "blue"}}
    with pytest.raises(CanonicalizationError, match="'favouriteColour' is not defined"):
        canon.canonize(document)


def test_undefined_type_is_an_error_naming_it(canon):
    document = {"@context": OB_CONTEXTS, "id": "urn:uuid:1", "type": ["VerifiableCredential", "Kudos"]}
    with pytest.raises(CanonicalizationError, match="type 'Kudos' is not defined"):
        canon.canonize(document)


def test_relative_id_is_an_error(canon):
    document = {"@context": OB_CONTEXTS, "id": "not-absolute", "type": ["VerifiableCredential"]}
    with pytest.raises(CanonicalizationError, match="'not-absolute' is not an absolute IRI"):
        canon.canonize(document)


def test_unpinned_context_is_refused_without_fetching(canon):
    document = {"@context": [OB_CONTEXTS[0], "https://example.com/evil-context.jsonld"],
                "type": ["VerifiableCredential"]}
    with pytest.raises(ContextError, match="evil-context.jsonld"):
        canon.canonize(document)


def test_test_only_context_is_not_served_in_production(canon):
    document = {"@context": [OB_CONTEXTS[0], "https://www.w3.org/ns/credentials/examples/v2"],
                "type": ["VerifiableCredential"]}
    with pytest.raises(ContextError, match="examples/v2"):
        canon.canonize(document)


def test_tampered_pinned_context_file_is_refused(tmp_path):
    source = DocumentLoader().contexts_dir
    for path in source.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    target = tmp_path / "www.w3.org_ns_credentials_v2.jsonld"
    target.write_text(target.read_text().replace("VerifiableCredential", "VerifiableCredentiaI", 1))
    with pytest.raises(ContextError, match="does not match its sha256"):
        DocumentLoader(tmp_path)


def _clique(size: int) -> dict:
    """Blank nodes that all point at each other: every one looks the same to RDFC-1.0."""
    nodes = [{"@id": f"_:n{i}", "p": [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
             for i in range(size)]
    return {"@context": {"p": {"@id": "https://example.org/p", "@type": "@id"}}, "@graph": nodes}


def test_poisoned_graph_hits_the_work_bound(canon):
    with pytest.raises(WorkLimitExceeded, match="deep iterations"):
        canon.canonize(_clique(8))


def test_small_symmetric_graph_is_still_canonicalized(canon):
    nquads = canon.canonize(_clique(2))
    assert nquads.count("\n") == 2 and "_:c14n0" in nquads and "_:c14n1" in nquads


def test_too_many_statements_is_refused():
    small = Canonicalizer(DocumentLoader(), max_quads=3)
    document = {"@context": {"p": "https://example.org/p"}, "@id": "https://example.org/s",
                "p": ["a", "b", "c", "d"]}
    with pytest.raises(WorkLimitExceeded, match="4 statements; the limit is 3"):
        small.canonize(document)
