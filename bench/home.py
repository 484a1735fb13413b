"""The App Home tab and shared reads at scale: what many people opening the Home tab or previewing at once cost.

Runs the real bot (`python -m bot`, HTTP mode) as its own process against loopback fakes of Slack and
Datadog in this process; the fake Datadog adds a fixed latency to every request.

1. The Home tab at N live downtimes (10,000 by default, in scopes of five): time from `app_home_opened`
   to `views.publish`, the Datadog requests one opening makes, the bot's CPU, the blocks published.
2. Twenty concurrent Home opens (HOME_CACHE_SECONDS=0: nothing reused, only shared while in flight),
   and twenty concurrent previews of twenty different scopes: how many times each Datadog list is read,
   against one open or one preview alone. The goal: at most 1.1 times.
3. Acks at 40 commands a second, each a different scope, for `--seconds`: p50 and p99 against the bare
   Bolt floor (`bench/floor.py`) in the same run. `--bot <checkout>` runs another checkout's bot (the
   one before shared reads) for the comparison.

    .venv/bin/python -m bench.home [--size 10000] [--latency 0.05] [--runs 5] [--seconds 10] [--bot PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bench.fakes import BenchDatadog, BenchSlack
from bench.processes import ROOT, Proc, spawn
from bench.speed import stats
from bot.sandbox.payloads import home_opened_body, signed_json
from tests.fakes import command_body, sign
from tests.helpers import SIGNING_SECRET, base_env

LISTS = ("/api/v1/downtime", "/api/v2/downtime")


def seed(datadog: BenchDatadog, size: int) -> None:
    """`size` live downtimes in scopes of five, a tenth of them v1, a fifth of them scheduled."""
    for i in range(size):
        start_in = 7200 if i % 5 == 4 else 0
        if i % 10 == 0:
            datadog.add_v1([f"service:s{i // 5}", "env:prod"], start_in=start_in, duration=3600 * (1 + i % 7))
        else:
            datadog.add_v2(f"service:s{i // 5} AND env:prod", start_in=start_in, duration=3600 * (1 + i % 7))


def list_reads(datadog: BenchDatadog, since: int) -> int:
    return sum(1 for r in datadog.requests[since:] if r.method == "GET" and r.path in LISTS)


async def open_home(http: httpx.AsyncClient, bot: Proc, slack: BenchSlack, user: str) -> float:
    body = home_opened_body(user_id=user, channel="D" + user[1:])
    started = time.perf_counter()
    await http.post(bot.url, content=body, headers=signed_json(body, SIGNING_SECRET))
    await slack.wait_for(lambda r: r.path == "/api/views.publish" and f'"{user}"' in r.body.decode(), within=120)
    return time.perf_counter() - started


@asynccontextmanager
async def seeded_bot(size: int, latency: float) -> AsyncIterator[tuple[BenchSlack, BenchDatadog, Proc]]:
    """The fakes, `size` downtimes, and the bot as its own process with nothing reused (HOME_CACHE_SECONDS=0)."""
    slack, datadog = BenchSlack(), BenchDatadog()
    await slack.start()
    await datadog.start()
    seed(datadog, size)
    datadog.latency, datadog.refresh = latency, 3600
    env = {**base_env(slack.url + "/api/", datadog.url), "DD_TIMEOUT_SECONDS": "60", "HOME_CACHE_SECONDS": "0"}
    bot = await spawn("bot", env)
    try:
        yield slack, datadog, bot
    finally:
        await bot.stop()
        await slack.stop()
        await datadog.stop()


async def home_at_scale(size: int, latency: float, runs: int) -> dict[str, float]:
    times, cpu, requests = [], [], 0
    async with seeded_bot(size, latency) as (slack, datadog, bot), httpx.AsyncClient(timeout=120) as http:
        for run in range(runs + 1):  # the first warms up
            before, cpu_before = len(datadog.requests), bot.cpu_seconds()
            elapsed = await open_home(http, bot, slack, f"U{run:04d}")
            if run:
                times.append(elapsed)
                cpu.append(bot.cpu_seconds() - cpu_before)
                requests = len(datadog.requests) - before
        published = json.loads(slack.requests[-1].body)["view"]
    return {"median_s": statistics.median(times), "max_s": max(times), "requests": requests,
            "cpu_s": statistics.median(cpu), "blocks": len(published["blocks"])}


async def concurrent_reads(size: int, latency: float, people: int) -> dict[str, float]:
    found: dict[str, float] = {}
    pool = httpx.Limits(max_connections=100)
    async with seeded_bot(size, latency) as (slack, datadog, bot), httpx.AsyncClient(timeout=99, limits=pool) as http:
        await open_home(http, bot, slack, "UWARM")  # warm-up
        mark = len(datadog.requests)
        await open_home(http, bot, slack, "UONE")
        found["home_one"] = list_reads(datadog, mark)
        mark = len(datadog.requests)
        await asyncio.gather(*(open_home(http, bot, slack, f"U{i:04d}") for i in range(people)))
        found["home_many"] = list_reads(datadog, mark)

        async def preview(scope: str, name: str) -> None:
            body = command_body(scope, response_url=slack.response_url(name))
            await http.post(bot.url, content=body, headers=sign(body, SIGNING_SECRET))
            await slack.wait_for(lambda r: r.path == f"/response/{name}", within=120)

        mark = len(datadog.requests)
        await preview("service:s1,env:prod", "one")
        found["preview_one"] = list_reads(datadog, mark)
        mark = len(datadog.requests)
        await asyncio.gather(*(preview(f"service:s{i + 2},env:prod", f"p{i}") for i in range(people)))
        found["preview_many"] = list_reads(datadog, mark)
    return found


async def paced_acks(root: Path, latency: float, rate: float, seconds: float) -> tuple[list[float], list[float]]:
    """Ack latencies of the bot (from `root`) and of the floor, at `rate` commands a second, each a new scope."""
    slack, datadog = BenchSlack(), BenchDatadog()
    await slack.start()
    await datadog.start()
    seed(datadog, 1000)
    datadog.latency, datadog.refresh = latency, 3600
    slack.waiters.history = datadog.waiters.history = False
    env = {**base_env(slack.url + "/api/", datadog.url), "DD_TIMEOUT_SECONDS": "60", "DD_MAX_ATTEMPTS": "1"}
    bot, floor = await spawn("bot", env, root), await spawn("bench.floor", env)
    results: list[list[float]] = []
    try:
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=400)) as http:
            for proc in (bot, floor):
                latencies: list[float] = []

                async def one(i: int, proc: Proc = proc, latencies: list[float] = latencies) -> None:
                    body = command_body(f"service:s{i % 200},env:prod", response_url=slack.response_url(f"a{i}"))
                    started = time.perf_counter()
                    response = await http.post(proc.url, content=body, headers=sign(body, SIGNING_SECRET))
                    latencies.append(time.perf_counter() - started)
                    assert response.status_code == 200

                for warm in range(20):
                    await one(warm)
                latencies.clear()
                tasks = []
                count = int(rate * seconds)
                begun = time.perf_counter()
                for i in range(count):
                    await asyncio.sleep(max(0.0, begun + i / rate - time.perf_counter()))
                    tasks.append(asyncio.create_task(one(i)))
                await asyncio.gather(*tasks)
                await asyncio.sleep(2)  # the previews finish before the next process is measured
                results.append(latencies)
    finally:
        await bot.stop()
        await floor.stop()
        await slack.stop()
        await datadog.stop()
    return results[0], results[1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake Datadog adds per request")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--rate", type=float, default=40.0, help="commands a second for the ack figures")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--bot", type=Path, default=ROOT, help="the checkout to run the bot from, for part 3")
    args = parser.parse_args()
    print(f"fake Datadog latency per request: {args.latency * 1000:.0f} ms")
    scale = await home_at_scale(args.size, args.latency, args.runs)
    print(f"| Home tab at {args.size:,} downtimes | median {scale['median_s'] * 1000:.0f} ms, worst "
          f"{scale['max_s'] * 1000:.0f} ms | {scale['requests']:.0f} Datadog requests | bot CPU "
          f"{scale['cpu_s'] * 1000:.0f} ms | {scale['blocks']:.0f} blocks |", flush=True)
    reads = await concurrent_reads(args.size, args.latency, args.people)
    for what in ("home", "preview"):
        one, many = reads[f"{what}_one"], reads[f"{what}_many"]
        ratio = many / one if one else float("inf")
        print(f"| {args.people} concurrent {what}s | list reads {many:.0f} against {one:.0f} for one | "
              f"{ratio:.2f}x | {'ok' if ratio <= 1.1 else 'OVER 1.1x'} |", flush=True)
    bot_acks, floor_acks = await paced_acks(args.bot, args.latency, args.rate, args.seconds)
    b, f = stats(bot_acks), stats(floor_acks)
    print(f"| acks at {args.rate:g} commands/s ({args.bot}) | p50 {b['p50']:.1f} ms (floor {f['p50']:.1f}, "
          f"{b['p50'] / f['p50']:.2f}x) | p99 {b['p99']:.1f} ms (floor {f['p99']:.1f}, {b['p99'] / f['p99']:.2f}x) |")


if __name__ == "__main__":
    asyncio.run(main())
