"""Keys: Multikey encoding against the vectors, did:key, did:web naming, encryption at rest."""

import json
from pathlib import Path

import base58
import pytest

from issuer.credentials import keys
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.errors import KeyMaterialError
from issuer.credentials.loader import DocumentLoader

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "eddsa-rdfc-2022"
W3C_PAIR = json.loads((VECTORS / "keyPair.json").read_text())
EDTECH_PAIR = json.loads((VECTORS / "1edtech-ob-v3p0" / "key-pair.json").read_text())
P256_DID = "did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76"  # from the employ vector


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader())


@pytest.fixture(scope="module")
def private_key():
    return keys.generate_private_key()


def test_w3c_key_pair_round_trips():
    private_key = keys.private_key_from_multibase(W3C_PAIR["privateKeyMultibase"])
    assert keys.public_key_multibase(private_key.public_key()) == W3C_PAIR["publicKeyMultibase"]
    assert keys.private_key_multibase(private_key) == W3C_PAIR["privateKeyMultibase"]
    public_key = keys.public_key_from_multibase(W3C_PAIR["publicKeyMultibase"])
    assert public_key.public_bytes_raw() == private_key.public_key().public_bytes_raw()


def test_1edtech_key_pair_with_64_byte_secret():
    private_key = keys.private_key_from_multibase(EDTECH_PAIR["secretKeyMultibase"])
    assert private_key.private_bytes_raw().hex() == EDTECH_PAIR["privateKeyHex"][:64]
    assert private_key.public_key().public_bytes_raw().hex() == EDTECH_PAIR["publicKeyHex"]
    assert keys.public_key_multibase(private_key.public_key()) == EDTECH_PAIR["publicKeyMultibase"]
    public_key = keys.public_key_from_multibase(EDTECH_PAIR["publicKeyMultibase"])
    assert public_key.public_bytes_raw().hex() == EDTECH_PAIR["publicKeyHex"]


def test_64_byte_secret_with_a_foreign_public_half_is_refused(private_key):
    seed = bytes.fromhex(EDTECH_PAIR["privateKeyHex"][:64])
    forged = keys.ED25519_PRIV_PREFIX + seed + private_key.public_key().public_bytes_raw()
    with pytest.raises(KeyMaterialError, match="public half does not match"):
        keys.private_key_from_multibase("z" + base58.b58encode(forged).decode())


def test_generated_keys_are_z6mk_multikeys(private_key):
    multibase = keys.public_key_multibase(private_key.public_key())
    assert multibase.startswith("z6Mk")
    again = keys.public_key_from_multibase(multibase)
    assert again.public_bytes_raw() == private_key.public_key().public_bytes_raw()


@pytest.mark.parametrize("value,message", [
    (P256_DID[len("did:key:"):], r"multicodec 0x1200 \(P-256 public key\); only Ed25519 \(0xed\)"),
    (W3C_PAIR["privateKeyMultibase"], r"0x1300 \(ed25519-priv\)"),
    ("u7QFLvq_eLqi-76" + "A" * 30, "starting with 'z'"),
    ("z0OIl", "not valid base58btc"),
    ("z" + base58.b58encode(b"\xed\x01" + bytes(31)).decode(),
     "holds 31 key bytes; Ed25519 needs 32"),
    (None, "starting with 'z'"),
])
def test_public_key_decoding_refuses_other_encodings(value, message):
    with pytest.raises(KeyMaterialError, match=message):
        keys.public_key_from_multibase(value)


def test_private_key_decoding_refuses_a_public_key_without_echoing_it():
    with pytest.raises(KeyMaterialError, match=r"0xed \(ed25519-pub\)") as raised:
        keys.private_key_from_multibase(W3C_PAIR["publicKeyMultibase"])
    assert W3C_PAIR["publicKeyMultibase"] not in str(raised.value)


def test_did_key_names_and_resolves(private_key):
    did = keys.did_key(private_key.public_key())
    multibase = keys.public_key_multibase(private_key.public_key())
    assert did == "did:key:" + multibase
    assert keys.did_key_vm_id(did) == f"{did}#{multibase}"
    for name in (did, keys.did_key_vm_id(did)):
        assert keys.public_key_from_did_key(name).public_bytes_raw() == \
            private_key.public_key().public_bytes_raw()


@pytest.mark.parametrize("name,message", [
    ("did:web:example.com", "not a did:key identifier"),
    (P256_DID, "0x1200"),
    ("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#key-1", "must repeat the key"),
])
def test_did_key_refuses_what_it_cannot_resolve(name, message):
    with pytest.raises(KeyMaterialError, match=message):
        keys.public_key_from_did_key(name)


def test_did_key_document_shape():
    did = "did:key:" + W3C_PAIR["publicKeyMultibase"]
    vm_id = f"{did}#{W3C_PAIR['publicKeyMultibase']}"
    assert keys.did_key_document(did) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": "Multikey", "controller": did,
                                "publicKeyMultibase": W3C_PAIR["publicKeyMultibase"]}],
        "assertionMethod": [vm_id], "authentication": [vm_id],
        "capabilityInvocation": [vm_id], "capabilityDelegation": [vm_id],
    }
    with pytest.raises(KeyMaterialError, match="without a fragment"):
        keys.did_key_document(vm_id)


def test_did_documents_are_valid_json_ld_and_served_by_the_loader(canon, private_key):
    did = keys.did_key(private_key.public_key())
    assert canon.loader(did + "#whatever")["document"] == keys.did_key_document(did)
    nquads = canon.canonize(keys.did_key_document(did))
    assert "<https://w3id.org/security#assertionMethod>" in nquads
    web = keys.did_web_document("did:web:example.com", [("did:web:example.com#key-1",
                                                         private_key.public_key())])
    assert "<https://w3id.org/security#Multikey>" in canon.canonize(web)


def test_verification_method_defaults_to_multibase_fragment(private_key):
    method = keys.verification_method("https://example.edu/issuers/1", private_key.public_key())
    multibase = keys.public_key_multibase(private_key.public_key())
    assert method == {"id": f"https://example.edu/issuers/1#{multibase}", "type": "Multikey",
                      "controller": "https://example.edu/issuers/1",
                      "publicKeyMultibase": multibase}


@pytest.mark.parametrize("base_url,path,did", [
    ("https://example.com", None, "did:web:example.com"),
    ("https://example.com/", "issuers/123", "did:web:example.com:issuers:123"),
    ("https://example.com:3000", "/u/alice/", "did:web:example.com%3A3000:u:alice"),
    ("https://Example.COM/communities", "c 1", "did:web:example.com:communities:c%201"),
])
def test_did_web_names(base_url, path, did):
    assert keys.did_web(base_url, path) == did


@pytest.mark.parametrize("did,url", [
    ("did:web:example.com", "https://example.com/.well-known/did.json"),
    ("did:web:example.com:issuers:123", "https://example.com/issuers/123/did.json"),
    ("did:web:example.com%3A3000:u:alice", "https://example.com:3000/u/alice/did.json"),
    ("did:web:example.com#key-1", "https://example.com/.well-known/did.json"),
])
def test_did_web_urls(did, url):
    assert keys.did_web_url(did) == url


@pytest.mark.parametrize("call,message", [
    (lambda: keys.did_web("http://example.com"), "plain https URL"),
    (lambda: keys.did_web("https://example.com/?q=1"), "plain https URL"),
    (lambda: keys.did_web_url("did:key:z6Mk"), "not a did:web identifier"),
    (lambda: keys.did_web_url("did:web:"), "not a valid did:web"),
    (lambda: keys.did_web_url("did:web:example.com::x"), "not a valid did:web"),
])
def test_did_web_refuses_bad_input(call, message):
    with pytest.raises(KeyMaterialError, match=message):
        call()


def test_did_web_document_lists_every_valid_key(private_key):
    other = keys.generate_private_key().public_key()
    did = "did:web:example.com:issuers:1"
    document = keys.did_web_document(did, [(did + "#key-1", private_key.public_key()),
                                           (did + "#key-2", other)])
    assert document["@context"] == keys.DID_CONTEXTS
    assert [m["id"] for m in document["verificationMethod"]] == [did + "#key-1", did + "#key-2"]
    assert {m["controller"] for m in document["verificationMethod"]} == {did}
    assert document["assertionMethod"] == [did + "#key-1", did + "#key-2"]
    assert document["authentication"] == [did + "#key-1", did + "#key-2"]
    with pytest.raises(KeyMaterialError, match="unique and start with"):
        keys.did_web_document(did, [("did:web:elsewhere.org#key-1", other)])
    with pytest.raises(KeyMaterialError, match="unique and start with"):
        keys.did_web_document(did, [(did + "#k", other), (did + "#k", other)])


def test_encryption_round_trip(private_key):
    kek = keys.new_kek()
    blob = keys.encrypt_private_key(private_key, kek, associated_data=b"issuer:1")
    assert blob.startswith("v1.")
    assert private_key.private_bytes_raw().hex() not in blob
    assert blob != keys.encrypt_private_key(private_key, kek, associated_data=b"issuer:1")
    again = keys.decrypt_private_key(blob, kek, associated_data=b"issuer:1")
    assert again.private_bytes_raw() == private_key.private_bytes_raw()


def _flip(blob: str) -> str:
    index = len(blob) // 2
    return blob[:index] + ("A" if blob[index] != "A" else "B") + blob[index + 1:]


@pytest.mark.parametrize("tamper", [
    lambda blob, kek, ad: (blob, keys.new_kek(), ad),
    lambda blob, kek, ad: (_flip(blob), kek, ad),
    lambda blob, kek, ad: (blob, kek, b"issuer:2"),
    lambda blob, kek, ad: (blob[:20], kek, ad),
    lambda blob, kek, ad: ("v2." + blob[3:], kek, ad),
    lambda blob, kek, ad: (blob + "!!", kek, ad),
], ids=["wrong kek", "tampered", "wrong associated data", "truncated", "version", "garbage"])
def test_decryption_failures_are_one_plain_error(private_key, tamper):
    kek = keys.new_kek()
    blob = keys.encrypt_private_key(private_key, kek, associated_data=b"issuer:1")
    blob, kek, ad = tamper(blob, kek, b"issuer:1")
    with pytest.raises(KeyMaterialError, match="cannot decrypt private key") as raised:
        keys.decrypt_private_key(blob, kek, associated_data=ad)
    assert private_key.private_bytes_raw().hex() not in str(raised.value)


def test_key_encryption_key_must_be_32_bytes(private_key):
    assert len(keys.new_kek()) == 32 and keys.new_kek() != keys.new_kek()
    with pytest.raises(KeyMaterialError, match="exactly 32 bytes"):
        keys.encrypt_private_key(private_key, b"short")
    with pytest.raises(KeyMaterialError, match="exactly 32 bytes"):
        keys.decrypt_private_key("v1.AAAA", "not bytes" * 4)
