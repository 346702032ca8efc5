"""The floors for benchmarks/obs_bench.py's small objects: servers that do nothing but answer.

Each answers every request the way S3 answers the benchmark's small PUTs and GETs (an ETag,
and 4 KiB of body for a GET) without storing or checking anything, so the rate a boto3 client
reaches against it is the most any server can show through that client on this machine:

- ``canned``: a bare asyncio protocol writing prepared bytes, the client's own ceiling;
- ``uvicorn``: an ASGI app served exactly as ``welkin up`` serves Welkin (its socket, uvicorn
  settings and event loop), which reads each request body through ASGI: the floor of Welkin's
  HTTP stack.

Run as ``python benchmarks/s3_floor.py canned|uvicorn PORT``.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

SMALL = 4 << 10
_ETAG = b'"0f343b0931126a20f133d67c2b018a3b"'
_GET_BODY = b"x" * SMALL
_GET_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: binary/octet-stream\r\nETag: %s\r\nContent-Length: %d\r\n\r\n"
    % (_ETAG, SMALL)
)
_PUT_REPLY = b"HTTP/1.1 200 OK\r\nETag: %s\r\nContent-Length: 0\r\n\r\n" % _ETAG
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


async def _skip_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            line = b""
            while line != b"\r\n":  # trailers, then the blank line
                line = await reader.readuntil(b"\r\n")
            return
        await reader.readexactly(size + 2)


async def _canned_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lowered = head.lower()
            if b"expect: 100-continue" in lowered:
                writer.write(_CONTINUE)
            length = 0
            for line in lowered.split(b"\r\n")[1:]:
                if line.startswith(b"content-length:"):
                    length = int(line[15:])
            if b"transfer-encoding: chunked" in lowered:
                await _skip_chunked(reader)
            elif length:
                await reader.readexactly(length)
            writer.write(_GET_HEAD + _GET_BODY if head.startswith(b"GET ") else _PUT_REPLY)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def _serve_canned(port: int) -> None:
    server = await asyncio.start_server(_canned_connection, "127.0.0.1", port)
    await server.serve_forever()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    get = scope["method"] == "GET"
    headers = [(b"etag", _ETAG), (b"content-length", b"%d" % (SMALL if get else 0))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _GET_BODY if get else b""})


def _serve_uvicorn(port: int) -> None:
    import uvicorn

    from welkin.cli.up import _bind

    sock = _bind("127.0.0.1", port)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=10
    )
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


def main(kind: str, port: int) -> None:
    if kind == "canned":
        asyncio.run(_serve_canned(port))
    elif kind == "uvicorn":
        _serve_uvicorn(port)
    else:
        raise SystemExit(f"unknown floor {kind!r}: canned or uvicorn")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
