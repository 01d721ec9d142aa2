"""Awards and their credentials in the database: CHECK constraints on string enums (from the
migrations, as the models declare them), one custodial copy per award, and revocation of every
copy of an award."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from issuer import storage
from issuer.credentials import status
from issuer.services import badges
from issuer.storage import Award, Base, IssuedCredential, User, get_session


def _checks_in_models() -> dict[str, set[str]]:
    return {table.name: {c.name for c in table.constraints if c.__class__.__name__ == "CheckConstraint"}
            for table in Base.metadata.sorted_tables}


def test_the_migrated_database_has_the_models_check_constraints(demo):
    inspector = inspect(demo.extensions["issuer.engine"])
    expected = {table: names for table, names in _checks_in_models().items() if names}
    assert set(expected) == {"issuer", "status_list", "award", "issued_credential", "membership",
                             "invitation", "credential_offer", "wallet_nonce", "award_event"}
    for table, names in expected.items():
        assert {c["name"] for c in inspector.get_check_constraints(table)} == names, table


@pytest.mark.parametrize("statement", [
    "UPDATE issuer SET kind = 'robot'",
    "UPDATE status_list SET purpose = 'refresh'",
    "UPDATE membership SET role = 'owner'",
    "UPDATE membership SET status = 'banned'",
    "UPDATE award SET consent = 'maybe'",
    "UPDATE award SET visibility = 'friends'",
    "UPDATE award SET kind = 'medal'",
    "UPDATE award SET kind = 'endorsement', subject_ref = NULL",
    "UPDATE award SET revocation_reason = 'no date'",
    "UPDATE issued_credential SET kind = 'Badge'",
    "INSERT INTO invitation (community_id, token, role, created_by, created_at, expires_at, uses_left) "
    "SELECT id, 'tok', 'owner', created_by, created_at, created_at, 1 FROM community",
])
def test_a_value_outside_an_enum_is_refused_by_the_database(demo, statement):
    engine = demo.extensions["issuer.engine"]
    with pytest.raises(IntegrityError):
        with engine.begin() as connection:
            connection.execute(text(statement))


def _holder_copy(session, award: Award, holder: str | None = "did:example:holder") -> IssuedCredential:
    """Another credential of the award (bound to ``holder``), with its own status entry."""
    custodial = award.credential
    listing = session.get(storage.StatusList, custodial.status_list_id)
    index = next(i for i in range(listing.size) if not storage.index_in_use(session, listing, i))
    return IssuedCredential(id=str(uuid.uuid4()), vc_id=f"urn:uuid:{uuid.uuid4()}",
                            issuer_id=award.issuer_id, kind=custodial.kind,
                            signed_json=custodial.signed_json, award_id=award.id,
                            holder_did=holder, status_list_id=listing.id, status_index=index)


def test_an_award_has_one_custodial_copy_and_one_copy_per_holder(demo):
    with demo.app_context():
        session = get_session()
        award = session.scalars(select(Award).where(Award.kind == "badge")).first()
        copy = _holder_copy(session, award)
        session.add(copy)
        session.commit()
        assert [c.holder_did for c in award.credentials] == [None, "did:example:holder"]
        for holder in (None, "did:example:holder"):
            session.add(_holder_copy(session, award, holder))
            with pytest.raises(IntegrityError):
                session.commit()
            session.rollback()
        session.delete(copy)
        session.commit()


def test_revoking_an_award_revokes_every_copy_and_sets_each_bit(demo):
    with demo.app_context():
        session = get_session()
        award = session.scalars(select(Award).where(Award.kind == "badge",
                                                    Award.revoked_at.is_(None))).first()
        copy = _holder_copy(session, award)
        session.add(copy)
        session.commit()
        listing = session.get(storage.StatusList, award.credential.status_list_id)
        version = listing.version
        leader = session.scalar(select(User).where(User.handle == "amara"))
        badges.revoke_badge(session, demo.extensions["issuer.platform"], award, leader, "Awarded by mistake.")
        assert award.revoked_at is not None and award.revocation_reason == "Awarded by mistake."
        for credential in award.credentials:
            assert credential.revoked_at == award.revoked_at
            assert credential.revocation_reason == "Awarded by mistake."
        assert {award.credential.status_index, copy.status_index} <= \
            set(storage.revoked_indexes(session, listing))
        session.refresh(listing)
        assert listing.version == version + 2  # one bit each, in one transaction
        assert listing.signed_version == listing.version  # the list was signed with both bits
        served = status.StatusList.decode(
            json.loads(listing.signed_json)["credentialSubject"]["encodedList"])
        assert served.get(award.credential.status_index) and served.get(copy.status_index)


def test_an_award_retried_after_a_conflict_is_stored_once(demo, monkeypatch):
    """issue() tries again when a status index was taken at the same moment: the award and its
    credential are then stored once, not with a leftover of the first attempt."""
    from sqlalchemy.orm import Session

    from issuer.storage import Achievement

    real_flush, failed = Session.flush, []

    def flush_once_in_conflict(self, *args, **kwargs):
        stored_credential = any(isinstance(o, IssuedCredential) for o in self.new)
        real_flush(self, *args, **kwargs)
        if stored_credential and not failed:  # as if another process took the index first
            failed.append(True)
            raise IntegrityError("INSERT INTO issued_credential", {}, Exception("index taken"))

    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        people = {u.handle: u for u in session.scalars(select(User))}
        achievement = session.scalar(select(Achievement).where(Achievement.name == "FAQ gardener"))
        monkeypatch.setattr(Session, "flush", flush_once_in_conflict)
        row = badges.issue_badge(session, platform, achievement=achievement,
                                 recipient=people["chen"], author=people["amara"])
        monkeypatch.undo()
        assert failed and row.award.id == row.id
        assert [c.id for c in session.scalars(select(IssuedCredential).where(
            IssuedCredential.award_id == row.id))] == [row.id]
