"""Run-time fixes to Rasa 3.6 that do not change what Rasa does, only how fast.

Imported by ``bot.rasa_tracker_store`` (endpoints.yml's tracker store, which Rasa builds before
anything else) and by ``bot.nlu`` (Rasa imports our NLU components whenever it loads or trains a
model), so every ``rasa run`` / ``rasa test`` / ``rasa train`` of this project has them.

- ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every action-server
  answer. ``validate`` re-checks the (large, constant) events schema against the JSON-Schema
  meta-schema on every call before checking the answer: measured with py-spy, that was ~70 % of
  the Rasa process's CPU time per turn (2–3 action calls per message). Here the schema is checked
  once and its validator reused; the answer is validated exactly as before (same validator class,
  same ``best_match`` error, same message).
  On top of that, an answer is first checked event by event against the one branch of the
  schema's ``oneOf`` its ``event`` name selects (below); only an answer that fails goes through
  the full validator, for Rasa's own error.
- ``Event.resolve_by_type`` walked the whole ``Event`` class tree for every event it
  deserialised (every tracker read from the store, every action-server answer): ~6 % of the
  Rasa process's CPU. The type-name map is built once (and again if a name is not found, in case
  a plug-in defines an event class later).
- Every action call sends the whole tracker as JSON, written by the standard library's ``json``
  (~9 % of the Rasa process's CPU). ``ujson`` (one of Rasa's own dependencies) writes the same
  JSON several times faster; whatever it cannot write goes to ``json`` as before. Before that,
  Rasa turned every event of the conversation into a dict again for every call (~8 %); each
  event's dict is now kept with the tracker and reused while the event is the same object
  (Rasa never changes an event once it is on a tracker: it deep-copies to revise one).
- Rasa runs its NLU and policy graphs (a chain of ~15 nodes, twice per message and once per
  predicted action) through ``dask.get``, which re-plans the graph's execution order
  (``dask.order``) and runs a scheduler on every run: ~8 % of the Rasa process's CPU. The graph
  is run here by evaluating each target's needs depth-first, one node after the other in this
  thread as with ``dask.get`` (each node called once, with the same inputs; exceptions raised
  as they are). Only the order of nodes that do not depend on each other may differ; in Rasa's
  graphs those are the policies, which only read the tracker.
- SQLite: WAL journal and a connection pool for the tracker store (below).

When they apply (``apply()``, run on import): only on the Rasa they were written for, 3.6.x
(``SUPPORTED_RASA``; read with ``importlib.metadata``; the functions copied from Rasa are
3.6.21's, the version requirements.txt pins). On any other version, or if Rasa's version cannot
be read, a warning is logged and Rasa runs unpatched. ``RASA_PATCHES=off`` (also ``0``,
``false``, ``no``) in the environment turns them all off, with a warning; Rasa then behaves
the same, only slower (the figures above; the SQLite tracker store goes back to Rasa's one
connection per call and the rollback journal). Nothing here ever stops Rasa from starting.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional, Protocol, Text, Type

logger = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."  # the major.minor these patches were written for (3.6.21)
SWITCH = "RASA_PATCHES"
_OFF = {"off", "0", "false", "no"}

_validators: Dict[type, Any] = {}


class _ResponseSpec(Protocol):
    """What the validators need of ``RemoteAction`` (or a subclass); Rasa itself is untyped."""

    @staticmethod
    def action_response_format_spec() -> Dict[Text, Any]: ...


def _cached_validator(action_cls: Type[_ResponseSpec]) -> Any:
    validator = _validators.get(action_cls)
    if validator is None:
        from jsonschema.validators import validator_for

        schema = action_cls.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        validator = _validators[action_cls] = cls(schema)
    return validator


# The events schema is a ``oneOf`` over one branch per event type, each fixing ``event`` to a
# different constant, so an event can only ever match the branch of its own name: validating it
# against that branch alone gives the same answer as the ``oneOf``, for a fraction of the work.
_fast: Dict[type, Any] = {}


def _fast_validators(action_cls: Type[_ResponseSpec]) -> Any:
    fast = _fast.get(action_cls)
    if fast is None:
        import copy

        from jsonschema.validators import validator_for

        schema = copy.deepcopy(action_cls.action_response_format_spec())
        items = schema["properties"]["events"]["items"]
        branches = items.pop("oneOf")
        cls = validator_for(schema)
        by_event = {b["properties"]["event"]["const"]: cls(b) for b in branches}
        if len(by_event) != len(branches):
            raise RuntimeError("Rasa's events schema no longer has one branch per event name")
        fast = _fast[action_cls] = (cls(schema), by_event)
    return fast


def _quickly_valid(action_cls: Type[_ResponseSpec], result: Any) -> bool:
    envelope, by_event = _fast_validators(action_cls)
    if not envelope.is_valid(result):
        return False
    for event in result.get("events") or ():
        branch = by_event.get(event["event"])
        if branch is None or not branch.is_valid(event):
            return False
    return True


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    from jsonschema import exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    if _quickly_valid(type(self), result):
        return True
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


def _dumps(obj: Any) -> str:
    import json

    import ujson

    try:
        return ujson.dumps(obj, ensure_ascii=True, escape_forward_slashes=False)
    except (TypeError, ValueError, OverflowError):
        return json.dumps(obj)  # what Rasa wrote, or the error it would have raised


_EVENT_DICTS = "_event_dicts_for_action_server"


def _event_dicts(tracker: Any) -> List[Dict[Text, Any]]:
    """``[e.as_dict() for e in tracker.events]``, reusing the dicts made for earlier calls."""
    kept = tracker.__dict__.setdefault(_EVENT_DICTS, [])  # [(event, its dict)]
    dicts = []
    for i, event in enumerate(tracker.events):
        if i < len(kept) and kept[i][0] is event:
            dicts.append(kept[i][1])
            continue
        del kept[i:]
        kept.append((event, event.as_dict()))
        dicts.append(kept[i][1])
    del kept[len(dicts):]
    return dicts


def _action_call_format(self: Any, tracker: Any, domain: Any) -> Dict[Text, Any]:
    """Rasa's ``RemoteAction._action_call_format`` (3.6.21), with the events from ``_event_dicts``."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    tracker_state = tracker.current_state(EventVerbosity.NONE)
    tracker_state["events"] = _event_dicts(tracker)
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def _session(self: Any) -> Any:
    """Rasa's ``EndpointConfig.session`` (3.6.21), writing JSON bodies with ``_dumps``."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    auth = None
    if self.basic_auth:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        json_serialize=_dumps,
    )


def _get(graph: Dict[Text, Any], targets: Any) -> Any:
    """``dask.get`` for Rasa's graphs: a node is ``(GraphNode, *names of what it needs)``; an
    input is the literal ``(name, value)`` that dask hands over as it is."""
    results: Dict[Text, Any] = {}

    def value(key: Text) -> Any:
        if key not in results:
            task = graph[key]
            if isinstance(task, tuple) and task and callable(task[0]):
                results[key] = task[0](*(value(k) if k in graph else k for k in task[1:]))
            else:
                results[key] = task
        return results[key]

    return tuple(value(target) for target in targets)


def _run_graph(self: Any, inputs: Any = None, targets: Any = None) -> Dict[Text, Any]:
    """Rasa's ``DaskGraphRunner.run`` (3.6.21), with ``_get`` in place of ``dask.get``."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    minimal_schema = self._graph_schema.minimal_graph_schema(run_targets)
    run_graph = self._build_dask_graph(minimal_schema)
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(_get(run_graph, run_targets))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


_event_types: Dict[Text, type] = {}


def _resolve_by_type(type_name: Text, default: Any = None) -> Any:
    cls = _event_types.get(type_name)
    if cls is None:
        from rasa.shared.core.events import Event
        from rasa.shared.utils.common import all_subclasses

        for candidate in all_subclasses(Event):  # first one wins, as in Rasa's loop
            _event_types.setdefault(candidate.type_name, candidate)
        cls = _event_types.get(type_name)
    if cls is not None:
        return cls
    return _rasa_resolve_by_type(type_name, default)  # Rasa's own answer for unknown names


def install() -> None:
    global _rasa_resolve_by_type, _rasa_action_call_format
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event
    from rasa.utils.endpoints import EndpointConfig

    if getattr(RemoteAction._validate_action_result, "__module__", None) != __name__:
        RemoteAction._validate_action_result = _validate_action_result
    if RemoteAction._action_call_format is not _action_call_format:
        _rasa_action_call_format = RemoteAction._action_call_format  # kept for the tests
        RemoteAction._action_call_format = _action_call_format
    if DaskGraphRunner.run is not _run_graph:
        DaskGraphRunner.run = _run_graph
    if EndpointConfig.session is not _session:
        EndpointConfig.session = _session
    if Event.resolve_by_type is not _resolve_by_type:
        _rasa_resolve_by_type = Event.resolve_by_type
        Event.resolve_by_type = staticmethod(_resolve_by_type)


_rasa_resolve_by_type: Any = None
_rasa_action_call_format: Any = None


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


# -- when the patches apply -------------------------------------------------------------------------
def rasa_version() -> Optional[str]:
    """The installed rasa's version, or None if it cannot be read."""
    from importlib import metadata

    try:
        return metadata.version("rasa")
    except metadata.PackageNotFoundError:
        return None


def wanted() -> bool:
    """False if RASA_PATCHES turns the patches off, or the installed Rasa is not the one they
    were written for; the reason is logged as a warning."""
    switch = os.environ.get(SWITCH, "").strip().lower()
    if switch in _OFF:
        logger.warning("Rasa patches off (%s=%s): Rasa runs unpatched, slower "
                       "(bot/rasa_patches.py, docs/performance.md)", SWITCH, switch)
        return False
    version = rasa_version()
    if version is None or not version.startswith(SUPPORTED_RASA):
        logger.warning("Rasa patches not applied: they were written for rasa %sx, the installed "
                       "rasa is %s. Rasa runs unpatched, slower; check each patch in "
                       "bot/rasa_patches.py against this version before widening SUPPORTED_RASA",
                       SUPPORTED_RASA, version or "unknown")
        return False
    return True


def apply() -> bool:
    """Installs every patch above if ``wanted()``; returns whether it did."""
    if not wanted():
        return False
    install()
    install_sqlite_pragmas()
    install_sqlite_pool()
    return True


APPLIED = apply()
