"""A small JSON API behind an HTTP trigger (API-gateway events in, API-gateway answers out).

Deployed with a prefix trigger on /api, it serves:

    GET  /api/hello?name=Ada        -> {"greeting": "Hello, Ada!"}
    POST /api/sum  {"numbers": [..]} -> {"sum": ...}
    anything else                   -> 404, or 405 for a known path with the wrong method

The route is ``pathParameters.proxy``: the part of the path below the trigger's own.
"""

import base64
import json


def _answer(status, document):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(document),
        "isBase64Encoded": False,
    }


def _body(event):
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    return json.loads(raw) if raw else {}


def hello(event):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    return _answer(200, {"greeting": f"Hello, {name}!"})


def add_up(event):
    try:
        numbers = _body(event)["numbers"]
        total = sum(float(n) for n in numbers)
    except (ValueError, KeyError, TypeError):
        return _answer(400, {"error": 'send {"numbers": [1, 2, 3]}'})
    return _answer(200, {"sum": total, "count": len(numbers)})


ROUTES = {"hello": {"GET": hello}, "sum": {"POST": add_up}}


def handler(event, context):
    route = (event.get("pathParameters") or {}).get("proxy", "").strip("/")
    methods = ROUTES.get(route)
    if methods is None:
        return _answer(404, {"error": f"no route /{route}", "routes": sorted(ROUTES)})
    serve = methods.get(event.get("httpMethod", "GET"))
    if serve is None:
        return _answer(405, {"error": f"/{route} takes {', '.join(methods)}"})
    return serve(event)
