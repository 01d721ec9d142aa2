"""awards apart from the credentials they produced; CHECK constraints on string enums

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Every credential made through the web app (it names an author, a recipient, a community, an
achievement or a subject) becomes an award with the same id,
and its row in issued_credential keeps its id, its signed JSON and its status entry, now naming
the award as its custodial copy. Credentials signed through the VC-API have no award.
"""

import re

from alembic import op
import sqlalchemy as sa

import issuer.storage.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ROLES = ('sponsor', 'leader', 'coordinator', 'coach', 'member')
CHECKS = [  # (table, column, values) of the tables made before this revision
    ('issuer', 'kind', ('platform', 'community', 'person')),
    ('status_list', 'purpose', ('revocation', 'suspension')),
    ('membership', 'role', ROLES),
    ('membership', 'status', ('active', 'pending')),
    ('invitation', 'role', ROLES),
]
CREDENTIAL_KINDS = ('EnvelopedVerifiableCredential', 'OpenBadgeCredential', 'AchievementCredential',
                    'EndorsementCredential', 'ClrCredential', 'BitstringStatusListCredential',
                    'StatusList2021Credential', 'VerifiableCredential')
# A row that records anything about a recognition was made through the web app: an award.
# Credentials signed through the VC-API have none of these (their consent and visibility were
# the columns' defaults, which meant nothing without a recipient).
MADE_FOR_AN_AWARD = ("(author_user_id IS NOT NULL OR recipient_user_id IS NOT NULL OR community_id "
                     "IS NOT NULL OR achievement_id IS NOT NULL OR subject_ref IS NOT NULL)")
AWARD_COLUMNS = ('recipient_user_id', 'author_user_id', 'community_id', 'achievement_id',
                 'subject_ref', 'peer_issued', 'consent', 'visibility')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    for table, column, values in CHECKS:
        _refuse_other_values(table, column, values)
    _refuse_other_values('issued_credential', 'kind', CREDENTIAL_KINDS)
    for table, column, values in CHECKS:
        _add_check(table, f'ck_{table}_{column}', _in(column, values))

    op.create_table('award',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('achievement_id', sa.String(length=36), nullable=True),
    sa.Column('subject_ref', sa.String(length=600), nullable=True),
    sa.Column('peer_issued', sa.Boolean(), nullable=False),
    sa.Column('consent', sa.String(length=16), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.CheckConstraint(_in('kind', ('badge', 'endorsement')), name='ck_award_kind'),
    sa.CheckConstraint(_in('consent', ('pending', 'accepted', 'declined')), name='ck_award_consent'),
    sa.CheckConstraint(_in('visibility', ('private', 'public')), name='ck_award_visibility'),
    sa.CheckConstraint("kind <> 'endorsement' OR subject_ref IS NOT NULL",
                       name='ck_award_endorsement_has_subject'),
    sa.CheckConstraint('(revoked_at IS NULL) = (revocation_reason IS NULL)',
                       name='ck_award_revocation_has_reason'),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'], ),
    sa.ForeignKeyConstraint(['author_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuer.id'], ),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_award_recipient', 'award', ['recipient_user_id'], unique=False)
    op.create_index('ix_award_author', 'award', ['author_user_id'], unique=False)
    op.create_index('ix_award_subject', 'award', ['subject_ref'], unique=False)
    op.create_index('ix_award_community', 'award', ['community_id'], unique=False)
    op.execute(
        "INSERT INTO award (id, kind, issuer_id, author_user_id, recipient_user_id, community_id, "
        "achievement_id, subject_ref, peer_issued, consent, visibility, created_at, updated_at, "
        "revoked_at, revocation_reason) "
        "SELECT id, CASE WHEN kind = 'EndorsementCredential' THEN 'endorsement' ELSE 'badge' END, "
        "issuer_id, author_user_id, recipient_user_id, community_id, achievement_id, subject_ref, "
        "peer_issued, consent, visibility, created_at, updated_at, revoked_at, revocation_reason "
        f"FROM issued_credential WHERE {MADE_FOR_AN_AWARD}")

    with op.batch_alter_table('issued_credential', schema=None) as batch_op:
        batch_op.add_column(sa.Column('award_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('holder_did', sa.String(length=512), nullable=True))
    op.execute(f"UPDATE issued_credential SET award_id = id WHERE {MADE_FOR_AN_AWARD}")
    with op.batch_alter_table('issued_credential', schema=None) as batch_op:
        batch_op.drop_index('ix_issued_credential_recipient')
        batch_op.drop_index('ix_issued_credential_subject')
        for column in AWARD_COLUMNS:
            batch_op.drop_column(column)
        batch_op.create_foreign_key('fk_issued_credential_award', 'award', ['award_id'], ['id'])
        batch_op.create_unique_constraint('uq_issued_credential_holder', ['award_id', 'holder_did'])
        batch_op.create_check_constraint('ck_issued_credential_kind', _in('kind', CREDENTIAL_KINDS))
    op.create_index('uq_issued_credential_custodial', 'issued_credential', ['award_id'], unique=True,
                    sqlite_where=sa.text('holder_did IS NULL'),
                    postgresql_where=sa.text('holder_did IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('issued_credential', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('author_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('achievement_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('subject_ref', sa.String(length=600), nullable=True))
        batch_op.add_column(sa.Column('peer_issued', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('consent', sa.String(length=16), server_default='accepted',
                                      nullable=False))
        batch_op.add_column(sa.Column('visibility', sa.String(length=16), server_default='private',
                                      nullable=False))
    for column in AWARD_COLUMNS:
        op.execute(f"UPDATE issued_credential SET {column} = (SELECT a.{column} FROM award a "
                   f"WHERE a.id = issued_credential.award_id) WHERE award_id IS NOT NULL")
    op.drop_index('uq_issued_credential_custodial', table_name='issued_credential')
    with op.batch_alter_table('issued_credential', schema=None) as batch_op:
        batch_op.drop_constraint('ck_issued_credential_kind', type_='check')
        batch_op.drop_constraint('uq_issued_credential_holder', type_='unique')
        batch_op.drop_constraint('fk_issued_credential_award', type_='foreignkey')
        batch_op.drop_column('holder_did')
        batch_op.drop_column('award_id')
        for column, target in (('recipient_user_id', 'app_user'), ('author_user_id', 'app_user'),
                               ('community_id', 'community'), ('achievement_id', 'achievement')):
            batch_op.create_foreign_key(f'issued_credential_{column}_fkey', target, [column], ['id'])
        batch_op.create_index('ix_issued_credential_recipient', ['recipient_user_id'], unique=False)
        batch_op.create_index('ix_issued_credential_subject', ['subject_ref'], unique=False)
    op.drop_table('award')
    for table, column, _values in reversed(CHECKS):
        _drop_check(table, f'ck_{table}_{column}')


def _refuse_other_values(table: str, column: str, values) -> None:
    """Stop, naming them, when rows hold values the new CHECK constraint would refuse."""
    found = op.get_bind().execute(sa.text(
        f"SELECT DISTINCT {column} FROM {table} WHERE NOT ({_in(column, values)})")).scalars().all()
    if found:
        raise RuntimeError(f"{table}.{column} holds {sorted(map(str, found))}, outside "
                           f"{list(values)}: correct those rows, then migrate again")


def _add_check(table: str, name: str, condition: str) -> None:
    """A CHECK constraint on a table that has rows and may be referenced by others.

    PostgreSQL adds it in place. SQLite can only add one by rebuilding the table, and dropping
    a table that other rows reference is refused while foreign keys are enforced (which cannot
    be turned off inside the migration's transaction). The constraint changes no stored row
    (every row was checked above), so the table's definition is edited instead, as SQLite
    documents for changes that leave the stored content as it is.
    """
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint(name, table, condition)
        return
    sql = _sqlite_definition(table)
    _set_sqlite_definition(table, re.sub(r'\)\s*$', f', CONSTRAINT {name} CHECK ({condition}))', sql))


def _drop_check(table: str, name: str) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(name, table, type_='check')
        return
    sql = _sqlite_definition(table)
    _set_sqlite_definition(table, re.sub(rf',\s*CONSTRAINT {name} CHECK \(.*?\)\)(?=\s*(,|\)\s*$))',
                                         '', sql, flags=re.S))


def _sqlite_definition(table: str) -> str:
    return op.get_bind().execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {'name': table}).scalar_one()


def _set_sqlite_definition(table: str, sql: str) -> None:
    bind = op.get_bind()
    version = bind.execute(sa.text('PRAGMA schema_version')).scalar_one()
    bind.execute(sa.text('PRAGMA writable_schema = ON'))
    try:
        bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
                     {'sql': sql, 'name': table})
        bind.execute(sa.text(f'PRAGMA schema_version = {version + 1}'))  # other connections reload it
    finally:
        bind.execute(sa.text('PRAGMA writable_schema = OFF'))
