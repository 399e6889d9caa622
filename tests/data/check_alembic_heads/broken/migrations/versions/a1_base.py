revision = "a1"
down_revision = None
branch_labels = ("core",)
migration_contract = "safe_online"


def downgrade():
    op.drop_table("t")
