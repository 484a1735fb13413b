"""Server processes for the benchmarks: start, find the port, drain the output, read CPU and memory."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_draining: set[asyncio.Task[None]] = set()


@dataclass
class Proc:
    """A started server process."""

    process: asyncio.subprocess.Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


async def spawn(module: str, env: dict[str, str], root: Path = ROOT) -> Proc:
    """Start `python -m module` from `root` (another checkout, to measure it side by side), wait for its
    listening line, drain its output from then on."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DD_", "DATADOG_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, cwd=root, env={**clean, **env, "PYTHONPATH": str(root)},
        stdin=subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    async with asyncio.timeout(20):
        while True:
            line = await process.stdout.readline()
            if not line:
                raise RuntimeError(f"{module} exited before listening")
            try:
                message = json.loads(line).get("message", "")
            except ValueError:  # a library's plain-text line
                continue
            if message.startswith("listening on http://"):
                break
    task = asyncio.create_task(_drain(process.stdout))
    _draining.add(task)
    return Proc(process, int(message.rsplit(":", 1)[1].split("/")[0]))


async def _drain(stream: asyncio.StreamReader) -> None:
    async for _ in stream:
        pass
