revision = "b1"
down_revision = "b2"
