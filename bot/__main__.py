"""`python -m bot [check] [--socket-mode] [--env-file F]`: load `.env`, check settings, then run the bot
or (`check`) try the configuration against Slack, Datadog and Redis. `python -m bot demo [--port P]`: the
bot in a sandbox, with nothing to configure."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from dotenv import load_dotenv

from bot import check
from bot.config import LOG_LEVELS, Settings
from bot.errors import ConfigError
from bot.logs import configure_logging
from bot.sandbox import DEFAULT_PORT
from bot.slack.server import run


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="The /cancel-downtime Slack bot.")
    parser.add_argument(
        "command", nargs="?", choices=["check", "demo"],
        help="check: try the configuration against Slack, Datadog and Redis, then exit (0: all passed); "
             "demo: the bot against a sandbox Slack and Datadog, in your browser (reads no .env)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="demo: the page's port (default: 3000)")
    parser.add_argument(
        "--socket-mode", action="store_true", help="connect over Socket Mode (needs SLACK_APP_TOKEN)"
    )
    parser.add_argument("--env-file", help="file of defaults; the environment wins (default: .env, if present)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo(args.port)

    env_file = Path(args.env_file or ".env")
    if args.env_file and not env_file.is_file():
        print(f"cancel-downtime-bot cannot start. --env-file {args.env_file}: no such file.", file=sys.stderr)
        return 2
    load_dotenv(env_file, override=False)
    try:
        settings = Settings.from_env(os.environ, mode="socket" if args.socket_mode else "http")
    except ConfigError as error:
        print(f"cancel-downtime-bot cannot start. {error}", file=sys.stderr)
        if not env_file.is_file():
            print(f"No .env file in {Path.cwd()}: run cp .env.example .env and fill it in, or set the variables in "
                  "the environment (or name a file with --env-file).", file=sys.stderr)
            print("To see the bot work first, with no Slack app and no Datadog keys: python -m bot demo",
                  file=sys.stderr)
        return 2
    # `check` speaks in its own lines only; the libraries' log lines (a retry, a refused connection) would say
    # the same thing again, in JSON, in between. LOG_LEVEL=DEBUG brings them back, to investigate.
    quiet = args.command == "check" and settings.log_level != "DEBUG"
    log_writer = configure_logging(logging.CRITICAL + 1 if quiet else settings.logging_level, settings.secrets())
    try:
        if args.command == "check":
            return asyncio.run(check.main(settings))
        return asyncio.run(run(settings))
    finally:
        log_writer.stop()  # writes out whatever is still queued


def _demo(port: int) -> int:
    """The sandbox: made-up tokens and keys, so nothing from .env or the environment but LOG_LEVEL is read."""
    if not 0 < port < 65536:
        print(f"--port {port}: a port is 1 to 65535.", file=sys.stderr)
        return 2
    level = os.environ.get("LOG_LEVEL", "").strip().upper()
    log_writer = configure_logging(getattr(logging, level if level in LOG_LEVELS else "WARNING"), ())
    from bot.sandbox.run import demo  # only the demo loads the sandbox, not every start of the bot

    try:
        return asyncio.run(demo(port))
    finally:
        log_writer.stop()


def console() -> None:
    """The `cancel-downtime-bot` console script."""
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
