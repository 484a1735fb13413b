"""Time from `/cancel-downtime` to the preview prompt as the number of downtimes grows.

Runs the real bot (`python -m bot`, HTTP mode) as its own process against loopback fakes of Slack and
Datadog in this process; the fake Datadog adds a fixed latency to every request. For each size it
sends signed commands one after another and reports the median and worst time until the prompt
reaches the fake response_url, and how many Datadog requests one preview made.

`--history` adds, for each size, that share of extra downtimes cancelled or ended recently: Datadog's
lists hold those for about two days when asked without `current_only`, as the bot must ask (to see
scheduled downtimes), and the bot reads and drops them. It measures what that extra data costs.

    .venv/bin/python -m bench.preview [--sizes 100 1000 10000] [--history 0 0.5] [--latency 0.05] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from bench.fakes import BenchDatadog, BenchSlack
from bench.processes import spawn
from tests.fakes import command_body, sign
from tests.helpers import SIGNING_SECRET, base_env


async def measure(size: int, latency: float, runs: int, history: float = 0.0) -> dict[str, float]:
    """Median and worst command-to-prompt time with `size` live downtimes (a tenth of them v1), plus
    `history` times as many cancelled or ended ones that the lists still hold."""
    slack, datadog = BenchSlack(), BenchDatadog()
    await slack.start()
    await datadog.start()
    for i in range(size):
        if i % 10 == 0:
            datadog.add_v1([f"host:h{i}", "env:prod"])
        else:
            datadog.add_v2(f"host:h{i} AND env:prod")
    for i in range(int(size * history)):
        old = datadog.add_v1([f"host:old{i}"]) if i % 10 == 0 else datadog.add_v2(f"host:old{i}")
        if i % 2:
            old["canceled"] = old["start"] + 60
        else:
            old["end"] = old["start"] + 60
    datadog.latency = latency
    datadog.refresh = 3600  # no downtime here starts or ends while it runs: build the list once
    datadog.waiters.history = False
    env = {**base_env(slack.url + "/api/", datadog.url), "DD_TIMEOUT_SECONDS": "60"}
    bot = await spawn("bot", env)
    timings: list[float] = []
    requests_per_preview = 0.0
    cpu: list[float] = []
    try:
        async with httpx.AsyncClient(timeout=120) as http:
            for run in range(runs + 1):  # the first run warms up (auth.test, connection pools)
                name = f"r{run}"
                before = datadog.answered
                body = command_body(f"host:h{size - 1},env:prod", response_url=slack.response_url(name))
                started = time.perf_counter()
                cpu_before = bot.cpu_seconds()
                url = bot.url
                await http.post(url, content=body, headers=sign(body, SIGNING_SECRET))
                path = f"/response/{name}"
                await slack.wait_for(lambda r: r.path == path, within=120)  # noqa: B023 - awaited in this iteration
                elapsed = time.perf_counter() - started
                if run:
                    timings.append(elapsed)
                    cpu.append(bot.cpu_seconds() - cpu_before)
                    requests_per_preview = datadog.answered - before
    finally:
        await bot.stop()
        await slack.stop()
        await datadog.stop()
    return {
        "downtimes": size,
        "median_s": statistics.median(timings),
        "max_s": max(timings),
        "datadog_requests": requests_per_preview,
        "bot_cpu_s": statistics.median(cpu),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--history", type=float, nargs="+", default=[0.0, 0.5],
                        help="extra cancelled or ended downtimes, as a share of the live ones")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake Datadog adds per request")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"fake Datadog latency per request: {args.latency * 1000:.0f} ms; {args.runs} runs per size")
    print("| live downtimes | + cancelled or ended | Datadog requests per preview | median | worst | bot CPU |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for history in args.history:
        for size in args.sizes:
            result = await measure(size, args.latency, args.runs, history)
            print(f"| {size:,} | {int(size * history):,} | {result['datadog_requests']:.0f} "
                  f"| {result['median_s'] * 1000:.0f} ms | {result['max_s'] * 1000:.0f} ms "
                  f"| {result['bot_cpu_s'] * 1000:.0f} ms |", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
