"""httpx-aiohttp's transport under the Datadog client, against real loopback servers that misbehave."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from bot.datadog.client import DatadogClient
from bot.datadog.http import DatadogHTTP, RetryPolicy
from bot.errors import DatadogConnectError, DatadogTimeout

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def serve(handler: Handler) -> tuple[asyncio.Server, str]:
    """A raw TCP server on a free loopback port, for answers no well-behaved framework would send."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    first, *lines = head.strip().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
    return first, headers, await reader.readexactly(length) if length else b""


@pytest.fixture
async def client_factory() -> AsyncIterator[Callable[[str], DatadogClient]]:
    clients: list[DatadogClient] = []

    def make(base_url: str) -> DatadogClient:
        client = DatadogClient(DatadogHTTP(base_url, "api-key", "app-key", timeout=0.3, policy=RetryPolicy(attempts=1)))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_request_goes_out_as_built_and_gzip_is_decoded(
    client_factory: Callable[[str], DatadogClient],
) -> None:
    """Method, path, JSON body and headers (names in any case, as HTTP allows) arrive; a gzip answer is decoded."""
    seen: list[tuple[str, dict[str, str], bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_request(reader))
        body = gzip.compress(json.dumps({"cancelled_ids": [7]}).encode())
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()

    server, url = await serve(handler)
    async with server:
        answer = await client_factory(url).cancel_by_scope("env:prod")
    assert answer.ids == (7,)
    (first, headers, body) = seen[0]
    assert first == "POST /api/v1/downtime/cancel/by_scope HTTP/1.1"
    assert {k.lower(): v for k, v in headers.items()}["dd-api-key"] == "api-key"
    assert json.loads(body) == {"scope": "env:prod"}


async def test_refused_connection_is_a_connect_error(client_factory: Callable[[str], DatadogClient]) -> None:
    """Nothing listening: DatadogConnectError."""
    with pytest.raises(DatadogConnectError):
        await client_factory("http://127.0.0.1:9").cancel_by_scope("env:prod")


async def test_silence_is_a_timeout(client_factory: Callable[[str], DatadogClient]) -> None:
    """A server that accepts and never answers: DatadogTimeout after the read timeout."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(2)
        writer.close()

    server, url = await serve(handler)
    async with server:
        with pytest.raises(DatadogTimeout):
            await client_factory(url).cancel_by_scope("env:prod")


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"can",
    b"",
    b"this is not HTTP at all\r\n\r\n",
], ids=["cut mid answer (100 bytes promised, 5 sent)", "hangs up at once", "not HTTP at all"])
async def test_a_broken_answer_is_a_connect_error(
    client_factory: Callable[[str], DatadogClient], answer: bytes
) -> None:
    """A half answer, silence then a hang-up, or bytes that are not HTTP: DatadogConnectError, never a half
    answer nor an aiohttp exception out of the client."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    server, url = await serve(handler)
    async with server:
        with pytest.raises(DatadogConnectError):
            await client_factory(url).cancel_by_scope("env:prod")


async def test_transport_is_usable_by_httpx_directly() -> None:
    """The transport answers plain httpx requests, keeping repeated response headers."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 204 No Content\r\nX-A: 1\r\nX-A: 2\r\n\r\n")
        await writer.drain()
        writer.close()

    server, url = await serve(handler)
    async with server, httpx.AsyncClient(transport=AiohttpTransport(limits=httpx.Limits(max_connections=4))) as http:
        response = await http.delete(f"{url}/api/v2/downtime/x")
    assert response.status_code == 204
    assert response.headers.get_list("x-a") == ["1", "2"]
