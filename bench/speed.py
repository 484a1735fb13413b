"""Acks against the framework's own floor, overhead per flow, start-up time and memory.

    .venv/bin/python -m bench.speed [--requests 300] [--flows 1000]

Starts the real bot (`python -m bot`, HTTP mode) and the floor (`python -m bench.floor`: a bare Bolt
app on the same aiohttp stack that only acks) as separate processes, against loopback fakes of Slack
and Datadog in this process, and sends both the same signed requests. Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from bench.fakes import BenchDatadog, BenchSlack
from bench.processes import ROOT, Proc, spawn
from bot.slack.views.action_ids import CONFIRM_ACTION
from tests.fakes import Recorded, action_body, command_body, sign
from tests.helpers import SIGNING_SECRET, base_env


async def post_all(http: httpx.AsyncClient, url: str, bodies: Sequence[bytes], concurrency: int) -> list[float]:
    """Post every body (signed) back to back from `concurrency` clients; each ack's latency, in body order."""
    queue = list(reversed(range(len(bodies))))
    latencies = [0.0] * len(bodies)

    async def worker() -> None:
        while queue:
            index = queue.pop()
            body = bodies[index]
            started = time.perf_counter()
            response = await http.post(url, content=body, headers=sign(body, SIGNING_SECRET))
            latencies[index] = time.perf_counter() - started
            assert response.status_code == 200, response.text

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": ordered[-1] * 1000}


def row(name: str, bot: list[float], floor: list[float]) -> str:
    b, f = stats(bot), stats(floor)
    cells = " | ".join(f"{b[k]:.1f} ({f[k]:.1f}, {b[k] / f[k]:.2f}x)" for k in ("p50", "p90", "p99", "max"))
    return f"| {name} | {cells} |"


class Harness:
    """The fakes, the bot, the floor, and the client that drives them."""

    def __init__(self, slack: BenchSlack, datadog: BenchDatadog, bot: Proc, floor: Proc, http: httpx.AsyncClient):
        self.slack, self.datadog, self.bot, self.floor, self.http = slack, datadog, bot, floor, http
        self.serial = 0

    def names(self, prefix: str, count: int) -> list[str]:
        self.serial += 1
        return [f"{prefix}{self.serial}-{i}" for i in range(count)]

    def commands(self, names: list[str]) -> list[bytes]:
        return [command_body("env:prod", response_url=self.slack.response_url(n)) for n in names]

    async def prompts(self, names: list[str]) -> list[str]:
        """Wait for the prompts sent to these response URLs; return their confirmation IDs."""
        values = []
        for name in names:
            post = await self.slack.next_at(f"/response/{name}", within=120)
            actions = next(b for b in post.json()["blocks"] if b["type"] == "actions")
            values.append(actions["elements"][0]["value"])
        return values

    def clicks(self, values: list[str], names: list[str]) -> list[bytes]:
        pairs = zip(values, names, strict=True)
        return [action_body(CONFIRM_ACTION, v, response_url=self.slack.response_url(n)) for v, n in pairs]

    async def outcomes(self, names: list[str], within: float = 120) -> list[Recorded]:
        return [
            await self.slack.next_at(f"/response/{n}", lambda r: b"in_channel" in r.body, within) for n in names
        ]

    async def level(self, count: int, concurrency: int) -> tuple[list[float], list[float], list[float], list[float]]:
        """The same stream of commands and confirm clicks (on real prompts), sent back to back by
        `concurrency` clients to the floor and then to the bot. Acks: bot commands, bot clicks,
        floor commands, floor clicks."""
        prompt_names = self.names("pre", count)
        await post_all(self.http, self.bot.url, self.commands(prompt_names), 10)
        values = await self.prompts(prompt_names)
        command_names, click_names = self.names("cmd", count), self.names("click", count)
        stream = [b for pair in zip(self.commands(command_names), self.clicks(values, click_names), strict=True)
                  for b in pair]
        floor = await post_all(self.http, self.floor.url, stream, concurrency)
        bot = await post_all(self.http, self.bot.url, stream, concurrency)
        await self.prompts(command_names)
        await self.outcomes(click_names)  # let the bot finish before the next level
        return bot[0::2], bot[1::2], floor[0::2], floor[1::2]

    async def bot_round(self, count: int, concurrency: int) -> tuple[list[float], list[float]]:
        """Commands, then confirm clicks on their prompts; ack latencies of each; waits for every outcome."""
        names = self.names("cmd", count)
        command_acks = await post_all(self.http, self.bot.url, self.commands(names), concurrency)
        values = await self.prompts(names)
        click_names = self.names("click", count)
        click_acks = await post_all(self.http, self.bot.url, self.clicks(values, click_names), concurrency)
        await self.outcomes(click_names)
        return command_acks, click_acks

    async def floor_round(self, count: int, concurrency: int) -> tuple[list[float], list[float]]:
        names = self.names("floor", count)
        command_acks = await post_all(self.http, self.floor.url, self.commands(names), concurrency)
        clicks = self.clicks(["A" * 24] * count, names)
        click_acks = await post_all(self.http, self.floor.url, clicks, concurrency)
        return command_acks, click_acks


async def time_to_health(env: dict[str, str]) -> float:
    """Seconds from starting `python -m bot` to /healthz answering 200."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DD_", "DATADOG_"))}
    port = env["PORT"]
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env={**clean, **env, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(timeout=1) as http:
            while True:
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.005)
    finally:
        process.terminate()
        await process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="commands (and as many clicks) per level")
    parser.add_argument("--flows", type=int, default=1000, help="complete flows for the memory figure")
    parser.add_argument("--bot", type=Path, default=ROOT, help="the checkout to run the bot from (before/after)")
    args = parser.parse_args()
    bench_started = time.perf_counter()

    slack, datadog = BenchSlack(), BenchDatadog()
    await slack.start()
    await datadog.start()
    datadog.sticky = True
    datadog.add_v1(["env:prod"])
    # The load generator keeps nothing it does not wait for, so its own memory and GC stay flat.
    slack.waiters.history = datadog.waiters.history = False
    env = {**base_env(slack.url + "/api/", datadog.url), "DD_TIMEOUT_SECONDS": "30", "DD_MAX_ATTEMPTS": "1"}
    bot = await spawn("bot", env, args.bot)
    floor = await spawn("bench.floor", env)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    http = httpx.AsyncClient(timeout=60, limits=limits)
    h = Harness(slack, datadog, bot, floor, http)
    lines: list[str] = []
    try:
        await h.bot_round(20, 5)  # warm-up: imports, auth.test, connection pools
        await h.floor_round(20, 5)
        idle_rss = bot.rss_mb()
        gc.collect()
        gc.freeze()  # this process's long-lived objects: keep its collections short during measurement

        lines.append("| ack latency, ms: bot (floor, ratio) | p50 | p90 | p99 | max |")
        lines.append("| --- | ---: | ---: | ---: | ---: |")
        for concurrency in (1, 10, 50):
            bot_cmd, bot_click, floor_cmd, floor_click = await h.level(args.requests, concurrency)
            lines.append(row(f"`/cancel-downtime`, {concurrency} client(s)", bot_cmd, floor_cmd))
            lines.append(row(f"confirm click, {concurrency} client(s)", bot_click, floor_click))

        # A burst while every Datadog call takes 5 s.
        names = h.names("slow", 50)
        await post_all(http, bot.url, h.commands(names), 10)
        values = await h.prompts(names)
        datadog.latency = 5.0
        click_names = h.names("slowclick", 50)
        burst = h.commands(h.names("slowcmd", 50)) + h.clicks(values, click_names)
        bot_burst = await post_all(http, bot.url, burst, 100)
        floor_burst = await post_all(http, floor.url, burst, 100)
        lines.append(row("burst of 50 commands + 50 clicks, Datadog 5 s", bot_burst, floor_burst))
        await h.outcomes(click_names, within=60)
        datadog.latency = 0.0

        # Overhead per flow: click to channel message, Datadog answering at once.
        flow_times: list[float] = []
        for _ in range(100):
            (name,) = h.names("flow", 1)
            await post_all(http, bot.url, h.commands([name]), 1)
            (value,) = await h.prompts([name])
            (click_name,) = h.names("flowclick", 1)
            started = time.perf_counter()
            await post_all(http, bot.url, h.clicks([value], [click_name]), 1)
            await h.outcomes([click_name])
            flow_times.append(time.perf_counter() - started)
        overhead = stats(flow_times)

        # Memory (and CPU) after complete flows.
        cpu_before = bot.cpu_seconds()
        for _ in range(args.flows // 100):
            await h.bot_round(100, 10)
        rss_after = bot.rss_mb()
        cpu_per_flow = (bot.cpu_seconds() - cpu_before) / (args.flows // 100 * 100) * 1000
        floor_cpu_before = floor.cpu_seconds()
        await h.floor_round(args.flows // 2, 10)
        floor_cpu_per_request = (floor.cpu_seconds() - floor_cpu_before) / args.flows * 1000
        for _ in range(args.flows // 100):
            await h.bot_round(100, 10)
        rss_after_twice = bot.rss_mb()
    finally:
        await http.aclose()
        await bot.stop()
        await floor.stop()

    start_times = []
    for _ in range(3):
        start_times.append(await time_to_health({**env, "PORT": str(free_port())}))
    await slack.stop()
    await datadog.stop()

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"{time.strftime('%Y-%m-%d')}, {machine}; {args.requests} commands and {args.requests} clicks per level\n")
    print("\n".join(lines))
    print()
    print("| other measure | value | goal |")
    print("| --- | ---: | --- |")
    print(f"| confirm click to channel message (Datadog instant), p50 / p90 / max | "
          f"{overhead['p50']:.1f} / {overhead['p90']:.1f} / {overhead['max']:.1f} ms | under 20 ms at p50 |")
    print(f"| CPU per complete flow (command, preview, click, cancel, report): bot / floor per request | "
          f"{cpu_per_flow:.1f} / {floor_cpu_per_request:.2f} ms | |")
    print(f"| process start to `/healthz` 200, best / worst of 3 | {min(start_times):.2f} / {max(start_times):.2f} s "
          f"| under 2 s |")
    print(f"| resident memory: idle / after {args.flows} flows / after {2 * args.flows} flows | "
          f"{idle_rss:.0f} / {rss_after:.0f} / {rss_after_twice:.0f} MB | under 120 MB, no growth |")
    print(f"\nbenchmark took {time.perf_counter() - bench_started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
