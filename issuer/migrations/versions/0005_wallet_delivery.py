"""offers to take an award to a wallet, the nonces wallets prove with, and the award's log

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

A recipient's offer (credential_offer) is single use and short lived and keeps only hashes of
its secrets; a wallet's proof names a c_nonce (wallet_nonce) accepted once; each step of an
award's way to a holder is a row of award_event.
"""

from alembic import op
import sqlalchemy as sa

import issuer.storage.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

UTC = issuer.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('credential_offer',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('award_id', sa.String(length=36), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('expires_at', UTC, nullable=False),
    sa.Column('opened_at', UTC, nullable=True),
    sa.Column('redeemed_at', UTC, nullable=True),
    sa.Column('delivered_at', UTC, nullable=True),
    sa.Column('holder_did', sa.String(length=512), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name='ck_credential_offer_expiry'),
    sa.CheckConstraint('(code_hash IS NULL) = (opened_at IS NULL)',
                       name='ck_credential_offer_code_when_opened'),
    sa.CheckConstraint('(token_hash IS NULL) = (redeemed_at IS NULL)',
                       name='ck_credential_offer_token_when_redeemed'),
    sa.CheckConstraint('(holder_did IS NULL) = (delivered_at IS NULL)',
                       name='ck_credential_offer_holder_when_delivered'),
    sa.CheckConstraint('redeemed_at IS NULL OR opened_at IS NOT NULL',
                       name='ck_credential_offer_redeemed_after_opened'),
    sa.CheckConstraint('delivered_at IS NULL OR redeemed_at IS NOT NULL',
                       name='ck_credential_offer_delivered_after_redeemed'),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('secret_hash', name='uq_credential_offer_secret'),
    sa.UniqueConstraint('code_hash', name='uq_credential_offer_code'),
    sa.UniqueConstraint('token_hash', name='uq_credential_offer_token')
    )
    op.create_index('ix_credential_offer_award', 'credential_offer', ['award_id'], unique=False)
    op.create_table('wallet_nonce',
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('expires_at', UTC, nullable=False),
    sa.Column('used_at', UTC, nullable=True),
    sa.CheckConstraint('expires_at > created_at', name='ck_wallet_nonce_expiry'),
    sa.PrimaryKeyConstraint('nonce_hash')
    )
    op.create_table('award_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('award_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', UTC, nullable=False),
    sa.Column('holder_did', sa.String(length=512), nullable=True),
    sa.CheckConstraint("kind IN ('offer-created', 'sent-to-wallet')", name='ck_award_event_kind'),
    sa.CheckConstraint("kind <> 'sent-to-wallet' OR holder_did IS NOT NULL",
                       name='ck_award_event_sent_names_holder'),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_award_event_award', 'award_event', ['award_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_award_event_award', table_name='award_event')
    op.drop_table('award_event')
    op.drop_table('wallet_nonce')
    op.drop_index('ix_credential_offer_award', table_name='credential_offer')
    op.drop_table('credential_offer')
