"""create postings

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "required_skills",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "preferred_skills",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql"),
            nullable=False,
        ),
        sa.Column("min_years_experience", sa.Float(), nullable=True),
        sa.Column("education_level", sa.String(length=32), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column(
            "weights",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql"),
            nullable=True,
        ),
        sa.Column(
            "spec",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_postings_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
    )
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_postings_owner_created", ["owner_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("postings")
