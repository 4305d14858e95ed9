"""The sandbox page: a local Slack-like web page over the emulators (see ``sandbox.web.console``)."""

from sandbox.web.console import WebConsole

__all__ = ["WebConsole"]
