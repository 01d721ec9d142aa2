"""community.linkedin_organization_id: the community's LinkedIn company page, for "Add to profile"

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Optional digits (LinkedIn's numeric company page id). When set, a member's "Add to LinkedIn"
link names the organization by id (LinkedIn then shows its logo and page) instead of by name.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN: no table copy on SQLite, no rewrite on PostgreSQL.
    op.add_column('community', sa.Column('linkedin_organization_id', sa.String(length=20), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+): a batch copy of the table would have to
    # drop a table that others reference.
    op.drop_column('community', 'linkedin_organization_id')
