"""Case search in the console (issue 15): a keyed hash of the customer's full name, and a detail
column on the audit log.

- `cases.customer_name_hash`: HMAC of the normalised full name (pii.name_hash), so the console's
  case list finds a case by name without decrypting anything; indexed with created_at for the
  newest-first page. Rows already stored are back-filled by decrypting their name with
  CASEDESK_SECRET_KEY (from the app, or from the settings when an operator runs alembic by
  hand, as 0005 does). A row whose name cannot be decrypted with that key is left without a
  hash (a warning counts them): it is still found by case number and phone.
- `audit_log.detail`: what an action on many cases covered — an export's filters (PII masked)
  and its row count.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
import logging

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 500

log = logging.getLogger("alembic.runtime.migration")


def _cipher():
    from bot.crypto import PiiCipher

    key = context.config.attributes.get("secret_key")
    if not key:
        from bot.casedesk.settings import load_settings

        key = load_settings().secret_key
    return PiiCipher(key)


def _backfill() -> None:
    from bot.casedesk.cases import pii
    from bot.crypto import DecryptionFailed

    conn = op.get_bind()
    cipher = None
    failed = 0
    after = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, customer_name_enc FROM cases WHERE id > :after "
                "AND customer_name_enc IS NOT NULL ORDER BY id LIMIT :n"
            ),
            dict(after=after, n=BATCH),
        ).all()
        if not rows:
            break
        after = rows[-1].id
        cipher = cipher or _cipher()  # no key needed for an empty table
        for r in rows:
            try:
                value = pii.name_hash(cipher, cipher.decrypt(r.customer_name_enc))
            except DecryptionFailed:
                failed += 1
                continue
            conn.execute(
                sa.text("UPDATE cases SET customer_name_hash = :h WHERE id = :id"),
                dict(h=value, id=r.id),
            )
    if failed:
        log.warning(
            "cases: %d customer names could not be decrypted with CASEDESK_SECRET_KEY; "
            "those cases cannot be found by name", failed,
        )


def upgrade() -> None:
    # plain ALTER TABLE (no batch copy of `cases`: on SQLite that would cascade-delete the rows
    # that reference it, see 0004)
    op.add_column("cases", sa.Column("customer_name_hash", sa.String(64)))
    op.create_index("ix_cases_name_lookup", "cases", ["customer_name_hash", "created_at"])
    op.add_column("audit_log", sa.Column("detail", sa.Text()))
    _backfill()


def downgrade() -> None:
    op.drop_column("audit_log", "detail")
    op.drop_index("ix_cases_name_lookup", table_name="cases")
    op.drop_column("cases", "customer_name_hash")
