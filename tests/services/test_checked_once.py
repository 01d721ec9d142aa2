"""The badge and endorsement flows check what they sign once: the builder leaves the checking to
issue() and reissue(), which run the VC data-model rules once per signature."""

from __future__ import annotations

from issuer.credentials import datamodel
from issuer.services import endorsing
from issuer.services.people import user_by_handle
from issuer.storage import get_session
from tests.web.test_people import issue_badge, people  # noqa: F401 (a fixture)


def test_awarding_and_endorsing_walk_the_data_model_once_per_signature(app, people, monkeypatch):  # noqa: F811
    walked, rules = [], datamodel.rules

    def counted(doc):
        walked.append(doc["type"])
        return rules(doc)

    monkeypatch.setattr(datamodel, "rules", counted)
    uuid = issue_badge(app)
    assert walked == [["VerifiableCredential", "OpenBadgeCredential"]]
    walked.clear()
    for action in ("accept", "public"):  # so that a colleague may endorse it
        people["ada"].submit(f"/me/recognition/{uuid}/{action}", form_url="/me/recognition")
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        bob = user_by_handle(session, "bob")
        subject = endorsing.credential_subject(session, bob, uuid)
        said = endorsing.points("Ran every call with care.", None, None, None)
        endorsing.endorse(session, platform, bob, subject, said)
        assert walked == [["VerifiableCredential", "EndorsementCredential"]]
        walked.clear()
        endorsing.endorse(session, platform, bob, subject,
                          endorsing.points("Ran every call with great care.", None, None, None))
        assert walked == [["VerifiableCredential", "EndorsementCredential"]]  # re-signed in place
