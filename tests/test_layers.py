"""The shape of the house, read from the code with `ast`: imports point down the layers, the pure parts stay pure,
nothing leans on a module Bolt or slack_sdk call internal, and no module grows past 300 lines."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.helpers import ROOT

BOT = ROOT / "bot"
SIMULATORS = tuple(f"bot.sandbox.{name}" for name in ("loopback", "org", "changes", "datadog", "payloads", "people",
                                                       "limits"))
# Lowest first: a module may import its own layer and those below it, never one above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("bot", "bot.errors", *SIMULATORS)),
    ("domain", ("bot.domain",)),
    ("process", ("bot.logs", "bot.audit", "bot.environment", "bot.config")),
    ("outside services", ("bot.datadog", "bot.state")),
    ("use cases", ("bot.usecases",)),
    ("views", ("bot.slack.views",)),
    ("slack plumbing", ("bot.slack.web", "bot.slack.identity", "bot.slack.membership", "bot.slack.people",
                        "bot.slack.respond", "bot.slack.modal",
                        "bot.slack.edge", "bot.slack.inflight", "bot.slack.services", "bot.slack.finish",
                        "bot.slack.restoring")),
    ("listeners", ("bot.slack.listeners",)),
    ("wiring", ("bot.slack.app", "bot.slack.socket_mode", "bot.slack.reconciler", "bot.slack.http_app",
                "bot.slack.server")),
    # The sandbox plays Slack and Datadog around the bot: its page and runner sit above the wiring they
    # start; its simulators (low, in "base") know nothing of the bot, and the bot nothing of its sandbox.
    ("sandbox", ("bot.sandbox",)),
    ("entry", ("bot.check", "bot.__main__")),
]
# What the pure and Slack-free layers may import from outside the bot.
PURE_LIBRARIES = {"dateutil"}
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk", "aiohttp")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> list[tuple[str, Path]]:
    return sorted((module_name(p), p) for p in BOT.rglob("*.py"))


@cache
def imports(path: Path) -> tuple[str, ...]:
    """Every module `path` imports, each once."""
    return tuple(dict.fromkeys(_imports(path)))


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports (`from a import b` names `a.b` when `a.b` is a module of the bot)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if (BOT.parent / (candidate.replace(".", "/") + ".py")).exists() or \
                        (BOT.parent / candidate.replace(".", "/")).is_dir():
                    yield candidate


def layer_of(module: str) -> int:
    """The index of the layer a bot module belongs to (the longest matching prefix decides)."""
    best, found = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    if found < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS (and to the README's map)")
    return found


def test_imports_point_down_the_layers() -> None:
    """No module imports a layer above its own."""
    upward = [
        f"{module} ({LAYERS[layer_of(module)][0]}) imports {name} ({LAYERS[layer_of(name)][0]})"
        for module, path in modules() for name in imports(path)
        if (name == "bot" or name.startswith("bot.")) and layer_of(name) > layer_of(module)
    ]
    assert not upward, "imports pointing up:\n" + "\n".join(upward)


def test_the_bot_knows_nothing_of_its_sandbox() -> None:
    """No module outside `bot.sandbox` imports it, but the entry point that starts it: the sandbox runs the
    bot unchanged."""
    for module, path in modules():
        if module.startswith("bot.sandbox") or module == "bot.__main__":
            continue
        for name in imports(path):
            assert not name.startswith("bot.sandbox"), f"{module} imports {name}"


def test_every_layer_names_real_modules() -> None:
    """Each prefix in LAYERS is a module or package that exists, so the map cannot drift from the tree."""
    names = {m for m, _ in modules()}
    for _, prefixes in LAYERS:
        for prefix in prefixes:
            assert prefix in names, f"LAYERS names {prefix}, which does not exist"


def test_the_domain_is_pure() -> None:
    """bot.domain imports only the standard library, dateutil, and itself."""
    for module, path in modules():
        if not module.startswith("bot.domain"):
            continue
        for name in imports(path):
            top = name.split(".")[0]
            if top == "bot":
                assert name == "bot" or name.startswith(("bot.domain", "bot.errors")), f"{module} imports {name}"
            else:
                assert top in PURE_LIBRARIES or _stdlib(top), f"{module} imports {name}"


def test_use_cases_datadog_and_state_know_no_slack() -> None:
    """The Slack-free layers import neither Bolt, nor slack_sdk, nor the Slack layer."""
    for module, path in modules():
        if not module.startswith(("bot.usecases", "bot.datadog", "bot.state", "bot.domain")):
            continue
        for name in imports(path):
            assert not name.startswith(("bot.slack", *SLACK_LIBRARIES[:2])), f"{module} imports {name}"


def test_nothing_imports_what_bolt_or_the_sdk_call_internal() -> None:
    """No module of the bot imports `…internals`, `…internal_utils` or a private module of Bolt or slack_sdk."""
    for module, path in modules():
        for name in imports(path):
            if name.startswith(("slack_bolt", "slack_sdk")):
                parts = name.split(".")
                assert not any("internal" in p or p.startswith("_") for p in parts), f"{module} imports {name}"


def test_no_module_is_over_300_lines() -> None:
    """Every module stays a size a newcomer reads in one sitting."""
    long = [f"{module} ({n} lines)" for module, path in modules() if (n := len(path.read_text().splitlines())) > 300]
    assert not long, f"past 300 lines, split by job: {', '.join(long)}"


def test_test_files_share_helpers_only_through_helper_modules() -> None:
    """No test file imports from another test file (or bench from a test file): what tests share lives in
    `tests/helpers.py`, `tests/conftest.py`, `tests/fakes/` and the other helper modules of `tests/`."""
    borrowed = [
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in ("tests", "bench") for path in sorted((ROOT / folder).rglob("*.py"))
        for name in imports(path)
        if name.startswith("tests.") and name.split(".")[-1].startswith("test_")
    ]
    assert not borrowed, "a test file's helpers belong in tests/helpers.py:\n" + "\n".join(borrowed)


def _stdlib(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names or name == "__future__"
