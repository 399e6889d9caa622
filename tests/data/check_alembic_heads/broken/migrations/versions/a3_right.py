revision = "a3"
down_revision = "a1"
branch_labels = "core"
migration_contract = "maybe"


def downgrade():
    """Nothing to do."""
    pass
