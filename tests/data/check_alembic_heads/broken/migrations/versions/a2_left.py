revision = "a2"
down_revision = "a1"
migration_contract = "destructive"
no_downgrade = "drops a column"
