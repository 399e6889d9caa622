revision = "a2"
down_revision = "a1"
