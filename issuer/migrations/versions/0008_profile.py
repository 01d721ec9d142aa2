"""app_user.headline and app_user.photo_id: the profile a person edits

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

A one-line headline under the name, and a photo (a stored image, checked like achievement
images). Old photos stay in stored_image: credentials signed while they were current name
their URL.
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable ADD COLUMNs: no copy of app_user (other tables reference it). SQLite cannot
    # add a constraint to an existing table, so there the reference is the column's own clause.
    op.add_column('app_user', sa.Column('headline', sa.String(length=160), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE app_user ADD COLUMN photo_id VARCHAR(36) REFERENCES stored_image (id)')
    else:
        op.add_column('app_user', sa.Column('photo_id', sa.String(length=36), nullable=True))
        op.create_foreign_key('fk_app_user_photo_id_stored_image', 'app_user', 'stored_image',
                              ['photo_id'], ['id'])


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+), as 0005 does.
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_app_user_photo_id_stored_image', 'app_user', type_='foreignkey')
    op.drop_column('app_user', 'photo_id')
    op.drop_column('app_user', 'headline')
