"""Write the @direction vectors of this folder with the JavaScript reference (run once, by hand).

    .venv/bin/python tests/vectors/direction/generate.py

For each case of CASES it asks the reference libraries (tests/interop/js: jsonld.js through the
eddsa-rdfc-2022 cryptosuite of @digitalcredentials, as pinned in tests/interop/package-lock.json)
for the canonical N-Quads of the unsigned credential (``<case>.nq``) and for the credential signed
with eddsa-rdfc-2022 by the key of SEED (``<case>.signed.json``); ``<case>.json`` is the unsigned
credential. Nothing here comes from our own code, so the files are the yardstick it is measured by.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.interop.harness import ReferenceVerifier, ensure_installed  # noqa: E402

SEED = "4f1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100aa"
CREATED = "2026-12-01T00:00:00Z"
VC2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# The three forms of a string with language information, as JSON-LD value objects.
FORMS = {
    "language": lambda text, lang: {"@value": text, "@language": lang},
    "language-direction": lambda text, lang: {"@value": text, "@language": lang,
                                              "@direction": "rtl" if lang == "ar" else "ltr"},
    "direction": lambda text, lang: {"@value": text, "@direction": "rtl" if lang == "ar" else "ltr"},
}


def vc2(form) -> dict:
    """A VC 2.0 credential whose name and description carry the form (name in upper case)."""
    return {
        "@context": [VC2], "id": "urn:uuid:8b1c3f0e-3f51-4c55-9d5e-0b2a1d6f7e01",
        "type": ["VerifiableCredential"],
        "name": form("Community mentor", "EN-GB"),
        "description": [form("شهادة المرشد", "ar"), form("Mentors newcomers.", "en")],
        "issuer": "did:example:placeholder", "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ada"},
    }


def ob(form) -> dict:
    """An OB 3.0 credential whose achievement name, description and criteria carry the form."""
    return {
        "@context": [VC2, OB], "id": "urn:uuid:8b1c3f0e-3f51-4c55-9d5e-0b2a1d6f7e02",
        "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Peer mentor",
        "issuer": {"id": "did:example:placeholder", "type": ["Profile"], "name": "Open Recognition"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ada", "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/mentor", "type": ["Achievement"],
                "name": form("مرشد الأقران", "ar"),
                "description": form("Mentors newcomers to the community.", "en"),
                "criteria": {"narrative": form("Mentor three newcomers.", "nl-BE")},
            },
        },
    }


CASES = {f"{kind}-{name}": build(form)
         for kind, build in (("vc2", vc2), ("ob", ob)) for name, form in FORMS.items()}


def main() -> None:
    ensure_installed()
    with ReferenceVerifier() as js:
        for name, unsigned in CASES.items():
            signed = js.sign(unsigned, "eddsa-rdfc-2022", SEED, created=CREATED, set_issuer=True)
            unsigned = {key: value for key, value in signed.items() if key != "proof"}
            (HERE / f"{name}.json").write_text(json.dumps(unsigned, indent=2, ensure_ascii=False) + "\n")
            (HERE / f"{name}.nq").write_text(js.canonize(unsigned))
            (HERE / f"{name}.signed.json").write_text(
                json.dumps(signed, indent=2, ensure_ascii=False) + "\n")
            if not js.verify(signed)["verified"]:
                raise SystemExit(f"{name}: the reference does not verify its own signature")


if __name__ == "__main__":
    main()
