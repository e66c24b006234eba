"""The OpenAPI document describes exactly the routes the app serves."""
from __future__ import annotations

from typing import Any, Set, Tuple

from bot.casedesk.main import init_app
from bot.casedesk.openapi import build_openapi
from bot.casedesk.settings import Settings

from .helpers import SECRET, TOKEN

METHODS = {"get", "post", "put", "patch", "delete"}


def router_routes() -> Set[Tuple[str, str]]:
    """The service routes: /api/* and /healthz. Pages for people (/chat, static files) are not
    part of the API and are not described."""
    app = init_app(Settings(token=TOKEN, secret_key=SECRET, db_url="sqlite+aiosqlite:////tmp/unused.db"))
    out = set()
    for route in app.router.routes():
        method = route.method.lower()
        if method in METHODS and route.resource is not None:
            path = route.resource.canonical
            if path.startswith("/api/") or path == "/healthz":
                out.add((path, method))
    return out


def documented_routes(doc: Any) -> Set[Tuple[str, str]]:
    return {(path, m) for path, item in doc["paths"].items() for m in item if m in METHODS}


def test_paths_and_methods_match_the_router() -> None:
    assert documented_routes(build_openapi()) == router_routes()


def test_refs_resolve_and_errors_share_one_schema() -> None:
    doc = build_openapi()
    schemas = doc["components"]["schemas"]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                assert ref.startswith("#/components/schemas/") and ref.split("/")[-1] in schemas
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            assert op["responses"], (path, method)
            for code, resp in op["responses"].items():
                if code.startswith(("4", "5")) and path.startswith("/api/cases"):
                    assert resp["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


async def test_served_document_is_the_built_one(api: Any) -> None:
    status, body = await api.call("GET", "/api/openapi.json", auth=False)
    assert status == 200 and body == build_openapi()
