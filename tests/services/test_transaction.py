"""One unit of work: only the outermost transaction() commits, so services compose."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from issuer.credentials.errors import KeyMaterialError
from issuer.services import badges, communities, endorsing, issuing
from issuer.services.people import create_user
from issuer.services.transaction import UnitOfWorkFailed, savepoint, transaction
from issuer.storage import ApiToken, Community, IssuedCredential, SigningKey, StatusList, get_session

PACKAGE = Path(__file__).resolve().parents[2] / "issuer"
HELPER = PACKAGE / "services" / "transaction.py"


def _ending_calls(source: str, names: set[str]) -> list[int]:
    """Lines that call a method named in ``names`` (``x.commit()``, ``x.y.rollback()``…)."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in names]


def test_commit_and_rollback_appear_only_in_the_transaction_helper():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == HELPER:
            continue
        source = path.read_text()
        lines = {n for n, line in enumerate(source.splitlines(), 1) if re.search(r"\.commit\(", line)}
        lines |= set(_ending_calls(source, {"commit", "rollback"}))
        found += [f"{path.relative_to(PACKAGE.parent)}:{n}" for n in sorted(lines)]
    assert found == [], "commit and roll back through issuer.services.transaction: " + ", ".join(found)
    assert _ending_calls(HELPER.read_text(), {"commit"}), "the helper is where the commit is"


def test_the_rule_sees_a_commit_however_it_is_written():
    assert _ending_calls("session.commit()\nself.db.rollback()\n", {"commit", "rollback"}) == [1, 2]


def _count(app, model) -> int:
    """Rows of ``model`` as another connection sees them: committed ones only."""
    engine = create_engine(app.config["ISSUER_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {model.__tablename__}")).scalar()
    finally:
        engine.dispose()


@pytest.fixture
def world(app):
    """A community led by lea with members ada and bob, and one achievement."""
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        people = {handle: create_user(session, platform, handle=handle, email=f"{handle}@example.org",
                                      display_name=handle.title(), password="long enough pw")
                  for handle in ("lea", "ada", "bob")}
        community = communities.create_community(session, platform, people["lea"], name="Hosts",
                                                 domain="Calls", purpose="Better calls")
        for handle in ("ada", "bob"):
            communities.join(session, community, people[handle])
        achievement = badges.define_achievement(session, platform, community, people["lea"],
                                                name="Call host", description="Hosted calls.",
                                                criteria="Host three calls.")
        return {"achievement": achievement.id, **{h: u.id for h, u in people.items()}}


def _award_and_endorse(session, platform, world, users, done=None):
    """What approving a nomination does: lea awards ada the badge, bob endorses ada."""
    from issuer.storage import Achievement

    badge = badges.issue_badge(session, platform, achievement=session.get(Achievement, world["achievement"]),
                               recipient=users["ada"], author=users["lea"], narrative="Nominated by Bob.")
    if done is not None:
        done.append(session.get(IssuedCredential, badge.id).kind)
    endorsement = endorsing.endorse(session, platform, users["bob"],
                                    endorsing.person_subject(users["bob"], users["ada"]),
                                    endorsing.points("Ada hosts the best calls."))
    return badge, endorsement


def _users(session, world):
    from issuer.storage import User

    return {h: session.get(User, world[h]) for h in ("lea", "ada", "bob")}


def test_two_services_in_one_transaction_commit_together_at_its_end(app, world):
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        with transaction(session):
            badge, endorsement = _award_and_endorse(session, platform, world, _users(session, world))
            assert _count(app, IssuedCredential) == 0  # each service joined: nothing committed yet
        assert _count(app, IssuedCredential) == 2
        kinds = set(session.scalars(select(IssuedCredential.kind)))
    assert kinds == {"OpenBadgeCredential", "EndorsementCredential"}
    assert badge.status_list_id is not None and endorsement.status_list_id is not None


def test_a_failure_in_the_second_service_leaves_nothing_of_the_first(app, world):
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        users = _users(session, world)
        bob_key = session.scalar(select(SigningKey).where(SigningKey.issuer_id == users["bob"].issuer_id))
        with transaction(session):  # bob's key no longer decrypts: his endorsement cannot be signed
            bob_key.private_encrypted = bob_key.private_encrypted[:-8] + "AAAAAAAA"
        done = []
        with pytest.raises(KeyMaterialError, match="cannot decrypt"):
            with transaction(session):
                _award_and_endorse(session, platform, world, users, done)
        assert done == ["OpenBadgeCredential"]  # the award was made; the endorsement failed
        assert session.scalars(select(IssuedCredential)).all() == []
        assert session.scalars(select(StatusList)).all() == []  # the badge's new list went too
    assert _count(app, IssuedCredential) == 0 and _count(app, StatusList) == 0


def test_a_nested_failure_a_caller_swallowed_still_rolls_back_the_unit(app, world):
    with app.app_context():
        session = get_session()
        lea = _users(session, world)["lea"]
        with pytest.raises(UnitOfWorkFailed):
            with transaction(session):
                session.add(ApiToken(user_id=lea.id, name="kept?", token_sha256="0" * 64))
                try:
                    with transaction(session):
                        session.add(ApiToken(user_id=lea.id, name="half", token_sha256="1" * 64))
                        raise ValueError("a part fails")
                except ValueError:
                    pass  # carrying on would commit half of the unit
        assert session.scalars(select(ApiToken)).all() == []
        with transaction(session):  # the session is usable again, and commits normally
            session.add(ApiToken(user_id=lea.id, name="after", token_sha256="2" * 64))
    assert _count(app, ApiToken) == 1


def test_a_retried_insert_undoes_only_its_own_savepoint(app, world):
    """issue() retries a lost race (IntegrityError) in a savepoint: the enclosing unit's own
    writes stay, the failed attempt's writes go."""
    attempts = []

    def guard(session):
        attempts.append(1)
        if len(attempts) == 1:
            session.add(ApiToken(user_id=world["lea"], name="attempt 1", token_sha256="3" * 64))
            session.flush()
            raise IntegrityError("INSERT …", {}, Exception("taken at the same moment"))

    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                      "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:x"}}
        with transaction(session):
            community = session.scalar(select(Community))
            community.practice = "Written before the issue"
            issuing.issue(session, platform, credential, issuer=community.issuer, guard=guard)
        assert len(attempts) == 2
        assert session.scalars(select(ApiToken)).all() == []
    assert _count(app, IssuedCredential) == 1
    engine = create_engine(app.config["ISSUER_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT practice FROM community")).scalar() \
                == "Written before the issue"
    finally:
        engine.dispose()


def test_a_savepoint_belongs_inside_a_transaction(app):
    with app.app_context():
        with pytest.raises(RuntimeError, match="open transaction"):
            with savepoint(get_session()):
                pass
