"""status list versions and sequence numbers; one stored credential per id

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

- status_list.version: bumped by every revocation; signed_version: the version the cached
  signed list shows. A re-signed list is written back only over an older one.
- status_list.seq: an issuer's lists of one purpose numbered 1, 2, … (unique), so concurrent
  issuances cannot each start a new list.
- issued_credential.vc_id becomes unique. A database that already holds two credentials with
  one id keeps the plain index (and a warning); the service refuses new duplicates either way.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX: no table copy, which SQLite with foreign keys on
    # could not do for a table that others reference.
    op.add_column('status_list', sa.Column('seq', sa.Integer(), server_default='0', nullable=False))
    op.add_column('status_list', sa.Column('version', sa.Integer(), server_default='0', nullable=False))
    op.add_column('status_list', sa.Column('signed_version', sa.Integer(), nullable=True))
    op.execute("UPDATE status_list SET seq = (SELECT count(*) FROM status_list AS earlier "
               "WHERE earlier.issuer_id = status_list.issuer_id "
               "AND earlier.purpose = status_list.purpose AND earlier.id <= status_list.id)")
    op.create_index('uq_status_list_issuer_purpose_seq', 'status_list',
                    ['issuer_id', 'purpose', 'seq'], unique=True)
    duplicates = op.get_bind().execute(sa.text(
        "SELECT vc_id FROM issued_credential GROUP BY vc_id HAVING count(*) > 1 LIMIT 5")).scalars().all()
    if duplicates:
        log.warning("issued_credential.vc_id stays non-unique: several stored credentials share "
                    "the ids %s; new duplicates are refused", ", ".join(duplicates))
        return
    op.drop_index('ix_issued_credential_vc_id', table_name='issued_credential')
    op.create_index('ix_issued_credential_vc_id', 'issued_credential', ['vc_id'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_issued_credential_vc_id', table_name='issued_credential')
    op.create_index('ix_issued_credential_vc_id', 'issued_credential', ['vc_id'], unique=False)
    op.drop_index('uq_status_list_issuer_purpose_seq', table_name='status_list')
    for column in ('signed_version', 'version', 'seq'):
        op.drop_column('status_list', column)
