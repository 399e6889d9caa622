"""index

Revision ID: c3
Revises: c2
"""
from typing import Union

from alembic import op

revision: str = "c3"
down_revision: Union[str, None] = "c2"
branch_labels: Union[str, None] = None
depends_on: Union[str, None] = None
migration_contract = "safe_online"


def upgrade() -> None:
    op.create_index("ix_users_id", "users", ["id"])


def downgrade() -> None:
    op.drop_index("ix_users_id")
