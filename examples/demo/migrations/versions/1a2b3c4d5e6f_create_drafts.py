"""create drafts

Revision ID: 1a2b3c4d5e6f
Revises:
Create Date: 2026-10-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision: str = "1a2b3c4d5e6f"
down_revision: str | None = None
branch_labels = None
depends_on = None

migration_contract = "safe_online"


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("drafts")
