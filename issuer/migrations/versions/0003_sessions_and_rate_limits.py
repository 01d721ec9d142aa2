"""session generations, rate-limit counters, endorsements of achievements linked to them

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
    op.create_table('rate_limit_counter',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_counter_expires_at', ['expires_at'], unique=False)
    # Endorsements of achievements made before the community consented to them: link them to
    # their achievement, so that its leaders see them (they stay as public as they were).
    op.execute(
        "UPDATE issued_credential SET achievement_id = (SELECT a.id FROM achievement a "
        "WHERE issued_credential.subject_ref LIKE '%/achievements/' || a.id) "
        "WHERE kind = 'EndorsementCredential' AND recipient_user_id IS NULL "
        "AND achievement_id IS NULL AND subject_ref LIKE '%/achievements/%'")


def downgrade() -> None:
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limit_counter_expires_at')
    op.drop_table('rate_limit_counter')
    op.drop_column('app_user', 'session_generation')  # SQLite >= 3.35 drops columns in place
