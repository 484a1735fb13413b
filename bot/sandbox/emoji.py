"""The emoji the bot's messages use, by Slack's names, as the page and the pictures draw them.

`tests/test_blockkit.py` checks that every `:name:` in `bot/slack` is here, so none shows as its code.
"""

from __future__ import annotations

EMOJI = {
    "alarm_clock": "\u23f0",
    "bell": "\U0001f514",
    "globe_with_meridians": "\U0001f310",
    "grey_question": "\u2754",
    "hourglass_flowing_sand": "\u23f3",
    "information_source": "\u2139\ufe0f",
    "leftwards_arrow_with_hook": "\u21a9\ufe0f",
    "mag": "\U0001f50d",
    "no_entry": "\u26d4",
    "repeat": "\U0001f501",
    "rotating_light": "\U0001f6a8",
    "warning": "\u26a0\ufe0f",
    "white_check_mark": "\u2705",
    "x": "\u274c",
    "red_circle": "\U0001f534",
    "large_green_circle": "\U0001f7e2",
}
