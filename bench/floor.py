"""The floor: a minimal Bolt AsyncApp on the same aiohttp server stack that only acks.

`python -m bench.floor` reads SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL and PORT like the
bot, registers the same command and button action IDs with listeners that only call ack(), and
prints one JSON line `{"message": "listening on http://127.0.0.1:<port>/slack/events"}` when ready.
"""

from __future__ import annotations

import asyncio
import json
import os

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import COMMAND
from bot.slack.views.action_ids import CONFIRM_ACTION, KEEP_ACTION


async def only_ack(ack: AsyncAck) -> None:
    """Acknowledge and do nothing else."""
    await ack()


async def main() -> None:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    # process_before_response=True is Bolt's fastest ack: the listener is awaited, not polled every 10 ms.
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=True)
    app.command(COMMAND)(only_ack)
    app.action(CONFIRM_ACTION)(only_ack)
    app.action(KEEP_ACTION)(only_ack)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.add_routes([web.post("/slack/events", events)])
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(os.environ.get("PORT", "0"))).start()
    port = runner.addresses[0][1]
    print(json.dumps({"message": f"listening on http://127.0.0.1:{port}/slack/events"}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
