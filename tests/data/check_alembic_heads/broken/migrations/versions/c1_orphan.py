revision: str = "c1"
down_revision: str = "gone"
depends_on = ("core", "missing")
