"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
import issuer.storage.models


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issuer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('did', sa.String(length=512), nullable=False),
    sa.Column('url', sa.String(length=512), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('image_url', sa.String(length=600), nullable=True),
    sa.Column('image_caption', sa.String(length=300), nullable=True),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('did'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('stored_image',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('mime', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('alt', sa.String(length=300), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email'),
    sa.UniqueConstraint('handle')
    )
    op.create_table('signing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('vm_id', sa.String(length=600), nullable=False),
    sa.Column('public_multibase', sa.String(length=100), nullable=False),
    sa.Column('private_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('vm_id')
    )
    op.create_table('status_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('signed_json', sa.Text(), nullable=True),
    sa.Column('signed_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_sha256')
    )
    op.create_table('community',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('domain', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('practice', sa.Text(), nullable=True),
    sa.Column('open_membership', sa.Boolean(), nullable=False),
    sa.Column('allow_peer_badges', sa.Boolean(), nullable=False),
    sa.Column('image_id', sa.String(length=36), nullable=True),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['image_id'], ['stored_image.id'], ),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('achievement',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('achievement_type', sa.String(length=60), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('alignments', sa.Text(), nullable=False),
    sa.Column('image_id', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['image_id'], ['stored_image.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uses_left', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'user_id')
    )
    op.create_table('issued_credential',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('vc_id', sa.String(length=600), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('signed_json', sa.Text(), nullable=False),
    sa.Column('status_list_id', sa.Integer(), nullable=True),
    sa.Column('status_index', sa.Integer(), nullable=True),
    sa.Column('created_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('achievement_id', sa.String(length=36), nullable=True),
    sa.Column('subject_ref', sa.String(length=600), nullable=True),
    sa.Column('peer_issued', sa.Boolean(), nullable=False),
    sa.Column('consent', sa.String(length=16), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('updated_at', issuer.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'], ),
    sa.ForeignKeyConstraint(['author_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuer.id'], ),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['status_list_id'], ['status_list.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('status_list_id', 'status_index')
    )
    with op.batch_alter_table('issued_credential', schema=None) as batch_op:
        batch_op.create_index('ix_issued_credential_recipient', ['recipient_user_id'], unique=False)
        batch_op.create_index('ix_issued_credential_subject', ['subject_ref'], unique=False)
        batch_op.create_index('ix_issued_credential_vc_id', ['vc_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('issued_credential', schema=None) as batch_op:
        batch_op.drop_index('ix_issued_credential_vc_id')
        batch_op.drop_index('ix_issued_credential_subject')
        batch_op.drop_index('ix_issued_credential_recipient')

    op.drop_table('issued_credential')
    op.drop_table('membership')
    op.drop_table('invitation')
    op.drop_table('achievement')
    op.drop_table('community')
    op.drop_table('api_token')
    op.drop_table('status_list')
    op.drop_table('signing_key')
    op.drop_table('app_user')
    op.drop_table('stored_image')
    op.drop_table('issuer')
