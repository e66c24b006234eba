"""Run-time fixes to Rasa 3.6 that do not change what Rasa does, only how fast.

Imported by ``bot.nlu`` (Rasa imports our custom NLU components whenever it loads or trains a
model), so every ``rasa run`` / ``rasa test`` / ``rasa train`` of this project has them.

- ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every action-server
  answer. ``validate`` re-checks the (large, constant) events schema against the JSON-Schema
  meta-schema on every call before checking the answer: measured with py-spy, that was ~70 % of
  the Rasa process's CPU time per turn (2–3 action calls per message). Here the schema is checked
  once and its validator reused; the answer is validated exactly as before (same validator class,
  same ``best_match`` error, same message).
- SQLite: WAL journal and a connection pool for the tracker store (below).
"""
from __future__ import annotations

from typing import Any, Dict, Text

_validators: Dict[type, Any] = {}


def _cached_validator(action_cls: type) -> Any:
    validator = _validators.get(action_cls)
    if validator is None:
        from jsonschema.validators import validator_for

        schema = action_cls.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        validator = _validators[action_cls] = cls(schema)
    return validator


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    from jsonschema import exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_cached_validator(type(self)).iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "__module__", None) != __name__:
        RemoteAction._validate_action_result = _validate_action_result


install()


# - The SQL tracker store commits once per message, synchronously on Sanic's event loop. With
#   SQLite's default rollback journal every commit costs several fsyncs (~15 ms measured on this
#   machine's ext4 disk) during which no other conversation is served. In WAL mode with
#   synchronous=NORMAL a commit is ~0.03 ms; the database stays consistent after a crash of the
#   process or the machine, and at worst the last turns before a power loss are lost (the case
#   itself lives in the case desk and the action server's outbox, which this does not touch).
#   Only SQLite connections opened by the Rasa process are affected; PostgreSQL is untouched.
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def install_sqlite_pragmas() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


install_sqlite_pragmas()


# - SQLAlchemy 1.4 gives a file-based SQLite engine a NullPool: Rasa's tracker store opened and
#   closed a new connection (and ran the pragmas above) for every retrieve and every save, ~8 %
#   of the Rasa process's CPU at 20 concurrent conversations. A small queue pool keeps them open.
#   check_same_thread=False only lets the pool hand a connection to another thread; the pool
#   still gives each connection to one user at a time. PostgreSQL's kwargs are Rasa's own.
def _create_engine_kwargs(url: Any) -> Dict[Text, Any]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    kwargs = _rasa_create_engine_kwargs(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        kwargs.update(poolclass=QueuePool, pool_size=2, max_overflow=8,
                      connect_args={"check_same_thread": False})
    return kwargs


def install_sqlite_pool() -> None:
    global _rasa_create_engine_kwargs
    from rasa.core import tracker_store

    if tracker_store.create_engine_kwargs is not _create_engine_kwargs:
        _rasa_create_engine_kwargs = tracker_store.create_engine_kwargs
        tracker_store.create_engine_kwargs = _create_engine_kwargs


_rasa_create_engine_kwargs: Any = None
install_sqlite_pool()
