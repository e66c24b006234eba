"""The OpenAPI document describes exactly the routes the app serves."""
from __future__ import annotations

from typing import Any, Set, Tuple

from bot.casedesk.app import init_app
from bot.casedesk.api.openapi import build_openapi
from bot.casedesk.settings import Settings

from .helpers import SECRET, TOKEN

METHODS = {"get", "post", "put", "patch", "delete"}


def router_routes() -> Set[Tuple[str, str]]:
    """The service routes: /api/*, /healthz and /metrics. Pages for people (/chat, static files)
    are not part of the API and are not described."""
    app = init_app(Settings(token=TOKEN, secret_key=SECRET, db_url="sqlite+aiosqlite:////tmp/unused.db"))
    out = set()
    for route in app.router.routes():
        method = route.method.lower()
        if method in METHODS and route.resource is not None:
            path = route.resource.canonical
            if path.startswith("/api/") or path in ("/healthz", "/metrics"):
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


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` in JSON Schema terms, so jsonschema can check real answers."""
    if isinstance(node, list):
        return [json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "oneOf" in out:
            out["oneOf"] = [*out["oneOf"], {"type": "null"}]
    return out


def check_against_document(path: str, method: str, status: int, body: Any) -> None:
    import jsonschema

    doc = json_schema(build_openapi())
    schema = doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema.validate(body, {**schema, "components": doc["components"]})


async def test_progress_lookup_answers_match_the_document(api: Any, clock: Any) -> None:
    """Every kind of answer of the progress lookup, validated against its schema in the document."""
    _, case = await api.create()
    path = "/api/progress/lookup"
    seen = set()
    for conversation, case_no, last4 in [
        ("rest:doc", case["case_no"], "5678"),     # 200
        ("rest:doc", case["case_no"], "0000"),     # 403
        ("rest:doc", case["case_no"], "1111"),     # 403
        ("rest:doc", case["case_no"], "2222"),     # 429
        ("rest:none", None, "5678"),               # 404
        ("rest:doc", case["case_no"], "12"),       # 400
    ]:
        body = {"conversation_id": conversation, "phone_last4": last4}
        if case_no:
            body["case_no"] = case_no
        status, answer = await api.call("POST", path, json=body)
        check_against_document(path, "post", status, answer)
        seen.add(status)
    assert seen == {200, 400, 403, 404, 429}
