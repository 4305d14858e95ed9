"""The Slack app as ``manifest.yml`` declares it: the bot token's scopes and the bot events the app subscribes to.

The emulator grants the bot token exactly these scopes and delivers exactly these events, so the sandbox behaves as
a workspace where this manifest was installed: a Web API method called without its scope answers ``missing_scope``
and an event the manifest does not subscribe to never arrives. ``EVENT_SCOPES`` is what Slack requires before it
lets an app subscribe to a bot event (its app settings refuse the subscription otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.yml"

EVENT_SCOPES: Mapping[str, str | None] = {
    "app_mention": "app_mentions:read",
    "app_home_opened": None,
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
}
"""The scope each bot event needs (Slack's Events API reference); None: no scope."""


@dataclass(frozen=True)
class AppManifest:
    bot_scopes: frozenset[str]
    bot_events: frozenset[str]

    def events_without_scope(self) -> dict[str, str]:
        """Subscribed events whose scope the manifest does not ask for (Slack would refuse the manifest)."""
        missing: dict[str, str] = {}
        for event in sorted(self.bot_events):
            needed = EVENT_SCOPES.get(event, f"(an unknown event: add {event!r} to EVENT_SCOPES)")
            if needed is not None and needed not in self.bot_scopes:
                missing[event] = needed
        return missing


def load_manifest(path: Path = MANIFEST_PATH) -> AppManifest:
    """The bot scopes and bot events of the manifest at ``path``; ValueError names what is missing."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        scopes = data["oauth_config"]["scopes"]["bot"]
        events = data["settings"]["event_subscriptions"]["bot_events"]
    except (KeyError, TypeError) as exc:
        raise ValueError(
            f"{path}: needs oauth_config.scopes.bot and settings.event_subscriptions.bot_events ({exc!r} missing)"
        ) from None
    return AppManifest(bot_scopes=frozenset(map(str, scopes)), bot_events=frozenset(map(str, events)))
