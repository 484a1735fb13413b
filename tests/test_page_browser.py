"""The sandbox's page in a real browser (headless Chromium): type the command, press the red button and its confirm,
read the channel report, press Undo and its confirm, with no error in the browser's console."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.sandbox.run import Sandbox
from tests.browser import Browser, Page, chromium_path

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install -y chromium; .ci/run installs it)",
)

MESSAGES = "[...document.querySelectorAll('#messages .message')]"


def channel_message(having: str) -> str:
    """A JS test: a message everyone in the channel sees (no "Only visible to you") containing `having`."""
    return (f"{MESSAGES}.some(m => !m.querySelector('.only-you') && m.textContent.includes({json.dumps(having)}))")


@pytest.fixture
async def page() -> AsyncIterator[tuple[Page, Sandbox]]:
    """The sandbox, and its page open in a fresh headless Chromium."""
    sandbox = Sandbox()
    await sandbox.start()
    browser = Browser()
    try:
        await browser.start()
        tab = await browser.page()
        await tab.goto(sandbox.url)
        await tab.wait_for(f"{MESSAGES}.length >= 1")  # Datadog's alert, from the seed
        yield tab, sandbox
    finally:
        await browser.stop()
        await sandbox.stop()


async def test_cancel_then_undo_in_the_browser(page: tuple[Page, Sandbox]) -> None:
    """The flow a newcomer tries first, through the page alone, ends with the downtimes back and no console error."""
    tab, sandbox = page
    live = len(sandbox.datadog.live())
    await tab.type("#text", "/cancel-downtime env:prod,service:api -- deploy finished early")
    await tab.wait_for("!!document.querySelector('#messages .bk-button.bk-danger')")
    assert await tab.evaluate("document.querySelector('#messages .only-you') !== null")  # the prompt is ephemeral

    await tab.click("#messages .bk-button.bk-danger")
    await tab.wait_for("document.querySelector('dialog#confirm').open")
    title = await tab.evaluate("document.getElementById('confirm-title').textContent")
    assert title.startswith("Cancel 3 downtimes")
    assert len(sandbox.datadog.live()) == live  # nothing happens before the confirm
    await tab.click("#confirm-yes")

    await tab.wait_for(channel_message("cancelled 3 downtimes"), within=15)
    assert len(sandbox.datadog.live()) == live - 3
    report = await tab.evaluate(f"{MESSAGES}.find(m => m.textContent.includes('cancelled 3 downtimes')).textContent")
    assert "deploy finished early" in report
    assert "Undo: restore 3 downtimes" in report
    assert not await tab.evaluate(f"{MESSAGES}.some(m => m.textContent.includes('Cancel all 3'))")  # prompt gone

    await tab.click("#messages .bk-button[data-action*='cancel_downtime_undo']")
    await tab.wait_for("document.querySelector('dialog#confirm').open")  # Undo asks too
    assert (await tab.evaluate("document.getElementById('confirm-title').textContent")).startswith("Restore 3")
    await tab.click("#confirm-yes")
    await tab.wait_for(channel_message("restored 3 downtimes"), within=15)
    assert len(sandbox.datadog.live()) == live
    assert tab.errors == []


async def test_going_back_in_the_confirm_dialog_does_nothing(page: tuple[Page, Sandbox]) -> None:
    """Go back in the confirm dialog sends nothing: the prompt stays and Datadog is untouched."""
    tab, sandbox = page
    await tab.type("#text", "/cancel-downtime env:staging")
    await tab.wait_for("!!document.querySelector('#messages .bk-button.bk-danger')")
    before = len(sandbox.datadog.requests)
    await tab.click("#messages .bk-button.bk-danger")
    await tab.wait_for("document.querySelector('dialog#confirm').open")
    await tab.click("#confirm-deny")
    await tab.wait_for("!document.querySelector('dialog#confirm').open")
    assert len(sandbox.datadog.requests) == before
    assert await tab.evaluate("!!document.querySelector('#messages .bk-button.bk-danger')")
    assert tab.errors == []


async def test_the_home_tab_its_modal_and_the_shortcut_in_the_browser(page: tuple[Page, Sandbox]) -> None:
    """The other ways in work from the page: the Home tab's Cancel… opens the prompt in a modal, a guest's Home
    tab says why not, and the shortcut on Datadog's alert answers with the prompt for its monitor."""
    tab, _ = page
    await tab.click("#apps button")
    await tab.wait_for("!!document.querySelector('#home .bk-header')")
    assert "Muted in Datadog" in await tab.evaluate("document.getElementById('home').textContent")
    await tab.click("#home .bk-accessory .bk-button[data-action*='home_cancel']")
    await tab.wait_for("!document.getElementById('modal-backdrop').hidden"
                       " && !!document.querySelector('#modal .bk-button.bk-danger')", within=15)
    assert await tab.evaluate("document.getElementById('modal-title').textContent") == "Cancel downtimes"
    await tab.click("#modal-close")
    await tab.wait_for("document.getElementById('modal-backdrop').hidden")
    assert await tab.evaluate("document.getElementById('composer').offsetParent === null")  # no composer on Home

    await tab.evaluate("(() => { const me = document.getElementById('me'); me.value = 'U0GUS';"
                       " me.dispatchEvent(new Event('change')); return true; })()")  # act as the guest
    await tab.wait_for("document.getElementById('home').textContent.includes('Guest accounts cannot use this bot')")

    await tab.evaluate("(() => { const me = document.getElementById('me'); me.value = 'U0ALICE';"
                       " me.dispatchEvent(new Event('change')); return true; })()")
    await tab.click("#channels button")  # back to #incident-api
    await tab.wait_for(f"{MESSAGES}.length >= 1")
    await tab.hover("#messages .message")  # a message's tools show on hover, as in Slack
    await tab.click("#messages .message .shortcut")
    await tab.wait_for(f"{MESSAGES}.some(m => m.textContent.includes('silencing monitor'))", within=15)
    assert tab.errors == []
