"""k4_merge"""

revision = "k4_merge"
down_revision = ("k2_drop_sessions", "k3_accounts")
migration_contract = "safe_online"


def upgrade():
    pass


def downgrade():
    pass
