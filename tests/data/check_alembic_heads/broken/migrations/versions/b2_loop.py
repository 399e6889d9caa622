revision = "b2"
down_revision = "b1"  # ready: ignore[revision-cycle]
