revision = "f1"
down_revision = "a3"

def upgrade(:
    pass
