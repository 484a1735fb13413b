"""An httpx transport over one aiohttp session: httpx's interface, aiohttp's connection pool.

Profiling the bot under load (see the README's Performance section) showed httpcore's pool costing
more CPU than everything else together: for every request it walks every pooled connection, with
socket checks, and retries assignments; at 10 concurrent previews a Datadog request cost about 1 to 4 ms
of CPU on the event loop that also answers Slack. aiohttp, already here under Bolt, does the same
request for a tenth of that. The client keeps httpx's API (and `httpx.MockTransport` in tests).
"""

from __future__ import annotations

import aiohttp
import httpx

_DECODED = (b"content-encoding", b"content-length", b"transfer-encoding")


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through a shared aiohttp session; maps aiohttp's errors to httpx's."""

    def __init__(self, max_connections: int) -> None:
        self._limit = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Made on first use, inside the running event loop, as aiohttp requires.
            connector = aiohttp.TCPConnector(limit=self._limit, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=True)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeouts.get("connect"),
            sock_connect=timeouts.get("connect"),
            sock_read=timeouts.get("read"),
        )
        try:
            async with self._client().request(
                request.method,
                str(request.url),
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
                data=await request.aread() or None,
                timeout=timeout,
                allow_redirects=False,
                skip_auto_headers=("Content-Type",),
            ) as response:
                content = await response.read()
                # aiohttp has already decompressed the body, so its encoding and length no longer apply.
                headers = [(k, v) for k, v in response.raw_headers if k.lower() not in _DECODED]
                return httpx.Response(status_code=response.status, headers=headers, content=content, request=request)
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.TransportError(str(exc) or type(exc).__name__, request=request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
