"""an offer carries a stored credential (not only an award's badge); deliveries as signed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

credential_offer names the credential it carries (credential_id: an award's custodial copy,
or a credential with no award such as a person's CLR record); award_id stays for the award's
log and may be empty. A credential sent as signed (an endorsement) has no holder copy and,
over OpenID4VCI, no proven holder: an offer may be delivered without a holder_did, and the
award's log gains the kind 'sent-as-signed'.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

EVENTS_BEFORE = ('offer-created', 'sent-to-wallet')
EVENTS = EVENTS_BEFORE + ('sent-as-signed',)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('credential_offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_id', sa.String(length=36), nullable=True))
    op.execute("UPDATE credential_offer SET credential_id = (SELECT c.id FROM issued_credential c "
               "WHERE c.award_id = credential_offer.award_id AND c.holder_did IS NULL)")
    op.execute("DELETE FROM credential_offer WHERE credential_id IS NULL")  # none: every award has one
    with op.batch_alter_table('credential_offer', schema=None) as batch_op:
        batch_op.alter_column('credential_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column('award_id', existing_type=sa.String(length=36), nullable=True)
        batch_op.create_foreign_key('fk_credential_offer_credential', 'issued_credential',
                                    ['credential_id'], ['id'])
        batch_op.drop_constraint('ck_credential_offer_holder_when_delivered', type_='check')
        batch_op.create_check_constraint('ck_credential_offer_holder_once_delivered',
                                         'holder_did IS NULL OR delivered_at IS NOT NULL')
        batch_op.create_index('ix_credential_offer_credential', ['credential_id'], unique=False)
    with op.batch_alter_table('award_event', schema=None) as batch_op:
        batch_op.drop_constraint('ck_award_event_kind', type_='check')
        batch_op.create_check_constraint('ck_award_event_kind', _in('kind', EVENTS))


def downgrade() -> None:
    op.execute("DELETE FROM award_event WHERE kind = 'sent-as-signed'")
    op.execute("DELETE FROM credential_offer WHERE award_id IS NULL "
               "OR (delivered_at IS NOT NULL AND holder_did IS NULL)")
    with op.batch_alter_table('award_event', schema=None) as batch_op:
        batch_op.drop_constraint('ck_award_event_kind', type_='check')
        batch_op.create_check_constraint('ck_award_event_kind', _in('kind', EVENTS_BEFORE))
    with op.batch_alter_table('credential_offer', schema=None) as batch_op:
        batch_op.drop_index('ix_credential_offer_credential')
        batch_op.drop_constraint('ck_credential_offer_holder_once_delivered', type_='check')
        batch_op.create_check_constraint('ck_credential_offer_holder_when_delivered',
                                         '(holder_did IS NULL) = (delivered_at IS NULL)')
        batch_op.drop_constraint('fk_credential_offer_credential', type_='foreignkey')
        batch_op.alter_column('award_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_column('credential_id')
