"""The tables the migrations build, as SQLAlchemy sees them: `alembic check` compares them with
the schema at head (migration-smoke's model check)."""

import sqlalchemy as sa

metadata = sa.MetaData()

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
)

collaborators = sa.Table(
    "collaborators",
    metadata,
    sa.Column("draft_id", sa.Integer, sa.ForeignKey("drafts.id"), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
)

segments = sa.Table(
    "segments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("draft_id", sa.Integer, sa.ForeignKey("drafts.id"), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
