"""app_user.identify_in_badges: whether badges issued to a person name them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

With it on, a badge issued to the person carries their display name and a salted hash of their
e-mail address (OB 3.0 credentialSubject.identifier), so that an employer can tie the badge to
them. On by default, for people already here too: it only changes badges issued from now on,
the address itself never enters a badge, and the person turns it off in Settings.
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a constant default: no table copy on SQLite, no rewrite on PostgreSQL 11+.
    op.add_column('app_user', sa.Column('identify_in_badges', sa.Boolean(), nullable=False,
                                        server_default=sa.true()))


def downgrade() -> None:
    op.drop_column('app_user', 'identify_in_badges')
