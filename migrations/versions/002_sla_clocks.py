"""sla clocks: one response-time clock per ticket, with its next deadline indexed

Revision ID: 002
Revises: 001
Create Date: 2026-11-22 20:48:15.821979
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision: str = "002"
down_revision: str | None = "001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("vip", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", bot.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", bot.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_sla_clocks_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_clocks")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_sla_clocks_ticket_id")),
    )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_clocks_next_due_at"), ["next_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_clocks_next_due_at"))
    op.drop_table("sla_clocks")
