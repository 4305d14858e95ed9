"""Every emoji code the bot writes is drawn by the sandbox page as Slack draws it, not shown as ``:code:``.

Slack renders every standard emoji code in ``mrkdwn`` and in ``plain_text`` with ``emoji: true``; the page knows a
table of them (``sandbox/web/static/mrkdwn.js``). A code missing there would show literally on the page while Slack
shows the emoji, so the demo would look broken where the product is not.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_CODE = re.compile(r"(?<![A-Za-z0-9_}{])(:[a-z][a-z0-9_+-]*:)(?=[\s\"'])")


def _page_emoji() -> set[str]:
    table = (REPO / "sandbox" / "web" / "static" / "mrkdwn.js").read_text(encoding="utf-8")
    body = table[table.index("export const EMOJI = {") : table.index("};")]
    return {name.strip('"') for name in re.findall(r'("?[a-z0-9_+-]+"?):\s*"', body)}


def _product_codes() -> set[str]:
    sources = [*(REPO / "bot").glob("*.py"), *(REPO / "approvals").rglob("*.py")]
    return {match[1].strip(":") for path in sources for match in _CODE.finditer(path.read_text(encoding="utf-8"))}


def test_the_bot_uses_emoji_codes_and_the_scan_finds_them() -> None:
    assert {"white_check_mark", "small_orange_diamond", "rotating_light"} <= _product_codes()


def test_the_page_draws_every_emoji_code_the_bot_writes() -> None:
    missing = _product_codes() - _page_emoji()
    assert not missing, f"add these to EMOJI in sandbox/web/static/mrkdwn.js: {sorted(missing)}"
