"""CPU per Datadog request through each httpx transport the bot could use, against one loopback server.

    .venv/bin/python -m bench.transports [--requests 3000] [--concurrency 10]

Compares, in one process and one run, httpx's own pool (httpcore) and `httpx-aiohttp`'s transport
(what the bot uses), each sending the same GET of a 30-item JSON downtime page `--requests` times
from `--concurrency` tasks, and reading the body as the bot does. (The bot's own aiohttp transport,
which the library replaced, measured 0.68 and 0.76 ms against the library's 0.70 and 0.70 ms in two
runs of this script on 2026-11-26: no measurable difference.)
The server runs in this process too, so the figures are CPU per request, server included: only the
differences between rows matter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
from aiohttp import web
from httpx_aiohttp import AiohttpTransport

PAGE = json.dumps({"data": [{"id": f"id-{i}", "type": "downtime", "attributes": {"scope": "env:prod"}}
                            for i in range(30)]}).encode()


async def measure(make: object, url: str, requests: int, concurrency: int) -> float:
    """CPU milliseconds per request (process time) for a client built by `make`."""
    client: httpx.AsyncClient = make()  # type: ignore[operator]
    async with client:
        await client.get(url)  # warm-up: the connection
        started = time.process_time()
        left = list(range(requests))

        async def worker() -> None:
            while left:
                left.pop()
                response = await client.get(url, params={"page[offset]": "0"})
                response.json()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return (time.process_time() - started) / requests * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()

    async def page(_: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="application/json")

    app = web.Application()
    app.add_routes([web.get("/api/v2/downtime", page)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v2/downtime"
    clients = {
        "httpx's own pool (httpcore)": lambda: httpx.AsyncClient(limits=httpx.Limits(max_connections=32)),
        "httpx-aiohttp (what the bot uses)": lambda: httpx.AsyncClient(
            transport=AiohttpTransport(limits=httpx.Limits(max_connections=32))),
    }
    print(f"{args.requests} GETs of a 30-item page, {args.concurrency} at a time, server in the same process\n")
    print("| transport | CPU per request, best of 3 |")
    print("| --- | ---: |")
    for name, make in clients.items():
        best = min([await measure(make, url, args.requests, args.concurrency) for _ in range(3)])
        print(f"| {name} | {best:.3f} ms |", flush=True)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
