"""create candidates

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "candidates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("posting_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("file_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column(
            "profile",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "breakdown",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "matched_skills",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "missing_skills",
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
            ["file_id"],
            ["files.id"],
            name=op.f("fk_candidates_file_id_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_candidates_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_candidates_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_candidates_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint(
            "posting_id", "file_id", name=op.f("uq_candidates_posting_id_file_id")
        ),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidates_file_id"), ["file_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_candidates_job_id"), ["job_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_candidates_owner_id"), ["owner_id"], unique=False
        )
        batch_op.create_index(
            "ix_candidates_posting_score", ["posting_id", "score", "id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("candidates")
