"""k2_drop_sessions: one branch from k1"""
from alembic import op

revision = "k2_drop_sessions"
down_revision = "k1_sessions"
migration_contract = "destructive"
no_downgrade = "the sessions are gone with their rows"


def upgrade():
    op.drop_table("legacy_sessions")


def downgrade():
    pass
