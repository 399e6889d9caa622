down_revision = "a1"
