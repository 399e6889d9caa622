import sqlalchemy as sa

metadata = sa.MetaData()
items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # No migration adds this column.
    sa.Column("name", sa.String(100)),
)
