"""PII at rest: free text stored masked, the full text Fernet-encrypted beside it.

Adds cases.description_enc, cases.demand_enc and case_transcript.text_enc, and seals the rows
already there (bot/casedesk/pii.py): phone, ID and card numbers and the case's customer name
masked in the plain column, the full text encrypted with CASEDESK_SECRET_KEY. The history of
description / demand corrections keeps masked values only. Running it again changes nothing
(a sealed row is already masked). Downgrade puts the full text back and drops the columns.

The key comes from the app (db.alembic_config puts it in config.attributes) or, when an
operator runs alembic by hand, from the settings (CASEDESK_SECRET_KEY).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from typing import Dict, Optional

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 500


def _cipher():
    from bot.crypto import PiiCipher

    key = context.config.attributes.get("secret_key")
    if not key:
        from bot.casedesk.settings import load_settings

        key = load_settings().secret_key
    return PiiCipher(key)


def _batches(conn, sql: str, **params):
    """Rows of `sql` (ordered by id, with `id > :after`) in batches, so a large table is never
    held in memory at once."""
    after = 0
    while True:
        rows = conn.execute(sa.text(sql), dict(params, after=after, n=BATCH)).all()
        if not rows:
            return
        yield rows
        after = rows[-1].id


def upgrade() -> None:
    op.add_column("cases", sa.Column("description_enc", sa.Text()))
    op.add_column("cases", sa.Column("demand_enc", sa.Text()))
    op.add_column("case_transcript", sa.Column("text_enc", sa.Text()))

    from bot.casedesk.cases import pii

    conn = op.get_bind()
    cipher = None
    names: Dict[int, list] = {}

    def get_cipher():
        nonlocal cipher
        cipher = cipher or _cipher()
        return cipher

    for rows in _batches(
        conn,
        "SELECT id, customer_name_enc, description, demand FROM cases "
        "WHERE id > :after ORDER BY id LIMIT :n",
    ):
        for r in rows:
            case_names = pii.case_names(get_cipher(), r.customer_name_enc)
            names[r.id] = case_names
            desc, desc_enc = pii.seal(get_cipher(), r.description, case_names)
            demand, demand_enc = pii.seal(get_cipher(), r.demand, case_names)
            if desc_enc or demand_enc:
                conn.execute(
                    sa.text(
                        "UPDATE cases SET description = :d, description_enc = :de, "
                        "demand = :m, demand_enc = :me WHERE id = :id"
                    ),
                    dict(d=desc, de=desc_enc, m=demand, me=demand_enc, id=r.id),
                )

    for rows in _batches(
        conn,
        "SELECT id, case_id, text FROM case_transcript WHERE id > :after ORDER BY id LIMIT :n",
    ):
        for r in rows:
            text, enc = pii.seal(get_cipher(), r.text, names.get(r.case_id, []))
            if enc:
                conn.execute(
                    sa.text("UPDATE case_transcript SET text = :t, text_enc = :e WHERE id = :id"),
                    dict(t=text, e=enc, id=r.id),
                )

    for rows in _batches(
        conn,
        "SELECT id, case_id, old_value, new_value FROM case_events "
        "WHERE id > :after AND field IN ('description', 'demand') ORDER BY id LIMIT :n",
    ):
        for r in rows:
            case_names = names.get(r.case_id, [])
            old: Optional[str] = pii.mask(r.old_value, case_names)
            new: Optional[str] = pii.mask(r.new_value, case_names)
            if (old, new) != (r.old_value, r.new_value):
                conn.execute(
                    sa.text("UPDATE case_events SET old_value = :o, new_value = :n WHERE id = :id"),
                    dict(o=old, n=new, id=r.id),
                )


def downgrade() -> None:
    conn = op.get_bind()
    cipher = None
    for rows in _batches(
        conn,
        "SELECT id, text_enc AS enc FROM case_transcript "
        "WHERE id > :after AND text_enc IS NOT NULL ORDER BY id LIMIT :n",
    ):
        cipher = cipher or _cipher()
        for r in rows:
            conn.execute(
                sa.text("UPDATE case_transcript SET text = :t WHERE id = :id"),
                dict(t=cipher.decrypt(r.enc), id=r.id),
            )
    for rows in _batches(
        conn,
        "SELECT id, description_enc, demand_enc FROM cases WHERE id > :after AND "
        "(description_enc IS NOT NULL OR demand_enc IS NOT NULL) ORDER BY id LIMIT :n",
    ):
        cipher = cipher or _cipher()
        for r in rows:
            if r.description_enc:
                conn.execute(
                    sa.text("UPDATE cases SET description = :v WHERE id = :id"),
                    dict(v=cipher.decrypt(r.description_enc), id=r.id),
                )
            if r.demand_enc:
                conn.execute(
                    sa.text("UPDATE cases SET demand = :v WHERE id = :id"),
                    dict(v=cipher.decrypt(r.demand_enc), id=r.id),
                )
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), not batch mode: batch mode copies
    # `cases` into a new table and drops the old one, and with foreign keys on, that drop
    # deletes every transcript turn and event through ON DELETE CASCADE
    op.drop_column("case_transcript", "text_enc")
    op.drop_column("cases", "demand_enc")
    op.drop_column("cases", "description_enc")
