"""The baseline for benchmarks/iam_bench.py: the smallest ASGI app uvicorn can serve.

It answers every request with a small JSON body, so the difference between it and Welkin
on the same uvicorn settings is what Welkin itself costs (routing, auth, store, rendering).
"""

from __future__ import annotations

from typing import Any

_BODY = b'{"domains":[{"id":"0","name":"hello"}]}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})


def main(port: int) -> None:
    """Serve ``app`` exactly as ``welkin up`` serves Welkin: its socket, uvicorn settings and loop."""
    import asyncio

    import uvicorn

    from welkin.cli.up import _bind

    sock = _bind("127.0.0.1", port)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=10
    )
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


if __name__ == "__main__":
    import sys

    main(int(sys.argv[1]))
