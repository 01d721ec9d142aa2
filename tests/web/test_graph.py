"""A person's recognition graph (GET /people/<handle> with the graph's JSON-LD profile).

The demo, plus a second open community and a closed one, with awards and endorsements across
them; then the graph of a person is walked: every link is there, as JSON and after offline
JSON-LD expansion, every credential is exactly as signed and verifies, and nothing private,
pending, declined or revoked shows. The Accept headers that get the OB Profile or the page today
still do.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from pyld import jsonld

from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.errors import ContextError
from issuer.credentials.loader import DocumentLoader
from issuer.services import badges, communities, endorsing, recognition
from issuer.services.people import user_by_handle
from issuer.storage import Achievement, Award, IssuedCredential, get_session
from tests.conftest import TOKEN, make_app

ROOT = Path(__file__).resolve().parents[2]
CRED = "https://www.w3.org/2018/credentials#"
SCHEMA = "https://schema.org/"
OB_ENDORSEMENT = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#endorsement"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class Story:
    """What the fixture made: the app, DIDs by handle or community slug, credential ids by label,
    achievement URLs by name, and the credential ids that must never show."""

    app = None
    did: dict[str, str]
    vc: dict[str, str]
    achievement: dict[str, str]
    absent: dict[str, str]


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("graph"), ISSUER_DEMO=True)
    made = Story()
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        people = {h: user_by_handle(session, h) for h in ("amara", "bram", "chen", "dana")}

        def accept(user, row, visibility="public"):
            recognition.set_consent(session, user, row.id, "accepted")
            if visibility == "public":
                recognition.set_visibility(session, user, row.id, "public")

        def award(community, leader, name, recipient):
            achievement = badges.define_achievement(session, platform, community, leader, name=name,
                                                    description=f"{name}.", criteria=f"Be a {name}.")
            return badges.issue_badge(session, platform, achievement=achievement,
                                      recipient=recipient, author=leader)

        def endorse(endorser, subject, comment):
            return endorsing.endorse(session, platform, endorser, subject, endorsing.points(comment))

        mentors = communities.community_by_slug(session, "open-source-mentors")
        docs = communities.create_community(session, platform, people["dana"], name="Docs Circle",
                                            domain="Documentation", purpose="Write good docs together")
        quiet = communities.create_community(session, platform, people["chen"], name="Quiet Room",
                                             domain="Reading", purpose="Read together",
                                             open_membership=False)
        for handle in ("bram", "chen", "amara"):
            communities.join(session, docs, people[handle])
        communities.approve(session, people["chen"], communities.join(session, quiet, people["bram"]))
        communities.join(session, quiet, people["dana"])  # a request, still pending
        writer = award(docs, people["dana"], "Docs writer", people["bram"])
        accept(people["bram"], writer)
        across = endorse(people["amara"], endorsing.credential_subject(session, people["amara"], writer.id),
                         "Bram's docs are what newcomers read first.")
        accept(people["bram"], across)
        private = award(docs, people["dana"], "Proofreader", people["bram"])
        accept(people["bram"], private, visibility="private")
        pending = award(docs, people["dana"], "Translator", people["bram"])
        declined = endorse(people["amara"], endorsing.person_subject(people["amara"], people["bram"]),
                           "Declined by Bram.")
        recognition.set_consent(session, people["bram"], declined.id, "declined")
        editor = award(docs, people["dana"], "Editor", people["bram"])
        accept(people["bram"], editor)
        orphan = endorse(people["chen"], endorsing.credential_subject(session, people["chen"], editor.id),
                         "Endorses a badge that is then revoked.")
        accept(people["bram"], orphan)
        badges.revoke_badge(session, platform, session.get(Award, editor.id), people["dana"], "given twice")
        made.did = {h: u.issuer.did for h, u in people.items()}
        made.did.update({c.slug: c.issuer.did for c in (mentors, docs, quiet)})
        made.vc = {"host": demo_vc(session, "Session host", "Open Source Mentors").vc_id,
                   "guide": demo_vc(session, "Newcomer guide", "Open Source Mentors").vc_id,
                   "gardener": demo_vc(session, "FAQ gardener", "Bram de Vries").vc_id,
                   "chen on bram": demo_vc(session, "Endorsement of Bram de Vries", "Chen Li").vc_id,
                   "dana on host": demo_vc(session, "Endorsement of Session host", "Dana Fischer").vc_id,
                   "chen on guide": demo_vc(session, "Endorsement of Newcomer guide", "Chen Li").vc_id,
                   "writer": writer.vc_id, "amara on writer": across.vc_id}
        gardener = session.get(Achievement, session.get(Award, demo_vc(session, "FAQ gardener",
                                                                       "Bram de Vries").id).achievement_id)
        unanswered = badges.issue_badge(session, platform, achievement=gardener, recipient=people["chen"],
                                        author=people["bram"], peer=True)  # Chen has not answered
        made.absent = {"private": private.vc_id, "pending": pending.vc_id, "declined": declined.vc_id,
                       "revoked": editor.vc_id, "of the revoked": orphan.vc_id,
                       "unanswered": unanswered.vc_id}
        made.achievement = {"Newcomer guide": platform.urls.achievement(
            session.get(Award, demo_vc(session, "Newcomer guide", "Open Source Mentors").id).achievement_id)}
    made.app = app
    return made


def demo_vc(session, name: str, issuer_name: str) -> IssuedCredential:
    """The one custodial credential with this name and issuer name."""
    [found] = [row for row in session.query(IssuedCredential).filter(IssuedCredential.holder_did.is_(None))
               if (json.loads(row.signed_json)["name"], json.loads(row.signed_json)["issuer"]["name"])
               == (name, issuer_name)]
    return found


def graph_accept(app) -> str:
    return f'application/ld+json; profile="{app.extensions["issuer.platform"].urls.recognition_context()}"'


def graph_of(story: Story, handle: str) -> dict:
    response = story.app.test_client().get(f"/people/{handle}", headers={"Accept": graph_accept(story.app)})
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert response.headers["Content-Type"] == graph_accept(story.app)
    return response.get_json(force=True)


def links(graph: dict) -> set[tuple[str, str, str]]:
    """The links the JSON states: (credential, link, what it names)."""
    return {(node["id"], key, value) for node in graph["hasPart"] for key, value in node.items() if key != "id"}


def roles(graph: dict) -> set[tuple[str, str]]:
    return {(role["roleName"], role["memberOf"]) for role in graph["mainEntity"].get("memberOf", [])}


# --- every link, as JSON ------------------------------------------------------------------------

def test_brams_graph_has_every_link_across_two_communities(story):
    graph, did, vc = graph_of(story, "bram"), story.did, story.vc
    assert graph["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                                 "http://127.0.0.1:5000/contexts/recognition/v1"]
    assert graph["id"] == "http://127.0.0.1:5000/people/bram" and graph["type"] == "ProfilePage"
    profile = graph["mainEntity"]
    assert profile["id"] == did["bram"] and profile["type"] == ["Profile"] and profile["name"] == "Bram de Vries"
    assert links(graph) == {
        (vc["host"], "awardedBy", did["open-source-mentors"]), (vc["host"], "awardedTo", did["bram"]),
        (vc["host"], "author", did["amara"]),
        (vc["writer"], "awardedBy", did["docs-circle"]), (vc["writer"], "awardedTo", did["bram"]),
        (vc["writer"], "author", did["dana"]),
        (vc["gardener"], "awardedBy", did["bram"]), (vc["gardener"], "awardedTo", did["dana"]),  # given
        (vc["gardener"], "author", did["bram"]),
        (vc["chen on bram"], "awardedBy", did["chen"]), (vc["chen on bram"], "endorses", did["bram"]),
        (vc["chen on bram"], "author", did["chen"]),
        (vc["dana on host"], "awardedBy", did["dana"]), (vc["dana on host"], "endorses", vc["host"]),
        (vc["dana on host"], "author", did["dana"]),
        (vc["amara on writer"], "awardedBy", did["amara"]), (vc["amara on writer"], "endorses", vc["writer"]),
        (vc["amara on writer"], "author", did["amara"])}
    assert [c["id"] for c in graph["verifiableCredential"]] == [n["id"] for n in graph["hasPart"]]
    # member of both open communities; the closed one's member list is for its members only
    assert {(r, c) for r, c in roles(graph)} == {("member", did["open-source-mentors"]),
                                                 ("member", did["docs-circle"])}
    assert all(role["type"] == "Role" and role["startDate"].endswith("Z")
               for role in profile["memberOf"])
    mentioned = {p["id"]: p for p in graph["mentions"]}
    assert set(mentioned) == {did[k] for k in ("open-source-mentors", "docs-circle", "amara", "chen", "dana")}
    assert mentioned[did["docs-circle"]]["name"] == "Docs Circle"
    assert mentioned[did["dana"]]["url"] == "http://127.0.0.1:5000/people/dana"


def test_the_leader_and_the_achievement_endorser_see_what_they_gave(story):
    did, vc = story.did, story.vc
    amara = graph_of(story, "amara")
    assert roles(amara) == {("leader", did["open-source-mentors"]), ("member", did["docs-circle"])}
    assert {(v, k, o) for v, k, o in links(amara) if k != "author"} == {
        (vc["host"], "awardedBy", did["open-source-mentors"]), (vc["host"], "awardedTo", did["bram"]),
        (vc["guide"], "awardedBy", did["open-source-mentors"]), (vc["guide"], "awardedTo", did["chen"]),
        (vc["amara on writer"], "awardedBy", did["amara"]), (vc["amara on writer"], "endorses", vc["writer"])}
    assert {o for _, k, o in links(amara) if k == "author"} == {did["amara"]}
    chen = graph_of(story, "chen")
    assert (vc["chen on guide"], "endorses", story.achievement["Newcomer guide"]) in links(chen)
    assert (vc["guide"], "awardedTo", did["chen"]) in links(chen)
    assert roles(chen) == {("member", did["open-source-mentors"]), ("member", did["docs-circle"])}


# --- nothing private, pending, declined or revoked ----------------------------------------------

@pytest.mark.parametrize("handle", ["amara", "bram", "chen", "dana"])
def test_private_pending_declined_and_revoked_items_are_absent(story, handle):
    text = json.dumps(graph_of(story, handle))
    assert [label for label, vc_id in story.absent.items() if vc_id in text] == []
    assert story.did["quiet-room"] not in text  # a closed community's members are not public


# --- the credentials as signed --------------------------------------------------------------------

def test_each_credential_is_exactly_as_signed_and_verifies(story):
    credentials = [c for handle in ("bram", "chen") for c in graph_of(story, handle)["verifiableCredential"]]
    assert len(credentials) >= 8
    with story.app.app_context():
        for credential in credentials:
            [row] = get_session().query(IssuedCredential).filter_by(vc_id=credential["id"], holder_did=None).all()
            assert credential == json.loads(row.signed_json)
    client = story.app.test_client()
    for credential in credentials:
        verified = client.post("/credentials/verify", json={"verifiableCredential": credential})
        assert verified.status_code == 200, (credential["name"], verified.get_json()["errors"])


# --- JSON-LD, offline -------------------------------------------------------------------------------

def reader() -> DocumentLoader:
    """Our offline loader for documents of this service (base URL as in the tests' apps)."""
    return DocumentLoader(base_url="http://127.0.0.1:5000")


def quads(story: Story, graph: dict) -> set[tuple[str, str, str, str]]:
    """(subject, predicate, object, graph name) from stock pyld through our offline loader."""
    loader = reader()
    dataset = jsonld.to_rdf(graph, {"documentLoader": loader, "processingMode": "json-ld-1.1"})
    return {(q["subject"]["value"], q["predicate"]["value"], q["object"]["value"], name)
            for name, found in dataset.items() for q in found}


def test_expansion_offline_keeps_every_link_and_every_credential(story):
    for handle in ("bram", "amara", "chen"):
        graph = graph_of(story, handle)
        Canonicalizer(reader(), max_seconds=None).expand(graph)  # safe mode: a dropped term raises
        found = quads(story, graph)
        default = {(s, p, o) for s, p, o, name in found if name == "@default"}
        predicates = {"awardedBy": CRED + "issuer", "awardedTo": CRED + "credentialSubject",
                      "author": SCHEMA + "author"}
        for credential, link, named in links(graph):
            expected = (named, OB_ENDORSEMENT, credential) if link == "endorses" else \
                (credential, predicates[link], named)
            assert expected in default, (handle, link)
        page, person = graph["id"], graph["mainEntity"]["id"]
        assert (page, RDF_TYPE, SCHEMA + "ProfilePage") in default and (page, SCHEMA + "mainEntity", person) in default
        for role, community in roles(graph):
            [node] = [s for s, p, o in default if p == SCHEMA + "memberOf" and o == community]
            assert (person, SCHEMA + "memberOf", node) in default and (node, SCHEMA + "roleName", role) in default
        mentioned = {o for s, p, o in default if s == page and p == SCHEMA + "mentions"}
        assert mentioned == {p["id"] for p in graph["mentions"]}
        # each credential is a named graph of its own, as in a presentation, and holds its type
        named = {o for s, p, o in default if s == page and p == CRED + "verifiableCredential"}
        assert len(named) == len(graph["verifiableCredential"])
        for credential in graph["verifiableCredential"]:
            assert any((credential["id"], RDF_TYPE, CRED + "VerifiableCredential", name) in found
                       for name in named), credential["id"]


def test_the_context_is_pinned_served_and_never_fetched(story, tmp_path):
    manifest = json.loads((ROOT / "schemas" / "contexts" / "manifest.json").read_text())
    entry = manifest["served"]["/contexts/recognition/v1"]
    pinned = (ROOT / "schemas" / "contexts" / entry["file"]).read_bytes()
    assert hashlib.sha256(pinned).hexdigest() == entry["sha256"]
    served = story.app.test_client().get("/contexts/recognition/v1")
    assert served.status_code == 200 and served.mimetype == "application/ld+json"
    assert served.get_data() == pinned and served.headers["Access-Control-Allow-Origin"] == "*"
    assert DocumentLoader(base_url="https://badges.example/")("https://badges.example/contexts/recognition/v1")[
        "document"] == json.loads(pinned)
    with pytest.raises(ContextError):  # without a base URL the loader knows only fixed URLs
        DocumentLoader()("http://127.0.0.1:5000/contexts/recognition/v1")
    edited = shutil.copytree(ROOT / "schemas" / "contexts", tmp_path / "contexts")
    DocumentLoader(edited, base_url="https://badges.example")  # the copy loads…
    (edited / entry["file"]).write_bytes(pinned.replace(b"schema.org/author", b"schema.org/creator"))
    with pytest.raises(ContextError, match="sha256"):  # …until the context changes
        DocumentLoader(edited, base_url="https://badges.example")


def test_credentials_cannot_use_the_recognition_context(story):
    """Its terms name VC properties (awardedBy is the VC issuer): a credential using it could state
    a second issuer in RDF beside its JSON issuer, so issuing and verifying never load it."""
    context = "http://127.0.0.1:5000/contexts/recognition/v1"
    assert not story.app.extensions["issuer.platform"].canonicalizer.loader.serves(context)
    client = story.app.test_client()
    issuer = client.get("/issuer").get_json()["id"]
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2", context],
                  "type": ["VerifiableCredential"], "issuer": issuer,
                  "credentialSubject": {"id": "did:example:ada", "awardedBy": "did:example:mallory"}}
    refused = client.post("/credentials/issue", json={"credential": credential},
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert 400 <= refused.status_code < 500 and context in refused.get_data(as_text=True)


# --- content negotiation: what works today keeps working --------------------------------------------

PROFILE_ACCEPTS = {
    "application/ld+json": "application/ld+json",
    "application/json": "application/json",
    "application/ld+json, application/json": "application/ld+json",  # DCC http-client, jsonld.js
    "application/json, application/ld+json, application/vc": "application/ld+json",  # our key fetcher
    "application/vc+ld+json, application/ld+json, application/json, application/vc+jwt;q=0.5":
        "application/ld+json",  # /verify by URL
    "": "application/ld+json",  # no Accept header at all
}


@pytest.mark.parametrize("accept", PROFILE_ACCEPTS)
def test_json_clients_still_get_the_ob_profile(story, accept):
    headers = {"Accept": accept} if accept else {}
    response = story.app.test_client().get("/people/bram", headers=headers)
    profile = response.get_json(force=True)
    assert response.status_code == 200 and response.mimetype == PROFILE_ACCEPTS[accept]
    assert profile["type"] == ["Profile"] and profile["id"] == story.did["bram"]
    assert "mainEntity" not in profile and "verifiableCredential" not in profile
    assert [e["id"] for e in profile["endorsement"]] == [story.vc["chen on bram"]]


@pytest.mark.parametrize("accept", ["text/html", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_browsers_still_get_the_page(story, accept):
    response = story.app.test_client().get("/people/bram", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Link"] == ('<http://127.0.0.1:5000/people/bram>; rel="alternate"; '
                                        'type="application/ld+json"; '
                                        'profile="http://127.0.0.1:5000/contexts/recognition/v1"')


def test_format_json_still_gets_the_profile(story):
    response = story.app.test_client().get("/people/bram?format=json", headers={"Accept": "text/html"})
    assert response.get_json(force=True)["type"] == ["Profile"]


def test_the_graph_is_asked_for_by_its_profile_only(story):
    client, context = story.app.test_client(), "http://127.0.0.1:5000/contexts/recognition/v1"

    def kind(accept: str) -> str:
        response = client.get("/people/bram", headers={"Accept": accept})
        assert "Accept" in response.headers["Vary"]
        return "graph" if response.headers["Content-Type"].endswith(f'profile="{context}"') else response.mimetype

    assert kind(f'application/ld+json;profile="{context} http://www.w3.org/ns/json-ld#compacted"') == "graph"
    assert kind(f'Application/LD+JSON; Profile="{context}"') == "graph"  # names are case-insensitive
    assert kind(f'text/html;q=0.9, application/ld+json; profile="{context}"') == "graph"
    assert kind(f'text/html, application/ld+json; profile="{context}"; q=0.5') == "text/html"
    assert kind(f'application/json, application/ld+json; profile="{context}"; q=0.5') == "application/json"
    assert kind(f'application/ld+json; profile="{context}"; q=0') != "graph"
    assert kind('application/ld+json; profile="https://elsewhere.example/contexts/recognition/v1"') != "graph"
    assert kind(f'application/json; profile="{context}"') != "graph"
    missing = client.get("/people/nobody", headers={"Accept": f'application/ld+json; profile="{context}"'})
    assert missing.status_code == 404
