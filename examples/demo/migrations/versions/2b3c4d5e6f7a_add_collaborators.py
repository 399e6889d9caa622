"""add collaborators

Revision ID: 2b3c4d5e6f7a
Revises: 1a2b3c4d5e6f
Create Date: 2026-10-08 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision: str = "2b3c4d5e6f7a"
down_revision: str | None = "1a2b3c4d5e6f"
branch_labels = None
depends_on = None

migration_contract = "safe_online"


def upgrade() -> None:
    op.create_table(
        "collaborators",
        sa.Column("draft_id", sa.Integer, sa.ForeignKey("drafts.id"), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("collaborators")
